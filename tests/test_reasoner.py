"""HermiT through owlready2: inferences come back as triples; inconsistency and
unsatisfiable classes raise."""

from __future__ import annotations

import pytest
from rdflib import RDF, Graph

from ontology.namespaces import PRP
from ontology.paths import SRC_DIR
from ontology.reasoner import InconsistentOntologyError, UnsatisfiableClassesError, reason
from ontology.sources import load_sources

HEAD = """@prefix prp: <https://w3id.org/parareop/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
prp:A a owl:Class . prp:B a owl:Class . prp:A owl:disjointWith prp:B .
prp:p a owl:ObjectProperty ; rdfs:domain prp:A .
"""


def _graph(extra: str) -> Graph:
    return Graph().parse(data=HEAD + extra, format="turtle")


def test_real_source_is_consistent_without_unsatisfiable_classes() -> None:
    result = reason(load_sources(SRC_DIR).graph)
    assert result.seconds > 0


def test_inferred_types_come_back() -> None:
    result = reason(_graph("prp:x a owl:NamedIndividual ; prp:p prp:y . prp:y a owl:NamedIndividual .\n"))
    assert (PRP.x, RDF.type, PRP.A) in result.inferred


def test_individual_in_disjoint_classes_is_inconsistent() -> None:
    with pytest.raises(InconsistentOntologyError):
        reason(_graph("prp:x a owl:NamedIndividual, prp:A, prp:B .\n"))


def test_class_under_disjoint_classes_is_unsatisfiable() -> None:
    with pytest.raises(UnsatisfiableClassesError) as caught:
        reason(_graph("prp:C a owl:Class ; rdfs:subClassOf prp:A, prp:B .\n"))
    assert caught.value.classes == [PRP.C]
