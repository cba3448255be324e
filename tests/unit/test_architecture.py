"""The layers hold: the core imports no platform, and no module imports itself back."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLATFORM_SDKS = {"discord", "slack_bolt", "slack_sdk", "aiohttp", "apscheduler", "playwright"}


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, known: set[str]) -> set[str]:
    """Every module of ours that `path` imports, at the top or inside a function (a cycle
    hidden in a function is still a cycle); `if TYPE_CHECKING:` blocks do not run."""
    found: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for n in ast.walk(node):
            if isinstance(n, ast.Import):
                found |= {a.name for a in n.names}
            elif isinstance(n, ast.ImportFrom) and n.module and n.level == 0:
                found |= {n.module, *(f"{n.module}.{a.name}" for a in n.names)}
    # Importing a.b.c runs a and a.b first.
    for name in list(found):
        parts = name.split(".")
        found |= {".".join(parts[:i]) for i in range(1, len(parts))}
    return {m for m in found if m in known}


def _graph() -> dict[str, set[str]]:
    files = [*(ROOT / "bot").rglob("*.py"), *(ROOT / "commands").rglob("*.py")]
    known = {_module(f) for f in files}
    graph = {_module(f): _imports(f, known) for f in files}
    # A package's own modules import it, not the other way round, unless it says so.
    return {m: {d for d in deps if not m.startswith(d + ".")} - {m} for m, deps in graph.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_module_imports_itself_back() -> None:
    assert _cycles(_graph()) == []


def test_the_cycle_finder_sees_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_core_imports_no_platform() -> None:
    """bot.core (and what it needs) runs without a platform SDK, a web framework or the
    scheduler: a new surface is a new adapter, never a change to the core."""
    code = (
        "import sys, bot.core.dispatch, bot.core.ports, bot.core.context, bot.core.registry;"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert PLATFORM_SDKS.isdisjoint(loaded), PLATFORM_SDKS.intersection(loaded)
