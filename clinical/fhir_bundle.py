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
from clinical.fhir_maps import Maps
from clinical.fhir_patients import Unread

#: Observation statuses that are results (the others are warned about one by one, so they are read).
RESULT_STATUSES = frozenset({"final", "amended", "corrected", "preliminary"})

INCOMPLETE = "INCOMPLETE DATA: "
"""How a completeness warning begins (``completeness``; the plan's completeness gate reads them)."""
BUNDLE_TYPES = ("searchset", "collection")
SEARCH_MODES = ("match", "include", "outcome", None)
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
    try:
        Bundle.model_validate(shell)
    except ValidationError as exc:
        raise FhirImportError(f"not a valid FHIR R4 Bundle: {_validation_message(exc)}") from exc
    for i, e in enumerate(entries):
        problem = _entry_problem(e)
        if problem:
            raise FhirImportError(f"not a valid FHIR R4 Bundle: entry[{i}]: {problem}")
    return entries


def _entry_problem(e: Any) -> str | None:
    """What makes a Bundle entry (its envelope; the resource is validated on its own) unreadable.

    Checked by hand rather than with the ``BundleEntry`` model: a long-followed patient's
    searchset has thousands of entries, and the import reads only ``fullUrl`` and ``resource``
    from the envelope (``search.mode`` for completeness).

    >>> _entry_problem({"fullUrl": 3}), _entry_problem({"search": {"mode": "match"}, "resource": {}})
    ('fullUrl is not a string', None)
    """
    if not isinstance(e, dict):
        return "not a JSON object"
    if "fullUrl" in e and not isinstance(e["fullUrl"], str):
        return "fullUrl is not a string"
    if "resource" in e and not isinstance(e["resource"], dict):
        return "resource is not a JSON object"
    search = e.get("search")
    if search is not None and not (isinstance(search, dict) and search.get("mode") in SEARCH_MODES):
        return "search is not an object with a mode of match, include or outcome"
    return None


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
            INCOMPLETE + "the Bundle is one page of a searchset (it has a 'next' link); "
            "the other pages were not read, so the plan may miss data"
        )
    total = data.get("total")
    modes = [((e.get("search") or {}).get("mode")) for e in entries if isinstance(e, dict)]
    matches = sum(1 for m in modes if m == "match") if any(modes) else len(modes)
    if isinstance(total, int) and total > matches:
        out.append(
            INCOMPLETE + f"Bundle.total is {total} but only {matches} matching entries are present; "
            "the plan may miss data"
        )
    return out


def _parse(
    data: Any, maps: Maps | None = None
) -> tuple[list[tuple[str | None, Any]], Counter[str], list[str], list[Unread]]:
    """Validate the Bundle and its used resources: (fullUrl, model) pairs, counts of the rest,
    warnings, and the Observations left unread. An invalid resource is skipped with a warning
    naming it and its field, so one bad Observation does not cost the whole record; an invalid
    Patient keeps its id and fullUrl (a stub), so that its resources are still told apart from
    another patient's.

    With ``maps``, a result Observation whose code the import cannot read (not a lab of the
    tables, not the ParaReop profile) is not validated at all: it would be counted as an
    unmapped code anyway, and a long-followed patient's chart holds thousands of them (vital
    signs, blood counts). It is kept as an :class:`Unread` (its subject and codes), attributed to
    its patient with the others and counted in that patient's warnings.
    """
    entries = _check_bundle(data)
    warnings = completeness(data, entries)
    used: list[tuple[str | None, Any]] = []
    unread: list[Unread] = []
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
        skip = _unread(res, maps) if maps is not None and rtype == "Observation" else None
        if skip is not None:
            unread.append(skip)
            continue
        model = _model(i, str(rtype), res, warnings)
        if model is not None:
            used.append((full_url, model))
    return used, ignored, warnings, unread


def _plain(codings: Any) -> bool:
    """A coding list of plain dicts with string (or no) system and code."""
    text = str | None
    return isinstance(codings, list) and all(
        isinstance(c, dict) and isinstance(c.get("system"), text) and isinstance(c.get("code"), text)
        for c in codings
    )


def _unread(res: dict[str, Any], maps: Maps) -> Unread | None:
    """An Observation the import reads nothing from, seen on its raw JSON; None when it may be
    read (or is not plain enough to judge without validating it)."""
    code, subject = res.get("code"), res.get("subject")
    status = res.get("status")
    if not isinstance(status, str) or status not in RESULT_STATUSES or not isinstance(code, dict):
        return None
    codings = code.get("coding") or []
    if not _plain(codings) or maps.profile(codings) is not None or maps.lab(codings) is not None:
        return None
    plain_subject = isinstance(subject, dict) and isinstance(subject.get("reference"), str | None)
    if subject is not None and not plain_subject:
        return None
    shown = ", ".join(f"{c.get('system') or '?'}|{c.get('code') or '?'}" for c in codings[:3])
    rid = res.get("id") if isinstance(res.get("id"), str) else "?"
    return Unread(
        where=f"Observation/{rid}",
        subject=subject.get("reference") if isinstance(subject, dict) else None,
        codes=shown or "no coding (free text only)",
    )


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
    used, ignored, warnings, unread = _parse(data, run.m)
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
        chosen = fhir_patients.select(used, patient, _ref, unread)
    except fhir_patients.PatientError as exc:
        raise FhirImportError(str(exc)) from None
    run.warnings.extend(chosen.warnings)
    for u in chosen.unread:
        run.unmapped["Observation.code"][u.codes] += 1
    by_type: dict[str, list[Any]] = defaultdict(list)
    for res in chosen.resources:
        by_type[res.get_resource_type()].append(res)
    return by_type
