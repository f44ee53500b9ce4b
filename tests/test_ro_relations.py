"""RO relations as RO defines them (issue 14 B) and the two kinds of descent step (C): the
planner keeps reading the same adjacency and drainage triples."""

from __future__ import annotations

import pytest
from rdflib import OWL, RDF, RDFS, Graph, URIRef

from ontology.build import BuildResult
from ontology.namespaces import OBO, PRP
from ontology.release import load_graph

DCT_SOURCE = URIRef("http://purl.org/dc/terms/source")


@pytest.fixture(scope="module")
def release(fresh_build: BuildResult) -> Graph:
    return load_graph(fresh_build.nt_path)


def test_ro_adjacent_to_is_not_declared_symmetric(release: Graph) -> None:
    assert (OBO["RO_0002220"], RDF.type, OWL.SymmetricProperty) not in release


def test_reader_confusion_is_a_local_symmetric_property_with_a_source(release: Graph) -> None:
    confused = PRP["commonlyConfusedWith"]
    assert (confused, RDF.type, OWL.SymmetricProperty) in release
    for needed in (RDFS.label, OBO["IAO_0000115"], DCT_SOURCE):
        assert release.value(confused, needed) is not None
    assert (PRP["adjacentSite"], RDFS.subPropertyOf, confused) in release
    # the planner's adjacency query still finds the same asserted pairs
    assert (PRP["site_perrier_A"], PRP["adjacentSite"], PRP["site_perrier_B"]) in release


def test_drainage_is_ro_drains(release: Graph) -> None:
    assert (PRP["drainsSite"], RDFS.subPropertyOf, OBO["RO_0002179"]) in release
    assert str(release.value(OBO["RO_0002179"], RDFS.label)) == "drains"


def test_superior_retroesophageal_and_mediastinal_steps_are_acquired_migration(release: Graph) -> None:
    migration = {s for s in release.subjects(RDF.type, PRP["AcquiredMigrationStep"])}
    assert migration == {PRP["step_superior_4"], PRP["step_superior_5"]}
    descent = set(release.subjects(RDF.type, PRP["EmbryologicalDescentStep"]))
    steps = set(release.subjects(RDF.type, PRP["DescentStep"]))
    assert descent | migration == steps and not descent & migration
