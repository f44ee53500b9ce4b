"""The evidence register (issue 14): every number says what statistic it is, an odds ratio
is never read as a likelihood ratio, citations are identifiers found in the source text,
and the README's register table is the named query's count."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from kg.evidence_register import readme_block, register_rows, register_table
from ontology.build import QualityCheckError, build
from ontology.namespaces import PRP
from ontology.paths import RELEASE_NT
from ontology.store import open_store, select

ROOT = Path(__file__).resolve().parents[1]
PMID_IRI = re.compile(r"^https://pubmed\.ncbi\.nlm\.nih\.gov/(\d{6,9})/$")
DOI_IRI = re.compile(r"^https://doi\.org/(10\.\d{4,9}/\S+)$")


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return register_rows()


def _release(query: str) -> list[dict[str, str]]:
    prefixes = (
        "PREFIX prp: <https://w3id.org/parareop/>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "PREFIX dcterms: <http://purl.org/dc/terms/>\n"
    )
    return [{k: str(v) for k, v in row.items()} for row in select(open_store(RELEASE_NT), prefixes + query)]


def test_every_evidence_node_has_a_row_per_number_with_a_statistic(rows: list[dict[str, str]]) -> None:
    nodes = _release("SELECT DISTINCT ?e WHERE { ?e a ?c . ?c rdfs:subClassOf prp:EvidenceNode }")
    assert len(nodes) > 190
    assert {str(n["e"]).removeprefix(str(PRP)) for n in nodes} == {r["evidence"] for r in rows}
    assert all(r["statistic"] and r["grade"] in ("verified", "unverified", "assumption") for r in rows)


def test_a_modality_performance_node_states_both_of_its_statistics(rows: list[dict[str, str]]) -> None:
    ultrasound = {r["figure"]: r["statistic"] for r in rows if r["evidence"] == "performance_ultrasound"}
    assert ultrasound == {"sensitivity": "sensitivity", "false_positive_rate": "false_positive_rate"}


def test_likelihood_ratio_nodes_hold_likelihood_ratios(rows: list[dict[str, str]]) -> None:
    kinds = {r["statistic"] for r in rows if r["kind"] == "LikelihoodRatio"}
    assert kinds == {"likelihood_ratio", "odds_ratio_rare_feature"}
    approximated = [r["evidence"] for r in rows if r["statistic"] == "odds_ratio_rare_feature"]
    assert approximated == ["lr_lithium_use_multiglandular_disease"]


def test_negative_sestamibi_is_thiers_raw_count_likelihood_ratio(rows: list[dict[str, str]]) -> None:
    (row,) = [r for r in rows if r["evidence"] == "lr_negative_sestamibi_multiglandular_disease"]
    assert Decimal(row["number"]) == Decimal("1.76")
    assert (row["statistic"], row["grade"], row["setting"], row["disease"], row["n"]) == (
        "likelihood_ratio",
        "verified",
        "first_operation",
        "sporadic",
        "707",
    )
    assert row["identifiers"] == "https://pubmed.ncbi.nlm.nih.gov/29294178/"
    (reasoning,) = _release(
        "SELECT ?r WHERE { prp:lr_negative_sestamibi_multiglandular_disease prp:reasoning ?r }"
    )
    assert "(15/49) / (70/402)" in reasoning["r"] and "odds ratio" in reasoning["r"]


def test_identifiers_are_well_formed_and_come_from_the_source_text(rows: list[dict[str, str]]) -> None:
    cited = [r for r in rows if r.get("identifiers")]
    assert len({r["evidence"] for r in cited}) > 80
    for row in cited:
        for iri in row["identifiers"].split():
            pmid, doi = PMID_IRI.match(iri), DOI_IRI.match(iri)
            assert pmid or doi, iri
            assert (pmid.group(1) if pmid else doi.group(1)) in row["source"], (row["evidence"], iri)  # type: ignore[union-attr]


def test_the_named_query_filters_by_statistic_and_grade() -> None:
    from kg.sparql import EmbeddedBackend, run_named

    found = run_named(
        "evidence-register", {"statistic": "likelihood_ratio", "grade": "assumption"}, EmbeddedBackend()
    )
    values = found.values()
    assert values and {(r["statistic"], r["grade"], r["kind"]) for r in values} == {
        ("likelihood_ratio", "assumption", "LikelihoodRatio")
    }


def test_the_readme_register_table_is_the_querys_count(rows: list[dict[str, str]]) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme_block(readme) == register_table(rows), (
        "README evidence register is stale: run python -m kg.evidence_register"
    )


def test_an_odds_ratio_planted_as_a_likelihood_ratio_fails_the_build(src_copy: Path, tmp_path: Path) -> None:
    rules = src_copy / "80-rules.ttl"
    text = rules.read_text(encoding="utf-8")
    node = "prp:lr_negative_sestamibi_multiglandular_disease a owl:NamedIndividual, prp:LikelihoodRatio"
    head, tail = text.split(node, 1)
    # Thier's multivariable 2.42 is an odds ratio: put it back where the planner reads a likelihood ratio.
    tail = tail.replace(
        "prp:statistic prp:statistic_likelihood_ratio ;", "prp:statistic prp:statistic_odds_ratio ;", 1
    )
    tail = tail.replace('prp:value "1.76"^^xsd:decimal ;', 'prp:value "2.42"^^xsd:decimal ;', 1)
    rules.write_text(head + node + tail, encoding="utf-8")
    with pytest.raises(QualityCheckError) as caught:
        build(src_copy, tmp_path / "out")
    errors = {(v.check, v.entity) for v in caught.value.run.violations if v.level.name == "ERROR"}
    assert errors == {
        ("likelihood_ratio_is_odds_ratio", f"{PRP}lr_negative_sestamibi_multiglandular_disease")
    }
    assert not (tmp_path / "out" / "parareop.nt").exists()


def test_an_evidence_node_without_a_statistic_fails_the_build(src_copy: Path, tmp_path: Path) -> None:
    thresholds = src_copy / "71-evidence-thresholds.ttl"
    text = thresholds.read_text(encoding="utf-8")
    assert text.count("prp:statistic prp:statistic_threshold ;\n") > 1
    thresholds.write_text(
        text.replace("    prp:statistic prp:statistic_threshold ;\n", "", 1), encoding="utf-8"
    )
    with pytest.raises(QualityCheckError) as caught:
        build(src_copy, tmp_path / "out")
    assert {v.check for v in caught.value.run.violations if v.level.name == "ERROR"} == {
        "evidence_without_statistic"
    }
