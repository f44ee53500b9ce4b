"""An imported case, planned (issue 12, "partial data is said, not hidden").

A Bundle that is one page of a search must not look like the whole record: the plan gets the
graph's ``record_completeness`` gate as ``warn`` (first, in the graph's gate order) and every
import warning, on the command line, in a FHIR plan and on the CDS card alike.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from clinical.cds_hooks import call
from clinical.fhir_import import import_bundle
from clinical.fhir_planning import GATE, plan_imported
from kg.knowledge import knowledge
from planner.contract_files import shared_dir
from tests.fhir_writer import case_to_bundle

CASE = json.loads((shared_dir() / "cases" / "ex-04-missing-left-inferior.json").read_text())
ROOT = Path(__file__).resolve().parent.parent


def _page(bundle: dict) -> dict:
    """The record as page 1 of a searchset: a next link, and a total above the entries present."""
    return {
        **bundle,
        "type": "searchset",
        "total": len(bundle["entry"]) + 40,
        "link": [
            {"relation": "next", "url": "https://ehr.example.org/fhir/Observation?patient=pat-1&page=2"}
        ],
    }


def test_a_page_of_a_search_gets_the_completeness_gate_as_warn_first() -> None:
    plan = plan_imported(import_bundle(_page(case_to_bundle(CASE, pid="pat-1"))))
    gate = plan["gates"][0]
    assert gate["id"] == GATE and gate["status"] == "warn"
    assert "next" in gate["message"] and "total" in gate["message"]
    assert gate["explanation"][0]["iri"] == knowledge().gates[GATE].iri
    assert any(w.startswith("FHIR import: INCOMPLETE DATA") for w in plan["warnings"])
    orders = [knowledge().gates[g["id"]].order for g in plan["gates"]]
    assert orders == sorted(orders)


def test_the_whole_record_passes_and_the_plan_is_the_plan_of_the_case() -> None:
    from planner.pipeline import plan_dict

    result = import_bundle(case_to_bundle(CASE, pid="pat-1"))
    plan = plan_imported(result)
    assert plan["gates"][0] == {**plan["gates"][0], "id": GATE, "status": "pass"}
    alone = plan_dict(result.case).to_json()
    assert plan["decision"] == alone["decision"] and plan["locations"] == alone["locations"]


def test_the_cds_card_says_the_record_is_incomplete() -> None:
    bundle = _page(case_to_bundle(CASE, pid="pat-1"))
    by = {
        t: [e for e in bundle["entry"] if e["resource"]["resourceType"] == t]
        for t in ("Observation", "Procedure")
    }
    patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    page = {"resourceType": "Bundle", "type": "searchset", "total": 500, "entry": by["Observation"]}
    body = {
        "hook": "patient-view",
        "hookInstance": "5b0c1b3e-1111-4c1e-9b1e-000000000001",
        "context": {"patientId": "pat-1"},
        "prefetch": {
            "patient": patient,
            "observations": page,
            "procedures": {"resourceType": "Bundle", "type": "searchset", "entry": by["Procedure"]},
        },
    }
    detail = call(body)["cards"][0]["detail"]
    assert "record completeness* (warn)" in detail


def test_import_fhir_plan_carries_the_gate(tmp_path: Path) -> None:
    source = tmp_path / "page.json"
    source.write_text(json.dumps(_page(case_to_bundle(CASE, pid="pat-1"))))
    r = subprocess.run(
        [sys.executable, "-m", "ui.cli", "import-fhir", "--plan", str(source)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["gates"][0]["status"] == "warn"
