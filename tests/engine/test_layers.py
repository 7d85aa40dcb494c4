"""The engine's layout holds: imports go down the layers only, never sideways between packages, never in a circle."""

from __future__ import annotations

import ast
from pathlib import Path

from tests._support import REPO

ENGINE = REPO / "engine"
# Layer of each package (top-level modules of ``engine`` are named by themselves); a module may import modules of
# its own package and of lower layers only.
LAYERS = {
    "engine.errors": 0, "engine.types": 0, "engine.looks": 0, "engine.clock": 0,
    "engine.storage": 1, "engine.images": 1, "engine.encoders": 1,
    "engine.tagging": 2, "engine.weather": 2, "engine.users": 2,
    "engine.wardrobe": 3, "engine.outfits": 3,
    "engine.catalog": 4,  # the shop: joins the catalog with wardrobes and outfits
    "engine.stylist": 5,
    "engine": 6,
}
CORE = {name for name, layer in LAYERS.items() if layer == 0}  # the plain data of the surface: one group


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Return the engine modules a file imports (at any depth of the file, type-checking imports included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)  # "from package import module"
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name == "engine" or name in modules}


def _group(module: str) -> str:
    """Return the package (or core module) a module belongs to."""
    parts = module.split(".")
    if module == "engine" or module in LAYERS:
        return "core" if module in CORE else module
    return ".".join(parts[:2])


def _graph() -> dict[str, set[str]]:
    paths = sorted(ENGINE.rglob("*.py"))
    modules = {_module_name(path) for path in paths}
    return {_module_name(path): _imports(path, modules) for path in paths}


def test_every_engine_package_has_a_layer() -> None:
    groups = {_group(module) for module in _graph()}
    assert groups - {"core"} <= set(LAYERS), f"add new packages to LAYERS: {groups - set(LAYERS) - {'core'}}"


def test_imports_go_down_the_layers_only() -> None:
    wrong = []
    for module, imported in _graph().items():
        if module == "engine":
            continue  # the package re-exports the facade and its types from every layer
        mine = _group(module)
        for target in imported:
            theirs = _group(target)
            if theirs != mine and (target == "engine" or _layer(theirs) >= _layer(mine)):
                wrong.append(f"{module} imports {target}")
    assert not wrong, "\n".join(sorted(wrong))


def _layer(group: str) -> int:
    return 0 if group == "core" else LAYERS[group]


def test_no_import_cycles() -> None:
    graph = _graph()
    modules = set(graph)
    edges = {m: {t for t in targets if t in modules and t != "engine"} for m, targets in graph.items()}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(edges[module]):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target):], target] if target in path else [module, target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_the_layout_holds_no_file_over_400_lines() -> None:
    long = {str(path.relative_to(REPO)): n for path in ENGINE.rglob("*.py")
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > 400}
    assert not long, long
