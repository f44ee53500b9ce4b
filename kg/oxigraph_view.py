"""The embedded SPARQL store: the release loaded into an in-memory pyoxigraph ``Store``.

The store is built once per process and release (``functools.lru_cache``) and handed out
behind :class:`ReadOnlyStore`, which forwards reads (``query``, ``quads_for_pattern``, ...)
and has no method that writes. Case graphs go into a *new* store
(:func:`store_with_graphs`), never into the shared one.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pyoxigraph

from kg.errors import KgError
from kg.release import release_bytes, resolve_release

QueryResult = pyoxigraph.QuerySolutions | pyoxigraph.QueryBoolean | pyoxigraph.QueryTriples


class ReadOnlyStore:
    """A pyoxigraph store that can be read but not changed.

    Parameters
    ----------
    store : pyoxigraph.Store
        The store to wrap; the wrapper keeps the only reference the caller should use.

    Examples
    --------
    >>> store = oxigraph_store()
    >>> bool(store.query("ASK { ?s ?p ?o }"))
    True
    >>> hasattr(store, "update") or hasattr(store, "add")
    False
    """

    __slots__ = ("_store",)

    def __init__(self, store: pyoxigraph.Store) -> None:
        self._store = store

    def query(self, query: str, **kwargs: Any) -> QueryResult:
        """Evaluate a SPARQL query (SELECT, ASK, CONSTRUCT, DESCRIBE); see ``pyoxigraph.Store.query``."""
        return self._store.query(query, **kwargs)

    def select(self, query: str, **kwargs: Any) -> pyoxigraph.QuerySolutions:
        """Evaluate a SELECT query: its solutions (a ``KgError`` if the query is of another form)."""
        result = self._store.query(query, **kwargs)
        if not isinstance(result, pyoxigraph.QuerySolutions):
            raise KgError(f"expected a SELECT query, got {type(result).__name__}: {query[:80]!r}")
        return result

    def construct(self, query: str, **kwargs: Any) -> pyoxigraph.QueryTriples:
        """Evaluate a CONSTRUCT or DESCRIBE query: its triples (a ``KgError`` for another form)."""
        result = self._store.query(query, **kwargs)
        if not isinstance(result, pyoxigraph.QueryTriples):
            raise KgError(f"expected a CONSTRUCT query, got {type(result).__name__}: {query[:80]!r}")
        return result

    def quads_for_pattern(
        self,
        subject: Any = None,
        predicate: Any = None,
        object: Any = None,  # noqa: A002 - the pyoxigraph keyword
        graph_name: Any = None,
    ) -> Iterator[pyoxigraph.Quad]:
        """The quads matching a pattern (``None`` matches anything)."""
        return self._store.quads_for_pattern(subject, predicate, object, graph_name)

    def named_graphs(self) -> Iterator[pyoxigraph.NamedNode | pyoxigraph.BlankNode]:
        """The named graphs in the store (the case graphs, if any were loaded)."""
        return self._store.named_graphs()

    def dump(self, **kwargs: Any) -> bytes | None:
        """Serialize the store; see ``pyoxigraph.Store.dump``."""
        return self._store.dump(**kwargs)

    def __len__(self) -> int:
        return len(self._store)

    def __iter__(self) -> Iterator[pyoxigraph.Quad]:
        return iter(self._store)

    def __repr__(self) -> str:
        return f"<ReadOnlyStore with {len(self._store)} quads>"


def _load_release(store: pyoxigraph.Store, release: Path) -> None:
    try:
        store.load(release_bytes(release), format=pyoxigraph.RdfFormat.N_TRIPLES)
    except (SyntaxError, ValueError) as exc:
        raise KgError(f"cannot load the release {release}: {exc}") from None


@functools.lru_cache(maxsize=4)
def _cached_store(release: Path) -> ReadOnlyStore:
    store = pyoxigraph.Store()
    _load_release(store, release)
    return ReadOnlyStore(store)


def oxigraph_store(release: Path | str | None = None) -> ReadOnlyStore:
    """The release in an embedded Oxigraph store, built once per process.

    Parameters
    ----------
    release : Path or str or None
        The N-Triples release; ``None`` means ``ontology/parareop.nt``.

    Returns
    -------
    ReadOnlyStore
        The shared, read-only store (the same object on every call).

    Raises
    ------
    ReleaseNotFoundError
        The release file is missing.

    Examples
    --------
    >>> oxigraph_store() is oxigraph_store()
    True
    >>> len(oxigraph_store()) > 1000
    True
    """
    return _cached_store(resolve_release(release))


def store_with_graphs(
    graphs: Mapping[str, bytes] | Iterable[tuple[str, bytes]],
    release: Path | str | None = None,
) -> ReadOnlyStore:
    """A new store with the release in the default graph and each N-Triples blob in a named graph.

    Parameters
    ----------
    graphs : mapping or iterable of (graph IRI, N-Triples bytes)
        The named graphs to add, e.g. the case graphs of :mod:`kg.case_rdf`.
    release : Path or str or None
        The release for the default graph.

    Returns
    -------
    ReadOnlyStore
        A fresh store (not cached, not shared).

    Examples
    --------
    >>> nt = b"<https://w3id.org/parareop/case/x> <http://www.w3.org/2000/01/rdf-schema#label> \\"x\\" .\\n"
    >>> s = store_with_graphs({"https://w3id.org/parareop/case/x": nt})
    >>> [g.value for g in s.named_graphs()]
    ['https://w3id.org/parareop/case/x']
    """
    store = pyoxigraph.Store()
    _load_release(store, resolve_release(release))
    items = graphs.items() if isinstance(graphs, Mapping) else graphs
    for iri, data in items:
        try:
            store.load(data, format=pyoxigraph.RdfFormat.N_TRIPLES, to_graph=pyoxigraph.NamedNode(iri))
        except (SyntaxError, ValueError) as exc:
            raise KgError(f"cannot load the graph <{iri}>: {exc}") from None
    return ReadOnlyStore(store)
