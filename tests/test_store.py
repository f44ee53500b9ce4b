"""The release opens in each store the project uses: rdflib, owlready2 and pyoxigraph."""

from __future__ import annotations

from pathlib import Path

import owlready2
import pytest

from ontology.build import BuildResult
from ontology.errors import ParaReopError
from ontology.namespaces import PRP
from ontology.release import load_graph
from ontology.store import open_store, select


def test_release_opens_in_rdflib(fresh_build: BuildResult) -> None:
    for path in (fresh_build.owl_path, fresh_build.nt_path):
        assert len(load_graph(path)) == fresh_build.stats.triples


def test_release_opens_in_pyoxigraph(fresh_build: BuildResult) -> None:
    for path in (fresh_build.owl_path, fresh_build.nt_path):
        store = open_store(path)
        assert len(store) == fresh_build.stats.triples
        rows = select(
            store,
            f"SELECT ?label WHERE {{ <{PRP.Site}> <http://www.w3.org/2000/01/rdf-schema#label> ?label }}",
        )
        assert len(rows) == 1


def test_release_opens_in_owlready2(fresh_build: BuildResult) -> None:
    world = owlready2.World()
    try:
        world.get_ontology(fresh_build.owl_path.as_uri()).load()
        site = world[str(PRP.Site)]
        assert site is not None and len(list(site.descendants())) > 1
        assert len(list(world.classes())) >= fresh_build.stats.classes
    finally:
        world.close()


def test_open_store_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ParaReopError, match="ontology build"):
        open_store(tmp_path / "parareop.nt")


def test_select_leaves_unbound_variables_out(fresh_build: BuildResult) -> None:
    rows = select(open_store(fresh_build.nt_path), "SELECT ?x ?y WHERE { BIND(1 AS ?x) }")
    assert rows == [{"x": "1"}]
