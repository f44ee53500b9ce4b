"""The plan as FHIR R4 (issue 12, "FHIR out"): valid resources that read back as the same plan.

What an integration team relies on: every plan becomes a Bundle the ``fhir.resources`` models
accept; reading it back gives the same decision, the same ranked locations with the same
probabilities, the same next tests and the recommended operation; no operation is proposed
when the plan does not recommend one; the Provenance names the ontology version; a case that
cannot be planned comes back as an OperationOutcome naming the field.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from clinical.fhir_plan import UBERON_SYSTEM, error_outcome, plan_bundle, read_plan_bundle
from planner.pipeline import plan_dict

ROOT = Path(__file__).resolve().parent.parent
CASES = sorted((ROOT.parent / "shared" / "cases").glob("ex-*.json")) + sorted(
    (ROOT / "tests" / "fixtures" / "set_cases").glob("sc-*.json")
)
FIXED = "2026-12-02T00:00:00+00:00"
CLI = [sys.executable, "-m", "ui.cli"]


def _plan(path: Path) -> dict[str, Any]:
    return plan_dict(json.loads(path.read_text())).to_json()


def _resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_the_bundle_is_valid_fhir_and_reads_back_as_the_same_plan(path: Path) -> None:
    plan = _plan(path)
    bundle = plan_bundle(plan, recorded=FIXED)
    Bundle.model_validate(bundle)  # the wire form, not only the dicts we built
    back = read_plan_bundle(json.loads(json.dumps(bundle)))
    assert back["decision"] == plan["decision"]
    assert back["diagnosis"] == plan["diagnosis"]
    assert back["locations"] == [
        {"site": x["site"], "side": x["side"], "probability": x["probability"]} for x in plan["locations"]
    ]
    assert back["sources"] == plan["sources"]
    assert back["next_tests"] == [t["test"] for t in plan["next_tests"]]
    assert back["ontology_version"] == plan["ontology_version"]
    if plan["decision"] in ("operate", "medical"):
        lead = plan["operations"][0]
        assert back["operations"][0] == lead["operation"]
        assert set(back["operations"][1:]) == set(lead.get("together_with") or [])
    else:
        # halt, defer, investigate: the EHR must not receive a proposed operation
        assert back["operations"] == []
        assert _resources(bundle, "CarePlan") == []


def test_no_operation_is_proposed_when_a_gate_stops_the_plan() -> None:
    fhh = ROOT.parent / "shared" / "cases" / "ex-01-low-urine-calcium-family.json"
    plan = _plan(fhh)
    assert plan["decision"] == "halt"
    bundle = plan_bundle(plan, recorded=FIXED)
    assert not _resources(bundle, "CarePlan")
    notes = " ".join(n["text"] for n in _resources(bundle, "RiskAssessment")[0].get("note", []))
    failed = [g for g in plan["gates"] if g["status"] == "fail"]
    assert failed and all(g["message"] in notes for g in failed)


def test_several_operations_together_are_one_proposal() -> None:
    for path in CASES:
        plan = _plan(path)
        lead = plan["operations"][0] if plan["operations"] else {}
        if plan["decision"] == "operate" and lead.get("together_with"):
            care = _resources(plan_bundle(plan, recorded=FIXED), "CarePlan")
            assert len(care) == 1
            codes = [a["detail"]["code"]["coding"][0]["code"] for a in care[0]["activity"]]
            assert codes[0] == lead["operation"] and set(codes[1:]) == set(lead["together_with"])
            return
    pytest.skip("no bundled case proposes two operations together")  # pragma: no cover


def test_a_site_is_coded_in_the_contract_system_and_qualified_by_its_uberon_structure() -> None:
    case = (
        ROOT
        / "tests"
        / "fixtures"
        / "set_cases"
        / "sc-13-discordant-4dct-carotid-sheath-vs-choline-thymus.json"
    )
    bundle = plan_bundle(_plan(case), recorded=FIXED)
    where = _resources(bundle, "RiskAssessment")[0]
    thymus = next(
        p for p in where["prediction"] if p["outcome"]["coding"][0]["code"] == "anterior_mediastinum"
    )
    assert all(c["system"] != UBERON_SYSTEM for c in thymus["outcome"]["coding"])  # not a synonym
    entity = next(e for e in thymus["extension"] if e["url"].endswith("anatomical-entity"))
    assert entity["valueCodeableConcept"]["coding"][0]["code"] == "UBERON:0009115"  # thoracic thymus
    assert 0 < thymus["probabilityDecimal"] <= 1 and thymus["rationale"]


def test_provenance_targets_every_resource_and_names_the_ontology_version() -> None:
    plan = _plan(CASES[3])
    bundle = plan_bundle(plan, recorded=FIXED)
    prov = _resources(bundle, "Provenance")[0]
    others = {e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] != "Provenance"}
    assert {t["reference"] for t in prov["target"]} == others
    assert prov["entity"][0]["what"]["identifier"]["value"] == plan["ontology_version"]
    assert prov["recorded"] == FIXED
    assert plan_bundle(plan, recorded=FIXED) == bundle  # the same plan gives the same ids


def test_next_tests_are_draft_proposals_in_rank_order() -> None:
    plan = _plan(ROOT.parent / "shared" / "cases" / "ex-12-negative-imaging.json")
    reqs = _resources(plan_bundle(plan, recorded=FIXED), "ServiceRequest")
    assert [r["code"]["coding"][0]["code"] for r in reqs] == [t["test"] for t in plan["next_tests"]]
    assert {(r["status"], r["intent"]) for r in reqs} == {("draft", "proposal")}


def test_a_case_that_cannot_be_planned_is_an_operation_outcome_naming_the_field() -> None:
    out = error_outcome(
        {
            "case_file": "c.json",
            "error": "1 problem",
            "problems": [{"field": "patient.age", "message": "not a number"}],
        }
    )
    assert out["issue"][0]["expression"] == ["patient.age"]
    assert "not a number" in out["issue"][0]["diagnostics"]


def test_cli_plan_format_fhir_keeps_the_good_case_and_reports_the_bad_one(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"id": "bad", "patient": {"age": "old"}}')
    good = ROOT.parent / "shared" / "cases" / "ex-04-missing-left-inferior.json"
    r = subprocess.run(
        [*CLI, "plan", "--format", "fhir", str(good), str(bad)], capture_output=True, text=True, cwd=ROOT
    )
    assert r.returncode == 2
    out = json.loads(r.stdout)
    assert [o["resourceType"] for o in out] == ["Bundle", "OperationOutcome"]
    assert out[1]["issue"][0]["expression"] == ["patient.age"]


def test_import_fhir_plan_as_fhir_cites_the_patient_and_the_observations_used() -> None:
    source = ROOT / "tests" / "fixtures" / "fhir" / "uscore-radiology-reports.json"
    r = subprocess.run(
        [*CLI, "import-fhir", "--plan", "--format", "fhir", str(source)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert r.returncode == 0, r.stderr
    bundle = json.loads(r.stdout)
    where = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "RiskAssessment")
    data = json.loads(source.read_text())
    ids = {f"{e['resource']['resourceType']}/{e['resource'].get('id')}" for e in data["entry"]}
    assert where["subject"]["reference"] in ids and where["subject"]["reference"].startswith("Patient/")
    basis = [b["reference"] for b in where["basis"]]
    assert basis and all(b in ids and b.startswith("Observation/") for b in basis)


def test_import_fhir_format_fhir_needs_plan() -> None:
    source = ROOT / "tests" / "fixtures" / "fhir" / "uscore-radiology-reports.json"
    r = subprocess.run(
        [*CLI, "import-fhir", "--format", "fhir", str(source)], capture_output=True, text=True, cwd=ROOT
    )
    assert r.returncode == 2 and "--plan" in r.stderr


def test_a_bundle_not_written_by_the_planner_is_refused() -> None:
    with pytest.raises(ValueError, match="not a ParaReop plan"):
        read_plan_bundle({"resourceType": "Bundle", "type": "collection", "entry": []})
