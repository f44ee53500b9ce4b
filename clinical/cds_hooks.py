"""A CDS Hooks 1.x service: the ParaReop plan as cards when a patient's chart is opened.

The service runs on the standard library's ``http.server``: two endpoints and JSON in and
out need no web framework, and a framework would be one more pinned dependency with its own
server to start in tests. It listens on 127.0.0.1 only.

- ``GET /cds-services`` (discovery) lists one ``patient-view`` service whose prefetch asks
  for the patient, the Observations of the codes the import reads and the Procedures
  (required) and the Conditions, FamilyMemberHistory, MedicationStatements,
  MedicationRequests and DiagnosticReports (optional).
- ``POST /cds-services/parareop-reoperation-plan`` merges the prefetched resources into one
  collection Bundle, imports it (:mod:`clinical.fhir_import`), plans it and answers with one
  card (:mod:`clinical.cds_cards`): the decision and diagnosis, the number of sources when
  several glands are likely, the top locations and operations, the next tests, every import
  note, a link to the case board, and the ontology version in the card's source.
- ``POST /cds-services/parareop-reoperation-plan/feedback`` (CDS Hooks 2.0) validates the
  feedback and appends it to a log without patient data (:mod:`clinical.cds_feedback`).

Answers follow the specification: a missing required prefetch key is read from the call's
``fhirServer`` only when that server is on the service's allow-list (:mod:`clinical.cds_fetch`),
else it is ``412 Precondition Failed``, as is a fetch that fails; a malformed request is a
``400`` with a message (:mod:`clinical.cds_request`). A patient without a parathyroid
operation gets an info card saying so and naming the procedure codes seen when the record
shows hyperparathyroidism (:mod:`clinical.cds_evidence`), else ``{"cards": []}``. A record
the import cannot read or the planner cannot plan gets a warning card saying why.

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

import functools
import io
import json
import re
import socket
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from clinical.cds_cards import BOARD_URL, error_card, no_operation_card, plan_card
from clinical.cds_evidence import hpt_evidence, procedure_codes
from clinical.cds_feedback import FeedbackError, FeedbackLog, check_feedback
from clinical.cds_fetch import FhirFetcher, fetch
from clinical.cds_request import (
    HOOK,
    PROBLEMS_SHOWN,
    REQUIRED_PREFETCH,
    RequestError,
    check_request,
    hook_instance,
    is_missing,
    merge_prefetch,
    one_line,
    parse_body,
)
from clinical.cds_server import BUSY_RESPONSE, BoundedHTTPServer, log_fault
from clinical.fhir_import import FhirImportError, import_bundle
from clinical.fhir_maps import PROFILE, maps, system
from kg import strict_json
from kg.knowledge import knowledge
from kg.strict_json import CDS_REQUEST, JsonInputError, Parsed, excerpt
from ontology.errors import InputError
from planner.core import plan_dict

__all__ = [
    "BUSY_RESPONSE",
    "BoundedHTTPServer",
    "RequestError",
    "call",
    "call_parsed",
    "discovery",
    "make_server",
    "merge_prefetch",
    "plan_card",
    "prefetch_templates",
]

SERVICE_ID = "parareop-reoperation-plan"
MAX_BODY = CDS_REQUEST.max_bytes
"""A request body over this many bytes is ``413`` (its Content-Length is read, not the body)."""
DEFAULT_TIMEOUT = 10.0
"""Seconds a request (line, headers and body) may take to arrive, and an idle connection may wait."""
DEFAULT_WORKERS = 8
"""Connections served at once (one worker thread each; an EHR sends one call per chart opened)."""
DEFAULT_WAITING = 32
"""Connections that may wait for a worker; beyond workers + waiting the answer is ``503``."""
CONTENT_LENGTH = re.compile(r"[0-9]{1,15}")
NO_OPERATION = "no completed parathyroid Procedure"
"""The import's message when the record has no day 0 (no completed, dated parathyroid operation)."""


@functools.cache
def prefetch_templates() -> dict[str, str]:
    """The prefetch templates: Observations only of the codes the import reads.

    A patient followed for twenty years has thousands of Observations (vital signs, blood
    counts); the EHR would send all of them on every chart opening. The code list is the
    LOINC table of the import (``clinical/data/loinc.tsv``) and the two ParaReop code systems
    whose every code it reads (``system|``: the imaging, venous-sampling, FNA and operation
    profile, and the local analytes). The LOINC codes go without their system: a code of
    another system that happens to match costs a few resources, not a wrong plan (the import
    reads a lab only from a LOINC coding), and the template stays about 310 characters
    instead of 670. Medications come as MedicationStatement and as
    MedicationRequest: EHRs record a current drug as either.

    >>> prefetch_templates()["medicationRequests"]
    'MedicationRequest?patient={{context.patientId}}'
    >>> ",2731-8," in prefetch_templates()["observations"]
    True
    """
    codes = [*maps().loinc, f"{PROFILE}|", f"{system('analytes')}|"]
    patient = "patient={{context.patientId}}"
    return {
        "patient": "Patient/{{context.patientId}}",
        "observations": f"Observation?{patient}&code={','.join(codes)}",
        "procedures": f"Procedure?{patient}",
        "conditions": f"Condition?{patient}",
        "familyHistory": f"FamilyMemberHistory?{patient}",
        "medications": f"MedicationStatement?{patient}",
        "medicationRequests": f"MedicationRequest?{patient}",
        "reports": f"DiagnosticReport?{patient}",
    }


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
                "prefetch": dict(prefetch_templates()),
                "usageRequirements": "Needs the patient's Observations (LOINC labs and the ParaReop imaging, "
                "venous-sampling and FNA profile) and Procedures; see the ParaReop README, 'FHIR import'.",
            }
        ]
    }


# ---------------------------------------------------------------------------- the call


def call(body: Any, board_url: str = BOARD_URL) -> dict[str, Any]:
    """Answer one ``patient-view`` call given as a Python object; raises RequestError for a 4xx.

    The object gets the checks of the strict reader first (:func:`kg.strict_json.check_value`:
    an over-long note is dropped from it in place), so a NaN that arrives through the Python
    API is refused as it would be over HTTP.
    """
    try:
        parsed = strict_json.check_value(body, CDS_REQUEST)
    except JsonInputError as exc:
        raise RequestError(400, f"the request is refused: {one_line(exc.problems)}", exc.problems) from None
    return call_parsed(parsed, board_url)


def call_parsed(
    parsed: Parsed,
    board_url: str = BOARD_URL,
    feedback: FeedbackLog | None = None,
    fetcher: FhirFetcher | None = None,
) -> dict[str, Any]:
    """Answer a call whose body passed the strict reader; raises RequestError for a 4xx answer.

    The import and the planner may fail on a record; the EHR's hook call must not, so every
    failure becomes a warning card: a record that cannot be read or planned says why (a
    :class:`ParaReopError` is meant for the user), an internal fault says only that it was
    logged (the traceback goes to stderr with the hookInstance, never to the client). With a
    ``feedback`` log the card is remembered, so that feedback on it says what it advised.
    A required prefetch that is missing is read from the call's ``fhirServer`` when ``fetcher``
    allows that server (:mod:`clinical.cds_fetch`), else the answer is ``412``.
    """
    instance, pid, prefetch = check_request(parsed.value)
    prefetch = _complete(parsed.value, pid, prefetch, fetcher)
    card, plan = _answer(merge_prefetch(prefetch), instance, pid, list(parsed.warnings), board_url)
    if card is None:
        return {"cards": []}
    if feedback is not None:
        feedback.remember(card, plan)
    return {"cards": [card]}


def _complete(
    body: dict[str, Any], pid: str, prefetch: dict[str, Any], fetcher: FhirFetcher | None
) -> dict[str, Any]:
    """The prefetch with what a required key lacks read from the FHIR server (every missing
    template key, since the plan reads them all), or ``412`` when it cannot be."""
    missing = [k for k in REQUIRED_PREFETCH if k not in prefetch or is_missing(prefetch[k])]
    if not missing:
        return prefetch
    if fetcher is None or not fetcher.servers or "fhirServer" not in body:
        raise RequestError(
            412,
            f"required prefetch missing: {', '.join(missing)}; this service reads a FHIR server itself only "
            "when the call sends fhirServer and fhirAuthorization and the server is on its allow-list "
            "(parareop cds-hooks --fhir-server), so the CDS client must send the prefetch templates of "
            "the discovery document",
        )
    wanted = {k: t for k, t in prefetch_templates().items() if k not in prefetch or is_missing(prefetch[k])}
    return {**prefetch, **fetch(fetcher, body["fhirServer"], body.get("fhirAuthorization"), pid, wanted)}


def _answer(
    bundle: dict[str, Any], instance: str, pid: str, notes: list[str], board_url: str
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(card, plan) for the merged prefetch; no card only for a patient without hyperparathyroidism.

    ``notes`` are what the strict reader dropped; every card carries them and the import's
    warnings, since each is data the plan did not use.
    """
    if not any(e["resource"]["resourceType"] != "Patient" for e in bundle["entry"]):
        return None, None
    try:
        result = import_bundle(bundle, patient=pid)
    except FhirImportError as exc:
        if NO_OPERATION in str(exc):
            return _no_operation(bundle, instance, notes), None
        return error_card(instance, f"ParaReop could not read this record: {exc}", notes), None
    except Exception as exc:  # noqa: BLE001 - an import fault must not break the EHR's hook call
        return _fault_card(instance, "import", exc, notes), None
    warnings = [*notes, *result.warnings]
    try:
        plan = plan_dict(result.case).to_json()
    except InputError as exc:  # CaseError: the imported record is not a case the planner takes
        message = f"ParaReop cannot plan this record: {one_line(exc.problems)}"
        return error_card(instance, message, warnings), None
    except Exception as exc:  # noqa: BLE001 - PlanningError or worse: the planner's fault, not the record's
        return _fault_card(instance, "planning", exc, warnings), None
    return plan_card(plan, instance, warnings, board_url), plan


def _no_operation(bundle: dict[str, Any], instance: str, notes: list[str]) -> dict[str, Any] | None:
    """An info card when the record shows hyperparathyroidism but no parathyroid operation, else None.

    Silence is right for the many charts opened that have nothing to do with the parathyroids;
    for a patient with hyperparathyroidism it would hide that an operation is missing from
    the data or coded in a way the import does not read.
    """
    evidence = hpt_evidence(bundle)
    if not evidence:
        return None
    return no_operation_card(instance, evidence, procedure_codes(bundle), notes)


def _fault_card(instance: str, stage: str, exc: BaseException, warnings: list[str]) -> dict[str, Any]:
    log_fault(stage, instance, exc)
    return error_card(
        instance,
        f"ParaReop failed on this record (an internal error in {stage}, logged by the service "
        f"with hookInstance {excerpt(instance)}).",
        warnings,
    )


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
    feedback: FeedbackLog | None = None
    fetcher: FhirFetcher | None = None
    """Where feedback is appended and issued cards are remembered (one per server)."""

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
            self._feedback()
        elif not path.startswith("/cds-services/"):
            self._json(404, {"error": f"no such endpoint: {path}"})
        elif path != f"/cds-services/{SERVICE_ID}":
            self._json(404, {"error": f"no such CDS service: {path.removeprefix('/cds-services/')}"})
        else:
            parsed = parse_body(self._read_body(required=True))
            self.instance = hook_instance(parsed.value)
            self._json(200, call_parsed(parsed, self.board_url, self.feedback, self.fetcher))

    def _feedback(self) -> None:
        """CDS Hooks 2.0 feedback: validated (``400`` naming each bad field), then appended to the log.

        A malformed body is refused rather than logged as it came: the log is read to learn
        which cards clinicians override, and a line that is not feedback would count as one.
        """
        parsed = parse_body(self._read_body(required=True))
        try:
            entries = check_feedback(parsed.value)
        except FeedbackError as exc:
            raise RequestError(
                400, f"the feedback is refused: {one_line(exc.problems)}", exc.problems
            ) from None
        if self.feedback is not None:
            self.feedback.append(entries)
        self._json(200, {})

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


def make_server(
    port: int = 0,
    board_url: str = BOARD_URL,
    quiet: bool = True,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    workers: int = DEFAULT_WORKERS,
    waiting: int = DEFAULT_WAITING,
    feedback_log: Path | None = None,
    fhir_servers: tuple[str, ...] = (),
) -> BoundedHTTPServer:
    """A server bound to 127.0.0.1 (``port`` 0: a free port); knowledge is loaded before it serves.

    ``timeout``: seconds a request may take to arrive and an idle connection may stay open;
    ``workers``: connections served at once; ``waiting``: connections that may wait for a
    worker before the server answers ``503``; ``feedback_log``: the file feedback is appended to
    (default ``$PARAREOP_CDS_FEEDBACK_LOG``, else ``$XDG_STATE_HOME/parareop/cds-feedback.jsonl``);
    ``fhir_servers``: the FHIR servers a call's missing prefetch may be read from (none: 412).
    """
    if not timeout > 0:
        raise ValueError(f"timeout must be > 0 seconds, not {timeout}")
    knowledge()  # warm the graph view so that the first call answers within the spec's ~500 ms
    attrs = {
        "board_url": board_url,
        "quiet": quiet,
        "timeout": timeout,
        "feedback": FeedbackLog(feedback_log),
        "fetcher": FhirFetcher(tuple(fhir_servers)),
    }
    handler = type("Handler", (_Handler,), attrs)
    return BoundedHTTPServer(("127.0.0.1", port), handler, workers, waiting)
