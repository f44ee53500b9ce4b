"""Explain why HermiT rejected the ontology, in terms an editor can act on.

HermiT only says "inconsistent" or lists empty classes. The usual causes in a hand-edited
ontology are few and can be found by a cheap structural pass over the asserted graph:

* an individual that falls into two disjoint classes, through its asserted types or
  through the domain / range of a property it is used with;
* a literal outside its data property's range (``"0.5"^^xsd:double`` for an
  ``xsd:decimal`` property, or a language-tagged string for an ``xsd:string`` one);
* two different values of a functional data property;
* a class that is a subclass of two disjoint classes (for unsatisfiable classes).

The pass is heuristic (it is not a reasoner); when it finds nothing, the message says so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from rdflib import OWL, RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.collection import Collection

from ontology.namespaces import shorten
from ontology.sources import MergedSource

_INTEGER_TYPES = frozenset(
    XSD[t]
    for t in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "unsignedInt",
        "unsignedLong",
        "unsignedShort",
        "unsignedByte",
    )
)
#: RO "develops from": an individual that develops from two disjoint classes is an editing error
_DEVELOPS_FROM = URIRef("http://purl.obolibrary.org/obo/RO_0002202")
_STRING_TYPES = frozenset({XSD.string, XSD.normalizedString, XSD.token})
#: data range -> literal datatypes whose values lie inside it (OWL 2 datatype map)
_COMPATIBLE: dict[URIRef, frozenset[URIRef]] = {
    XSD.decimal: _INTEGER_TYPES | {XSD.decimal},
    XSD.integer: _INTEGER_TYPES,
    XSD.string: _STRING_TYPES,
    XSD.boolean: frozenset({XSD.boolean}),
    XSD.double: frozenset({XSD.double}),
    XSD.float: frozenset({XSD.float}),
    XSD.dateTime: frozenset({XSD.dateTime, XSD.dateTimeStamp}),
}


def literal_datatype(literal: Literal) -> URIRef:
    """The datatype a literal has in RDF 1.1: plain -> xsd:string, tagged -> rdf:langString.

    >>> literal_datatype(Literal("x", lang="en")) == RDF.langString
    True
    """
    if literal.language:
        return RDF.langString
    return literal.datatype or XSD.string


def _curie(term: object) -> str:
    return shorten(str(term)) if isinstance(term, URIRef) else "an anonymous node"


def disjoint_pairs(g: Graph) -> set[frozenset[URIRef]]:
    """Every pair of named classes declared disjoint (owl:disjointWith, owl:AllDisjointClasses)."""
    pairs: set[frozenset[URIRef]] = set()
    for a, b in g.subject_objects(OWL.disjointWith):
        if isinstance(a, URIRef) and isinstance(b, URIRef):
            pairs.add(frozenset((a, b)))
    for node in g.subjects(RDF.type, OWL.AllDisjointClasses):
        for members in g.objects(node, OWL.members):
            named = [m for m in Collection(g, members) if isinstance(m, URIRef)]
            pairs.update(frozenset((x, y)) for i, x in enumerate(named) for y in named[i + 1 :])
    return pairs


def _ancestors(g: Graph, cls: URIRef) -> set[URIRef]:
    """``cls`` and its named superclasses (rdfs:subClassOf*, asserted)."""
    seen = {cls}
    todo = [cls]
    while todo:
        for parent in g.objects(todo.pop(), RDFS.subClassOf):
            if isinstance(parent, URIRef) and parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def _types_with_reasons(g: Graph) -> dict[URIRef, dict[URIRef, str]]:
    """For each named individual: each class it must belong to, and why (asserted, or
    through the domain or range of a property it is used with)."""
    classes = {c for c in g.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)}
    direct: dict[URIRef, dict[URIRef, str]] = defaultdict(dict)
    for s, o in g.subject_objects(RDF.type):
        if isinstance(s, URIRef) and o in classes:
            direct[s].setdefault(o, "asserted")  # type: ignore[arg-type]
    for prop, domain in g.subject_objects(RDFS.domain):
        if isinstance(domain, URIRef):
            for s in g.subjects(prop):  # type: ignore[arg-type]
                if isinstance(s, URIRef):
                    direct[s].setdefault(domain, f"domain of {_curie(prop)}")
    for prop, rng in g.subject_objects(RDFS.range):
        if isinstance(rng, URIRef) and (prop, RDF.type, OWL.ObjectProperty) in g:
            for o in g.objects(None, prop):  # type: ignore[arg-type]
                if isinstance(o, URIRef):
                    direct[o].setdefault(rng, f"range of {_curie(prop)}")
    closed: dict[URIRef, dict[URIRef, str]] = {}
    for ind, types in direct.items():
        full: dict[URIRef, str] = {}
        for cls, why in types.items():
            for anc in _ancestors(g, cls):
                full.setdefault(anc, why)
        closed[ind] = full
    _add_defined_memberships(g, closed)
    return closed


def _existential_definitions(g: Graph) -> list[tuple[URIRef, URIRef, URIRef]]:
    """(class, property, filler) for each named class defined as ``property some filler``."""
    found = []
    for cls, node in g.subject_objects(OWL.equivalentClass):
        if not isinstance(cls, URIRef):
            continue
        prop = g.value(node, OWL.onProperty)
        filler = g.value(node, OWL.someValuesFrom)
        if isinstance(prop, URIRef) and isinstance(filler, URIRef):
            found.append((cls, prop, filler))
    return sorted(found)


def _add_defined_memberships(g: Graph, closed: dict[URIRef, dict[URIRef, str]]) -> None:
    """Add to ``closed`` the classes an individual falls into through a definition
    ``C ≡ p some D`` (it has a ``p`` value of class ``D``), with their named ancestors."""
    definitions = _existential_definitions(g)
    changed = True
    while changed:
        changed = False
        for ind, types in closed.items():
            for cls, prop, filler in definitions:
                if cls in types:
                    continue
                for value in g.objects(ind, prop):
                    if isinstance(value, URIRef) and filler in closed.get(value, {}):
                        why = f"through its {_curie(prop)} {_curie(value)}"
                        for anc in _ancestors(g, cls):
                            types.setdefault(anc, why)
                        changed = True
                        break


def _develops_from(g: Graph, cls: URIRef) -> list[URIRef]:
    """The named classes ``cls`` is asserted to develop from (``subClassOf RO:0002202 some X``)."""
    found = []
    for node in g.objects(cls, RDFS.subClassOf):
        if g.value(node, OWL.onProperty) == _DEVELOPS_FROM:
            filler = g.value(node, OWL.someValuesFrom)
            if isinstance(filler, URIRef):
                found.append(filler)
    return sorted(found)


def _origin_conflicts(g: Graph, source: MergedSource) -> list[str]:
    """Individuals that develop from two disjoint classes (e.g. a gland position typed superior,
    which develops from pouch 4, whose recorded origin says pouch 3)."""
    pairs = disjoint_pairs(g)
    found = []
    for ind, types in sorted(_types_with_reasons(g).items()):
        origins: dict[URIRef, str] = {}
        for cls, why in sorted(types.items()):
            for filler in _develops_from(g, cls):
                origins.setdefault(filler, f"as a {_curie(cls)}, {why}")
        for pair in sorted(pairs, key=sorted):
            a, b = sorted(pair)
            if a in origins and b in origins:
                found.append(
                    f"{_curie(ind)} ({source.where(ind)}) develops from both {_curie(a)} ({origins[a]}) "
                    f"and {_curie(b)} ({origins[b]}), which are disjoint: its class and its recorded "
                    "origin disagree"
                )
    return found


def _disjoint_individuals(g: Graph, source: MergedSource) -> list[str]:
    pairs = disjoint_pairs(g)
    found = []
    for ind, types in sorted(_types_with_reasons(g).items()):
        for pair in sorted(pairs, key=sorted):
            a, b = sorted(pair)
            if a in types and b in types:
                found.append(
                    f"{_curie(ind)} ({source.where(ind)}) is both {_curie(a)} ({types[a]}) "
                    f"and {_curie(b)} ({types[b]}), which are disjoint"
                )
    return found


def _range_violations(g: Graph, source: MergedSource) -> list[str]:
    found = []
    for prop, rng in sorted(g.subject_objects(RDFS.range)):
        allowed = _COMPATIBLE.get(rng)  # type: ignore[arg-type]
        if allowed is None:
            continue
        for s, o in sorted(g.subject_objects(prop)):  # type: ignore[arg-type]
            if isinstance(o, Literal) and literal_datatype(o) not in allowed:
                found.append(
                    f"{_curie(s)} ({source.where(s)}) has {_curie(prop)} {o.n3()} of type "  # type: ignore[arg-type]
                    f"{_curie(literal_datatype(o))}, outside the property's range {_curie(rng)}"
                )
    return found


def _functional_clashes(g: Graph, source: MergedSource) -> list[str]:
    found = []
    for prop in sorted(g.subjects(RDF.type, OWL.FunctionalProperty)):
        if (prop, RDF.type, OWL.DatatypeProperty) not in g:
            continue
        values: dict[object, set[object]] = defaultdict(set)
        for s, o in g.subject_objects(prop):  # type: ignore[arg-type]
            if isinstance(o, Literal):
                values[s].add(o.toPython())
        for s, vals in sorted(values.items(), key=lambda kv: str(kv[0])):
            if len(vals) > 1:
                shown = ", ".join(sorted(map(str, vals)))
                found.append(
                    f"{_curie(s)} ({source.where(s)}) has {len(vals)} values of the functional "  # type: ignore[arg-type]
                    f"property {_curie(prop)}: {shown}"
                )
    return found


def explain_inconsistency(source: MergedSource) -> list[str]:
    """Likely causes of an inconsistency, one sentence each (empty when none is found)."""
    g = source.graph
    return (
        _origin_conflicts(g, source)
        + _disjoint_individuals(g, source)
        + _range_violations(g, source)
        + _functional_clashes(g, source)
    )


def explain_unsatisfiable(source: MergedSource, classes: Iterable[URIRef]) -> list[str]:
    """For each unsatisfiable class, the disjoint pair among its ancestors (if asserted)."""
    g = source.graph
    pairs = disjoint_pairs(g)
    found = []
    for cls in classes:
        ancestors = _ancestors(g, cls)
        clash = sorted(sorted(p) for p in pairs if p <= ancestors)
        if clash:
            a, b = clash[0]
            found.append(
                f"{_curie(cls)} ({source.where(cls)}) is a subclass of both {_curie(a)} and {_curie(b)}, "
                "which are disjoint"
            )
        else:
            found.append(f"{_curie(cls)} ({source.where(cls)}) can have no members")
    return found
