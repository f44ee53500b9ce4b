"""Walks over the networkx projection (:mod:`kg.networkx_view`), each in a fixed order.

Every function takes the graph as its first argument (tests can pass a small fixture graph)
and returns plain lists of node ids, sorted so that the same graph always gives the same
answer (pronto's rule: deterministic walks).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import networkx as nx


class CandidateSite(NamedTuple):
    """A site on an origin's descent path: ``step`` on the main chain, or the ``branch_of`` site."""

    site: str
    path: str
    step: int | None
    branch_of: str | None


def _require(graph: nx.MultiDiGraph[str], node: str, kind: str) -> None:
    if node not in graph:
        raise KeyError(f"no {kind} {node!r} in the knowledge graph")
    if graph.nodes[node].get("kind") != kind:
        raise ValueError(f"{node!r} is a {graph.nodes[node].get('kind')}, not a {kind}")


def _targets(graph: nx.MultiDiGraph[str], node: str, kind: str) -> list[str]:
    edges: Iterable[tuple[str, str, object]] = graph.out_edges(node, data="kind")
    return sorted({v for _, v, k in edges if k == kind})


def _sources(graph: nx.MultiDiGraph[str], node: str, kind: str) -> list[str]:
    edges: Iterable[tuple[str, str, object]] = graph.in_edges(node, data="kind")
    return sorted({u for u, _, k in edges if k == kind})


def descent_path(graph: nx.MultiDiGraph[str], origin: str) -> list[str]:
    """The main chain of sites an origin's gland descends along, from under- to over-descent.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The projection (:func:`kg.networkx_view.traversal_graph`).
    origin : str
        A gland origin id (``origin_third_pouch``) or a descent path id (``path_inferior``).

    Returns
    -------
    list of str
        Site ids in step order.

    Raises
    ------
    KeyError
        ``origin`` is neither an origin nor a path of the graph.

    Examples
    --------
    >>> from kg.networkx_view import traversal_graph
    >>> descent_path(traversal_graph(), "origin_third_pouch")  # doctest: +NORMALIZE_WHITESPACE
    ['undescended', 'carotid_sheath', 'perrier_E', 'perrier_F',
     'anterior_mediastinum', 'aortopulmonary_window']
    >>> descent_path(traversal_graph(), "path_superior")[:2]
    ['perrier_A', 'perrier_B']
    """
    paths = graph.graph.get("paths", {})
    if origin in paths:
        return list(paths[origin]["main"])
    _require(graph, origin, "origin")
    for info in paths.values():
        if origin in info["origins"]:
            return list(info["main"])
    return []


def candidate_sites(graph: nx.MultiDiGraph[str], origin: str) -> list[CandidateSite]:
    """Every site on an origin's descent path: the main chain in order, then the branches.

    Examples
    --------
    >>> from kg.networkx_view import traversal_graph
    >>> [c.site for c in candidate_sites(traversal_graph(), "origin_fourth_pouch")]
    ... # doctest: +NORMALIZE_WHITESPACE
    ['perrier_A', 'perrier_B', 'perrier_C', 'retroesophageal', 'posterior_mediastinum',
     'carotid_sheath', 'intrathyroidal', 'perrier_D']
    >>> candidate_sites(traversal_graph(), "origin_third_pouch")[-1]
    CandidateSite(site='perrier_D', path='path_inferior', step=None, branch_of='perrier_E')
    """
    _require(graph, origin, "origin")
    found = [
        CandidateSite(site, data["path"], data["step"], data["branch_of"])
        for _, site, data in graph.out_edges(origin, data=True)
        if data.get("kind") == "on_path"
    ]
    return sorted(found, key=lambda c: (c.path, c.step is None, c.step or 0, c.site))


def origin_of(graph: nx.MultiDiGraph[str], position: str) -> str:
    """The embryologic origin of a gland position.

    Examples
    --------
    >>> from kg.networkx_view import traversal_graph
    >>> origin_of(traversal_graph(), "left_inferior")
    'origin_third_pouch'
    """
    _require(graph, position, "gland_position")
    origins = _targets(graph, position, "has_origin")
    if len(origins) != 1:
        raise ValueError(f"gland position {position!r} has {len(origins)} origins")
    return origins[0]


def veins_draining(graph: nx.MultiDiGraph[str], site: str) -> list[str]:
    """The veins whose PTH gradient points to ``site``.

    Examples
    --------
    >>> from kg.networkx_view import traversal_graph
    >>> veins_draining(traversal_graph(), "perrier_F")
    ['brachiocephalic_vein', 'inferior_thyroid_vein', 'thymic_vein']
    """
    _require(graph, site, "site")
    return _sources(graph, site, "drains")


def sites_drained_by(graph: nx.MultiDiGraph[str], vein: str) -> list[str]:
    """The sites a vein drains.

    Examples
    --------
    >>> from kg.networkx_view import traversal_graph
    >>> sites_drained_by(traversal_graph(), "thymic_vein")
    ['anterior_mediastinum', 'perrier_F']
    """
    _require(graph, vein, "vein")
    return _targets(graph, vein, "drains")


def adjacent_sites(graph: nx.MultiDiGraph[str], site: str) -> list[str]:
    """Sites that imaging or the surgeon easily confuses with ``site``.

    Examples
    --------
    >>> from kg.networkx_view import traversal_graph
    >>> adjacent_sites(traversal_graph(), "perrier_F")
    ['anterior_mediastinum', 'perrier_C', 'perrier_E']
    """
    _require(graph, site, "site")
    return _targets(graph, site, "adjacent")


def operations_reaching(graph: nx.MultiDiGraph[str], site: str) -> list[tuple[str, bool]]:
    """The operations that reach ``site``: preferred ones first, then the gentler first.

    Returns
    -------
    list of (str, bool)
        ``(operation id, preferred)`` pairs.

    Examples
    --------
    >>> from kg.networkx_view import traversal_graph
    >>> operations_reaching(traversal_graph(), "intrathyroidal")[0]
    ('hemithyroidectomy', True)
    """
    _require(graph, site, "site")
    found = {
        u: bool(data.get("preferred"))
        for u, _, data in graph.in_edges(site, data=True)
        if data.get("kind") == "reaches"
    }
    return sorted(
        found.items(),
        key=lambda item: (not item[1], graph.nodes[item[0]].get("invasiveness", 99), item[0]),
    )


def operations_indicated_for(graph: nx.MultiDiGraph[str], condition: str) -> list[str]:
    """The operations indicated for a suspected cause or syndrome, gentlest first.

    Examples
    --------
    >>> from kg.networkx_view import traversal_graph
    >>> operations_indicated_for(traversal_graph(), "MEN1")
    ['cervical_thymectomy', 'bilateral_reexploration']
    """
    if condition not in graph:
        raise KeyError(f"no cause or syndrome {condition!r} in the knowledge graph")
    ops = _sources(graph, condition, "indicated_for")
    return sorted(ops, key=lambda op: (graph.nodes[op].get("invasiveness", 99), op))
