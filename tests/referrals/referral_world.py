"""The referrals tests' world: the closed-loop scenario's catalog (two detox services of two
organizations, one bed each), its ids, where the participant stood, and this worktree's live ports."""

from __future__ import annotations

import json
import pathlib
import socket

WORLD = json.loads(
    (pathlib.Path(__file__).resolve().parents[1] / "scenarios" / "referral_closed_loop.json").read_text()
)["catalog"]
HARBOR, HILLTOP = WORLD[0], WORLD[1]
HARBOR_SERVICE, HILLTOP_SERVICE = HARBOR["id"], HILLTOP["id"]
HARBOR_ORG, HILLTOP_ORG = HARBOR["organization_id"], HILLTOP["organization_id"]
HARBOR_POOL, HILLTOP_POOL = HARBOR["capacities"][0]["id"], HILLTOP["capacities"][0]["id"]
NEED = "withdrawal_management"
# Where the participant stood: must never be stored or logged, only its H3 cell.
LAT, LON = 47.606213, -122.332071

# This worktree's live servers listen on 8160-8169 only (a shared machine).
LIVE_PORTS = range(8160, 8170)


def free_port() -> int:
    for port in LIVE_PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8160-8169")
