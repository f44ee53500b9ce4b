"""planner.gates.candidacy: test_planner_gates checks the medical plan; these check the gate itself."""

from __future__ import annotations

from planner.gates.candidacy import surgical_candidacy
from planner.models import Case
from tests.planner_minicase import KN, case


def _gate(**patient):
    out = surgical_candidacy(Case.model_validate(case(patient=patient)), KN)
    return out, out.gate


def test_a_candidate_passes():
    """Fit for and willing to have another operation: the plan goes on."""
    out, gate = _gate()
    assert gate.status == "pass" and not out.medical_only and out.decision is None


def test_a_non_candidate_fails_to_medical_only_and_the_note_stays_out():
    """Not a candidate: medical or ablative options only; the patient's free-text note is never quoted."""
    out, gate = _gate(surgical_candidate=False, note="Declines surgery, lives alone at 1 Main St")
    assert gate.status == "fail" and out.medical_only and out.decision is None  # the earlier gates say why
    assert all("Main St" not in f.text for f in gate.explanation)
