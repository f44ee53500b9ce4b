"""What the EHR receives from the CDS Hooks service (issue 12), over real HTTP calls to the
``parareop cds-hooks`` process: the no-operation card and when it stays silent, an
investigate card naming the next test, the discovery prefetch (MedicationRequest; Observations
filtered by the codes the import reads), every import note, and the number of sources when
several glands are likely."""

from __future__ import annotations

import copy
import csv
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from clinical.cds_cards import NO_OPERATION_SUMMARY
from kg.knowledge import knowledge
from tests.fhir_writer import case_to_bundle
from tests.test_cds_hooks import _card, _post, _prefetch, _request

SET_CASES = Path(__file__).parent / "fixtures" / "set_cases"
LOINC_TSV = Path(__file__).parents[1] / "clinical" / "data" / "loinc.tsv"
EMPTY = {"resourceType": "Bundle", "type": "searchset", "entry": []}


def _searchset(*resources: dict[str, Any]) -> dict[str, Any]:
    entries = [{"resource": r, "search": {"mode": "match"}} for r in resources]
    return {"resourceType": "Bundle", "type": "searchset", "total": len(entries), "entry": entries}


def _set_case_prefetch(stem: str) -> dict[str, Any]:
    """The prefetch of a set case (fixtures/set_cases), one searchset per template key."""
    bundle = case_to_bundle(json.loads((SET_CASES / f"{stem}.json").read_text()), pid="pat-1")
    by_type: dict[str, list[dict[str, Any]]] = {}
    for e in bundle["entry"]:
        by_type.setdefault(e["resource"]["resourceType"], []).append(e["resource"])
    keys = {
        "observations": "Observation",
        "procedures": "Procedure",
        "conditions": "Condition",
        "familyHistory": "FamilyMemberHistory",
        "medications": "MedicationStatement",
        "reports": "DiagnosticReport",
    }
    pre = {k: _searchset(*by_type.get(t, [])) for k, t in keys.items()}
    pre["patient"] = by_type["Patient"][0]
    return pre


def _discovery(base: str) -> dict[str, str]:
    (svc,) = httpx.get(f"{base}/cds-services", timeout=10).json()["services"]
    prefetch: dict[str, str] = svc["prefetch"]
    return prefetch


# ------------------------------------------------------------------------------ no parathyroid operation

LOCAL_PTX = {"system": "http://ehr.example.org/fhir/CodeSystem/procedures", "code": "PTX-REDO-7"}


def test_hpt_without_a_parathyroid_operation_gets_an_info_card_naming_the_codes(service: str) -> None:
    """The operation is coded with a local code the import does not read: the card says so."""
    pre = _prefetch("ex-04-missing-left-inferior")
    proc = {
        "resourceType": "Procedure",
        "id": "p1",
        "status": "completed",
        "subject": {"reference": "Patient/pat-1"},
        "code": {"coding": [LOCAL_PTX]},
        "performedDateTime": "2024-01-10",
    }
    pre["procedures"] = _searchset(proc)
    card = _card(_post(service, _request(pre)))
    assert card["indicator"] == "info" and card["summary"] == NO_OPERATION_SUMMARY
    assert "http://ehr.example.org/fhir/CodeSystem/procedures|PTX-REDO-7" in card["detail"]
    assert (
        "Procedure codes seen (1)" in card["detail"] and "a PTH above its reference range" in card["detail"]
    )
    assert (
        "not in the import's code tables" not in card["detail"]
    )  # the import's notes: it refused the record
    assert "2024-01-10" not in json.dumps(card) and "Testperson" not in json.dumps(card)


def test_a_parathyroid_procedure_not_completed_is_named_with_its_status(service: str) -> None:
    pre = _prefetch("ex-04-missing-left-inferior")
    for e in pre["procedures"]["entry"]:
        e["resource"]["status"] = "in-progress"
    card = _card(_post(service, _request(pre)))
    assert card["summary"] == NO_OPERATION_SUMMARY
    assert "prior_procedures|bilateral_exploration (status in-progress)" in card["detail"]
    assert "a parathyroid Procedure (bilateral_exploration)" in card["detail"]


def test_a_coded_condition_alone_is_hyperparathyroidism(service: str) -> None:
    cond = {
        "resourceType": "Condition",
        "subject": {"reference": "Patient/pat-1"},
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "E21.0"}]},
    }
    pre = {"observations": EMPTY, "procedures": EMPTY, "conditions": _searchset(cond)}
    card = _card(_post(service, _request(pre)))
    assert card["summary"] == NO_OPERATION_SUMMARY
    assert "Condition http://hl7.org/fhir/sid/icd-10-cm|E21.0" in card["detail"]
    assert "none (the record holds no Procedure)" in card["detail"]


def _heart_rate(value: float = 72) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "subject": {"reference": "Patient/pat-1"},
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
        "effectiveDateTime": "2024-02-01",
        "valueQuantity": {
            "value": value,
            "unit": "/min",
            "system": "http://unitsofmeasure.org",
            "code": "/min",
        },
    }


@pytest.mark.parametrize("refuted", [False, True], ids=["no-hpt-data", "refuted-hpt-condition"])
def test_a_patient_without_hyperparathyroidism_gets_no_card(service: str, refuted: bool) -> None:
    appendectomy = {
        "resourceType": "Procedure",
        "status": "completed",
        "subject": {"reference": "Patient/pat-1"},
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "80146002"}]},
        "performedDateTime": "2020-05-01",
    }
    pre: dict[str, Any] = {"observations": _searchset(_heart_rate()), "procedures": _searchset(appendectomy)}
    if refuted:
        pre["conditions"] = _searchset(
            {
                "resourceType": "Condition",
                "subject": {"reference": "Patient/pat-1"},
                "verificationStatus": {"coding": [{"code": "refuted"}]},
                "code": {"coding": [{"system": "http://snomed.info/sct", "code": "66999008"}]},
            }
        )
    r = _post(service, _request(pre))
    assert r.status_code == 200 and r.json() == {"cards": []}


def test_normal_calcium_and_pth_are_no_hyperparathyroidism(service: str) -> None:
    pre = _prefetch("ex-04-missing-left-inferior")
    pre["procedures"] = EMPTY
    for e in pre["observations"]["entry"]:  # every lab within its range
        q = e["resource"].get("valueQuantity")
        if q and q.get("code") in ("mmol/L", "mg/dL", "pg/mL", "ng/L", "pmol/L"):
            e["resource"]["interpretation"] = [{"coding": [{"code": "N"}]}]
            q["value"] = {"mmol/L": 2.3, "mg/dL": 9.3, "pg/mL": 40, "ng/L": 40, "pmol/L": 4}[q["code"]]
    pre["reports"] = EMPTY
    pre["observations"]["entry"] = [
        e for e in pre["observations"]["entry"] if "valueQuantity" in e["resource"]
    ]
    r = _post(service, _request(pre))
    assert r.status_code == 200 and r.json() == {"cards": []}, r.text


# ------------------------------------------------------------------------------ investigate


def test_an_investigate_card_names_the_next_test_not_an_operation(service: str) -> None:
    card = _card(_post(service, _request(_prefetch("ex-12-negative-imaging"))))
    assert card["summary"].startswith("ParaReop: investigate")
    test = knowledge().label("tests", "selective_venous_sampling")
    assert card["summary"].endswith(f"; next: {test}"), card["summary"]
    for op in ("mediastinal_resection_thoracoscopic", "mediastinal_resection_open"):
        assert knowledge().label("operations", op) not in card["summary"]
    assert "**Operations**" in card["detail"]  # the ranking is still there to read


# ------------------------------------------------------------------------------ discovery


def _loinc_codes() -> list[str]:
    with LOINC_TSV.open(encoding="utf-8") as f:
        rows = csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t")
        return [r["loinc"] for r in rows]


def test_discovery_prefetch_filters_observations_and_asks_for_medication_requests(service: str) -> None:
    prefetch = _discovery(service)
    assert prefetch["medicationRequests"] == "MedicationRequest?patient={{context.patientId}}"
    assert prefetch["medications"] == "MedicationStatement?patient={{context.patientId}}"
    url = urlsplit(prefetch["observations"])
    assert url.path == "Observation"
    query = parse_qs(url.query)
    assert query["patient"] == ["{{context.patientId}}"]
    (codes,) = query["code"]
    listed = codes.split(",")
    assert set(_loinc_codes()) <= set(listed)
    assert "https://w3id.org/parareop/fhir/CodeSystem/observation|" in listed
    assert "https://w3id.org/parareop/fhir/CodeSystem/analytes|" in listed
    assert len(prefetch["observations"]) < 400


def _ehr_search(template: str, observations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What an EHR's token search ``code=a,b,system|`` returns from the patient's Observations."""
    (codes,) = parse_qs(urlsplit(template).query)["code"]
    bare = {c for c in codes.split(",") if "|" not in c}
    systems = {c.removesuffix("|") for c in codes.split(",") if c.endswith("|")}
    return [
        o
        for o in observations
        if any(c.get("code") in bare or c.get("system") in systems for c in o["code"].get("coding", []))
    ]


@pytest.mark.parametrize(
    "stem", ["ex-04-missing-left-inferior", "ex-05-thyroid-nodule-washout", "ex-07-men1-forearm-graft"]
)
def test_the_filtered_prefetch_plans_as_the_whole_record(service: str, stem: str) -> None:
    """Everything the import reads passes the code filter; a long-followed patient's vitals do not."""
    whole = _prefetch(stem)
    observations = [e["resource"] for e in whole["observations"]["entry"]]
    vitals = [_heart_rate(60 + i) for i in range(200)]
    kept = _ehr_search(_discovery(service)["observations"], observations + vitals)
    assert len(kept) == len(observations)
    filtered = copy.deepcopy(whole)
    filtered["observations"] = _searchset(*kept)
    assert _card(_post(service, _request(filtered))) == _card(_post(service, _request(whole)))


def test_a_medication_request_is_read_as_a_medication_statement(service: str) -> None:
    stem = "sc-04-lithium-persistent-left-side-unexplored"
    statements = _set_case_prefetch(stem)
    requests = copy.deepcopy(statements)
    meds = requests.pop("medications")
    for e in meds["entry"]:
        e["resource"] = {**e["resource"], "resourceType": "MedicationRequest", "intent": "order"}
    requests["medicationRequests"] = meds
    card = _card(_post(service, _request(requests)))
    assert "lithium" in card["detail"].lower()
    assert card == _card(_post(service, _request(statements)))


# ------------------------------------------------------------------------------ notes and sources


def test_every_import_warning_is_on_the_card(service: str) -> None:
    pre = _prefetch("ex-04-missing-left-inferior")
    labs = [e["resource"] for e in pre["observations"]["entry"] if "valueQuantity" in e["resource"]]
    for i, lab in enumerate(labs[:8]):
        lab["valueQuantity"]["code"] = f"weird-unit-{i}"
    card = _card(_post(service, _request(pre)))
    for i in range(min(8, len(labs))):
        assert f"unknown unit 'weird-unit-{i}'" in card["detail"]
    assert "more" not in card["detail"].split("*Import notes", 1)[1].split("Every item")[0]


def test_several_glands_likely_is_on_the_card(service: str) -> None:
    card = _card(
        _post(service, _request(_set_case_prefetch("sc-01-double-adenoma-lower-pole-and-fna-intrathyroidal")))
    )
    assert card["summary"].startswith("ParaReop: operate (persistent); Several glands likely: two 84%;")
    assert "**Several glands likely:** one source 3% · two 84% · three or more 13%" in card["detail"]
    single = _card(_post(service, _request(_prefetch("ex-04-missing-left-inferior"))))
    assert "Several glands" not in json.dumps(single)
