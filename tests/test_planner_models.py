"""planner.models: the typed case is strict (unknown fields, non-finite numbers), defaults are the contract's."""

from __future__ import annotations

import pydantic
import pytest

from planner.models import Case, Plan
from tests.planner_minicase import case


def test_a_case_with_an_unknown_field_is_rejected():
    """The model mirrors contract/case.schema.json: additionalProperties false."""
    with pytest.raises(pydantic.ValidationError):
        Case.model_validate({**case(), "surgeon_guess": "left"})


def test_a_non_finite_lab_value_is_rejected():
    """DESIGN: data that cannot be trusted is never used silently (a non-finite number)."""
    c = case()
    c["labs"][0]["value"] = float("inf")
    with pytest.raises(pydantic.ValidationError):
        Case.model_validate(c)


def test_the_defaults_are_a_willing_candidate_with_nothing_removed():
    """Defaults: surgical candidate, no thymectomy, no thyroid removed, no syndromes."""
    c = Case.model_validate({"id": "x"})
    assert c.patient.surgical_candidate and c.patient.syndromes == [] and c.operations == []
    op = Case.model_validate(case()).operations[0]
    assert op.thymectomy == "none" and op.thyroid_removed == [] and op.autograft is None


def test_a_case_is_frozen():
    """A validated case cannot be changed by a planning step."""
    c = Case.model_validate(case())
    with pytest.raises(pydantic.ValidationError):
        c.patient.age = 20


def test_a_side_outside_left_right_midline_is_rejected():
    """Side is left, right or midline (contract)."""
    c = case(imaging=[{"modality": "ct_4d", "result": "positive", "site": "perrier_F", "side": "both"}])
    with pytest.raises(pydantic.ValidationError):
        Case.model_validate(c)


def test_a_plan_keeps_its_empty_fields_in_json():
    """plan.to_json keeps null fields (other tools read the contract's full shape)."""
    p = Plan(
        case_id="x",
        decision="defer",
        diagnosis="too_early",
        gates=[],
        suspected_causes=[],
        locations=[],
        operations=[],
        next_tests=[],
    )
    out = p.to_json()
    assert out["iopth_plan"] is None and out["sources"] is None and out["warnings"] == []
    with pytest.raises(pydantic.ValidationError):
        Plan(**{**out, "decision": "maybe"})
