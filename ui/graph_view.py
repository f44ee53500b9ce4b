"""The graph explorer's drawing and node details.

:func:`to_dot` turns the networkx projection (:func:`kg.networkx_view.traversal_graph`) into
Graphviz DOT for ``st.graphviz_chart`` — which lays it out in the browser with Streamlit's own
bundled Graphviz, so nothing is fetched from the internet. Layers (the two descent paths,
veins, operations, origins and gland positions, causes) can be switched on and off; the
selected node is outlined, and the current plan's probabilities shade the sites.

:func:`node_details` reads one node's label, definition, cross-references and the evidence
nodes that speak of it (with values and sources) from the embedded SPARQL store through
:func:`kg.sparql.run_text`; :data:`DETAIL_QUERY` is the query it runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import networkx as nx

from ui.diagram import luminance, shade

#: Switchable layers: name -> (edge kinds, node kinds brought in by them).
LAYERS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "inferior descent path": (frozenset({"descent", "branch"}), frozenset({"site"})),
    "superior descent path": (frozenset({"descent", "branch"}), frozenset({"site"})),
    "veins": (frozenset({"drains"}), frozenset({"vein"})),
    "operations": (frozenset({"reaches"}), frozenset({"operation"})),
    "origins and gland positions": (
        frozenset({"usual_site", "has_origin"}),
        frozenset({"origin", "gland_position"}),
    ),
    "causes": (frozenset({"indicated_for"}), frozenset({"cause", "syndrome"})),
}
DEFAULT_LAYERS: tuple[str, ...] = ("inferior descent path", "superior descent path")
PATH_OF_LAYER = {"inferior descent path": "path_inferior", "superior descent path": "path_superior"}

#: Node kind -> Graphviz shape (the shape, not only the colour, tells the kind).
SHAPES = {
    "site": "ellipse",
    "vein": "box",
    "operation": "component",
    "origin": "diamond",
    "gland_position": "hexagon",
    "cause": "octagon",
    "syndrome": "doubleoctagon",
}
FILLS = {
    "site": "#ffffff",
    "vein": "#e7eef8",
    "operation": "#f3eafa",
    "origin": "#fff4d6",
    "gland_position": "#fff4d6",
    "cause": "#fde8e8",
    "syndrome": "#fde8e8",
}
#: Path id -> (edge colour, line style): the style differs too, so colour is not the only cue.
PATH_STYLES = {"path_inferior": ("#1f4e9c", "solid"), "path_superior": ("#7b2d8e", "dashed")}


def _q(text: str) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _label(graph: nx.MultiDiGraph, node: str) -> str:
    label = str(graph.nodes[node].get("label") or node)
    if ": " in label and graph.nodes[node].get("kind") == "site":
        label = label.split(": ", 1)[0]
    for suffix in (" site", " as cause of failure"):
        label = label.removesuffix(suffix)
    return label


def visible(
    graph: nx.MultiDiGraph, layers: Iterable[str]
) -> tuple[set[str], list[tuple[str, str, str, dict]]]:
    """The nodes and edges shown for the chosen layers (edges as (u, v, key, data))."""
    layers = set(layers)
    paths = {PATH_OF_LAYER[name] for name in layers if name in PATH_OF_LAYER}
    kinds: set[str] = set()
    for name in layers:
        if name in LAYERS and name not in PATH_OF_LAYER:
            kinds |= LAYERS[name][0]
    edges: list[tuple[str, str, str, dict]] = []
    nodes: set[str] = set()
    for pid in sorted(paths):
        info = graph.graph.get("paths", {}).get(pid, {})
        nodes |= set(info.get("main", [])) | set(info.get("branches", {}))
    for u, v, key, data in sorted(graph.edges(keys=True, data=True), key=lambda e: (e[0], e[1], str(e[2]))):
        kind = data.get("kind")
        if kind in ("descent", "branch"):
            if data.get("path") in paths:
                edges.append((u, v, key, data))
        elif kind in kinds:
            edges.append((u, v, key, data))
    for u, v, _, _ in edges:
        nodes.update((u, v))
    return nodes, edges


def to_dot(
    graph: nx.MultiDiGraph,
    layers: Iterable[str] = DEFAULT_LAYERS,
    *,
    selected: str | None = None,
    probabilities: Mapping[str, float] | None = None,
) -> str:
    """Graphviz DOT of the chosen layers; ``probabilities`` (site -> 0..1) shades the sites.

    Examples
    --------
    >>> from kg.networkx_view import traversal_graph
    >>> dot = to_dot(traversal_graph(), ["inferior descent path"], selected="perrier_F")
    >>> dot.startswith("digraph") and '"perrier_F"' in dot and "penwidth=4" in dot
    True
    """
    probabilities = probabilities or {}
    nodes, edges = visible(graph, layers)
    out = [
        "digraph parareop {",
        '  graph [rankdir=TB, bgcolor="white", fontname="DejaVu Sans", nodesep=0.25, ranksep=0.45];',
        '  node [fontname="DejaVu Sans", fontsize=11, style="filled", color="#333333", penwidth=1.2];',
        '  edge [fontname="DejaVu Sans", fontsize=9, color="#666666", arrowsize=0.7];',
    ]
    for node in sorted(nodes):
        data = graph.nodes[node]
        kind = str(data.get("kind", "site"))
        label = _label(graph, node)
        fill = FILLS.get(kind, "#ffffff")
        font = "#111111"
        if kind == "site" and node in probabilities:
            p = float(probabilities[node])
            fill = shade(p)
            font = "#ffffff" if luminance(fill) < 0.25 else "#111111"
            label += f"\n{p:.0%}" if p >= 0.01 else "\n<1%"
        attrs = [
            f"label={_q(label)}",
            f"shape={SHAPES.get(kind, 'ellipse')}",
            f'fillcolor="{fill}"',
            f'fontcolor="{font}"',
            f"tooltip={_q(str(data.get('iri', node)))}",
        ]
        if node == selected:
            attrs += ["penwidth=4", 'color="#d62728"']
        out.append(f"  {_q(node)} [{', '.join(attrs)}];")
    for u, v, _key, data in edges:
        kind = data.get("kind")
        attrs: list[str] = []
        if kind in ("descent", "branch"):
            colour, style = PATH_STYLES.get(str(data.get("path")), ("#444444", "solid"))
            attrs += [f'color="{colour}"', f"style={'dotted' if kind == 'branch' else style}", "penwidth=2"]
        elif kind == "drains":
            attrs += ['color="#7f9cc9"', "style=dashed", 'arrowhead="none"']
        elif kind == "reaches":
            attrs += ['color="#7b5aa6"', "constraint=false"]
            if data.get("preferred"):
                attrs += ["penwidth=2.2", 'label="preferred"']
        elif kind in ("usual_site", "has_origin"):
            attrs += ['color="#b58900"', f'label="{"usual site" if kind == "usual_site" else "origin"}"']
        elif kind == "indicated_for":
            attrs += ['color="#b3001b"', "style=dashed", "constraint=false"]
        out.append(f"  {_q(u)} -> {_q(v)} [{', '.join(attrs)}];")
    out.append("}")
    return "\n".join(out)


# ---------------------------------------------------------------- node details

DETAIL_QUERY = """PREFIX prp: <https://w3id.org/parareop/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX obo: <http://purl.obolibrary.org/obo/>
PREFIX oio: <http://www.geneontology.org/formats/oboInOwl#>
SELECT ?what ?a ?b ?c ?d WHERE {
  { BIND("label" AS ?what) <IRI> rdfs:label ?a }
  UNION { BIND("definition" AS ?what) <IRI> obo:IAO_0000115 ?a }
  UNION { BIND("notation" AS ?what) <IRI> skos:notation ?a }
  UNION { BIND("type" AS ?what) <IRI> a ?t . ?t rdfs:label ?a }
  UNION { BIND("xref" AS ?what) VALUES ?p { skos:exactMatch skos:closeMatch skos:broadMatch skos:narrowMatch
            skos:relatedMatch oio:hasDbXref rdfs:seeAlso } <IRI> ?p ?a . BIND(STR(?p) AS ?b) }
  UNION { BIND("evidence" AS ?what) ?e ?p <IRI> . ?e a/rdfs:subClassOf* prp:EvidenceNode .
          OPTIONAL { ?e rdfs:label ?a } OPTIONAL { ?e prp:value ?b } OPTIONAL { ?e prp:source ?c }
          OPTIONAL { ?e prp:hasGrade/rdfs:label ?d } }
}"""


@dataclass
class NodeDetails:
    iri: str
    label: str = ""
    definition: str = ""
    notation: str = ""
    types: list[str] = field(default_factory=list)
    xrefs: list[tuple[str, str]] = field(default_factory=list)
    evidence: list[tuple[str, str, str, str]] = field(default_factory=list)


def node_details(iri: str) -> NodeDetails:
    """Label, definition, notation, types, cross-references and evidence of one entity.

    >>> d = node_details("https://w3id.org/parareop/site_perrier_F")
    >>> d.notation, d.definition.startswith("Inferior gland")
    ('perrier_F', True)
    """
    from kg.sparql import run_text

    if not iri or any(ch in iri for ch in '<>"{} \n'):
        raise ValueError(f"not an IRI: {iri!r}")
    result = run_text(DETAIL_QUERY.replace("<IRI>", f"<{iri}>"), source="the node-detail query")
    d = NodeDetails(iri)
    for row in result.values():
        what = row.get("what")
        a, b, c, g = row.get("a", ""), row.get("b", ""), row.get("c", ""), row.get("d", "")
        if what == "label" and not d.label:
            d.label = a
        elif what == "definition" and not d.definition:
            d.definition = a
        elif what == "notation" and not d.notation:
            d.notation = a
        elif what == "type" and a not in d.types:
            d.types.append(a)
        elif what == "xref":
            d.xrefs.append((b.rsplit("#", 1)[-1].rsplit("/", 1)[-1], a))
        elif what == "evidence":
            d.evidence.append((a, b, c, g))
    d.types.sort()
    d.xrefs.sort()
    d.evidence.sort()
    return d


def neighbours(graph: nx.MultiDiGraph, node: str) -> list[tuple[str, str, str]]:
    """The node's edges in the projection as (direction, edge kind, other node), sorted."""
    out = {("→", str(data.get("kind")), v) for _, v, data in graph.out_edges(node, data=True)}
    out |= {("←", str(data.get("kind")), u) for u, _, data in graph.in_edges(node, data=True)}
    return sorted(out, key=lambda t: (t[1], t[0], t[2]))
