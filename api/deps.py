"""Dependencies a route declares in its signature: the session, the settings, and the caller."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Annotated, Final

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from api.auth.keys import ANONYMOUS, Caller, caller_for_token, hash_token
from divert.errors import Forbidden, Unauthorized
from divert.settings import Settings


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]

KEY_CACHE_MAX: Final = 10_000


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; commits when the route returns, rolls back on any error."""
    session = request.app.state.sessions()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Authorization header must be 'Bearer <token>'")
    return token.strip()


def get_caller(request: Request) -> Caller:
    """The caller named by the bearer token, or anonymous; a bad token is always 401.

    A checked key is remembered for `key_cache_seconds` by its SHA-256 (never the token itself),
    so the hot paths skip a database read, and a revocation takes effect within that time."""
    token = _bearer(request)
    if token is None:
        return ANONYMOUS
    state = request.app.state
    digest = hash_token(token)
    now = time.monotonic()
    cached = state.key_cache.get(digest)
    if cached is not None and now - cached[0] < state.settings.key_cache_seconds:
        return cached[1]
    with state.sessions() as session:
        caller = caller_for_token(session, token)
    if caller is None:
        state.key_cache.pop(digest, None)
        raise Unauthorized("unknown or revoked API key")
    if len(state.key_cache) >= KEY_CACHE_MAX:
        state.key_cache.clear()  # crude but bounded: a flood of distinct keys cannot grow memory
    state.key_cache[digest] = (now, caller)
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]


def require_roles(*roles: str) -> Callable[[Caller], Caller]:
    """A dependency that admits only the named roles (admin always): 401 anonymous, 403 otherwise."""
    allowed = set(roles) | {"admin"}

    def dependency(caller: CallerDep) -> Caller:
        if caller.role is None:
            raise Unauthorized("this endpoint needs an API key")
        if caller.role not in allowed:
            raise Forbidden(f"role {caller.role!r} may not do this; needs one of {', '.join(sorted(allowed))}")
        return caller

    return dependency


def public_read(request: Request, caller: CallerDep) -> Caller:
    """HSDS read endpoints: open to all when DIVERT_PUBLIC_READ is true, else any valid key."""
    if caller.role is None and not request.app.state.settings.public_read:
        raise Unauthorized("this directory needs an API key to read (DIVERT_PUBLIC_READ is false)")
    return caller


ReaderDep = Annotated[Caller, Depends(public_read)]
CaseWorkerDep = Annotated[Caller, Depends(require_roles("case_manager", "operator"))]
CuratorDep = Annotated[Caller, Depends(require_roles("curator"))]
CapacityWriterDep = Annotated[Caller, Depends(require_roles("provider", "curator"))]
PlannerDep = Annotated[Caller, Depends(require_roles("planner"))]
AdminDep = Annotated[Caller, Depends(require_roles())]
