"""Run the doctest examples of every ``kg`` module (each public function shows its use)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "kg.case_rdf",
    "kg.case_shapes",
    "kg.cases",
    "kg.formatting",
    "kg.knowledge",
    "kg.knowledge_model",
    "kg.named_queries",
    "kg.networkx_view",
    "kg.owl_view",
    "kg.oxigraph_view",
    "kg.planner_view",
    "kg.rdflib_view",
    "kg.release",
    "kg.results",
    "kg.server",
    "kg.sparql",
    "kg.strict_json",
    "kg.traversal",
    "kg.vocabulary",
]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0 and result.attempted > 0
