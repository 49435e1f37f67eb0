"""Layers import downwards only: what measures never imports what trains, and the pose path never trains."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[1] / "core"


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at module level or inside functions."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package, forbidden", [
    ("evaluation", "core.training"),
    ("protocol", "core.training"),
    ("protocol", "core.evaluation"),
    ("model", "core.training"),
    ("model", "core.evaluation"),
    ("pose", "core.training"),
    ("recognition", "core.training"),
    ("recognition", "core.evaluation"),
])
def test_a_layer_does_not_import_the_one_above(package, forbidden):
    offenders = {str(path.relative_to(CORE)): sorted(name for name in _imports(path) if name.startswith(forbidden))
                 for path in sorted((CORE / package).glob("*.py"))}
    assert not {path: names for path, names in offenders.items() if names}
