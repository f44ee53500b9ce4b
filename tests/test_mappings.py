"""The SSSOM mapping table against the external IRIs of the graph."""

from __future__ import annotations

from pathlib import Path

import pytest

from ontology.errors import CheckSetupError
from ontology.mappings import COLUMNS, check_mappings, read_table
from ontology.paths import MAPPINGS_FILE
from tests.conftest import MINI_CONTEXT, mini_store

HEADER = "#   UBERON: http://purl.obolibrary.org/obo/UBERON_\n" + "\t".join(COLUMNS) + "\n"
ALPHA = (
    "\t".join(
        (
            "prp:site_alpha",
            "alpha site",
            "skos:exactMatch",
            "UBERON:0001132",
            "parathyroid gland",
            "semapv:ManualMappingCuration",
        )
    )
    + "\n"
)


def _table(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "mappings.sssom.tsv"
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def test_repository_table_has_the_sssom_header() -> None:
    assert read_table(MAPPINGS_FILE).problems == []


def test_listed_iris_pass() -> None:
    assert check_mappings(mini_store(), MINI_CONTEXT.mappings) == []


def test_unlisted_iri_is_an_error(tmp_path: Path) -> None:
    (violation,) = check_mappings(mini_store(), _table(tmp_path, ""))
    assert violation.level == "ERROR" and violation.entity.endswith("UBERON_0001132")


def test_row_without_label_is_an_error(tmp_path: Path) -> None:
    path = _table(tmp_path, ALPHA.replace("parathyroid gland", ""))
    (violation,) = check_mappings(mini_store(), path)
    assert violation.level == "ERROR" and "without a label" in violation.message


def test_stale_row_and_label_mismatch_are_warnings(tmp_path: Path) -> None:
    stale = "prp:x\tx\tskos:exactMatch\t<http://loinc.org/1-8>\tsomething\tsemapv:ManualMappingCuration\n"
    path = _table(tmp_path, ALPHA.replace("parathyroid gland", "thyroid gland") + stale)
    violations = check_mappings(mini_store(), path)
    assert [(v.level, v.entity) for v in violations] == [
        ("WARN", "http://purl.obolibrary.org/obo/UBERON_0001132"),
        ("WARN", "http://loinc.org/1-8"),
    ]
    assert "'thyroid gland'" in violations[0].message and "mappings.sssom.tsv:4" in violations[1].message


def test_malformed_rows_are_errors(tmp_path: Path) -> None:
    path = _table(tmp_path, ALPHA + "too\tfew\n" + ALPHA.replace("UBERON:", "NOPE:"))
    problems = read_table(path).problems
    assert [p.entity for p in problems] == ["mappings.sssom.tsv:4", "mappings.sssom.tsv:5"]


def test_wrong_header_is_a_setup_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text("a\tb\n", encoding="utf-8")
    with pytest.raises(CheckSetupError, match="header"):
        read_table(path)
