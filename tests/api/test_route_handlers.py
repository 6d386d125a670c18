"""Route handlers hold no SQL and no commit (issue 18): SQL lives in repositories and query modules,
and the request's one unit of work commits in api/deps.py (UnitOfWorkRoute) before the answer."""

from __future__ import annotations

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
HANDLER_FILES = sorted([*ROOT.glob("api/*/endpoints.py"), ROOT / "api" / "root.py", ROOT / "web" / "pages.py"])
# Calls that mean SQL or a transaction in a handler.
FORBIDDEN = {"commit", "rollback", "execute", "scalar", "scalars", "select", "text", "insert", "update", "delete"}


def _calls(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute):
                if not (isinstance(func.value, ast.Name) and func.value.id == "router"):  # @router.delete(...)
                    names.add(func.attr)
            elif isinstance(func, ast.Name):
                names.add(func.id)
    return names


def test_no_route_handler_file_runs_sql_or_commits() -> None:
    assert len(HANDLER_FILES) >= 8
    found = {str(p.relative_to(ROOT)): sorted(_calls(ast.parse(p.read_text())) & FORBIDDEN) for p in HANDLER_FILES}
    assert {f: calls for f, calls in found.items() if calls} == {}


def test_every_router_commits_through_the_unit_of_work() -> None:
    """A room whose router writes must use UnitOfWorkRoute (a plain APIRouter would answer before
    committing, or need a commit in the handler, which the test above forbids)."""
    for path in ROOT.glob("api/*/endpoints.py"):
        source = path.read_text()
        writes = any(f"@router.{m}(" in source for m in ("post", "put", "patch", "delete"))
        if writes:
            assert "route_class=UnitOfWorkRoute" in source, path
