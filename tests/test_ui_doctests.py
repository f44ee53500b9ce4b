"""Run the doctest examples of the app's modules."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "ui.board",
    "ui.cases",
    "ui.diagram.geometry",
    "ui.diagram.data",
    "ui.diagram.marks",
    "ui.diagram.svg",
    "ui.editor_model",
    "ui.fragments",
    "ui.graph_view",
    "ui.iopth_view",
    "ui.names",
    "ui.report",
    "ui.summary",
    "ui.whatif",
]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0 and result.attempted > 0
