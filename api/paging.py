"""The HSDS page shape every listing answers in (directory, reports, capacity, feeds): one builder
and one declared model, so `total_pages`, `last_page` and `empty` mean the same on every route."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

Item = TypeVar("Item")


class Page(BaseModel, Generic[Item]):
    """The HSDS 3.1 page: `size` is the number of items on this page, `empty` says the whole result
    set is empty (as HSDS defines both)."""

    model_config = ConfigDict(extra="forbid")
    total_items: int
    total_pages: int
    page_number: int
    size: int
    first_page: bool
    last_page: bool
    empty: bool
    contents: list[Item]


def hsds_page(total: int, page: int, per_page: int, contents: list[Any]) -> dict[str, Any]:
    total_pages = max((total + per_page - 1) // per_page, 1) if total else 0
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": page >= total_pages,
        "empty": total == 0,
        "contents": contents,
    }
