"""Issue 12: a US Core-style Bundle (CPT, ICD-10-CM, RxNorm, paged searchset, two patients)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from clinical.fhir_import import FhirImportError, import_bundle

FIXTURE = Path(__file__).parent / "fixtures" / "fhir" / "uscore-searchset-two-patients.json"
LOINC, UCUM = "http://loinc.org", "http://unitsofmeasure.org"
CPT, ICD, RX = (
    "http://www.ama-assn.org/go/cpt",
    "http://hl7.org/fhir/sid/icd-10-cm",
    "http://www.nlm.nih.gov/research/umls/rxnorm",
)
MRN, NAME, BORN = "MRN-778812", "Quartermaine", "1961-04-02"


def _lab(rid: str, subject: str, loinc: str, value: float, unit: str, when: str) -> dict[str, Any]:
    return {
        "fullUrl": f"urn:uuid:0000-{rid}",
        "resource": {
            "resourceType": "Observation",
            "id": rid,
            "status": "final",
            "code": {"coding": [{"system": LOINC, "code": loinc}]},
            "subject": {"reference": subject},
            "effectiveDateTime": when,
            "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
        },
        "search": {"mode": "match"},
    }


def bundle() -> dict[str, Any]:
    """Patient A (id-less, urn:uuid fullUrl) and patient B (id-less, no fullUrl); page 1 of 3."""
    pa = {
        "resourceType": "Patient",
        "gender": "female",
        "birthDate": BORN,
        "name": [{"family": NAME}],
        "identifier": [{"system": "urn:mrn", "value": MRN}],
    }
    pb = {"resourceType": "Patient", "gender": "male", "birthDate": "1950-01-01"}
    a = "urn:uuid:aaaa-0001"
    entries = [
        {"fullUrl": a, "resource": pa, "search": {"mode": "include"}},
        {"resource": pb, "search": {"mode": "include"}},
        {
            "fullUrl": "urn:uuid:0000-op",
            "search": {"mode": "match"},
            "resource": {
                "resourceType": "Procedure",
                "id": "op",
                "status": "completed",
                "subject": {"reference": a},
                "code": {"coding": [{"system": CPT, "code": "60500"}]},
                "performedDateTime": "2020-05-01",
            },
        },
        {
            "fullUrl": "urn:uuid:0000-op2",
            "search": {"mode": "match"},
            "resource": {
                "resourceType": "Procedure",
                "id": "op2",
                "status": "entered-in-error",
                "subject": {"reference": a},
                "code": {"coding": [{"system": CPT, "code": "60240"}]},
                "performedDateTime": "2020-05-01",
            },
        },
        _lab("ca1", a, "17861-6", 11.1, "mg/dL", "2021-01-10T08:00:00+01:00"),
        _lab("pth1", a, "2731-8", 140, "pg/mL", "2021-01-10T08:00:00+01:00"),
        _lab("egfr1", a, "62238-1", 55, "mL/min/{1.73_m2}", "2021-01-10T08:00:00+01:00"),
        _lab("notz", a, "17861-6", 10.9, "mg/dL", "2021-01-11T08:00:00"),
        _lab("ucagram", a, "6874-2", 0.4, "g/(24.h)", "2021-01-11T08:00:00+01:00"),
        _lab("nosubject", a, "17861-6", 12.0, "mg/dL", "2021-01-12T08:00:00+01:00"),
        _lab("dangling", "urn:uuid:nobody", "17861-6", 12.0, "mg/dL", "2021-01-12T08:00:00+01:00"),
        {
            "fullUrl": "urn:uuid:0000-men1",
            "search": {"mode": "match"},
            "resource": {
                "resourceType": "Condition",
                "id": "men1",
                "subject": {"reference": a},
                "code": {"coding": [{"system": ICD, "code": "E31.21"}]},
            },
        },
        {
            "fullUrl": "urn:uuid:0000-ckd",
            "search": {"mode": "match"},
            "resource": {
                "resourceType": "Condition",
                "id": "ckd",
                "subject": {"reference": a},
                "code": {"coding": [{"system": ICD, "code": "N18.31"}]},
            },
        },
        {
            "fullUrl": "urn:uuid:0000-hctz",
            "search": {"mode": "match"},
            "resource": {
                "resourceType": "MedicationRequest",
                "id": "hctz",
                "status": "active",
                "intent": "order",
                "subject": {"reference": a},
                "medicationCodeableConcept": {"coding": [{"system": RX, "code": "5487"}]},
            },
        },
        {
            "fullUrl": "urn:uuid:0000-li",
            "search": {"mode": "match"},
            "resource": {
                "resourceType": "MedicationRequest",
                "id": "li",
                "status": "cancelled",
                "intent": "order",
                "subject": {"reference": a},
                "medicationCodeableConcept": {"coding": [{"system": RX, "code": "6448"}]},
            },
        },
    ]
    del entries[9]["resource"]["subject"]
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": 40,
        "link": [
            {"relation": "self", "url": "https://ehr.example/fhir/Observation?page=1"},
            {"relation": "next", "url": "https://ehr.example/fhir/Observation?page=2"},
        ],
        "entry": entries,
    }


def test_fixture_file_is_the_generated_bundle() -> None:
    assert json.loads(FIXTURE.read_text()) == bundle()


def test_two_patients_without_ids_are_never_merged() -> None:
    with pytest.raises(FhirImportError) as info:
        import_bundle(bundle())
    msg = str(info.value)
    assert "2 patients; choose one with --patient" in msg and "urn:uuid:aaaa-0001" in msg
    assert "\n" not in msg and MRN not in msg and NAME not in msg and BORN not in msg


def test_the_chosen_patient_imports_with_every_skip_said() -> None:
    got = import_bundle(bundle(), patient="urn:uuid:aaaa-0001")
    case, text = got.case, "\n".join(got.warnings)
    assert case["patient"]["sex"] == "female"  # never the other patient's
    assert case["operations"] == [{"day": 0, "procedures": ["parathyroid_operation_unspecified"]}]
    assert {(x["analyte"], x["value"]) for x in case["labs"]} == {
        ("calcium_total", 11.1),
        ("pth_intact", 140),
        ("egfr", 55),
    }
    assert case["patient"]["syndromes"] == ["MEN1"] and case["patient"]["medications"] == ["thiazide"]
    assert "INCOMPLETE DATA" in text and "'next' link" in text and "Bundle.total is 40" in text
    assert "plan may miss data" in text
    assert "60500 does not say the extent" in text
    assert "Observation/notz" in text and "effectiveDateTime" in text
    assert "Observation/ucagram" in text and "g/(24.h)" in text
    assert "Observation/nosubject: no subject reference" in text
    assert "Observation/dangling: subject reference 'urn:uuid:nobody' does not resolve" in text
    assert "Procedure/op2" in text and "entered-in-error" in text
    assert "MedicationRequest/li" in text and "cancelled" in text
    assert "Condition/ckd: N18 (Chronic kidney disease" in text
    blob = json.dumps(case) + text
    assert MRN not in blob and NAME not in blob and BORN not in blob


def test_a_relative_reference_attaches_to_a_patient_with_an_id() -> None:
    b = copy.deepcopy(bundle())
    b["entry"][0]["resource"]["id"] = "pa"
    for e in b["entry"][2:]:
        if "subject" in e["resource"]:
            e["resource"]["subject"]["reference"] = "Patient/pa"
    got = import_bundle(b, patient="pa")
    assert len(got.case["labs"]) == 4  # the once-dangling lab now names Patient/pa too
