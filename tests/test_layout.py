"""The house: one installable namespace, layers whose imports run one way, no import cycles."""

from __future__ import annotations

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "wagerflow"

# Layers, lowest first: a module may import its own layer and the layers before it.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("contract", ("wagerflow.schemas", "wagerflow.money", "wagerflow.errors", "wagerflow.topics")),
    (
        "rules",
        (
            "wagerflow.bet_rules",
            "wagerflow.shard_key",
            "wagerflow.metrics",
            "wagerflow.adapters",
            "wagerflow.pipeline",
            "wagerflow.risk",
            "wagerflow.settle",
            "wagerflow.analytics",
        ),
    ),
    ("connectors", ("wagerflow.connectors",)),
    ("flows", ("wagerflow.flows",)),
    (
        "commands",
        (
            "wagerflow.config",
            "wagerflow.samples",
            "wagerflow.devenv",
            "wagerflow.commands",
            "wagerflow.board",
            "wagerflow.ops",
            "wagerflow.cli",
        ),
    ),
]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    """Every module of the package as it installs (the symlinked folders included)."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        found[_module_name(path)] = path
    return found


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package modules ``name`` imports, anywhere in its body."""
    tree = ast.parse(path.read_text(), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _layer(module: str) -> int | None:
    for index, (_, prefixes) in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return index
    return None


def test_every_module_belongs_to_a_layer() -> None:
    unplaced = sorted(m for m in _modules() if m != "wagerflow" and _layer(m) is None)
    assert unplaced == []


def test_imports_run_one_way_through_the_layers() -> None:
    upward = []
    for module, targets in _graph().items():
        own = _layer(module)
        for target in targets:
            theirs = _layer(target)
            if own is not None and theirs is not None and theirs > own:
                upward.append(f"{module} -> {target}")
    assert upward == []


def test_no_connector_imports_a_rule_module() -> None:
    rules = LAYERS[1][1]
    found = [
        f"{module} -> {target}"
        for module, targets in _graph().items()
        if module.startswith("wagerflow.connectors")
        for target in targets
        if any(target == r or target.startswith(r + ".") for r in rules)
    ]
    assert found == []


def test_the_import_graph_has_no_cycles() -> None:
    graph = _graph()
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


@pytest.mark.slow
def test_the_wheel_holds_one_top_level_package(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        cwd=tmp_path,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("wagerflow-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    dist_info = wheel.name.split("-py")[0] + ".dist-info"
    assert {n.split("/")[0] for n in names} == {"wagerflow", dist_info}
    for needed in ("wagerflow/schemas/events.py", "wagerflow/connectors/kafka_sink.py",
                   "wagerflow/flows/risk.py", "wagerflow/sql/0001_norm_events.sql"):  # fmt: skip
        assert needed in names
