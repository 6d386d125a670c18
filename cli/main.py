"""The `divert` command line (CONTRACT §1). Each command is a thin shell over a room's functions."""

from __future__ import annotations

import copy
import logging
import os
import pathlib
import subprocess
import sys
import time
from typing import Annotated, Any

import typer

from divert.settings import get_settings

app = typer.Typer(no_args_is_help=True, add_completion=False, help="divert: divert to what, and where?")
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
keys_app = typer.Typer(no_args_is_help=True, help="API keys.")
import_app = typer.Typer(no_args_is_help=True, help="Import a catalog or capacity from a file.")
export_app = typer.Typer(no_args_is_help=True, help="Export the catalog.")
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
search_app = typer.Typer(no_args_is_help=True, help="The search index.")
app.add_typer(search_app, name="search")
# `divert bench generate|run`: the synthetic catalog and the benchmark suite (bench/cli.py).
from bench.cli import bench_app  # noqa: E402

app.add_typer(bench_app, name="bench")

REPO = pathlib.Path(__file__).resolve().parents[1]


def fail(message: str, code: int = 1) -> None:
    """A one-line error on stderr and a non-zero exit."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _alembic_config():  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config(str(REPO / "alembic.ini"))
    cfg.set_main_option("script_location", str(REPO / "migrations"))
    cfg.attributes["sqlalchemy_url"] = get_settings().sqlalchemy_url
    return cfg


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="target revision")] = "head") -> None:
    """Apply the Alembic migrations to DATABASE_URL."""
    from alembic import command
    from sqlalchemy.exc import OperationalError

    try:
        command.upgrade(_alembic_config(), revision)
    except OperationalError as exc:
        fail(f"cannot reach the database at DATABASE_URL: {str(exc.orig).strip().splitlines()[0]}")


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="target revision id; default one step back")] = "-1",
) -> None:
    """Step the schema back one migration (or to REVISION)."""
    from alembic import command

    command.downgrade(_alembic_config(), revision)


# Our log lines (and the app's access log, api/app.py) in every process uvicorn starts: a worker
# process it spawns configures logging from this dict, not from the parent's basicConfig.
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def _uvicorn_log_config() -> dict[str, Any]:
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["divert"] = {"format": LOG_FORMAT}
    config["handlers"]["divert"] = {
        "class": "logging.StreamHandler",
        "formatter": "divert",
        "stream": "ext://sys.stderr",
    }
    config["root"] = {"handlers": ["divert"], "level": "INFO"}
    return config


@app.command("serve")
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(help="API processes sharing the port")] = 1,
) -> None:
    """Run the API and the pages (N processes). Scheduled jobs run in `divert worker`, not here."""
    import uvicorn

    if not 0 < port < 65536:
        fail(f"--port must be between 1 and 65535, got {port}")
    if not 1 <= workers <= 64:
        fail(f"--workers must be between 1 and 64, got {workers}")
    # Every process builds its own app (and its own connection pool) from the environment's
    # settings: the app factory by its import path, so uvicorn can start it in each worker process.
    # uvicorn's own access log would print query strings, which may carry participant fields
    # (directory eligibility filters); the app logs method, path and status only (api/app.py).
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        log_config=_uvicorn_log_config(),
        access_log=False,
    )


@app.command("worker")
def worker_command() -> None:
    """Run the scheduled jobs (feed polling, hold expiry, search index sync) until stopped.

    One per deployment; a second one is safe (each job runs under its own advisory lock)."""
    from worker.runner import run_worker

    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    run_worker(get_settings())


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help="admin, curator, provider, case_manager, operator, planner")],
    org: Annotated[str | None, typer.Option(help="organization id a provider key is bound to")] = None,
    program: Annotated[str | None, typer.Option(help="program code a case manager key is bound to")] = None,
    name: Annotated[str | None, typer.Option(help="a label for the key")] = None,
) -> None:
    """Create an API key; the token is printed alone on the last line."""
    from api.auth.keys import create_key
    from divert.db import session_scope

    try:
        with session_scope() as session:
            token = create_key(session, role, organization_id=org, program=program, name=name)
    except ValueError as exc:
        fail(str(exc))
    typer.echo(
        f"created {role} key{' ' + repr(name) if name else ''}"
        f"{' for organization ' + org if org else ''}{' for program ' + program if program else ''}"
    )
    typer.echo(token)


@import_app.command("hsds")
def import_hsds(
    path: pathlib.Path, dry_run: Annotated[bool, typer.Option("--dry-run", help="validate only")] = False
) -> None:
    """Import HSDS 3.1 JSON or a tabular datapackage (folder or zip)."""
    from importers.cli import run_import

    run_import("hsds", path, dry_run=dry_run)


@import_app.command("findtreatment")
def import_findtreatment(path: pathlib.Path, dry_run: Annotated[bool, typer.Option("--dry-run")] = False) -> None:
    """Import a FindTreatment.gov locator listing (JSON or CSV)."""
    from importers.cli import run_import

    run_import("findtreatment", path, dry_run=dry_run)


@import_app.command("hmis-inventory")
def import_hmis(path: pathlib.Path, dry_run: Annotated[bool, typer.Option("--dry-run")] = False) -> None:
    """Import HUD HMIS Inventory.csv (+ Project.csv, Organization.csv beside it)."""
    from importers.cli import run_import

    run_import("hmis", path, dry_run=dry_run)


@import_app.command("211")
def import_211(
    path: pathlib.Path,
    mapping: Annotated[
        pathlib.Path | None,
        typer.Option(
            "--mapping", help="JSON column and taxonomy mapping (default importers/mappings/icarol-default.json)"
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run")] = False,
) -> None:
    """Import a 211 / iCarol CSV export (agency, site and program columns, AIRS/211 taxonomy codes)."""
    from importers.cli import run_import

    run_import("211", path, dry_run=dry_run, reader_options={"mapping": mapping})


@import_app.command("areas")
def import_areas(
    path: pathlib.Path,
    kind: Annotated[str | None, typer.Option(help="kind of area, e.g. county, district")] = None,
) -> None:
    """Import named areas (GeoJSON FeatureCollection of Polygon/MultiPolygon with a `name`) for the gap map."""
    from catalog.areas import import_named_areas, read_areas_file
    from divert.db import session_scope
    from divert.errors import ImportFailed

    try:
        document = read_areas_file(path)
        with session_scope() as session:
            summary = import_named_areas(session, document, kind)
    except ImportFailed as exc:
        errors = exc.extra.get("errors") or []
        first = errors[0] if errors else {}
        where = f"{first['path']}: " if "path" in first else ""
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        fail(f"{path}: {where}{first.get('message', exc.detail)}{more}")
    typer.echo(f"areas: {summary.created} created, {summary.updated} updated, {summary.unchanged} unchanged")


@export_app.command("hsds")
def export_hsds(path: Annotated[str, typer.Argument(help="file.json, folder/ or file.zip")]) -> None:
    """Write the catalog as HSDS 3.1 JSON, or a datapackage when PATH ends in / or .zip."""
    # A str, not a Path: pathlib drops the trailing "/" that asks for a datapackage folder.
    from importers.cli import run_export

    run_export(path)


@search_app.command("reindex")
def search_reindex() -> None:
    """Queue every service for the Meilisearch index (after switching backends, or to rebuild it)."""
    from catalog.search.sync import enqueue_all_services
    from divert.db import session_scope

    with session_scope() as session:
        queued = enqueue_all_services(session)
    typer.echo(f"queued {queued} services; the worker's search.sync_index job sends them to the index")


@search_app.command("order")
def search_order(
    cluster: Annotated[
        bool, typer.Option("--cluster", help="rewrite search_site in place order (searches wait meanwhile)")
    ] = False,
) -> None:
    """How ordered the directory's search rows (search_site) still are; --cluster orders them again."""
    from catalog.projections import cluster_search_sites, search_site_order
    from divert.db import session_scope

    with session_scope() as session:
        before = search_site_order(session)
    typer.echo(f"search_site place order: {_correlation(before)} (1.00 = in order)")
    if cluster:
        started = time.monotonic()
        with session_scope() as session:
            cluster_search_sites(session)
            after = search_site_order(session)
        typer.echo(f"clustered in {time.monotonic() - started:.1f} s; place order now {_correlation(after)}")


def _correlation(value: float | None) -> str:
    return "no rows" if value is None else f"{value:.2f}"


@app.command("demo")
def demo(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Load the sample region (provisioning a local database if none is set), serve, run the worker."""
    from sqlalchemy import text

    from divert.db import session_scope

    if not os.environ.get("DATABASE_URL"):
        typer.echo("DATABASE_URL not set: provisioning the local PostgreSQL + PostGIS default")
        result = subprocess.run(["bash", str(REPO / "scripts" / "provision.sh")], check=False)
        if result.returncode:
            fail("could not provision a local database (scripts/provision.sh failed)")
    db_upgrade("head")
    from api.auth.keys import create_key
    from catalog.sample import SAMPLE_REGION, redate_sample_reports
    from importers.cli import run_import

    if not run_import("hsds", SAMPLE_REGION, dry_run=False, quiet_exit=True):
        fail(f"the sample region {SAMPLE_REGION} did not import")
    with session_scope() as session:
        moved = redate_sample_reports(session)
        tokens = {
            role: create_key(session, role, name=f"demo-{role}")
            for role in ("admin", "case_manager", "operator", "planner", "curator")
        }
        tokens["case_manager (lead-kc)"] = create_key(
            session, "case_manager", program="lead-kc", name="demo-case-manager-lead-kc"
        )
        sample_org = session.execute(
            text(
                "SELECT s.organization_id FROM service_capacity c JOIN service s ON s.id = c.service_id "
                "ORDER BY s.name LIMIT 1"
            )
        ).scalar()
        if sample_org:
            tokens["provider"] = create_key(session, "provider", organization_id=sample_org, name="demo-provider")
    typer.echo(f"Sample capacity reports re-dated to today ({moved} pools), keeping their relative ages.")
    typer.echo("Demo keys (paste one into the pages' sign-in box):")
    for role, token in tokens.items():
        typer.echo(f"  {role:<24} {token}")
    typer.echo(f"Pages: http://{host}:{port}/   API: http://{host}:{port}/v1/   Docs: http://{host}:{port}/docs")
    sys.stdout.flush()
    # The worker in its own process, as in a deployment; stopped when the API stops.
    worker = subprocess.Popen([sys.executable, "-m", "cli", "worker"])
    try:
        serve(host=host, port=port)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()


if __name__ == "__main__":
    app()
