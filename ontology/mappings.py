"""Compare the external IRIs the graph uses with the SSSOM mapping table.

Every UBERON / MONDO / HP / NCIT / LOINC IRI in the graph must be listed, with its label,
in ``ontology/mappings.sssom.tsv`` (SSSOM TSV: ``#``-prefixed YAML metadata, then a header
row). A reader can then see every external term and what it means without downloading
the reference ontologies, and a typo in an ID shows up as an unlisted IRI.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph

from ontology.errors import CheckSetupError
from ontology.namespaces import EXTERNAL_IRI_STARTS, EXTERNAL_PREFIXES, KNOWN_PREFIXES
from ontology.store import select
from ontology.violations import Level, Violation

CHECK_NAME = "external_mappings"
COLUMNS = (
    "subject_id",
    "subject_label",
    "predicate_id",
    "object_id",
    "object_label",
    "mapping_justification",
)
_CURIE_MAP_ENTRY = re.compile(r"^#\s{2,}([A-Za-z_][\w.-]*):\s*(\S+)\s*$")

_EXTERNAL_QUERY = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?iri ?label WHERE {
  { ?iri ?p ?o } UNION { ?s ?iri ?o } UNION { ?s ?p ?iri }
  FILTER(isIRI(?iri) && (%s))
  OPTIONAL { ?iri rdfs:label ?label }
}
"""


@dataclass(frozen=True)
class MappingTable:
    """External IRI -> (label, line number) for every external term the table lists."""

    labels: dict[str, tuple[str, int]]
    problems: list[Violation]


def _expand(value: str, curie_map: dict[str, str]) -> str | None:
    value = value.strip().removeprefix("<").removesuffix(">")
    if "://" in value:
        return value
    prefix, sep, local = value.partition(":")
    if not sep or prefix not in curie_map:
        return None
    return curie_map[prefix] + local


def _is_external(iri: str) -> bool:
    return iri.startswith(EXTERNAL_IRI_STARTS)


def read_table(path: Path) -> MappingTable:
    """Read the mapping table; malformed rows become ERROR violations, not exceptions.

    Raises:
        CheckSetupError: the file is missing or its header row is not the SSSOM columns.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CheckSetupError(f"cannot read the mapping table {path}: {exc}") from None
    curie_map = {**KNOWN_PREFIXES, **EXTERNAL_PREFIXES}
    body: list[tuple[int, str]] = []
    for number, line in enumerate(lines, start=1):
        if line.startswith("#"):
            entry = _CURIE_MAP_ENTRY.match(line)
            if entry:
                curie_map[entry.group(1)] = entry.group(2)
        elif line.strip():
            body.append((number, line))
    if not body or tuple(body[0][1].split("\t")) != COLUMNS:
        raise CheckSetupError(f"{path}: the first non-comment row must be the header: " + "\t".join(COLUMNS))

    labels: dict[str, tuple[str, int]] = {}
    problems: list[Violation] = []
    for number, fields in ((n, next(csv.reader([line], delimiter="\t"))) for n, line in body[1:]):
        where = f"{path.name}:{number}"
        if len(fields) != len(COLUMNS):
            problems.append(
                Violation(
                    Level.ERROR, CHECK_NAME, where, f"expected {len(COLUMNS)} columns, got {len(fields)}"
                )
            )
            continue
        row = dict(zip(COLUMNS, fields, strict=True))
        for id_col, label_col in (("subject_id", "subject_label"), ("object_id", "object_label")):
            iri = _expand(row[id_col], curie_map)
            if iri is None:
                problems.append(
                    Violation(
                        Level.ERROR, CHECK_NAME, where, f"{id_col} {row[id_col]!r} has an unknown prefix"
                    )
                )
            elif _is_external(iri):
                label = row[label_col].strip()
                if not label:
                    problems.append(
                        Violation(Level.ERROR, CHECK_NAME, iri, f"listed without a label ({where})")
                    )
                labels.setdefault(iri, (label, number))
    return MappingTable(labels=labels, problems=problems)


def check_mappings(store: pyoxigraph.Store, table_path: Path) -> list[Violation]:
    """ERROR for an external IRI the table does not list; WARN for a listed IRI the graph
    does not use, or whose label differs from the graph's ``rdfs:label``."""
    table = read_table(table_path)
    starts = " || ".join(f'STRSTARTS(STR(?iri), "{s}")' for s in EXTERNAL_IRI_STARTS)
    graph_labels: dict[str, set[str]] = {}
    for row in select(store, _EXTERNAL_QUERY % starts):
        labels = graph_labels.setdefault(row["iri"], set())
        if "label" in row:
            labels.add(row["label"])

    violations = list(table.problems)
    for iri in sorted(graph_labels):
        listed = table.labels.get(iri)
        if listed is None:
            violations.append(
                Violation(
                    Level.ERROR, CHECK_NAME, iri, f"used in the graph but not listed in {table_path.name}"
                )
            )
        elif (
            graph_labels[iri]
            and listed[0]
            and listed[0].lower() not in {x.lower() for x in graph_labels[iri]}
        ):
            shown = " / ".join(sorted(graph_labels[iri]))
            violations.append(
                Violation(
                    Level.WARN,
                    CHECK_NAME,
                    iri,
                    f"{table_path.name}:{listed[1]} labels it {listed[0]!r}, the graph {shown!r}",
                )
            )
    for iri, (_label, number) in sorted(table.labels.items()):
        if iri not in graph_labels:
            violations.append(
                Violation(
                    Level.WARN,
                    CHECK_NAME,
                    iri,
                    f"listed in {table_path.name}:{number} but not used in the graph",
                )
            )
    return violations
