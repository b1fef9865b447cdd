"""The arrows of the house plan (../shared/ARCHITECTURE.md), read from the source with `ast`: no cycle
between app/ packages, core at the bottom, app never importing the bot, wechat importing no domain,
models importing nothing of operations, and nothing but the factory importing routes.

Every import counts, also one inside a function: a late import hides a cycle, it does not remove it.
"""

import ast
from collections import defaultdict
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Rooms below every domain: what a domain may import from anywhere.
FOUNDATION = {"app.core", "app.extensions"}
#: Cycles tolerated for now, each with a comment saying where it runs and who removes it. Empty: keep it so.
KNOWN_CYCLES: set[frozenset[str]] = set()


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


@cache
def imports() -> dict[str, set[str]]:
    """Module → the modules of app/ and bots/ it imports (`from app import x` names app.x when x is a module)."""
    found: dict[str, set[str]] = {}
    for top in ("app", "bots"):
        for path in sorted((ROOT / top).rglob("*.py")):
            module, names = _module_name(path), set()
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names |= {alias.name for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    submodules = {f"{node.module}.{a.name}" for a in node.names} - {node.module}
                    submodules = {name for name in submodules if _is_module(name)}
                    # `from pkg import module` is an arrow to the module; `from pkg import thing`, to pkg.
                    names |= submodules if len(submodules) == len(node.names) else {node.module, *submodules}
            found[module] = {name for name in names if name.split(".")[0] in ("app", "bots")}
    return found


def room(module: str) -> str:
    """app.<package> (or app itself, the factory) for app/; bots for the bot."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "app" else parts[0]


def room_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for module, names in imports().items():
        for name in names:
            if room(name) != room(module):
                graph[room(module)].add(room(name))
    return graph


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected groups of more than one room (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[frozenset[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(frozenset(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def offenders(rooms: set[str] | None = None, *, where=lambda module: True, allowed) -> dict[str, set[str]]:
    """Modules (in `rooms`, or matching `where`) importing something `allowed` refuses."""
    wrong = {}
    for module, names in imports().items():
        if (rooms is None or room(module) in rooms) and where(module):
            bad = {name for name in names if not allowed(module, name)}
            if bad:
                wrong[module] = bad
    return wrong


def test_the_reader_sees_the_house():
    graph = room_graph()
    assert "app.core" in graph["app.accounts"] and "app.wechat" in graph["app.notify"]
    assert "app.volunteers" in graph["app"] and "app" in graph["bots"]


def test_no_cycle_between_app_packages():
    found = [group for group in cycles(room_graph()) if group not in KNOWN_CYCLES]
    assert found == [], [sorted(group) for group in found]


def test_core_is_the_bottom():
    assert offenders({"app.core"}, allowed=lambda _, name: room(name) == "app.core") == {}
    assert offenders({"app.extensions"}, allowed=lambda _, name: room(name) in FOUNDATION) == {}


def test_the_web_app_never_imports_the_bot():
    assert offenders(where=lambda module: room(module) != "bots", allowed=lambda _, name: room(name) != "bots") == {}


def test_wechat_imports_no_domain():
    allowed = FOUNDATION | {"app.wechat"}
    assert offenders({"app.wechat"}, allowed=lambda _, name: room(name) in allowed) == {}


def test_models_import_nothing_of_operations():
    def is_models(module: str) -> bool:
        return module.split(".")[-1] == "models"

    # Pure calculations a model derives columns with (no database, no operations).
    derivations = {"app.volunteers.availability"}

    def allowed(module: str, name: str) -> bool:
        return room(name) in FOUNDATION or is_models(name) or name in derivations

    assert offenders(where=is_models, allowed=allowed) == {}


def test_nothing_but_the_factory_imports_routes():
    def allowed(module: str, name: str) -> bool:
        return name.split(".")[-1] != "routes" or module == "app"

    assert offenders(allowed=allowed) == {}
