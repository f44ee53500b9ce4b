"""Count what the ontology holds, for the build summary and the app's header.

Evidence nodes are counted through ``rdf:type/rdfs:subClassOf*`` so that a node typed with
any subclass of ``prp:EvidenceNode`` (asserted or inferred) counts once.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph

from ontology.store import select

_COUNT_QUERY = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX prp: <https://w3id.org/parareop/>
SELECT
  (COUNT(DISTINCT ?class) AS ?classes)
  (COUNT(DISTINCT ?op) AS ?object_properties)
  (COUNT(DISTINCT ?dp) AS ?data_properties)
  (COUNT(DISTINCT ?ap) AS ?annotation_properties)
  (COUNT(DISTINCT ?ind) AS ?individuals)
  (COUNT(DISTINCT ?ev) AS ?evidence_nodes)
WHERE {
  { ?class a owl:Class FILTER(isIRI(?class)) }
  UNION { ?op a owl:ObjectProperty FILTER(isIRI(?op)) }
  UNION { ?dp a owl:DatatypeProperty FILTER(isIRI(?dp)) }
  UNION { ?ap a owl:AnnotationProperty FILTER(isIRI(?ap)) }
  UNION { { ?ind a owl:NamedIndividual } UNION { ?ind a ?c . ?c a owl:Class } FILTER(isIRI(?ind)) }
  UNION { ?ev a/rdfs:subClassOf* prp:EvidenceNode }
}
"""


@dataclass(frozen=True)
class OntologyStats:
    """Entity and triple counts of one ontology graph."""

    classes: int
    object_properties: int
    data_properties: int
    annotation_properties: int
    individuals: int
    evidence_nodes: int
    triples: int

    def lines(self) -> list[str]:
        """Human-readable ``name: count`` lines, in a fixed order."""
        return [
            f"classes: {self.classes}",
            f"object properties: {self.object_properties}",
            f"data properties: {self.data_properties}",
            f"annotation properties: {self.annotation_properties}",
            f"individuals: {self.individuals}",
            f"evidence nodes: {self.evidence_nodes}",
            f"triples: {self.triples}",
        ]


def count(store: pyoxigraph.Store) -> OntologyStats:
    """Count classes, properties, individuals and evidence nodes in ``store``."""
    row = select(store, _COUNT_QUERY)[0]
    return OntologyStats(
        classes=int(row["classes"]),
        object_properties=int(row["object_properties"]),
        data_properties=int(row["data_properties"]),
        annotation_properties=int(row["annotation_properties"]),
        individuals=int(row["individuals"]),
        evidence_nodes=int(row["evidence_nodes"]),
        triples=len(store),
    )
