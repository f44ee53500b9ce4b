"""Issue 12, "radiology reports become studies": US Core-style DiagnosticReports and ImagingStudies."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from clinical.fhir_import import import_bundle
from clinical.fhir_maps import LOINC, PROFILE, SNOMED, maps, read_tsv, system
from kg.knowledge import knowledge
from planner.contract_files import load
from planner.pipeline import plan_dict
from ui.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "fhir" / "uscore-radiology-reports.json"
VOCAB = load("vocabulary.json")
CPT, UCUM = "http://www.ama-assn.org/go/cpt", "http://unitsofmeasure.org"
PAT = "Patient/p1"
MRN, NAME, BORN = "MRN-440172", "Okonkwo-Lindqvist", "1958-09-14"
FREE_TEXT = "Hypoechoic nodule posterior to the left lower pole"
DAY0 = dt.date(2020, 5, 1)
RAD = {"coding": [{"system": LOINC, "code": "LP29684-5", "display": "Radiology"}]}


def _cc(sys_: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": sys_, "code": code}]}


def _entry(res: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": f"urn:uuid:0000-{res['id']}", "resource": res}


def _report(rid: str, code: dict[str, Any], when: str, **kw: Any) -> dict[str, Any]:
    """A US Core DiagnosticReport for Report and Note exchange, radiology category."""
    return _entry(
        {
            "resourceType": "DiagnosticReport",
            "id": rid,
            "status": kw.pop("status", "final"),
            "category": [RAD],
            "code": code,
            "subject": {"reference": PAT},
            "effectiveDateTime": when,
            "issued": when + "T12:00:00+01:00",
            **kw,
        }
    )


def _lab(rid: str, loinc: str, value: float, unit: str) -> dict[str, Any]:
    return _entry(
        {
            "resourceType": "Observation",
            "id": rid,
            "status": "final",
            "code": _cc(LOINC, loinc),
            "subject": {"reference": PAT},
            "effectiveDateTime": "2021-01-10T08:00:00+01:00",
            "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
        }
    )


def _finding(rid: str, when: str, **kw: Any) -> dict[str, Any]:
    """A result Observation of the ParaReop profile, without a method (the report codes the study)."""
    return _entry(
        {
            "resourceType": "Observation",
            "id": rid,
            "status": "final",
            "code": _cc(PROFILE, "parathyroid-imaging"),
            "subject": {"reference": PAT},
            "effectiveDateTime": when,
            **kw,
        }
    )


def bundle() -> dict[str, Any]:
    """One patient, a CPT parathyroid operation, labs, and the radiology that followed it."""
    conclusion_positive = [
        _cc(system("imaging_results"), "positive"),
        _cc(system("sites"), "perrier_E"),
        _cc(SNOMED, "7771000"),  # left
    ]
    entries = [
        _entry(
            {
                "resourceType": "Patient",
                "id": "p1",
                "gender": "female",
                "birthDate": BORN,
                "name": [{"family": NAME}],
                "identifier": [{"system": "urn:mrn", "value": MRN}],
            }
        ),
        _entry(
            {
                "resourceType": "Procedure",
                "id": "op",
                "status": "completed",
                "subject": {"reference": PAT},
                "code": _cc(CPT, "60500"),
                "performedDateTime": DAY0.isoformat(),
            }
        ),
        _lab("ca", "17861-6", 11.2, "mg/dL"),
        _lab("pth", "2731-8", 150, "pg/mL"),
        # US Neck, conclusion coded: positive at Perrier E, left; the conclusion text must stay behind
        _report(
            "dr-us",
            _cc(LOINC, "24842-7"),
            "2021-02-01",
            conclusion=FREE_TEXT + ", likely parathyroid adenoma.",
            conclusionCode=conclusion_positive,
            imagingStudy=[{"reference": "ImagingStudy/is-us"}],
        ),
        _entry(
            {
                "resourceType": "ImagingStudy",
                "id": "is-us",
                "status": "available",
                "subject": {"reference": PAT},
                "started": "2021-02-01T09:00:00+01:00",
                "procedureCode": [_cc(LOINC, "24842-7")],
            }
        ),
        # sestamibi SPECT/CT by CPT, "no abnormality detected"
        _report(
            "dr-spectct",
            _cc(CPT, "78072"),
            "2021-03-01",
            conclusion="No focus of abnormal sestamibi retention.",
            conclusionCode=[_cc(SNOMED, "281900007")],
        ),
        # a plain CT of the neck is not a 4D-CT; a SPECT of no stated region is a generic NM study
        _report("dr-ctneck", _cc(LOINC, "36235-0"), "2021-03-05", conclusion="Unremarkable neck."),
        _report("dr-nm", _cc(LOINC, "43526-3"), "2021-03-06"),
        _report("dr-chest", _cc(LOINC, "24627-2"), "2021-03-07"),  # CT Chest: no row, modality not known
        # US Thyroid with a result Observation (equivocal at Perrier A, right): the result comes from it
        _report("dr-thy", _cc(LOINC, "25010-0"), "2021-04-01", result=[{"reference": "Observation/f-thy"}]),
        _finding(
            "f-thy",
            "2021-04-01",
            valueCodeableConcept=_cc(system("imaging_results"), "equivocal"),
            bodySite=_cc(system("sites"), "perrier_A"),
            component=[
                {
                    "code": _cc(PROFILE, "laterality"),
                    "valueCodeableConcept": _cc(SNOMED, "24028007"),  # right
                }
            ],
        ),
        # a planar scan whose only result Observation is free text: the study is done, unstructured
        _report("dr-planar", _cc(CPT, "78070"), "2021-05-01", result=[{"reference": "Observation/f-text"}]),
        _finding("f-text", "2021-05-01", valueString="Probable right inferior adenoma."),
        # nothing coded beyond the code: unstructured
        _report("dr-spect", _cc(CPT, "78071"), "2021-05-15", presentedForm=[{"contentType": "text/plain"}]),
        _report("dr-cancelled", _cc(CPT, "78071"), "2021-05-20", status="cancelled"),
        # an ImagingStudy with no report: done, its result not coded
        _entry(
            {
                "resourceType": "ImagingStudy",
                "id": "is-neck",
                "status": "available",
                "subject": {"reference": PAT},
                "started": "2021-06-01T10:00:00+02:00",
                "procedureCode": [_cc(CPT, "76536")],
                "note": [{"text": "Patient " + NAME + " moved during the scan."}],
            }
        ),
        _entry(
            {
                "resourceType": "ImagingStudy",
                "id": "is-dicom",
                "status": "available",
                "subject": {"reference": PAT},
                "started": "2021-06-02",
                "modality": [{"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "NM"}],
            }
        ),
    ]
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def _day(iso: str) -> int:
    return (dt.date.fromisoformat(iso) - DAY0).days


def test_fixture_file_is_the_generated_bundle() -> None:
    assert json.loads(FIXTURE.read_text()) == bundle()


def test_reports_become_imaging_entries() -> None:
    got = import_bundle(bundle())
    assert got.case["imaging"] == [
        {
            "modality": "ultrasound",
            "result": "positive",
            "site": "perrier_E",
            "side": "left",
            "day": _day("2021-02-01"),
        },
        {"modality": "sestamibi_spect_ct", "result": "negative", "day": _day("2021-03-01")},
        {
            "modality": "ultrasound",
            "result": "equivocal",
            "site": "perrier_A",
            "side": "right",
            "day": _day("2021-04-01"),
        },
        {"modality": "sestamibi_planar", "result": "unstructured", "day": _day("2021-05-01")},
        {"modality": "sestamibi_spect", "result": "unstructured", "day": _day("2021-05-15")},
        {"modality": "ultrasound", "result": "unstructured", "day": _day("2021-06-01")},
    ]


def test_what_is_not_a_study_of_a_known_modality_is_warned() -> None:
    text = "\n".join(import_bundle(bundle()).warnings)
    assert "DiagnosticReport/dr-ctneck: code http://loinc.org|36235-0 (CT Neck W contrast IV)" in text
    assert "is not a 4D-CT; study not imported" in text
    assert "DiagnosticReport/dr-nm: code http://loinc.org|43526-3" in text and "does not say which" in text
    assert "http://loinc.org|24627-2: modality not known" in text
    assert "DiagnosticReport/dr-cancelled: status 'cancelled'" in text
    assert "ImagingStudy/is-dicom: no procedureCode" in text
    assert (
        "DiagnosticReport/dr-planar (sestamibi_planar): its result Observations gave no imaging finding"
        in text
    )
    assert (
        "DiagnosticReport/dr-spect (sestamibi_spect): no coded result "
        "(no readable result Observation, no conclusionCode)" in text
    )
    assert "'unstructured'" in text and "to review" in text
    assert "CPT 78072: parathyroid scintigraphy whose tracer the code does not name" in text
    assert "LOINC 25010-0 is a thyroid ultrasound" in text and "CPT 76536 also codes a thyroid-only" in text
    assert "DiagnosticReport/dr-us: free-text conclusion / presentedForm not read" in text
    assert "ImagingStudy/is-neck: free-text note not read" in text


def test_no_free_text_or_identifier_leaves() -> None:
    got = import_bundle(bundle())
    blob = json.dumps(got.case) + "\n".join(got.warnings)
    for secret in (FREE_TEXT, "sestamibi retention", "Unremarkable", "Probable right", MRN, NAME, BORN):
        assert secret not in blob
    case_text = json.dumps(got.case)
    assert "dr-" not in case_text and "is-" not in case_text and "2021" not in case_text


def test_unstructured_studies_are_planned_as_done_and_to_review() -> None:
    plan = plan_dict(import_bundle(bundle()).case).to_json()
    review = [w for w in plan["warnings"] if "unstructured" in w]
    assert len(review) == 3, plan["warnings"]


def test_without_result_observations_the_old_round_trip_still_holds() -> None:
    """A report whose result Observations imported adds no second study."""
    b = bundle()
    b["entry"] = [
        e for e in b["entry"] if e["resource"]["id"] in ("p1", "op", "ca", "pth", "dr-thy", "f-thy")
    ]
    assert [im["result"] for im in import_bundle(b).case["imaging"]] == ["equivocal"]


def test_cli_writes_the_warnings_beside_the_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f, out, warn = tmp_path / "bundle.json", tmp_path / "case.json", tmp_path / "case.warnings.json"
    f.write_text(json.dumps(bundle()))
    assert main(["import-fhir", str(f), "-o", str(out), "--warnings", str(warn)]) == 0
    err = capsys.readouterr().err
    case, written = json.loads(out.read_text()), json.loads(warn.read_text())
    assert written["case_id"] == case["id"] and set(case) >= {"imaging", "labs"}
    assert written["warnings"] and all(f"parareop: warning: {w}" in err for w in written["warnings"])
    assert any("36235-0" in w for w in written["warnings"])
    assert FREE_TEXT not in warn.read_text() and MRN not in warn.read_text()


# ------------------------------------------------------------------------------------------ the tables


def test_radiology_table_names_contract_modalities_in_the_ontology() -> None:
    kn = knowledge()
    rows = read_tsv("radiology.tsv")
    assert rows
    for r in rows:
        assert r["source"].strip() and r["display"].strip(), r
        if r["modality"]:
            assert r["modality"] in VOCAB["modalities"], r
            assert kn.iri("modalities", r["modality"]), r  # maps to an ontology individual
        else:
            assert r["warning"], f"{r['code']}: a code that names no modality says why"
    mapped = {(r["system"], r["code"]): r["modality"] for r in rows}
    assert mapped[(LOINC, "24842-7")] == "ultrasound"
    assert mapped[(CPT, "78070")] == "sestamibi_planar" and mapped[(CPT, "78071")] == "sestamibi_spect"
    assert mapped[(CPT, "78072")] == "sestamibi_spect_ct"
    for code in ("36051-1", "36235-0", "36514-8", "30586-2"):  # CT neck is never a 4D-CT
        assert mapped[(LOINC, code)] == ""
    assert "ct_4d" not in mapped.values()  # no standard 4D-CT code was verified


def test_conclusion_table_gives_contract_results() -> None:
    m = maps()
    assert set(m.conclusions.values()) <= set(VOCAB["imaging_results"])
    assert m.conclusion_result([{"system": SNOMED, "code": "281900007"}]) == "negative"
    assert (
        m.conclusion_result([{"system": system("imaging_results"), "code": "unstructured"}]) == "unstructured"
    )
    assert m.conclusion_result([{"system": SNOMED, "code": "17621005"}]) is None  # not listed: never guessed
    for r in read_tsv("radiology_conclusions.tsv"):
        assert r["source"].strip(), r
