"""The location model over sets of sources (issue 11): several glands can be diseased at once.

Each location's probability is that place's own chance of holding hyperfunctioning tissue; the
plan's ``sources`` is the posterior on how many separate sources there are.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.contract_files import shared_dir
from planner.pipeline import plan_dict

CASES = shared_dir() / "cases"
# a missed left inferior gland localized by three concordant studies at the left thyrothymic ligament
LOCALIZED = json.loads((CASES / "ex-04-missing-left-inferior.json").read_text())
NEGATIVE = json.loads((CASES / "ex-12-negative-imaging.json").read_text())
NEEDLE_SITES = ["intrathyroidal", "perrier_E", "perrier_A", "carotid_sheath", "undescended"]
MODS = ["ultrasound", "sestamibi_spect_ct", "ct_4d", "fch_pet_ct"]


FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def all_plans() -> list[dict]:
    """Plans of every example, review and set case, and of 200 synthetic cases."""
    from tests.synthetic import synthetic_cases

    files = [*CASES.glob("ex-*.json"), *(FIXTURES / "review_cases").glob("rv-*.json")]
    files += [*(FIXTURES / "set_cases").glob("sc-*.json")]
    cases = [json.loads(f.read_text()) for f in sorted(files)] + list(synthetic_cases(200, seed=5))
    return [plan_dict(c).to_json() for c in cases]


def _prob(plan, site: str, side: str | None) -> float:
    return max(
        (
            loc.probability
            for loc in plan.locations
            if loc.site == site and (side is None or loc.side == side)
        ),
        default=0.0,
    )


def _prove(case: dict, site: str, side: str) -> dict:
    """Add an ultrasound nodule at a place and a PTH washout of it six times the serum PTH."""
    out = copy.deepcopy(case)
    out["imaging"].append(
        {"modality": "ultrasound", "day": 270, "result": "positive", "site": site, "side": side}
    )
    out.setdefault("fna", []).append(
        {"site": site, "side": side, "day": 275, "pth_washout": 900, "serum_pth": 150, "unit": "pg/mL"}
    )
    return out


def _reached(plan) -> set[tuple[str, str | None]]:
    """The places the leading operation aims at: when it goes with others (one sitting or staged),
    its targets are the whole combination's, and each partner is listed with its own."""
    lead = plan.operations[0]
    partners = [o for o in plan.operations if o.operation in lead.together_with]
    for o in partners:
        assert {(t.site, t.side) for t in o.targets} <= {(t.site, t.side) for t in lead.targets}
    return {(t.site, t.side) for t in lead.targets}


@settings(max_examples=20, deadline=None)
@given(st.sampled_from(NEEDLE_SITES), st.sampled_from(["left", "right"]))
def test_a_second_proven_focus_keeps_both_and_the_operation_reaches_both(site, side):
    """Lee & Norton / DESIGN.md: a positive washout proves tissue. Added to a concordantly localized
    gland, the first focus stays localized, the proven one rises to certainty, two sources become
    likely, and the leading operation (with those that go with it) reaches both."""
    if (site, side) in {("perrier_F", "left"), ("perrier_E", "left")}:
        return  # next to the first focus: the same place for the surgeon
    before = plan_dict(LOCALIZED)
    alone = plan_dict(_prove({**LOCALIZED, "imaging": []}, site, side))
    both = plan_dict(_prove(LOCALIZED, site, side))
    minpost = 0.6
    assert _prob(both, "perrier_F", "left") >= minpost
    assert _prob(before, "perrier_F", "left") >= minpost
    assert _prob(both, site, side) >= _prob(alone, site, side) - 1e-6
    assert _prob(both, site, side) > 0.99
    assert both.sources["2"] + both.sources["3+"] > 0.5
    assert both.suspected_causes[0].cause == "multiglandular_disease"
    assert {("perrier_F", "left"), (site, side)} <= _reached(both)


@settings(max_examples=25, deadline=None)
@given(
    st.sampled_from(NEEDLE_SITES + ["anterior_mediastinum", "perrier_F", "retroesophageal"]),
    st.sampled_from(["left", "right"]),
    st.sampled_from(MODS),
)
def test_a_negative_finding_at_a_site_never_raises_it(site, side, modality):
    """A study that looked at a stated place and saw nothing there can only lower that place."""
    side_used = None if site == "anterior_mediastinum" else side
    for base in (LOCALIZED, NEGATIVE):
        case = copy.deepcopy(base)
        before = plan_dict(case)
        case["imaging"].append(
            {"modality": modality, "day": 280, "result": "negative", "site": site, "side": side}
        )
        after = plan_dict(case)
        assert _prob(after, site, side_used) <= _prob(before, site, side_used) + 1e-9


def test_every_operate_plan_reaches_its_top_location(all_plans):
    """The first operation of an operate plan has the top location (or one tied with it) among its
    targets: an operation that does not reach where the gland most likely is cannot cure."""
    for plan in all_plans:
        if plan["decision"] != "operate" or not plan["operations"]:
            continue
        top = plan["locations"][0]["probability"]
        tied = {(x["site"], x["side"]) for x in plan["locations"] if abs(x["probability"] - top) < 1e-4}
        targets = {(t["site"], t["side"]) for t in plan["operations"][0]["targets"]}
        assert tied & targets, (plan["case_id"], tied, plan["operations"][0])


def test_sources_sum_to_one_and_places_are_their_own_probability(all_plans):
    for plan in all_plans:
        if not plan["locations"]:
            continue
        assert abs(sum(plan["sources"].values()) - 1) < 1e-3, plan["case_id"]
        assert all(0 <= x["probability"] <= 1 for x in plan["locations"])


def test_two_localized_foci_make_two_sources_likely():
    """rv-32 (review set): concordant studies at a left superior gland and, separately, in the
    anterior mediastinum: both places are likely to hold tissue at once and double adenoma leads."""
    case = json.loads((FIXTURES / "review_cases" / "rv-32-two-foci-neck-and-mediastinum.json").read_text())
    plan = plan_dict(case)
    assert plan.suspected_causes[0].cause == "multiglandular_disease"
    assert _prob(plan, "perrier_A", "left") > 0.6 and _prob(plan, "anterior_mediastinum", None) > 0.6
    assert plan.sources["2"] + plan.sources["3+"] > 0.6
    assert {("perrier_A", "left"), ("anterior_mediastinum", "midline")} <= _reached(plan)


def test_a_washout_of_a_graft_is_not_counted():
    """Principle 6: a graft is parathyroid tissue, so its washout reads high whichever source is
    overactive; it neither moves the graft's probability nor counts as proof."""
    case = json.loads((CASES / "ex-07-men1-forearm-graft.json").read_text())
    before = plan_dict(case)
    washed = copy.deepcopy(case)
    washed.setdefault("fna", []).append(
        {
            "site": "autograft",
            "side": "left",
            "day": 300,
            "pth_washout": 5000,
            "serum_pth": 150,
            "unit": "pg/mL",
        }
    )
    after = plan_dict(washed)
    assert [(x.site, x.side, x.probability) for x in after.locations] == [
        (x.site, x.side, x.probability) for x in before.locations
    ]
    assert any("cannot show whether it is the overactive source" in w for w in after.warnings)


def test_a_neck_study_negative_at_a_neck_graft_lowers_it_and_says_so():
    """Principle 5 (clinical-evidence.md §11 case 3: CT showed no regrowth at the sternocleidomastoid
    graft but a 1.4 cm mediastinal mass). A neck CT sees a sternocleidomastoid graft, so its
    negative there lowers the graft and is named in the graft's explanation; the same CT says
    nothing about a forearm graft, outside its field."""
    case = json.loads(
        (FIXTURES / "set_cases" / "sc-09-scm-graft-never-remitted-mediastinal-mass.json").read_text()
    )
    neck = plan_dict(case)
    forearm_case = copy.deepcopy(case)
    forearm_case["operations"][0]["autograft"]["location"] = "forearm"
    forearm = plan_dict(forearm_case)
    assert _prob(neck, "autograft", "right") < _prob(forearm, "autograft", "right")
    graft = next(x for x in neck.locations if x.site == "autograft")
    assert any("no lesion at autograft" in f.text for f in graft.explanation)


def test_a_graft_placed_at_the_failed_operation_cannot_explain_persistence():
    """Principle 4: a graft is that operation's normal tissue until years later. Placed years
    before a recurrence (ex-07, MEN1 forearm graft) it is the leading source; placed at the
    operation after which calcium never normalized (sc-09, PTH 1,273) it explains almost nothing."""
    late = plan_dict(json.loads((CASES / "ex-07-men1-forearm-graft.json").read_text()))
    new = plan_dict(
        json.loads(
            (FIXTURES / "set_cases" / "sc-09-scm-graft-never-remitted-mediastinal-mass.json").read_text()
        )
    )

    def graft(plan) -> float:
        return next((c.probability for c in plan.suspected_causes if c.cause == "graft_hyperfunction"), 0.0)

    assert late.diagnosis == "recurrent" and graft(late) > 0.5
    assert new.diagnosis == "persistent" and graft(new) < 0.05
    assert new.locations[0].site != "autograft"
