"""Writes seed-data/capacity-checklist.json: the FUTURES *Capacity Assessment Checklist &
Action Plan* (docs/sources/futures-assessment-and-capacity-checklist.txt) — its sections and their questions, the four
questions of the internal capacity review, and the fields of the action-plan template.

The checklist's sections are top-level bullets (`- Define your organization's role …**`,
`- **Review and update …**`), their questions the indented bullets under them. A
question is answered in words (`TEXT`) when it asks "what …" or "to what …", and yes /
no / in progress (`YES_NO`) otherwise ("Are staff trained …?", "Review your
organization's policies …", "Ensure that …"): the document's own wording decides.

Loud by design: a section without questions, a line it cannot place, a missing review
question or template field stops the script with the reason.

Deterministic. Run: python3 scripts/seed-data/capacity_checklist.py [PATH]
(default: docs/sources/futures-assessment-and-capacity-checklist.txt).
"""
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Section codes, in the document's order, checked against each section's first words.
SECTIONS = [
    ("role", "Define your organization's role"),
    ("community", "Identify services and resources"),
    ("preparedness", "Assess internal preparedness"),
    ("screening", "Enhance the screening process"),
    ("case_management", "Review and update case management"),
    ("safety_planning", "Update safety planning"),
    ("protocols", "Develop and modify protocols"),
    ("confidentiality", "Ensure confidentiality"),
    ("partnerships", "Develop partnerships"),
]

REVIEW = ["capacity", "gaps_and_limits", "priorities", "resources_needed"]
ACTION_PLAN = [
    ("A", "goal"),
    ("B", "action_steps"),
    ("C", "organizations_engaged"),
    ("D", "timeline"),
    ("E", "next_steps"),
    ("F", "resources_needed"),
]


def fail(message):
    sys.exit(f"capacity_checklist.py: {message}")


def default_seed_path():
    return ROOT / "docs" / "sources" / "futures-assessment-and-capacity-checklist.txt"


def plain(text):
    return re.sub(r"\s+", " ", text.replace("**", "")).strip()


def kind_of(question):
    return "TEXT" if re.match(r"^(What|To what)\b", question) else "YES_NO"


def main():
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else default_seed_path()
    lines = path.read_text(encoding="utf-8").splitlines()
    try:
        start = next(i for i, l in enumerate(lines) if l.strip() == "Capacity Assessment Checklist & Action Plan")
        review_at = next(i for i, l in enumerate(lines) if l.strip() == "Internal Capacity Review & Action Plan")
        plan_at = next(i for i, l in enumerate(lines) if l.strip().startswith("Goals for Enhancing Services"))
    except StopIteration:
        fail("the checklist's headings were not found")

    sections = []
    for n, raw in enumerate(lines[start + 1:review_at], start=start + 2):
        if not raw.strip():
            continue
        top = re.match(r"^- (.+)$", raw)
        item = re.match(r"^ +- (.+)$", raw)
        if top:
            title = plain(top.group(1))
            if len(sections) == len(SECTIONS):
                fail(f"line {n}: a section beyond the expected {len(SECTIONS)}: {title!r}")
            code, opening = SECTIONS[len(sections)]
            if not title.startswith(opening):
                fail(f"line {n}: section {len(sections) + 1} should open with {opening!r}: {title!r}")
            sections.append({"code": code, "number": len(sections) + 1, "title": title, "items": []})
        elif item and sections:
            section = sections[-1]
            text = plain(item.group(1))
            section["items"].append({
                "code": f"{section['code']}.{len(section['items']) + 1}",
                "position": len(section["items"]) + 1,
                "text": text,
                "kind": kind_of(text),
            })
        else:
            fail(f"line {n}: cannot place {raw!r}")
    if len(sections) != len(SECTIONS):
        fail(f"found {len(sections)} sections, expected {len(SECTIONS)}")
    for s in sections:
        if not s["items"]:
            fail(f"section {s['number']} ({s['title']!r}) has no questions")

    review = []
    for raw in lines[review_at + 1:plan_at]:
        m = re.match(r"^(\d)\. (.+)$", raw.strip())
        if m:
            number = int(m.group(1))
            if number != len(review) + 1 or number > len(REVIEW):
                fail(f"review question {number} out of order")
            review.append({"code": REVIEW[number - 1], "number": number, "question": plain(m.group(2))})
        elif raw.strip():
            fail(f"cannot place {raw!r} in the internal capacity review")
    if len(review) != len(REVIEW):
        fail(f"found {len(review)} review questions, expected {len(REVIEW)}")

    plan = []
    for raw in lines[plan_at + 1:]:
        line = raw.strip()
        if not line:
            continue
        m = re.match(r"^- ([A-F])\. (.+?):?$", line)
        if not m:
            break
        letter, code = ACTION_PLAN[len(plan)]
        if m.group(1) != letter:
            fail(f"action-plan field {m.group(1)} where {letter} was expected")
        plan.append({"code": code, "letter": letter, "label": plain(m.group(2))})
    if len(plan) != len(ACTION_PLAN):
        fail(f"found {len(plan)} action-plan fields, expected {len(ACTION_PLAN)}")

    out = {
        "source": "FUTURES Without Violence, Capacity Assessment Checklist & Action Plan "
                  "(docs/sources/futures-assessment-and-capacity-checklist.txt). Made by scripts/seed-data/capacity_checklist.py.",
        "sections": sections,
        "review": review,
        "actionPlan": plan,
    }
    target = ROOT / "seed-data" / "capacity-checklist.json"
    target.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    items = sum(len(s["items"]) for s in sections)
    print(f"wrote {len(sections)} sections, {items} questions, {len(review)} review questions "
          f"and {len(plan)} action-plan fields to {target}")


if __name__ == "__main__":
    main()
