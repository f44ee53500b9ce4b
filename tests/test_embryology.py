"""The reasoner checks the embryology: each gland position is typed with its UBERON gland
class, which develops from pharyngeal pouch 3 or 4 (15-bridge-uberon.ttl); a recorded origin
(prp:hasOrigin) that contradicts the class makes the build fail, naming the gland."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ontology.build import BuildResult, build
from ontology.errors import OntologyBuildError
from ontology.store import open_store, select

LEFT_SUPERIOR = (
    "prp:anatomicalEntity obo:UBERON_0006749 ; prp:hasOrigin prp:origin_fourth_pouch ; "
    "prp:hasSide prp:side_left ."
)
RIGHT_INFERIOR = (
    "prp:anatomicalEntity obo:UBERON_0006755 ; prp:hasOrigin prp:origin_third_pouch ; "
    "prp:hasSide prp:side_right ."
)


def _replace(src: Path, old: str, new: str) -> None:
    sites = src / "20-sites.ttl"
    text = sites.read_text(encoding="utf-8")
    assert text.count(old) == 1, "the fixture no longer matches 20-sites.ttl"
    sites.write_text(text.replace(old, new), encoding="utf-8")


def test_superior_gland_with_third_pouch_origin_fails_the_build(src_copy: Path, tmp_path: Path) -> None:
    _replace(src_copy, LEFT_SUPERIOR, LEFT_SUPERIOR.replace("origin_fourth_pouch", "origin_third_pouch"))
    with pytest.raises(OntologyBuildError, match="inconsistent") as caught:
        build(src_copy, tmp_path / "out", quality_checks=False)
    message = str(caught.value)
    assert "prp:position_left_superior" in message
    assert "UBERON:0007124" in message and "UBERON:0007125" in message
    assert "prp:origin_third_pouch" in message
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_inferior_gland_with_fourth_pouch_origin_fails_the_build(src_copy: Path, tmp_path: Path) -> None:
    _replace(src_copy, RIGHT_INFERIOR, RIGHT_INFERIOR.replace("origin_third_pouch", "origin_fourth_pouch"))
    with pytest.raises(OntologyBuildError, match="prp:position_right_inferior"):
        build(src_copy, tmp_path / "out", quality_checks=False)


def test_superior_gland_with_supernumerary_origin_fails_the_build(src_copy: Path, tmp_path: Path) -> None:
    _replace(src_copy, LEFT_SUPERIOR, LEFT_SUPERIOR.replace("origin_fourth_pouch", "origin_supernumerary"))
    with pytest.raises(OntologyBuildError, match="prp:position_left_superior"):
        build(src_copy, tmp_path / "out", quality_checks=False)


def test_cli_build_fails_and_names_the_gland(src_copy: Path, tmp_path: Path) -> None:
    _replace(src_copy, LEFT_SUPERIOR, LEFT_SUPERIOR.replace("origin_fourth_pouch", "origin_third_pouch"))
    out = tmp_path / "out"
    out.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "ui.cli", "ontology", "build", "--src", str(src_copy), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "position_left_superior" in done.stderr + done.stdout
    assert list(out.iterdir()) == []


def test_release_classifies_the_glands_by_pouch(fresh_build: BuildResult) -> None:
    """HermiT puts the superior gland under the fourth-pouch class and the inferior gland under
    the third-pouch class; gland_position_origin.rq reads these links."""
    rows = select(
        open_store(fresh_build.nt_path),
        """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX prp: <https://w3id.org/parareop/>
        SELECT ?gland ?kind WHERE {
          VALUES ?kind { prp:ThirdPouchParathyroidGland prp:FourthPouchParathyroidGland }
          ?gland rdfs:subClassOf ?kind }""",
    )
    found = {(r["gland"].rsplit("/", 1)[-1], r["kind"].rsplit("/", 1)[-1]) for r in rows}
    assert found == {
        ("UBERON_0006749", "FourthPouchParathyroidGland"),
        ("UBERON_0006755", "ThirdPouchParathyroidGland"),
    }


def test_each_gland_position_is_typed_with_its_gland_class(fresh_build: BuildResult) -> None:
    rows = select(
        open_store(fresh_build.nt_path),
        """PREFIX prp: <https://w3id.org/parareop/>
        SELECT ?position ?cls WHERE { ?position a prp:GlandPosition , ?cls .
          FILTER(?cls IN (<http://purl.obolibrary.org/obo/UBERON_0006749>,
                          <http://purl.obolibrary.org/obo/UBERON_0006755>,
                          prp:SupernumeraryParathyroidGland)) }""",
    )
    found = {(r["position"].rsplit("/", 1)[-1], r["cls"].rsplit("/", 1)[-1]) for r in rows}
    assert found == {
        ("position_left_superior", "UBERON_0006749"),
        ("position_right_superior", "UBERON_0006749"),
        ("position_left_inferior", "UBERON_0006755"),
        ("position_right_inferior", "UBERON_0006755"),
        ("position_supernumerary", "SupernumeraryParathyroidGland"),
    }
