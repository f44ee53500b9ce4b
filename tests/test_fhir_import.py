"""FHIR R4 import: round trips of the example cases, mapping of standard codes, warnings for
what cannot be mapped, clear errors and no identifiers in the case (the CLI: test_fhir_import_cli)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinical.fhir_import import FhirImportError, import_bundle, import_file
from clinical.fhir_maps import LOINC, PROFILE, SNOMED, UBERON, UCUM, system
from planner.contract_files import shared_dir
from planner.pipeline import plan_dict
from tests.fhir_writer import case_to_bundle

PTH5 = {"value": 5, "unit": "pg/mL", "system": UCUM, "code": "pg/mL"}
CASES = sorted(p for p in (shared_dir() / "cases").glob("ex-*.json"))


def _case(stem: str) -> dict[str, Any]:
    return json.loads((shared_dir() / "cases" / f"{stem}.json").read_text())


def _without_text(case: dict[str, Any]) -> dict[str, Any]:
    """The case without free text and id (the import reads no free text)."""
    c = copy.deepcopy(case)
    for k in ("id", "title", "note"):
        c.pop(k, None)
    c.get("patient", {}).pop("note", None)
    for op in c.get("operations", []):
        op.pop("note", None)
    for item in c.get("imaging", []):
        item.pop("note", None)
    for k in ("labs", "imaging", "venous_sampling", "fna"):
        if k in c:
            c[k] = sorted(c[k], key=lambda x: json.dumps(x, sort_keys=True))
    return c


def _key(case: dict[str, Any]) -> tuple[Any, ...]:
    p = plan_dict(case)
    top = (p.locations[0].site, p.locations[0].side) if p.locations else None
    return p.decision, p.diagnosis, top, p.operations[0].operation if p.operations else None


def _obs(code: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": code,
        "subject": {"reference": "Patient/pat-1"},
        **kw,
    }


def _add(bundle: dict[str, Any], res: dict[str, Any], rid: str) -> dict[str, Any]:
    bundle["entry"].append({"fullUrl": f"urn:uuid:extra-{rid}", "resource": {**res, "id": rid}})
    return bundle


def _lab(code: str, value: float, unit: str, date: str = "2019-10-01", **kw: Any) -> dict[str, Any]:
    return _obs(
        {"coding": [{"system": LOINC, "code": code}]},
        effectiveDateTime=date,
        valueQuantity={"value": value, "unit": unit, "system": UCUM, "code": unit},
        **kw,
    )


# ------------------------------------------------------------------------------------------ round trip


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_round_trip_gives_the_same_case_and_plan(path: Path) -> None:
    case = json.loads(path.read_text())
    result = import_bundle(case_to_bundle(case))
    assert _without_text(result.case) == _without_text(case)
    assert _key(result.case) == _key(case)
    # the only warnings are about free text that was left behind
    assert all("free-text" in w or "no structured result" in w for w in result.warnings), result.warnings


def test_searchset_bundle_with_search_modes_imports_the_same() -> None:
    case = _case("ex-07-men1-forearm-graft")
    bundle = case_to_bundle(case, bundle_type="searchset")
    for e in bundle["entry"]:
        e["search"] = {"mode": "match"}
    bundle["total"] = len(bundle["entry"])
    assert _without_text(import_bundle(bundle).case) == _without_text(case)


def test_case_carries_no_identifier() -> None:
    case = _case("ex-04-missing-left-inferior")
    bundle = case_to_bundle(case, pid="MRN-0042")
    text = json.dumps(import_bundle(bundle).case)
    assert "Testperson" not in text and "Ada" not in text
    assert "MRN-0042" not in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text), "no calendar dates"
    patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    assert patient["birthDate"] not in text


def test_case_id_is_a_content_hash_unless_given() -> None:
    bundle = case_to_bundle(_case("ex-02-three-weeks-postop"))
    a, b = import_bundle(bundle).case["id"], import_bundle(copy.deepcopy(bundle)).case["id"]
    assert a == b and a.startswith("fhir-")
    assert import_bundle(bundle, case_id="unit-17").case["id"] == "unit-17"


# ------------------------------------------------------------------------------------------ standard codes


def test_standard_codes_map_and_units_stay_as_given() -> None:
    case = _case("ex-12-negative-imaging")
    bundle = case_to_bundle(case)
    # a molar calcium (LOINC 2000-8), a UBERON + laterality gland, an imaging finding in the anterior
    # mediastinum by UBERON, an ATC-coded thiazide and a MONDO-coded syndrome
    _add(bundle, _lab("2000-8", 2.7, "mmol/L", "2019-10-02"), "ca-molar")
    _add(
        bundle,
        _obs(
            {"coding": [{"system": PROFILE, "code": "parathyroid-imaging"}]},
            effectiveDateTime="2019-10-20",
            method={"coding": [{"system": system("modalities"), "code": "fch_pet_ct"}]},
            bodySite={"coding": [{"system": UBERON, "code": "UBERON:0008820"}]},
            valueCodeableConcept={"coding": [{"system": system("imaging_results"), "code": "positive"}]},
            component=[
                {
                    "code": {"coding": [{"system": PROFILE, "code": "lesion-size"}]},
                    "valueQuantity": {"value": 1.2, "unit": "cm", "system": UCUM, "code": "cm"},
                }
            ],
        ),
        "pet",
    )
    _add(
        bundle,
        {
            "resourceType": "MedicationStatement",
            "status": "active",
            "subject": {"reference": "Patient/pat-1"},
            "medicationCodeableConcept": {
                "coding": [{"system": "http://www.whocc.no/atc", "code": "C03AA03"}]
            },
        },
        "hctz",
    )
    _add(
        bundle,
        {
            "resourceType": "Condition",
            "subject": {"reference": "urn:uuid:pat-1"},
            "code": {
                "coding": [{"system": "http://purl.obolibrary.org/obo/mondo.owl", "code": "MONDO:0007540"}]
            },
        },
        "men1",
    )
    gland = next(
        e["resource"]
        for e in bundle["entry"]
        if e["resource"].get("bodySite", {}).get("coding", [{}])[0].get("code") == "left_superior"
    )
    gland["bodySite"] = {"coding": [{"system": UBERON, "code": "UBERON:0006749"}]}
    gland.setdefault("component", []).append(
        {
            "code": {"coding": [{"system": PROFILE, "code": "laterality"}]},
            "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": "7771000"}]},
        }
    )
    out = import_bundle(bundle).case
    assert {"analyte": "calcium_total", "value": 2.7, "unit": "mmol/L", "day": 202} in out["labs"]
    pet = [i for i in out["imaging"] if i["modality"] == "fch_pet_ct"]
    assert pet == [
        {
            "modality": "fch_pet_ct",
            "result": "positive",
            "site": "anterior_mediastinum",
            "size_mm": 12,
            "day": 220,
        }
    ]
    assert out["patient"]["medications"] == ["thiazide"]
    assert out["patient"]["syndromes"] == ["MEN1"]
    positions = {g["position"] for g in out["operations"][0]["glands"]}
    assert positions == {"left_superior", "left_inferior", "right_superior", "right_inferior"}


def test_day_zero_is_the_most_recent_parathyroid_operation() -> None:
    case = _case("ex-04-missing-left-inferior")
    bundle = case_to_bundle(case)
    # an earlier parathyroid operation and a later thyroid lobectomy
    for rid, date, code in (
        ("old", "2011-05-02", "bilateral_exploration"),
        ("late", "2019-12-01", "hemithyroidectomy"),
    ):
        _add(
            bundle,
            {
                "resourceType": "Procedure",
                "status": "completed",
                "subject": {"reference": "Patient/pat-1"},
                "code": {"coding": [{"system": system("prior_procedures"), "code": code}]},
                "performedDateTime": date,
            },
            rid,
        )
    result = import_bundle(bundle)
    days = [op["day"] for op in result.case["operations"]]
    assert days == [-2873, 0]
    assert any("Procedure/late" in w and "after the last parathyroid operation" in w for w in result.warnings)


# ------------------------------------------------------------------------------------------ warnings


def test_what_cannot_be_mapped_is_listed_not_dropped_silently() -> None:
    bundle = case_to_bundle(_case("ex-06-four-glands-seen"))
    _add(bundle, _lab("718-7", 13.1, "g/dL"), "hb")  # haemoglobin: not a ParaReop analyte
    _add(
        bundle,
        _obs(
            {"coding": [{"system": PROFILE, "code": "parathyroid-imaging"}]},
            effectiveDateTime="2019-10-20",
            method={"coding": [{"system": system("modalities"), "code": "ultrasound"}]},
            bodySite={"coding": [{"system": UBERON, "code": "UBERON:0002046"}]},  # thyroid gland: ambiguous
            valueCodeableConcept={"coding": [{"system": system("imaging_results"), "code": "positive"}]},
        ),
        "us-thyroid",
    )
    _add(
        bundle,
        {
            "resourceType": "DiagnosticReport",
            "status": "final",
            "subject": {"reference": "Patient/pat-1"},
            "code": {"text": "MIBI"},
            "conclusion": "Focus at the left lower pole, likely parathyroid adenoma.",
        },
        "text-only",
    )
    _add(bundle, {"resourceType": "Encounter", "status": "finished", "class": {"code": "AMB"}}, "enc")
    _add(
        bundle,
        _lab("2731-8", 5, "pg/mL") | {"valueQuantity": {**PTH5, "comparator": "<"}},
        "pth-lt",
    )
    result = import_bundle(bundle)
    text = "\n".join(result.warnings)
    assert "http://loinc.org|718-7" in text
    assert "Observation/us-thyroid" in text and "UBERON:0002046" in text
    assert "DiagnosticReport/text-only" in text and "not read" in text
    assert "Encounter x1" in text
    assert "'<5' imported as 5" in text
    assert "lower pole" not in json.dumps(result.case)  # free text is never read
    assert not any(
        i.get("modality") == "ultrasound" and i.get("day") == 220 for i in result.case.get("imaging", [])
    )


# ------------------------------------------------------------------------------------------ errors


def test_unknown_unit_skips_that_lab_with_a_warning_naming_it() -> None:
    base = _case("ex-04-missing-left-inferior")
    bundle = _add(case_to_bundle(base), _lab("17861-6", 5.6, "meq/L"), "ca-meq")
    got = import_bundle(bundle)
    assert any("Observation/ca-meq (calcium_total): unknown unit 'meq/L'" in w for w in got.warnings)
    assert _without_text(got.case) == _without_text(base)  # the rest of the Bundle imports


def test_unit_of_the_wrong_kind_skips_that_lab_with_a_warning() -> None:
    base = _case("ex-04-missing-left-inferior")
    bundle = _add(case_to_bundle(base), _lab("17861-6", 5.6, "pg/mL"), "ca-pg")
    got = import_bundle(bundle)
    assert any("'pg/mL' is not a unit for calcium_total" in w for w in got.warnings)
    assert _without_text(got.case) == _without_text(base)


def test_missing_procedure_is_a_clear_error() -> None:
    bundle = case_to_bundle(_case("ex-04-missing-left-inferior"))
    bundle["entry"] = [e for e in bundle["entry"] if e["resource"]["resourceType"] != "Procedure"]
    with pytest.raises(FhirImportError, match="no completed parathyroid Procedure"):
        import_bundle(bundle)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"hello": "world"}, "not a FHIR resource"),
        ([1, 2, 3], "not a FHIR resource"),
        ({"resourceType": "Patient", "id": "x"}, "expected a FHIR Bundle, found a 'Patient'"),
        ({"resourceType": "Bundle", "type": "transaction", "entry": []}, "Bundle.type is 'transaction'"),
        (
            {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [{"resource": {"resourceType": "Observation", "status": "final"}}],
            },
            "no completed parathyroid Procedure",  # the invalid Observation is skipped, then nothing is left
        ),
    ],
)
def test_non_fhir_input_is_a_clear_error(data: Any, message: str) -> None:
    with pytest.raises(FhirImportError, match=message):
        import_bundle(data)


def test_several_patients_need_a_choice() -> None:
    a = case_to_bundle(_case("ex-04-missing-left-inferior"), pid="a")
    b = case_to_bundle(_case("ex-10-low-pth-hypercalcaemia"), pid="b")
    for e in b["entry"]:
        e["fullUrl"] = e["fullUrl"].replace("urn:uuid:", "urn:uuid:b-")
        e["resource"]["id"] = "b-" + e["resource"]["id"] if e["resource"]["id"] != "b" else "b"
    both = {"resourceType": "Bundle", "type": "searchset", "entry": a["entry"] + b["entry"]}
    with pytest.raises(FhirImportError, match="2 patients; choose one with --patient"):
        import_bundle(both)
    with pytest.raises(FhirImportError, match="no data for patient 'c'"):
        import_bundle(both, patient="c")
    got = import_bundle(both, patient="b")
    assert _without_text(got.case) == _without_text(_case("ex-10-low-pth-hypercalcaemia"))
    assert any("other patients were ignored" in w for w in got.warnings)


# ------------------------------------------------------------------------------------------ robustness

BASES = [case_to_bundle(json.loads(p.read_text())) for p in CASES]
ANY_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["value", "code", "system", "unit", "reference", "coding", "start"]),
            inner,
            max_size=3,
        )
    ),
    max_leaves=10,
)
FIELDS = [
    "valueQuantity",
    "effectiveDateTime",
    "bodySite",
    "component",
    "code",
    "method",
    "valueCodeableConcept",
    "partOf",
    "hasMember",
    "status",
    "performedDateTime",
    "subject",
    "referenceRange",
    "birthDate",
    "medicationCodeableConcept",
    "condition",
    "result",
]


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_any_damaged_bundle_gives_a_case_or_a_clear_error(data: st.DataObject) -> None:
    bundle = copy.deepcopy(data.draw(st.sampled_from(BASES)))
    for _ in range(data.draw(st.integers(1, 4))):
        res = data.draw(st.sampled_from(bundle["entry"]))["resource"]
        key = data.draw(st.sampled_from(FIELDS))
        if data.draw(st.booleans()):
            res.pop(key, None)
        else:
            res[key] = data.draw(ANY_JSON)
    try:
        result = import_bundle(bundle)
    except FhirImportError as exc:
        assert "\n" not in str(exc)
    else:
        assert result.case["id"] and isinstance(result.warnings, list)


def test_an_over_long_narrative_keeps_its_resource(tmp_path: Path) -> None:
    """A 200 KB narrative is never read: its text is replaced, and the resource still imports."""
    bundle = case_to_bundle(_case("ex-05-thyroid-nodule-washout"))
    patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    body = "<p>" + "history " * 25_000 + "</p>"
    patient["text"] = {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'}
    f = tmp_path / "bundle.json"
    f.write_text(json.dumps(bundle))
    result = import_file(f, case_id="ex-05")
    assert any(".text.div" in w and "its text was dropped" in w for w in result.warnings)
    plain = import_bundle(case_to_bundle(_case("ex-05-thyroid-nodule-washout")), case_id="ex-05")
    assert result.case == plain.case
