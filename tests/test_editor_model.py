"""The case editor's tables: lossless round trip for every example, problems placed next to fields."""

from __future__ import annotations

import pytest

from ui.cases import examples, load_example, plan_case
from ui.editor_model import case_to_tables, enum, route_problems, tables_spec, tables_to_case


def _defaults_dropped(case: dict) -> dict:
    """The example as the editor writes it: flags only when they differ from their default."""
    out = dict(case)
    pat = dict(case.get("patient") or {})
    if pat.get("surgical_candidate") is True:
        del pat["surgical_candidate"]
    for key in ("family_history_hypercalcemia", "palpable_neck_mass"):
        if pat.get(key) is False:
            del pat[key]
    if "vocal_cord_paralysis" in pat and pat["vocal_cord_paralysis"] is None:
        del pat["vocal_cord_paralysis"]
    if pat:
        out["patient"] = pat
    else:
        out.pop("patient", None)
    return out


def edit(case: dict) -> dict:
    header = {k: case.get(k) for k in ("id", "title", "note")}
    return tables_to_case(header, case.get("patient") or {}, case_to_tables(case)).case


@pytest.mark.parametrize("case_id", [e.case_id for e in examples()])
def test_round_trip_keeps_every_field(case_id: str) -> None:
    case = load_example(case_id)
    assert edit(case) == _defaults_dropped(case)
    assert plan_case(edit(case)).plan == plan_case(case).plan


def test_choices_are_the_contract_codes() -> None:
    spec = tables_spec()
    unit = next(c for c in spec["labs"] if c.key == "unit")
    assert unit.kind == "code" and "mg/dL" in unit.enum and "pmol/L" in unit.enum
    procs = next(c for c in spec["operations"] if c.key == "procedures")
    assert procs.kind == "list" and procs.enum == enum("operations", "[]", "procedures")
    assert next(c for c in spec["glands"] if c.key == "op").required


def test_empty_rows_and_cells_are_dropped() -> None:
    rows = [
        {"analyte": None, "value": float("nan"), "unit": "", "day": None},
        {"analyte": "albumin", "value": 4.0, "unit": "g/dL", "day": 3, "reference_low": float("nan")},
    ]
    built = tables_to_case({"id": "x"}, {}, {"labs": rows})
    assert built.case["labs"] == [{"analyte": "albumin", "value": 4, "unit": "g/dL", "day": 3}]
    assert built.where["labs[0]"] == ("labs", 1)


def test_child_rows_follow_their_parent_number() -> None:
    tables = {
        "operations": [
            {"op": 1, "day": -400, "procedures": ["focused_parathyroidectomy"]},
            {"op": 2, "day": 0, "procedures": ["bilateral_exploration"]},
        ],
        "glands": [
            {"op": 2, "position": "left_inferior", "status": "not_found"},
            {"op": 7, "position": "right_inferior", "status": "removed"},
        ],
    }
    built = tables_to_case({"id": "x"}, {}, tables)
    assert built.case["operations"][1]["glands"] == [{"position": "left_inferior", "status": "not_found"}]
    assert "glands" not in built.case["operations"][0]
    assert built.problems == [("glands", 1, "op", "names no operation row (op 7)")]


def test_problems_are_placed_at_their_row_and_column() -> None:
    tables = {
        "operations": [{"op": 1, "day": 0, "procedures": ["bilateral_exploration"]}],
        "glands": [
            {"op": 1, "position": "left_inferior", "status": "not_found"},
            {"op": 1, "position": "left_inferior", "status": "removed"},
        ],
        "labs": [
            {"analyte": "calcium_total", "value": 11.0, "unit": "mg/dL", "day": 10},
            {"analyte": "albumin", "value": 4.0, "unit": "mg/dL", "day": 10},
        ],
    }
    built = tables_to_case({"id": "x"}, {"age": 50}, tables)
    outcome = plan_case(built.case)
    assert not outcome.ok
    placed = route_problems(outcome.problems, built)
    where = {(p.slot, p.row, p.column) for p in placed}
    assert ("labs", 1, "unit") in where
    assert ("glands", 1, "position") in where
    assert all(p.slot != "(case)" for p in placed)
    bad = route_problems(
        plan_case({"id": "x", "patient": {"age": 130}}).problems, tables_to_case({"id": "x"}, {}, {})
    )
    assert [(p.slot, p.row) for p in bad] == [("patient.age", None)]
