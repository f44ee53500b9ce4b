"""Run HermiT (through owlready2) over a graph and return what it inferred.

The graph goes to owlready2 as RDF/XML (the release format, so the release is what the
reasoner saw) in a private ``World``, never the global ``default_world``: a build must not
leak entities into other code in the same process. The reasoner's results are collected in
an ontology of their own, so the inferred triples are exactly the triples of that ontology
and can be merged back into the asserted graph without owlready2 rewriting anything else.
"""

from __future__ import annotations

import io
import shutil
import time
from dataclasses import dataclass

import owlready2
from rdflib import OWL, Graph, URIRef

from ontology.errors import OntologyBuildError

#: Where the inferences are collected inside the World; never written to the release.
_INFERRED_IRI = "https://w3id.org/parareop/build/inferred"


class InconsistentOntologyError(OntologyBuildError):
    """HermiT found no model of the ontology (e.g. an individual in two disjoint classes)."""


class UnsatisfiableClassesError(OntologyBuildError):
    """HermiT proved some classes empty (equivalent to owl:Nothing)."""

    def __init__(self, message: str, classes: list[URIRef]) -> None:
        super().__init__(message)
        self.classes = classes


@dataclass(frozen=True)
class ReasonerResult:
    """The triples HermiT added (direct subclass and type links) and how long it took."""

    inferred: Graph
    seconds: float


def _require_java() -> None:
    if shutil.which(owlready2.JAVA_EXE) is None:
        raise OntologyBuildError(
            f"Java not found ({owlready2.JAVA_EXE!r}): the HermiT reasoner needs it; "
            "run `make setup` (installs Debian's default-jre-headless) or put java on PATH"
        )


def _java_message(exc: Exception) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    meaningful = [line for line in lines if not line.startswith(("at ", "Java error message"))]
    return meaningful[0] if meaningful else "unknown Java error"


def _inferred_triples(ontology: owlready2.Ontology) -> Graph:
    """The triples of the inference ontology, minus its header and trivial OWL links."""
    buffer = io.BytesIO()
    ontology.save(file=buffer, format="ntriples")
    raw = Graph(bind_namespaces="none")
    raw.parse(data=buffer.getvalue(), format="nt")
    inferred = Graph(bind_namespaces="none")
    header = URIRef(_INFERRED_IRI)
    for s, p, o in raw:
        # owl:Thing / owl:topObjectProperty parents say nothing; the header is ours.
        if s == header or (isinstance(o, URIRef) and o.startswith(str(OWL))):
            continue
        inferred.add((s, p, o))
    return inferred


def reason(graph: Graph) -> ReasonerResult:
    """Classify and realise ``graph`` with HermiT; return the inferred triples.

    Raises:
        InconsistentOntologyError: the ontology has no model.
        UnsatisfiableClassesError: some classes can have no members.
        OntologyBuildError: Java is missing or HermiT failed for another reason.
    """
    _require_java()
    rdfxml = graph.serialize(format="xml", encoding="utf-8")
    world = owlready2.World()
    try:
        try:
            world.get_ontology("https://w3id.org/parareop/build/input").load(fileobj=io.BytesIO(rdfxml))
        except owlready2.OwlReadyError as exc:
            raise OntologyBuildError(f"owlready2 cannot load the merged ontology: {exc}") from None
        inferred_onto = world.get_ontology(_INFERRED_IRI)
        started = time.perf_counter()
        try:
            with inferred_onto:
                owlready2.sync_reasoner(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError:
            raise InconsistentOntologyError("HermiT found the ontology inconsistent") from None
        except owlready2.OwlReadyJavaError as exc:
            raise OntologyBuildError(f"HermiT failed: {_java_message(exc)}") from None
        seconds = time.perf_counter() - started
        unsatisfiable = sorted(
            URIRef(c.iri) for c in world.inconsistent_classes() if c.iri != str(OWL.Nothing)
        )
        if unsatisfiable:
            raise UnsatisfiableClassesError(
                f"HermiT found {len(unsatisfiable)} unsatisfiable class(es)", unsatisfiable
            )
        return ReasonerResult(inferred=_inferred_triples(inferred_onto), seconds=seconds)
    finally:
        world.close()
