"""`divert import hsds` / `divert export hsds` as a user runs them, and POST /v1/import/hsds over HTTP."""

from __future__ import annotations

import io
import json
import os
import pathlib
import subprocess
import sys
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from import_worlds import small_world
from sqlalchemy import text

ROOT = pathlib.Path(__file__).resolve().parents[2]
DIVERT = ROOT / ".venv" / "bin" / "divert"


def divert(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(DIVERT)] if DIVERT.exists() else [sys.executable, "-m", "cli"]
    env = dict(os.environ, DATABASE_URL=database_url)
    return subprocess.run([*command, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)


def service_count(db) -> int:  # type: ignore[no-untyped-def]
    with db() as s:
        return s.execute(text("SELECT count(*) FROM service")).scalar_one()


def test_cli_prints_a_line_per_problem_and_exits_non_zero(db, database_url: str, tmp_path: pathlib.Path) -> None:
    services = small_world()
    services[0]["capacities"][0]["available"] = "plenty"
    services[2]["service_at_locations"][0]["location"]["longitude"] = None
    services[2]["status"] = "sleeping"
    del services[1]["organization"]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(services))
    done = divert(database_url, "import", "hsds", str(broken))
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if line.startswith("error: broken.json record")]
    assert len(lines) == 3, done.stderr
    assert any("record 0" in line and "capacities.0.available" in line for line in lines)
    assert any("record 1" in line and "organization" in line for line in lines)
    assert any("record 2" in line and "field status" in line for line in lines)
    assert service_count(db) == 0


def test_cli_reports_a_file_that_is_not_json(db, database_url: str, tmp_path: pathlib.Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('[{"id": ')
    done = divert(database_url, "import", "hsds", str(bad))
    assert done.returncode != 0 and "bad.json" in done.stderr and "Traceback" not in done.stderr


def test_cli_dry_run_writes_nothing_then_import_and_export(db, database_url: str, tmp_path: pathlib.Path) -> None:
    good = tmp_path / "world.json"
    good.write_text(json.dumps({"services": small_world()}))
    dry = divert(database_url, "import", "hsds", str(good), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "3 created" in dry.stdout and "dry run" in dry.stdout
    assert service_count(db) == 0
    done = divert(database_url, "import", "hsds", str(good))
    assert done.returncode == 0 and "3 created, 0 updated, 0 unchanged" in done.stdout
    exported = divert(database_url, "export", "hsds", str(tmp_path / "out") + "/")
    assert exported.returncode == 0, exported.stderr
    assert (tmp_path / "out" / "datapackage.json").exists()
    again = divert(database_url, "import", "hsds", str(tmp_path / "out"))
    assert again.returncode == 0 and "0 created, 0 updated, 3 unchanged" in again.stdout


def test_cli_names_unknown_sources_and_reads_an_empty_listing(db, database_url: str, tmp_path: pathlib.Path) -> None:
    listing = tmp_path / "rows.json"
    listing.write_text('{"rows": []}')
    unknown = divert(database_url, "import", "nosuch", str(listing))
    assert unknown.returncode != 0 and "nosuch" in unknown.stderr
    empty = divert(database_url, "import", "findtreatment", str(listing))
    assert empty.returncode == 0, empty.stderr
    assert "0 created, 0 updated, 0 unchanged" in empty.stdout
    assert service_count(db) == 0


# --- HTTP ---------------------------------------------------------------------------------------------


def test_import_needs_a_curator_or_admin_key(client, make_key) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/v1/import/hsds", json=small_world()).status_code == 401
    assert client.post("/v1/import/hsds", json=small_world(), headers=make_key("case_manager")).status_code == 403
    r = client.post("/v1/import/hsds", json=small_world(), headers=make_key("curator"))
    assert r.status_code == 200 and r.json()["created"] == 3


def test_http_import_is_idempotent_and_all_or_nothing(client, admin_headers, db) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/v1/import/hsds?dry_run=true", json=small_world(), headers=admin_headers).json()["created"] == 3
    assert service_count(db) == 0
    assert (
        client.post("/v1/import/hsds", json={"services": small_world()}, headers=admin_headers).json()["created"] == 3
    )
    r = client.post("/v1/import/hsds", json=small_world(), headers=admin_headers)
    assert r.json() == {"created": 0, "updated": 0, "unchanged": 3, "warnings": []}
    broken = small_world()
    broken[0]["name"] = "Renamed"
    broken[1]["minimum_age"] = -1
    r = client.post("/v1/import/hsds", json=broken, headers=admin_headers)
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "invalid_import" and body["errors"][0]["index"] == 1
    assert body["errors"][0]["path"] == "minimum_age"
    with db() as s:
        assert s.execute(text("SELECT count(*) FROM service WHERE name = 'Renamed'")).scalar_one() == 0


def test_http_rejects_a_body_that_is_not_json(client, admin_headers) -> None:  # type: ignore[no-untyped-def]
    r = client.post(
        "/v1/import/hsds", content=b"{not json", headers={**admin_headers, "content-type": "application/json"}
    )
    assert r.status_code == 422 and r.json()["error"] == "invalid_import"
    r = client.post("/v1/import/hsds", content=b"", headers=admin_headers)
    assert r.status_code == 422


def test_http_accepts_a_datapackage_zip(client, admin_headers, db, tmp_path: pathlib.Path) -> None:  # type: ignore[no-untyped-def]
    from importers.export import write_datapackage

    client.post("/v1/import/hsds", json=small_world(), headers=admin_headers)
    with db() as s:
        write_datapackage(s, tmp_path / "p.zip", as_zip=True)
    raw = (tmp_path / "p.zip").read_bytes()
    r = client.post("/v1/import/hsds", content=raw, headers={**admin_headers, "content-type": "application/zip"})
    assert r.status_code == 200 and r.json()["unchanged"] == 3, r.text
    r = client.post("/v1/import/hsds", files={"file": ("p.zip", raw, "application/zip")}, headers=admin_headers)
    assert r.status_code == 200 and r.json()["unchanged"] == 3, r.text
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("services.csv", "id,organization_id,name\ns1,missing-org,A\n")
    r = client.post(
        "/v1/import/hsds",
        content=buffer.getvalue(),
        headers={**admin_headers, "content-type": "application/zip"},
    )
    assert r.status_code == 422
    assert r.json()["errors"][0] | {} == {**r.json()["errors"][0], "file": "services.csv", "row": 2}
    r = client.post(
        "/v1/import/hsds",
        content=b"PK\x03\x04garbage",
        headers={**admin_headers, "content-type": "application/zip"},
    )
    assert r.status_code == 422


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.floats(allow_nan=True) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
FIELDS = [
    "id",
    "name",
    "organization",
    "organization_id",
    "status",
    "minimum_age",
    "service_at_locations",
    "capacities",
    "schedules",
    "attributes",
    "service_areas",
    "languages",
    "phones",
]


@st.composite
def malformed_services(draw: st.DrawFn) -> object:
    base = small_world()[draw(st.integers(0, 2))]
    for key in draw(st.lists(st.sampled_from(FIELDS), max_size=4)):
        base[key] = draw(json_values)
    if draw(st.booleans()):
        return base
    return draw(json_values)


@settings(
    max_examples=int(os.environ.get("DIVERT_FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(document=malformed_services())
def test_malformed_documents_never_cause_a_500(client, admin_headers, document: object) -> None:  # type: ignore[no-untyped-def]
    headers = {**admin_headers, "content-type": "application/json"}
    # Python's json writes NaN/Infinity, which some publishers' tools do too: they must be refused, not crash.
    r = client.post("/v1/import/hsds?dry_run=true", content=json.dumps([document]), headers=headers)
    assert r.status_code in (200, 422), r.text
    r = client.post("/v1/import/hsds", content=json.dumps(document), headers=headers)
    assert r.status_code in (200, 422), r.text


def test_values_postgres_cannot_store_are_named_not_crashed_on(client, admin_headers, db) -> None:  # type: ignore[no-untyped-def]
    from divert.errors import ImportFailed
    from importers.pipeline import import_services

    headers = {**admin_headers, "content-type": "application/json"}
    r = client.post("/v1/import/hsds", content='[{"id": "a", "x": NaN}]', headers=headers)
    assert r.status_code == 422
    services = small_world()
    services[1]["description"] = "a\x00b"
    services[2]["notes"] = {"deep": ["ok", "bad\x00"]}
    for dry_run in (True, False):
        r = client.post(f"/v1/import/hsds?dry_run={str(dry_run).lower()}", json=services, headers=admin_headers)
        assert r.status_code == 422
        assert {(e["index"], e["path"]) for e in r.json()["errors"]} == {
            (1, "description"),
            (2, "notes.deep.1"),
        }
    with db() as s:
        services[0]["extra_number"] = float("inf")
        # The pipeline's own check refuses a non-finite number, naming the field.
        with pytest.raises(ImportFailed) as refused:
            import_services(s, services[:1], source="hsds", actor="t")
        assert refused.value.extra["errors"][0]["path"] == "extra_number"
    assert service_count(db) == 0
