"""Check case graphs against the SHACL shapes in ``kg/shapes/case-shapes.ttl`` with pyshacl.

The data graph is the case's own triples plus the ontology facts its links need: the
types and notations of every linked individual, the class hierarchy (so ``sh:class prp:Site``
sees that ``perrier_F`` is a ``prp:LateralizedSite``, a subclass of ``prp:Site``) and the
allowed units of each analyte. Those facts come from the embedded store, so validation
costs milliseconds rather than a pass over the whole release.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph
from pyshacl import validate
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node

from kg.case_rdf import CaseGraph, describe_unknown
from kg.errors import CaseShapeError, KgError
from kg.oxigraph_view import oxigraph_store
from kg.paths import CASE_SHAPES_FILE
from kg.release import resolve_release
from ontology.namespaces import shorten

SH = Namespace("http://www.w3.org/ns/shacl#")

_STATIC_CONTEXT = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX prp: <https://w3id.org/parareop/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
CONSTRUCT { ?a ?p ?b } WHERE {
  { ?a rdfs:subClassOf ?b . FILTER(isIRI(?b)) BIND(rdfs:subClassOf AS ?p) }
  UNION { ?a prp:allowedUnit ?b . BIND(prp:allowedUnit AS ?p) }
  UNION { ?a a prp:Analyte ; skos:notation ?b . BIND(skos:notation AS ?p) }
  UNION { ?a a prp:Analyte . BIND(rdf:type AS ?p) BIND(prp:Analyte AS ?b) }
}
"""

_LINK_CONTEXT = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
CONSTRUCT { ?x ?p ?o } WHERE {
  VALUES ?p { rdf:type skos:notation }
  ?x ?p ?o .
}
"""


_PREPARED: dict[str, Query] = {}


class _PreparedQueryGraph(Graph):
    """A graph that parses each SPARQL text once.

    pyshacl evaluates a SHACL-SPARQL constraint once per focus node with the same text and a
    different ``$this`` binding; rdflib would re-parse the text every time (about 40 ms).
    """

    def query(self, query_object: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(query_object, str):
            prepared = _PREPARED.get(query_object)
            if prepared is None:
                prepared = _PREPARED[query_object] = prepareQuery(query_object)
            query_object = prepared
        return super().query(query_object, *args, **kwargs)


@dataclass(frozen=True)
class ShapeViolation:
    """One SHACL result, in words.

    Attributes
    ----------
    focus : str
        The IRI of the case record that is wrong (a finding, a gland record, ...).
    path : str or None
        The property IRI the problem is on, if any.
    value : str or None
        The offending value (an IRI or a literal's text), if any.
    message : str
        What is wrong, from the shape's ``sh:message``.
    severity : str
        ``Violation``, ``Warning`` or ``Info``.
    """

    focus: str
    path: str | None
    value: str | None
    message: str
    severity: str = "Violation"

    def line(self) -> str:
        """The violation as one readable line: focus, property, message, value.

        Examples
        --------
        >>> v = ShapeViolation("https://w3id.org/parareop/case/x/imaging/1",
        ...     "https://w3id.org/parareop/locatedAt",
        ...     "https://w3id.org/parareop/unknown-code/sites/perrier_Z",
        ...     "a finding at a site that does not exist")
        >>> v.line().split(": ", 1)  # doctest: +NORMALIZE_WHITESPACE
        ['<https://w3id.org/parareop/case/x/imaging/1> prp:locatedAt',
         "a finding at a site that does not exist (unknown sites code 'perrier_Z')"]
        """
        where = f"<{self.focus}>"
        if self.path:
            where += f" {shorten(self.path)}"
        text = f"{where}: {self.message}"
        if self.value is not None and self.value != self.focus:
            shown = describe_unknown(self.value) or (
                shorten(self.value) if self.value.startswith(("http://", "https://")) else repr(self.value)
            )
            if shown not in self.message:
                text += f" ({shown})"
        return text


@functools.lru_cache(maxsize=1)
def _shapes(path: Path) -> Graph:
    graph = Graph()
    try:
        graph.parse(path, format="turtle")
    except Exception as exc:  # noqa: BLE001 - rdflib's parser errors have no common base class
        raise KgError(f"cannot read the shapes {path}: {exc}") from None
    return graph


@functools.lru_cache(maxsize=4)
def _static_context(release: Path) -> bytes:
    triples = oxigraph_store(release).construct(_STATIC_CONTEXT)
    return triples.serialize(format=pyoxigraph.RdfFormat.N_TRIPLES) or b""


def _link_context(case: CaseGraph, release: Path) -> bytes:
    linked = sorted({str(o) for o in case.graph.objects() if isinstance(o, URIRef)})
    if not linked:
        return b""
    values = " ".join(f"<{iri}>" for iri in linked if ">" not in iri)
    query = _LINK_CONTEXT.replace("VALUES ?p", f"VALUES ?x {{ {values} }}\n  VALUES ?p")
    triples = oxigraph_store(release).construct(query)
    return triples.serialize(format=pyoxigraph.RdfFormat.N_TRIPLES) or b""


def data_graph(case: CaseGraph, release: Path | str | None = None) -> Graph:
    """The graph pyshacl validates: the case plus the ontology facts its links need."""
    path = resolve_release(release)
    graph = _PreparedQueryGraph(bind_namespaces="none")
    for triple in case.graph:
        graph.add(triple)
    for blob in (_static_context(path), _link_context(case, path)):
        if blob:
            graph.parse(data=blob, format="nt")
    return graph


def _text(node: Node | None) -> str | None:
    return None if node is None else str(node)


def validate_case(
    case: CaseGraph,
    *,
    release: Path | str | None = None,
    shapes: Path | None = None,
) -> list[ShapeViolation]:
    """Every SHACL violation of a case graph, sorted by focus node, property and message.

    Parameters
    ----------
    case : CaseGraph
        The case (:func:`kg.case_rdf.case_to_rdf`).
    release : Path or str or None
        The release the case links into.
    shapes : Path or None
        The shapes file; ``None`` means ``kg/shapes/case-shapes.ttl``.

    Returns
    -------
    list of ShapeViolation
        Empty when the case conforms.

    Examples
    --------
    >>> from kg.case_rdf import case_to_rdf
    >>> validate_case(case_to_rdf({"id": "ok", "imaging": [
    ...     {"modality": "ultrasound", "result": "positive", "site": "perrier_F", "side": "left"}]}))
    []
    >>> bad = case_to_rdf({"id": "bad", "imaging": [
    ...     {"modality": "ultrasound", "result": "positive", "site": "perrier_Z", "side": "left"}]})
    >>> [v.message for v in validate_case(bad)]
    ['a finding at a site that does not exist']
    """
    shapes_graph = _shapes((shapes or CASE_SHAPES_FILE).resolve())
    conforms, report, _text_report = validate(
        data_graph(case, release),
        shacl_graph=shapes_graph,
        inference="none",
        inplace=True,
        allow_warnings=True,
    )
    if conforms:
        return []
    found: set[ShapeViolation] = set()
    assert isinstance(report, Graph)
    for result in report.subjects(RDF.type, SH.ValidationResult):
        messages = sorted(str(m) for m in report.objects(result, SH.resultMessage)) or ["constraint violated"]
        severity = report.value(result, SH.resultSeverity)
        found.add(
            ShapeViolation(
                focus=str(report.value(result, SH.focusNode)),
                path=_text(report.value(result, SH.resultPath)),
                value=_text(report.value(result, SH.value)),
                message=messages[0],
                severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
            )
        )
    return sorted(found, key=lambda v: (v.focus, v.path or "", v.message, v.value or ""))


def check_case(case: CaseGraph, *, release: Path | str | None = None) -> None:
    """Raise :class:`kg.errors.CaseShapeError` if the case violates its shapes.

    The error's message is one line: the case's source, the first violation, and how many
    more there are; ``error.violations`` holds them all.
    """
    violations = [v for v in validate_case(case, release=release) if v.severity == "Violation"]
    if violations:
        more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
        raise CaseShapeError(
            f"case {case.case_id!r} ({case.source}) fails its shapes: {violations[0].line()}{more}",
            list(violations),
        )
