"""planner.operations on hand-made cases: the first operation reaches the top place; a cleared target is dropped."""

from __future__ import annotations

from planner.operations import medical_options, operations
from tests.planner_minicase import KN, case, img, steps


def _missing_left_superior(**changes):
    c = case(**changes)
    glands = c["operations"][0]["glands"]
    glands[2]["status"], glands[3]["status"] = "not_found", "identified_normal"
    return c


def _targets(op):
    return [(t.site, t.side) for t in op.targets]


def test_a_posterior_mediastinal_top_place_gets_an_operation_that_reaches_it():
    """DESIGN: the first operation always reaches the top location (it is among its targets)."""
    im = [
        img("ct_4d", "posterior_mediastinum", "midline"),
        img("mri_4d", "posterior_mediastinum", "midline", 260),
    ]
    s = steps(_missing_left_superior(imaging=im))
    top = s.where.locations[0][0]
    assert top == ("posterior_mediastinum", "midline")
    ops = operations(s.evidence, operate=True)
    assert top in _targets(ops[0]) and "posterior_mediastinum" in KN.procedures[ops[0].operation].reaches


def test_an_intrathyroidal_focus_gets_a_hemithyroidectomy_on_its_side_first():
    """Graph: hemithyroidectomy is the preferred approach for the intrathyroidal site (one side)."""
    im = [img("ultrasound", "intrathyroidal", "left"), img("ct_4d", "intrathyroidal", "left", 260)]
    ops = operations(steps(case(imaging=im)).evidence, operate=True)
    assert ops[0].operation == "hemithyroidectomy" and _targets(ops[0]) == [("intrathyroidal", "left")]


def test_a_hemithyroidectomy_aimed_at_a_nodule_cleared_by_a_negative_washout_is_not_listed():
    """DESIGN: an operation aimed at a target that a specific test disproved is not listed."""
    im = [img("ultrasound", "intrathyroidal", "left")]
    before = [o.operation for o in operations(steps(case(imaging=im)).evidence, operate=False)]
    assert "hemithyroidectomy" in before
    fna = [
        {
            "site": "intrathyroidal",
            "side": "left",
            "unit": "pg/mL",
            "pth_washout": 20,
            "serum_pth": 140,
            "day": 270,
        }
    ]
    after = [o.operation for o in operations(steps(case(imaging=im, fna=fna)).evidence, operate=False)]
    assert "hemithyroidectomy" not in after and after


def test_every_operation_reaches_each_of_its_targets():
    """Targets come from the graph's reach (prp:reaches) of each operation."""
    im = [img("ultrasound", "perrier_F", "left"), img("ct_4d", "perrier_F", "left", 260)]
    for op in operations(steps(case(imaging=im)).evidence, operate=True):
        assert all(t.site in KN.procedures[op.operation].reaches for t in op.targets), op.operation


def test_no_places_no_operations():
    """Without candidate places there is nothing to aim at."""
    s = steps(case())
    ev = s.evidence
    assert operations(type(ev)(ev.case, KN, ev.rec, [], ev.feat, [], ev.causes, ev.post), operate=True) == []


def test_medical_options_offer_ablation_only_at_an_adequately_localized_reachable_place():
    """Ablation needs a localized target it reaches (prp:reaches); medical treatment is always offered."""
    locs = [(("perrier_F", "left"), 0.9)]
    causes = {"missed_single_gland": 1.0}
    loose = [o.operation for o in medical_options(KN, locs, causes, adequate=False)]
    tight = medical_options(KN, locs, causes, adequate=True)
    assert "cinacalcet" in loose and not any(KN.procedures[c].is_ablation for c in loose)
    ablations = [o for o in tight if KN.procedures[o.operation].is_ablation]
    assert ablations and all(_targets(o) == [("perrier_F", "left")] for o in ablations)
    mediastinal = [(("anterior_mediastinum", "midline"), 0.9)]
    assert "thermal_ablation" not in [o.operation for o in medical_options(KN, mediastinal, causes, True)]
