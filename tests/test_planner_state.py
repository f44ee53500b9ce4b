"""planner.state.Evidence: the one frozen record the decision steps read."""

from __future__ import annotations

import dataclasses

import pytest

from tests.planner_minicase import case, steps


def test_before_the_gates_found_surgical_disease_the_posterior_is_empty():
    """Evidence.post is None before the gates found surgical disease; .posterior is then empty."""
    c = case()
    c["labs"][1]["value"] = 5  # suppressed PTH: halt, no posterior
    ev = steps(c).evidence
    assert ev.post is None and ev.posterior.weights == {} and ev.locations == []


def test_with_surgical_disease_the_posterior_is_the_located_one():
    """The set posterior of planner.locations is what every step reads."""
    s = steps(case())
    ev = s.evidence
    assert ev.posterior is s.where.post and ev.locations[0] == s.where.locations[0]


def test_evidence_is_frozen():
    """One frozen record handed from step to step (no step changes what the next reads)."""
    ev = steps(case()).evidence
    with pytest.raises(dataclasses.FrozenInstanceError):
        ev.locations = []
