"""Writes seed-data/standards.json: the NC Human Trafficking Commission's Standards of
Service (docs/sources/nchtc-standards-of-service.txt) as reference data — every
standard with its number, title, statement, service area (or foundational, with its group) and the three rubric
texts (exceeds / meets / does not meet), plus the five service areas with their
definition and goal.

The document mixes shapes, and each is read as such:
- headings as HTML (`<b>Standard 1: …</b>`, `<p><b>Standard 3: …</b></p> <p>statement</p>`),
  as markdown (`### Standard 9: …`, `**Standard 16: …**`, with a hard line break before
  the statement in `**Standard 22: …**  `), with the statement on the same line, on the
  next line, or in the next paragraph;
- rubric rows as tab-separated `Exceeds Standard<TAB>text` lines, a text sometimes made
  of several `<p>` paragraphs;
- group headings (`<b>EXTERNAL AUTHORITY</b>`, `## CONFIDENTIALITY, …`, `**STAFF, …**`)
  and service-area headings with `**Definition:**` and `**Goal:**` paragraphs.

Loud by design: anything it cannot place, a standard without a title, statement or
rubric text, a number out of order, or a body that disagrees with the document's own
index (numbers, titles, groups, areas) stops the script with the reason. The document's
own gaps are listed in KNOWN_GAPS and must stay exactly as listed.

Deterministic. Run: python3 scripts/seed-data/standards.py [PATH]
(default: docs/sources/nchtc-standards-of-service.txt).
"""
import html
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Service areas by their number in the document, with the codes the API uses.
AREA_CODES = {
    1: ("HOTLINE", "24-Hour Hotline"),
    2: ("CRISIS_RESPONSE", "Crisis Response"),
    3: ("CASE_MANAGEMENT", "Case Management"),
    4: ("PEER_SUPPORT", "Survivor Peer Support"),
    5: ("SHELTER_HOUSING", "Shelter and Housing"),
}

# What the document itself leaves out, field by standard. Each entry must be missing in
# the document (the script fails if one is filled in later, so this list never rots).
KNOWN_GAPS = {
    # "Standard 51: Intake Paperwork" goes straight from its title to the rubric.
    51: {"statement"},
}

# The rubric text that says a level does not exist for a standard (Standard 41 has no
# "exceeds"); stored as null.
NOT_APPLICABLE_TEXTS = {"N / A", "N/A"}

RUBRIC_LABELS = {
    "Exceeds Standard": "exceeds",
    "Meets Standard": "meets",
    "Does Not Meet Standard": "doesNotMeet",
}

END_MARKER = "The standards included in this publication"


def default_seed_path():
    return ROOT / "docs" / "sources" / "nchtc-standards-of-service.txt"


def fail(message):
    sys.exit(f"standards.py: {message}")


def clean(text):
    """Plain text: HTML paragraphs become blank-line-separated paragraphs, tags and
    markdown emphasis go, entities are decoded, runs of spaces collapse."""
    text = re.sub(r"</p>\s*<p>", "\n\n", text)
    text = re.sub(r"<[^>]+>", "", text)
    text = html.unescape(text)
    text = text.replace("**", "")
    paragraphs = [re.sub(r"[ \t\u00a0]+", " ", p).strip() for p in text.split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p)


def parse_index(lines):
    """The document's INDEX: (number, title, group) for foundational standards and
    (number, title, area number) for service-area ones."""
    index = {}
    section = None
    group = None
    for raw in lines:
        line = raw.strip()
        if line.startswith("## SECTION I:"):
            break
        if re.match(r"^#+ Section I:", line):
            section = "I"
            continue
        if re.match(r"^#+ Section II:", line):
            section = "II"
            continue
        if section is None or not line:
            continue
        m = re.match(r"^(\d+)\t(.+)$", raw.rstrip("\n"))
        if m:
            if group is None:
                fail(f"index entry before any group: {line!r}")
            number = int(m.group(1))
            index[number] = {"title": clean(m.group(2)), "section": section, "group": group}
            continue
        m = re.match(r"^Service Area (\d): (.+)$", line)
        if m and section == "II":
            group = int(m.group(1))
            if clean(m.group(2)) != AREA_CODES[group][1]:
                fail(f"service area {group} is called {m.group(2)!r} in the index")
            continue
        if section == "I" and not re.match(r"^#", line):
            group = clean(line)
            continue
        if line.startswith("#"):
            continue
        fail(f"unexpected line in the index: {line!r}")
    return index


HEADING = re.compile(
    r"^(?:\*\*|<p>)?\s*(?:<b>)?\s*Standard (\d+):\s*(.+?)\s*(?:</b>|\*\*)(?:</p>)?(.*)$"
    r"|^#+\s*Standard (\d+):\s*(.+?)\s*()$"
)
AREA_HEADING = re.compile(r"^(?:#+\s*|\*\*)?Service Area (\d): (.+?)(?:\*\*)?$")
GROUP_HEADING = re.compile(r"^(?:<p>)?<b>([A-Z ,]+)</b>(?:</p>)?$|^##\s+([A-Z ,]+)$|^\*\*([A-Z ,]+)\*\*$")


def parse_body(lines):
    standards = []
    areas = {}
    state = "before"  # before | intro | area | statement | rubric | done
    group = None
    area = None
    current = None
    area_part = None  # "definition" | "goal" while reading an area's paragraphs

    def finish():
        nonlocal current
        if current is None:
            return
        missing = [k for k in ("exceeds", "meets", "doesNotMeet") if k not in current]
        if missing:
            fail(f"standard {current['number']} has no {', '.join(missing)} row")
        current["statement"] = "\n\n".join(current.pop("_statement")) or None
        standards.append(current)
        current = None

    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\n").strip()
        where = f"line {number}"
        if state == "before":
            if line.startswith("## SECTION I:"):
                state = "intro"
            continue
        if not line:
            continue
        if line.startswith(END_MARKER):
            finish()
            state = "done"
            break
        if re.match(r"^#+ SECTION II:", line):
            finish()
            group, area, state = None, None, "intro"
            continue
        m = AREA_HEADING.match(line)
        if m:
            finish()
            n = int(m.group(1))
            if clean(m.group(2)) != AREA_CODES[n][1]:
                fail(f"{where}: service area {n} is called {m.group(2)!r}")
            area, group, state, area_part = n, None, "area", None
            areas[n] = {"definition": [], "goal": []}
            continue
        m = GROUP_HEADING.match(line)
        if m and area is None:
            finish()
            group = clean(next(g for g in m.groups() if g))
            state = "intro"
            continue
        m = HEADING.match(line)
        if m:
            finish()
            groups = m.groups()[:3] if m.group(1) else m.groups()[3:]
            n = int(groups[0])
            expected = standards[-1]["number"] + 1 if standards else 1
            if n != expected:
                fail(f"{where}: standard {n} where {expected} was expected")
            rest = clean(groups[2])
            current = {"number": n, "title": clean(groups[1]), "_statement": [rest] if rest else []}
            if area is None:
                if group is None:
                    fail(f"{where}: standard {n} before any group heading")
                current["area"] = None
                current["group"] = group.title().replace(" And ", " and ").replace(" With ", " with ")
            else:
                current["area"] = AREA_CODES[area][0]
                current["group"] = None
            state = "statement"
            continue
        if state in ("statement", "rubric"):
            label, sep, text = raw.rstrip("\n").partition("\t")
            key = RUBRIC_LABELS.get(label.strip())
            if sep and key:
                if key in current:
                    fail(f"{where}: standard {current['number']} has two {label.strip()!r} rows")
                value = clean(text)
                if not value:
                    fail(f"{where}: standard {current['number']}: {label.strip()!r} is empty")
                current[key] = None if value in NOT_APPLICABLE_TEXTS else value
                state = "rubric"
                continue
            if state == "statement":
                current["_statement"].append(clean(line))
                continue
            if all(k in current for k in RUBRIC_LABELS.values()):
                fail(f"{where}: text after standard {current['number']}'s rubric: {line!r}")
            fail(f"{where}: standard {current['number']}: a line that is no rubric row: {line!r}")
        if state == "area":
            m = re.match(r"^\*\*(Definition|Goal):\*\*\s*(.+)$", line)
            if m:
                area_part = m.group(1).lower()
                areas[area][area_part].append(clean(m.group(2)))
            elif area_part == "definition":
                areas[area]["definition"].append(clean(line))
            else:
                fail(f"{where}: service area {area}: unexpected text {line!r}")
            continue
        if state == "intro":
            continue  # the sections' introductions
        fail(f"{where}: cannot place {line!r}")
    if state != "done":
        fail("the end of the last standard was not found")
    return standards, areas


def main():
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else default_seed_path()
    lines = path.read_text(encoding="utf-8").splitlines()
    index = parse_index(lines)
    standards, areas = parse_body(lines)

    if sorted(index) != [s["number"] for s in standards]:
        fail(f"the index lists {sorted(index)}, the body has {[s['number'] for s in standards]}")
    for s in standards:
        entry = index[s["number"]]
        if entry["title"] != s["title"]:
            fail(f"standard {s['number']}: index title {entry['title']!r}, body title {s['title']!r}")
        if s["area"] is None:
            if entry["section"] != "I" or entry["group"].lower() != s["group"].lower():
                fail(f"standard {s['number']}: index puts it under {entry['group']!r}, the body under {s['group']!r}")
            s["group"] = entry["group"]
        elif entry["section"] != "II" or AREA_CODES[entry["group"]][0] != s["area"]:
            fail(f"standard {s['number']}: index puts it in area {entry['group']}, the body in {s['area']}")
        for field in ("title", "statement", "exceeds", "meets", "doesNotMeet"):
            gap = field in KNOWN_GAPS.get(s["number"], set())
            if field == "exceeds" and s[field] is None:
                continue  # the document says "N / A": no such level for this standard
            if gap and s[field] is not None:
                fail(f"standard {s['number']} now has a {field}: update KNOWN_GAPS")
            if not gap and not s[field]:
                fail(f"standard {s['number']} has no {field}")
    for n, (code, title) in AREA_CODES.items():
        if n not in areas or not areas[n]["definition"] or not areas[n]["goal"]:
            fail(f"service area {n} ({title}) lacks a definition or goal")

    out = {
        "source": "North Carolina Human Trafficking Commission, Standards of Service "
                  "(docs/sources/nchtc-standards-of-service.txt). Made by scripts/seed-data/standards.py.",
        "notes": [
            "Standard 13 (Health and Safety): the document's rubric texts repeat those of "
            "Standard 14 (Professional Boundaries); kept as published.",
            "Standard 41 (Survivor-Centered Approach): the document gives no 'exceeds' level "
            "(N / A); exceeds is null and EXCEEDS cannot be chosen for it.",
            "Standard 51 (Intake Paperwork): the document gives no statement; statement is null.",
        ],
        "serviceAreas": [
            {
                "code": code,
                "number": n,
                "title": title,
                "definition": "\n\n".join(areas[n]["definition"]),
                "goal": "\n\n".join(areas[n]["goal"]),
            }
            for n, (code, title) in AREA_CODES.items()
        ],
        "standards": [
            {k: s[k] for k in ("number", "title", "area", "group", "statement", "exceeds", "meets", "doesNotMeet")}
            for s in standards
        ],
    }
    target = ROOT / "seed-data" / "standards.json"
    target.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    per_area = {}
    for s in standards:
        per_area[s["area"] or "FOUNDATIONAL"] = per_area.get(s["area"] or "FOUNDATIONAL", 0) + 1
    print(f"wrote {len(standards)} standards {per_area} to {target}")


if __name__ == "__main__":
    main()
