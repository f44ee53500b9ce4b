"""The surgical-candidacy gate: is the patient fit for and willing to have another operation?

A patient who is not gets medical or ablative options only (``medical_only``); the gate forces
no decision of its own, so the gates before it still say why a plan stops.
"""

from __future__ import annotations

from kg.knowledge import Knowledge
from planner import explain as ex
from planner.gates.outcome import GateResult, gate_result
from planner.models import Case

KEY = "surgical_candidacy"


def surgical_candidacy(case: Case, kn: Knowledge) -> GateResult:
    """``pass`` for a candidate, else ``fail`` with medical options only.

    >>> from kg.knowledge import knowledge
    >>> r = surgical_candidacy(Case.model_validate({"id": "x", "patient": {"surgical_candidate": False}}), knowledge())
    >>> r.gate.status, r.medical_only, r.decision
    ('fail', True, None)
    """
    if case.patient.surgical_candidate:
        return gate_result(kn, KEY, "pass", "Fit for and willing to have another operation.")
    return gate_result(
        kn,
        KEY,
        "fail",
        "Not a candidate for another operation: medical or ablative options only.",
        # free text (the patient's note) never goes into a plan: reports leave the record's prose out
        [
            ex.finding(
                "The record marks the patient as not a surgical candidate (unfit for or declining surgery)"
            )
        ],
        medical_only=True,
    )
