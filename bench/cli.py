"""`divert bench`: generate a synthetic catalog, run the benchmark suite (heavy imports stay lazy)."""

from __future__ import annotations

from typing import Annotated

import typer

bench_app = typer.Typer(no_args_is_help=True, help="Synthetic catalogs and benchmarks.")

SCALES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


@bench_app.command("generate")
def generate(
    services: Annotated[int, typer.Option("--services", help="service-locations to generate")],
    gap_events: Annotated[int, typer.Option("--gap-events", help="synthetic gap events")] = 0,
    seed: Annotated[int, typer.Option(help="random seed (same seed, same catalog)")] = 1,
    database: Annotated[
        str | None,
        typer.Option(
            help="a database name on DATABASE_URL's server, created and migrated if missing "
            "(default: DATABASE_URL itself)"
        ),
    ] = None,
    replace: Annotated[bool, typer.Option("--replace", help="replace a catalog already there")] = False,
) -> None:
    """Write a synthetic national catalog (metro clusters + rural spread) straight into the tables."""
    import psycopg

    from bench.databases import ensure_database
    from bench.generate import CatalogNotEmpty, generate_catalog
    from divert.settings import get_settings

    url = get_settings().database_url
    try:
        if database:
            url = ensure_database(url, database)
        report = generate_catalog(url, services, gap_events=gap_events, seed=seed, replace=replace, progress=typer.echo)
    except (ValueError, CatalogNotEmpty) as exc:
        _fail(str(exc))
    except psycopg.OperationalError as exc:
        _fail(f"cannot reach the database: {str(exc).strip().splitlines()[0]}")
    typer.echo(
        f"generated {report.service_locations:,} service-locations: {report.services:,} services, "
        f"{report.organizations:,} organizations, {report.locations:,} locations, "
        f"{report.capacities:,} capacity pools, {report.match_sites:,} match sites, "
        f"{report.gap_events:,} gap events in {report.total_seconds:.1f} s"
    )


@bench_app.command("run")
def run(
    scale: Annotated[list[str] | None, typer.Option(help="10k, 100k or 1m (repeatable)")] = None,
    clients: Annotated[int, typer.Option(help="concurrent match clients")] = 4,
    requests: Annotated[int, typer.Option(help="match requests per scale")] = 2000,
    soak: Annotated[bool, typer.Option("--soak", help="also hold /v1/match at a steady rate")] = False,
    soak_seconds: Annotated[float, typer.Option(help="soak duration")] = 300.0,
    soak_rate: Annotated[float, typer.Option(help="soak matches per second")] = 20.0,
    regenerate: Annotated[bool, typer.Option("--regenerate", help="rebuild the catalogs")] = False,
    record: Annotated[bool, typer.Option("--record/--no-record", help="append results to docs/benchmarks.md")] = True,
    rounds: Annotated[int, typer.Option(help="interleaved rounds; figures are their medians")] = 3,
    parallel_clients: Annotated[int, typer.Option(help="clients of the N-client, N-worker row")] = 8,
    parallel_workers: Annotated[int, typer.Option(help="server workers of that row (divert serve --workers)")] = 2,
    sim_requests: Annotated[
        int, typer.Option(help="timed /v1/gaps/sim requests per scale and round; 0 skips the row (a minute each at 1M)")
    ] = 3,
) -> None:
    """Run the suite at each scale; append the results to docs/benchmarks.md."""
    from bench.run import BenchOptions, run_suite

    scales = scale or ["10k", "100k"]
    unknown = [s for s in scales if s.lower() not in SCALES]
    if unknown:
        _fail(f"--scale must be one of {', '.join(SCALES)}, got {', '.join(unknown)}")
    if clients < 1 or requests < 1 or rounds < 1 or parallel_clients < 1 or parallel_workers < 1:
        _fail("--clients, --requests, --rounds, --parallel-clients and --parallel-workers must be at least 1")
    if sim_requests < 0:
        _fail("--sim-requests must be 0 or more")
    if soak and (soak_rate <= 0 or soak_seconds <= 0):
        _fail("--soak-rate and --soak-seconds must be positive")
    run_suite(
        BenchOptions(
            scales=[s.lower() for s in scales],
            clients=clients,
            requests=requests,
            soak=soak,
            soak_seconds=soak_seconds,
            soak_rate=soak_rate,
            regenerate=regenerate,
            record=record,
            rounds=rounds,
            parallel_clients=parallel_clients,
            parallel_workers=parallel_workers,
            sim_requests=sim_requests,
        ),
        echo=typer.echo,
    )


@bench_app.command("profile")
def profile(
    scale: Annotated[str, typer.Option(help="10k, 100k or 1m: the scale's bench database")] = "100k",
    requests: Annotated[int, typer.Option(help="match requests timed (after 50 warm-up requests)")] = 300,
    cprofile: Annotated[int, typer.Option("--cprofile", help="also list the N functions with most own time")] = 0,
) -> None:
    """Where the in-process match handler's time goes, phase by phase (the catalog must exist: `bench run`)."""
    from bench.databases import database_url_named, service_location_count
    from bench.profile import profile_handler
    from divert.settings import get_settings

    if scale.lower() not in SCALES:
        _fail(f"--scale must be one of {', '.join(SCALES)}, got {scale}")
    if requests < 1 or cprofile < 0:
        _fail("--requests must be at least 1 and --cprofile at least 0")
    url = database_url_named(get_settings().database_url, f"divert_bench_{scale.lower()}")
    try:
        count = service_location_count(url)
    except Exception as exc:  # noqa: BLE001 - any failure to reach it means the same to the user
        _fail(f"cannot read divert_bench_{scale.lower()}: {str(exc).strip().splitlines()[0]}")
    if count != SCALES[scale.lower()]:
        _fail(f"divert_bench_{scale.lower()} holds {count:,} service-locations; run `divert bench run --scale {scale}`")
    for line in profile_handler(url, requests, top=cprofile).lines():
        typer.echo(line)
