"""Records as EHRs send them: a study whose result is not coded, an operation whose extent is not.

Contract codes ``imaging_results: unstructured`` and ``prior_procedures:
parathyroid_operation_unspecified``: the first counts as done but moves no probability and is
listed for review; the second says an operation took place, and only its glands list says what
it explored.
"""

from __future__ import annotations

import copy
import json

from planner.contract_files import shared_dir
from planner.pipeline import plan_dict

CASE = json.loads((shared_dir() / "cases" / "ex-04-missing-left-inferior.json").read_text())
NEGATIVE_IMAGING = json.loads((shared_dir() / "cases" / "ex-12-negative-imaging.json").read_text())


def _locations(plan: dict) -> list[tuple[str, str | None, float]]:
    return [(x["site"], x["side"], round(x["probability"], 6)) for x in plan["locations"]]


def test_an_uncoded_study_moves_no_probability_and_is_listed_for_review() -> None:
    case = copy.deepcopy(CASE)
    case["imaging"].append({"modality": "mri_4d", "result": "unstructured", "day": 250})
    base, plan = plan_dict(CASE).to_json(), plan_dict(case).to_json()
    assert _locations(plan) == _locations(base)
    assert plan["decision"] == base["decision"]
    assert any("not coded" in w and "review" in w for w in plan["warnings"])


def test_an_uncoded_study_counts_as_done_so_it_is_not_proposed_again() -> None:
    base = plan_dict(NEGATIVE_IMAGING).to_json()
    proposed = [t["test"] for t in base["next_tests"]]
    modality = next(m for m in ("fch_pet_ct", "mri_4d", "ct_4d", "ultrasound") if m in proposed)
    case = copy.deepcopy(NEGATIVE_IMAGING)
    case["imaging"].append({"modality": modality, "result": "unstructured", "day": 400})
    plan = plan_dict(case).to_json()
    assert modality not in [t["test"] for t in plan["next_tests"]]
    assert _locations(plan) == _locations(base)


def test_an_operation_of_unrecorded_extent_is_read_through_its_glands() -> None:
    """The same glands under an unspecified code: the gland left unfound stays the suspect."""
    case = copy.deepcopy(CASE)
    case["operations"][0]["procedures"] = ["parathyroid_operation_unspecified"]
    plan, base = plan_dict(case).to_json(), plan_dict(CASE).to_json()
    assert plan["diagnosis"] == "persistent"
    assert plan["locations"][0]["site"] == base["locations"][0]["site"]
    assert plan["locations"][0]["side"] == "left"


def test_an_operation_of_unrecorded_extent_without_glands_accounts_for_none() -> None:
    """No glands list: nothing is known to be removed, so no side is favoured by the record."""
    case = copy.deepcopy(CASE)
    case["operations"][0].update(procedures=["parathyroid_operation_unspecified"], glands=[])
    case["imaging"] = []
    plan = plan_dict(case).to_json()
    sides = {x["side"] for x in plan["locations"][:6]}
    assert {"left", "right"} <= sides
    assert plan["decision"] != "operate"
