"""The traversal view: a networkx projection of the release, built once and frozen.

Nodes are the entities the planner walks between, keyed by their stable id
(:func:`kg.vocabulary.node_id`: the vocabulary code where one exists, e.g. ``perrier_F``,
``thymic_vein``, ``hemithyroidectomy``; else the IRI's local name, e.g.
``origin_third_pouch``). Each node carries ``kind``, ``iri`` and ``label``; operations also
``invasiveness`` and sites ``needle_reachable`` where the graph gives them.

Edges (a ``MultiDiGraph``; the edge key is the edge ``kind``, plus the path for path edges):

==================== ======================== ==================================================
kind                 from -> to               attributes
==================== ======================== ==================================================
``descent``          site -> next site        ``path``, ``step`` (index of the upper step)
``branch``           main-chain site -> site  ``path``
``on_path``          origin -> site           ``path``, ``step`` (None for a branch), ``branch_of``
``usual_site``       origin -> site
``has_origin``       gland position -> origin
``drains``           vein -> site
``adjacent``         site -> site             both directions (the relation is symmetric)
``reaches``          operation -> site        ``preferred`` (True where it is the first choice)
``indicated_for``    operation -> cause/syndrome
``contraindicated``  operation -> cause
``removes_tissue``   procedure -> site
``explores``         procedure -> site
==================== ======================== ==================================================

``graph.graph["paths"]`` maps each descent path id to ``{"main": [...], "branches": {site:
parent}, "origins": [...]}`` with the main chain in step order.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import networkx as nx

from kg.errors import KgError
from kg.oxigraph_view import ReadOnlyStore, oxigraph_store
from kg.release import resolve_release
from kg.vocabulary import CodeIndex, code_index, local_name

_PREFIXES = """
PREFIX prp: <https://w3id.org/parareop/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""

#: node kind -> the class whose instances (through rdfs:subClassOf*) are such nodes
NODE_CLASSES: dict[str, str] = {
    "site": "Site",
    "vein": "Vein",
    "operation": "Procedure",
    "origin": "GlandOrigin",
    "gland_position": "GlandPosition",
    "cause": "SuspectedCause",
    "syndrome": "Syndrome",
}

#: edge kind -> (property, from kind, to kind) for the simple one-property edges
SIMPLE_EDGES: dict[str, tuple[str, str, str]] = {
    "usual_site": ("usualSite", "origin", "site"),
    "has_origin": ("hasOrigin", "gland_position", "origin"),
    "drains": ("drainsSite", "vein", "site"),
    "contraindicated": ("contraindicatedFor", "operation", "cause"),
    "removes_tissue": ("removesTissueAt", "operation", "site"),
    "explores": ("exploresSite", "operation", "site"),
}


def _rows(store: ReadOnlyStore, body: str) -> list[dict[str, Any]]:
    solutions = store.select(_PREFIXES + body)
    names = [v.value for v in solutions.variables]
    rows = []
    for solution in solutions:
        rows.append({name: (None if solution[name] is None else solution[name].value) for name in names})
    return rows


def _add_nodes(graph: nx.MultiDiGraph[str], store: ReadOnlyStore, index: CodeIndex) -> dict[str, str]:
    """Add every node; returns IRI -> node id."""
    ids: dict[str, str] = {}
    for kind, cls in NODE_CLASSES.items():
        rows = _rows(
            store,
            f"""
            SELECT DISTINCT ?e (SAMPLE(?l) AS ?label) WHERE {{
              ?e rdf:type/rdfs:subClassOf* prp:{cls} .
              OPTIONAL {{ ?e rdfs:label ?l }}
            }} GROUP BY ?e ORDER BY ?e""",
        )
        for row in rows:
            iri = row["e"]
            nid = index.ids.get(iri) or local_name(iri)
            if nid in graph and graph.nodes[nid]["iri"] != iri:
                raise KgError(f"node id {nid!r} names two entities: <{graph.nodes[nid]['iri']}> and <{iri}>")
            if iri in ids:  # an entity of two kinds (e.g. a procedure that is also a cause) keeps the first
                continue
            graph.add_node(nid, kind=kind, iri=iri, label=row["label"] or nid)
            ids[iri] = nid
    return ids


def _add_paths(graph: nx.MultiDiGraph[str], store: ReadOnlyStore, ids: dict[str, str]) -> None:
    steps = _rows(
        store,
        """
        SELECT ?step ?path ?site ?index ?next ?parent WHERE {
          ?step a prp:DescentStep ; prp:onPath ?path ; prp:atSite ?site .
          OPTIONAL { ?step prp:stepIndex ?index }
          OPTIONAL { ?step prp:nextStepAlongDescent ?next }
          OPTIONAL { ?step prp:branchesFrom ?parent }
        } ORDER BY ?path ?index ?step""",
    )
    by_step = {row["step"]: row for row in steps}
    paths: dict[str, dict[str, Any]] = {}
    for row in steps:
        pid = local_name(row["path"])
        info = paths.setdefault(pid, {"main": [], "branches": {}, "origins": []})
        site = ids[row["site"]]
        if row["index"] is not None:
            info["main"].append((int(row["index"]), site))
        if row["next"] is not None:
            nxt = by_step[row["next"]]
            graph.add_edge(
                site,
                ids[nxt["site"]],
                key=f"descent:{pid}",
                kind="descent",
                path=pid,
                step=int(row["index"]) if row["index"] is not None else None,
            )
        if row["parent"] is not None:
            parent = ids[by_step[row["parent"]]["site"]]
            info["branches"][site] = parent
            graph.add_edge(parent, site, key=f"branch:{pid}", kind="branch", path=pid)
    for info in paths.values():
        info["main"] = [site for _, site in sorted(info["main"])]
    for row in _rows(
        store, "SELECT ?origin ?path WHERE { ?origin prp:hasDescentPath ?path } ORDER BY ?origin"
    ):
        pid = local_name(row["path"])
        origin = ids[row["origin"]]
        info = paths[pid]
        info["origins"].append(origin)
        for position, site in enumerate(info["main"], start=1):
            graph.add_edge(
                origin, site, key=f"on_path:{pid}", kind="on_path", path=pid, step=position, branch_of=None
            )
        for site, parent in sorted(info["branches"].items()):
            graph.add_edge(
                origin, site, key=f"on_path:{pid}", kind="on_path", path=pid, step=None, branch_of=parent
            )
    graph.graph["paths"] = paths


def _add_simple_edges(graph: nx.MultiDiGraph[str], store: ReadOnlyStore, ids: dict[str, str]) -> None:
    for kind, (prop, _from_kind, _to_kind) in SIMPLE_EDGES.items():
        for row in _rows(store, f"SELECT ?a ?b WHERE {{ ?a prp:{prop} ?b }} ORDER BY ?a ?b"):
            if row["a"] in ids and row["b"] in ids:
                graph.add_edge(ids[row["a"]], ids[row["b"]], key=kind, kind=kind)
    for row in _rows(store, "SELECT ?a ?b WHERE { ?a prp:indicatedFor ?b } ORDER BY ?a ?b"):
        if row["a"] in ids and row["b"] in ids:
            graph.add_edge(ids[row["a"]], ids[row["b"]], key="indicated_for", kind="indicated_for")
    for row in _rows(store, "SELECT ?a ?b WHERE { ?a prp:adjacentSite ?b } ORDER BY ?a ?b"):
        a, b = ids[row["a"]], ids[row["b"]]
        graph.add_edge(a, b, key="adjacent", kind="adjacent")
        graph.add_edge(b, a, key="adjacent", kind="adjacent")
    reach = _rows(
        store,
        """
        SELECT ?op ?site (MAX(?pref) AS ?preferred) WHERE {
          { ?op prp:preferredFor ?site BIND(true AS ?pref) }
          UNION { ?op prp:reachesSite ?site BIND(false AS ?pref) }
        } GROUP BY ?op ?site ORDER BY ?op ?site""",
    )
    for row in reach:
        graph.add_edge(
            ids[row["op"]],
            ids[row["site"]],
            key="reaches",
            kind="reaches",
            preferred=row["preferred"] == "true",
        )


def _add_node_figures(graph: nx.MultiDiGraph[str], store: ReadOnlyStore, ids: dict[str, str]) -> None:
    """Copy the ordinal figures the walks sort by onto the nodes (``invasiveness``, ``needle_reachable``)."""
    for row in _rows(store, "SELECT ?e ?n WHERE { ?e prp:invasiveness ?n }"):
        if row["e"] in ids:
            graph.nodes[ids[row["e"]]]["invasiveness"] = int(row["n"])
    for row in _rows(store, "SELECT ?e ?n WHERE { ?e prp:needleReachable ?n }"):
        if row["e"] in ids:
            graph.nodes[ids[row["e"]]]["needle_reachable"] = row["n"] == "true"


@functools.lru_cache(maxsize=4)
def _cached_projection(release: Path) -> nx.MultiDiGraph[str]:
    store = oxigraph_store(release)
    graph: nx.MultiDiGraph[str] = nx.MultiDiGraph(release=str(release))
    ids = _add_nodes(graph, store, code_index(release))
    _add_node_figures(graph, store, ids)
    _add_paths(graph, store, ids)
    _add_simple_edges(graph, store, ids)
    nx.freeze(graph)  # in place (it returns the same graph; its stub says nothing of the type)
    return graph


def traversal_graph(release: Path | str | None = None) -> nx.MultiDiGraph[str]:
    """The frozen networkx projection of the release, built once per process.

    Parameters
    ----------
    release : Path or str or None
        The N-Triples release; ``None`` means ``ontology/parareop.nt``.

    Returns
    -------
    networkx.MultiDiGraph
        The shared, frozen graph (adding a node or edge raises ``networkx.NetworkXError``).

    Examples
    --------
    >>> g = traversal_graph()
    >>> g.nodes["perrier_F"]["kind"], g.nodes["thymic_vein"]["kind"]
    ('site', 'vein')
    >>> g.has_edge("thymic_vein", "perrier_F", key="drains")
    True
    >>> g.graph["paths"]["path_inferior"]["main"][:3]
    ['undescended', 'carotid_sheath', 'perrier_E']
    >>> nx.is_frozen(g)
    True
    """
    return _cached_projection(resolve_release(release))
