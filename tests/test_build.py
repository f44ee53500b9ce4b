"""The build: a consistent release from the real source, equal to the committed one, and
clear failures (file + line, IRI, or problem) that leave the previous release untouched."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ontology.build import BuildResult, QualityCheckError, build
from ontology.errors import OntologyBuildError
from ontology.paths import RELEASE_NT, RELEASE_OWL, release_paths
from ontology.release import load_graph, same_graph
from tests.conftest import CHECK_FIXTURES, MINI_CONTEXT, MINI_TTL

PREFIXES = """@prefix prp: <https://w3id.org/parareop/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix obo: <http://purl.obolibrary.org/obo/> .
"""


def _previous_release(fresh_build: BuildResult, out: Path) -> dict[Path, bytes]:
    """Put a release into ``out`` (a copy of the fresh build) and return its bytes."""
    out.mkdir(parents=True, exist_ok=True)
    for built, target in zip((fresh_build.owl_path, fresh_build.nt_path), release_paths(out), strict=True):
        shutil.copyfile(built, target)
    return {p: p.read_bytes() for p in release_paths(out)}


def _fail_build(src: Path, out: Path, fresh_build: BuildResult) -> str:
    """Build ``src`` into ``out`` holding a previous release; return the error message and
    check that the previous release is byte-for-byte untouched."""
    before = _previous_release(fresh_build, out)
    with pytest.raises(OntologyBuildError) as caught:
        build(src, out, quality_checks=False)
    assert {p: p.read_bytes() for p in release_paths(out)} == before
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in before)
    return str(caught.value)


def test_fresh_build_is_consistent_and_counted(fresh_build: BuildResult) -> None:
    stats = fresh_build.stats
    assert stats.classes > 0 and stats.individuals > 0 and stats.evidence_nodes > 0
    assert stats.object_properties > 0 and stats.data_properties > 0 and stats.annotation_properties > 0
    assert fresh_build.reasoner_seconds > 0
    summary = fresh_build.summary()
    for needle in ("classes:", "object properties:", "individuals:", "evidence nodes:", "triples:", "HermiT"):
        assert needle in summary


def test_committed_release_equals_fresh_build(fresh_build: BuildResult) -> None:
    assert RELEASE_OWL.is_file() and RELEASE_NT.is_file(), "no committed release: run `make release`"
    fresh = load_graph(fresh_build.nt_path)
    assert same_graph(load_graph(RELEASE_NT), fresh), "ontology/parareop.nt is stale: run `make release`"
    assert same_graph(load_graph(RELEASE_OWL), fresh), "ontology/parareop.owl is stale: run `make release`"


def test_release_files_hold_the_same_graph(fresh_build: BuildResult) -> None:
    assert same_graph(load_graph(fresh_build.owl_path), load_graph(fresh_build.nt_path))


def test_build_output_is_byte_identical_when_repeated(fresh_build: BuildResult, tmp_path: Path) -> None:
    again = build(out_dir=tmp_path, quality_checks=False)
    assert again.nt_path.read_bytes() == fresh_build.nt_path.read_bytes()
    assert again.owl_path.read_bytes() == fresh_build.owl_path.read_bytes()


def test_syntax_error_names_file_and_line(src_copy: Path, tmp_path: Path, fresh_build: BuildResult) -> None:
    (src_copy / "99-bad.ttl").write_text(PREFIXES + 'prp:x a owl:Class ;\n    rdfs:label "unterminated .\n')
    message = _fail_build(src_copy, tmp_path / "out", fresh_build)
    assert "99-bad.ttl:7" in message and "syntax error" in message
    assert "\n" not in message


def test_dangling_iri_names_iri_and_file(src_copy: Path, tmp_path: Path, fresh_build: BuildResult) -> None:
    (src_copy / "99-bad.ttl").write_text(
        PREFIXES + "prp:thing a owl:NamedIndividual, prp:Site ;\n    prp:adjacentSite prp:site_perrer_A .\n"
    )
    message = _fail_build(src_copy, tmp_path / "out", fresh_build)
    assert "prp:site_perrer_A" in message and "99-bad.ttl:7" in message and "never declared" in message


def test_inconsistent_axiom_names_individual_and_classes(
    src_copy: Path, tmp_path: Path, fresh_build: BuildResult
) -> None:
    (src_copy / "99-bad.ttl").write_text(
        PREFIXES + 'prp:chimera a owl:NamedIndividual, prp:Site, prp:Vein ; rdfs:label "chimera"@en .\n'
    )
    message = _fail_build(src_copy, tmp_path / "out", fresh_build)
    assert "inconsistent" in message
    assert "prp:chimera" in message and "prp:Site" in message and "prp:Vein" in message
    assert "99-bad.ttl:6" in message and "disjoint" in message


def test_unsatisfiable_class_is_named(src_copy: Path, tmp_path: Path, fresh_build: BuildResult) -> None:
    (src_copy / "99-bad.ttl").write_text(
        PREFIXES
        + 'prp:Impossible a owl:Class ; rdfs:subClassOf prp:Site, prp:Vein ; rdfs:label "impossible"@en .\n'
    )
    message = _fail_build(src_copy, tmp_path / "out", fresh_build)
    assert "unsatisfiable" in message and "prp:Impossible" in message and "disjoint" in message


def test_unsupported_datatype_is_refused(src_copy: Path, tmp_path: Path, fresh_build: BuildResult) -> None:
    (src_copy / "99-bad.ttl").write_text(
        PREFIXES + 'prp:thing a owl:NamedIndividual, prp:Site ; rdfs:comment "2024-01-01"^^xsd:date .\n'
    )
    message = _fail_build(src_copy, tmp_path / "out", fresh_build)
    assert "xsd:date" in message and "99-bad.ttl" in message


def test_empty_source_folder_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    with pytest.raises(OntologyBuildError, match=r"no Turtle modules"):
        build(tmp_path / "src", tmp_path / "out")


def test_quality_check_error_blocks_the_release(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    shutil.copyfile(MINI_TTL, src / "mini.ttl")
    out = tmp_path / "out"
    good = build(src, out, context=MINI_CONTEXT)
    assert good.checks is not None and good.checks.violations == []
    before = {p: p.read_bytes() for p in release_paths(out)}

    shutil.copyfile(CHECK_FIXTURES / "plants" / "missing_label.ttl", src / "plant.ttl")
    with pytest.raises(QualityCheckError) as caught:
        build(src, out, context=MINI_CONTEXT)
    assert [v.check for v in caught.value.run.violations] == ["missing_label"]
    assert {p: p.read_bytes() for p in release_paths(out)} == before
