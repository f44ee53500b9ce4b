"""The surgical-candidacy gate: is the patient fit for and willing to have another operation?"""

from __future__ import annotations

from kg.knowledge import Knowledge
from planner import explain as ex
from planner.gates.outcome import GateOutcome
from planner.models import Case


def surgical_candidacy(case: Case, kn: Knowledge, out: GateOutcome) -> None:
    if case.patient.surgical_candidate:
        out.gate(kn, "surgical_candidacy", "pass", "Fit for and willing to have another operation.", [])
        return
    out.gate(
        kn,
        "surgical_candidacy",
        "fail",
        "Not a candidate for another operation: medical or ablative options only.",
        # free text (the patient's note) never goes into a plan: reports leave the record's prose out
        [
            ex.finding(
                "The record marks the patient as not a surgical candidate (unfit for or declining surgery)"
            )
        ],
    )
    out.medical_only = True
