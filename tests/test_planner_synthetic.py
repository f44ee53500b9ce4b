"""Robustness: varied valid cases always give a valid, safe plan (never a crash)."""

from __future__ import annotations

import jsonschema

from planner.contract_files import load
from planner.pipeline import plan_dict
from tests.synthetic import synthetic_cases


def test_synthetic_cases_give_valid_safe_plans():
    from kg.knowledge import knowledge

    kn = knowledge()
    validator = jsonschema.Draft202012Validator(load("plan.schema.json"))
    decisions = set()
    for case in synthetic_cases(400, seed=3):
        plan = plan_dict(case, kn).to_json()
        assert not list(validator.iter_errors(plan)), case["id"]
        decisions.add(plan["decision"])
        ops = [kn.procedures[o["operation"]] for o in plan["operations"]]
        if plan["decision"] in ("halt", "defer", "medical"):
            assert not any(p.is_operation for p in ops), (case["id"], plan["decision"])
        if plan["locations"]:
            assert plan["locations"][0]["probability"] >= plan["locations"][-1]["probability"]
        ranks = [loc["rank"] for loc in plan["locations"]]
        assert ranks == list(range(1, len(ranks) + 1))
    assert {"operate", "investigate", "halt", "defer", "medical"} <= decisions
