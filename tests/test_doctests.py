"""Run the doctest examples in the docstrings of every module that has them."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "ontology.diagnose",
    "ontology.namespaces",
    "ontology.paths",
    "ontology.sources",
    "ontology.violations",
    "ontology.vocabulary",
    "planner.causes",
    "planner.features",
    "planner.gain",
    "planner.gates.biochemical",
    "planner.iopth",
    "planner.likelihood",
    "planner.memo",
    "planner.places",
    "planner.priors",
    "planner.sources",
    "tests.synthetic",
    "planner.units",
    "ui.text_report",
]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0 and result.attempted > 0
