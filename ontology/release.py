"""Serialize the release deterministically and write it atomically.

Determinism matters because the release is committed and a test compares it with a fresh
build: blank nodes (``owl:AllDisjointClasses``, restrictions, RDF lists) are relabelled
canonically (``rdflib.compare``), N-Triples lines are sorted, and the RDF/XML writer is fed
subjects and properties in sorted order with fixed prefixes — rdflib's own iteration order
depends on Python's hash seed.

Atomicity matters because a failed build must leave the previous release usable: both
files are written to temporary files next to their targets and renamed only when both
exist.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic, to_canonical_graph

from ontology.errors import ParaReopError
from ontology.namespaces import KNOWN_PREFIXES


def canonical(graph: Graph) -> Graph:
    """A copy of ``graph`` with blank nodes relabelled from the graph's content alone."""
    out = Graph(bind_namespaces="none")
    for triple in to_canonical_graph(graph):
        out.add(triple)
    return out


def _term_key(term: object) -> tuple[int, str, str, str]:
    kind = 0 if isinstance(term, URIRef) else 1 if isinstance(term, BNode) else 2
    if isinstance(term, Literal):
        return kind, str(term), str(term.datatype or ""), term.language or ""
    return kind, str(term), "", ""


class _SortedGraph(Graph):
    """A graph that hands the RDF/XML serializer its subjects and properties in sorted order."""

    def subjects(self, predicate: Any = None, object: Any = None, unique: bool = False) -> Iterator[Any]:  # noqa: A002
        yield from sorted(set(super().subjects(predicate, object)), key=_term_key)

    def predicate_objects(self, subject: Any = None, unique: bool = False) -> Iterator[Any]:
        pairs = set(super().predicate_objects(subject))
        yield from sorted(pairs, key=lambda po: (_term_key(po[0]), _term_key(po[1])))


def to_ntriples(graph: Graph) -> bytes:
    """Sorted N-Triples lines, UTF-8, one trailing newline (``graph`` should be canonical)."""
    text = graph.serialize(format="nt", encoding="utf-8").decode("utf-8")
    lines = sorted({line for line in text.splitlines() if line.strip()})
    return ("\n".join(lines) + "\n").encode("utf-8")


def to_rdfxml(graph: Graph, prefixes: Mapping[str, str]) -> bytes:
    """RDF/XML with stable prefixes and element order (``graph`` should be canonical).

    ``prefixes`` (e.g. the modules' @prefix lines) name namespaces beyond the known ones;
    any namespace still unnamed gets ``ns1``, ``ns2``, ... in sorted order.
    """
    out = _SortedGraph(bind_namespaces="none")
    for prefix, ns in sorted({**prefixes, **KNOWN_PREFIXES}.items()):
        out.bind(prefix, ns, override=True, replace=True)
    for triple in graph:
        out.add(triple)
    manager = out.namespace_manager
    for predicate in sorted(set(out.predicates()), key=_term_key):
        manager.compute_qname_strict(str(predicate))
    return out.serialize(format="xml", encoding="utf-8")


def write_atomically(files: Mapping[Path, bytes]) -> None:
    """Write every file, or none.

    All contents go to temporary files next to their targets first; the previous versions
    are kept as hard-link backups; then each temporary file is renamed over its target (a
    rename within one folder is atomic on POSIX). If any rename fails, the targets already
    replaced are restored from their backups.

    Raises:
        ParaReopError: a folder cannot be created or a file cannot be written.
    """
    staged: list[tuple[Path, Path]] = []
    backups: dict[Path, Path] = {}
    replaced: list[Path] = []
    try:
        for target, data in files.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            staged.append((Path(tmp_name), target))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        for _tmp, target in staged:
            if target.is_file():
                backup = target.with_name(f".{target.name}.{os.getpid()}.bak")
                backup.unlink(missing_ok=True)
                try:
                    os.link(target, backup)
                except OSError:  # no hard links on this filesystem
                    shutil.copy2(target, backup)
                backups[target] = backup
        for tmp, target in staged:
            os.replace(tmp, target)
            replaced.append(target)
    except OSError as exc:
        for target in replaced:
            if target in backups:
                os.replace(backups.pop(target), target)
            else:
                target.unlink(missing_ok=True)
        raise ParaReopError(f"cannot write the release: {exc}") from None
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        for backup in backups.values():
            backup.unlink(missing_ok=True)


def load_graph(path: Path) -> Graph:
    """Parse a release file (``.owl`` as RDF/XML, ``.nt`` as N-Triples) into rdflib.

    Raises:
        ParaReopError: the file is missing or unreadable.
    """
    fmt = {".owl": "xml", ".rdf": "xml", ".nt": "nt", ".ttl": "turtle"}.get(path.suffix)
    if fmt is None:
        raise ParaReopError(f"unknown RDF file type: {path}")
    if not path.is_file():
        raise ParaReopError(f"release file not found: {path} (run `parareop ontology build`)")
    graph = Graph(bind_namespaces="none")
    try:
        graph.parse(path, format=fmt)
    except Exception as exc:  # noqa: BLE001 - rdflib raises assorted parser errors
        raise ParaReopError(f"cannot parse {path}: {exc}") from None
    return graph


def same_graph(a: Graph, b: Graph) -> bool:
    """True when the graphs are equal up to blank-node names (RDF isomorphism)."""
    return isomorphic(a, b)
