"""Dependencies a route declares in its signature: the session, the settings, and the caller."""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any, Final

import anyio
import anyio.to_thread
from fastapi import Depends, Request
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from api import throttle
from api.auth.keys import ANONYMOUS, Caller, caller_for_token, hash_token
from divert.errors import Forbidden, Unauthorized
from divert.settings import Settings

# Dependencies that do no I/O are `async def`: FastAPI runs a plain `def` dependency on a worker
# thread, and each such hop cost about 0.2 ms of a match on this machine. The ones that do I/O hop
# only for the I/O.


async def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]

KEY_CACHE_MAX: Final = 10_000
# Worker threads kept for ending sessions (commit, rollback, close), apart from the routes' threads.
FINISHING_THREADS: Final = 8


async def open_session(request: Request) -> AsyncIterator[Session]:
    """The request's session; whatever is still open when the answer has been sent is rolled back.

    Making a session does no I/O (it connects on first use, in the route's thread); rolling back and
    closing (which hands the connection back to the pool) do, on worker threads of their own: were
    they to queue behind routes that hold every worker thread while they wait for a pooled
    connection, nothing would ever give one back."""
    session = request.app.state.sessions()
    try:
        yield session
    finally:
        await anyio.to_thread.run_sync(_rollback_and_close, session, limiter=_finishing_limiter(request))


# Reads (GET, HEAD) write nothing: their transaction ends after the answer, off the hot path.
READ_METHODS: Final = frozenset({"GET", "HEAD"})


async def unit_of_work(request: Request, session: Annotated[Session, Depends(open_session)]) -> AsyncIterator[Session]:
    """One unit of work per request: a write request's changes are committed before its answer.

    The commit is made by `UnitOfWorkRoute` in the route's own thread as soon as the route returns.
    This exit (declared `scope="function"`, so it runs after the route and BEFORE the answer is
    sent) commits whatever a route on a router without that class left open, so a 2xx always means
    the database kept the change either way. A failed commit raises into the error table (a lost
    database is 503 `database_unavailable`, divert/errors.py). An error in the route commits
    nothing; `open_session` rolls back. A read (GET, HEAD) is not committed: it has nothing to keep."""
    yield session
    if request.method not in READ_METHODS and session.in_transaction():
        await anyio.to_thread.run_sync(session.commit, limiter=_finishing_limiter(request))


class UnitOfWorkRoute(APIRoute):
    """A route whose request session is committed in the route's own thread, right after it returns.

    Why not only in `unit_of_work`'s exit: between the route's return and that exit FastAPI
    validates the answer on a worker thread of the shared pool; when every pooled thread is held by
    requests waiting for a row lock (fifty holds on one bed), the lock holder could never get a
    thread to finish, commit and let go of the lock. Committing before the thread is given back
    releases the lock first."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        methods = {m.upper() for m in kwargs.get("methods") or ()}
        if methods and not methods <= READ_METHODS:
            endpoint = _committing(endpoint)
        super().__init__(path, endpoint, **kwargs)


def _committing(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """The endpoint, then a commit of the request session it was given (FastAPI passes keywords)."""

    def sessions_of(kwargs: dict[str, Any]) -> list[Session]:
        return [v for v in kwargs.values() if isinstance(v, Session)]

    if inspect.iscoroutinefunction(endpoint):

        @functools.wraps(endpoint)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            result = await endpoint(*args, **kwargs)
            for session in sessions_of(kwargs):
                # A hot route commits in its own hop (api/lean.py): nothing left, no thread needed.
                if session.in_transaction():
                    await anyio.to_thread.run_sync(session.commit)
            return result

        return run_async

    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        result = endpoint(*args, **kwargs)
        for session in sessions_of(kwargs):
            session.commit()
        return result

    return run


def _finishing_limiter(request: Request) -> anyio.CapacityLimiter:
    state = request.app.state
    limiter = getattr(state, "finishing_limiter", None)
    if limiter is None:
        limiter = state.finishing_limiter = anyio.CapacityLimiter(FINISHING_THREADS)
    return limiter


def _rollback_and_close(session: Session) -> None:
    try:
        session.rollback()
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(unit_of_work, scope="function")]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Authorization header must be 'Bearer <token>'")
    return token.strip()


async def get_caller(request: Request) -> Caller:
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
    address = request.client.host if request.client else "unknown"
    caller = await anyio.to_thread.run_sync(_look_up, state.sessions, state.settings, token, address)
    if caller is None:
        state.key_cache.pop(digest, None)
        raise Unauthorized("unknown or revoked API key")
    if len(state.key_cache) >= KEY_CACHE_MAX:
        state.key_cache.clear()  # crude but bounded: a flood of distinct keys cannot grow memory
    state.key_cache[digest] = (now, caller)
    return caller


def _look_up(sessions: Callable[[], Session], settings: Settings, token: str, address: str) -> Caller | None:
    """The key's caller; failed look-ups are counted per address (api.throttle), and an address past
    its limit is answered 429 before its key is even looked up."""
    with sessions() as session:
        connection = session.connection()
        throttle.refuse_if_failing(connection, settings, address)
        caller = caller_for_token(session, token)
        over_limit = throttle.count_failure(connection, settings, address) if caller is None else None
        session.commit()
    if over_limit is not None:
        raise over_limit
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]


def require_roles(*roles: str) -> Callable[[Caller], Awaitable[Caller]]:
    """A dependency that admits only the named roles (admin always): 401 anonymous, 403 otherwise."""
    allowed = set(roles) | {"admin"}

    async def dependency(caller: CallerDep) -> Caller:
        if caller.role is None:
            raise Unauthorized("this endpoint needs an API key")
        if caller.role not in allowed:
            raise Forbidden(f"role {caller.role!r} may not do this; needs one of {', '.join(sorted(allowed))}")
        return caller

    return dependency


async def public_read(request: Request, caller: CallerDep) -> Caller:
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


# --- throttled callers (api/throttle.py counts; these are the routes' dependencies) --------------------


def _per_key(kind: str, setting: str) -> Callable[[Request, Caller], Awaitable[Caller]]:
    async def dependency(request: Request, caller: CaseWorkerDep) -> Caller:
        settings: Settings = request.app.state.settings
        await anyio.to_thread.run_sync(throttle.hit, settings, kind, f"key:{caller.key_id}", getattr(settings, setting))
        return caller

    return dependency


async def anonymous_write(request: Request, caller: ReaderDep) -> Caller:
    """A write anyone may make without a key is counted per address; a keyed caller is not."""
    if caller.role is None:
        settings: Settings = request.app.state.settings
        await anyio.to_thread.run_sync(
            throttle.hit,
            settings,
            "anonymous-write",
            throttle.client_address(request),
            settings.anonymous_writes_per_address,
        )
    return caller


# A case worker's match or hold, counted against its key.
MatchThrottleDep = Annotated[Caller, Depends(_per_key("match", "matches_per_key"))]
HoldThrottleDep = Annotated[Caller, Depends(_per_key("hold", "hold_requests_per_key"))]
AnonymousWriteDep = Annotated[Caller, Depends(anonymous_write)]
