"""The import and export commands' work (`divert import ...`, `divert export hsds PATH`).

Errors are printed one line per problem, naming the file, the record and the field, and the command
exits non-zero with nothing written. Large files get a progress bar.
"""

from __future__ import annotations

import pathlib
import sys
from typing import Any

import typer

from divert.errors import ImportFailed
from importers.sources import READERS, as_source_data, import_source_data

# Above this many records a progress bar is worth its screen space.
PROGRESS_THRESHOLD = 2000
# Beyond this many problems the rest are counted, not printed: the first ones tell what is wrong.
MAX_PRINTED_ERRORS = 500


def describe_problem(problem: dict[str, Any], file_name: str) -> str:
    """One line naming file, record and field of an import error or warning."""
    message = problem.get("message", "invalid")
    field = problem.get("column") or problem.get("path") or ""
    if "file" in problem:
        where = str(problem["file"])
        if problem.get("row"):
            where += f" row {problem['row']}"
    else:
        where = f"{file_name} record {problem.get('index', 0)}"
        if problem.get("id"):
            where += f" (id {problem['id']})"
    return f"{where}, field {field}: {message}" if field else f"{where}: {message}"


def _stop(message: str, quiet_exit: bool) -> bool:
    typer.echo(f"error: {message}", err=True)
    if quiet_exit:
        return False
    raise typer.Exit(1)


def run_import(
    source: str,
    path: pathlib.Path | str,
    *,
    dry_run: bool,
    quiet_exit: bool = False,
    reader_options: dict[str, Any] | None = None,
) -> bool:
    """Imports `path` from `source`; prints a summary. Returns True on success.

    With `quiet_exit` (the demo) a failure is reported and False returned instead of exiting.
    `reader_options` go to the source's reader (the 211 column mapping file).
    """
    path = pathlib.Path(path)
    reader = READERS.get(source)
    if reader is None:
        return _stop(f"import source {source!r} is not yet supported (known: {', '.join(sorted(READERS))})", quiet_exit)
    if not path.exists():
        return _stop(f"{path}: no such file or folder", quiet_exit)
    try:
        data = as_source_data(reader(path, **(reader_options or {})))
    except ImportFailed as exc:
        return _report_failure(exc, path, quiet_exit)
    except OSError as exc:
        return _stop(f"{path}: cannot read ({exc.strerror or exc})", quiet_exit)

    from sqlalchemy.exc import OperationalError

    from divert.db import session_scope

    count = len(data.services)
    try:
        with session_scope() as session:
            if count > PROGRESS_THRESHOLD and sys.stderr.isatty():
                from rich.progress import Progress

                with Progress(transient=True) as bar:
                    task = bar.add_task(f"importing {count} services", total=2 * count)
                    result = import_source_data(
                        session,
                        data,
                        source=source,
                        actor=f"cli:{source}",
                        dry_run=dry_run,
                        progress=lambda n: bar.advance(task, n),
                    )
            else:
                result = import_source_data(session, data, source=source, actor=f"cli:{source}", dry_run=dry_run)
            if dry_run:
                session.rollback()
    except ImportFailed as exc:
        return _report_failure(exc, path, quiet_exit)
    except OperationalError as exc:
        first = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        return _stop(f"cannot reach the database at DATABASE_URL: {first}", quiet_exit)
    for warning in result.warnings:
        typer.echo(f"warning: {describe_problem(warning, path.name)}", err=True)
    print_merge_report(result.merges, result.near_misses)
    verb = "would import" if dry_run else "imported"
    typer.echo(
        f"{verb} {count} services from {path.name}: {result.created} created, {result.updated} updated, "
        f"{result.unchanged} unchanged, {len(result.warnings)} warnings"
        + (" (dry run: nothing written)" if dry_run else "")
    )
    return True


def print_merge_report(merges: list[dict[str, Any]], near_misses: list[dict[str, Any]]) -> None:
    """The deduplication report, one line per merge and near miss, for a curator to confirm."""
    for m in merges:
        typer.echo(
            f'merged: {m["source"]} {m["source_key"]} "{m["name"]}" into service {m["service_id"]} '
            f'"{m.get("service_name", "")}" ({m["reason"]})'
        )
    for m in near_misses:
        typer.echo(
            f'near miss: {m["source"]} {m["source_key"]} "{m["name"]}" and service {m["service_id"]} '
            f'"{m["service_name"]}" ({m["reason"]}; name similarity {m["name_similarity"]}) - not merged'
        )


def _report_failure(exc: ImportFailed, path: pathlib.Path, quiet_exit: bool) -> bool:
    errors = exc.extra.get("errors") or []
    for problem in errors[:MAX_PRINTED_ERRORS]:
        typer.echo(f"error: {describe_problem(problem, path.name)}", err=True)
    if len(errors) > MAX_PRINTED_ERRORS:
        typer.echo(f"error: ... and {len(errors) - MAX_PRINTED_ERRORS} more problems", err=True)
    return _stop(exc.detail, quiet_exit)


def run_export(path: pathlib.Path | str) -> None:
    """Writes the catalog: a datapackage folder when PATH ends in '/', a zip for '.zip', else JSON."""
    from divert.db import session_scope
    from importers.export import write_datapackage, write_json

    text = str(path)
    target = pathlib.Path(text)
    with session_scope() as session:
        if text.endswith(("/", "\\")) or target.is_dir():
            count = write_datapackage(session, target, as_zip=False)
            kind = "datapackage folder"
        elif target.suffix.lower() == ".zip":
            count = write_datapackage(session, target, as_zip=True)
            kind = "datapackage zip"
        else:
            count = write_json(session, target)
            kind = "HSDS JSON"
    typer.echo(f"exported {count} services as {kind} to {text}")
