"""The release's version: stamped by the build from releases.tsv (never hand-typed), a new
dated version only with ``--new-version`` (``make release``), recorded together with the
release files, and the tracked release carrying the last recorded version."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import OWL, RDF, Literal, URIRef

from ontology.build import BuildResult, build
from ontology.errors import OntologyBuildError
from ontology.paths import ONTOLOGY_DIR, RELEASE_NT, RELEASE_OWL, release_paths
from ontology.release import load_graph
from ontology.versioning import read_releases, releases_bytes, today, version_iri
from tests.conftest import MINI_CONTEXT, MINI_TTL

PARAREOP = URIRef("https://w3id.org/parareop/parareop.owl")
MINI = URIRef("https://w3id.org/parareop/mini.owl")


def _mini(tmp_path: Path, *versions: str) -> tuple[Path, Path]:
    """A mini source folder and its releases.tsv (absent when no version is given)."""
    src = tmp_path / "src"
    src.mkdir()
    shutil.copyfile(MINI_TTL, src / "mini.ttl")
    releases = tmp_path / "releases.tsv"
    if versions:
        releases.write_bytes(releases_bytes(versions))
    return src, releases


def _header(path: Path, subject: URIRef) -> dict[URIRef, set[object]]:
    graph = load_graph(path)
    return {p: set(graph.objects(subject, p)) for p in (OWL.versionIRI, OWL.versionInfo, OWL.priorVersion)}


def test_tracked_release_carries_the_last_recorded_version() -> None:
    versions = read_releases(ONTOLOGY_DIR / "releases.tsv")
    assert versions, "ontology/releases.tsv records no release: run `make release`"
    for path in (RELEASE_NT, RELEASE_OWL):
        header = _header(path, PARAREOP)
        assert header[OWL.versionIRI] == {version_iri(PARAREOP, versions[-1])}
        assert header[OWL.versionInfo] == {Literal(versions[-1])}
        prior = {version_iri(PARAREOP, versions[-2])} if len(versions) > 1 else set()
        assert header[OWL.priorVersion] == prior
    graph = load_graph(RELEASE_NT)
    assert (PARAREOP, RDF.type, OWL.Ontology) in graph


def test_clean_rebuild_is_byte_identical_to_the_tracked_release(fresh_build: BuildResult) -> None:
    # a plain build keeps the recorded version, so `make test` on a clean clone changes no file
    assert fresh_build.version == read_releases(ONTOLOGY_DIR / "releases.tsv")[-1]
    assert fresh_build.nt_path.read_bytes() == RELEASE_NT.read_bytes(), "run `parareop ontology build`"
    assert fresh_build.owl_path.read_bytes() == RELEASE_OWL.read_bytes(), "run `parareop ontology build`"


def test_version_iri_scheme() -> None:
    assert (
        str(version_iri(PARAREOP, "2026-12-02"))
        == "https://w3id.org/parareop/releases/2026-12-02/parareop.owl"
    )


def test_without_releases_file_the_build_is_unversioned(tmp_path: Path) -> None:
    src, releases = _mini(tmp_path)
    result = build(src, tmp_path / "out", context=MINI_CONTEXT)
    assert result.version is None and "version: none" in result.summary()
    assert all(not values for values in _header(result.nt_path, MINI).values())
    assert not releases.exists()


def test_plain_build_stamps_the_last_version_and_leaves_the_record(tmp_path: Path) -> None:
    src, releases = _mini(tmp_path, "2026-01-05", "2026-03-01")
    before = releases.read_bytes()
    result = build(src, tmp_path / "out", context=MINI_CONTEXT)
    assert result.version == "2026-03-01" and "version: 2026-03-01" in result.summary()
    header = _header(result.nt_path, MINI)
    assert header[OWL.versionIRI] == {URIRef("https://w3id.org/parareop/releases/2026-03-01/mini.owl")}
    assert header[OWL.versionInfo] == {Literal("2026-03-01")}
    assert header[OWL.priorVersion] == {URIRef("https://w3id.org/parareop/releases/2026-01-05/mini.owl")}
    assert releases.read_bytes() == before


def test_new_version_is_recorded_and_stamped_with_its_prior(tmp_path: Path) -> None:
    src, releases = _mini(tmp_path, "2026-01-05")
    result = build(src, tmp_path / "out", context=MINI_CONTEXT, release="2026-02-01")
    assert read_releases(releases) == ("2026-01-05", "2026-02-01")
    header = _header(result.owl_path, MINI)
    assert header[OWL.versionInfo] == {Literal("2026-02-01")}
    assert header[OWL.priorVersion] == {URIRef("https://w3id.org/parareop/releases/2026-01-05/mini.owl")}
    # a second release on the same day keeps that day's version
    again = build(src, tmp_path / "again", context=MINI_CONTEXT, release="2026-02-01")
    assert read_releases(releases) == ("2026-01-05", "2026-02-01")
    assert again.nt_path.read_bytes() == result.nt_path.read_bytes()


def test_first_release_has_no_prior_version(tmp_path: Path) -> None:
    src, releases = _mini(tmp_path)
    result = build(src, tmp_path / "out", context=MINI_CONTEXT, release="2026-02-01")
    assert read_releases(releases) == ("2026-02-01",)
    header = _header(result.nt_path, MINI)
    assert header[OWL.versionInfo] == {Literal("2026-02-01")} and header[OWL.priorVersion] == set()


@pytest.mark.parametrize("bad", ["2026-01-01", "2026-13-01", "next week"])
def test_a_new_version_must_be_a_later_date(tmp_path: Path, bad: str) -> None:
    src, releases = _mini(tmp_path, "2026-01-05")
    before = releases.read_bytes()
    with pytest.raises(OntologyBuildError, match="release|date"):
        build(src, tmp_path / "out", context=MINI_CONTEXT, release=bad)
    assert releases.read_bytes() == before and not (tmp_path / "out").exists()


def test_a_failed_build_records_no_release(tmp_path: Path) -> None:
    src, releases = _mini(tmp_path, "2026-01-05")
    before = releases.read_bytes()
    (src / "bad.ttl").write_text("@prefix prp: <https://w3id.org/parareop/> .\nprp:x a ;\n")
    with pytest.raises(OntologyBuildError, match="bad.ttl:2"):
        build(src, tmp_path / "out", context=MINI_CONTEXT, release="2026-02-01")
    assert releases.read_bytes() == before and not (tmp_path / "out").exists()


def test_a_hand_typed_version_is_refused(tmp_path: Path) -> None:
    src, _ = _mini(tmp_path, "2026-01-05")
    (src / "version.ttl").write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n\n"
        '<https://w3id.org/parareop/mini.owl> owl:versionInfo "1.0" .\n'
    )
    with pytest.raises(OntologyBuildError, match=r"version\.ttl:3.*stamped by the build"):
        build(src, tmp_path / "out", context=MINI_CONTEXT)


def test_a_broken_releases_file_names_its_line(tmp_path: Path) -> None:
    src, releases = _mini(tmp_path)
    releases.write_text("version\n2026-02-01\n2026-01-01\n")
    with pytest.raises(OntologyBuildError, match=r"releases\.tsv:3.*not after 2026-02-01"):
        build(src, tmp_path / "out", context=MINI_CONTEXT)
    assert not any(p.exists() for p in release_paths(tmp_path / "out"))


def test_cli_new_version_defaults_to_today(tmp_path: Path) -> None:
    src, releases = _mini(tmp_path, "2000-01-01")
    context = ["--vocabulary", str(MINI_CONTEXT.vocabulary), "--mappings", str(MINI_CONTEXT.mappings)]
    build_args = ["ontology", "build", "--src", str(src), "--out", str(tmp_path / "out"), "--new-version"]
    done = subprocess.run(
        [sys.executable, "-m", "ui.cli", *build_args, *context],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert read_releases(releases)[-1] == today() and f"version: {today()}" in done.stdout
