"""The carcinoma red-flags gate: features the graph gives a likelihood ratio above one for carcinoma
(calcium, PTH, a palpable mass, vocal cord paralysis, lesion size, histology).
"""

from __future__ import annotations

from kg.knowledge import Knowledge
from planner.explain import Link
from planner.gates.outcome import GateOutcome


def red_flags(kn: Knowledge, feat: dict[str, Link]) -> list[str]:
    """The case's features that the graph weighs towards carcinoma (a likelihood ratio above one)."""
    flags = {
        f for f, lrs in kn.likelihood_ratios.items() if any(c == "carcinoma" and lr.v > 1 for c, lr in lrs)
    }
    return [k for k in feat if k in flags]


def carcinoma_red_flags(kn: Knowledge, go: GateOutcome, feat: dict[str, Link]) -> None:
    """``warn`` naming each red flag the case's features (``feat``, with their facts) show, else
    ``pass``; the gates are then put back in the graph's order."""
    red = red_flags(kn, feat)
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
