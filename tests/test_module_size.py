"""No module over 500 lines (issue 10): a module that grows past it holds more than one job.

Counts every Python module of the shipped packages, the benchmarks and the tests.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ontology", "kg", "planner", "clinical", "ui", "benchmarks", "tests")
LIMIT = 500


def test_no_module_is_over_500_lines() -> None:
    modules = [p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")]
    assert len(modules) > 100  # the walk found the code
    over = {
        str(p.relative_to(ROOT)): n
        for p in modules
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > LIMIT
    }
    assert not over, f"modules over {LIMIT} lines (split them by job): {over}"
