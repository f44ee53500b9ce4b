"""A CDS Hooks 1.x service: the ParaReop plan as cards when a patient's chart is opened.

The service runs on the standard library's ``http.server``: two endpoints and JSON in and
out need no web framework, and a framework would be one more pinned dependency with its own
server to start in tests. It listens on 127.0.0.1 only.

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
(no advice). A record the import cannot read or the planner cannot plan gets a warning card
saying why.

The service cannot be held by its clients (:class:`BoundedHTTPServer`): a fixed pool of
worker threads (``workers``, default 8) with a bounded waiting line (``waiting``, default
32; beyond it ``503`` at once), and a deadline per request (``timeout``, default 10 s) for
the request line, headers and body together and for an idle connection, so a client that
sends less than its Content-Length or nothing at all is dropped. The body goes through the
strict JSON reader (:mod:`kg.strict_json`, :data:`~kg.strict_json.CDS_REQUEST`): NaN,
duplicate keys, over-long numbers and deep nesting are ``400`` naming the field; a body over
16 MiB is ``413`` (not read); a missing Content-Length is ``411``. An unexpected fault is a
JSON ``500`` without traceback, logged on stderr with the hookInstance.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.metadata
import io
import json
import re
import socket
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from clinical.fhir_import import FhirImportError, import_bundle
from kg import strict_json
from kg.knowledge import knowledge
from kg.strict_json import CDS_REQUEST, JsonInputError, Parsed, excerpt
from ontology.errors import InputError
from planner.core import plan_dict

SERVICE_ID = "parareop-reoperation-plan"
HOOK = "patient-view"
BOARD_URL = "http://127.0.0.1:8501"
MAX_BODY = CDS_REQUEST.max_bytes
"""A request body over this many bytes is ``413`` (its Content-Length is read, not the body)."""
DEFAULT_TIMEOUT = 10.0
"""Seconds a request (line, headers and body) may take to arrive, and an idle connection may wait."""
DEFAULT_WORKERS = 8
"""Connections served at once (one worker thread each; an EHR sends one call per chart opened)."""
DEFAULT_WAITING = 32
"""Connections that may wait for a worker; beyond workers + waiting the answer is ``503``."""
PROBLEMS_SHOWN = 10
"""How many problems of a refused body an error names (the rest are counted)."""
CONTENT_LENGTH = re.compile(r"[0-9]{1,15}")
_BUSY_BODY = b'{"error": "the service is busy; retry in a moment"}'
BUSY_RESPONSE = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\n"
    b"Retry-After: 1\r\nConnection: close\r\nContent-Length: "
    + str(len(_BUSY_BODY)).encode()
    + b"\r\n\r\n"
    + _BUSY_BODY
)
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
    """A request the service answers with an HTTP error status and a message.

    ``problems`` are the (field path, message) pairs of a refused body, sent as ``problems``
    next to ``error`` so that a client can show each field.
    """

    def __init__(self, status: int, message: str, problems: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.problems = problems or []


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
            400, f"the request body is not JSON this service accepts: {_one_line(exc.problems)}", exc.problems
        ) from None


def _one_line(problems: list[tuple[str, str]], shown: int = PROBLEMS_SHOWN) -> str:
    """The first ``shown`` problems on one line; a body with 10,000 NaNs gives a short message."""
    text = "; ".join(f"{p}: {m}" for p, m in problems[:shown])
    return text + (f"; ... and {len(problems) - shown} more" if len(problems) > shown else "")


def call(body: Any, board_url: str = BOARD_URL) -> dict[str, Any]:
    """Answer one ``patient-view`` call given as a Python object; raises RequestError for a 4xx.

    The object gets the checks of the strict reader first (:func:`kg.strict_json.check_value`:
    an over-long note is dropped from it in place), so a NaN that arrives through the Python
    API is refused as it would be over HTTP.
    """
    try:
        parsed = strict_json.check_value(body, CDS_REQUEST)
    except JsonInputError as exc:
        raise RequestError(400, f"the request is refused: {_one_line(exc.problems)}", exc.problems) from None
    return call_parsed(parsed, board_url)


def hook_instance(body: Any) -> str | None:
    """The call's ``hookInstance`` when there is one (the id the service's log names)."""
    value = body.get("hookInstance") if isinstance(body, dict) else None
    return excerpt(value) if isinstance(value, str) else None


def call_parsed(parsed: Parsed, board_url: str = BOARD_URL) -> dict[str, Any]:
    """Answer a call whose body passed the strict reader; raises RequestError for a 4xx answer.

    The import and the planner may fail on a record; the EHR's hook call must not, so every
    failure becomes a warning card: a record that cannot be read or planned says why (a
    :class:`ParaReopError` is meant for the user), an internal fault says only that it was
    logged (the traceback goes to stderr with the hookInstance, never to the client).
    """
    instance, pid, prefetch = _check_request(parsed.value)
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
    except Exception as exc:  # noqa: BLE001 - an import fault must not break the EHR's hook call
        return {"cards": [_fault_card(instance, "import", exc)]}
    try:
        plan = plan_dict(result.case).to_json()
    except InputError as exc:  # CaseError: the imported record is not a case the planner takes
        return {
            "cards": [_error_card(instance, f"ParaReop cannot plan this record: {_one_line(exc.problems)}")]
        }
    except Exception as exc:  # noqa: BLE001 - PlanningError or worse: the planner's fault, not the record's
        return {"cards": [_fault_card(instance, "planning", exc)]}
    return {"cards": [plan_card(plan, instance, [*parsed.warnings, *result.warnings], board_url)]}


def log_fault(stage: str, instance: str | None, exc: BaseException) -> None:
    """Log an internal fault on stderr with the hookInstance (the client sees none of this)."""
    print(
        f"parareop cds-hooks: internal error in {stage} (hookInstance {instance or 'unknown'}): "
        f"{type(exc).__name__}",
        file=sys.stderr,
    )
    traceback.print_exception(exc, file=sys.stderr)


def _fault_card(instance: str, stage: str, exc: BaseException) -> dict[str, Any]:
    log_fault(stage, instance, exc)
    return _error_card(
        instance,
        f"ParaReop failed on this record (an internal error in {stage}, logged by the service "
        f"with hookInstance {excerpt(instance)}).",
    )


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


class _DeadlineReader(io.RawIOBase):
    """The connection's raw input: every ``recv`` waits at most until the request's deadline.

    A socket timeout alone bounds one ``recv``: a client that sends one byte every few
    seconds would hold a worker for ever. The handler's deadline bounds the request line, the
    headers and the body together, and the wait for the next request on a kept-alive
    connection.
    """

    def __init__(self, sock: socket.socket, handler: _Handler) -> None:
        super().__init__()
        self._sock = sock
        self._handler = handler

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        wait = self._handler.read_wait()
        if wait <= 0:
            raise TimeoutError("the request did not arrive within the read timeout")
        self._sock.settimeout(wait)
        return self._sock.recv_into(buffer)


def _guarded(method: Callable[[_Handler], None]) -> Callable[[_Handler], None]:
    """Wrap a ``do_*`` method: any unexpected exception is a JSON ``500`` and a log line, no traceback out."""

    @functools.wraps(method)
    def run(self: _Handler) -> None:
        try:
            method(self)
        except RequestError as exc:
            self._error(exc)
        except (ConnectionError, TimeoutError):
            self.close_connection = True  # the client went away or stalled: nobody to answer
        except Exception as exc:  # noqa: BLE001 - last resort; tests prove bad requests never get here
            log_fault(f"{self.command} {excerpt(self._path())}", self.instance, exc)
            self._json(500, {"error": f"internal error ({type(exc).__name__}); the service logged it"})

    return run


class _Handler(BaseHTTPRequestHandler):
    server_version = "ParaReopCDS/1.0"
    protocol_version = "HTTP/1.1"
    board_url = BOARD_URL
    quiet = True
    timeout: float = DEFAULT_TIMEOUT
    """Seconds a request may take to arrive (line, headers, body), and an idle connection may wait."""
    deadline: float | None = None
    instance: str | None = None

    def setup(self) -> None:
        super().setup()
        self.rfile = io.BufferedReader(_DeadlineReader(self.connection, self))

    def read_wait(self) -> float:
        """How long the next ``recv`` may wait: the idle timeout, cut to what is left of the deadline."""
        if self.deadline is None:
            return self.timeout
        return min(self.timeout, self.deadline - time.monotonic())

    def handle_one_request(self) -> None:
        # the clock starts when the server waits for a request line: an idle kept-alive
        # connection and a slow request are dropped alike
        self.deadline = time.monotonic() + self.timeout
        self.instance = None
        super().handle_one_request()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        if not self.quiet:
            super().log_message(format, *args)

    def send_response(self, code: int, message: str | None = None) -> None:
        # writes get the whole timeout, whatever was left of the read deadline
        self.connection.settimeout(self.timeout)
        super().send_response(code, message)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # http.server answers an unknown method with 501; this service says 405 (never a 5xx).
        if code == 501:
            code, message = 405, f"method {self.command!r} not allowed"
        self._json(code, {"error": message or "bad request"})

    def handle_expect_100(self) -> bool:
        """Answer ``413`` before the client sends an oversized body (``Expect: 100-continue``)."""
        try:
            self._content_length()
        except RequestError as exc:
            self._error(exc)
            return False
        return super().handle_expect_100()

    def _error(self, exc: RequestError) -> None:
        payload: dict[str, Any] = {"error": str(exc)}
        if exc.problems:
            payload["problems"] = [{"path": p, "message": m} for p, m in exc.problems[:PROBLEMS_SHOWN]]
        self._json(exc.status, payload)

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

    @_guarded
    def do_GET(self) -> None:  # noqa: N802
        self.deadline = None
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

    @_guarded
    def do_POST(self) -> None:  # noqa: N802
        path = self._path()
        if path == "/cds-services":
            self._json(405, {"error": "the discovery endpoint is read with GET"})
        elif path == f"/cds-services/{SERVICE_ID}/feedback":
            self._read_body(required=False)
            self._json(200, {})
        elif not path.startswith("/cds-services/"):
            self._json(404, {"error": f"no such endpoint: {path}"})
        elif path != f"/cds-services/{SERVICE_ID}":
            self._json(404, {"error": f"no such CDS service: {path.removeprefix('/cds-services/')}"})
        else:
            parsed = parse_body(self._read_body(required=True))
            self.instance = hook_instance(parsed.value)
            self._json(200, call_parsed(parsed, self.board_url))

    def _content_length(self) -> int | None:
        """The declared body length; RequestError 411/400/413 for a missing, invalid or oversized one."""
        if self.headers.get("Transfer-Encoding"):
            raise RequestError(411, "send the body with a Content-Length (chunked bodies are not read)")
        values = self.headers.get_all("Content-Length") or []
        if not values:
            return None
        if len(set(values)) > 1 or not CONTENT_LENGTH.fullmatch(values[0].strip()):
            raise RequestError(400, "invalid Content-Length")
        n = int(values[0])
        if n > CDS_REQUEST.max_bytes:
            raise RequestError(
                413,
                f"request body of {n} bytes is over the limit of {CDS_REQUEST.max_bytes} bytes "
                f"({CDS_REQUEST.max_bytes // 2**20} MiB)",
            )
        return n

    def _read_body(self, required: bool) -> bytes:
        """The body, read before the deadline (a stalled upload is ``408``); nothing read on a 4xx."""
        n = self._content_length()
        if n is None:
            if required:
                raise RequestError(411, "the request needs a Content-Length")
            return b""
        try:
            data = self.rfile.read(n)
        except TimeoutError:
            raise RequestError(408, f"the request body did not arrive within {self.timeout:g} s") from None
        if len(data) < n:
            self.close_connection = True
            raise ConnectionError("the client closed the connection before sending its body")
        self.deadline = None  # the request is in: planning may take its time
        return data


class BoundedHTTPServer(HTTPServer):
    """An HTTP server with a fixed pool of worker threads and a bounded waiting line.

    ``ThreadingHTTPServer`` starts one thread per connection: 100 idle connections are 100
    threads, and enough of them exhaust the process. Here at most ``workers`` connections are
    served at once and at most ``waiting`` more wait for a worker; a connection beyond that is
    answered ``503`` with ``Retry-After`` at once by the accepting thread. With the handler's
    read deadline, a worker is held by one connection for at most the timeout unless a
    request really is being planned.
    """

    request_queue_size = 128  # the listen backlog: bursts wait in the kernel, not in threads

    def __init__(self, address: tuple[str, int], handler: type[_Handler], workers: int, waiting: int) -> None:
        if workers < 1 or waiting < 0:
            raise ValueError(f"workers must be >= 1 and waiting >= 0, not {workers} and {waiting}")
        self.workers, self.waiting = workers, waiting
        self._slots = threading.BoundedSemaphore(workers + waiting)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="parareop-cds")
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        self._closing = False
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Hand the connection to a worker, or answer 503 when every worker and waiting place is taken."""
        if self._closing or not self._slots.acquire(blocking=False):
            self._refuse(request)
            return
        try:
            self._pool.submit(self._work, request, client_address)
        except RuntimeError:  # the pool is shut down: the server is closing
            self._slots.release()
            self._refuse(request)

    def _work(self, request: socket.socket, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        try:
            if not self._closing:
                self.finish_request(request, client_address)
        except Exception:  # noqa: BLE001 - as socketserver does: log and drop this connection
            self.handle_error(request, client_address)
        finally:
            with self._open_lock:
                self._open.discard(request)
            self.shutdown_request(request)
            self._slots.release()

    def _refuse(self, request: socket.socket) -> None:
        """Answer ``503`` without a worker; what the client already sent is drained, not read."""
        try:
            request.settimeout(1.0)
            request.sendall(BUSY_RESPONSE)
            request.setblocking(False)
            request.recv(65536)  # closing over unread bytes would reset the connection before the 503
        except OSError:
            pass
        self.shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if exc is not None and not isinstance(exc, ConnectionError | TimeoutError):
            log_fault("connection", None, exc)  # a client that went away is nothing to report

    def server_close(self) -> None:
        """Stop accepting, drop the open connections and let the workers end (none is waited for)."""
        self._closing = True
        super().server_close()
        with self._open_lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        self._pool.shutdown(wait=False)


def make_server(
    port: int = 0,
    board_url: str = BOARD_URL,
    quiet: bool = True,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    workers: int = DEFAULT_WORKERS,
    waiting: int = DEFAULT_WAITING,
) -> BoundedHTTPServer:
    """A server bound to 127.0.0.1 (``port`` 0: a free port); knowledge is loaded before it serves.

    ``timeout``: seconds a request may take to arrive and an idle connection may stay open;
    ``workers``: connections served at once; ``waiting``: connections that may wait for a
    worker before the server answers ``503``.
    """
    if not timeout > 0:
        raise ValueError(f"timeout must be > 0 seconds, not {timeout}")
    knowledge()  # warm the graph view so that the first call answers within the spec's ~500 ms
    handler = type("Handler", (_Handler,), {"board_url": board_url, "quiet": quiet, "timeout": timeout})
    return BoundedHTTPServer(("127.0.0.1", port), handler, workers, waiting)
