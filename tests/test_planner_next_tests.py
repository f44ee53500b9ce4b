"""planner.next_tests on hand-made cases: what is done is not proposed again; a suspected carcinoma withholds FNA."""

from __future__ import annotations

from planner.next_tests import contraindicated, fna_target, ranked_localization_tests
from tests.planner_minicase import BASE, KN, case, img, lab, steps


def _ranking(**changes):
    s = steps(case(**changes))
    return ranked_localization_tests(KN, s.findings, s.where.locations, s.where.post, s.rec)


def _tests(**changes):
    return [t.test for t in _ranking(**changes).tests]


def test_a_test_done_since_the_operation_is_not_proposed_again():
    """Next tests are the localization tests not yet done (DESIGN step 7)."""
    assert "ct_4d" in _tests() and "ct_4d" not in _tests(
        imaging=[img("ct_4d", None, None, result="negative")]
    )


def test_a_study_from_before_the_last_operation_does_not_count_as_done():
    """DESIGN (time matters): imaging before the last operation describes the neck as it was."""
    assert "ct_4d" in _tests(imaging=[img("ct_4d", None, None, day=-30, result="negative")])


def test_a_test_of_the_same_family_as_one_done_is_not_proposed():
    """Graph family: fch_pet_ct and methionine_pet are one family (correlated results add little)."""
    assert "methionine_pet" in _tests(imaging=[img("ct_4d", "perrier_F", "left")])
    assert "methionine_pet" not in _tests(imaging=[img("fch_pet_ct", "perrier_F", "left")])


def test_an_fna_of_the_visible_lesion_at_the_leading_place_ranks_first():
    """DESIGN: a washout of a visible, needle-reachable lesion at the leading site can change the decision."""
    r = _ranking(imaging=[img("ultrasound", "perrier_F", "left")])
    assert r.tests[0].test == "fna_pth_washout" and r.tests[0].changes


def test_no_fna_target_without_a_visible_lesion_or_at_an_unreachable_site():
    """An FNA needs a lesion imaging shows, where a neck needle reaches (graph: needle_reachable)."""
    s = steps(case())
    assert fna_target(KN, s.findings, dict(s.where.locations), []) is None
    dist = {("posterior_mediastinum", "midline"): 0.9}
    seen = steps(case(imaging=[img("ct_4d", "posterior_mediastinum", "midline")])).findings
    assert fna_target(KN, seen, dist, []) is None


def test_an_fna_of_a_suspected_carcinoma_is_withheld():
    """Graph contraindication_fna_suspected_carcinoma: FNA is withheld from carcinoma P >= 0.05."""
    assert contraindicated(KN, "fna_pth_washout", {"carcinoma": 0.05}).cause == "carcinoma"
    assert contraindicated(KN, "fna_pth_washout", {"carcinoma": 0.049}) is None
    assert contraindicated(KN, "ct_4d", {"carcinoma": 1.0}) is None


def test_a_large_palpable_lesion_with_very_high_pth_withholds_the_needle_with_a_warning():
    """Carcinoma red flags raise P(carcinoma); the washout is then withheld and the warning cites why."""
    labs = [*BASE["labs"][:1], lab("pth_intact", 900, "pg/mL", 240, reference_high=65), *BASE["labs"][2:]]
    lesion = {**img("ultrasound", "perrier_F", "left"), "size_mm": 40}
    r = _ranking(patient={"palpable_neck_mass": True}, labs=labs, imaging=[lesion])
    assert "fna_pth_washout" not in [t.test for t in r.tests]
    (w,) = r.withheld
    assert w.cause == "carcinoma" and "is not offered" in w.warning(KN) and "PMID" in w.warning(KN)
