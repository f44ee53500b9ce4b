"""planner.indication: the test that changes which operation, and when the cause's evidence suffices."""

from __future__ import annotations

from planner.indication import cause_suffices, operation_changing_tests
from tests.planner_minicase import KN, case, steps


def _tests(**patient):
    s = steps(case(patient=patient))
    return [t for t, _, _ in operation_changing_tests(s.case, KN, s.feat)]


def test_germline_testing_ranks_first_under_40():
    """Graph: genetic_testing_men1 prp:indicatedByFeature young_onset and prp:changesOperation."""
    assert _tests(age=35) == ["genetic_testing_men1"]


def test_germline_testing_with_a_family_history():
    """Graph: genetic_testing_men1 prp:indicatedByFeature family_history_hypercalcemia."""
    assert _tests(family_history_hypercalcemia=True) == ["genetic_testing_men1"]


def test_no_germline_testing_at_55_without_a_family_history():
    """No indicating feature, no operation-changing test."""
    assert _tests() == []


def test_no_germline_testing_when_the_syndrome_is_known():
    """Graph prp:testsFor: a known MEN1 is not tested for again."""
    assert _tests(age=30, syndromes=["MEN1"]) == []


def test_the_reason_names_the_indicating_feature():
    """The reason says why (the feature) and what it changes (which operation)."""
    s = steps(case(patient={"age": 35}))
    ((_, reason, facts),) = operation_changing_tests(s.case, KN, s.feat)
    assert "young onset" in reason and "which operation" in reason and facts


def test_men1_with_an_unexplored_gland_needs_no_per_gland_localization():
    """Graph: multiglandular_disease prp:establishedByFeature syndrome_MEN1 + a gland never explored."""
    c = case(patient={"syndromes": ["MEN1"]})
    c["operations"][0]["glands"][3]["status"] = "not_explored"
    s = steps(c)
    causes = {"multiglandular_disease": 0.9, "missed_single_gland": 0.1}
    got = cause_suffices(KN, causes, s.rec, s.feat)
    assert got is not None and got[0] == "multiglandular_disease"
    assert any("never explored" in f["text"] for f in got[1])


def test_without_the_establishing_feature_or_an_unexplored_gland_localization_is_needed():
    """Every gland explored (the base case's left inferior was sought): the cause alone does not suffice."""
    causes = {"multiglandular_disease": 0.9, "missed_single_gland": 0.1}
    s = steps(case(patient={"syndromes": ["MEN1"]}))
    assert cause_suffices(KN, causes, s.rec, s.feat) is None
    c = case()
    c["operations"][0]["glands"][3]["status"] = "not_explored"
    s = steps(c)
    assert cause_suffices(KN, causes, s.rec, s.feat) is None
