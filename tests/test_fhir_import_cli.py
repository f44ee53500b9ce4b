"""``parareop import-fhir`` on the command line: the case and its warnings written, one-line errors,
strict JSON, refused fields named, reader warnings kept, oversized files refused unread."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest

from clinical.fhir_import import FhirImportError, import_bundle, import_file
from kg.strict_json import FHIR_BUNDLE
from tests.fhir_writer import case_to_bundle
from tests.test_fhir_import import _case
from ui.cli import main

# ------------------------------------------------------------------------------------------ CLI


def test_cli_writes_the_case_and_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "bundle.json"
    f.write_text(json.dumps(case_to_bundle(_case("ex-05-thyroid-nodule-washout"))))
    assert main(["import-fhir", str(f), "--case-id", "ex-05"]) == 0
    out, err = capsys.readouterr()
    case = json.loads(out)
    assert case["id"] == "ex-05" and case["fna"][0]["pth_washout"] == 14500
    assert "parareop: warning:" in err
    assert main(["import-fhir", str(f), "--plan"]) == 0
    captured = capsys.readouterr()
    plan = json.loads(captured.out)
    assert plan["decision"] == "operate" and plan["operations"][0]["operation"] == "hemithyroidectomy"
    # every import warning also travels with the plan, not only on stderr
    lines = captured.err.splitlines()
    said = [x.removeprefix("parareop: warning: ") for x in lines if x.startswith("parareop: warning: ")]
    assert said and all(f"FHIR import: {w}" in plan["warnings"] for w in said)


def test_cli_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "notes.txt"
    f.write_text("Patient seen in clinic. Calcium 11.2.")
    assert main(["import-fhir", str(f)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a FHIR JSON file" in err and str(f) in err
    assert main(["import-fhir", str(tmp_path / "missing.json")]) == 1
    assert "file not found" in capsys.readouterr().err


def _bundle_text(stem: str = "ex-05-thyroid-nodule-washout") -> str:
    return json.dumps(case_to_bundle(_case(stem)), indent=1)


@pytest.mark.parametrize(
    ("damage", "path", "message"),
    [
        (
            lambda t: t.replace('"value": 14500', '"value": NaN', 1),
            ".valueQuantity.value",
            "not a finite number",
        ),
        (
            lambda t: t.replace('"status": "final"', '"status": "final", "status": "cancelled"', 1),
            ".status",
            "appears more than once",
        ),
        (
            lambda t: t.replace('"value": 14500', '"value": ' + "9" * 5000, 1),
            ".valueQuantity.value",
            "too long",
        ),
        (lambda t: t.replace('"value": 14500', '"value": ' + "[" * 60 + "]" * 60, 1), "", "nested deeper"),
    ],
    ids=["nan", "duplicate-key", "5000-digit-number", "deep-nesting"],
)
def test_cli_refuses_a_bundle_that_is_not_strict_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: Any, path: str, message: str
) -> None:
    """The whole file is refused, naming the field path; exit 1 as for any unreadable bundle."""
    text = _bundle_text()
    damaged = damage(text)
    assert damaged != text
    f = tmp_path / "bundle.json"
    f.write_text(damaged)
    assert main(["import-fhir", str(f)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert "not a FHIR JSON file" in err and message in err and str(f) in err
    assert re.search(r"entry\[\d+\]\.resource" + re.escape(path), err), err


def test_import_file_names_every_refused_field_and_caps_the_message(tmp_path: Path) -> None:
    bundle = case_to_bundle(_case("ex-05-thyroid-nodule-washout"))
    text = json.dumps(bundle).replace('"status": "final"', '"status": NaN')
    f = tmp_path / "bundle.json"
    f.write_text(text)
    with pytest.raises(FhirImportError) as info:
        import_file(f)
    msg = str(info.value)
    assert "\n" not in msg and msg.count("not a finite number") <= 10
    if text.count("NaN") > 10:
        assert f"and {text.count('NaN') - 10} more" in msg


def test_reader_warnings_for_dropped_fields_come_with_the_import(tmp_path: Path) -> None:
    """An over-long attachment is dropped by the strict reader and said so in the import's warnings."""
    bundle = case_to_bundle(_case("ex-05-thyroid-nodule-washout"))
    report = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "DiagnosticReport"
    )
    report["presentedForm"] = [
        {"contentType": "application/pdf", "data": "QUJD" * (FHIR_BUNDLE.max_string_chars // 4 + 1)}
    ]
    f = tmp_path / "bundle.json"
    f.write_text(json.dumps(bundle))
    result = import_file(f, case_id="ex-05")
    dropped = [w for w in result.warnings if "its text was dropped" in w]
    assert len(dropped) == 1 and ".presentedForm[0].data" in dropped[0]
    plain = import_bundle(case_to_bundle(_case("ex-05-thyroid-nodule-washout")), case_id="ex-05")
    assert result.case == plain.case


def test_oversized_bundle_file_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = tmp_path / "bundle.json"
    f.write_text(_bundle_text())
    monkeypatch.setattr("clinical.fhir_import.FHIR_BUNDLE", dataclasses.replace(FHIR_BUNDLE, max_bytes=100))
    with pytest.raises(FhirImportError, match="over the FHIR Bundle limit of 100 bytes"):
        import_file(f)
