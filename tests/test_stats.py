"""Counting classes, properties, individuals and evidence nodes."""

from __future__ import annotations

from ontology.stats import count
from tests.conftest import mini_store


def test_counts_of_the_mini_fixture() -> None:
    stats = count(mini_store())
    assert stats.classes == 16
    assert stats.object_properties == 8
    assert stats.data_properties == 6
    assert stats.annotation_properties == 4
    assert stats.evidence_nodes == 2  # a Threshold and a ModalityPerformance, through subClassOf
    assert stats.individuals == 15
    assert stats.triples == len(mini_store())
    assert stats.lines()[0] == "classes: 16"
