"""API keys: creation (token shown once, only its SHA-256 stored) and lookup by bearer token."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.tables import ApiKey
from divert.errors import Forbidden

ROLES = ("admin", "curator", "provider", "case_manager", "operator", "planner")


@dataclass(frozen=True)
class Caller:
    """Who is calling: the role, and what a key is bound to. Never a participant."""

    key_id: int | None
    role: str | None  # None: anonymous (public read)
    organization_id: str | None = None
    program: str | None = None
    name: str | None = None

    def program_for(self, program: str | None, action: str) -> str | None:
        """The program a request acts for: a key bound to a program acts only for it (403 for another,
        CONTRACT §2.2); an unbound key may name any program, or none."""
        if self.program is None:
            return program
        if program is not None and program != self.program:
            raise Forbidden(f"this key is bound to program {self.program!r} and may not {action} for {program!r}")
        return self.program

    @property
    def actor(self) -> str:
        return f"key:{self.key_id}:{self.name or self.role}" if self.key_id else "anonymous"


ANONYMOUS = Caller(key_id=None, role=None)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_key(
    session: Session, role: str, organization_id: str | None = None, program: str | None = None, name: str | None = None
) -> str:
    """Stores a new key and returns its token (the only time the token exists in clear)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}; got {role!r}")
    if role == "provider" and not organization_id:
        raise ValueError("a provider key must be bound to an organization (--org)")
    token = "dvt_" + secrets.token_urlsafe(32)
    session.add(
        ApiKey(token_hash=hash_token(token), role=role, organization_id=organization_id, program=program, name=name)
    )
    session.flush()
    return token


def caller_for_token(session: Session, token: str) -> Caller | None:
    key = session.scalars(
        select(ApiKey).where(ApiKey.token_hash == hash_token(token), ApiKey.revoked_at.is_(None))
    ).first()
    if key is None:
        return None
    return Caller(key_id=key.id, role=key.role, organization_id=key.organization_id, program=key.program, name=key.name)
