"""planner.gates.confounders: vitamin D, renal function and medications (test_planner_gates covers thiazide + CCCR)."""

from __future__ import annotations

from planner.gates.confounders import confounders
from planner.models import Case
from planner.normalize import normalize
from tests.planner_minicase import KN, case, lab


def _gate(extra_labs=(), diagnosis="persistent", decision=None, **patient):
    c = case(patient=patient)
    c["labs"] = [x for x in c["labs"] if x["analyte"] != "vitamin_d_25oh"] + list(extra_labs)
    c = Case.model_validate(c)
    out = confounders(c, normalize(c, KN), KN, diagnosis, decision)
    return out, out.gate


def test_no_confounder_passes():
    """Vitamin D 34 ng/mL, no renal impairment, no medication."""
    out, gate = _gate([lab("vitamin_d_25oh", 34, "ng/mL", 240)])
    assert gate.status == "pass" and out.tests == ()


def test_vitamin_d_deficiency_warns_and_asks_for_repletion():
    """Graph vitamin_d_deficiency_below (20 ng/mL): deficiency is a confounder to replete."""
    out, gate = _gate([lab("vitamin_d_25oh", 12, "ng/mL", 240)])
    assert gate.status == "warn" and "vitamin D deficiency" in gate.message
    assert out.tests[0].test == "vitamin_d_repletion" and out.decision is None


def test_reduced_renal_function_warns():
    """Graph ckd_egfr_below (60): PTH may be partly secondary."""
    _, gate = _gate([lab("egfr", 40, "mL/min/1.73m2", 240)])
    assert gate.status == "warn" and "renal function" in gate.message


def test_a_stoppable_drug_that_raises_calcium_defers_the_plan():
    """DESIGN (medications): thiazides raise calcium; stop it if safe and repeat before any operation."""
    out, gate = _gate(medications=["thiazide"])
    assert gate.status == "fail" and out.decision == "defer"
    assert [t.test for t in out.tests] == ["repeat_biochemistry", "urine_calcium_24h"]


def test_lithium_warns_but_does_not_defer():
    """Graph: lithium raises calcium and PTH but is not stoppable, so the plan goes on, warned."""
    out, gate = _gate(medications=["lithium"])
    assert gate.status == "warn" and "lithium" in gate.message and out.decision is None


def test_a_drug_is_not_a_reason_to_defer_when_the_disease_is_not_surgical():
    """The defer applies to surgical disease only (persistent or recurrent)."""
    out, gate = _gate(medications=["thiazide"], diagnosis="indeterminate")
    assert gate.status == "warn" and out.decision is None


def test_a_drug_is_not_a_reason_to_defer_when_an_earlier_gate_already_stopped_the_plan():
    """The FHH screen deferred first (a drug that lowers urine calcium): the confounder only warns."""
    out, gate = _gate(medications=["thiazide"], decision="defer")
    assert gate.status == "warn" and out.decision is None and out.tests == ()


def test_a_test_asked_for_carries_the_gates_whole_chain_of_facts():
    """Vitamin D deficiency and reduced renal function: the repletion cites both facts."""
    out, gate = _gate([lab("vitamin_d_25oh", 12, "ng/mL", 240), lab("egfr", 40, "mL/min/1.73m2", 240)])
    assert [f["text"] for f in out.tests[0].facts] == [f.text for f in gate.explanation[1:]]
    assert any("eGFR 40" in f["text"] for f in out.tests[0].facts)
