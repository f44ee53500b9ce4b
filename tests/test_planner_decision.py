"""planner.decision.decide on hand-made cases: a gate's decision stands; operate when localized; else investigate."""

from __future__ import annotations

from planner.decision import decide
from tests.planner_minicase import case, img, steps

TWO = [img("ultrasound", "perrier_F", "left"), img("ct_4d", "perrier_F", "left", 260)]
LOCALIZATION = {"ct_4d", "methionine_pet", "fch_pet_ct", "mri_4d", "sestamibi_spect_ct", "ultrasound"}
LOCALIZATION |= {"selective_venous_sampling", "fna_pth_washout"}


def _decide(c):
    s = steps(c)
    d = decide(s.evidence, s.go)
    return d.decision, list(d.operations), [t.test for t in d.tests], list(d.warnings)


def test_a_gates_decision_stands():
    """DESIGN step 3: a failing gate (too early, < 42 days: too_early_days) sets the decision; no operation."""
    c = case()
    for lab in c["labs"]:
        lab["day"] = 20
    decision, ops, tests, _ = _decide(c)
    assert decision == "defer" and ops == [] and tests == ["repeat_biochemistry"]


def test_operate_when_two_concordant_studies_localize_the_top_place():
    """DESIGN: concordant localization before a reoperation; then operate on the top place."""
    decision, ops, tests, _ = _decide(case(imaging=TWO))
    assert decision == "operate"
    assert ("perrier_F", "left") in [(t.site, t.side) for t in ops[0].targets]
    assert not set(tests) & LOCALIZATION  # only what the graph requires first (laryngoscopy)


def test_investigate_with_the_decision_changing_test_first():
    """DESIGN: a washout of the visible lesion at the leading site can turn investigate into operate."""
    decision, _, tests, _ = _decide(case(imaging=TWO[:1]))
    assert decision == "investigate" and tests[0] == "fna_pth_washout"


def test_a_test_that_changes_which_operation_holds_a_localized_case():
    """DESIGN (indication before localization): germline testing under 40 comes before the operation."""
    decision, ops, tests, _ = _decide(case(imaging=TWO, patient={"age": 35}))
    assert decision == "investigate" and tests[0] == "genetic_testing_men1" and ops


def test_a_localized_case_held_for_germline_testing_gets_no_more_localization_tests():
    """DESIGN: investigate only with a test that could change the plan; localization is already adequate."""
    _, _, tests, _ = _decide(case(imaging=TWO, patient={"age": 35}))
    assert not set(tests) & LOCALIZATION


def test_a_non_candidate_gets_medical_options_only():
    """Surgical candidacy gate: not a candidate -> medical (ablation where localized)."""
    decision, ops, _, _ = _decide(case(imaging=TWO, patient={"surgical_candidate": False}))
    assert decision == "medical" and ops[0].operation == "cinacalcet"


def test_an_open_fhh_screen_investigates_without_an_operation():
    """FHH screen: no CCCR blocks surgery; the urine comes first, then localization tests."""
    c = case()
    c["labs"] = [lab for lab in c["labs"] if not lab["analyte"].startswith("urine")]
    decision, ops, tests, _ = _decide(c)
    assert decision == "investigate" and ops == [] and tests[0] == "urine_calcium_24h"


def test_the_localization_gate_is_folded_into_a_new_outcome_and_the_gates_outcome_is_unchanged():
    """decide returns the gates with the localization gate in the graph's order (last); the
    outcome it was given still lacks it, and deciding twice gives the same decision."""
    s = steps(case(imaging=TWO))
    before = [g.id for g in s.go.gates]
    d = decide(s.evidence, s.go)
    assert "localization" not in before and [g.id for g in s.go.gates] == before
    assert [g.id for g in d.gates.gates] == [*before, "localization"]
    assert d.gates.gates[-1].status == "pass"
    again = decide(s.evidence, s.go)
    assert (again.decision, [t.test for t in again.tests]) == (d.decision, [t.test for t in d.tests])


def test_next_tests_are_ranked_from_one_each_test_once():
    """The gates' tests, then the decision's, renumbered 1..n with no test twice."""
    c = case()
    c["labs"] = [lab for lab in c["labs"] if not lab["analyte"].startswith("urine")]
    s = steps(c)
    tests = decide(s.evidence, s.go).tests
    assert [t.rank for t in tests] == list(range(1, len(tests) + 1))
    assert len({t.test for t in tests}) == len(tests) > 1
