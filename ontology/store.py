"""Open the ontology in pyoxigraph, the embedded SPARQL 1.1 store the checks and counts use.

pyoxigraph loads the sorted N-Triples release far faster than rdflib parses it, and its
SPARQL engine is the one the served endpoint runs, so a check that passes here passes there.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph
from rdflib import Graph

from ontology.errors import ParaReopError

_FORMATS = {
    ".nt": pyoxigraph.RdfFormat.N_TRIPLES,
    ".owl": pyoxigraph.RdfFormat.RDF_XML,
    ".rdf": pyoxigraph.RdfFormat.RDF_XML,
    ".ttl": pyoxigraph.RdfFormat.TURTLE,
}


def store_from_ntriples(data: bytes) -> pyoxigraph.Store:
    """An in-memory store holding the N-Triples ``data``."""
    store = pyoxigraph.Store()
    store.load(data, format=pyoxigraph.RdfFormat.N_TRIPLES)
    return store


def store_from_graph(graph: Graph) -> pyoxigraph.Store:
    """An in-memory store holding the triples of an rdflib graph."""
    return store_from_ntriples(graph.serialize(format="nt", encoding="utf-8"))


def open_store(*paths: Path) -> pyoxigraph.Store:
    """An in-memory store loaded from RDF files (format from the extension).

    Raises:
        ParaReopError: a file is missing, of unknown type or not parseable.
    """
    store = pyoxigraph.Store()
    for path in paths:
        fmt = _FORMATS.get(path.suffix)
        if fmt is None:
            raise ParaReopError(f"unknown RDF file type: {path}")
        if not path.is_file():
            raise ParaReopError(f"file not found: {path} (run `parareop ontology build`)")
        try:
            store.load(path=str(path), format=fmt)
        except (OSError, SyntaxError, ValueError) as exc:
            raise ParaReopError(f"cannot load {path}: {exc}") from None
    return store


def select(store: pyoxigraph.Store, query: str) -> list[dict[str, str]]:
    """Run a SELECT query; each row maps variable name -> the bound term's value (str).

    Unbound variables are left out of the row. IRIs give their IRI, literals their
    lexical form, blank nodes ``_:<id>``.
    """
    solutions = store.query(query)
    if not isinstance(solutions, pyoxigraph.QuerySolutions):
        raise ParaReopError("expected a SELECT query")
    names = [v.value for v in solutions.variables]
    rows: list[dict[str, str]] = []
    for solution in solutions:
        row: dict[str, str] = {}
        for name in names:
            term = solution[name]
            if term is None:
                continue
            row[name] = f"_:{term.value}" if isinstance(term, pyoxigraph.BlankNode) else term.value
        rows.append(row)
    return rows
