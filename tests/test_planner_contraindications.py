"""A test the suspected cause forbids is never offered (safety): no FNA of a suspected carcinoma.

A needle passed into a parathyroid carcinoma can seed it along its tract (Spinelli C et al.,
J Endocrinol Invest 2000;23:255-257, PMID 10853713: a subcutaneous recurrence at the puncture
site weeks after an FNA). The graph says so (``prp:TestContraindication``); the planner withholds
the washout once carcinoma is likely enough and says why, and the rest of the ranking stands.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from kg.knowledge import knowledge
from planner.contract_files import shared_dir
from planner.next_tests import contraindicated
from planner.pipeline import plan_dict
from tests.synthetic import synthetic_cases

HARD_MASS = json.loads((shared_dir() / "cases" / "ex-08-hard-mass-hoarse.json").read_text())


def _one_study(case: dict[str, Any]) -> dict[str, Any]:
    """The case with only its ultrasound: a visible lesion, not yet localized well enough."""
    c = copy.deepcopy(case)
    c["imaging"] = c["imaging"][:1]
    return c


def test_a_suspected_carcinoma_is_not_needled() -> None:
    plan = plan_dict(_one_study(HARD_MASS)).to_json()
    carcinoma = next(c["probability"] for c in plan["suspected_causes"] if c["cause"] == "carcinoma")
    assert carcinoma > 0.5
    assert "fna_pth_washout" not in [t["test"] for t in plan["next_tests"]]
    said = [w for w in plan["warnings"] if "not offered" in w]
    assert said and "seed" in said[0] and "PMID 10853713" in said[0]


def test_without_the_red_flags_the_same_lesion_is_offered_a_washout() -> None:
    benign = _one_study(HARD_MASS)
    benign["patient"] = {"age": 56, "sex": "male"}  # no mass, no palsy
    for im in benign["imaging"]:
        im.pop("size_mm", None)
        im.pop("note", None)
    for lab in benign["labs"]:  # a usual recurrence: calcium 11 mg/dL, PTH twice the upper limit
        lab["value"] = {"calcium_total": 11.0, "pth_intact": 130}.get(lab["analyte"], lab["value"])
    plan = plan_dict(benign).to_json()
    carcinoma = next((c["probability"] for c in plan["suspected_causes"] if c["cause"] == "carcinoma"), 0.0)
    assert contraindicated(knowledge(), "fna_pth_washout", {"carcinoma": carcinoma}) is None, carcinoma
    assert "fna_pth_washout" in [t["test"] for t in plan["next_tests"]]
    assert not [w for w in plan["warnings"] if "not offered" in w]


def test_no_plan_offers_a_test_its_leading_suspicion_forbids() -> None:
    kn = knowledge()
    checked = 0
    for case in synthetic_cases(400, seed=3):
        try:
            plan = plan_dict(case, kn).to_json()
        except Exception:  # noqa: BLE001 - an invalid synthetic case is not this test's concern
            continue
        causes = {c["cause"]: c["probability"] for c in plan["suspected_causes"]}
        for t in plan["next_tests"]:
            assert contraindicated(kn, t["test"], causes) is None, (case["id"], t["test"], causes)
        checked += 1
    assert checked > 300


def test_the_contraindication_is_a_graph_fact_with_its_source() -> None:
    (cause, node), *_ = knowledge().test_contraindications["fna_pth_washout"]
    assert cause == "carcinoma" and node.value is not None and 0 < node.value < 0.5
    assert "10853713" in node.source and node.grade == "assumption"  # the cut-off is assumed
