"""The structural explanations given when HermiT rejects the ontology."""

from __future__ import annotations

from pathlib import Path

from ontology.diagnose import explain_inconsistency, explain_unsatisfiable
from ontology.namespaces import PRP
from ontology.sources import load_sources

HEAD = """@prefix prp: <https://w3id.org/parareop/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
prp:A a owl:Class . prp:B a owl:Class . prp:Sub a owl:Class ; rdfs:subClassOf prp:B .
[] a owl:AllDisjointClasses ; owl:members ( prp:A prp:B ) .
prp:p a owl:ObjectProperty ; rdfs:range prp:A .
prp:d a owl:DatatypeProperty, owl:FunctionalProperty ; rdfs:range xsd:decimal .
prp:s a owl:DatatypeProperty ; rdfs:range xsd:string .
"""


def _explain(tmp_path: Path, body: str) -> list[str]:
    (tmp_path / "m.ttl").write_text(HEAD + body)
    return explain_inconsistency(load_sources(tmp_path))


def test_consistent_graph_has_no_explanation(tmp_path: Path) -> None:
    assert _explain(tmp_path, 'prp:x a owl:NamedIndividual, prp:A ; prp:d 1.5 ; prp:s "ok" .\n') == []


def test_disjoint_types_through_a_range(tmp_path: Path) -> None:
    found = _explain(tmp_path, "prp:x a owl:NamedIndividual, prp:Sub .\nprp:y prp:p prp:x .\n")
    assert len(found) == 1
    assert "prp:x (" in found[0] and "m.ttl:10" in found[0]
    assert "prp:A (range of prp:p)" in found[0] and "prp:B (asserted)" in found[0]


def test_literal_outside_range(tmp_path: Path) -> None:
    found = _explain(tmp_path, 'prp:x prp:d "0.5"^^xsd:double ; prp:s "tagged"@en .\n')
    assert any("prp:d" in f and "xsd:double" in f for f in found)
    assert any("prp:s" in f and "rdf:langString" in f for f in found)


def test_two_values_of_functional_property(tmp_path: Path) -> None:
    found = _explain(tmp_path, "prp:x prp:d 1.0, 2.0 .\n")
    assert any("functional" in f and "prp:d" in f for f in found)


def test_unsatisfiable_class_names_the_disjoint_pair(tmp_path: Path) -> None:
    (tmp_path / "m.ttl").write_text(HEAD + "prp:C a owl:Class ; rdfs:subClassOf prp:A, prp:Sub .\n")
    (found,) = explain_unsatisfiable(load_sources(tmp_path), [PRP.C])
    assert "prp:C" in found and "prp:A" in found and "prp:B" in found and "disjoint" in found
