"""The bundled example cases (ui/examples) stay identical to shared/cases, and all of them plan."""

from __future__ import annotations

import pytest

from planner.contract_files import shared_dir
from ui.cases import EXAMPLES_DIR, examples, load_example, parse_case_bytes, plan_case

SHARED_CASES = shared_dir() / "cases"


def test_examples_are_bundled() -> None:
    assert len(examples()) >= 14
    assert all(e.path.parent == EXAMPLES_DIR for e in examples())


@pytest.mark.skipif(not SHARED_CASES.is_dir(), reason="no shared folder on this install")
def test_bundled_examples_identical_to_shared() -> None:
    shared = {p.name: p.read_bytes() for p in SHARED_CASES.glob("ex-*.json")}
    bundled = {p.name: p.read_bytes() for p in EXAMPLES_DIR.glob("*.json")}
    assert bundled == shared


@pytest.mark.parametrize("case_id", [e.case_id for e in examples()])
def test_every_example_plans(case_id: str) -> None:
    outcome = plan_case(load_example(case_id))
    assert outcome.ok and outcome.plan is not None
    assert outcome.plan["case_id"] == case_id


def test_invalid_file_gives_problems() -> None:
    data, problems = parse_case_bytes(b"\xff\xfe not utf-8")
    assert data is None and problems[0][0] == "(file)"
    outcome = plan_case(
        {"id": "x", "labs": [{"analyte": "calcium_total", "value": 11, "unit": "mg/dl", "day": 1}]}
    )
    assert not outcome.ok and any(path == "labs[0].unit" for path, _ in outcome.problems)
