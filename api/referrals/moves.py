"""The referral's moves (CONTRACT §2.7) as data and pure rules: from which states, to which, by whom,
and what each end state does to a held unit. No session and no clock here."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

# Who may make a move besides admin: the provider of the service's organization, or the key that sent it.
Mover = Literal["provider", "sender"]


@dataclass(frozen=True)
class Move:
    action: str
    sources: frozenset[str]
    target: str
    mover: Mover


MOVES: Final[dict[str, Move]] = {
    m.action: m
    for m in (
        Move("accept", frozenset({"sent"}), "accepted", "provider"),
        Move("decline", frozenset({"sent", "accepted"}), "declined", "provider"),
        Move("arrive", frozenset({"sent", "accepted"}), "arrived", "provider"),
        Move("enroll", frozenset({"arrived"}), "enrolled", "provider"),
        Move("no_show", frozenset({"accepted"}), "no_show", "provider"),
        Move("cancel", frozenset({"sent", "accepted"}), "cancelled", "sender"),
    )
}

# What an end state does to the referral's hold: the person took the unit, or it is free again.
CONFIRMS_HOLD: Final = frozenset({"enrolled"})
RELEASES_HOLD: Final = frozenset({"declined", "cancelled", "expired", "no_show"})

# Read aloud at a door or over a phone: no 0/O, 1/I/L (CONTRACT §2.7).
REFERENCE_ALPHABET: Final = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
REFERENCE_LENGTH: Final = 6


def new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def normalize_reference(typed: str) -> str:
    """What a person types at the door: case and spaces or dashes do not matter."""
    return "".join(ch for ch in typed.upper() if ch not in " -")


def current_state(state: str, respond_by: datetime, now: datetime) -> str:
    """A `sent` referral past its answer time is expired, whether or not the expiry job has run yet."""
    return "expired" if state == "sent" and respond_by <= now else state


def may_move(move: Move, *, role: str | None, is_provider_of_service: bool, is_sender: bool) -> bool:
    if role == "admin":
        return True
    if move.mover == "provider":
        return role == "provider" and is_provider_of_service
    return is_sender
