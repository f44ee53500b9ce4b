"""A CDS Hooks call as it arrives: the body through the strict reader, the fields the
specification requires, and the prefetch merged into one Bundle for the import.

Every way a request can be wrong is a :class:`RequestError` with the HTTP status the
specification gives it, so that the handler (:mod:`clinical.cds_hooks`) never answers a
client's mistake with a ``5xx``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clinical.fhir_bundle import INCOMPLETE, completeness
from kg import strict_json
from kg.strict_json import CDS_REQUEST, JsonInputError, Parsed, excerpt

HOOK = "patient-view"
PROBLEMS_SHOWN = 10
"""How many problems of a refused body an error names (the rest are counted)."""
REQUIRED_PREFETCH = ("observations", "procedures")


class RequestError(Exception):
    """A request the service answers with an HTTP error status and a message.

    ``problems`` are the (field path, message) pairs of a refused body, sent as ``problems``
    next to ``error`` so that a client can show each field.
    """

    def __init__(self, status: int, message: str, problems: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.problems = problems or []


def check_request(body: Any) -> tuple[str, str, dict[str, Any]]:
    """(hookInstance, patientId, prefetch) of a well-formed request, else RequestError(400)."""
    if not isinstance(body, dict):
        raise RequestError(400, "the request body must be a JSON object")
    hook = body.get("hook")
    if not isinstance(hook, str) or not hook:
        raise RequestError(400, "missing 'hook'")
    if hook != HOOK:
        raise RequestError(400, f"this service answers the '{HOOK}' hook, not {hook!r}")
    instance = body.get("hookInstance")
    if not isinstance(instance, str) or not instance.strip():
        raise RequestError(400, "missing 'hookInstance' (a UUID for this call)")
    context = body.get("context")
    if not isinstance(context, dict):
        raise RequestError(400, "missing 'context' (an object with the patientId)")
    pid = context.get("patientId")
    if not isinstance(pid, str) or not pid.strip():
        raise RequestError(400, "missing 'context.patientId'")
    prefetch = body.get("prefetch", {})
    if not isinstance(prefetch, dict):
        raise RequestError(400, "'prefetch' must be an object of FHIR resources")
    for key in ("fhirServer", "fhirAuthorization"):
        if key in body and not isinstance(body[key], str | dict):
            raise RequestError(400, f"'{key}' has the wrong type")
    return instance, pid, prefetch


def is_missing(value: Any) -> bool:
    return isinstance(value, dict) and value.get("resourceType") == "OperationOutcome"


def prefetch_completeness(prefetch: Mapping[str, Any]) -> list[str]:
    """The completeness warnings of each prefetched searchset (``fhir_bundle.completeness``),
    named by its key: merging the prefetch into one Bundle would otherwise hide that a search
    sent only its first page.

    >>> page = {"resourceType": "Bundle", "type": "searchset", "total": 9, "entry": []}
    >>> prefetch_completeness({"observations": page})[0][:66]
    'INCOMPLETE DATA: prefetch.observations: Bundle.total is 9 but only'
    >>> prefetch_completeness({"observations": {**page, "total": 0}})
    []
    """
    out: list[str] = []
    for key in sorted(prefetch):
        value = prefetch[key]
        if isinstance(value, dict) and value.get("resourceType") == "Bundle":
            entries = value.get("entry") if isinstance(value.get("entry"), list) else []
            out += [
                w.replace(INCOMPLETE, f"{INCOMPLETE}prefetch.{key}: ", 1)
                for w in completeness(value, entries)
            ]
    return out


def merge_prefetch(prefetch: Mapping[str, Any]) -> dict[str, Any]:
    """One collection Bundle with every resource of the prefetch values (Bundles are unpacked).

    >>> merge_prefetch({"patient": {"resourceType": "Patient", "id": "p"}, "observations": None})["entry"]
    [{'fullUrl': 'Patient/p', 'resource': {'resourceType': 'Patient', 'id': 'p'}}]
    """
    entries: list[dict[str, Any]] = []
    seen: set[str] = set()
    for key in sorted(prefetch):
        value = prefetch[key]
        if value is None or is_missing(value):
            continue
        if not isinstance(value, dict) or not isinstance(value.get("resourceType"), str):
            raise RequestError(400, f"prefetch.{key} is not a FHIR resource (or null)")
        if value["resourceType"] == "Bundle":
            raw = value.get("entry") or []
            if not isinstance(raw, list):
                raise RequestError(400, f"prefetch.{key}.entry is not a list")
            for i, e in enumerate(raw):
                if not isinstance(e, dict):
                    raise RequestError(400, f"prefetch.{key}.entry[{i}] is not an object")
                res = e.get("resource")
                if res is None:
                    continue
                if not isinstance(res, dict) or not isinstance(res.get("resourceType"), str):
                    raise RequestError(400, f"prefetch.{key}.entry[{i}].resource is not a FHIR resource")
                if res["resourceType"] == "OperationOutcome":
                    continue
                url = e.get("fullUrl") if isinstance(e.get("fullUrl"), str) else None
                url = url or f"{res['resourceType']}/{res.get('id', f'{key}-{i}')}"
                if url not in seen:
                    seen.add(url)
                    entries.append({"fullUrl": url, "resource": res})
        else:
            url = f"{value['resourceType']}/{value.get('id', key)}"
            if url not in seen:
                seen.add(url)
                entries.append({"fullUrl": url, "resource": value})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def parse_body(raw: bytes) -> Parsed:
    """The request body through the strict reader (:data:`kg.strict_json.CDS_REQUEST`).

    A NaN, a duplicate key, a 5,000-digit number or nesting too deep is a ``400`` naming the
    field path, never a ``500`` from deep inside the FHIR models; an over-long note or
    attachment is dropped and said so on the card.
    """
    try:
        return strict_json.loads(raw, CDS_REQUEST)
    except JsonInputError as exc:
        raise RequestError(
            400, f"the request body is not JSON this service accepts: {one_line(exc.problems)}", exc.problems
        ) from None


def one_line(problems: list[tuple[str, str]], shown: int = PROBLEMS_SHOWN) -> str:
    """The first ``shown`` problems on one line; a body with 10,000 NaNs gives a short message."""
    text = "; ".join(f"{p}: {m}" for p, m in problems[:shown])
    return text + (f"; ... and {len(problems) - shown} more" if len(problems) > shown else "")


def hook_instance(body: Any) -> str | None:
    """The call's ``hookInstance`` when there is one (the id the service's log names)."""
    value = body.get("hookInstance") if isinstance(body, dict) else None
    return excerpt(value) if isinstance(value, str) else None
