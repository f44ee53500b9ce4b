"""Vocabulary codes: each contract code maps to exactly one entity."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ontology.errors import CheckSetupError
from ontology.paths import vocabulary_file
from ontology.vocabulary import check_codes, load_vocabulary
from tests.conftest import MINI_CONTEXT, mini_store


def _vocabulary(tmp_path: Path, data: dict[str, object]) -> Path:
    path = tmp_path / "vocabulary.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_real_vocabulary_loads_without_about() -> None:
    vocabulary = load_vocabulary(vocabulary_file())
    assert "about" not in vocabulary and "sites" in vocabulary and "perrier_A" in vocabulary["sites"]


def test_mini_fixture_maps_every_code() -> None:
    assert check_codes(mini_store(), MINI_CONTEXT.vocabulary) == []


def test_code_without_entity_is_an_error(tmp_path: Path) -> None:
    path = _vocabulary(tmp_path, {"about": "x", "sites": {"alpha": "", "beta": "", "gamma": ""}})
    (violation,) = check_codes(mini_store(), path)
    assert violation.level == "ERROR" and "'gamma'" in violation.message and "no entity" in violation.message


def test_code_in_graph_but_not_in_vocabulary_is_a_warning(tmp_path: Path) -> None:
    path = _vocabulary(tmp_path, {"sites": {"alpha": ""}, "operations": {"explore": "", "drugs": ""}})
    (violation,) = check_codes(mini_store(), path)
    assert violation.level == "WARN" and violation.entity.endswith("site_beta")


def test_missing_vocabulary_names_the_override(tmp_path: Path) -> None:
    with pytest.raises(CheckSetupError, match="PARAREOP_SHARED"):
        load_vocabulary(tmp_path / "nope.json")


def test_malformed_vocabulary_is_a_setup_error(tmp_path: Path) -> None:
    with pytest.raises(CheckSetupError, match="not an object"):
        load_vocabulary(_vocabulary(tmp_path, {"sites": ["alpha"]}))
