"""One small SPARQL interface, three backends (oaklib's pattern: an interface, adapters behind it).

* :class:`EmbeddedBackend` — the embedded Oxigraph store (the default, and the fastest);
* :class:`RdflibBackend` — rdflib's own SPARQL engine over the same triples (the reference);
* :class:`kg.endpoint.EndpointBackend` — any SPARQL 1.1 endpoint over HTTP (Oxigraph, Fuseki,
  GraphDB, Virtuoso), because the code talks the protocol, not a product.

Every backend answers :meth:`SparqlBackend.run` with a :class:`kg.results.QueryResult` and
turns every failure into a :class:`kg.errors.QueryError` with a one-line message. The
knowledge graph is read-only: :func:`check_read_only` refuses SPARQL updates before they
reach any engine.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

import rdflib.plugins.sparql
from rdflib import Dataset, Graph, URIRef

from kg.errors import QueryError
from kg.guard import UPDATE_ONLY, check_query
from kg.named_queries import get_named_query
from kg.oxigraph_view import ReadOnlyStore, oxigraph_store, store_with_graphs
from kg.rdflib_view import rdflib_graph
from kg.results import QueryResult, from_oxigraph, from_rdflib

UPDATE_KEYWORDS = UPDATE_ONLY
# rdflib's engine fetches the IRI of a ``FROM <...>`` clause over HTTP unless told not to; the
# graph here is self-contained, so FROM only ever selects a graph already loaded.
rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False
_COMMENT = re.compile(r"(?m)(^|\s)#[^\n]*")
_PROLOGUE = re.compile(r"(?is)^\s*(?:(?:PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>)\s*)*")


class SparqlBackend(Protocol):
    """Anything that can answer a SPARQL query."""

    name: str

    def run(self, query: str, *, timeout: float | None = None, source: str = "the query") -> QueryResult:
        """Evaluate ``query``; raise :class:`kg.errors.QueryError` (naming ``source``) on any failure."""
        ...


def first_keyword(query: str) -> str:
    """The query form's keyword (after comments, PREFIX and BASE), upper-cased.

    Examples
    --------
    >>> first_keyword("PREFIX x: <urn:x#>  # a comment\\n select * { ?s ?p ?o }")
    'SELECT'
    >>> first_keyword("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    'INSERT'
    """
    text = _PROLOGUE.sub("", _COMMENT.sub(r"\1", query), count=1)
    match = re.match(r"\s*([A-Za-z]+)", text)
    return match.group(1).upper() if match else ""


def check_read_only(query: str, source: str = "the query") -> None:
    """Refuse SPARQL updates and calls to other servers: the knowledge graph is read-only and local.

    Every backend calls this before its engine sees the text (see :mod:`kg.guard`).

    Raises
    ------
    QueryRefusedError
        ``query`` is an update (INSERT, DELETE, LOAD, CLEAR, ...) or uses ``SERVICE``.

    Examples
    --------
    >>> check_read_only("ASK {}")
    >>> check_read_only("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    Traceback (most recent call last):
    ...
    kg.errors.QueryRefusedError: the query is a SPARQL update (INSERT); the knowledge graph is read-only
    """
    check_query(query, source)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


class EmbeddedBackend:
    """The embedded Oxigraph store (by default the shared release store).

    ``timeout`` is accepted for the interface but not enforced: the embedded store answers
    the named queries in milliseconds and cannot be interrupted from Python.

    Examples
    --------
    >>> EmbeddedBackend().run("ASK { ?s ?p ?o }").boolean
    True
    """

    name = "embedded"

    def __init__(self, store: ReadOnlyStore | None = None) -> None:
        self.store = store if store is not None else oxigraph_store()

    def run(self, query: str, *, timeout: float | None = None, source: str = "the query") -> QueryResult:
        check_read_only(query, source)
        start = time.perf_counter()
        try:
            raw = self.store.query(query)
            result = from_oxigraph(raw)
        except SyntaxError as exc:
            raise QueryError(f"SPARQL syntax error in {source}: {_one_line(exc.msg or str(exc))}") from None
        except (OSError, ValueError, RuntimeError) as exc:
            raise QueryError(f"{source} failed: {_one_line(str(exc))}") from None
        return QueryResult(
            result.kind, result.variables, result.rows, result.boolean, elapsed=time.perf_counter() - start
        )


class RdflibBackend:
    """rdflib's SPARQL engine over the shared rdflib view (or a given graph or dataset).

    Examples
    --------
    >>> RdflibBackend().run("ASK { ?s ?p ?o }").boolean
    True
    """

    name = "rdflib"

    def __init__(self, graph: Graph | Dataset | None = None) -> None:
        self.graph = graph if graph is not None else rdflib_graph()

    def run(self, query: str, *, timeout: float | None = None, source: str = "the query") -> QueryResult:
        check_read_only(query, source)
        start = time.perf_counter()
        try:
            result = from_rdflib(self.graph.query(query))
        except Exception as exc:  # noqa: BLE001 - pyparsing and rdflib errors have no common base
            kind = "SPARQL syntax error in" if type(exc).__name__.startswith("Parse") else "rdflib failed on"
            raise QueryError(f"{kind} {source}: {_one_line(str(exc))}") from None
        return QueryResult(
            result.kind, result.variables, result.rows, result.boolean, elapsed=time.perf_counter() - start
        )


def embedded_with_cases(
    case_graphs: Mapping[str, bytes], release: Path | str | None = None
) -> EmbeddedBackend:
    """An embedded backend over the release plus case graphs (IRI -> N-Triples)."""
    return EmbeddedBackend(store_with_graphs(case_graphs, release))


def rdflib_with_cases(case_graphs: Mapping[str, bytes]) -> RdflibBackend:
    """An rdflib backend over the release (default graph) plus case graphs (named graphs)."""
    dataset = Dataset()
    default = dataset.default_graph
    for triple in rdflib_graph():
        default.add(triple)
    for iri, data in case_graphs.items():
        dataset.graph(URIRef(iri)).parse(data=data, format="nt")
    return RdflibBackend(dataset)


def run_named(
    name: str,
    params: Mapping[str, str | Sequence[str]] | None = None,
    backend: SparqlBackend | None = None,
    *,
    timeout: float | None = None,
) -> QueryResult:
    """Run a named query (``kg/queries/<name>.rq``) with its parameters.

    Parameters
    ----------
    name : str
        The query name, e.g. ``descent-path``.
    params : mapping, optional
        Parameter values (see :meth:`kg.named_queries.NamedQuery.render`).
    backend : SparqlBackend, optional
        Where to run it; the embedded store by default.
    timeout : float, optional
        Seconds before the query is stopped (HTTP endpoints).

    Examples
    --------
    >>> rows = run_named("vein-drainage", {"vein": "thymic_vein"}).values()
    >>> sorted(r["site"] for r in rows)
    ['anterior_mediastinum', 'perrier_F']
    """
    query = get_named_query(name)
    text = query.render(params)
    backend = backend if backend is not None else EmbeddedBackend()
    return backend.run(text, timeout=timeout, source=f"query {name!r}")


def run_text(
    query: str,
    backend: SparqlBackend | None = None,
    *,
    timeout: float | None = None,
    source: str = "the query",
) -> QueryResult:
    """Run SPARQL text on a backend (the embedded store by default)."""
    backend = backend if backend is not None else EmbeddedBackend()
    return backend.run(query, timeout=timeout, source=source)
