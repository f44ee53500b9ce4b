"""Bad input gets a clear error naming the field; a batch still plans the good cases."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest

from planner.contract_files import shared_dir
from planner.pipeline import plan_dict
from planner.validate import CaseError

BASE = json.loads((shared_dir() / "cases" / "ex-04-missing-left-inferior.json").read_text())


def _problems(case):
    with pytest.raises(CaseError) as exc:
        plan_dict(case)
    return exc.value.problems


def test_unknown_code_names_the_field():
    case = copy.deepcopy(BASE)
    case["imaging"][0]["site"] = "perrier_Z"
    (path, msg), *_ = _problems(case)
    assert path == "imaging[0].site" and "perrier_Z" in msg


def test_wrong_unit_for_analyte():
    case = copy.deepcopy(BASE)
    case["labs"][1]["unit"] = "mg/dL"  # PTH in mg/dL
    (path, msg), *_ = _problems(case)
    assert path == "labs[1].unit" and "pth_intact" in msg


def test_implausible_calcium_shows_the_range():
    case = copy.deepcopy(BASE)
    case["labs"][0]["value"] = 40
    (path, msg), *_ = _problems(case)
    assert path == "labs[0].value" and "plausible range" in msg


def test_gland_removed_twice():
    case = copy.deepcopy(BASE)
    case["operations"].insert(
        0,
        {
            "day": -400,
            "procedures": ["focused_parathyroidectomy"],
            "glands": [{"position": "left_superior", "status": "removed"}],
        },
    )
    probs = _problems(case)
    assert any("already removed" in m for _, m in probs)


def test_negative_value_and_missing_id():
    case = copy.deepcopy(BASE)
    del case["id"]
    case["labs"][0]["value"] = -1
    paths = {p for p, _ in _problems(case)}
    assert "(case)" in paths and "labs[0].value" in paths


def test_mmol_calcium_is_converted():
    case = copy.deepcopy(BASE)
    for lab in case["labs"]:
        if lab["analyte"] == "calcium_total":
            lab["value"] = round(lab["value"] / 4.008, 3)
            lab["unit"] = "mmol/L"
            lab["reference_low"], lab["reference_high"] = 2.12, 2.55
    assert plan_dict(case).diagnosis == "persistent"


def test_cli_batch_keeps_good_cases(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"id": "x", "labs": [{"analyte": "calcium_total", "value": 11, "unit": "bogus", "day": 1}]}'
    )
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    good = shared_dir() / "cases" / "ex-04-missing-left-inferior.json"
    run = subprocess.run(
        [sys.executable, "-m", "ui.cli", "plan", "--format", "json", str(good), str(bad), str(broken)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2
    out = json.loads(run.stdout)
    assert out[0]["decision"] == "operate"
    assert out[1]["case_file"] == str(bad) and "labs[0].unit" in out[1]["error"]
    assert "not valid JSON" in out[2]["error"]
    assert "Traceback" not in run.stderr


def test_packaged_contract_is_identical_to_shared():
    from planner.contract_files import PACKAGED

    for name in ("case.schema.json", "plan.schema.json", "vocabulary.json"):
        shared = shared_dir() / "contract" / name
        if shared.exists():
            assert (PACKAGED / name).read_bytes() == shared.read_bytes()


def test_fast_and_full_schema_validators_agree():
    """The compiled fast path and jsonschema give the same verdict on valid and broken cases."""
    import jsonschema
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from planner.contract_files import load
    from planner.validate import _fast_validator

    full = jsonschema.Draft202012Validator(load("case.schema.json"))
    fast = _fast_validator()
    cases = [json.loads(p.read_text()) for p in sorted((shared_dir() / "cases").glob("ex-*.json"))]
    broken_values = st.one_of(
        st.none(), st.integers(-5, 50000), st.text(max_size=5), st.booleans(), st.floats(allow_nan=False)
    )

    @settings(max_examples=150, deadline=None)
    @given(st.integers(0, len(cases) - 1), st.data())
    def check(i, data):
        case = copy.deepcopy(cases[i])
        node = case
        for step in range(data.draw(st.integers(1, 4))):
            if not node:
                break
            key = (
                data.draw(st.sampled_from(sorted(node)))
                if isinstance(node, dict)
                else data.draw(st.integers(0, len(node) - 1))
            )
            child = node[key]
            if isinstance(child, dict | list) and child and step < 3:
                node = child
                continue
            node[key] = data.draw(broken_values)
            break
        full_ok = full.is_valid(case)
        try:
            fast(case)
            fast_ok = True
        except Exception:  # noqa: BLE001 - any refusal by the fast validator counts
            fast_ok = False
        assert full_ok == fast_ok

    check()


def test_planning_does_not_change_the_input():
    case = copy.deepcopy(BASE)
    before = json.dumps(case, sort_keys=True)
    plan_dict(case)
    assert json.dumps(case, sort_keys=True) == before


def test_no_free_text_reaches_the_plan():
    """Notes may hold identifying prose; the plan (and so every report) never quotes them."""
    for path in sorted((shared_dir() / "cases").glob("ex-*.json")):
        case = json.loads(path.read_text())
        notes = [case.get("note"), case.get("title"), case.get("patient", {}).get("note")]
        notes += [op.get("note") for op in case.get("operations", [])] + [
            i.get("note") for i in case.get("imaging", [])
        ]
        text = json.dumps(plan_dict(case).to_json())
        for note in filter(None, notes):
            assert note not in text, (path.name, note[:40])


def test_plan_reports_what_previous_operations_left():
    plan = plan_dict(json.loads((shared_dir() / "cases" / "ex-05-thyroid-nodule-washout.json").read_text()))
    removed = {(r["site"], r["side"]) for r in plan.record["removed_tissue"]}
    assert ("perrier_F", "right") in removed and ("perrier_F", "left") in removed
    statuses = {g["position"]: g["status"] for g in plan.record["glands"]}
    assert statuses["right_inferior"] == "not_found"
