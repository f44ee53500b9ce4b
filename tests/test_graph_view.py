"""The graph explorer's DOT drawing and node details."""

from __future__ import annotations

from kg.networkx_view import traversal_graph
from kg.traversal import descent_path
from ui.graph_view import LAYERS, PATH_STYLES, neighbours, node_details, to_dot, visible


def test_descent_layers_draw_the_paths_in_order() -> None:
    g = traversal_graph()
    nodes, edges = visible(g, ["inferior descent path"])
    main = descent_path(g, "path_inferior")
    assert set(main) <= nodes
    chain = [(u, v) for u, v, _, d in edges if d["kind"] == "descent"]
    assert chain == sorted(chain) and all((a, b) in chain for a, b in zip(main, main[1:], strict=False))
    dot = to_dot(g, ["inferior descent path"])
    assert PATH_STYLES["path_inferior"][0] in dot and PATH_STYLES["path_superior"][0] not in dot


def test_layers_switch_node_kinds_on_and_off() -> None:
    g = traversal_graph()
    kinds = {name: {g.nodes[n]["kind"] for n in visible(g, [name])[0]} for name in LAYERS}
    assert "vein" in kinds["veins"] and "operation" in kinds["operations"]
    assert "vein" not in kinds["inferior descent path"]
    assert visible(g, []) == (set(), [])


def test_selection_and_shading() -> None:
    dot = to_dot(traversal_graph(), list(LAYERS), selected="thymic_vein", probabilities={"perrier_F": 0.9})
    line = next(x for x in dot.splitlines() if x.strip().startswith('"perrier_F" ['))
    assert "90%" in line and 'fontcolor="#ffffff"' in line
    assert "penwidth=4" in next(x for x in dot.splitlines() if x.strip().startswith('"thymic_vein" ['))


def test_node_details_have_definition_and_evidence_with_sources() -> None:
    d = node_details("https://w3id.org/parareop/site_perrier_F")
    assert d.label.startswith("Perrier F") and d.definition
    assert d.evidence and all(source for _, _, source, _ in d.evidence)
    assert ("←", "drains", "thymic_vein") in neighbours(traversal_graph(), "perrier_F")
