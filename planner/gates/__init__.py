"""The gates, one module each: biochemical diagnosis, FHH screen, confounders, carcinoma red flags,
surgical candidacy and localization (data consistency: :mod:`planner.consistency`). Each adds
its entry with its explanation chain to the shared :class:`GateOutcome`; the decision follows
from the first gate that fails (DESIGN.md, planner step 3).

All cut-offs come from the graph (``Knowledge.param``); a reference range given with a lab
value takes precedence over the graph's defaults.
"""

from __future__ import annotations

from kg.knowledge import Knowledge
from planner.gates.biochemical import biochemical, disease_free_interval
from planner.gates.candidacy import surgical_candidacy
from planner.gates.carcinoma import carcinoma_red_flags
from planner.gates.confounders import confounders
from planner.gates.fhh import fhh_screen
from planner.gates.localization import localization_gate
from planner.gates.outcome import SURGICAL, GateOutcome
from planner.models import Case
from planner.normalize import Normalized

__all__ = [
    "SURGICAL",
    "GateOutcome",
    "carcinoma_red_flags",
    "disease_free_interval",
    "localization_gate",
    "run_gates",
]


def run_gates(case: Case, norm: Normalized, kn: Knowledge) -> GateOutcome:
    """The gates that read the case alone, in order; carcinoma and localization run once the
    causes and places are known (:mod:`planner.core`)."""
    out = GateOutcome()
    biochemical(case, norm, kn, out)
    if out.diagnosis in SURGICAL:
        fhh_screen(case, norm, kn, out)
    confounders(case, norm, kn, out)
    surgical_candidacy(case, kn, out)
    return out
