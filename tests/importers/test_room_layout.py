"""The importers room's modules import each other without a cycle, and each imports on its own.

A cycle (pipeline <-> export once) makes the import order matter and hides which module is the
lower one; an import inside a function counts too, since it is a cycle deferred, not removed.
"""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

ROOM = pathlib.Path(__file__).resolve().parents[2] / "importers"


def _imports_of_room() -> dict[str, set[str]]:
    """Module -> the room's modules it imports, anywhere in the file (top level or inside a function)."""
    graph: dict[str, set[str]] = {}
    for path in sorted(ROOM.glob("*.py")):
        name = path.stem
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module.startswith("importers."):
                    targets.add(node.module.split(".")[1])
                elif node.module == "importers":
                    targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.Import):
                targets.update(a.name.split(".")[1] for a in node.names if a.name.startswith("importers."))
        graph[name] = {t for t in targets if (ROOM / f"{t}.py").exists() and t != name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path of module names, or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_importers_room_has_no_import_cycle() -> None:
    graph = _imports_of_room()
    assert {"pipeline", "validate", "copy_writer", "provenance", "export"} <= graph.keys()
    cycle = _cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_pipeline_modules_sit_below_the_orchestration() -> None:
    graph = _imports_of_room()
    # The writer knows how to write rows, validation how to find problems: neither reaches up into
    # what decides (pipeline) or what records (provenance), and export never reaches a writer.
    for low in ("copy_writer", "validate", "export"):
        assert not graph[low] & {"pipeline", "provenance", "sources"}, (low, graph[low])
    assert "pipeline" not in graph["export"] | graph["provenance"]


def test_each_pipeline_module_imports_alone() -> None:
    modules = [
        "importers.export",
        "importers.pipeline",
        "importers.validate",
        "importers.copy_writer",
        "importers.provenance",
        "importers.gc_pause",
    ]
    for module in modules:
        done = subprocess.run(
            [sys.executable, "-c", f"import {module}"], capture_output=True, text=True, cwd=ROOM.parent, timeout=120
        )
        assert done.returncode == 0, (module, done.stderr[-2000:])
