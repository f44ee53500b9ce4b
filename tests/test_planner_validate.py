"""planner.validate: the physical checks the schema cannot express (test_planner_validation covers the rest).

tests/test_planner_validation.py already covers unknown codes, a unit that is not the analyte's, an
implausible value and a gland removed twice; these cover the remaining semantic checks.
"""

from __future__ import annotations

import pytest

from planner.validate import CaseError, semantic_problems, validate_case
from tests.planner_minicase import KN, case


def _paths(c):
    return {p: m for p, m in semantic_problems(c, KN)}


def test_the_minimal_case_is_valid():
    """A valid case passes quietly."""
    validate_case(case(), KN)
    assert semantic_problems(case(), KN) == []


def test_the_most_recent_operation_must_be_day_zero():
    """Days are relative to the last operation (DESIGN step 2: timeline relative to the last operation)."""
    c = case()
    c["operations"][0]["day"] = -5
    assert "day 0" in _paths(c)["operations"]


def test_a_reference_range_upside_down_is_an_error():
    """reference_low above reference_high names the field."""
    c = case()
    c["labs"][0].update(reference_low=10.5, reference_high=8.5)
    assert "above reference_high" in _paths(c)["labs[0].reference_low"]


def test_a_gland_recorded_twice_in_one_operation_is_an_error_but_supernumeraries_are_not():
    """No position twice in one operation; supernumerary glands may be several."""
    c = case()
    c["operations"][0]["glands"].append({"position": "left_inferior", "status": "identified_normal"})
    assert "twice" in _paths(c)["operations[0].glands[4].position"]
    c = case()
    c["operations"][0]["glands"] += [{"position": "supernumerary", "status": "removed"}] * 2
    assert _paths(c) == {}


def test_operations_are_read_in_time_order_whatever_the_list_order():
    """A gland removed at an earlier operation (listed after the later one) cannot be seen again."""
    c = case()
    c["operations"].append(
        {
            "day": -400,
            "procedures": ["focused_parathyroidectomy"],
            "glands": [{"position": "right_superior", "status": "removed"}],
        }
    )
    assert "already removed" in _paths(c)["operations[0].glands[0].status"]


def test_an_iopth_sample_outside_the_operation_is_an_error():
    """IOPTH minutes lie within -240 to 240 of the operation."""
    c = case()
    c["operations"][0]["iopth"] = {
        "unit": "pg/mL",
        "samples": [{"minute": 0, "value": 150}, {"minute": 600, "value": 40}],
    }
    assert "outside the operation" in _paths(c)["operations[0].iopth.samples[1].minute"]


def test_a_paired_vein_needs_its_side():
    """Graph: the inferior thyroid vein is paired, so a midline sample is not a place."""
    c = case(
        venous_sampling=[
            {
                "unit": "pg/mL",
                "peripheral_pth": 100,
                "samples": [{"vein": "inferior_thyroid_vein", "side": "midline", "pth": 300}],
            }
        ]
    )
    assert "paired vein" in _paths(c)["venous_sampling[0].samples[0].side"]


def test_an_fna_where_no_neck_needle_reaches_is_an_error():
    """Graph needle_reachable: the posterior mediastinum cannot be aspirated through the neck."""
    c = case(fna=[{"site": "posterior_mediastinum", "unit": "pg/mL", "pth_washout": 500, "serum_pth": 140}])
    assert "neck needle" in _paths(c)["fna[0].site"]
    with pytest.raises(CaseError):
        validate_case(c, KN)
