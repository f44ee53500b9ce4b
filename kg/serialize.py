"""Answer a query in the wire format an HTTP client asked for (SPARQL 1.1 Protocol content negotiation).

Used inside the query workers of ``parareop serve``: the worker evaluates and serializes with
pyoxigraph (fast, in Rust) and hands back bytes, so the front only relays them.
"""

from __future__ import annotations

import pyoxigraph

from kg.errors import QueryError
from kg.guard import check_query
from kg.oxigraph_view import ReadOnlyStore

RESULTS_DEFAULT = pyoxigraph.QueryResultsFormat.JSON
GRAPH_DEFAULT = pyoxigraph.RdfFormat.N_TRIPLES


def _media_types(accept: str) -> list[str]:
    """The media types of an Accept header, most preferred first.

    Examples
    --------
    >>> _media_types("text/csv;q=0.5, application/sparql-results+json")
    ['application/sparql-results+json', 'text/csv']
    """
    ranked: list[tuple[float, int, str]] = []
    for index, item in enumerate(accept.split(",")):
        media, *params = (part.strip() for part in item.split(";"))
        weight = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    weight = float(param[2:])
                except ValueError:
                    weight = 0.0
        if media and weight > 0:
            ranked.append((-weight, index, media.lower()))
    return [media for _w, _i, media in sorted(ranked)]


def results_format(accept: str) -> pyoxigraph.QueryResultsFormat:
    """The SELECT/ASK format to answer with: the first one the client accepts, JSON by default.

    Examples
    --------
    >>> results_format("text/csv") == pyoxigraph.QueryResultsFormat.CSV
    True
    >>> results_format("*/*") == pyoxigraph.QueryResultsFormat.JSON
    True
    """
    for media in _media_types(accept):
        found = pyoxigraph.QueryResultsFormat.from_media_type(media)
        if found is not None:
            return found
    return RESULTS_DEFAULT


def graph_format(accept: str) -> pyoxigraph.RdfFormat:
    """The CONSTRUCT/DESCRIBE format: the first RDF syntax the client accepts, N-Triples by default."""
    for media in _media_types(accept):
        found = pyoxigraph.RdfFormat.from_media_type(media)
        if found is not None and found.supports_datasets is False:
            return found
    return GRAPH_DEFAULT


def _body(data: bytes | None) -> bytes:
    assert data is not None  # pyoxigraph returns the bytes when given no output file
    return data


def serialize_answer(store: ReadOnlyStore, query: str, accept: str, source: str) -> tuple[bytes, str]:
    """Evaluate ``query`` on ``store`` and serialize the answer for ``accept``.

    Returns
    -------
    tuple of (bytes, str)
        The body and its media type.

    Raises
    ------
    QueryError
        A syntax error, a refused query, or an evaluation failure (one line).
    """
    check_query(query, source)
    try:
        answer = store.query(query)
        if isinstance(answer, pyoxigraph.QueryTriples):
            rdf = graph_format(accept)
            return _body(answer.serialize(format=rdf)), rdf.media_type
        fmt = results_format(accept)
        return _body(answer.serialize(format=fmt)), fmt.media_type
    except SyntaxError as exc:
        reason = " ".join(str(exc.msg or exc).split())
        raise QueryError(f"SPARQL syntax error in {source}: {reason}") from None
    except (OSError, ValueError, RuntimeError) as exc:
        raise QueryError(f"{source} failed: {' '.join(str(exc).split())[:300]}") from None
