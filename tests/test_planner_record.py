"""What the previous operations leave behind (planner.record), and the one rule for "tissue gone".

A gland recorded as removed whose histology was not parathyroid (a lymph node, a thyroid
nodule) was never removed: it is still missing and is the prime suspect. The record, the
validator and the SHACL shapes read that rule from the graph alike.
"""

from __future__ import annotations

import copy
import json

import pytest

from kg.knowledge import knowledge
from planner.contract_files import shared_dir
from planner.models import Case
from planner.pipeline import plan_dict
from planner.record import effective_status, read_record
from planner.validate import CaseError

EX04 = json.loads((shared_dir() / "cases" / "ex-04-missing-left-inferior.json").read_text())


def _left(plan: dict) -> float:
    return sum(x["probability"] for x in plan["locations"] if x["side"] == "left")


def _with_earlier(glands: list[dict], day: int = -400) -> dict:
    case = copy.deepcopy(EX04)
    case["imaging"] = []
    case["operations"].append({"day": day, "procedures": ["unilateral_exploration"], "glands": glands})
    return case


def test_a_removed_lymph_node_leaves_its_gland_missing() -> None:
    base = copy.deepcopy(EX04)
    base["imaging"] = []
    node = _with_earlier([{"position": "left_inferior", "status": "removed", "pathology": "not_parathyroid"}])
    assert _left(plan_dict(node).to_json()) == pytest.approx(_left(plan_dict(base).to_json()), abs=0.02)
    assert read_record(Case.model_validate(node), knowledge()).fate("left_inferior").status == "not_found"


def test_a_gland_really_removed_earlier_is_no_longer_searched_for() -> None:
    gone = _with_earlier([{"position": "left_inferior", "status": "removed", "pathology": "adenoma"}])
    gone["operations"][0]["glands"] = [
        g for g in gone["operations"][0]["glands"] if g["position"] != "left_inferior"
    ]
    base = copy.deepcopy(EX04)
    base["imaging"] = []
    assert _left(plan_dict(gone).to_json()) < _left(plan_dict(base).to_json()) - 0.1


def test_the_validator_accepts_removing_the_gland_after_a_lymph_node_was_taken_for_it() -> None:
    case = _with_earlier([{"position": "left_inferior", "status": "removed", "pathology": "not_parathyroid"}])
    case["operations"][0]["glands"][3] = {
        "position": "left_inferior",
        "status": "removed",
        "pathology": "adenoma",
    }
    plan_dict(case)  # no CaseError


def test_the_validator_refuses_a_gland_removed_twice_whatever_the_list_order() -> None:
    case = _with_earlier([{"position": "left_inferior", "status": "removed", "pathology": "adenoma"}])
    case["operations"][0]["glands"][3] = {
        "position": "left_inferior",
        "status": "removed",
        "pathology": "adenoma",
    }
    for order in (case["operations"], case["operations"][::-1]):
        with pytest.raises(CaseError, match="already removed"):
            plan_dict({**case, "operations": order})


def test_effective_status_reads_the_graph() -> None:
    kn = knowledge()
    assert effective_status(kn, "removed", "not_parathyroid") == "not_found"
    assert effective_status(kn, "autotransplanted", "not_parathyroid") == "not_found"
    assert effective_status(kn, "removed", "adenoma") == "removed"
    assert effective_status(kn, "identified_normal", "not_parathyroid") == "identified_normal"
