"""Gates at and around their thresholds, with the thresholds read from the graph; run_gates walks the
graph's gate order, and every gate of the graph has a function that runs it."""

from __future__ import annotations

import copy
import dataclasses
import importlib.util
import json

import pytest

from kg.knowledge import knowledge
from planner.contract_files import shared_dir
from planner.gates import CASE_GATES, LATER_GATES, run_gates
from planner.models import Case
from planner.normalize import normalize
from planner.pipeline import plan_dict

KN = knowledge()
BASE = json.loads((shared_dir() / "cases" / "ex-04-missing-left-inferior.json").read_text())


def _with_lab_days(shift_to: int):
    case = copy.deepcopy(BASE)
    case["labs"] = [lab for lab in case["labs"] if lab["day"] < 0]
    case["labs"] += [
        {
            "analyte": "calcium_total",
            "value": 11.2,
            "unit": "mg/dL",
            "day": shift_to,
            "reference_low": 8.5,
            "reference_high": 10.2,
        },
        {
            "analyte": "pth_intact",
            "value": 140,
            "unit": "pg/mL",
            "day": shift_to,
            "reference_low": 15,
            "reference_high": 65,
        },
    ]
    return case


def test_six_week_rule_at_its_threshold():
    early = int(KN.param("too_early_days").v)
    assert plan_dict(_with_lab_days(early - 1)).diagnosis == "too_early"
    assert plan_dict(_with_lab_days(early - 1)).decision == "defer"
    assert plan_dict(_with_lab_days(early)).diagnosis == "persistent"


@pytest.mark.parametrize("urine_ca,expected", [(40, "halt"), (200, "investigate"), (380, "operate")])
def test_fhh_screen_bands(urine_ca, expected):
    case = copy.deepcopy(BASE)
    for lab in case["labs"]:
        if lab["analyte"] == "urine_calcium_24h":
            lab["value"] = urine_ca
    plan = plan_dict(case)
    assert plan.decision == expected
    if expected != "operate":
        assert not plan.operations
        assert plan.next_tests[0].test == "genetic_testing_casr"


def test_thiazide_makes_a_low_cccr_unreadable():
    case = copy.deepcopy(BASE)
    case["patient"]["medications"] = ["thiazide"]
    for lab in case["labs"]:
        if lab["analyte"] == "urine_calcium_24h":
            lab["value"] = 40
    plan = plan_dict(case)
    assert plan.decision == "defer" and not plan.operations
    assert plan.next_tests[0].test == "urine_calcium_24h"


def test_suppressed_pth_halts():
    case = _with_lab_days(200)
    case["labs"][-1]["value"] = 5
    plan = plan_dict(case)
    assert plan.diagnosis == "pth_independent_hypercalcemia" and plan.decision == "halt"


def test_unfit_patient_gets_no_operation():
    case = copy.deepcopy(BASE)
    case["patient"]["surgical_candidate"] = False
    plan = plan_dict(case)
    assert plan.decision == "medical"
    assert plan.operations and all(
        o.operation in ("cinacalcet", "ethanol_ablation", "thermal_ablation", "angiographic_ablation")
        for o in plan.operations
    )


def test_missing_urine_collection_blocks_surgery():
    case = copy.deepcopy(BASE)
    case["labs"] = [lab for lab in case["labs"] if not lab["analyte"].startswith("urine")]
    plan = plan_dict(case)
    assert plan.decision == "investigate" and not plan.operations
    assert plan.next_tests[0].test == "urine_calcium_24h"


def test_reference_range_in_case_wins_over_default():
    case = _with_lab_days(200)
    case["labs"][-2]["value"] = 10.4
    case["labs"][-2]["reference_high"] = 10.6
    assert plan_dict(case).diagnosis != "persistent"


def test_fna_of_a_visible_lesion_comes_before_more_imaging():
    """A test that could turn investigate into operate ranks first (DESIGN: a test's value is the decision it
    can change): with the intrathyroidal nodule seen but not yet aspirated, the FNA washout leads."""
    case = json.loads((shared_dir() / "cases" / "ex-05-thyroid-nodule-washout.json").read_text())
    case["fna"] = []
    plan = plan_dict(case)
    assert plan.decision == "investigate" and not any(
        KN.procedures[o.operation].is_operation and plan.decision in ("halt", "defer")
        for o in plan.operations
    )
    assert plan.next_tests[0].test == "fna_pth_washout"
    assert "intrathyroidal" in plan.next_tests[0].reason


def test_a_venous_gradient_on_the_missing_glands_side_ends_the_work_up():
    """DESIGN: when disease is proven and the localization sequence is done (venous sampling comes last),
    operate on the best localization there is and say how uncertain it is."""
    case = copy.deepcopy(BASE)
    case["imaging"] = [
        {"modality": m, "day": 250, "result": "negative"}
        for m in ("ultrasound", "sestamibi_spect_ct", "ct_4d")
    ]
    case["venous_sampling"] = [
        {
            "day": 270,
            "unit": "pg/mL",
            "peripheral_pth": 140,
            "samples": [
                {"vein": "inferior_thyroid_vein", "side": "left", "pth": 420},
                {"vein": "inferior_thyroid_vein", "side": "right", "pth": 150},
            ],
        }
    ]
    plan = plan_dict(case)
    assert plan.decision == "operate"
    assert plan.locations[0].side == "left"
    assert all(t.side in ("left", "midline", None) for t in plan.operations[0].targets)
    assert any("uncertainty" in w for w in plan.warnings)


def test_every_gate_of_the_graph_has_a_function_that_runs_it():
    """A gate added to the graph without code fails here instead of being silently skipped."""
    assert set(CASE_GATES) | set(LATER_GATES) == set(KN.gates)
    assert not set(CASE_GATES) & set(LATER_GATES)
    assert all(importlib.util.find_spec(module) for module in LATER_GATES.values())


def test_run_gates_walks_the_graphs_gate_order():
    """prp:gateOrder decides: a graph that put surgical candidacy first runs and lists it first."""
    c = Case.model_validate(BASE)
    norm = normalize(c, KN)
    first = min(g.order for g in KN.gates.values()) - 1
    gates = {**KN.gates, "surgical_candidacy": KN.gates["surgical_candidacy"]._replace(order=first)}
    reordered = dataclasses.replace(KN, gates=gates)
    assert [g.id for g in run_gates(c, norm, KN).gates][-1] == "surgical_candidacy"
    assert [g.id for g in run_gates(c, norm, reordered).gates][0] == "surgical_candidacy"


def test_running_the_gates_twice_gives_equal_outcomes():
    """The gates are pure functions of the case: the same case, the same outcome."""
    c = Case.model_validate(BASE)
    norm = normalize(c, KN)
    assert run_gates(c, norm, KN) == run_gates(c, norm, KN)
