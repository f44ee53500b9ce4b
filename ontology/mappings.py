"""Compare the external terms the graph uses with their one registry each.

Every UBERON / MONDO / HP / NCIT / LOINC IRI in the graph must say what it is without the
reader downloading the reference ontology, and a typo in an ID must show up. Each external
term has one home for its label:

* a term reused by IRI comes with a generated import (``ontology/imports/*_import.ttl``,
  merged by the build): it carries the reference ontology's own ``rdfs:label`` and
  ``obo:IAO_0000412`` (imported from). UBERON is reused this way and is not mapped;
* a term ParaReop *maps* to (``skos:exactMatch`` / ``skos:closeMatch`` ... from a ParaReop
  entity) is a row of the SSSOM mapping set ``ontology/mappings.sssom.tsv``, with its label.

The mapping set must be exactly the graph's mappings: a mapping the graph asserts without
a row is an ERROR, a row the graph does not assert a WARN. The file itself is checked as
SSSOM by ``ontology.sssom`` (metadata, prefixes, no self-maps).
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph

from ontology.namespaces import EXTERNAL_IRI_STARTS, shorten
from ontology.sssom import CHECK_NAME, COLUMNS, PREDICATES, MappingSet, read_mapping_set
from ontology.store import select
from ontology.violations import Level, Violation

__all__ = ["CHECK_NAME", "COLUMNS", "check_mappings", "read_table"]

_STARTS = " || ".join(f'STRSTARTS(STR(?iri), "{s}")' for s in EXTERNAL_IRI_STARTS)
_EXTERNAL_QUERY = f"""
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX obo:  <http://purl.obolibrary.org/obo/>
SELECT DISTINCT ?iri ?label ?imported WHERE {{
  {{ ?iri ?p ?o }} UNION {{ ?s ?iri ?o }} UNION {{ ?s ?p ?iri }}
  FILTER(isIRI(?iri) && ({_STARTS}))
  OPTIONAL {{ ?iri rdfs:label ?label }}
  OPTIONAL {{ ?iri obo:IAO_0000412 ?imported }}
}}
"""
_MATCH_QUERY = f"""
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?s ?p ?iri ?s_label WHERE {{
  VALUES ?p {{ {" ".join(f"<{p}>" for p in sorted(PREDICATES))} }}
  ?s ?p ?iri .
  FILTER(isIRI(?iri) && ({_STARTS}))
  OPTIONAL {{ ?s rdfs:label ?s_label }}
}}
"""


def read_table(path: Path) -> MappingSet:
    """Read the mapping set; what is wrong with the file becomes ERROR violations.

    Raises:
        CheckSetupError: the file is missing or its header row is not the SSSOM columns.
    """
    return read_mapping_set(path)


def _warn(entity: str, message: str) -> Violation:
    return Violation(Level.WARN, CHECK_NAME, entity, message)


def _error(entity: str, message: str) -> Violation:
    return Violation(Level.ERROR, CHECK_NAME, entity, message)


def _graph_terms(store: pyoxigraph.Store) -> tuple[dict[str, set[str]], set[str]]:
    """External IRI -> its labels in the graph; and the IRIs an import brought."""
    labels: dict[str, set[str]] = {}
    imported: set[str] = set()
    for row in select(store, _EXTERNAL_QUERY):
        labels.setdefault(row["iri"], set())
        if "label" in row:
            labels[row["iri"]].add(row["label"])
        if "imported" in row:
            imported.add(row["iri"])
    return labels, imported


def _label_differs(listed: str, graph: set[str]) -> bool:
    return bool(graph) and bool(listed) and listed.lower() not in {x.lower() for x in graph}


def _compare_rows(
    table: MappingSet, store: pyoxigraph.Store, graph_labels: dict[str, set[str]]
) -> list[Violation]:
    """The rows against the mappings the graph asserts, both ways, and their labels."""
    asserted: dict[tuple[str, str, str], set[str]] = {}
    for found in select(store, _MATCH_QUERY):
        labels = asserted.setdefault((found["s"], found["p"], found["iri"]), set())
        if "s_label" in found:
            labels.add(found["s_label"])
    listed = {(r.subject, r.predicate, r.object) for r in table.rows}
    out: list[Violation] = []
    for subject, predicate, iri in sorted(set(asserted) - listed):
        out.append(
            _error(
                iri,
                f"the graph maps {shorten(subject)} to it by {shorten(predicate)}: no row in {table.name}",
            )
        )
    for row in table.rows:
        where = f"{table.name}:{row.line}"
        key = (row.subject, row.predicate, row.object)
        if key not in asserted:
            out.append(
                _warn(row.object, f"{where} maps {shorten(row.subject)} to it, but the graph does not")
            )
            continue
        if _label_differs(row.subject_label, asserted[key]):
            shown = " / ".join(sorted(asserted[key]))
            out.append(_warn(row.subject, f"{where} labels it {row.subject_label!r}, the graph {shown!r}"))
        if _label_differs(row.object_label, graph_labels.get(row.object, set())):
            shown = " / ".join(sorted(graph_labels[row.object]))
            out.append(_warn(row.object, f"{where} labels it {row.object_label!r}, the graph {shown!r}"))
    return out


def check_mappings(store: pyoxigraph.Store, table_path: Path) -> list[Violation]:
    """ERROR for a malformed mapping set, for an external IRI that is neither imported nor
    mapped, and for a mapping the graph asserts that the set lacks; WARN for a row the graph
    does not assert or whose label differs from the graph's ``rdfs:label``."""
    table = read_table(table_path)
    graph_labels, imported = _graph_terms(store)
    mapped = {r.object for r in table.rows}
    violations = list(table.problems)
    for iri in sorted(graph_labels):
        if iri not in imported and iri not in mapped:
            violations.append(
                _error(
                    iri,
                    f"used in the graph but neither imported (ontology/imports, with its label) "
                    f"nor mapped in {table.name}",
                )
            )
    violations.extend(_compare_rows(table, store, graph_labels))
    return violations
