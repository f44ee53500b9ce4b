"""Unit conversions and normalization, with factors from the graph."""

from __future__ import annotations

import copy
import json

import pytest

from kg.knowledge import knowledge
from planner.contract_files import shared_dir
from planner.iopth import iopth_plan
from planner.models import Case
from planner.normalize import normalize
from planner.pipeline import plan_dict
from planner.units import UnitError, to_canonical

KN = knowledge()


@pytest.mark.parametrize(
    "analyte,value,unit,expected",
    [
        ("calcium_total", 2.5, "mmol/L", 10.02),
        ("calcium_ionized", 1.3, "mmol/L", 5.21),
        ("albumin", 42, "g/L", 4.2),
        ("pth_intact", 65, "ng/L", 65.0),
        ("pth_intact", 6.9, "pmol/L", 65.1),
        ("vitamin_d_25oh", 50, "nmol/L", 20.0),
        ("creatinine", 88.4, "umol/L", 1.0),
        ("urine_calcium_24h", 7.5, "mmol/24h", 300.6),
        ("urine_creatinine_24h", 10, "mmol/24h", 1131.2),
        ("phosphate", 1.0, "mmol/L", 3.1),
    ],
)
def test_conversion_into_canonical_units(analyte, value, unit, expected):
    assert to_canonical(KN, analyte, value, unit)[0] == pytest.approx(expected, rel=2e-3)


def test_unknown_conversion_is_an_error():
    with pytest.raises(UnitError):
        to_canonical(KN, "egfr", 50, "mg/dL")


def _case(name: str) -> dict:
    return json.loads((shared_dir() / "cases" / name).read_text())


def test_cccr_is_computed_from_the_24h_urine():
    norm = normalize(Case.model_validate(_case("ex-01-low-urine-calcium-family.json")), KN)
    assert norm.cccr == pytest.approx(62 * 0.8 / (10.8 * 1150), rel=1e-6)


def test_si_units_give_the_same_plan():
    case = _case("ex-13-missing-left-superior.json")
    si = copy.deepcopy(case)
    for lab in si["labs"]:
        if lab["analyte"] == "calcium_total":
            lab["value"] = round(lab["value"] / 4.008, 4)
            lab["reference_low"], lab["reference_high"] = round(8.5 / 4.008, 4), round(10.2 / 4.008, 4)
            lab["unit"] = "mmol/L"
        elif lab["analyte"] == "creatinine":
            lab["value"] = round(lab["value"] * 88.42, 2)
            lab["reference_low"], lab["reference_high"] = 53, 106
            lab["unit"] = "umol/L"
        elif lab["analyte"] == "albumin":
            lab["value"] *= 10
            lab["reference_low"], lab["reference_high"] = 35, 50
            lab["unit"] = "g/L"
    a, b = plan_dict(case), plan_dict(si)
    assert (a.decision, a.diagnosis) == (b.decision, b.diagnosis)
    assert [(x.site, x.side) for x in a.locations[:3]] == [(x.site, x.side) for x in b.locations[:3]]


def test_low_albumin_raises_corrected_calcium():
    case = _case("ex-03-normal-calcium-raised-pth.json")
    for lab in case["labs"]:
        if lab["analyte"] == "albumin" and lab["day"] == 200:
            lab["value"] = 2.5
    norm = normalize(Case.model_validate(case), KN)
    point = next(c for c in norm.calcium if c.day == 200)
    assert point.corrected and point.value == pytest.approx(9.4 + 0.8 * (4.0 - 2.5))
    assert point.status == "high"


def test_six_month_rule_separates_persistent_from_recurrent():
    six = int(KN.param("persistence_days").v)
    base = _case("ex-09-ruptured-adenoma-later.json")

    def with_normal_until(day: int) -> dict:
        case = copy.deepcopy(base)
        keep = [
            lab
            for lab in case["labs"]
            if lab["day"] <= 1 or lab["analyte"] not in ("calcium_total", "pth_intact")
        ]
        case["labs"] = keep + [
            {
                "analyte": "calcium_total",
                "value": 9.5,
                "unit": "mg/dL",
                "day": day,
                "reference_low": 8.5,
                "reference_high": 10.2,
            },
            {
                "analyte": "calcium_total",
                "value": 11.1,
                "unit": "mg/dL",
                "day": day + 60,
                "reference_low": 8.5,
                "reference_high": 10.2,
            },
            {
                "analyte": "pth_intact",
                "value": 131,
                "unit": "pg/mL",
                "day": day + 60,
                "reference_low": 15,
                "reference_high": 65,
            },
        ]
        return case

    assert plan_dict(with_normal_until(six)).diagnosis == "recurrent"
    assert plan_dict(with_normal_until(six - 1)).diagnosis == "persistent"


def test_iopth_plan_reads_the_graph_and_warns_in_ckd():
    case = _case("ex-14-unfit-localized.json")
    case["labs"].append({"analyte": "egfr", "value": 35, "unit": "mL/min/1.73m2", "day": 705})
    plan = iopth_plan(normalize(Case.model_validate(case), KN), KN)
    assert plan["drop_fraction"] == KN.param("miami_drop_fraction").v
    assert plan["threshold_pth"] == pytest.approx(plan["baseline_pth"] * 0.5)
    assert plan["expected"]["fast"][2] < plan["threshold_pth"]  # 3-5 min half-life clears 50% by 10 min
    assert "renal_note" in plan


def test_a_normal_interval_after_early_persistence_makes_the_disease_recurrent():
    """High at 2 months, normal for more than six months, high again: recurrent, not persistent."""
    six = int(KN.param("persistence_days").v)
    case = _case("ex-09-ruptured-adenoma-later.json")
    case["labs"] = [
        lab
        for lab in case["labs"]
        if lab["day"] <= 1 or lab["analyte"] not in ("calcium_total", "pth_intact")
    ]

    def ca(day, value):
        return {
            "analyte": "calcium_total",
            "value": value,
            "unit": "mg/dL",
            "day": day,
            "reference_low": 8.5,
            "reference_high": 10.2,
        }

    case["labs"] += [
        ca(60, 10.8),
        ca(100, 9.6),
        ca(100 + six, 9.7),
        ca(150 + six, 11.0),
        {
            "analyte": "pth_intact",
            "value": 120,
            "unit": "pg/mL",
            "day": 150 + six,
            "reference_low": 15,
            "reference_high": 65,
        },
    ]
    assert plan_dict(case).diagnosis == "recurrent"
    case["labs"][-3]["day"] = 100 + six - 2  # the interval is two days short of six months
    case["labs"][-2]["day"] = 150 + six
    assert plan_dict(case).diagnosis == "persistent"


def test_a_thymectomy_named_twice_is_counted_once():
    """ex-07 names the cervical thymectomy as a procedure and in the thymectomy field: one removal."""
    from planner.record import read_record

    case = Case.model_validate(_case("ex-07-men1-forearm-graft.json"))
    factor, _ = read_record(case, KN).removed_factor[("perrier_F", "right")]
    assert factor == KN.site_factors[("cervical_thymectomy", "perrier_F")].v
