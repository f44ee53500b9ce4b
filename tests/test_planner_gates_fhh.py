"""planner.gates.fhh: what test_planner_gates does not cover (known FHH, the recurrent course, lithium)."""

from __future__ import annotations

from planner.gates.fhh import fhh_screen
from planner.models import Case
from planner.normalize import normalize
from tests.planner_minicase import KN, case


def _screen(diagnosis="persistent", urine_ca=380, **patient):
    c = case(patient=patient)
    for lab in c["labs"]:
        if lab["analyte"] == "urine_calcium_24h":
            lab["value"] = urine_ca
    c = Case.model_validate(c)
    out = fhh_screen(c, normalize(c, KN), KN, diagnosis)
    return out, out.gate


def test_known_fhh_halts():
    """A known FHH: parathyroid surgery does not cure it."""
    out, gate = _screen(syndromes=["FHH"])
    assert gate.status == "fail" and out.diagnosis == "fhh_suspected" and out.decision == "halt"


def test_a_cccr_above_the_phpt_cut_off_passes():
    """Graph cccr_phpt_above 0.02: CCCR 0.0247 (380 mg/24h) favours PHPT."""
    out, gate = _screen()
    assert gate.status == "pass" and not out.block_surgery and out.tests == ()


def test_a_recurrent_course_excludes_fhh_by_itself():
    """FHH is lifelong: a normocalcemic interval after the operation excludes it."""
    out, gate = _screen(diagnosis="recurrent")
    assert gate.status == "pass" and "excluded by the course" in gate.message


def test_a_recurrent_course_with_a_cccr_in_the_fhh_band_contradicts_the_record():
    """A low CCCR is still read in a recurrent course: the data disagree, so no operation rests on them."""
    out, gate = _screen(diagnosis="recurrent", urine_ca=40)  # CCCR 0.0026 < cccr_fhh_below 0.01
    assert gate.status == "warn" and out.block_surgery and out.decision is None
    assert [t.test for t in out.tests] == ["urine_calcium_24h", "genetic_testing_casr"]


def test_a_low_cccr_on_lithium_that_cannot_be_stopped_asks_for_genetic_testing():
    """Graph: lithium lowers urine calcium and is not stoppable -> germline FHH testing, surgery blocked."""
    out, gate = _screen(urine_ca=40, medications=["lithium"])
    assert gate.status == "warn" and out.block_surgery and out.decision is None
    assert [t.test for t in out.tests] == ["genetic_testing_casr"]
