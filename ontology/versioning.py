"""The release's version on the ontology header, stamped by the build, never hand-typed.

``ontology/releases.tsv`` records every released version, oldest first: one ISO date
(``YYYY-MM-DD``, UTC) per line. The build stamps the header with the last one::

    owl:versionIRI   <https://w3id.org/parareop/releases/YYYY-MM-DD/parareop.owl>
    owl:versionInfo  "YYYY-MM-DD"
    owl:priorVersion <https://w3id.org/parareop/releases/<previous date>/parareop.owl>

(``owl:priorVersion`` only when there is an earlier line). A plain build keeps the last
recorded version, so building a clean clone gives byte-identical release files;
``parareop ontology build --release`` (what ``make release`` runs) first adds today's date
and writes ``releases.tsv`` together with the two release files (all or nothing). A second
release on the same day keeps that day's version. The version IRI is the ontology IRI with
``releases/<date>/`` inserted before its last path segment.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path

from rdflib import OWL, RDF, Graph, Literal, URIRef

from ontology.errors import OntologyBuildError
from ontology.sources import MergedSource, display_path

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: The header properties the build writes; a source module must not spell them.
STAMPED = (OWL.versionIRI, OWL.versionInfo, OWL.priorVersion)
HEADER = (
    "# ParaReop releases, oldest first: one version (UTC date YYYY-MM-DD) per line.\n"
    "# Written by `make release` (parareop ontology build --new-version); a plain build stamps the last.\n"
    "version\n"
)


def valid_date(text: str) -> bool:
    """Whether ``text`` is a real calendar date written YYYY-MM-DD (releases, mapping dates).

    >>> valid_date("2026-12-02"), valid_date("2026-02-30"), valid_date("2026-1-2")
    (True, False, False)
    """
    if not _DATE.match(text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def read_releases(path: Path) -> tuple[str, ...]:
    """The versions recorded in ``path``, oldest first (none when the file is missing).

    >>> read_releases(Path("/nonexistent/releases.tsv"))
    ()

    Raises:
        OntologyBuildError: a line is not a date, or the dates are not strictly increasing.
    """
    if not path.is_file():
        return ()
    versions: list[str] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#") or line == "version":
            continue
        version = line.split("\t", 1)[0].strip()
        if not valid_date(version):
            raise OntologyBuildError(
                f"{display_path(path)}:{number}: not a release date (YYYY-MM-DD): {version!r}"
            )
        if versions and version <= versions[-1]:
            raise OntologyBuildError(
                f"{display_path(path)}:{number}: release {version} is not after {versions[-1]} (oldest first)"
            )
        versions.append(version)
    return tuple(versions)


def add_release(versions: Sequence[str], version: str) -> tuple[str, ...]:
    """``versions`` with ``version`` appended (unchanged when it is already the last one).

    >>> add_release(("2026-01-05",), "2026-02-01")
    ('2026-01-05', '2026-02-01')
    >>> add_release(("2026-01-05",), "2026-01-05")
    ('2026-01-05',)

    Raises:
        OntologyBuildError: ``version`` is not a date or is older than the last release.
    """
    if not valid_date(version):
        raise OntologyBuildError(f"not a release date (YYYY-MM-DD): {version!r}")
    if versions and version == versions[-1]:
        return tuple(versions)
    if versions and version < versions[-1]:
        raise OntologyBuildError(f"release {version} is older than the last release {versions[-1]}")
    return (*versions, version)


def releases_bytes(versions: Sequence[str]) -> bytes:
    """The text of ``releases.tsv`` for ``versions``.

    >>> releases_bytes(["2026-01-05"]).decode().splitlines()[-2:]
    ['version', '2026-01-05']
    """
    return (HEADER + "".join(f"{v}\n" for v in versions)).encode("utf-8")


def today() -> str:
    """Today's date in UTC, the version ``make release`` stamps."""
    return dt.datetime.now(dt.UTC).date().isoformat()


def version_iri(ontology_iri: str, version: str) -> URIRef:
    """The IRI of one released version of the ontology.

    >>> str(version_iri("https://w3id.org/parareop/parareop.owl", "2026-12-02"))
    'https://w3id.org/parareop/releases/2026-12-02/parareop.owl'
    """
    base, _, name = ontology_iri.rpartition("/")
    return URIRef(f"{base}/releases/{version}/{name}")


def ontology_iri(source: MergedSource) -> URIRef:
    """The one ``owl:Ontology`` IRI of the merged modules.

    Raises:
        OntologyBuildError: there is no header, more than one, or a blank-node header.
    """
    headers = sorted(set(source.graph.subjects(RDF.type, OWL.Ontology)), key=str)
    if len(headers) != 1 or not isinstance(headers[0], URIRef):
        found = ", ".join(str(h) for h in headers) or "none"
        raise OntologyBuildError(
            f"the release needs exactly one owl:Ontology header with an IRI (found: {found})"
        )
    return headers[0]


def check_not_hand_typed(source: MergedSource) -> None:
    """Refuse version triples written in a module: the build stamps them.

    Raises:
        OntologyBuildError: a module spells owl:versionIRI, owl:versionInfo or owl:priorVersion.
    """
    for prop in STAMPED:
        if (None, prop, None) in source.graph:
            raise OntologyBuildError(
                f"{source.where(prop)}: {prop.n3(source.graph.namespace_manager)} is stamped by the build "
                "from ontology/releases.tsv (`make release`); remove it from the module"
            )


def version_triples(source: MergedSource, versions: Sequence[str]) -> Graph:
    """The header triples for the last of ``versions`` (an empty graph when there is none)."""
    stamped = Graph(bind_namespaces="none")
    if not versions:
        return stamped
    header = ontology_iri(source)
    stamped.add((header, OWL.versionIRI, version_iri(header, versions[-1])))
    stamped.add((header, OWL.versionInfo, Literal(versions[-1])))
    if len(versions) > 1:
        stamped.add((header, OWL.priorVersion, version_iri(header, versions[-2])))
    return stamped
