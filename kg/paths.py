"""Where the knowledge-graph layer finds its files: the release, the named queries, the shapes.

The release itself belongs to ``ontology`` (``ontology.paths.RELEASE_NT``); this module only
adds the folders that ship inside ``kg``.
"""

from __future__ import annotations

from pathlib import Path

from ontology.paths import RELEASE_NT, RELEASE_OWL

KG_DIR: Path = Path(__file__).resolve().parent
QUERIES_DIR: Path = KG_DIR / "queries"
#: What the planner reads of the graph, one query per concern (not among the named queries).
PLANNER_QUERIES_DIR: Path = QUERIES_DIR / "planner"
SHAPES_DIR: Path = KG_DIR / "shapes"
CASE_SHAPES_FILE: Path = SHAPES_DIR / "case-shapes.ttl"
CASE_MODEL_FILE: Path = Path(__file__).resolve().parent.parent / "ontology" / "src" / "90-cases.ttl"

#: The release every view loads by default: sorted N-Triples written by ``parareop ontology build``.
DEFAULT_RELEASE: Path = RELEASE_NT
#: The RDF/XML twin of the release, which owlready2 reads.
DEFAULT_RELEASE_OWL: Path = RELEASE_OWL

__all__ = [
    "CASE_MODEL_FILE",
    "CASE_SHAPES_FILE",
    "DEFAULT_RELEASE",
    "DEFAULT_RELEASE_OWL",
    "KG_DIR",
    "PLANNER_QUERIES_DIR",
    "QUERIES_DIR",
    "SHAPES_DIR",
]
