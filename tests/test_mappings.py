"""Each external term of the graph has one registry: UBERON terms come with the generated import
(their label and "imported from"), terms ParaReop maps to (MONDO, HP, LOINC) are rows of the
SSSOM mapping set, and the rows are exactly the mappings the graph asserts."""

from __future__ import annotations

from pathlib import Path

import pytest

from ontology.errors import CheckSetupError
from ontology.mappings import COLUMNS, check_mappings, read_table
from ontology.paths import MAPPINGS_FILE, RELEASE_NT
from ontology.store import open_store, select
from tests.conftest import MINI_CONTEXT, mini_store

#: the mini fixture's mapping set without its rows
HEADER = (
    MINI_CONTEXT.mappings.read_text(encoding="utf-8").split("\t".join(COLUMNS))[0] + "\t".join(COLUMNS) + "\n"
)
JUSTIFIED = "\tsemapv:ManualMappingCuration\n"
ALPHA = "prp:site_alpha\talpha site\tskos:exactMatch\tUBERON:0001132\tparathyroid gland" + JUSTIFIED
UBERON = "http://purl.obolibrary.org/obo/UBERON_"


def _table(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "mappings.sssom.tsv"
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def _ttl(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "extra.ttl"
    prefixes = (
        "@prefix prp: <https://w3id.org/parareop/> .\n@prefix obo: <http://purl.obolibrary.org/obo/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
    )
    path.write_text(prefixes + text, encoding="utf-8")
    return path


def test_repository_table_has_no_problems() -> None:
    assert read_table(MAPPINGS_FILE).problems == ()


def test_real_release_and_mapping_set_agree_exactly() -> None:
    assert check_mappings(open_store(RELEASE_NT), MAPPINGS_FILE) == []


def test_listed_iris_pass() -> None:
    assert check_mappings(mini_store(), MINI_CONTEXT.mappings) == []


def test_a_mapping_the_set_lacks_is_an_error(tmp_path: Path) -> None:
    # the table without its row: the UBERON term is neither imported nor mapped
    violations = check_mappings(mini_store(), _table(tmp_path, ""))
    errors = {(v.level, v.entity) for v in violations if "UBERON" in v.entity}
    assert errors == {("ERROR", UBERON + "0001132")}
    messages = " | ".join(v.message for v in violations)
    assert "neither imported" in messages and "the graph maps prp:site_alpha to it" in messages


def test_an_imported_term_needs_no_row(tmp_path: Path) -> None:
    imported = _ttl(
        tmp_path,
        'obo:UBERON_0002370 rdfs:label "thymus"@en ;\n'
        "    obo:IAO_0000412 <http://purl.obolibrary.org/obo/uberon/releases/2026-04-01/uberon.owl> .\n"
        "prp:site_beta prp:anatomicalEntity obo:UBERON_0002370 .\n",
    )
    assert check_mappings(mini_store(imported), MINI_CONTEXT.mappings) == []


def test_row_without_label_is_an_error(tmp_path: Path) -> None:
    path = _table(tmp_path, ALPHA.replace("parathyroid gland", ""))
    problems = [v for v in check_mappings(mini_store(), path) if v.level == "ERROR"]
    assert [p.message for p in problems] == ["prp:site_alpha -> UBERON:0001132 has no object_label"]


def test_stale_row_and_label_mismatch_are_warnings(tmp_path: Path) -> None:
    stale = "prp:site_beta\tbeta site\tskos:closeMatch\tUBERON:0001132\tparathyroid gland" + JUSTIFIED
    path = _table(tmp_path, ALPHA.replace("parathyroid gland", "thyroid gland") + stale)
    violations = check_mappings(mini_store(), path)
    assert [(v.level, v.entity) for v in violations] == [
        ("WARN", UBERON + "0001132"),
        ("WARN", UBERON + "0001132"),
    ]
    assert "'thyroid gland'" in violations[0].message
    assert violations[1].message == "mappings.sssom.tsv:16 maps prp:site_beta to it, but the graph does not"


def test_malformed_rows_are_errors(tmp_path: Path) -> None:
    path = _table(tmp_path, ALPHA + "too\tfew\n" + ALPHA.replace("UBERON:", "NOPE:"))
    problems = read_table(path).problems
    assert [p.entity for p in problems] == ["mappings.sssom.tsv:16", "mappings.sssom.tsv:17"]


def test_wrong_header_is_a_setup_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text("a\tb\n", encoding="utf-8")
    with pytest.raises(CheckSetupError, match="header"):
        read_table(path)


SITE_ANATOMY = """
PREFIX prp:  <https://w3id.org/parareop/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX obo:  <http://purl.obolibrary.org/obo/>
SELECT ?site ?entity ?label ?imported WHERE {
  ?s skos:inScheme prp:scheme_sites ; skos:notation ?site ; prp:anatomicalEntity ?entity .
  OPTIONAL { ?entity rdfs:label ?label }
  OPTIONAL { ?entity obo:IAO_0000412 ?imported }
}
"""


def test_anterior_mediastinum_lies_in_the_whole_thoracic_thymus() -> None:
    # UBERON's cervical and thoracic thymus are whole organs (one mature thymus in the neck or
    # the thorax). The anterior mediastinal site lies in or beside the thoracic thymus, the
    # organ as UBERON has it; Perrier F lies in the neck part of a thymus, a local class.
    rows = {r["site"]: r for r in select(open_store(RELEASE_NT), SITE_ANATOMY)}
    mediastinal = rows["anterior_mediastinum"]
    assert mediastinal["entity"] == UBERON + "0009115" and mediastinal["label"] == "thoracic thymus"
    assert mediastinal["imported"].endswith("/uberon/releases/2026-04-01/uberon.owl")
    assert rows["perrier_F"]["entity"] == "https://w3id.org/parareop/CervicalPartOfThymus"
    assert not any(r["entity"] == UBERON + "0009114" for r in rows.values()), (
        "no site is a whole cervical thymus"
    )
