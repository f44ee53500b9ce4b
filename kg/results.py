"""One result model for every SPARQL engine: embedded Oxigraph, rdflib, or an HTTP endpoint.

A :class:`QueryResult` holds the variables and the rows; each bound value is a :class:`Term`
(IRI, literal or blank node, with datatype and language). The constructors normalise the
engines' differences (``xsd:string`` on plain literals, ``rdf:langString`` on tagged ones), so
rows from two engines compare equal when they hold the same RDF terms.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import pyoxigraph
from rdflib import BNode as RdflibBNode
from rdflib import Literal as RdflibLiteral
from rdflib import URIRef

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
XSD_DECIMAL = XSD + "decimal"
NUMERIC_TYPES = frozenset(
    XSD + t
    for t in (
        "decimal",
        "integer",
        "double",
        "float",
        "int",
        "long",
        "short",
        "nonNegativeInteger",
        "positiveInteger",
        "negativeInteger",
        "nonPositiveInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
        "byte",
    )
)
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

TermKind = Literal["iri", "literal", "bnode"]
ResultKind = Literal["select", "ask", "graph"]


@dataclass(frozen=True, order=True)
class Term:
    """An RDF term as a result value.

    Examples
    --------
    >>> Term.literal("0.45", "http://www.w3.org/2001/XMLSchema#decimal").value
    '0.45'
    >>> Term.literal("x", XSD_STRING) == Term.literal("x")
    True
    """

    kind: TermKind
    value: str
    datatype: str | None = None
    language: str | None = None

    @classmethod
    def iri(cls, value: str) -> Term:
        return cls("iri", value)

    @classmethod
    def literal(cls, value: str, datatype: str | None = None, language: str | None = None) -> Term:
        if language:
            return cls("literal", value, None, language.lower())
        if datatype in (XSD_STRING, RDF_LANGSTRING):
            datatype = None
        return cls("literal", value, datatype, None)

    @classmethod
    def from_oxigraph(cls, term: Any) -> Term:
        """From a pyoxigraph ``NamedNode``, ``Literal`` or ``BlankNode``."""
        if isinstance(term, pyoxigraph.NamedNode):
            return cls.iri(term.value)
        if isinstance(term, pyoxigraph.Literal):
            return cls.literal(term.value, term.datatype.value if term.datatype else None, term.language)
        if isinstance(term, pyoxigraph.BlankNode):
            return cls("bnode", term.value)
        raise TypeError(f"not an RDF term: {term!r}")

    @classmethod
    def from_rdflib(cls, term: Any) -> Term:
        """From an rdflib ``URIRef``, ``Literal`` or ``BNode``."""
        if isinstance(term, URIRef):
            return cls.iri(str(term))
        if isinstance(term, RdflibLiteral):
            return cls.literal(str(term), str(term.datatype) if term.datatype else None, term.language)
        if isinstance(term, RdflibBNode):
            return cls("bnode", str(term))
        raise TypeError(f"not an RDF term: {term!r}")

    @classmethod
    def from_json(cls, binding: Mapping[str, Any]) -> Term:
        """From one binding of the SPARQL 1.1 JSON results format."""
        kind = binding.get("type")
        value = str(binding.get("value", ""))
        if kind == "uri":
            return cls.iri(value)
        if kind in ("literal", "typed-literal"):
            return cls.literal(value, binding.get("datatype"), binding.get("xml:lang"))
        if kind == "bnode":
            return cls("bnode", value)
        raise ValueError(f"unknown SPARQL JSON term type {kind!r}")

    def comparable(self) -> Term:
        """This term as it compares across engines: a numeric literal by its value.

        Every numeric datatype becomes ``xsd:decimal`` with the shortest lexical form of the
        number, so Oxigraph's ``"4"^^xsd:integer`` and rdflib's ``"4.0"^^xsd:decimal`` (an
        ``AVG`` or a sum of decimals) compare equal; other terms are compared as they are (a
        string ``"4"`` is not the number 4). Not-a-number and infinities stay as written.

        Examples
        --------
        >>> four = Term.literal("4", XSD + "integer").comparable()
        >>> four == Term.literal("4.0", XSD_DECIMAL).comparable()
        True
        >>> four == Term.literal("4.0E0", XSD + "double").comparable()
        True
        >>> four == Term.literal("4").comparable()
        False
        """
        if self.kind == "literal" and self.datatype in NUMERIC_TYPES:
            try:
                number = Decimal(self.value)
            except InvalidOperation:
                return self
            if number.is_finite():
                text = format(number.normalize(), "f") if number != 0 else "0"
                return Term("literal", text, XSD_DECIMAL, None)
        return self

    def to_json(self) -> dict[str, str]:
        """This term as a SPARQL 1.1 JSON results binding."""
        if self.kind == "iri":
            return {"type": "uri", "value": self.value}
        if self.kind == "bnode":
            return {"type": "bnode", "value": self.value}
        out = {"type": "literal", "value": self.value}
        if self.language:
            out["xml:lang"] = self.language
        elif self.datatype:
            out["datatype"] = self.datatype
        return out


Row = dict[str, Term]


@dataclass(frozen=True)
class QueryResult:
    """The answer to one query.

    Attributes
    ----------
    kind : {"select", "ask", "graph"}
        SELECT rows, an ASK boolean, or CONSTRUCT/DESCRIBE triples (as rows with the
        variables ``subject``, ``predicate``, ``object``).
    variables : tuple of str
        Column names, in the query's order.
    rows : tuple of dict
        One mapping per solution; unbound variables are absent.
    boolean : bool or None
        The ASK answer.
    """

    kind: ResultKind
    variables: tuple[str, ...] = ()
    rows: tuple[Row, ...] = ()
    boolean: bool | None = None
    elapsed: float = field(default=0.0, compare=False)

    def __len__(self) -> int:
        return len(self.rows)

    def values(self) -> list[dict[str, str]]:
        """The rows as plain strings (IRIs and literals by their value).

        Examples
        --------
        >>> r = QueryResult("select", ("a",), ({"a": Term.iri("urn:x")},))
        >>> r.values()
        [{'a': 'urn:x'}]
        """
        return [{k: t.value for k, t in row.items()} for row in self.rows]

    def column(self, name: str) -> list[str | None]:
        """One column's values, ``None`` where unbound."""
        return [row[name].value if name in row else None for row in self.rows]

    def canonical(self) -> tuple[Any, ...]:
        """The rows as a comparable value (order kept), for checking two engines agree.

        Numeric literals compare by value (Oxigraph writes ``"1.0"^^xsd:decimal`` as ``1``,
        rdflib keeps ``1.0``).

        Examples
        --------
        >>> dec = "http://www.w3.org/2001/XMLSchema#decimal"
        >>> a = QueryResult("select", ("x",), ({"x": Term.literal("1.0", dec)},))
        >>> b = QueryResult("select", ("x",), ({"x": Term.literal("1", dec)},))
        >>> a.canonical() == b.canonical()
        True
        """
        if self.kind == "ask":
            return (self.boolean,)
        return tuple(_comparable_row(row) for row in self.rows)

    def bag(self) -> Counter[tuple[tuple[str, Term], ...]]:
        """The rows as a multiset, numbers compared by value: what two engines must agree on
        when the query's ORDER BY leaves ties (or there is none).

        Examples
        --------
        >>> dec, int_ = XSD_DECIMAL, XSD + "integer"
        >>> a = QueryResult("select", ("x",), ({"x": Term.literal("4", int_)}, {"x": Term.iri("urn:y")}))
        >>> b = QueryResult("select", ("x",), ({"x": Term.iri("urn:y")}, {"x": Term.literal("4.0", dec)}))
        >>> a.bag() == b.bag(), a.canonical() == b.canonical()
        (True, False)
        """
        if self.kind == "ask":
            return Counter({(("boolean", Term.literal(str(self.boolean).lower())),): 1})
        return Counter(_comparable_row(row) for row in self.rows)

    def same_rows(self, other: QueryResult) -> bool:
        """Whether ``other`` has the same form, variables and rows in any order (see :meth:`bag`)."""
        return self.kind == other.kind and self.variables == other.variables and self.bag() == other.bag()


def _comparable_row(row: Row) -> tuple[tuple[str, Term], ...]:
    return tuple(sorted((k, t.comparable()) for k, t in row.items()))


def from_oxigraph(result: Any, elapsed: float = 0.0) -> QueryResult:
    """Convert what ``pyoxigraph.Store.query`` returned."""
    if isinstance(result, pyoxigraph.QueryBoolean):
        return QueryResult("ask", boolean=bool(result), elapsed=elapsed)
    if isinstance(result, pyoxigraph.QuerySolutions):
        names = tuple(v.value for v in result.variables)
        memo: dict[Any, Term] = {}  # the same term recurs in many rows (site codes, sources)
        get = memo.get
        out: list[Row] = []
        for solution in result:
            row: Row = {}
            for name, value in zip(names, solution, strict=True):
                if value is not None:
                    found = get(value)
                    if found is None:
                        found = memo[value] = Term.from_oxigraph(value)
                    row[name] = found
            out.append(row)
        return QueryResult("select", names, tuple(out), elapsed=elapsed)
    return _graph_result(
        (
            (Term.from_oxigraph(t.subject), Term.from_oxigraph(t.predicate), Term.from_oxigraph(t.object))
            for t in result
        ),
        elapsed,
    )


def from_rdflib(result: Any, elapsed: float = 0.0) -> QueryResult:
    """Convert an rdflib ``Result``."""
    if result.type == "ASK":
        return QueryResult("ask", boolean=bool(result.askAnswer), elapsed=elapsed)
    if result.type == "SELECT":
        names = tuple(str(v) for v in result.vars or ())
        rows = tuple(
            {
                name: Term.from_rdflib(value)
                for name, value in zip(names, row, strict=True)
                if value is not None
            }
            for row in result
        )
        return QueryResult("select", names, rows, elapsed=elapsed)
    return _graph_result(
        ((Term.from_rdflib(s), Term.from_rdflib(p), Term.from_rdflib(o)) for s, p, o in result.graph), elapsed
    )


def from_json(document: Mapping[str, Any], elapsed: float = 0.0) -> QueryResult:
    """Convert a SPARQL 1.1 JSON results document.

    Examples
    --------
    >>> from_json({"head": {"vars": ["n"]}, "results": {"bindings": [
    ...     {"n": {"type": "literal", "value": "3", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}]}}).values()
    [{'n': '3'}]
    >>> from_json({"head": {}, "boolean": True}).boolean
    True
    """
    if "boolean" in document:
        return QueryResult("ask", boolean=bool(document["boolean"]), elapsed=elapsed)
    names = tuple(document.get("head", {}).get("vars", []))
    memo: dict[tuple[Any, ...], Term] = {}

    def term(binding: Mapping[str, Any]) -> Term:
        key = (binding.get("type"), binding.get("value"), binding.get("datatype"), binding.get("xml:lang"))
        found = memo.get(key)
        if found is None:
            found = memo[key] = Term.from_json(binding)
        return found

    rows = tuple(
        {name: term(binding[name]) for name in names if name in binding}
        for binding in document.get("results", {}).get("bindings", [])
    )
    return QueryResult("select", names, rows, elapsed=elapsed)


def from_triples(triples: Iterable[tuple[Term, Term, Term]], elapsed: float = 0.0) -> QueryResult:
    """A graph result from (subject, predicate, object) terms."""
    return _graph_result(triples, elapsed)


def _sort_key(term: Term) -> tuple[str, str, str, str]:
    return (term.kind, term.value, term.datatype or "", term.language or "")


def _graph_result(triples: Iterable[tuple[Term, Term, Term]], elapsed: float) -> QueryResult:
    rows = tuple({"subject": s, "predicate": p, "object": o} for s, p, o in sorted(triples))
    return QueryResult("graph", ("subject", "predicate", "object"), rows, elapsed=elapsed)
