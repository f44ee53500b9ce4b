"""Errors of the knowledge-graph layer, each a ``ParaReopError`` whose message is the whole story.

The CLI prints ``str(error)`` as one line and exits non-zero, so every message here names
what failed and where (query name, file, endpoint URL, focus node), never a traceback.
"""

from __future__ import annotations

from ontology.errors import ParaReopError


class KgError(ParaReopError):
    """A knowledge-graph view could not be built or used."""


class ReleaseNotFoundError(KgError):
    """The released N-Triples file is missing or unreadable."""


class QueryError(KgError):
    """A SPARQL query is malformed, unknown, not allowed (an update) or failed to run."""


class UnknownQueryError(QueryError):
    """No named query has this name."""


class QueryParameterError(QueryError):
    """A parameter given to a named query is not declared or its value is not acceptable."""


class EndpointError(QueryError):
    """A remote SPARQL endpoint could not be reached, refused the query, or timed out."""


class QueryTimeoutError(EndpointError):
    """The query ran longer than the allowed time and was stopped."""


class CaseConversionError(KgError):
    """A case (contract JSON) could not be turned into RDF at all (not a JSON object, no id)."""


class CaseShapeError(KgError):
    """A case graph violates the SHACL shapes; ``violations`` holds every finding."""

    def __init__(self, message: str, violations: list[object]) -> None:
        super().__init__(message)
        self.violations = violations


class ServerError(KgError):
    """The Oxigraph server could not be prepared, started or reached."""


class QueryRefusedError(QueryError):
    """A query was refused before it ran: an update, or a call to another server (SERVICE, LOAD)."""


class QueryMemoryError(QueryError):
    """The query needed more memory than its worker may use and was stopped."""


class KnowledgeError(KgError):
    """The graph lacks something the planner needs (a broken release, not bad input)."""
