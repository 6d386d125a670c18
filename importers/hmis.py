"""HUD HMIS CSV export (FY2024 layout; another CSVVersion is read as FY2024, with a warning)
→ shelter and housing services with their bed inventory.

Reads `Inventory.csv` with `Project.csv` beside it (and, when present, `Organization.csv`,
`ProjectCoC.csv` for the site address and `Export.csv` for the export date). A project is a service;
each current row of its inventory is a bed pool. HMIS inventory says how many beds a project has, not
how many are free tonight: every pool is written with `available` = `maximum` = BedInventory and a
report time at least 8 days before the export, so under any default time-to-live it is stale and the
matcher offers it only as `unconfirmed` ("call to confirm"), ranked after every confirmed option, until
the provider reports a real count. docs/sources.md explains it.
"""

from __future__ import annotations

import csv
import io
import pathlib
from datetime import UTC, datetime, timedelta
from typing import Any

from catalog.postcodes import centroid
from divert.errors import ImportFailed
from importers.dedup import KeyedSourceData
from importers.hsds_build import attribute, need_attributes, physical_location, stable_id

SOURCE = "hmis"
TAXONOMY = "hmis-project-type"
# HMIS Data Standards FY2024, 2.02.6 Project Type → the need its beds meet. Other types (street
# outreach, services only, day shelter, prevention, coordinated entry, other) have no beds to offer.
PROJECT_TYPES: dict[str, tuple[str, str | None]] = {
    "0": ("Emergency Shelter - Entry Exit", "shelter"),
    "1": ("Emergency Shelter - Night-by-Night", "shelter"),
    "2": ("Transitional Housing", "housing"),
    "3": ("PH - Permanent Supportive Housing", "housing"),
    "4": ("Street Outreach", None),
    "6": ("Services Only", None),
    "7": ("Other", None),
    "8": ("Safe Haven", "shelter"),
    "9": ("PH - Housing Only", "housing"),
    "10": ("PH - Housing with Services (no disability required for entry)", "housing"),
    "11": ("Day Shelter", None),
    "12": ("Homelessness Prevention", None),
    "13": ("PH - Rapid Re-Housing", "housing"),
    "14": ("Coordinated Entry", None),
}
HOUSEHOLD_TYPES = {
    "1": "households without children",
    "3": "households with at least one adult and one child",
    "4": "households with only children",
}
AVAILABILITY = {"1": "year-round", "2": "seasonal", "3": "overflow"}
ES_BED_TYPES = {"1": "facility-based beds", "2": "voucher beds", "3": "other beds"}
# Inventory is not a vacancy report: its report time is put at least this far before the export, past
# every default time-to-live (bed 24 h, slot and appointment 7 days), so it can never read as "open".
INVENTORY_AGE = timedelta(days=8)

REQUIRED = {
    "Project.csv": ("ProjectID", "OrganizationID", "ProjectName", "ProjectType"),
    "Inventory.csv": ("InventoryID", "ProjectID", "BedInventory"),
}


class _Files:
    def __init__(self) -> None:
        self.errors: list[dict[str, Any]] = []
        self.warnings: list[dict[str, Any]] = []

    def error(self, file: str, row: int, column: str, message: str) -> None:
        self.errors.append({"file": file, "row": row, "column": column, "message": message})

    def warn(self, file: str, row: int, column: str, message: str) -> None:
        self.warnings.append({"file": file, "row": row, "column": column, "message": message})


def _read_csv(folder: pathlib.Path, name: str, files: _Files, *, required: bool) -> list[tuple[int, dict[str, str]]]:
    """Rows with their line numbers; HMIS file names are matched case-insensitively."""
    path = next((p for p in folder.iterdir() if p.name.lower() == name.lower()), None) if folder.is_dir() else None
    if path is None:
        if required:
            files.error(name, 0, "", f"{name} is missing (expected beside Inventory.csv)")
        return []
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        files.error(name, 0, "", "not UTF-8 text")
        return []
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [c for c in REQUIRED.get(name, ()) if c not in header]
    for column in missing:
        files.error(name, 1, column, "required column is missing")
    if missing:
        return []
    rows: list[tuple[int, dict[str, str]]] = []
    for line, row in enumerate(reader, start=2):
        if None in row:
            files.error(name, line, "", "the row has more cells than the header")
            continue
        rows.append((line, {k: (v or "").strip() for k, v in row.items()}))
    return rows


# Date layouts HMIS vendors write: ISO, then US month-first with dashes or slashes, 24 h or AM/PM.
DATE_LAYOUTS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
    "%m-%d-%Y %H:%M:%S",
    "%m-%d-%Y %H:%M",
    "%m-%d-%Y",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m-%d-%Y %I:%M:%S %p",
)
# The HMIS CSV specification this reader follows (Export.csv `CSVVersion`, e.g. "2024 v1.3").
EXPECTED_CSV_VERSION = "2024"


def _parse_when(value: str) -> datetime | None:
    for fmt in DATE_LAYOUTS:
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _when(value: str, file: str, line: int, column: str, files: _Files) -> datetime | None:
    """HMIS dates ("2024-05-01") and datetimes ("2024-05-01 13:45:00", "10-01-2024 08:00:00"), as UTC."""
    if not value:
        return None
    parsed = _parse_when(value)
    if parsed is None:
        files.error(file, line, column, f"{value!r} is not a date (YYYY-MM-DD or MM-DD-YYYY)")
    return parsed


def _export_row(export: list[tuple[int, dict[str, str]]], files: _Files) -> tuple[datetime | None, str]:
    """Export.csv's date and source id. It is metadata: a date in an unknown layout or a CSV version
    other than the one this reader follows is a warning, never a reason to refuse the inventory."""
    for line, row in export[:1]:
        version = row.get("CSVVersion", "")
        if not version:
            files.warn(
                "Export.csv", line, "CSVVersion", (f"no CSVVersion; read as the FY{EXPECTED_CSV_VERSION} HMIS CSV")
            )
        elif not version.startswith(EXPECTED_CSV_VERSION):
            files.warn(
                "Export.csv",
                line,
                "CSVVersion",
                (
                    f"CSVVersion {version!r} found; this reader follows the FY{EXPECTED_CSV_VERSION} HMIS CSV "
                    f'("{EXPECTED_CSV_VERSION} v1.x") and read it as that: the columns it uses (ProjectID, '
                    "ProjectType, OrganizationID, InventoryID, BedInventory, dates) keep their FY2024 meaning; "
                    "check project types added since"
                ),
            )
        value = row.get("ExportDate", "")
        stamp = _parse_when(value) if value else None
        if value and stamp is None:
            files.warn(
                "Export.csv",
                line,
                "ExportDate",
                (
                    f"{value!r} is not a date layout this reader knows (e.g. 2024-10-01 08:00:00 or "
                    "10-01-2024 08:00:00); the records' DateUpdated is used instead"
                ),
            )
        return stamp, row.get("SourceID", "")
    return None, ""


def read_hmis_inventory(path: pathlib.Path) -> KeyedSourceData:
    """Reads `path` (Inventory.csv, or the folder of the export) and its sibling files."""
    folder = path if path.is_dir() else path.parent
    files = _Files()
    inventory = _read_csv(folder, "Inventory.csv", files, required=True)
    projects = _read_csv(folder, "Project.csv", files, required=True)
    organizations = _read_csv(folder, "Organization.csv", files, required=False)
    sites = _read_csv(folder, "ProjectCoC.csv", files, required=False)
    export = _read_csv(folder, "Export.csv", files, required=False)
    if files.errors:
        raise _failed(files)

    # The export's own date makes "8 days before the export" the same on every import of one file.
    stamps: list[datetime] = []
    stamp, source_id = _export_row(export, files)
    if stamp:
        stamps.append(stamp)
    if not stamps:
        for file, rows in (("Project.csv", projects), ("Inventory.csv", inventory)):
            for line, row in rows:
                stamp = _when(row.get("DateUpdated", ""), file, line, "DateUpdated", files)
                if stamp:
                    stamps.append(stamp)
    now = datetime.now(UTC)
    export_time = min(max(stamps), now) if stamps else now
    as_of = export_time.date()

    org_names = {
        row["OrganizationID"]: row.get("OrganizationName") or row.get("OrganizationCommonName") or ""
        for _, row in organizations
        if row.get("OrganizationID") and not row.get("DateDeleted")
    }
    site_of: dict[str, dict[str, str]] = {}
    for _, row in sites:
        if (
            row.get("ProjectID")
            and not row.get("DateDeleted")
            and row["ProjectID"] not in site_of
            and (row.get("Address1") or row.get("ZIP"))
        ):
            site_of[row["ProjectID"]] = row

    project_rows: dict[str, tuple[int, dict[str, str]]] = {}
    for line, row in projects:
        pid = row["ProjectID"]
        if not pid:
            files.error("Project.csv", line, "ProjectID", "empty ProjectID")
        elif pid in project_rows:
            files.error("Project.csv", line, "ProjectID", f"ProjectID {pid!r} is also row {project_rows[pid][0]}")
        else:
            project_rows[pid] = (line, row)

    pools: dict[str, list[tuple[int, dict[str, str], int, datetime | None]]] = {}
    seen_inventory: dict[str, int] = {}
    for line, row in inventory:
        iid, pid = row["InventoryID"], row["ProjectID"]
        if not iid:
            files.error("Inventory.csv", line, "InventoryID", "empty InventoryID")
            continue
        if iid in seen_inventory:
            files.error("Inventory.csv", line, "InventoryID", f"InventoryID {iid!r} is also row {seen_inventory[iid]}")
            continue
        seen_inventory[iid] = line
        if pid not in project_rows:
            files.error("Inventory.csv", line, "ProjectID", f"ProjectID {pid!r} is not in Project.csv")
            continue
        try:
            beds = int(row["BedInventory"] or "0")
            if beds < 0:
                raise ValueError
        except ValueError:
            files.error("Inventory.csv", line, "BedInventory", f"{row['BedInventory']!r} is not a whole number ≥ 0")
            continue
        updated = _when(row.get("DateUpdated", ""), "Inventory.csv", line, "DateUpdated", files)
        ended = _when(row.get("InventoryEndDate", ""), "Inventory.csv", line, "InventoryEndDate", files)
        started = _when(row.get("InventoryStartDate", ""), "Inventory.csv", line, "InventoryStartDate", files)
        if row.get("DateDeleted") or (ended is not None and ended.date() <= as_of) or beds == 0:
            continue
        if started is not None and started.date() > as_of:
            continue
        pools.setdefault(pid, []).append((line, row, beds, updated))

    data = KeyedSourceData(services=[], origins=[])
    for pid, (line, project) in sorted(project_rows.items(), key=lambda item: item[1][0]):
        ended = _when(project.get("OperatingEndDate", ""), "Project.csv", line, "OperatingEndDate", files)
        if project.get("DateDeleted") or (ended is not None and ended.date() <= as_of):
            continue
        kind, need = PROJECT_TYPES.get(project["ProjectType"], (None, None))
        if kind is None:
            files.error("Project.csv", line, "ProjectType", f"{project['ProjectType']!r} is not an HMIS project type")
            continue
        if need is None:
            if pid in pools:
                files.warn(
                    "Project.csv",
                    line,
                    "ProjectType",
                    f"project {pid} is {kind} (ProjectType {project['ProjectType']}): no bed need, skipped",
                )
            continue
        if pid not in pools:
            continue
        key = f"{source_id}/{pid}" if source_id else pid
        document, approximate = _service(
            key, project, kind, need, pools[pid], site_of.get(pid), org_names, export_time, files, line
        )
        if approximate:
            data.approximate.add(len(data.services))
        data.services.append(document)
        data.keys.append(key)
        assert data.origins is not None
        data.origins.append({"file": "Project.csv", "row": line})
    if files.errors:
        raise _failed(files)
    data.warnings = files.warnings
    return data


def _failed(files: _Files) -> ImportFailed:
    noun = "problem" if len(files.errors) == 1 else "problems"
    return ImportFailed(f"{len(files.errors)} {noun} in the HMIS export; nothing was written", errors=files.errors)


def _service(
    key: str,
    project: dict[str, str],
    kind: str,
    need: str,
    inventory: list[tuple[int, dict[str, str], int, datetime | None]],
    site: dict[str, str] | None,
    org_names: dict[str, str],
    export_time: datetime,
    files: _Files,
    line: int,
) -> tuple[dict[str, Any], bool]:
    owner = f"{SOURCE}:{key}"
    organization_id = stable_id("organization", f"{SOURCE}:org:{project['OrganizationID']}")
    org_name = org_names.get(project["OrganizationID"]) or project.get("ProjectCommonName") or project["ProjectName"]
    name = project["ProjectName"] or project.get("ProjectCommonName") or f"HMIS project {key}"
    approximate = False
    sals: list[dict[str, Any]] = []
    location_id = None
    if site is not None:
        point = centroid(site.get("ZIP", ""))
        if point is None:
            files.warn(
                "ProjectCoC.csv",
                0,
                "ZIP",
                f"project {key}: ZIP {site.get('ZIP')!r} is not a known US ZIP; the site is kept without coordinates",
            )
        approximate = True
        location = physical_location(
            owner,
            name=name,
            latitude=point[0] if point else None,
            longitude=point[1] if point else None,
            address_1=site.get("Address1") or None,
            address_2=site.get("Address2") or None,
            city=site.get("City") or None,
            state=site.get("State") or None,
            postal_code=site.get("ZIP") or None,
            organization_id=organization_id,
            description="Map position is the ZIP code's centre (HMIS has no coordinates); go by the address.",
        )
        location_id = location["id"]
        sals.append({"id": stable_id("service_at_location", owner), "location": location})
    else:
        files.warn(
            "Project.csv",
            line,
            "ProjectID",
            f"project {key} has no address in ProjectCoC.csv: imported without a location, so it is not on the map",
        )
    limit = export_time - INVENTORY_AGE
    capacities: list[dict[str, Any]] = []
    households: set[str] = set()
    for _, row, beds, updated in inventory:
        households.add(row.get("HouseholdType", ""))
        as_of = updated or limit
        words = [
            HOUSEHOLD_TYPES.get(row.get("HouseholdType", ""), ""),
            AVAILABILITY.get(row.get("Availability", ""), ""),
            ES_BED_TYPES.get(row.get("ESBedType", ""), ""),
        ]
        capacities.append(
            {
                "id": stable_id("capacity", owner, row["InventoryID"]),
                "unit": {"id": "bed", "name": "Bed"},
                "available": beds,
                "maximum": beds,
                "waitlist": 0,
                "reserved_for": [],
                "updated": min(as_of, limit).isoformat(),
                "location_id": location_id,
                "description": (
                    f"HMIS inventory {row['InventoryID']} ({', '.join(w for w in words if w)}), "
                    f"as of {as_of.date().isoformat()}: beds the project has, not a vacancy report; "
                    "call to confirm"
                ),
            }
        )
    document: dict[str, Any] = {
        "id": stable_id(owner),
        "name": name,
        "alternate_name": project.get("ProjectCommonName") or None,
        "status": "active",
        "description": f"{kind} (HUD HMIS project {project['ProjectID']}).",
        "organization": {"id": organization_id, "name": org_name},
        "service_at_locations": sals,
        "attributes": need_attributes(owner, [need]) + [attribute(owner, TAXONOMY, project["ProjectType"], name=kind)],
        "capacities": capacities,
    }
    # Household type says who the beds are for; an age bound is set only when every pool agrees.
    if households == {"1"}:
        document["minimum_age"] = 18
    elif households == {"4"}:
        document["maximum_age"] = 17
    return document, approximate
