"""planner.pipeline: the whole pipeline on one minimal case, and the errors that leave it."""

from __future__ import annotations

import pytest

from planner.models import Case
from planner.pipeline import plan, plan_dict
from planner.validate import CaseError, PlanningError
from tests.planner_minicase import KN, case, img

TWO = [img("ultrasound", "perrier_F", "left"), img("ct_4d", "perrier_F", "left", 260)]


def test_a_localized_case_is_operated_with_an_iopth_plan():
    """DESIGN steps 3-8: gates pass, the top place is localized, the plan operates with the Miami plan."""
    p = plan_dict(case(imaging=TWO))
    assert p.decision == "operate" and p.diagnosis == "persistent"
    assert (p.locations[0].site, p.locations[0].side) == ("perrier_F", "left")
    assert p.iopth_plan["threshold_pth"] == 70.0 and p.ontology_version == KN.version
    assert [loc.rank for loc in p.locations] == list(range(1, len(p.locations) + 1))
    assert sum(p.sources.values()) == pytest.approx(1.0, abs=1e-3)


def test_an_investigated_case_has_no_iopth_plan():
    """The IOPTH plan belongs to an operation only."""
    p = plan_dict(case())
    assert p.decision == "investigate" and p.iopth_plan is None and p.next_tests


def test_a_halted_case_lists_no_places_and_no_causes():
    """A failing gate stops the plan: suppressed PTH is not hyperparathyroidism (no places, no causes)."""
    c = case()
    c["labs"][1]["value"] = 5
    p = plan_dict(c)
    assert p.decision == "halt" and p.locations == [] and p.suspected_causes == [] and p.operations == []


def test_causes_are_listed_most_likely_first_above_the_graphs_floor():
    """Graph param cause_listing_floor: causes below it are not listed; the rest by probability."""
    p = plan_dict(case())
    probs = [c.probability for c in p.suspected_causes]
    assert probs == sorted(probs, reverse=True) and min(probs) >= KN.param("cause_listing_floor").v


def test_an_invalid_case_raises_case_error_naming_the_field():
    """DESIGN step 1: a bad case gets an error naming the field, and nothing else happens."""
    c = case()
    c["labs"][0]["unit"] = "furlongs"
    with pytest.raises(CaseError) as err:
        plan_dict(c)
    assert any(path == "labs[0].unit" for path, _ in err.value.problems)
    with pytest.raises(CaseError):
        plan_dict({**case(), "labs": [{**case()["labs"][0], "value": float("nan")}]})


def test_a_fault_inside_the_planner_is_a_planning_error_naming_the_case(monkeypatch):
    """A fault on a valid case is reported with the case named, never a bare traceback."""
    import planner.pipeline as pipeline

    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(pipeline, "decide", broken)
    with pytest.raises(PlanningError, match="mini.*ZeroDivisionError"):
        plan_dict(case())


def test_plan_and_plan_dict_agree():
    """plan() on a validated Case gives the plan plan_dict() gives on the raw dict."""
    assert plan(Case.model_validate(case()), KN).to_json() == plan_dict(case()).to_json()
