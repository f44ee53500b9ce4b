"""A CDS Hooks 1.x service: the ParaReop plan as cards when a patient's chart is opened.

The service runs on the standard library's ``http.server`` (``ThreadingHTTPServer``): two
endpoints and JSON in and out need no web framework, and a framework would be one more
pinned dependency with its own server to start in tests. It listens on 127.0.0.1 only.

- ``GET /cds-services`` (discovery) lists one ``patient-view`` service whose prefetch asks
  for the patient, the Observations and the Procedures (required) and the Conditions,
  FamilyMemberHistory, MedicationStatements and DiagnosticReports (optional).
- ``POST /cds-services/parareop-reoperation-plan`` merges the prefetched resources into one
  collection Bundle, imports it (:mod:`clinical.fhir_import`), plans it and answers with one
  card: the decision and diagnosis, the top locations and operations, the next tests, a link
  to the case board, and the ontology version in the card's source.

Answers follow the specification: a missing required prefetch key (this service does not
query the EHR's FHIR server itself) is ``412 Precondition Failed``; a malformed request is a
``400`` with a message; a patient without a parathyroid operation gets ``{"cards": []}``
(no advice). A record the import cannot read gets a warning card saying why.
"""

from __future__ import annotations

import importlib.metadata
import json
import sys
import traceback
import uuid
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from clinical.fhir_import import FhirImportError, import_bundle
from kg.knowledge import knowledge
from planner.core import plan_dict

SERVICE_ID = "parareop-reoperation-plan"
HOOK = "patient-view"
BOARD_URL = "http://127.0.0.1:8501"
MAX_BODY = 20 * 1024 * 1024
SUMMARY_MAX = 139
PREFETCH = {
    "patient": "Patient/{{context.patientId}}",
    "observations": "Observation?patient={{context.patientId}}",
    "procedures": "Procedure?patient={{context.patientId}}",
    "conditions": "Condition?patient={{context.patientId}}",
    "familyHistory": "FamilyMemberHistory?patient={{context.patientId}}",
    "medications": "MedicationStatement?patient={{context.patientId}}",
    "reports": "DiagnosticReport?patient={{context.patientId}}",
}
REQUIRED_PREFETCH = ("observations", "procedures")
#: Card indicator by decision; a suspected carcinoma makes any card critical.
INDICATOR = {
    "operate": "info",
    "investigate": "info",
    "defer": "info",
    "medical": "info",
    "halt": "warning",
}


class RequestError(Exception):
    """A request the service answers with an HTTP error status and a message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def discovery() -> dict[str, Any]:
    """The discovery document (``GET /cds-services``)."""
    return {
        "services": [
            {
                "hook": HOOK,
                "id": SERVICE_ID,
                "title": "ParaReop reoperation plan",
                "description": "For a patient with persistent or recurrent primary hyperparathyroidism "
                "after parathyroid surgery: the biochemical diagnosis, where the missing gland most likely "
                "is, which operation reaches it and which test to do next, each with its sources.",
                "prefetch": dict(PREFETCH),
                "usageRequirements": "Needs the patient's Observations (LOINC labs and the ParaReop imaging, "
                "venous-sampling and FNA profile) and Procedures; see the ParaReop README, 'FHIR import'.",
            }
        ]
    }


# ---------------------------------------------------------------------------- the call


def _check_request(body: Any) -> tuple[str, str, dict[str, Any]]:
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


def _is_missing(value: Any) -> bool:
    return isinstance(value, dict) and value.get("resourceType") == "OperationOutcome"


def merge_prefetch(prefetch: Mapping[str, Any]) -> dict[str, Any]:
    """One collection Bundle with every resource of the prefetch values (Bundles are unpacked).

    >>> merge_prefetch({"patient": {"resourceType": "Patient", "id": "p"}, "observations": None})["entry"]
    [{'fullUrl': 'Patient/p', 'resource': {'resourceType': 'Patient', 'id': 'p'}}]
    """
    entries: list[dict[str, Any]] = []
    seen: set[str] = set()
    for key in sorted(prefetch):
        value = prefetch[key]
        if value is None or _is_missing(value):
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


def call(body: Any, board_url: str = BOARD_URL) -> dict[str, Any]:
    """Answer one ``patient-view`` call; raises RequestError for a 4xx answer."""
    instance, pid, prefetch = _check_request(body)
    missing = [k for k in REQUIRED_PREFETCH if k not in prefetch or _is_missing(prefetch[k])]
    if missing:
        raise RequestError(
            412,
            f"required prefetch missing: {', '.join(missing)}; this service does not query the FHIR "
            "server itself, so the CDS client must send the prefetch templates of the discovery document",
        )
    bundle = merge_prefetch(prefetch)
    has_patient_data = any(e["resource"]["resourceType"] != "Patient" for e in bundle["entry"])
    if not has_patient_data:
        return {"cards": []}
    try:
        result = import_bundle(bundle, patient=pid)
    except FhirImportError as exc:
        if "no completed parathyroid Procedure" in str(exc):
            return {"cards": []}  # not a reoperation patient: no advice
        return {"cards": [_error_card(instance, f"ParaReop could not read this record: {exc}")]}
    except Exception as exc:  # an import failure must not break the EHR's hook call either
        traceback.print_exc(file=sys.stderr)
        return {
            "cards": [_error_card(instance, f"ParaReop failed on this record ({exc.__class__.__name__})")]
        }
    try:
        plan = plan_dict(result.case).to_json()
    except Exception as exc:  # a planner failure must not break the EHR's hook call
        traceback.print_exc(file=sys.stderr)
        return {
            "cards": [_error_card(instance, f"ParaReop failed on this record ({exc.__class__.__name__})")]
        }
    return {"cards": [plan_card(plan, instance, result.warnings, board_url)]}


def _source() -> dict[str, Any]:
    try:
        version = importlib.metadata.version("parareop")
    except importlib.metadata.PackageNotFoundError:
        version = "dev"
    return {
        "label": f"ParaReop {version} (ontology {knowledge().version})",
        "url": "https://w3id.org/parareop/",
    }


def _error_card(instance: str, message: str) -> dict[str, Any]:
    return {
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"parareop:{instance}:error")),
        "summary": _clip("ParaReop could not plan this patient's record"),
        "detail": message,
        "indicator": "warning",
        "source": _source(),
    }


def _clip(text: str, limit: int = SUMMARY_MAX) -> str:
    """Shorten to ``limit`` characters at a word boundary (CDS Hooks: summary < 140)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:-")
    return cut + "…"


def _words(code: str | None) -> str:
    return (code or "").replace("_", " ")


def _label(scheme: str, code: str, short: bool = False) -> str:
    """The ontology's label for a contract code (the part before ':' when ``short``)."""
    label = knowledge().label(scheme, code)
    label = _words(label) if label == code else label
    return label.split(":", 1)[0] if short else label


def _loc(loc: Mapping[str, Any], short: bool = True) -> str:
    side = loc.get("side")
    return f"{_label('sites', loc['site'], short)}{f' ({side})' if side and side != 'midline' else ''}"


def plan_card(
    plan: Mapping[str, Any], instance: str, warnings: list[str], board_url: str = BOARD_URL
) -> dict[str, Any]:
    """The card for a plan: summary, indicator by decision, markdown detail, link to the board."""
    decision, diagnosis = plan["decision"], plan["diagnosis"]
    locs, ops, tests = plan.get("locations") or [], plan.get("operations") or [], plan.get("next_tests") or []
    causes = plan.get("suspected_causes") or []
    carcinoma = (
        bool(causes)
        and causes[0]["cause"] == "carcinoma"
        or (bool(ops) and ops[0]["operation"] == "en_bloc_resection")
    )
    summary = f"ParaReop: {decision} ({_words(diagnosis)})"
    if locs and decision in ("operate", "investigate", "medical"):
        summary += f"; top site {_loc(locs[0])} {locs[0]['probability']:.0%}"
    if ops:
        summary += f"; {_label('operations', ops[0]['operation'])}"
    elif tests:
        summary += f"; next: {_label('tests', tests[0]['test'])}"
    lines = [f"**Decision: {decision}** · diagnosis: {_words(diagnosis)}", ""]
    failing = [g for g in plan.get("gates") or [] if g["status"] in ("fail", "warn")]
    for g in failing:
        lines.append(f"- gate *{_words(g['id'])}* ({g['status']}): {g['message']}")
    if locs:
        lines += ["", "| # | location | probability |", "|---|---|---|"]
        lines += [f"| {x['rank']} | {_loc(x, short=False)} | {x['probability']:.0%} |" for x in locs[:5]]
    if ops:
        lines += ["", "**Operations**", ""]
        for op in ops[:3]:
            target = f" → {_loc(op)}" if op.get("site") else ""
            adj = f" (adjuncts: {', '.join(_words(a) for a in op['adjuncts'])})" if op.get("adjuncts") else ""
            lines.append(f"{op['rank']}. {_label('operations', op['operation'])}{target}{adj}")
    if tests:
        lines += ["", "**Next tests**", ""]
        lines += [f"{t['rank']}. {_label('tests', t['test'])}: {t['reason']}" for t in tests[:3]]
    if warnings:
        lines += ["", f"*Import notes ({len(warnings)}): not used for the plan*", ""]
        lines += [f"- {w}" for w in warnings[:5]]
        if len(warnings) > 5:
            lines.append(f"- … and {len(warnings) - 5} more")
    lines += [
        "",
        f"Every item carries its graph facts and sources on the case board. "
        f"Ontology version {plan.get('ontology_version') or knowledge().version}.",
    ]
    return {
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"parareop:{instance}:{plan['case_id']}")),
        "summary": _clip(summary),
        "detail": "\n".join(lines),
        "indicator": "critical" if carcinoma else INDICATOR.get(decision, "info"),
        "source": _source(),
        "links": [{"label": "Open the ParaReop case board", "url": board_url, "type": "absolute"}],
    }


# ---------------------------------------------------------------------------- HTTP


class _Handler(BaseHTTPRequestHandler):
    server_version = "ParaReopCDS/1.0"
    protocol_version = "HTTP/1.1"
    board_url = BOARD_URL
    quiet = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        if not self.quiet:
            super().log_message(format, *args)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # http.server answers an unknown method with 501; this service says 405 (never a 5xx).
        if code == 501:
            code, message = 405, f"method {self.command!r} not allowed"
        self._json(code, {"error": message or "bad request"})

    def _json(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "Content-Type, Authorization")
        if status >= 400:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _path(self) -> str:
        return self.path.split("?", 1)[0].rstrip("/") or "/"

    def do_OPTIONS(self) -> None:  # noqa: N802 - http.server's naming
        self.send_response(204)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "Content-Type, Authorization")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802
        path = self._path()
        if path == "/cds-services":
            self._json(200, discovery())
        elif path == f"/cds-services/{SERVICE_ID}":
            self._json(405, {"error": "call the service with POST"})
        else:
            self._json(404, {"error": f"no such endpoint: {path}"})

    do_HEAD = do_GET

    def _reject(self) -> None:
        self._json(405, {"error": f"method {self.command} not allowed"})

    do_PUT = do_DELETE = do_PATCH = _reject

    def do_POST(self) -> None:  # noqa: N802
        path = self._path()
        if path == "/cds-services":
            self._json(405, {"error": "the discovery endpoint is read with GET"})
            return
        if path == f"/cds-services/{SERVICE_ID}/feedback":
            self._read_body()
            self._json(200, {})
            return
        if not path.startswith("/cds-services/"):
            self._json(404, {"error": f"no such endpoint: {path}"})
            return
        if path != f"/cds-services/{SERVICE_ID}":
            self._json(404, {"error": f"no such CDS service: {path.removeprefix('/cds-services/')}"})
            return
        try:
            raw = self._read_body()
            try:
                body = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
                raise RequestError(400, f"the request body is not JSON: {exc}") from exc
            self._json(200, call(body, self.board_url))
        except RequestError as exc:
            self._json(exc.status, {"error": str(exc)})
        except Exception as exc:  # last resort: say what happened; tests prove bad requests never get here
            traceback.print_exc(file=sys.stderr)
            self._json(500, {"error": f"internal error ({exc.__class__.__name__})"})

    def _read_body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if length is None:
            if self.headers.get("Transfer-Encoding"):
                raise RequestError(411, "send the body with a Content-Length (chunked bodies are not read)")
            return b""
        try:
            n = int(length)
        except ValueError as exc:
            raise RequestError(400, "invalid Content-Length") from exc
        if n < 0:
            raise RequestError(400, "invalid Content-Length")
        if n > MAX_BODY:
            raise RequestError(413, f"request body over {MAX_BODY // (1024 * 1024)} MiB")
        return self.rfile.read(n)


def make_server(port: int = 0, board_url: str = BOARD_URL, quiet: bool = True) -> ThreadingHTTPServer:
    """A server bound to 127.0.0.1 (``port`` 0: a free port); knowledge is loaded before it serves."""
    knowledge()  # warm the graph view so that the first call answers within the spec's ~500 ms
    handler = type("Handler", (_Handler,), {"board_url": board_url, "quiet": quiet})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    return server
