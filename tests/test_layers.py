"""Dependencies point one way: ui -> clinical -> planner -> kg -> ontology (nothing lower imports higher)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ORDER = ["ontology", "kg", "planner", "clinical", "ui"]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module.split(".")[0])
    return out


@pytest.mark.parametrize("package", ORDER)
def test_no_module_imports_a_higher_layer(package):
    higher = set(ORDER[ORDER.index(package) + 1 :])
    offenders = {
        str(p.relative_to(ROOT)): sorted(_imports(p) & higher) for p in (ROOT / package).rglob("*.py")
    }
    assert not {k: v for k, v in offenders.items() if v}
