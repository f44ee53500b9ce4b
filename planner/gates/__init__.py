"""The gates, one module each: biochemical diagnosis, FHH screen, confounders, carcinoma red flags,
surgical candidacy and localization (data consistency: :mod:`planner.consistency`).

Each gate is a pure function returning a frozen :class:`GateResult`; :class:`GateOutcome` folds
the results (graph order for the list and the decision, run order for the diagnosis, the tests
and the warnings). The decision follows from the first gate that stops the plan (DESIGN.md,
planner step 3).

All cut-offs come from the graph (``Knowledge.param``); a reference range given with a lab
value takes precedence over the graph's defaults.
"""

from __future__ import annotations

from collections.abc import Callable

from kg.knowledge import Knowledge
from planner.gates.biochemical import biochemical, disease_free_interval
from planner.gates.candidacy import surgical_candidacy
from planner.gates.carcinoma import carcinoma_red_flags
from planner.gates.confounders import confounders
from planner.gates.fhh import fhh_screen
from planner.gates.localization import localization_gate
from planner.gates.outcome import (
    SURGICAL,
    GateOutcome,
    GateResult,
    RequestedTest,
    ask,
    first_of_each,
    gate_result,
)
from planner.models import Case
from planner.normalize import Normalized

__all__ = [
    "CASE_GATES",
    "LATER_GATES",
    "SURGICAL",
    "GateOutcome",
    "GateResult",
    "RequestedTest",
    "ask",
    "carcinoma_red_flags",
    "disease_free_interval",
    "first_of_each",
    "gate_result",
    "localization_gate",
    "run_gates",
]

CaseGate = Callable[[Case, Normalized, Knowledge, GateOutcome], GateResult | None]


def _biochemical(case: Case, norm: Normalized, kn: Knowledge, so_far: GateOutcome) -> GateResult:
    return biochemical(case, norm, kn)


def _fhh(case: Case, norm: Normalized, kn: Knowledge, so_far: GateOutcome) -> GateResult | None:
    """FHH is screened for on surgical disease only."""
    return fhh_screen(case, norm, kn, so_far.diagnosis) if so_far.diagnosis in SURGICAL else None


def _confounders(case: Case, norm: Normalized, kn: Knowledge, so_far: GateOutcome) -> GateResult:
    return confounders(case, norm, kn, so_far.diagnosis, so_far.decision)


def _candidacy(case: Case, norm: Normalized, kn: Knowledge, so_far: GateOutcome) -> GateResult:
    return surgical_candidacy(case, kn)


CASE_GATES: dict[str, CaseGate] = {
    "biochemical_diagnosis": _biochemical,
    "fhh_screen": _fhh,
    "confounders": _confounders,
    "surgical_candidacy": _candidacy,
}
"""The gates that read the case alone, by the graph's gate code; each is given what the gates
before it concluded (``so_far``) and returns its result, or ``None`` when it does not apply."""

LATER_GATES = {
    "data_consistency": "planner.consistency",
    "carcinoma_red_flags": "planner.pipeline",
    "localization": "planner.decision",
    "record_completeness": "clinical.fhir_planning",
}
"""Where the graph's other gates run: once the gates above have run (same-day repeats), once
the causes are known (carcinoma), with the decision (localization), on an imported record."""


def run_gates(case: Case, norm: Normalized, kn: Knowledge) -> GateOutcome:
    """The gates that read the case alone, in the graph's gate order (``prp:gateOrder``).

    >>> from kg.knowledge import knowledge
    >>> from planner.normalize import normalize
    >>> kn = knowledge()
    >>> c = Case.model_validate({"id": "x", "operations": [{"day": 0, "procedures": []}], "labs": [
    ...     {"analyte": "calcium_total", "value": 11.2, "unit": "mg/dL", "day": 240},
    ...     {"analyte": "pth_intact", "value": 140, "unit": "pg/mL", "day": 240}]})
    >>> go = run_gates(c, normalize(c, kn), kn)
    >>> [(g.id, g.status) for g in go.gates]  # no 24-hour urine: FHH is not excluded
    [('biochemical_diagnosis', 'pass'), ('fhh_screen', 'unknown'), ('confounders', 'pass'), ('surgical_candidacy', 'pass')]
    >>> go.diagnosis, go.decision, go.block_surgery, [t.test for t in go.tests]
    ('persistent', None, True, ['urine_calcium_24h'])
    """
    go = GateOutcome()
    for key in kn.gate_order():
        step = CASE_GATES.get(key)
        result = step(case, norm, kn, go) if step else None
        if result is not None:
            go = go.with_result(result)
    return go
