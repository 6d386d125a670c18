"""Where the CPU of a measured stretch went: the API's processes, PostgreSQL's, the bench's own.

The N-client row is bounded by the machine, not by latency: on two cores the SQL floor on eight
connections already keeps both busy, so the API's share of it is at most what PostgreSQL's CPU per
request is of the whole CPU per request (PostgreSQL's plus the API's plus the client's). Reading each
process's user + system time from /proc before and after the stretch shows that split directly.
Linux only; elsewhere the figures are left out.
"""

from __future__ import annotations

import os
import pathlib
from collections.abc import Iterable
from typing import Final

PROC: Final = pathlib.Path("/proc")
TICKS: Final = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (which may hold spaces)."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def cpu_seconds(pids: Iterable[int]) -> float:
    """User + system seconds these processes have used so far (processes gone count nothing)."""
    total = 0
    for pid in pids:
        fields = _stat(pid)
        if fields is not None:
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / TICKS


def _processes() -> Iterable[tuple[int, str, int]]:
    """(pid, command name, parent pid) of every process (none where there is no /proc)."""
    if not PROC.is_dir():
        return
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        yield int(entry.name), name, int(text.rsplit(")", 1)[1].split()[1])


def backend_pids(url: str) -> list[int]:
    """The backends connected to the database of `url`, but the one asking."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return [pid for (pid,) in rows]


def postgres_pids(url: str | None = None) -> list[int]:
    """PostgreSQL's processes on this machine: with `url`, the backends of that database and the
    server's own (WAL writer, checkpointer, ...), so other databases' work on a shared server is not
    counted; without it, every one."""
    running = {pid for pid, name, _ in _processes() if name.startswith("postgres")}
    if url is None:
        return sorted(running)
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() OR datname IS NULL"
        ).fetchall()
    return sorted(running & {pid for (pid,) in rows})


def family(pid: int) -> list[int]:
    """A process and all its descendants (a uvicorn parent and its `--workers`)."""
    children: dict[int, list[int]] = {}
    for child, _, parent in _processes():
        children.setdefault(parent, []).append(child)
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending += children.get(current, [])
    return found


def available() -> bool:
    return (PROC / "self" / "stat").exists()
