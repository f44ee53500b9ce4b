"""planner.priors: where each cause puts the tissue before any study.

Hand-worked on the graph's shares: a missed left inferior gland lies along the third-pouch
descent path on the left, its usual site discounted when the surgeon searched there; a gland the
surgeon saw looking normal stays a candidate at the weight the graph gives that judgement;
tissue removed before lowers a place; a graft or a remnant is known tissue.
"""

from __future__ import annotations

import pytest

from kg.knowledge import knowledge
from planner.models import Case
from planner.priors import known_tissue, site_priors
from planner.record import read_record

KN = knowledge()
ALL_CAUSES = {c: 1.0 for c in KN.cause_priors}


def _case(glands, **op):
    return Case.model_validate(
        {
            "id": "t",
            "operations": [
                {
                    "day": -400,
                    "procedures": [],
                    "glands": [{"position": p, "status": s} for p, s in glands],
                    **op,
                }
            ],
        }
    )


def _priors(case, causes=ALL_CAUSES):
    return site_priors(case, read_record(case, KN), KN, causes)


def _ratio(dist, a, b):
    return dist[a] / dist[b]


OTHERS_REMOVED = [("right_superior", "removed"), ("right_inferior", "removed"), ("left_superior", "removed")]


def test_a_missed_gland_lies_on_its_descent_path_on_its_side():
    per, facts = _priors(_case([*OTHERS_REMOVED, ("left_inferior", "not_explored")]))
    missed = per["missed_single_gland"]
    path = KN.priors["origin_third_pouch"]
    total = sum(ev.v for ev in path.values())
    expected = {
        (site, "left" if KN.sites[site].lateralized else "midline"): ev.v / total for site, ev in path.items()
    }
    assert missed.keys() == expected.keys()
    for loc, p in expected.items():
        assert missed[loc] == pytest.approx(p)
    assert facts["missed_single_gland"][("perrier_E", "left")]  # every share has its facts


def test_a_site_searched_without_finding_the_gland_is_discounted():
    """Not found at its usual site (Perrier E for an inferior gland): that site x the graph's factor."""
    searched = _priors(_case([*OTHERS_REMOVED, ("left_inferior", "not_found")]))[0]["missed_single_gland"]
    unsearched = _priors(_case([*OTHERS_REMOVED, ("left_inferior", "not_explored")]))[0][
        "missed_single_gland"
    ]
    assert KN.usual_site["origin_third_pouch"] == "perrier_E"
    factor = KN.param("explored_site_factor").v
    e, f = ("perrier_E", "left"), ("perrier_F", "left")
    assert _ratio(searched, e, f) == pytest.approx(factor * _ratio(unsearched, e, f))


def test_a_gland_seen_normal_stays_a_candidate_at_the_surgeons_weight():
    """Left inferior seen normal at its usual site, left superior never explored (weight 1 along its path)."""
    glands = [("right_superior", "removed"), ("right_inferior", "removed")]
    per = _priors(_case([*glands, ("left_inferior", "identified_normal"), ("left_superior", "removed")]))[0]
    assert per["missed_single_gland"] == {("perrier_E", "left"): 1.0}  # the only candidate left
    mixed = _priors(
        _case([*glands, ("left_inferior", "identified_normal"), ("left_superior", "not_explored")])
    )[0]
    seen = KN.status_weights["identified_normal"].v
    fourth = KN.priors["origin_fourth_pouch"]
    z = seen + sum(ev.v for ev in fourth.values())
    e_from_fourth = fourth["perrier_E"].v if "perrier_E" in fourth else 0.0
    assert mixed["missed_single_gland"][("perrier_E", "left")] == pytest.approx((seen + e_from_fourth) / z)


def test_tissue_removed_before_lowers_its_place():
    """A cervical thymectomy took most of the thymic tongue (Perrier F): the supernumerary share there falls."""
    plain = _priors(_case(OTHERS_REMOVED))[0]["supernumerary_gland"]
    thymectomy = _priors(_case(OTHERS_REMOVED, thymectomy="cervical"))[0]["supernumerary_gland"]
    factor = KN.site_factors[("cervical_thymectomy", "perrier_F")].v
    f, am = ("perrier_F", "left"), ("anterior_mediastinum", "midline")
    assert _ratio(thymectomy, f, am) == pytest.approx(factor * _ratio(plain, f, am))


def test_no_graft_prior_when_the_graft_cause_is_impossible():
    case = _case(OTHERS_REMOVED, autograft={"location": "forearm", "side": "left"})
    assert _priors(case, {**ALL_CAUSES, "graft_hyperfunction": 0.0})[0]["graft_hyperfunction"] == {}
    assert _priors(case)[0]["graft_hyperfunction"] == {("autograft", "left"): 1.0}


def test_parathyromatosis_lies_in_the_bed_of_a_rupture():
    case = Case.model_validate(
        {
            "id": "t",
            "operations": [
                {
                    "day": -400,
                    "procedures": [],
                    "capsule_rupture": True,
                    "glands": [
                        {"position": "left_inferior", "status": "removed", "pathology": "adenoma"},
                        {"position": "right_inferior", "status": "identified_normal"},
                    ],
                }
            ],
        }
    )
    assert _priors(case)[0]["parathyromatosis"] == {("operative_bed", "left"): 1.0}


def test_a_carcinoma_recurs_in_its_bed_or_lies_where_a_missed_gland_would():
    case = Case.model_validate(
        {
            "id": "t",
            "operations": [
                {
                    "day": -400,
                    "procedures": [],
                    "glands": [
                        {"position": "right_superior", "status": "removed", "pathology": "carcinoma"},
                        *({"position": p, "status": "removed"} for p in ("right_inferior", "left_superior")),
                        {"position": "left_inferior", "status": "not_explored"},
                    ],
                }
            ],
        }
    )
    per = _priors(case)[0]
    carcinoma, missed = per["carcinoma"], per["missed_single_gland"]
    # the bed weighs as much as the whole missed-gland distribution, which keeps its proportions
    assert carcinoma[("operative_bed", "right")] == pytest.approx(0.5)
    for loc, p in missed.items():
        assert carcinoma[loc] == pytest.approx(p / 2)


def test_known_tissue_is_the_graft_and_the_remnant():
    case = _case(
        [("left_inferior", "partially_removed"), ("right_inferior", "removed")],
        autograft={"location": "forearm", "side": "right"},
    )
    assert known_tissue(read_record(case, KN), KN) == [("autograft", "right"), ("perrier_E", "left")]
    unrecorded = _case([("left_superior", "autotransplanted")])
    assert known_tissue(read_record(unrecorded, KN), KN) == [("autograft", None)]
    assert known_tissue(read_record(_case(OTHERS_REMOVED), KN), KN) == []
