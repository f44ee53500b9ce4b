"""The carcinoma red-flags gate: features the graph gives a likelihood ratio above one for carcinoma
(calcium, PTH, a palpable mass, vocal cord paralysis, lesion size, histology).
"""

from __future__ import annotations

from kg.knowledge import Knowledge
from planner.explain import Link
from planner.gates.outcome import GateOutcome


def carcinoma_red_flags(kn: Knowledge, go: GateOutcome, feat: dict[str, Link], red: list[str]) -> None:
    """``warn`` naming each red flag found (``red``: the features, ``feat``: their facts), else ``pass``;
    the gates are then put back in the graph's order."""
    facts = [feat[k] for k in sorted(red)]
    if red:
        go.gate(
            kn,
            "carcinoma_red_flags",
            "warn",
            "Carcinoma red flags: " + ", ".join(k.replace("_", " ") for k in sorted(red)) + ".",
            facts,
        )
    else:
        go.gate(kn, "carcinoma_red_flags", "pass", "No carcinoma red flag.", [])
    go.gates.sort(key=lambda g: kn.gates[g.id][2])
