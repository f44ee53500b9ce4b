"""Reading a Bundle: its type, its entries validated one by one, whether it is complete, and
the chosen patient's resources indexed by reference (the first step of the FHIR import).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from clinical import fhir_patients
from clinical.fhir_base import (
    FhirImportError,
    _ref,
    _Run,
)

BUNDLE_TYPES = ("searchset", "collection")
USED_TYPES = (
    "Patient",
    "Observation",
    "Procedure",
    "Condition",
    "FamilyMemberHistory",
    "MedicationStatement",
    "MedicationRequest",
    "Medication",
    "DiagnosticReport",
    "ImagingStudy",
)


def _validation_message(exc: ValidationError) -> str:
    errs = exc.errors()
    first = errs[0]
    loc = ".".join(str(x) for x in first["loc"]) or "(resource)"
    more = f" (and {len(errs) - 1} more)" if len(errs) > 1 else ""
    return f"{loc}: {first['msg'].splitlines()[0].strip()}{more}"


def _check_bundle(data: Any) -> list[Any]:
    """The Bundle's entries, after checking that it is a Bundle this import reads."""
    if not isinstance(data, dict) or "resourceType" not in data:
        raise FhirImportError("not a FHIR resource (no 'resourceType'); expected a FHIR R4 Bundle in JSON")
    if data["resourceType"] != "Bundle":
        raise FhirImportError(f"expected a FHIR Bundle, found a {data['resourceType']!r} resource")
    if data.get("type") not in BUNDLE_TYPES:
        raise FhirImportError(
            f"Bundle.type is {data.get('type')!r}; expected one of: {', '.join(BUNDLE_TYPES)}"
        )
    entries = data.get("entry") or []
    if not isinstance(entries, list):
        raise FhirImportError("Bundle.entry is not a list")
    shell = {k: v for k, v in data.items() if k != "entry"}
    shell["entry"] = [
        {k: v for k, v in e.items() if k != "resource"} if isinstance(e, dict) else e for e in entries
    ]
    try:
        Bundle.model_validate(shell)
    except ValidationError as exc:
        raise FhirImportError(f"not a valid FHIR R4 Bundle: {_validation_message(exc)}") from exc
    return entries


def completeness(data: dict[str, Any], entries: list[Any]) -> list[str]:
    """Warnings for a Bundle that is only part of the record (a page of a searchset).

    An EHR answers a search in pages; importing page 1 as if it were the whole record
    would plan on missing labs or operations without anyone knowing. So a ``next`` link,
    or a ``total`` above the matches present, is said in the warnings.
    """
    out = []
    links = [x for x in data.get("link") or [] if isinstance(x, dict)]
    if any(x.get("relation") == "next" for x in links):
        out.append(
            "INCOMPLETE DATA: the Bundle is one page of a searchset (it has a 'next' link); "
            "the other pages were not read, so the plan may miss data"
        )
    total = data.get("total")
    modes = [((e.get("search") or {}).get("mode")) for e in entries if isinstance(e, dict)]
    matches = sum(1 for m in modes if m == "match") if any(modes) else len(modes)
    if isinstance(total, int) and total > matches:
        out.append(
            f"INCOMPLETE DATA: Bundle.total is {total} but only {matches} matching entries are present; "
            "the plan may miss data"
        )
    return out


def _parse(data: Any) -> tuple[list[tuple[str | None, Any]], Counter[str], list[str]]:
    """Validate the Bundle and its used resources: (fullUrl, model) pairs, counts of the rest,
    and warnings. An invalid resource is skipped with a warning naming it and its field, so
    one bad Observation does not cost the whole record; an invalid Patient keeps its id and
    fullUrl (a stub), so that its resources are still told apart from another patient's."""
    entries = _check_bundle(data)
    warnings = completeness(data, entries)
    used: list[tuple[str | None, Any]] = []
    ignored: Counter[str] = Counter()
    for i, e in enumerate(entries):
        res = e.get("resource") if isinstance(e, dict) else None
        if not isinstance(res, dict):
            continue
        rtype = res.get("resourceType")
        if rtype not in USED_TYPES:
            ignored[str(rtype)] += 1
            continue
        full_url = e.get("fullUrl") if isinstance(e.get("fullUrl"), str) else None
        model = _model(i, str(rtype), res, warnings)
        if model is not None:
            used.append((full_url, model))
    return used, ignored, warnings


def _model(i: int, rtype: str, res: dict[str, Any], warnings: list[str]) -> Any | None:
    """The validated model of one entry's resource, or None (with a warning) when invalid."""
    cls = get_fhir_model_class(rtype)
    try:
        return cls.model_validate(res)
    except ValidationError as exc:
        rid = res.get("id") if isinstance(res.get("id"), str) else "?"
        kept = "only its id is kept (no sex, no age)" if rtype == "Patient" else "not imported"
        warnings.append(
            f"Bundle.entry[{i}] ({rtype}/{rid}) is not valid FHIR R4 ({_validation_message(exc)}); {kept}"
        )
    if rtype != "Patient":
        return None
    try:
        return cls.model_validate({"resourceType": "Patient", "id": res.get("id")})
    except ValidationError:
        return cls.model_validate({"resourceType": "Patient"})


def _prepare(data: Any, patient: str | None, run: _Run) -> dict[str, list[Any]]:
    """Parse, index and keep the chosen patient's resources, grouped by resource type."""
    used, ignored, warnings = _parse(data)
    run.warnings.extend(warnings)
    for full_url, res in used:
        if full_url:
            run.by_ref[full_url] = res
        if res.id:
            run.by_ref[f"{res.get_resource_type()}/{res.id}"] = res
    if ignored:
        run.warn(
            "resources not used by the import were ignored: "
            + ", ".join(f"{t} x{n}" for t, n in sorted(ignored.items()))
        )
    try:
        chosen = fhir_patients.select(used, patient, _ref)
    except fhir_patients.PatientError as exc:
        raise FhirImportError(str(exc)) from None
    run.warnings.extend(chosen.warnings)
    by_type: dict[str, list[Any]] = defaultdict(list)
    for res in chosen.resources:
        by_type[res.get_resource_type()].append(res)
    return by_type
