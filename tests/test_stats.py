"""Counting classes, properties, individuals and evidence nodes."""

from __future__ import annotations

from ontology.stats import count
from tests.conftest import mini_store


def test_counts_of_the_mini_fixture() -> None:
    stats = count(mini_store())
    assert stats.classes == 18  # with LikelihoodRatio and Statistic (the evidence register)
    assert stats.object_properties == 11
    assert stats.data_properties == 7
    assert stats.annotation_properties == 4
    assert stats.evidence_nodes == 3  # Threshold, ModalityPerformance, LikelihoodRatio (subClassOf)
    assert stats.individuals == 22
    assert stats.triples == len(mini_store())
    assert stats.lines()[0] == "classes: 18"
