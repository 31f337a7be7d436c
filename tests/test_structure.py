"""The house rules of the package layout (issue 10), checked on the source: no import cycles between modules, no
kind name outside ``kinds/``, no module-level mutable state, a docstring on every module.

Imports are read from the source with :mod:`ast` (nothing is imported), counting every ``import`` a module makes,
also those inside functions: a cycle through a deferred import is still a cycle in the design.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import networkx as nx
import pytest

from rpsdg.kinds import kind_names

PACKAGE = Path(__file__).resolve().parents[1] / "python" / "rpsdg"


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    is_package = MODULES[module].name == "__init__.py"
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _type_checking_blocks(tree: ast.Module) -> set[int]:
    """ids of nodes inside ``if TYPE_CHECKING:`` (annotation-only imports, never run)."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for child in node.body:
                inside.update(id(n) for n in ast.walk(child))
    return inside


def _imports(module: str) -> set[str]:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    annotation_only = _type_checking_blocks(tree)
    targets: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in annotation_only:
            continue
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(module, node)
            for alias in node.names:
                candidate = f"{source}.{alias.name}"
                targets.add(candidate if candidate in MODULES else source)
    return {t for t in targets if t in MODULES and t != module}


def import_graph() -> nx.DiGraph:
    graph = nx.DiGraph()
    for module in MODULES:
        graph.add_node(module)
        for target in _imports(module):
            # importing a.b.c runs a/__init__ and a/b/__init__ first; a package's own __init__ is not a dependency
            # of its submodules in the design sense, so only the named module counts
            graph.add_edge(module, target)
    return graph


def test_no_import_cycles():
    cycles = list(nx.simple_cycles(import_graph()))
    assert cycles == [], "import cycles: " + "; ".join(" -> ".join(c + [c[0]]) for c in cycles[:10])


def test_no_kind_name_outside_kinds():
    names = "|".join(re.escape(name) for name in kind_names())
    pattern = re.compile(rf"[\"']({names})[\"']")
    offenders = []
    for module, path in MODULES.items():
        if module.startswith("rpsdg.kinds"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}")
    assert offenders == [], "kind names outside kinds/ (add a KindSpec hook instead):\n" + "\n".join(offenders)


_CONTAINER_CALLS = {"dict", "list", "set", "defaultdict", "Counter", "OrderedDict", "deque"}
_MUTATORS = {"update", "append", "extend", "add", "setdefault", "pop", "clear", "insert", "remove", "discard"}


def _empty_container(value: ast.AST) -> bool:
    if isinstance(value, (ast.Dict, ast.List, ast.Set)):
        return not (value.keys if isinstance(value, ast.Dict) else value.elts)
    if isinstance(value, ast.Call):
        func = value.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        return name in _CONTAINER_CALLS and not value.args
    return False


def _module_names(tree: ast.Module) -> dict[str, ast.AST]:
    names = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    names[target.id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            names[node.target.id] = node.value
    return names


def _mutated(tree: ast.Module, names: set[str]) -> set[str]:
    hit = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            hit.update(n for n in node.names if n in names)
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            for target in targets:
                if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) and \
                        target.value.id in names:
                    hit.add(target.value.id)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr in _MUTATORS and isinstance(node.func.value, ast.Name) and node.func.value.id in names:
            hit.add(node.func.value.id)
    return hit


def test_no_module_level_mutable_state():
    """No run-time state at module level: no module-level name starts as an empty container (a cache or a
    registry filled while running), none is mutated anywhere in its module, and none holds an instance of one of
    our own classes that is not a frozen dataclass (a Canonicalizer with its cache, say). Constant tables are
    built once, in full, and only read."""
    import dataclasses
    import importlib

    offenders = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = _module_names(tree)
        offenders += [f"{module}: {n} starts empty" for n, v in names.items() if _empty_container(v)]
        offenders += [f"{module}: {n} is mutated" for n in sorted(_mutated(tree, set(names)))]
        if module.endswith("__main__"):
            continue
        loaded = importlib.import_module(module)
        for name in names:
            value = getattr(loaded, name, None)
            cls = type(value)
            immutable = isinstance(value, (tuple, frozenset, str, int)) or (
                dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen)
            if cls.__module__.startswith("rpsdg.") and not isinstance(value, type) and not immutable:
                offenders.append(f"{module}: {name} is a {cls.__name__} instance")
    assert offenders == [], "module-level mutable state: " + ", ".join(offenders)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_module_says_why_it_exists(module):
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"{module} has no module docstring"
