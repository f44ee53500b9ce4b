"""The rdflib view: the release as a plain in-memory ``rdflib.Graph`` over the same triples.

Used for parsing and serializing (Turtle, JSON-LD, RDF/XML), for SHACL, and as the
reference engine the benchmark compares Oxigraph against. The graph is built once per
process and release, then frozen: ``add``, ``addN``, ``remove``, ``set`` and SPARQL
``update`` raise ``TypeError``.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, NoReturn

from rdflib import Graph

from kg.errors import KgError
from kg.release import release_bytes, resolve_release


class FrozenGraph(Graph):
    """An rdflib ``Graph`` that refuses every change once :meth:`freeze` has been called.

    Examples
    --------
    >>> from rdflib import URIRef
    >>> g = FrozenGraph()
    >>> g.add((URIRef("urn:a"), URIRef("urn:b"), URIRef("urn:c"))) is g
    True
    >>> g.freeze()
    >>> g.add((URIRef("urn:a"), URIRef("urn:b"), URIRef("urn:d")))
    Traceback (most recent call last):
    ...
    TypeError: the knowledge graph is read-only
    """

    _frozen: bool = False

    def freeze(self) -> None:
        """Refuse every later change."""
        self._frozen = True

    def _refuse(self) -> NoReturn:
        raise TypeError("the knowledge graph is read-only")

    def add(self, triple: Any) -> FrozenGraph:
        if self._frozen:
            self._refuse()
        super().add(triple)
        return self

    def addN(self, quads: Any) -> FrozenGraph:  # noqa: N802 - rdflib's name
        if self._frozen:
            self._refuse()
        super().addN(quads)
        return self

    def remove(self, triple: Any) -> FrozenGraph:
        if self._frozen:
            self._refuse()
        super().remove(triple)
        return self

    def set(self, triple: Any) -> FrozenGraph:
        if self._frozen:
            self._refuse()
        super().set(triple)
        return self

    def update(self, *args: Any, **kwargs: Any) -> None:
        if self._frozen:
            self._refuse()
        super().update(*args, **kwargs)


@functools.lru_cache(maxsize=4)
def _cached_graph(release: Path) -> FrozenGraph:
    graph = FrozenGraph(bind_namespaces="none")
    try:
        graph.parse(data=release_bytes(release), format="nt")
    except Exception as exc:  # noqa: BLE001 - rdflib raises parser-specific exception types
        raise KgError(f"cannot parse the release {release} with rdflib: {exc}") from None
    graph.freeze()
    return graph


def rdflib_graph(release: Path | str | None = None) -> FrozenGraph:
    """The release as a read-only rdflib graph, built once per process.

    Parameters
    ----------
    release : Path or str or None
        The N-Triples release; ``None`` means ``ontology/parareop.nt``.

    Returns
    -------
    FrozenGraph
        The shared graph (the same object on every call).

    Examples
    --------
    >>> rdflib_graph() is rdflib_graph()
    True
    >>> from kg.oxigraph_view import oxigraph_store
    >>> len(rdflib_graph()) == len(oxigraph_store())
    True
    """
    return _cached_graph(resolve_release(release))
