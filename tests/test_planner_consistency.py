"""Data that cannot be trusted is a finding: same-day values that disagree, a CCCR that
contradicts the course, and a plan that never depends on the order of the case's lists."""

from __future__ import annotations

import copy
import json
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from kg.knowledge import knowledge
from planner.consistency import check_consistency, gated
from planner.contract_files import shared_dir
from planner.models import Case
from planner.normalize import normalize
from planner.pipeline import plan_dict

CASES = shared_dir() / "cases"
EXAMPLES = {p.stem: json.loads(p.read_text()) for p in sorted(CASES.glob("ex-*.json"))}
EX04 = EXAMPLES["ex-04-missing-left-inferior"]


def _with_pth(case: dict, values: list[float], day: int = 240) -> dict:
    out = copy.deepcopy(case)
    out["labs"] = [x for x in out["labs"] if not (x["analyte"] == "pth_intact" and x["day"] == day)]
    for v in values:
        out["labs"].append(
            {
                "analyte": "pth_intact",
                "value": v,
                "unit": "pg/mL",
                "day": day,
                "reference_low": 15,
                "reference_high": 65,
            }
        )
    return out


def test_same_day_pth_on_both_sides_of_a_gate_defers_whatever_the_order() -> None:
    plans = [plan_dict(_with_pth(EX04, values)).to_json() for values in ([6, 120], [120, 6])]
    assert plans[0] == plans[1]
    plan = plans[0]
    assert plan["decision"] == "defer" and not plan["operations"]
    assert plan["next_tests"][0]["test"] == "repeat_biochemistry"
    gate = next(g for g in plan["gates"] if g["id"] == "data_consistency")
    assert gate["status"] == "warn" and "6 pg/mL" in gate["message"] and "120 pg/mL" in gate["message"]
    assert next(g for g in plan["gates"] if g["id"] == "biochemical_diagnosis")["status"] == "warn"
    assert any("disagree" in w for w in plan["warnings"])


def _checked(case: dict):
    kn = knowledge()
    c = Case.model_validate(case)
    return check_consistency(c, normalize(c, kn), kn)


def test_the_check_is_a_result_naming_the_gates_that_rest_on_the_value() -> None:
    """PTH 6 and 120 on one day: the biochemical gate depends on which is believed, so it is doubtful;
    the check defers, blocks surgery and asks for the measurement again; without repeats there is no check."""
    assert _checked(copy.deepcopy(EX04)) is None
    result = _checked(_with_pth(EX04, [6, 120]))
    assert result is not None and result.gate.id == "data_consistency" and result.gate.status == "warn"
    assert "biochemical_diagnosis" in result.doubtful
    assert result.decision == "defer" and result.block_surgery and result.diagnosis == "indeterminate"
    assert [t.test for t in result.tests] == ["repeat_biochemistry"]
    assert _checked(_with_pth(EX04, [6, 120])) == result  # a pure function of the case


def test_gated_folds_the_check_first_in_the_graphs_order() -> None:
    kn = knowledge()
    c = Case.model_validate(_with_pth(EX04, [6, 120]))
    go = gated(c, normalize(c, kn), kn)
    assert go.gates[0].id == "data_consistency" and go.decision == "defer"
    assert next(g for g in go.gates if g.id == "biochemical_diagnosis").status == "warn"


def test_same_day_repeats_that_agree_on_every_gate_keep_the_plan() -> None:
    base = plan_dict(EX04).to_json()
    plan = plan_dict(_with_pth(EX04, [140, 152])).to_json()
    assert plan["decision"] == base["decision"] == "operate"
    assert [x["site"] for x in plan["locations"][:3]] == [x["site"] for x in base["locations"][:3]]
    assert next(g for g in plan["gates"] if g["id"] == "data_consistency")["status"] == "pass"
    assert not any("differ by" in w for w in plan["warnings"])  # within the tolerance: no warning


def test_a_wide_same_day_spread_that_changes_no_gate_is_still_named() -> None:
    plan = plan_dict(_with_pth(EX04, [120, 300])).to_json()
    assert plan["decision"] == "operate"
    assert any("differ by" in w and "120 pg/mL" in w and "300 pg/mL" in w for w in plan["warnings"])


def test_a_case_without_repeats_has_no_consistency_gate() -> None:
    assert all(g["id"] != "data_consistency" for g in plan_dict(EX04).to_json()["gates"])


def test_a_cccr_in_the_fhh_band_in_a_recurrent_course_is_read_and_blocks_the_operation() -> None:
    case = copy.deepcopy(EXAMPLES["ex-09-ruptured-adenoma-later"])
    assert plan_dict(case).to_json()["diagnosis"] == "recurrent"
    day = max(x["day"] for x in case["labs"])
    case["labs"] = [
        x for x in case["labs"] if x["analyte"] not in ("urine_calcium_24h", "urine_creatinine_24h", "cccr")
    ]
    case["labs"].append({"analyte": "cccr", "value": 0.005, "unit": "1", "day": day})
    case["patient"]["family_history_hypercalcemia"] = True
    plan = plan_dict(case).to_json()
    assert plan["decision"] != "operate" and not plan["operations"]
    gate = next(g for g in plan["gates"] if g["id"] == "fhh_screen")
    assert gate["status"] == "warn" and "0.005" in gate["message"]
    assert {"urine_calcium_24h", "genetic_testing_casr"} <= {t["test"] for t in plan["next_tests"]}
    assert any("CCCR" in w for w in plan["warnings"])


LISTS = ("labs", "imaging", "operations", "venous_sampling", "fna")


def _shuffled(case: dict, seed: int) -> dict:
    rng = random.Random(seed)
    out = copy.deepcopy(case)
    for key in LISTS:
        rng.shuffle(out.get(key, []))
    for op in out.get("operations", []):
        rng.shuffle(op.get("glands", []))
        rng.shuffle(op.get("procedures", []))
    for vs in out.get("venous_sampling", []):
        rng.shuffle(vs["samples"])
    return out


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(sorted(EXAMPLES)), seed=st.integers(0, 2**32 - 1), repeat=st.booleans())
def test_list_order_never_changes_a_plan(name: str, seed: int, repeat: bool) -> None:
    case = EXAMPLES[name]
    if repeat:  # a same-day repeat of the latest PTH, so the combining rule is exercised too
        pth = [x for x in case["labs"] if x["analyte"] == "pth_intact"]
        if pth:
            extra = dict(max(pth, key=lambda x: x["day"]), value=round(pth[-1]["value"] * 1.3, 1))
            case = copy.deepcopy(case)
            case["labs"].append(extra)
    assert plan_dict(_shuffled(case, seed)).to_json() == plan_dict(copy.deepcopy(case)).to_json()
