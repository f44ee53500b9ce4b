"""Radiology reports become studies: DiagnosticReport and ImagingStudy -> ``imaging[]`` entries.

A report's code (LOINC, CPT) names a contract modality only through ``clinical/data/radiology.tsv``
or the local modalities code system; a code that does not say which modality (a plain CT of the
neck, a SPECT of an unspecified region) is warned, never guessed, because a wrong modality would
apply the wrong sensitivity. The result comes from structured data only: the report's result
Observations (read by :mod:`clinical.fhir_observations`, with the report's modality as their
hint), else ``conclusionCode`` through ``radiology_conclusions.tsv``; otherwise the study is
``unstructured``, which the planner counts as done without moving any probability and lists to
review. ``conclusion`` and ``presentedForm`` are never read: a free-text finding is the surgeon's
to code, not the importer's to parse.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from clinical.fhir_base import _codings, _date, _effective, _ref, _Run, _show

REPORT_OK = {"final", "amended", "corrected", "appended", "preliminary"}
STUDY_OK = {"available"}
UNSTRUCTURED = "unstructured"


def report_modality(codings: Iterable[Any], run: _Run) -> str | None:
    """The contract modality a report or study code names, silently (None when it does not)."""
    codings = list(codings)
    local = run.m.local_code(codings, "modalities")
    if local:
        return local
    row = run.m.radiology_row(codings)
    return row.modality or None if row else None


def _report_modalities(reports: list[Any], run: _Run) -> dict[int, str]:
    """Modality from DiagnosticReport.code for the result Observations it lists (their ``method``
    may be absent: an EHR codes the study on the report, not on each finding)."""
    hint: dict[int, str] = {}
    for r in reports:
        mod = report_modality(_codings(r.code), run)
        for ref in r.result or []:
            target = run.resolve(ref.reference)
            if target is not None and mod:
                hint[id(target)] = mod
    return hint


def studies(
    reports: list[Any], imaging_studies: list[Any], imported: set[int], run: _Run
) -> list[dict[str, Any]]:
    """Imaging entries for the reports whose result Observations gave none, and for the
    ImagingStudies no report points at (a study and its report are one study, not two).

    ``imported`` holds ``id()`` of the Observations already imported as imaging findings.
    """
    out: list[dict[str, Any]] = []
    covered: set[int] = set()
    for r in reports:
        for ref in r.imagingStudy or []:
            target = run.resolve(ref.reference)
            if target is not None:
                covered.add(id(target))
        item = _report(r, imported, run)
        if item:
            out.append(item)
    for s in imaging_studies:
        if id(s) not in covered:
            item = _study(s, run)
            if item:
                out.append(item)
    return out


def _report(r: Any, imported: set[int], run: _Run) -> dict[str, Any] | None:
    where = _ref(r)
    if r.conclusion or r.presentedForm:
        run.warn(f"{where}: free-text conclusion / presentedForm not read")
    results = [run.resolve(x.reference) for x in r.result or []]
    if any(t is not None and id(t) in imported for t in results):
        row = run.m.radiology_row(_codings(r.code))
        if row and row.modality and row.warning:  # the findings took their modality from this code
            run.warn(f"{where} ({row.system}|{row.code}): {row.warning}")
        return None  # its result Observations carry the findings
    if not _status_ok(r.status, REPORT_OK, where, run):
        return None
    modality = _modality(r.code, f"{where}: code", where, run)
    if modality is None:
        return None
    d = _effective(r)
    if d is None:
        run.warn(f"{where} ({modality}): no effective date (or only a partial one); study not imported")
        return None
    if results:
        run.warn(f"{where} ({modality}): its result Observations gave no imaging finding")
    item = {"modality": modality, **_conclusion(r.conclusionCode, modality, where, run)}
    item["day"] = run.day(d)
    return item


def _study(s: Any, run: _Run) -> dict[str, Any] | None:
    """An ImagingStudy with no report in the Bundle: the study was done, its result is not coded."""
    where = _ref(s)
    if s.note:
        run.warn(f"{where}: free-text note not read")
    if not _status_ok(s.status, STUDY_OK, where, run):
        return None
    if not s.procedureCode:
        run.warn(
            f"{where}: no procedureCode; the series modality (DICOM) alone does not say which "
            "contract modality; study not imported"
        )
        return None
    modality = _modality(s.procedureCode, f"{where}: procedureCode", where, run)
    if modality is None:
        return None
    d = _date(s.started) if s.started is not None else None
    if d is None:
        run.warn(f"{where} ({modality}): no start date (or only a partial one); study not imported")
        return None
    _warn_unstructured(where, modality, "an ImagingStudy carries no result", run)
    return {"modality": modality, "result": UNSTRUCTURED, "day": run.day(d)}


def _status_ok(status: str | None, ok: set[str], where: str, run: _Run) -> bool:
    if status not in ok:
        run.warn(f"{where}: status '{status}' (not a completed study); not imported")
        return False
    if status == "preliminary":
        run.warn(f"{where}: preliminary report imported")
    return True


def _modality(concept: Any, what: str, where: str, run: _Run) -> str | None:
    """The modality a code names, or None with a warning saying why (unknown, or not said)."""
    codings = _codings(concept)
    local = run.m.local_code(codings, "modalities")
    if local:
        return local
    row = run.m.radiology_row(codings)
    if row is None:
        run.warn(
            f"{what} {_show(concept)}: modality not known "
            "(not in clinical/data/radiology.tsv; never guessed); study not imported, its text is not read"
        )
        return None
    if not row.modality:
        run.warn(
            f"{what} {row.system}|{row.code} ({row.display}) does not say which modality: {row.warning}; "
            "study not imported"
        )
        return None
    if row.warning:
        run.warn(f"{where} ({row.system}|{row.code}): {row.warning}")
    return row.modality


def _conclusion(concepts: list[Any] | None, modality: str, where: str, run: _Run) -> dict[str, Any]:
    """result / site / side from conclusionCode; ``unstructured`` when it does not say them."""
    codings = _codings(concepts)
    if not codings:
        _warn_unstructured(
            where, modality, "no coded result (no readable result Observation, no conclusionCode)", run
        )
        return {"result": UNSTRUCTURED}
    result = run.m.conclusion_result(codings)
    site, side = run.m.site(codings), run.m.side(codings)
    if result is None:
        _warn_unstructured(
            where, modality, f"conclusionCode {_show(concepts)} gives no result in the tables", run
        )
        return {"result": UNSTRUCTURED}
    if result in ("positive", "equivocal") and site is None:
        _warn_unstructured(where, modality, f"a {result} conclusionCode without a coded site", run)
        return {"result": UNSTRUCTURED}
    item: dict[str, Any] = {"result": result}
    if site and result != UNSTRUCTURED:
        item["site"] = site
        if side:
            item["side"] = side
    return item


def _warn_unstructured(where: str, modality: str, why: str, run: _Run) -> None:
    run.warn(
        f"{where} ({modality}): {why}; imported as result 'unstructured' (counted as done, moves no "
        "probability, to review: code its result in the case editor)"
    )
