# Copied from shared/tools/world.py (the scenarios' world builder) so the tests need nothing outside the repo.
"""Compact scenario worlds -> HSDS 3.1 JSON with the diversion profile (CONTRACT.md section 3).

A world is a list of compact services; each becomes one HSDS service with its organization,
one physical location, attributes for needs / eligibility / intercepts, schedules and capacity
pools.  Ids are uuid5 of the names, so a scenario can name services by name.
"""
import json
import math
import uuid

NS = uuid.UUID("6f1c2a9e-3b7d-4c55-9a51-2f0b8d7c1e42")
CENTER = (47.6062, -122.3321)  # downtown Seattle, where LEAD began

NEED_NAMES = {
    "shelter": "Emergency shelter", "housing": "Housing", "withdrawal_management": "Withdrawal management",
    "moud": "Medications for opioid use disorder", "sud_treatment": "Substance use treatment",
    "mental_health": "Mental health care", "crisis": "Crisis care", "harm_reduction": "Harm reduction",
    "health_care": "Health care", "food": "Food", "clothing": "Clothing", "legal": "Legal help",
    "id_documents": "Identity documents", "benefits": "Public benefits", "employment": "Employment",
    "education": "Education", "transportation": "Transportation", "peer_support": "Peer support",
    "case_management": "Case management",
}


def uid(*parts):
    return str(uuid.uuid5(NS, "/".join(str(p) for p in parts)))


def offset(km_north, km_east, center=CENTER):
    lat = center[0] + km_north / 111.32
    lon = center[1] + km_east / (111.32 * math.cos(math.radians(center[0])))
    return round(lat, 6), round(lon, 6)


def term(taxonomy, code, name=None):
    return {
        "id": uid("term", taxonomy, code), "code": str(code), "name": name or str(code),
        "description": name or str(code), "taxonomy_id": uid("taxonomy", taxonomy),
        "taxonomy": taxonomy,
    }


def attribute(service_id, taxonomy, code, value=None, link_type=None):
    t = term(taxonomy, code, NEED_NAMES.get(code) if taxonomy == "divert-needs" else None)
    a = {"id": uid("attr", service_id, taxonomy, code), "link_id": service_id, "link_entity": "service",
         "link_type": link_type or taxonomy, "taxonomy_term_id": t["id"], "taxonomy_term": t}
    if value is not None:
        a["value"] = value if isinstance(value, str) else json.dumps(value)
    return a


def service(spec):
    """spec keys: name, org, at=(km_north, km_east) or lat/lon, needs, elig {term: value},
    info [terms], intercepts, pathways, min_age, max_age, languages, status, schedules [(byday, opens, closes)],
    pools [{name, unit, available, maximum, waitlist, reserved_for, updated}], area_km (square service
    area of that half-size around the location)."""
    sid = uid("service", spec["name"])
    org = spec.get("org", spec["name"] + " org")
    oid = uid("org", org)
    lid = uid("location", spec["name"])
    if "lat" in spec:
        lat, lon = spec["lat"], spec["lon"]
    else:
        lat, lon = offset(*spec.get("at", (0, 0)))
    attrs = [attribute(sid, "divert-needs", n) for n in spec.get("needs", [])]
    for code, value in spec.get("elig", {}).items():
        attrs.append(attribute(sid, "divert-eligibility", code, value))
    for code in spec.get("info", []):
        attrs.append(attribute(sid, "divert-eligibility", code, True))
    for i in spec.get("intercepts", []):
        attrs.append(attribute(sid, "sim-intercept", str(i)))
    for code in spec.get("pathways", []):
        attrs.append(attribute(sid, "deflection-pathway", code))
    svc = {
        "id": sid, "name": spec["name"], "status": spec.get("status", "active"),
        "description": spec.get("description", spec["name"]),
        "organization_id": oid,
        "organization": {"id": oid, "name": org, "description": org},
        "attributes": attrs,
        "languages": [{"id": uid("lang", sid, c), "code": c, "name": c} for c in spec.get("languages", [])],
        "service_at_locations": [{
            "id": uid("sal", spec["name"]), "service_id": sid, "location_id": lid,
            "location": {
                "id": lid, "location_type": "physical", "name": spec["name"],
                "latitude": lat, "longitude": lon,
                "addresses": [{"id": uid("addr", lid), "location_id": lid, "address_1": spec.get("street", "1 Example St"),
                               "city": "Seattle", "state_province": "WA", "postal_code": spec.get("zip", "98104"),
                               "country": "US", "address_type": "physical"}],
            },
        }],
        "capacities": [],
        "schedules": [],
    }
    for k in ("minimum_age", "maximum_age"):
        if k in spec:
            svc[k] = spec[k]
    for n, (byday, opens, closes) in enumerate(spec.get("schedules", [])):
        svc["schedules"].append({"id": uid("sched", sid, n), "service_id": sid, "freq": "WEEKLY",
                                 "byday": byday, "opens_at": opens, "closes_at": closes})
    for p in spec.get("pools", []):
        unit = p.get("unit", "bed")
        cap = {"id": uid("capacity", spec["name"], p.get("name", unit)), "service_id": sid,
               "description": p.get("name", unit),
               "unit": {"id": unit, "name": unit.capitalize()},
               "available": p["available"], "maximum": p.get("maximum", max(p["available"], 1)),
               "updated": p["updated"], "waitlist": p.get("waitlist", 0),
               "reserved_for": p.get("reserved_for", []), "location_id": lid}
        svc["capacities"].append(cap)
    if "area_km" in spec:
        d = spec["area_km"]
        ring = [offset(-d, -d, (lat, lon)), offset(-d, d, (lat, lon)), offset(d, d, (lat, lon)),
                offset(d, -d, (lat, lon)), offset(-d, -d, (lat, lon))]
        extent = {"type": "Polygon", "coordinates": [[[lo, la] for la, lo in ring]]}
        svc["service_areas"] = [{"id": uid("area", sid), "service_id": sid, "name": spec["name"] + " area",
                                 "extent": json.dumps(extent), "extent_type": "geojson"}]
    return svc


def capacity_id(service_name, pool_name="bed"):
    return uid("capacity", service_name, pool_name)


def service_id(name):
    return uid("service", name)


def world(specs):
    return [service(s) for s in specs]
