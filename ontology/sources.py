"""Read the hand-edited Turtle modules and merge them into one graph.

Each module is parsed on its own so that a syntax error can name its file and line, and
so that later stages (dangling IRIs, inconsistency diagnosis) can say which file uses an
IRI. Modules are read in file-name order; the merge is a plain union.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.plugins.parsers.notation3 import BadSyntax

from ontology.errors import OntologyBuildError
from ontology.namespaces import PRP

#: Relative IRIs in a module resolve against the ontology namespace, never the file path,
#: so the release does not depend on where the repository is checked out.
BASE_IRI = str(PRP)


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it lies below it, else absolute.

    >>> display_path(Path.cwd() / "ontology" / "src" / "x.ttl")
    'ontology/src/x.ttl'
    """
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class SourceModule:
    """One parsed Turtle module: its path, its text and its graph."""

    path: Path
    text: str
    graph: Graph
    #: prefix -> namespace as written in the module's @prefix lines
    prefixes: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return display_path(self.path)

    def uses(self, iri: URIRef) -> bool:
        """True when ``iri`` occurs in any position of one of this module's triples."""
        g = self.graph
        return (iri, None, None) in g or (None, iri, None) in g or (None, None, iri) in g

    def line_of(self, iri: URIRef) -> int | None:
        """The first line (1-based) that spells ``iri``, as a full IRI or a prefixed name.

        Only a pointer for the user: rdflib keeps no positions, so this searches the text.
        """
        patterns = [re.escape(f"<{iri}>")]
        for prefix, ns in self.prefixes.items():
            if iri.startswith(ns):
                local = re.escape(iri[len(ns) :])
                patterns.append(rf"(?<![\w:-]){re.escape(prefix)}:{local}(?![\w-])")
        found = re.search("|".join(patterns), self.text)
        return None if found is None else self.text.count("\n", 0, found.start()) + 1

    def where(self, iri: URIRef) -> str:
        """``file:line`` where ``iri`` first appears (``file`` alone if it cannot be found)."""
        line = self.line_of(iri)
        return self.name if line is None else f"{self.name}:{line}"


@dataclass(frozen=True)
class MergedSource:
    """All modules of a source folder and the union of their graphs."""

    modules: tuple[SourceModule, ...]
    graph: Graph

    def modules_using(self, iri: URIRef) -> list[SourceModule]:
        """The modules (in file order) whose triples mention ``iri``."""
        return [m for m in self.modules if m.uses(iri)]

    def where(self, iri: URIRef) -> str:
        """Every ``file:line`` that mentions ``iri``, comma-separated (for error messages)."""
        places = [m.where(iri) for m in self.modules_using(iri)]
        return ", ".join(places) if places else "no module"

    def prefixes(self) -> dict[str, str]:
        """The @prefix declarations of all modules (first module wins on a clash)."""
        merged: dict[str, str] = {}
        for module in self.modules:
            for prefix, ns in module.prefixes.items():
                merged.setdefault(prefix, ns)
        return merged


_PREFIX_LINE = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([\w.-]*):\s*<([^>]*)>", re.IGNORECASE | re.MULTILINE)


def parse_module(path: Path) -> SourceModule:
    """Parse one Turtle file; a syntax error becomes one ``file:line:col`` message.

    Raises:
        OntologyBuildError: the file cannot be read or is not valid Turtle.
    """
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise OntologyBuildError(f"{display_path(path)}: cannot read the module: {exc}") from None
    graph = Graph(bind_namespaces="none")
    try:
        graph.parse(data=raw, format="turtle", publicID=BASE_IRI)
    except BadSyntax as exc:
        line = exc.lines + 1
        col = exc._i - raw.rfind(b"\n", 0, exc._i)
        why = getattr(exc, "_why", str(exc))
        raise OntologyBuildError(f"{display_path(path)}:{line}:{col}: Turtle syntax error: {why}") from None
    except Exception as exc:  # noqa: BLE001 - rdflib raises assorted types for other malformed input
        raise OntologyBuildError(f"{display_path(path)}: Turtle error: {exc}") from None
    prefixes = {p: ns for p, ns in _PREFIX_LINE.findall(text)}
    return SourceModule(path=path, text=text, graph=graph, prefixes=prefixes)


def import_files(src_dir: Path) -> list[Path]:
    """The generated imports merged with ``src_dir``: ``imports/*_import.ttl`` next to it
    (ODK style, e.g. ``ontology/imports/uberon_import.ttl``), sorted; none if there is no
    such folder (a test's copy of the modules alone, the mini fixture)."""
    return sorted((src_dir.parent / "imports").glob("*_import.ttl"))


def load_sources(src_dir: Path) -> MergedSource:
    """Parse every ``*.ttl`` in ``src_dir`` (sorted by name), then the imports next to it
    (:func:`import_files`), and merge them.

    Raises:
        OntologyBuildError: the folder is missing or empty, or a module fails to parse.
    """
    if not src_dir.is_dir():
        raise OntologyBuildError(f"source folder not found: {display_path(src_dir)}")
    files = sorted(src_dir.glob("*.ttl"))
    if not files:
        raise OntologyBuildError(f"no Turtle modules (*.ttl) in {display_path(src_dir)}")
    modules = tuple(parse_module(f) for f in [*files, *import_files(src_dir)])
    merged = Graph(bind_namespaces="none")
    for module in modules:
        for triple in module.graph:
            merged.add(triple)
    return MergedSource(modules=modules, graph=merged)
