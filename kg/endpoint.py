"""A SPARQL 1.1 Protocol client (httpx): the same queries against any endpoint over HTTP.

Queries are POSTed as ``application/sparql-query``; SELECT and ASK answers are read as
SPARQL JSON results, CONSTRUCT and DESCRIBE answers as N-Triples. Every failure becomes one
line: the endpoint cannot be reached, it rejected the query (with its own reason), it is
read-only, or the query ran past the timeout (ours on the client side, or the server's own,
which Oxigraph signals by cutting the streamed answer short).
"""

from __future__ import annotations

import json
import time

import httpx
import pyoxigraph

from kg.errors import EndpointError, QueryError, QueryMemoryError, QueryTimeoutError
from kg.results import QueryResult, Term, from_json, from_triples
from kg.sparql import check_read_only

DEFAULT_TIMEOUT = 30.0
ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9, text/plain;q=0.1"
_CANCELLED = ("cancelled", "canceled", "timeout", "timed out")
#: The header with which ``parareop serve`` says why it stopped a query (kg.front).
STOPPED_HEADER = "X-ParaReop-Stopped"


def _first_line(text: str, limit: int = 300) -> str:
    line = " ".join(text.strip().split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


class EndpointBackend:
    """A remote SPARQL endpoint, e.g. ``http://127.0.0.1:7878/query`` (Oxigraph) or
    ``http://host:3030/ds/sparql`` (Fuseki).

    Parameters
    ----------
    url : str
        The endpoint's query URL.
    timeout : float
        Seconds a query may take, connection included, before it is abandoned.
    """

    name = "endpoint"

    def __init__(self, url: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        if not url.startswith(("http://", "https://")):
            raise EndpointError(f"not an http(s) SPARQL endpoint URL: {url!r}")
        self.url = url
        self.timeout = timeout
        self._client: httpx.Client | None = None

    @property
    def client(self) -> httpx.Client:
        """One HTTP client per backend, kept open so that queries reuse its connection."""
        if self._client is None:
            self._client = httpx.Client()
        return self._client

    def close(self) -> None:
        """Close the HTTP connection (a later query opens a new one)."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> EndpointBackend:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def run(self, query: str, *, timeout: float | None = None, source: str = "the query") -> QueryResult:
        check_read_only(query, source)
        limit = timeout if timeout is not None else self.timeout
        start = time.perf_counter()
        deadline = start + limit
        headers = {"Content-Type": "application/sparql-query; charset=utf-8", "Accept": ACCEPT}
        try:
            with self.client.stream(
                "POST",
                self.url,
                content=query.encode("utf-8"),
                headers=headers,
                timeout=httpx.Timeout(limit),
            ) as response:
                chunks: list[bytes] = []
                for chunk in response.iter_bytes():
                    chunks.append(chunk)
                    if time.perf_counter() > deadline:
                        raise QueryTimeoutError(
                            f"{source} ran longer than {limit:g} s at {self.url} and was stopped"
                        )
                body = b"".join(chunks)
                status = response.status_code
                content_type = response.headers.get("content-type", "")
                stopped = response.headers.get(STOPPED_HEADER, "")
        except httpx.TimeoutException:
            raise QueryTimeoutError(
                f"{source} ran longer than {limit:g} s at {self.url} and was stopped"
            ) from None
        except httpx.ConnectError as exc:
            reason = _first_line(str(exc)) or "connection refused"
            raise EndpointError(f"cannot reach the SPARQL endpoint {self.url}: {reason}") from None
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise EndpointError(f"bad SPARQL endpoint URL {self.url!r}: {exc}") from None
        except httpx.HTTPError as exc:
            raise EndpointError(f"HTTP error talking to {self.url}: {_first_line(str(exc))}") from None
        elapsed = time.perf_counter() - start
        text = body.decode("utf-8", errors="replace")
        if stopped:  # ParaReop's own server stopped the query (its deadline or memory cap)
            error = QueryMemoryError if stopped == "memory" else QueryTimeoutError
            raise error(f"the endpoint {self.url} stopped {source}: {_first_line(text)}")
        if status == 400:
            raise QueryError(f"the endpoint {self.url} rejected {source} (HTTP 400): {_first_line(text)}")
        if status in (401, 403):
            raise QueryError(f"the endpoint {self.url} refused {source} (HTTP {status}): {_first_line(text)}")
        if status >= 300:
            raise EndpointError(
                f"the endpoint {self.url} answered HTTP {status}: {_first_line(text) or 'no reason given'}"
            )
        return self._parse(text, body, content_type, elapsed, source)

    def _parse(self, text: str, body: bytes, content_type: str, elapsed: float, source: str) -> QueryResult:
        if "n-triples" in content_type or "text/plain" in content_type:
            try:
                triples = [
                    (
                        Term.from_oxigraph(t.subject),
                        Term.from_oxigraph(t.predicate),
                        Term.from_oxigraph(t.object),
                    )
                    for t in pyoxigraph.parse(body, format=pyoxigraph.RdfFormat.N_TRIPLES)
                ]
            except SyntaxError as exc:
                raise self._broken(text, f"not valid N-Triples ({exc})", source) from None
            return from_triples(triples, elapsed)
        try:
            document = json.loads(text)
        except json.JSONDecodeError:
            raise self._broken(text, "not a SPARQL JSON result", source) from None
        if not isinstance(document, dict):
            raise self._broken(text, "not a SPARQL JSON result", source)
        try:
            return from_json(document, elapsed)
        except (KeyError, TypeError, ValueError) as exc:
            raise self._broken(text, f"not a SPARQL JSON result ({exc})", source) from None

    def _broken(self, text: str, what: str, source: str) -> QueryError:
        tail = text[-300:].lower()
        if any(word in tail for word in _CANCELLED):
            reason = _first_line(text.rsplit("]", 1)[-1].rsplit("}", 1)[-1]) or "cancelled"
            return QueryTimeoutError(
                f"the endpoint {self.url} stopped {source} before it finished ({reason}); "
                "it ran past the server's timeout"
            )
        return EndpointError(
            f"the endpoint {self.url} sent an answer that is {what}: {_first_line(text, 120)}"
        )
