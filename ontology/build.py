"""Build the release: merge the Turtle modules, lint them, reason with HermiT, run the
quality checks, and write ``parareop.owl`` (RDF/XML) and ``parareop.nt`` (sorted N-Triples).

The order is chosen so that the cheapest and most specific failure comes first: a Turtle
syntax error (file:line), a dangling IRI (file:line), an unsupported datatype, then the
reasoner (inconsistency or unsatisfiable classes, with a structural diagnosis), then the
quality checks. Nothing is written until every step has passed, and the two files are
replaced together, so a failed build leaves the previous release as it was.

The header's ``owl:versionIRI`` / ``owl:versionInfo`` / ``owl:priorVersion`` are stamped
from ``releases.tsv`` next to the source folder (see ``ontology.versioning``): a plain build
keeps the last recorded version, ``release=DATE`` records a new one first, and stamps it as
the ``mapping_set_version`` of the mapping set beside ``releases.tsv``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from ontology.checks import CheckContext, CheckRun, run_checks
from ontology.diagnose import explain_inconsistency, explain_unsatisfiable
from ontology.errors import OntologyBuildError, ParaReopError
from ontology.lint import check_dangling, check_datatypes
from ontology.paths import MAPPINGS_FILE, ONTOLOGY_DIR, SRC_DIR, release_paths
from ontology.reasoner import InconsistentOntologyError, UnsatisfiableClassesError, reason
from ontology.release import canonical, to_ntriples, to_rdfxml, write_atomically
from ontology.sources import MergedSource, display_path, load_sources
from ontology.sssom import stamp_version
from ontology.stats import OntologyStats, count
from ontology.store import store_from_ntriples
from ontology.versioning import (
    add_release,
    check_not_hand_typed,
    read_releases,
    releases_bytes,
    version_triples,
)
from ontology.violations import Level, has_errors


class QualityCheckError(OntologyBuildError):
    """The release would violate an ERROR-level quality check; ``run`` holds the report."""

    def __init__(self, message: str, run: CheckRun) -> None:
        super().__init__(message)
        self.run = run


@dataclass(frozen=True)
class BuildResult:
    """What a successful build wrote and measured."""

    owl_path: Path
    nt_path: Path
    modules: int
    stats: OntologyStats
    inferred_triples: int
    reasoner_seconds: float
    total_seconds: float
    checks: CheckRun | None
    #: the version stamped on the header (``None``: no releases.tsv, an unversioned build)
    version: str | None = None

    def summary(self) -> str:
        """The lines ``parareop ontology build`` prints."""
        lines = [
            f"built {display_path(self.owl_path)} and {display_path(self.nt_path)} "
            f"from {self.modules} module(s)",
            *(f"  {line}" for line in self.stats.lines()),
            f"  inferred triples added: {self.inferred_triples}",
            f"  version: {self.version}" if self.version else "  version: none (no releases.tsv)",
            f"  reasoner (HermiT): {self.reasoner_seconds:.2f} s",
            f"  build total: {self.total_seconds:.2f} s",
        ]
        if self.checks is None:
            lines.append("  quality checks: skipped (--no-checks)")
        else:
            warnings = sum(v.level is Level.WARN for v in self.checks.violations)
            lines.append(
                f"  quality checks: {self.checks.checks_run} run, 0 errors, {warnings} warning(s)"
                + (" (see `parareop ontology check`)" if warnings else "")
            )
        return "\n".join(lines)


def _reason_or_explain(source: MergedSource) -> tuple[Graph, float]:
    """Run HermiT; on failure, raise a message that names the likely causes."""
    try:
        result = reason(source.graph)
    except InconsistentOntologyError as exc:
        causes = explain_inconsistency(source)
        detail = (
            "; ".join(causes)
            if causes
            else (
                "no simple cause found (individual in disjoint classes, literal outside its range, "
                "two values of a functional property); remove modules one by one to locate it"
            )
        )
        raise OntologyBuildError(f"{exc}: {detail}") from None
    except UnsatisfiableClassesError as exc:
        raise OntologyBuildError(f"{exc}: " + "; ".join(explain_unsatisfiable(source, exc.classes))) from None
    return result.inferred, result.seconds


def _stamped_mapping_set(path: Path, version: str) -> dict[Path, bytes]:
    """The mapping set beside ``releases.tsv`` with the new release as its
    ``mapping_set_version`` (nothing when there is no such file): a release stamps both."""
    if not path.is_file():
        return {}
    try:
        return {path: stamp_version(path.read_text(encoding="utf-8"), version).encode("utf-8")}
    except ParaReopError as exc:
        raise OntologyBuildError(f"{display_path(path)}: {exc}") from None


def build(
    src_dir: Path = SRC_DIR,
    out_dir: Path = ONTOLOGY_DIR,
    *,
    quality_checks: bool = True,
    context: CheckContext | None = None,
    releases: Path | None = None,
    release: str | None = None,
) -> BuildResult:
    """Build the release from ``src_dir`` into ``out_dir``.

    ``releases`` (default: ``releases.tsv`` next to ``src_dir``) lists the released
    versions; the last one is stamped on the header. ``release`` (a date ``YYYY-MM-DD``)
    records that version first: ``releases`` is rewritten together with the release files.

    Raises:
        OntologyBuildError: any step failed (the message names file, line or entity and
            the problem); the files in ``out_dir`` are untouched.
        QualityCheckError: an ERROR-level quality check failed (its report is attached).
    """
    started = time.perf_counter()
    source = load_sources(src_dir)
    check_dangling(source)
    check_datatypes(source)
    check_not_hand_typed(source)
    releases_path = releases if releases is not None else src_dir.parent / "releases.tsv"
    recorded = read_releases(releases_path)
    versions = add_release(recorded, release) if release is not None else recorded
    stamp = version_triples(source, versions)
    inferred, reasoner_seconds = _reason_or_explain(source)

    graph = canonical(source.graph + inferred + stamp)
    nt_bytes = to_ntriples(graph)
    owl_bytes = to_rdfxml(graph, source.prefixes())
    store = store_from_ntriples(nt_bytes)

    run: CheckRun | None = None
    if quality_checks:
        run = run_checks(store, context)
        if has_errors(run.violations):
            errors = sum(v.level is Level.ERROR for v in run.violations)
            raise QualityCheckError(
                f"{errors} quality check error(s); the release was not written "
                "(fix them, or build with --no-checks while editing)",
                run,
            )

    owl_path, nt_path = release_paths(out_dir)
    files = {owl_path: owl_bytes, nt_path: nt_bytes}
    if versions != recorded:
        files[releases_path] = releases_bytes(versions)
        files.update(_stamped_mapping_set(releases_path.parent / MAPPINGS_FILE.name, versions[-1]))
    write_atomically(files)
    return BuildResult(
        owl_path=owl_path,
        nt_path=nt_path,
        modules=len(source.modules),
        stats=count(store),
        inferred_triples=len(inferred - source.graph),
        reasoner_seconds=reasoner_seconds,
        total_seconds=time.perf_counter() - started,
        checks=run,
        version=versions[-1] if versions else None,
    )
