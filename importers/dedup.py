"""Deduplication across sources: one facility listed by FindTreatment, HMIS, 211 and HSDS is one service.

Before the shared pipeline writes a keyed source (findtreatment, hmis, 211), every record is resolved
to the service it belongs to:

1. a record seen before keeps its service (`source_record` (source, source_key) → service_id);
2. a new record is compared with the catalog in ONE query per import: locations within
   `MERGE_RADIUS_M` (PostGIS `ST_DWithin` on `location.geog`, GiST) or at the same street address,
   scored by pg_trgm similarity of normalized names and by phone digits; a close enough match merges;
3. otherwise the record is its own service.

A merged record does not overwrite the service: its mapped document is kept as the source's
*contribution* (`source_record.document`), and the service is rebuilt as its owner's document plus the
union of every contribution (needs and other terms not already present, every pool, phones not
already listed). Because the contributions are stored, re-importing any of the sources — the owner's
HSDS file included — rebuilds the same merged service: a re-import stays a no-op and never drops
another source's part. Places that came close without merging are reported as near misses for a
curator to confirm.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session
from sqlalchemy.types import Float, Integer, Text

from catalog import tables as t
from catalog.provenance import provenance_row
from importers.datapackage import SourceData
from importers.hsds_build import phone_digits

# Two listings of one facility geocode within a few tens of metres of each other; 100 m leaves room
# for a geocoder putting one at the door and the other at the parcel's centre, not for the neighbour.
MERGE_RADIUS_M = 100.0
# pg_trgm similarity of normalized names at or above which two listings at one place are one service.
NAME_MATCH = 0.6
# With the same phone number at the same place, names may differ more ("Harbor Recovery" vs
# "Harbor Recovery Center Detox Unit") and still be one facility.
NAME_MATCH_WITH_PHONE = 0.3
# At the very same street address (and ZIP) a weaker name match suffices: HMIS gives no coordinates,
# and "Harbor Recovery Center" and "Harbor Recovery Center Shelter" at one door are one facility.
NAME_MATCH_SAME_ADDRESS = 0.5
# Near misses listed per unmerged record: the closest few are what a curator needs to look at.
NEAR_MISSES_PER_RECORD = 3

# Words that tell nothing about which facility it is (legal form, articles).
_NAME_NOISE = (
    "the",
    "inc",
    "incorporated",
    "llc",
    "ltd",
    "co",
    "corp",
    "corporation",
    "pllc",
    "pc",
    "and",
    "of",
)
_NOISE_RE = re.compile(r"\b(" + "|".join(_NAME_NOISE) + r")\b")
# The same normalization in SQL (PostgreSQL ARE: \m and \M are a word's start and end).
_SQL_NOISE = r"\m(" + "|".join(_NAME_NOISE) + r")\M"

_STREET_WORDS = {
    "street": "st",
    "avenue": "ave",
    "av": "ave",
    "boulevard": "blvd",
    "road": "rd",
    "drive": "dr",
    "place": "pl",
    "court": "ct",
    "lane": "ln",
    "terrace": "ter",
    "highway": "hwy",
    "parkway": "pkwy",
    "square": "sq",
    "way": "way",
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "northeast": "ne",
    "northwest": "nw",
    "southeast": "se",
    "southwest": "sw",
    "suite": "ste",
    "apartment": "apt",
    "building": "bldg",
    "floor": "fl",
    "first": "1st",
    "second": "2nd",
    "third": "3rd",
    "fourth": "4th",
    "fifth": "5th",
    "sixth": "6th",
    "seventh": "7th",
    "eighth": "8th",
    "ninth": "9th",
    "tenth": "10th",
}


def normalize_name(name: str | None) -> str:
    """Lower case, punctuation and legal suffixes gone: "The Harbor Center, Inc." → "harbor center"."""
    text_ = re.sub(r"[^a-z0-9]+", " ", (name or "").lower())
    text_ = _NOISE_RE.sub(" ", text_)
    return " ".join(text_.split())


def normalize_address(address_1: str | None) -> str:
    """The street line with the usual abbreviations, units dropped: "1 Main Street, Suite 2" → "1 main st"."""
    words = re.sub(r"[^a-z0-9 ]+", " ", (address_1 or "").lower()).split()
    out: list[str] = []
    for word in words:
        word = _STREET_WORDS.get(word, word)
        if word in ("ste", "apt", "unit", "fl", "bldg", "rm"):
            break
        out.append(word)
    return " ".join(out)


def _sql_name(column: str) -> str:
    return (
        f"btrim(regexp_replace(regexp_replace(lower(coalesce({column}, '')), '[^a-z0-9]+', ' ', 'g'), "
        f"'{_SQL_NOISE}', ' ', 'g'))"
    )


@dataclass
class KeyedSourceData(SourceData):
    """A source whose records carry their own stable keys (frid, ProjectID, 211 program id).

    `keys[i]` is the key of `services[i]`; `approximate` holds the indexes whose coordinates are only a
    ZIP centroid, which must never be taken as "the same place" as anything.
    """

    keys: list[str] = field(default_factory=list)
    approximate: set[int] = field(default_factory=set)


@dataclass
class Reconciliation:
    """What the dedup step decided for one import, and the documents the pipeline should write."""

    services: list[Any]
    merges: list[dict[str, Any]] = field(default_factory=list)
    near_misses: list[dict[str, Any]] = field(default_factory=list)
    # (source_key, service_id, contribution document or None when the record is its service)
    records: list[tuple[str, str, dict[str, Any] | None]] = field(default_factory=list)
    new_merges: list[tuple[str, str]] = field(default_factory=list)  # (source_key, service_id)
    keyed: bool = False


@dataclass
class _Facts:
    index: int
    name: str
    organization: str
    latitude: float | None
    longitude: float | None
    postal_code: str | None
    house_number: str | None
    address: str
    phones: set[str]


@dataclass
class _Candidate:
    service_id: str
    name: str
    distance_m: float | None
    similarity: float
    service_similarity: float
    same_address: bool
    same_phone: bool
    taken: bool

    def near(self) -> bool:
        return self.distance_m is not None and self.distance_m <= MERGE_RADIUS_M

    def reason(self) -> str | None:
        """Why this candidate is the same facility, or None."""
        if not (self.near() or self.same_address) or self.taken:
            return None
        place = f"within {self.distance_m:.0f} m" if self.near() and self.distance_m is not None else "same address"
        if self.similarity >= NAME_MATCH:
            return f"same name ({self.similarity:.2f}), {place}"
        if self.same_address and self.similarity >= NAME_MATCH_SAME_ADDRESS:
            return f"similar name ({self.similarity:.2f}), same street address"
        if self.same_phone and self.similarity >= NAME_MATCH_WITH_PHONE:
            return f"same phone, similar name ({self.similarity:.2f}), {place}"
        return None


# --- the step ---------------------------------------------------------------------------------------


def reconcile(session: Session, data: SourceData, *, source: str) -> Reconciliation:
    """Resolves each record to its service and rebuilds merged services; reads only, writes nothing."""
    services = list(data.services)
    if not isinstance(data, KeyedSourceData):
        # HSDS files own their services: nothing is matched, but stored contributions of other
        # sources are put back so the owner's re-import does not drop them.
        ids = [_id(doc) for doc in services]
        stored = _stored_contributions(session, [i for i in ids if i])
        rebuilt = [
            _merged(doc, stored[sid]) if sid and sid in stored else doc for doc, sid in zip(services, ids, strict=True)
        ]
        return Reconciliation(services=rebuilt)

    keys = data.keys
    plan = Reconciliation(services=services, keyed=True)
    known = _known_records(session, source, keys)
    targets: list[str | None] = [known.get(k) for k in keys]
    unresolved = [i for i, target in enumerate(targets) if target is None and isinstance(services[i], dict)]
    facts = [_facts(i, services[i], i in data.approximate) for i in unresolved]
    candidates = _candidates(session, [f for f in facts if f is not None], source)
    claimed: dict[str, int] = {}
    for i in unresolved:
        ranked = candidates.get(i, [])
        chosen: _Candidate | None = None
        for candidate in ranked:
            if candidate.reason() is not None and candidate.service_id not in claimed:
                chosen = candidate
                break
        if chosen is not None:
            claimed[chosen.service_id] = i
            targets[i] = chosen.service_id
            plan.new_merges.append((keys[i], chosen.service_id))
            plan.merges.append(_merge_entry(source, keys[i], services[i], chosen))
        else:
            for candidate in ranked[:NEAR_MISSES_PER_RECORD]:
                plan.near_misses.append(_near_miss_entry(source, keys[i], services[i], candidate, claimed))
    own_ids = [_id(doc) for doc in services]
    resolved = [target or own for target, own in zip(targets, own_ids, strict=True)]

    contributions = _stored_contributions(session, [r for r in resolved if r])
    bases = _catalog_documents(session, sorted({r for r, o in zip(resolved, own_ids, strict=True) if r and r != o}))
    incoming: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for i, (doc, own, target) in enumerate(zip(services, own_ids, resolved, strict=True)):
        if not isinstance(doc, dict) or own is None or target is None or target == own:
            continue
        if target not in bases or target in incoming:
            # The service vanished from the catalog, or two records of one import claim it: this one
            # stays its own service (reported), never half of a merge.
            resolved[i] = own
            continue
        incoming.setdefault(target, []).append((source, keys[i], doc))
    out: list[Any] = []
    for i, (doc, own, target) in enumerate(zip(services, own_ids, resolved, strict=True)):
        if not isinstance(doc, dict) or own is None or target is None:
            out.append(doc)
            continue
        if target == own:
            plan.records.append((keys[i], own, None))
            out.append(_merged(doc, [c for c in contributions.get(own, []) if (c[0], c[1]) != (source, keys[i])]))
            continue
        plan.records.append((keys[i], target, doc))
        mine = {(s, k) for s, k, _ in incoming[target]}
        others = [c for c in contributions.get(target, []) if (c[0], c[1]) not in mine]
        base = _without_contributed(bases[target], contributions.get(target, []))
        out.append(_merged(base, others + incoming[target]))
    plan.services = out
    return plan


def record_sources(session: Session, plan: Reconciliation, *, source: str, actor: str) -> None:
    """Writes `source_record` (source, key → service, contribution) and a metadata row per new merge."""
    if not plan.keyed or not plan.records:
        return
    # The pipeline records each written service under its own id; for a keyed source the key is the
    # source's own, so those rows are replaced by the keyed ones.
    service_ids = sorted({sid for _, sid, _ in plan.records})
    keys = [k for k, _, _ in plan.records]
    session.execute(
        text(
            "DELETE FROM source_record WHERE source = :source AND source_key = service_id "
            "AND service_id = ANY(:ids) AND NOT source_key = ANY(:keys)"
        ),
        {"source": source, "ids": service_ids, "keys": keys},
    )
    stmt = pg_insert(t.SourceRecord)
    stmt = stmt.on_conflict_do_update(
        constraint="uq_source_record",
        set_={"service_id": stmt.excluded.service_id, "document": stmt.excluded.document},
    )
    rows = [
        {"source": source, "source_key": key, "service_id": sid, "document": document}
        for key, sid, document in plan.records
    ]
    for start in range(0, len(rows), 2000):
        session.execute(stmt, rows[start : start + 2000])
    now = datetime.now().astimezone()
    metadata = [
        provenance_row(
            resource_type="service",
            resource_id=sid,
            action="merge",
            field_name="source_record",
            previous="",
            replacement=f"{source}:{key}",
            actor=actor,
            at=now,
        )
        for key, sid in plan.new_merges
    ]
    if metadata:
        session.execute(insert(t.Metadata), metadata)


# --- reading the catalog ----------------------------------------------------------------------------


def _id(doc: Any) -> str | None:
    value = doc.get("id") if isinstance(doc, dict) else None
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else None


def _known_records(session: Session, source: str, keys: list[str]) -> dict[str, str]:
    rows = session.execute(
        text("SELECT source_key, service_id FROM source_record WHERE source = :source AND source_key = ANY(:keys)"),
        {"source": source, "keys": keys},
    )
    return dict(rows.tuples().all())


def _stored_contributions(session: Session, service_ids: list[str]) -> dict[str, list[tuple[str, str, dict[str, Any]]]]:
    """service id → [(source, key, document)] of every record merged into it, in a stable order."""
    if not service_ids:
        return {}
    rows = session.execute(
        text(
            "SELECT service_id, source, source_key, document FROM source_record "
            "WHERE service_id = ANY(:ids) AND document IS NOT NULL "
            "ORDER BY service_id, source, source_key"
        ),
        {"ids": sorted(set(service_ids))},
    )
    out: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for sid, src, key, document in rows.tuples():
        out.setdefault(sid, []).append((src, key, document))
    return out


def _catalog_documents(session: Session, service_ids: list[str]) -> dict[str, dict[str, Any]]:
    if not service_ids:
        return {}
    from importers.export import service_documents

    return {doc["id"]: doc for doc in service_documents(session, service_ids)}


def _facts(index: int, doc: Any, approximate: bool) -> _Facts | None:
    if not isinstance(doc, dict) or not isinstance(doc.get("name"), str):
        return None
    latitude = longitude = None
    postal_code = house = None
    address = ""
    phones = {phone_digits(p.get("number")) for p in doc.get("phones") or [] if isinstance(p, dict)}
    for sal in doc.get("service_at_locations") or []:
        location = sal.get("location") if isinstance(sal, dict) else None
        if not isinstance(location, dict):
            continue
        if (
            not approximate
            and isinstance(location.get("latitude"), int | float)
            and isinstance(location.get("longitude"), int | float)
        ):
            latitude, longitude = float(location["latitude"]), float(location["longitude"])
        for addr in location.get("addresses") or []:
            address = normalize_address(addr.get("address_1"))
            postal_code = (addr.get("postal_code") or "")[:5] or None
            house = address.split(" ")[0] if address else None
            break
        break
    organization = doc.get("organization")
    org_name = organization.get("name") if isinstance(organization, dict) else None
    return _Facts(
        index=index,
        name=normalize_name(doc["name"]),
        organization=normalize_name(org_name or doc["name"]),
        latitude=latitude,
        longitude=longitude,
        postal_code=postal_code,
        house_number=house,
        address=address,
        phones=phones - {""},
    )


_CANDIDATES_SQL = text(f"""
WITH incoming AS (
    SELECT * FROM unnest(:idx, :names, :orgs, :lats, :lons, :zips, :houses)
        AS c(idx, name_norm, org_norm, lat, lon, zip, house)
), places AS (
    SELECT c.idx, l.id AS location_id
    FROM incoming c
    JOIN location l ON ST_DWithin(l.geog, ST_SetSRID(ST_MakePoint(c.lon, c.lat), 4326)::geography, :radius)
    WHERE c.lat IS NOT NULL AND c.lon IS NOT NULL
    UNION
    SELECT c.idx, a.location_id
    FROM incoming c
    JOIN address a ON left(a.postal_code, 5) = c.zip
                  AND split_part(regexp_replace(lower(btrim(a.address_1)), '[^a-z0-9 ]+', ' ', 'g'), ' ', 1)
                      = c.house
    WHERE c.zip IS NOT NULL AND c.house IS NOT NULL
)
SELECT p.idx, s.id AS service_id, s.name,
       CASE WHEN c.lat IS NOT NULL AND l.geog IS NOT NULL
            THEN ST_Distance(l.geog, ST_SetSRID(ST_MakePoint(c.lon, c.lat), 4326)::geography)
       END AS distance_m,
       similarity({_sql_name("s.name")}, c.name_norm) AS service_similarity,
       greatest(similarity({_sql_name("s.name")}, c.name_norm),
                similarity({_sql_name("o.name")}, c.name_norm),
                similarity({_sql_name("l.name")}, c.name_norm),
                similarity({_sql_name("s.name")}, c.org_norm),
                similarity({_sql_name("o.name")}, c.org_norm),
                similarity({_sql_name("l.name")}, c.org_norm))
           AS name_similarity,
       (SELECT a.address_1 FROM address a WHERE a.location_id = l.id ORDER BY a.id LIMIT 1) AS address_1,
       (SELECT a.postal_code FROM address a WHERE a.location_id = l.id ORDER BY a.id LIMIT 1) AS postal_code,
       ARRAY(SELECT ph.number FROM phone ph WHERE ph.service_id = s.id OR ph.location_id = l.id
                 OR ph.organization_id = s.organization_id OR ph.service_at_location_id = sal.id) AS phones,
       EXISTS (SELECT 1 FROM source_record r WHERE r.service_id = s.id AND r.source = :source) AS taken
FROM places p
JOIN incoming c ON c.idx = p.idx
JOIN location l ON l.id = p.location_id
JOIN service_at_location sal ON sal.location_id = l.id
JOIN service s ON s.id = sal.service_id
JOIN organization o ON o.id = s.organization_id
""").bindparams(
    bindparam("idx", type_=ARRAY(Integer)),
    bindparam("names", type_=ARRAY(Text)),
    bindparam("orgs", type_=ARRAY(Text)),
    bindparam("lats", type_=ARRAY(Float)),
    bindparam("lons", type_=ARRAY(Float)),
    bindparam("zips", type_=ARRAY(Text)),
    bindparam("houses", type_=ARRAY(Text)),
)


def _candidates(session: Session, facts: list[_Facts], source: str) -> dict[int, list[_Candidate]]:
    """Catalog services at the same place as each record, best first — one query for the whole import."""
    if not facts:
        return {}
    by_index = {f.index: f for f in facts}
    rows = session.execute(
        _CANDIDATES_SQL,
        {
            "idx": [f.index for f in facts],
            "names": [f.name for f in facts],
            "orgs": [f.organization for f in facts],
            "lats": [f.latitude for f in facts],
            "lons": [f.longitude for f in facts],
            "zips": [f.postal_code for f in facts],
            "houses": [f.house_number for f in facts],
            "radius": MERGE_RADIUS_M,
            "source": source,
        },
    ).mappings()
    best: dict[tuple[int, str], _Candidate] = {}
    for row in rows:
        f = by_index[row["idx"]]
        same_address = (
            bool(f.address)
            and f.postal_code is not None
            and normalize_address(row["address_1"]) == f.address
            and (row["postal_code"] or "")[:5] == f.postal_code
        )
        phones = {phone_digits(n) for n in row["phones"] or []} - {""}
        candidate = _Candidate(
            service_id=row["service_id"],
            name=row["name"],
            distance_m=float(row["distance_m"]) if row["distance_m"] is not None else None,
            similarity=float(row["name_similarity"] or 0.0),
            service_similarity=float(row["service_similarity"] or 0.0),
            same_address=same_address,
            same_phone=bool(phones & f.phones),
            taken=bool(row["taken"]),
        )
        if not (candidate.near() or candidate.same_address):
            continue
        key = (row["idx"], row["service_id"])
        if key not in best or _rank(candidate) < _rank(best[key]):
            best[key] = candidate
    out: dict[int, list[_Candidate]] = {}
    for (index, _), candidate in best.items():
        out.setdefault(index, []).append(candidate)
    for ranked in out.values():
        ranked.sort(key=_rank)
    return out


def _rank(c: _Candidate) -> tuple[int, float, float, float, str]:
    """Merges first, then the most similar name (the service's own name breaking ties between services
    of one agency), the nearest, the smallest id (a stable order)."""
    return (
        0 if c.reason() else 1,
        -round(c.similarity, 4),
        -round(c.service_similarity, 4),
        c.distance_m if c.distance_m is not None else MERGE_RADIUS_M,
        c.service_id,
    )


# --- building the merged document -------------------------------------------------------------------


def _term_key(attribute: dict[str, Any]) -> tuple[str, str]:
    term = attribute.get("taxonomy_term")
    if isinstance(term, dict) and term.get("code"):
        detail = term.get("taxonomy_detail")
        taxonomy = term.get("taxonomy") or (detail.get("name") if isinstance(detail, dict) else None) or ""
        return (str(taxonomy), str(term["code"]))
    return ("id", str(attribute.get("taxonomy_term_id") or (term or {}).get("id")))


def _all_phones(doc: dict[str, Any]) -> list[dict[str, Any]]:
    phones = [p for p in doc.get("phones") or [] if isinstance(p, dict)]
    organization = doc.get("organization")
    if isinstance(organization, dict):
        phones += [p for p in organization.get("phones") or [] if isinstance(p, dict)]
    for sal in doc.get("service_at_locations") or []:
        if isinstance(sal, dict):
            phones += [p for p in sal.get("phones") or [] if isinstance(p, dict)]
            location = sal.get("location")
            if isinstance(location, dict):
                phones += [p for p in location.get("phones") or [] if isinstance(p, dict)]
    return phones


def _first_location_id(doc: dict[str, Any]) -> str | None:
    for sal in doc.get("service_at_locations") or []:
        if isinstance(sal, dict):
            location = sal.get("location")
            return str(sal.get("location_id") or (location or {}).get("id") or "") or None
    return None


def _contributed_ids(contributions: list[tuple[str, str, dict[str, Any]]]) -> dict[str, set[str]]:
    ids: dict[str, set[str]] = {"attributes": set(), "capacities": set(), "phones": set()}
    for _, _, doc in contributions:
        for part in ("attributes", "capacities"):
            ids[part] |= {str(x.get("id")) for x in doc.get(part) or [] if isinstance(x, dict)}
        ids["phones"] |= {str(p.get("id")) for p in _all_phones(doc)}
    return ids


def _without_contributed(
    document: dict[str, Any], contributions: list[tuple[str, str, dict[str, Any]]]
) -> dict[str, Any]:
    """The owner's part of a merged service: the catalog's document less what contributions added."""
    ids = _contributed_ids(contributions)
    out = dict(document)
    for part in ("attributes", "capacities", "phones"):
        out[part] = [x for x in document.get(part) or [] if str(x.get("id")) not in ids[part]]
    return out


def _merged(base: dict[str, Any], contributions: list[tuple[str, str, dict[str, Any]]]) -> dict[str, Any]:
    """The owner's document plus each contribution's new terms, its pools and its new phone numbers."""
    if not contributions or not isinstance(base, dict):
        return base
    out = copy.deepcopy(base)
    out.setdefault("attributes", [])
    out.setdefault("capacities", [])
    out.setdefault("phones", [])
    terms = {_term_key(a) for a in out["attributes"] if isinstance(a, dict)}
    numbers = {phone_digits(p.get("number")) for p in _all_phones(out)}
    pool_ids = {c.get("id") for c in out["capacities"] if isinstance(c, dict)}
    site = _first_location_id(out)
    for _, _, doc in sorted(contributions, key=lambda c: (c[0], c[1])):
        for attribute in doc.get("attributes") or []:
            key = _term_key(attribute)
            if key not in terms:
                terms.add(key)
                out["attributes"].append(copy.deepcopy(attribute))
        for pool in doc.get("capacities") or []:
            if pool.get("id") in pool_ids:
                continue
            pool_ids.add(pool.get("id"))
            pool = copy.deepcopy(pool)
            pool.pop("service_id", None)
            # The pool is at the merged service's site, not at the contribution's own (unwritten) location.
            pool["location_id"] = site
            out["capacities"].append(pool)
        for phone in doc.get("phones") or []:
            digits = phone_digits(phone.get("number"))
            if digits and digits not in numbers:
                numbers.add(digits)
                phone = copy.deepcopy(phone)
                phone.pop("service_id", None)
                out["phones"].append(phone)
    return out


def _merge_entry(source: str, key: str, doc: dict[str, Any], c: _Candidate) -> dict[str, Any]:
    return {
        "source": source,
        "source_key": key,
        "name": doc.get("name"),
        "service_id": c.service_id,
        "service_name": c.name,
        "distance_m": _metres(c.distance_m),
        "name_similarity": round(c.similarity, 2),
        "reason": c.reason(),
    }


def _near_miss_entry(
    source: str, key: str, doc: dict[str, Any], c: _Candidate, claimed: dict[str, int]
) -> dict[str, Any]:
    if c.taken:
        why = f"already holds another {source} record"
    elif c.reason() is not None and c.service_id in claimed:
        why = "another record of this import merged into it"
    elif c.near() and c.same_address:
        why = "same address within 100 m, names differ"
    elif c.near():
        why = f"within {c.distance_m:.0f} m, names differ" if c.distance_m is not None else "nearby, names differ"
    else:
        why = "same street address, names differ"
    return {
        "source": source,
        "source_key": key,
        "name": doc.get("name"),
        "service_id": c.service_id,
        "service_name": c.name,
        "distance_m": _metres(c.distance_m),
        "name_similarity": round(c.similarity, 2),
        "same_phone": c.same_phone,
        "reason": why,
    }


def _metres(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


__all__ = [
    "KeyedSourceData",
    "Reconciliation",
    "normalize_address",
    "normalize_name",
    "reconcile",
    "record_sources",
]
