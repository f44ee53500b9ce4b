"""``parareop serve``'s HTTP front: a small threaded SPARQL 1.1 Protocol server over a worker pool.

Why not the Oxigraph server alone: its ``--timeout-s`` stops a runaway query only when the
evaluation next checks for cancellation (a 2 s timeout answered after ~7 s in our test), it
has no memory cap, it would call any address named in a ``SERVICE`` clause, and it answers
any ``Host``. The front therefore:

* answers only requests whose ``Host`` names the address it is bound to (``127.0.0.1:PORT``,
  ``localhost:PORT``): a web page on another site that rebinds its DNS name to 127.0.0.1
  gets HTTP 421, not the graph (DNS-rebinding defence);
* refuses updates, ``SERVICE`` and ``LOAD`` before anything runs (:mod:`kg.guard`), and
  ``/update`` and ``/store`` altogether (HTTP 403, read-only);
* runs each query in a :class:`kg.sandbox.WorkerPool` worker, killed at the deadline
  (HTTP 503 with ``X-ParaReop-Stopped: timeout``) or at its memory cap (``memory``), while the
  other workers keep answering other clients;
* keeps the answers of the named queries (``kg/queries/*.rq``, parameters bound or not, the
  texts clients send most) in a bounded cache: the graphs are loaded once at start and never
  change while serving, so the same text and ``Accept`` always get the same bytes, and a
  repeated named query costs no worker and no evaluation. Free-text queries are never cached.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from kg.errors import QueryError, QueryMemoryError, QueryRefusedError, QueryTimeoutError, ServerError
from kg.guard import check_query
from kg.named_queries import NamedQuery, named_queries
from kg.release import release_bytes
from kg.sandbox import DEFAULT_POOL_SIZE, DEFAULT_TIMEOUT_S, WorkerPool
from kg.sandbox_worker import DEFAULT_MEMORY_MB, WorkerSpec

MAX_BODY = 1024 * 1024
#: Bytes of named-query answers kept (the largest, node-details for every entity, is ~0.3 MB).
CACHE_BYTES = 64 * 1024 * 1024
STOPPED_HEADER = "X-ParaReop-Stopped"
_READ_ONLY_PATHS = ("/update", "/store")
_INDEX = (
    "ParaReop SPARQL endpoint (read-only). POST application/sparql-query to /query, or GET "
    "/query?query=...; updates, SERVICE and LOAD are refused; each query is stopped after {deadline:g} s.\n"
)


def allowed_hosts(host: str, port: int) -> frozenset[str]:
    """The ``Host`` header values this server answers (its address and its loopback name).

    Examples
    --------
    >>> sorted(allowed_hosts("127.0.0.1", 7878))
    ['127.0.0.1:7878', 'localhost:7878']
    >>> sorted(allowed_hosts("::1", 7878))
    ['[::1]:7878', 'localhost:7878']
    """
    names = {f"[{host}]" if ":" in host else host}
    if host in ("127.0.0.1", "::1", "localhost"):
        names.add("localhost")
    return frozenset(f"{name}:{port}".lower() for name in names)


@dataclass(frozen=True)
class Answer:
    """One HTTP response."""

    status: int
    body: bytes
    media_type: str = "text/plain; charset=utf-8"
    stopped: str | None = None


def _text(status: int, message: str, stopped: str | None = None) -> Answer:
    return Answer(status, (message.rstrip("\n") + "\n").encode("utf-8"), stopped=stopped)


#: What :meth:`kg.named_queries.NamedQuery.render` puts in a parameter's ``VALUES`` block: UNDEF,
#: or string literals of codes (``VALUE_PATTERN``, which admits no quote or backslash).
_BOUND = r'(?:UNDEF|"[A-Za-z0-9_][A-Za-z0-9_:/.\-]{0,199}"(?:\s+"[A-Za-z0-9_][A-Za-z0-9_:/.\-]{0,199}")*)'
_PLACEHOLDER = re.compile(r"VALUES\s+\?([A-Za-z_]\w*)\s*\{\s*UNDEF\s*\}")


def _named_pattern(query: NamedQuery) -> re.Pattern[str]:
    """The texts of ``query`` with any values bound: its file text, each declared parameter's
    ``VALUES ?p { UNDEF }`` free or holding code literals, and nothing else changed."""
    declared = {p.name for p in query.parameters}
    parts: list[str] = []
    at = 0
    for match in _PLACEHOLDER.finditer(query.text):
        if match.group(1) not in declared:
            continue
        parts.append(re.escape(query.text[at : match.start()]))
        parts.append(rf"VALUES\s+\?{match.group(1)}\s*\{{\s*{_BOUND}\s*\}}")
        at = match.end()
    parts.append(re.escape(query.text[at:]))
    return re.compile("".join(parts))


class NamedQueryTexts:
    """Recognizes the text of a named query (as :meth:`NamedQuery.render` writes it).

    Examples
    --------
    >>> from kg.named_queries import get_named_query
    >>> texts = NamedQueryTexts()
    >>> query = get_named_query("vein-drainage")
    >>> query.text in texts and query.render({"site": ["perrier_F", "perrier_A"]}) in texts
    True
    >>> "SELECT * { ?s ?p ?o }" in texts or query.text + " LIMIT 1" in texts
    False
    """

    def __init__(self, queries: Iterable[NamedQuery] | None = None) -> None:
        self._patterns = [_named_pattern(q) for q in (queries or named_queries().values())]

    def __contains__(self, text: object) -> bool:
        return isinstance(text, str) and any(p.fullmatch(text) for p in self._patterns)


class AnswerCache:
    """Answers by (query text, Accept), least recently used dropped past ``max_bytes``.

    Only for queries whose answer depends on nothing but the graphs, which do not change while
    the server runs (the named queries use no RAND, NOW, UUID or BNODE).
    """

    def __init__(self, max_bytes: int = CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self._answers: OrderedDict[tuple[str, str], Answer] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> Answer | None:
        """The answer kept for ``key``, or ``None``."""
        with self._lock:
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
            return answer

    def put(self, key: tuple[str, str], answer: Answer) -> None:
        """Keep ``answer`` (an answer larger than a quarter of the cache is not kept)."""
        size = len(answer.body) + len(key[0])
        if size > self.max_bytes // 4:
            return
        with self._lock:
            old = self._answers.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body) + len(key[0])
            self._answers[key] = answer
            self._bytes += size
            while self._bytes > self.max_bytes:
                dropped_key, dropped = self._answers.popitem(last=False)
                self._bytes -= len(dropped.body) + len(dropped_key[0])


class SparqlFront(ThreadingHTTPServer):
    """The threaded HTTP server; one thread per connection, queries answered by ``pool``."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # the default of 5 resets connections when 40 clients connect at once

    def __init__(self, host: str, port: int, pool: WorkerPool, timeout_s: float) -> None:
        self.pool = pool
        self.timeout_s = timeout_s
        self.named = NamedQueryTexts()
        self.cache = AnswerCache()
        super().__init__((host, port), _Handler)
        self.hosts = allowed_hosts(host, self.server_port)

    @property
    def base_url(self) -> str:
        """``http://host:port``."""
        host = str(self.server_address[0])  # str for a TCP server (typeshed allows bytes for AF_UNIX)
        return f"http://{f'[{host}]' if ':' in host else host}:{self.server_port}"

    @property
    def query_url(self) -> str:
        """The SPARQL query endpoint."""
        return f"{self.base_url}/query"

    def answer(self, query: str, accept: str) -> Answer:
        """A named query's kept answer, or :meth:`run` (and keep a named query's answer)."""
        key = (query, accept)
        answer = self.cache.get(key)
        if answer is None:
            answer = self.run(query, accept)
            if answer.status == 200 and query in self.named:
                self.cache.put(key, answer)
        return answer

    def run(self, query: str, accept: str) -> Answer:
        """Refuse or run one query in a worker; every failure is one line with its HTTP status."""
        try:
            check_query(query, "the query")
            body, media = self.pool.run(query, timeout_s=self.timeout_s, accept=accept)
        except QueryRefusedError as exc:
            return _text(400, str(exc))
        except QueryTimeoutError as exc:
            return _text(503, str(exc), stopped="timeout")
        except QueryMemoryError as exc:
            return _text(503, str(exc), stopped="memory")
        except QueryError as exc:
            return _text(400, str(exc))
        return Answer(200, body, media)


class _Handler(BaseHTTPRequestHandler):
    server: SparqlFront
    protocol_version = "HTTP/1.1"
    server_version = "ParaReop-SPARQL"
    # Headers and body are two writes; with Nagle's algorithm and the client's delayed ACK every
    # keep-alive answer would wait ~40 ms.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base signature
        """Quiet: the terminal shows the endpoint, not every request."""

    def do_GET(self) -> None:
        self._dispatch(lambda: parse_qs(urlsplit(self.path).query))

    def do_POST(self) -> None:
        self._dispatch(self._form)

    def _dispatch(self, read: Any) -> None:
        refusal = self._refusal()
        if refusal is not None:
            self._send(refusal)
            return
        path = urlsplit(self.path).path
        if path in ("/", ""):
            self._send(_text(200, _INDEX.format(deadline=self.server.timeout_s)))
        elif path.startswith(_READ_ONLY_PATHS):
            self._send(_text(403, "this SPARQL endpoint is read-only: the knowledge graph cannot be changed"))
        elif path != "/query":
            self._send(_text(404, f"no such resource {path}; the SPARQL endpoint is /query"))
        else:
            self._query(read())

    def _refusal(self) -> Answer | None:
        host = (self.headers.get("Host") or "").strip().lower()
        if host not in self.server.hosts:
            expected = " or ".join(sorted(self.server.hosts))
            return _text(
                421,
                f"refused: Host {host or '(none)'!r} is not this server ({expected}); "
                "it answers only requests addressed to its own loopback address (DNS-rebinding defence)",
            )
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return _text(413, f"refused: the request body is over {MAX_BODY // 1024} KiB")
        return None

    def _form(self) -> Mapping[str, list[str]]:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", errors="replace") if length else ""
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type == "application/sparql-query":
            return {"query": [body]}
        if content_type == "application/sparql-update":
            return {"update": [body]}
        return parse_qs(body)

    def _query(self, params: Mapping[str, list[str]]) -> None:
        if "update" in params:
            self._send(_text(403, "this SPARQL endpoint is read-only: updates are refused"))
            return
        queries = params.get("query") or []
        if len(queries) != 1:
            self._send(_text(400, "give exactly one query (the 'query' parameter or a sparql-query body)"))
            return
        self._send(self.server.answer(queries[0], self.headers.get("Accept") or "*/*"))

    def _send(self, answer: Answer) -> None:
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.media_type)
        self.send_header("Content-Length", str(len(answer.body)))
        if answer.stopped:
            self.send_header(STOPPED_HEADER, answer.stopped)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer.body)


@dataclass
class FrontServer:
    """``parareop serve``: the pool and the front, started together and stopped together.

    Examples
    --------
    >>> from kg.server import free_port
    >>> from kg.endpoint import EndpointBackend
    >>> with FrontServer(port=free_port(), workers=1) as srv:
    ...     EndpointBackend(srv.query_url).run("ASK { ?s ?p ?o }").boolean
    True
    """

    graphs: Mapping[str, bytes] | None = None
    host: str = "127.0.0.1"
    port: int = 7878
    timeout_s: float = DEFAULT_TIMEOUT_S
    workers: int = DEFAULT_POOL_SIZE
    memory_mb: int = DEFAULT_MEMORY_MB
    pool: WorkerPool | None = None
    httpd: SparqlFront | None = None

    def start(self) -> FrontServer:
        """Warm the pool, then bind; raise :class:`ServerError` when the port is taken."""
        # The release is read once, here: replacement workers load these bytes, not the file.
        release = release_bytes()
        spec = WorkerSpec(graphs=dict(self.graphs or {}), memory_mb=self.memory_mb, release_nt=release)
        self.pool = WorkerPool(spec, self.workers)
        try:
            self.pool.wait_ready()
            self.httpd = SparqlFront(self.host, self.port, self.pool, self.timeout_s)
        except OSError as exc:
            self.stop()
            reason = exc.strerror or exc
            raise ServerError(
                f"cannot listen on {self.host}:{self.port}: {reason} (choose another with --port)"
            ) from None
        except BaseException:
            self.stop()
            raise
        threading.Thread(target=self.httpd.serve_forever, name="sparql-front", daemon=True).start()
        return self

    @property
    def query_url(self) -> str:
        """The SPARQL query endpoint, ``http://127.0.0.1:PORT/query``."""
        if self.httpd is None:
            raise ServerError("the SPARQL server is not running")
        return self.httpd.query_url

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return self.query_url.rsplit("/", 1)[0]

    def stop(self) -> None:
        """Stop answering, then kill every worker."""
        httpd, self.httpd = self.httpd, None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
        pool, self.pool = self.pool, None
        if pool is not None:
            pool.close()

    def __enter__(self) -> FrontServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
