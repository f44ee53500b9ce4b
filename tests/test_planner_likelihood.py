"""planner.likelihood: the per-graph memo of modality performance never mixes two graph views."""

from __future__ import annotations

import dataclasses

from kg.knowledge import knowledge
from planner.likelihood import se_fp


def test_a_second_graph_view_gets_its_own_figures() -> None:
    """A what-if on the graph (here: an ultrasound twice as sensitive) must not read the first view's memo."""
    kn = knowledge()
    base = se_fp(kn, "ultrasound", "perrier_F", "missed_single_gland")[0]
    perf = kn.performance["ultrasound"]
    changed = dataclasses.replace(perf, sensitivity=perf.sensitivity / 2)
    other = dataclasses.replace(kn, performance={**kn.performance, "ultrasound": changed})
    assert se_fp(other, "ultrasound", "perrier_F", "missed_single_gland")[0] < base
    assert se_fp(kn, "ultrasound", "perrier_F", "missed_single_gland")[0] == base
