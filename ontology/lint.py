"""Checks on the merged source that must pass before the reasoner runs.

Both problems here are invisible to HermiT or make it fail obscurely: a misspelt
``prp:`` IRI simply creates a new, empty entity (the reasoner is happy, the planner finds
nothing), and a literal typed ``xsd:date`` is outside the OWL 2 datatype map, which
HermiT rejects with a Java stack trace.
"""

from __future__ import annotations

from rdflib import RDF, XSD, Literal, URIRef

from ontology.errors import OntologyBuildError
from ontology.namespaces import PRP, shorten
from ontology.sources import MergedSource

#: XSD types outside the OWL 2 datatype map: HermiT refuses them and OWL 2 DL forbids them.
UNSUPPORTED_DATATYPES: frozenset[URIRef] = frozenset(
    XSD[name] for name in ("date", "time", "gYear", "gYearMonth", "gMonth", "gDay", "gMonthDay", "duration")
)

#: How many problems one error message lists before it says "and N more".
MAX_LISTED = 10


def _one_line(problems: list[str], what: str) -> str:
    shown = "; ".join(problems[:MAX_LISTED])
    more = len(problems) - MAX_LISTED
    suffix = f"; and {more} more" if more > 0 else ""
    return f"{len(problems)} {what}: {shown}{suffix}"


def dangling_iris(source: MergedSource) -> list[URIRef]:
    """The ``prp:`` IRIs used anywhere that no module declares with ``rdf:type``, sorted."""
    g = source.graph
    declared = {s for s in g.subjects(RDF.type) if isinstance(s, URIRef)}
    used: set[URIRef] = set()
    for triple in g:
        used.update(t for t in triple if isinstance(t, URIRef) and t.startswith(PRP))
    return sorted(used - declared)


def check_dangling(source: MergedSource) -> None:
    """Fail when a ``prp:`` IRI is used but never declared (usually a typo).

    Raises:
        OntologyBuildError: naming each dangling IRI and the ``file:line`` that uses it.
    """
    problems = [
        f"{shorten(iri)} is used in {source.where(iri)} but never declared with rdf:type"
        for iri in dangling_iris(source)
    ]
    if problems:
        raise OntologyBuildError(_one_line(problems, "dangling IRI(s)"))


def check_datatypes(source: MergedSource) -> None:
    """Fail on literals whose datatype HermiT and OWL 2 DL do not support (e.g. ``xsd:date``).

    Raises:
        OntologyBuildError: naming the subject, the datatype and the file.
    """
    problems = []
    for module in source.modules:
        for s, p, o in module.graph:
            if isinstance(o, Literal) and o.datatype in UNSUPPORTED_DATATYPES:
                subject = shorten(str(s)) if isinstance(s, URIRef) else "a blank node"
                where = module.where(s) if isinstance(s, URIRef) else module.name
                problems.append(
                    f"{where}: {subject} {shorten(str(p))} uses {shorten(str(o.datatype))}, "
                    "which HermiT / OWL 2 DL does not support (use xsd:dateTime or xsd:string)"
                )
    if problems:
        raise OntologyBuildError(_one_line(sorted(problems), "unsupported literal datatype(s)"))
