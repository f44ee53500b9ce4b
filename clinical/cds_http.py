"""The CDS Hooks service over HTTP: the endpoints of :mod:`clinical.cds_hooks` on ``http.server``.

The service runs on the standard library's ``http.server``: two endpoints and JSON in and
out need no web framework, and a framework would be one more pinned dependency with its own
server to start in tests. It listens on 127.0.0.1 unless told otherwise (``host``), over HTTP,
or HTTPS with a certificate and key (:class:`Security`); with trusted JWT issuers configured,
every POST must carry a valid token (:mod:`clinical.cds_auth`), else ``401``.

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
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from jwt import PyJWKSet

from clinical.cds_auth import JwtVerifier
from clinical.cds_cards import CardLinks
from clinical.cds_feedback import FeedbackError, FeedbackLog, check_feedback
from clinical.cds_fetch import FhirFetcher
from clinical.cds_hooks import SERVICE_ID, call_parsed, discovery
from clinical.cds_request import PROBLEMS_SHOWN, RequestError, hook_instance, one_line, parse_body
from clinical.cds_server import BUSY_RESPONSE, BoundedHTTPServer, log_fault
from kg.knowledge import knowledge
from kg.strict_json import CDS_REQUEST, excerpt

__all__ = ["BUSY_RESPONSE", "BoundedHTTPServer", "Security", "make_server"]

MAX_BODY = CDS_REQUEST.max_bytes
"""A request body over this many bytes is ``413`` (its Content-Length is read, not the body)."""
DEFAULT_TIMEOUT = 10.0
"""Seconds a request (line, headers and body) may take to arrive, and an idle connection may wait."""
DEFAULT_WORKERS = 8
"""Connections served at once (one worker thread each; an EHR sends one call per chart opened)."""
DEFAULT_WAITING = 32
"""Connections that may wait for a worker; beyond workers + waiting the answer is ``503``."""
CONTENT_LENGTH = re.compile(r"[0-9]{1,15}")


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
    links = CardLinks()
    quiet = True
    timeout: float = DEFAULT_TIMEOUT
    """Seconds a request may take to arrive (line, headers, body), and an idle connection may wait."""
    deadline: float | None = None
    instance: str | None = None
    feedback: FeedbackLog | None = None
    """Where feedback is appended and issued cards are remembered (one per server)."""
    fetcher: FhirFetcher | None = None
    verifier: JwtVerifier | None = None
    """The trusted issuers whose JWT a POST must carry (none configured: no token asked)."""

    def setup(self) -> None:
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):
            # the TLS handshake runs here, in a worker and within the timeout, not in the accept loop
            self.connection.settimeout(self.timeout)
            self.connection.do_handshake()
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

    def _authorize(self) -> None:
        """A POST's bearer JWT, verified when trusted issuers are configured (``clinical.cds_auth``)."""
        if self.verifier is not None and self.verifier.enabled:
            self.verifier.verify(self.headers.get("Authorization"))

    def _json(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        if status == 401:
            self.send_header("WWW-Authenticate", 'Bearer realm="parareop-cds"')
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

    def do_OPTIONS(self) -> None:  # http.server's naming
        self.send_response(204)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "Content-Type, Authorization")
        self.send_header("Content-Length", "0")
        self.end_headers()

    @_guarded
    def do_GET(self) -> None:
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
    def do_POST(self) -> None:
        path = self._path()
        if path == "/cds-services":
            self._json(405, {"error": "the discovery endpoint is read with GET"})
        elif path == f"/cds-services/{SERVICE_ID}/feedback":
            self._authorize()
            self._feedback()
        elif not path.startswith("/cds-services/"):
            self._json(404, {"error": f"no such endpoint: {path}"})
        elif path != f"/cds-services/{SERVICE_ID}":
            self._json(404, {"error": f"no such CDS service: {path.removeprefix('/cds-services/')}"})
        else:
            self._authorize()
            parsed = parse_body(self._read_body(required=True))
            self.instance = hook_instance(parsed.value)
            self._json(200, call_parsed(parsed, self.links, self.feedback, self.fetcher))

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


@dataclass(frozen=True)
class Security:
    """How the service is reached and who may call it: TLS, and the JWT issuers it trusts."""

    issuers: Mapping[str, PyJWKSet] = field(default_factory=dict)
    service_url: str | None = None  # the JWT audience; default this service's own URL
    tls_cert: Path | None = None
    tls_key: Path | None = None

    def context(self) -> ssl.SSLContext | None:
        if self.tls_cert is None:
            return None
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(self.tls_cert, self.tls_key)
        return ctx


def make_server(
    port: int = 0,
    links: CardLinks | None = None,
    quiet: bool = True,
    *,
    host: str = "127.0.0.1",
    timeout: float = DEFAULT_TIMEOUT,
    workers: int = DEFAULT_WORKERS,
    waiting: int = DEFAULT_WAITING,
    feedback_log: Path | None = None,
    fhir_servers: tuple[str, ...] = (),
    security: Security = Security(),
) -> BoundedHTTPServer:
    """A server bound to ``host`` (loopback by default; ``port`` 0: a free port); knowledge is
    loaded before it serves.

    ``timeout``: seconds a request may take to arrive and an idle connection may stay open;
    ``workers``: connections served at once; ``waiting``: connections that may wait for a
    worker before the server answers ``503``; ``feedback_log``: the file feedback is appended to
    (default ``$PARAREOP_CDS_FEEDBACK_LOG``, else ``$XDG_STATE_HOME/parareop/cds-feedback.jsonl``);
    ``fhir_servers``: the FHIR servers a call's missing prefetch may be read from (none: 412);
    ``security``: HTTPS with a certificate and key, and the JWT issuers a call must come from.

    >>> server = make_server(0, fhir_servers=("https://ehr.example.org/fhir",))
    >>> server.server_address[0], server.server_address[1] > 0
    ('127.0.0.1', True)
    >>> server.server_close()
    """
    if not timeout > 0:
        raise ValueError(f"timeout must be > 0 seconds, not {timeout}")
    ctx = security.context()  # a bad certificate or key fails here, before anything listens
    knowledge()  # warm the graph view so that the first call answers within the spec's ~500 ms
    attrs = {
        "links": links or CardLinks(),
        "quiet": quiet,
        "timeout": timeout,
        "feedback": FeedbackLog(feedback_log),
        "fetcher": FhirFetcher(tuple(fhir_servers)),
    }
    handler = type("Handler", (_Handler,), attrs)
    server = BoundedHTTPServer((host, port), handler, workers, waiting)
    if ctx is not None:
        server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    scheme = "https" if ctx is not None else "http"
    own = f"{scheme}://{host}:{server.server_address[1]}/cds-services/{SERVICE_ID}"
    handler.verifier = JwtVerifier(security.issuers, security.service_url or own)
    return server
