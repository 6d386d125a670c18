"""Who may do what in the capacity room: object-level rules on top of the role checks in api.deps.

Roles decide which routes a key may call; these rules decide which pools, feeds and holds it may
touch. A provider key acts only on its own organization's pools and feeds; a hold belongs to the key
that made it (and to the program it was made for).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from api.auth.keys import Caller
from api.deps import require_roles
from catalog.tables import Feed, Hold
from divert.errors import Forbidden, NotFound

# Reading a pool's current state: everyone who works with capacity, not planners (aggregates only).
PoolReaderDep = Annotated[Caller, Depends(require_roles("provider", "curator", "case_manager", "operator"))]
# Reading who reported what (history carries key names): the pool's provider, curators, admins.
HistoryReaderDep = Annotated[Caller, Depends(require_roles("provider", "curator"))]


def ensure_pool_access(caller: Caller, organization_id: str, capacity_id: str) -> None:
    """A provider key touches only pools of services of its own organization; to it, another
    organization's pool answers exactly like a missing one, so ids cannot be probed."""
    if caller.role == "provider" and caller.organization_id != organization_id:
        raise NotFound(f"no capacity pool with id {capacity_id}")


def ensure_organization_scope(caller: Caller, organization_id: str | None) -> str | None:
    """The organization a provider's request is scoped to (its own; another one is 403)."""
    if caller.role != "provider":
        return organization_id
    if organization_id is not None and organization_id != caller.organization_id:
        raise Forbidden("a provider key may only act for its own organization")
    return caller.organization_id


def ensure_feed_access(caller: Caller, feed: Feed) -> None:
    """Like pools: another organization's feed is, to a provider key, no feed at all."""
    if caller.role == "provider" and feed.organization_id != caller.organization_id:
        raise NotFound(f"no feed with id {feed.id}")


def ensure_hold_access(caller: Caller, hold: Hold) -> None:
    """A hold is seen and ended by the key that made it, a key bound to its program, or an admin."""
    if caller.role == "admin":
        return
    if caller.key_id is not None and caller.key_id == hold.key_id:
        return
    if caller.program is not None and caller.program == hold.program:
        return
    raise Forbidden(f"hold {hold.id} was made by another key")
