"""The knowledge-graph views: one release, three views (Oxigraph, rdflib, networkx), built once,
read-only, and the owlready2 world only on demand."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest
from rdflib import Graph, Literal, URIRef

from kg.errors import ReleaseNotFoundError
from kg.networkx_view import traversal_graph
from kg.owl_view import owl_ontology, owl_world
from kg.oxigraph_view import ReadOnlyStore, oxigraph_store, store_with_graphs
from kg.rdflib_view import FrozenGraph, rdflib_graph
from kg.release import release_bytes
from kg.vocabulary import code_index, lookup, node_id

TINY_TTL = Path(__file__).parent / "fixtures" / "kg" / "tiny.ttl"
PRP = "https://w3id.org/parareop/"


@pytest.fixture(scope="module")
def tiny_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny fixture ontology as an N-Triples release."""
    path = tmp_path_factory.mktemp("tiny") / "tiny.nt"
    graph = Graph()
    graph.parse(TINY_TTL, format="turtle")
    path.write_bytes(graph.serialize(format="nt", encoding="utf-8"))
    return path


def test_every_view_holds_the_same_triples() -> None:
    lines = [line for line in release_bytes().splitlines() if line.strip()]
    assert len(oxigraph_store()) == len(rdflib_graph()) == len(set(lines)) > 5000


def test_views_are_built_once_per_process() -> None:
    assert oxigraph_store() is oxigraph_store()
    assert rdflib_graph() is rdflib_graph()
    assert traversal_graph() is traversal_graph()


def test_the_embedded_store_offers_no_write() -> None:
    store = oxigraph_store()
    assert isinstance(store, ReadOnlyStore)
    for method in ("add", "remove", "update", "load", "bulk_load", "clear", "extend"):
        assert not hasattr(store, method), method


def test_the_rdflib_view_refuses_changes() -> None:
    graph = rdflib_graph()
    assert isinstance(graph, FrozenGraph)
    triple = (URIRef(PRP + "site_perrier_F"), URIRef(PRP + "note"), Literal("x"))
    with pytest.raises(TypeError, match="read-only"):
        graph.add(triple)
    with pytest.raises(TypeError, match="read-only"):
        graph.update(f"INSERT DATA {{ <{PRP}a> <{PRP}b> <{PRP}c> }}")
    assert triple not in graph


def test_the_networkx_view_is_frozen() -> None:
    graph = traversal_graph()
    assert nx.is_frozen(graph)
    with pytest.raises(nx.NetworkXError):
        graph.add_edge("perrier_A", "perrier_F")


def test_case_graphs_go_into_a_new_store_not_the_shared_one() -> None:
    iri = PRP + "case/x"
    data = f'<{iri}> <{PRP}caseId> "x" .\n'.encode()
    store = store_with_graphs({iri: data})
    assert [g.value for g in store.named_graphs()] == [iri]
    assert list(oxigraph_store().named_graphs()) == []
    assert len(store) == len(oxigraph_store()) + 1


def test_a_missing_release_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ReleaseNotFoundError, match="parareop ontology build"):
        oxigraph_store(tmp_path / "missing.nt")


def test_codes_find_individuals_and_name_nodes() -> None:
    assert lookup("sites", "perrier_F") == PRP + "site_perrier_F"
    assert lookup("veins", "thymic_vein") == PRP + "vein_thymic_vein"
    assert lookup("sites", "perrier_Z") is None
    assert node_id(PRP + "origin_third_pouch") == "origin_third_pouch"
    assert node_id(PRP + "procedure_hemithyroidectomy") == "hemithyroidectomy"


def test_node_ids_are_vocabulary_codes() -> None:
    graph = traversal_graph()
    kinds = {kind for _, kind in graph.nodes(data="kind")}
    assert kinds == {"site", "vein", "operation", "origin", "gland_position", "cause", "syndrome"}
    for code in ("perrier_A", "perrier_F", "anterior_mediastinum", "autograft", "operative_bed"):
        assert graph.nodes[code]["kind"] == "site"
        assert graph.nodes[code]["iri"] == lookup("sites", code)
    for code in ("thymic_vein", "ijv_upper", "graft_arm_vein"):
        assert graph.nodes[code]["kind"] == "vein"
    assert graph.nodes["hemithyroidectomy"]["kind"] == "operation"
    assert graph.nodes["en_bloc_resection"]["invasiveness"] == 4
    assert graph.nodes["retroesophageal"]["needle_reachable"] is False


def test_descent_edges_follow_the_paths() -> None:
    graph = traversal_graph()
    paths = graph.graph["paths"]
    assert paths["path_inferior"]["main"] == [
        "undescended",
        "carotid_sheath",
        "perrier_E",
        "perrier_F",
        "anterior_mediastinum",
        "aortopulmonary_window",
    ]
    assert paths["path_superior"]["main"] == [
        "perrier_A",
        "perrier_B",
        "perrier_C",
        "retroesophageal",
        "posterior_mediastinum",
    ]
    assert graph.has_edge("perrier_E", "perrier_F", key="descent:path_inferior")
    assert graph.has_edge("perrier_F", "anterior_mediastinum", key="descent:path_inferior")
    assert not graph.has_edge("perrier_A", "perrier_F", key="descent:path_superior")
    assert graph.has_edge("perrier_E", "intrathyroidal", key="branch:path_inferior")
    assert graph.has_edge("perrier_A", "intrathyroidal", key="branch:path_superior")
    assert paths["path_inferior"]["origins"] == ["origin_supernumerary", "origin_third_pouch"]


def test_drainage_adjacency_and_approach_edges() -> None:
    graph = traversal_graph()
    assert graph.has_edge("thymic_vein", "perrier_F", key="drains")
    assert graph.has_edge("thymic_vein", "anterior_mediastinum", key="drains")
    assert not graph.has_edge("thymic_vein", "perrier_A", key="drains")
    assert graph.has_edge("perrier_E", "perrier_F", key="adjacent") and graph.has_edge(
        "perrier_F", "perrier_E", key="adjacent"
    )
    assert graph.edges["hemithyroidectomy", "intrathyroidal", "reaches"]["preferred"] is True
    assert graph.edges["hemithyroidectomy", "perrier_D", "reaches"]["preferred"] is False
    assert graph.has_edge("en_bloc_resection", "carcinoma", key="indicated_for")
    assert graph.has_edge("focused_reexploration", "carcinoma", key="contraindicated")
    assert graph.has_edge("cervical_thymectomy", "MEN1", key="indicated_for")
    assert graph.has_edge("left_inferior", "origin_third_pouch", key="has_origin")
    assert graph.has_edge("origin_fourth_pouch", "perrier_A", key="usual_site")


def test_a_code_shared_in_one_scheme_names_no_entity(tiny_release: Path) -> None:
    index = code_index(tiny_release)
    assert index.by_code[("parameters", "dup")] == (PRP + "threshold_a", PRP + "threshold_b")
    assert lookup("parameters", "dup", tiny_release) is None
    assert node_id(PRP + "threshold_a", tiny_release) == "threshold_a"
    assert lookup("sites", "mid", tiny_release) == PRP + "site_mid"


def test_the_projection_works_on_a_tiny_ontology(tiny_release: Path) -> None:
    graph = traversal_graph(tiny_release)
    assert graph is not traversal_graph()
    assert graph.graph["paths"]["path_x"] == {
        "main": ["high", "mid", "low"],
        "branches": {"inside": "mid"},
        "origins": ["origin_x"],
    }
    assert sorted(graph.nodes) == ["c", "high", "inside", "lobectomy", "low", "mid", "origin_x", "v"]
    assert graph.edges["lobectomy", "inside", "reaches"]["preferred"] is True
    assert graph.has_edge("v", "inside", key="drains")
    assert graph.has_edge("low", "mid", key="adjacent")
    assert graph.has_edge("lobectomy", "c", key="indicated_for")


def test_owlready2_is_loaded_only_on_demand() -> None:
    code = (
        "import sys, kg.networkx_view, kg.sparql, kg.case_shapes;"
        "kg.networkx_view.traversal_graph(); print('owlready2' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "False"


def test_the_owl_world_holds_the_release() -> None:
    world = owl_world()
    assert world is owl_world()
    site = world[PRP + "site_perrier_F"]
    assert "thyrothymic ligament" in str(site.label.first())
    assert owl_ontology().base_iri.startswith(PRP + "parareop.owl")
    classes = {c.name for c in site.is_a}
    assert "LateralizedSite" in classes and "CervicalSite" in classes
