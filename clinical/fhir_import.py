"""FHIR R4 Bundle -> contract case (``contract/case.schema.json``).

``import_bundle(data)`` reads a Bundle (``searchset`` or ``collection``) with the
``fhir.resources`` R4B models (wire-compatible with R4 for every resource used here),
validates the codes itself against the tables of :mod:`clinical.fhir_maps`, and returns
the case plus a list of warnings: everything it could not map is listed there, nothing
is dropped silently and no free text is read.

Times become days relative to the most recent parathyroid ``Procedure`` (day 0). The case
carries no identifier: no name, no birth date, no calendar date, no resource id; its
``id`` is a hash of its own content unless the caller gives one. The profile (which code
carries what) is documented in the README, section "FHIR import".
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clinical.fhir_base import (
    FhirImportError,
    _codings,
    _Run,
)
from clinical.fhir_bundle import _prepare, completeness
from clinical.fhir_maps import maps
from clinical.fhir_observations import _Context, _Found, _iopth_series, _observation
from clinical.fhir_patient_data import _age, _conditions, _family, _medications, _patient
from clinical.fhir_procedures import _operations
from clinical.fhir_reports import _report_modalities, studies
from kg import strict_json
from kg.knowledge import Knowledge, knowledge
from kg.strict_json import FHIR_BUNDLE, JsonInputError, Parsed
from planner.validate import CaseError, validate_case

__all__ = [
    "FhirImportError",
    "ImportResult",
    "completeness",
    "import_bundle",
    "import_file",
    "read_fhir_json",
]

MAX_PROBLEMS_SHOWN = 10
"""How many problems of a refused file the one-line error names (the rest are counted)."""


@dataclass
class ImportResult:
    """The case, the warnings, and where the case came from in the EHR's own data: the Patient
    reference and the Observations used (``subject``, ``basis``). The two references never enter
    the case; a FHIR plan written back to the EHR cites them (``clinical.fhir_plan.Origin``)."""

    case: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    subject: str | None = None
    basis: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------- reading files


def read_fhir_json(path: Path) -> Parsed:
    """Parse a file that should hold a FHIR resource in JSON, strictly; a clear error otherwise.

    The strict reader (:mod:`kg.strict_json`, limits :data:`FHIR_BUNDLE`) refuses the whole
    file on a NaN, a duplicate key, a 5,000-digit number or nesting too deep, naming the field
    path: a lenient parse would let a duplicate key silently pick one of two values. An
    over-long note or attachment is dropped with a warning (the import never reads them). The
    size is checked before the file is read, so a huge file costs nothing.
    """
    try:
        size = path.stat().st_size
        if size > FHIR_BUNDLE.max_bytes:
            raise FhirImportError(
                f"{path}: {size} bytes is over the {FHIR_BUNDLE.name} limit of {FHIR_BUNDLE.max_bytes} bytes"
            )
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise FhirImportError(f"{path}: file not found") from exc
    except OSError as exc:
        raise FhirImportError(f"{path}: cannot read the file ({exc.__class__.__name__})") from exc
    try:
        return strict_json.loads(data, FHIR_BUNDLE)
    except JsonInputError as exc:
        raise FhirImportError(f"{path}: not a FHIR JSON file ({_problems(exc.problems)})") from None


def _problems(problems: list[tuple[str, str]], shown: int = MAX_PROBLEMS_SHOWN) -> str:
    """The first ``shown`` problems on one line (a Bundle with 10,000 NaNs gives a short message)."""
    text = "; ".join(f"{p}: {m}" for p, m in problems[:shown])
    if len(problems) > shown:
        text += f"; ... and {len(problems) - shown} more"
    return text.replace("\r", "\\r").replace("\n", "\\n")  # a key may hold a line break


def import_file(path: Path, patient: str | None = None, case_id: str | None = None) -> ImportResult:
    """Read a Bundle file and import it (see :func:`import_bundle`).

    What the strict reader dropped (an over-long note or attachment) comes first in the
    warnings, so the user learns that the file held more than the case shows.
    """
    try:
        parsed = read_fhir_json(path)
        result = import_bundle(parsed.value, patient=patient, case_id=case_id)
    except FhirImportError as exc:
        msg = str(exc)
        raise FhirImportError(msg if msg.startswith(str(path)) else f"{path}: {msg}") from exc
    result.warnings[:0] = parsed.warnings
    return result


def import_bundle(
    data: Any, patient: str | None = None, case_id: str | None = None, kn: Knowledge | None = None
) -> ImportResult:
    """Import a FHIR R4 Bundle as a contract case; raises :class:`FhirImportError`.

    Examples
    --------
    >>> import_bundle({"resourceType": "Patient"})
    Traceback (most recent call last):
    ...
    clinical.fhir_base.FhirImportError: expected a FHIR Bundle, found a 'Patient' resource
    """
    kn = kn or knowledge()
    run = _Run(kn, maps())
    by_type = _prepare(data, patient, run)
    operations, op_of_proc = _operations(by_type["Procedure"], run)
    obs = by_type["Observation"]
    ctx = _Context(
        operations,
        op_of_proc,
        _report_modalities(by_type["DiagnosticReport"], run),
        {
            id(run.resolve(h.reference))
            for o in obs
            if run.m.profile(_codings(o.code)) == "venous-sampling"
            for h in (o.hasMember or [])
        },
    )
    found = _Found()
    refs = _references(run)
    basis: list[str] = []
    for o in obs:
        before = _size(found)
        _observation(o, ctx, found, run)
        if _size(found) > before and id(o) in refs:
            basis.append(refs[id(o)])
    _iopth_series(found, operations, run)
    found.imaging.extend(
        studies(by_type["DiagnosticReport"], by_type["ImagingStudy"], found.imaging_from, run)
    )
    case = _assemble(by_type, operations, found, run)
    body = json.dumps({k: v for k, v in case.items() if k != "id"}, sort_keys=True)
    case["id"] = case_id or "fhir-" + hashlib.sha256(body.encode()).hexdigest()[:12]
    try:
        validate_case(copy.deepcopy(case), kn)  # the validator fills defaults in place
    except CaseError as exc:
        raise FhirImportError(f"the imported case is not valid: {exc}") from exc
    patients = by_type["Patient"]
    subject = refs.get(id(patients[0])) if len(patients) == 1 else None
    return ImportResult(case, run.warnings, subject, basis)


def _size(found: _Found) -> int:
    """How many findings the Observations gave so far (one that adds any was used)."""
    return (
        len(found.labs)
        + len(found.imaging)
        + len(found.venous)
        + len(found.fna)
        + len(found.flags)
        + sum(len(v) for v in found.iopth.values())
    )


def _references(run: _Run) -> dict[int, str]:
    """Per resource (``id()``), a reference the EHR can resolve: ``Type/id`` first, else an absolute
    ``fullUrl``. A ``urn:uuid`` only means something inside the Bundle, so it is never cited."""
    out: dict[int, str] = {}
    for ref, res in run.by_ref.items():
        if ref.startswith("urn:"):
            continue
        if "://" not in ref:
            out[id(res)] = ref
        else:
            out.setdefault(id(res), ref)
    return out


def _assemble(
    by_type: dict[str, list[Any]], operations: list[dict[str, Any]], found: _Found, run: _Run
) -> dict[str, Any]:
    case: dict[str, Any] = {"id": "", "title": "Imported from a FHIR R4 Bundle"}
    case["patient"] = _patient(by_type["Patient"], found.flags, run)
    _conditions(by_type["Condition"], case["patient"], run)
    _family(by_type["FamilyMemberHistory"], case["patient"], run)
    _medications(by_type["MedicationStatement"] + by_type["MedicationRequest"], case["patient"], run)
    case["operations"] = [{k: v for k, v in op.items() if not (k == "glands" and not v)} for op in operations]
    case["labs"] = sorted(found.labs, key=lambda x: (x["day"], x["analyte"]))
    case["imaging"] = sorted(found.imaging, key=lambda x: x["day"])
    case["venous_sampling"] = sorted(found.venous, key=lambda x: x["day"])
    case["fna"] = sorted(found.fna, key=lambda x: x["day"])
    for k in ("imaging", "venous_sampling", "fna"):
        if not case[k]:
            del case[k]
    _age(by_type["Patient"], case["patient"], run)
    for kind, counts in sorted(run.unmapped.items()):
        shown = "; ".join(f"{c} x{n}" for c, n in sorted(counts.items()))
        run.warn(f"{kind} not in the import's code tables, ignored: {shown}")
    return case
