"""Graph explorer: the descent paths and ectopic sites as a graph, with veins, operations, origins
and causes as layers; selecting a node shows its label, definition, cross-references and evidence."""

from __future__ import annotations

import streamlit as st

from kg.errors import KgError
from ui import state
from ui.graph_view import DEFAULT_LAYERS, LAYERS, neighbours, node_details, to_dot, visible


@st.cache_data(show_spinner=False, max_entries=64)
def _dot(layers: tuple[str, ...], selected: str | None, probs: tuple[tuple[str, float], ...]) -> str:
    return to_dot(state.graph(), layers, selected=selected, probabilities=dict(probs))


@st.cache_data(show_spinner=False, max_entries=256)
def _details(iri: str):  # a NodeDetails, cached per IRI
    return node_details(iri)


def _site_probabilities() -> tuple[tuple[str, float], ...]:
    case, _, problems = state.current_case()
    if problems:
        return ()
    outcome = state.plan(case)
    if not outcome.ok or outcome.plan is None:
        return ()
    best: dict[str, float] = {}
    for loc in outcome.plan.get("locations", []):
        best[loc["site"]] = max(best.get(loc["site"], 0.0), float(loc["probability"]))
    return tuple(sorted(best.items()))


def main() -> None:
    graph = state.graph()
    st.markdown("### Graph explorer")
    st.caption(
        "The networkx view of the released ontology, laid out by the Graphviz bundled with the app "
        "(no internet needed). Blue solid arrows: inferior (third-pouch) descent; purple dashed: "
        "superior (fourth-pouch); dotted: ectopic branches."
    )
    layers = (
        st.pills(
            "Layers", list(LAYERS), selection_mode="multi", default=list(DEFAULT_LAYERS), key="gx_layers"
        )
        or []
    )
    shade_case = st.toggle("Shade sites by the current plan", value=True, key="gx_shade")
    nodes, edges = visible(graph, layers)
    options = sorted(nodes, key=lambda n: (str(graph.nodes[n].get("kind")), n))
    selected = st.selectbox(
        "Node",
        [None, *options],
        key="gx_node",
        format_func=lambda n: (
            "— select a node —"
            if n is None
            else f"{graph.nodes[n].get('label', n)} ({graph.nodes[n].get('kind')}, {n})"
        ),
    )
    probs = _site_probabilities() if shade_case else ()
    left, right = st.columns([3, 2], gap="large")
    with left:
        if not nodes:
            st.info("Switch on at least one layer.")
        else:
            st.graphviz_chart(_dot(tuple(sorted(layers)), selected, probs), width="stretch")
            st.caption(f"{len(nodes)} nodes, {len(edges)} edges shown.")
    with right:
        if selected is None:
            st.info("Select a node to see its label, definition, cross-references and evidence.")
            return
        data = graph.nodes[selected]
        iri = str(data.get("iri", ""))
        try:
            d = _details(iri)
        except (KgError, ValueError) as exc:
            st.error(f"Cannot read the details of {selected}: {exc}")
            return
        st.markdown(f"#### {d.label or data.get('label', selected)}")
        st.markdown(f"`{selected}` · {data.get('kind')} · <{iri}>")
        if d.definition:
            st.markdown(f"**Definition.** {d.definition}")
        if d.types:
            st.markdown("**Types.** " + ", ".join(d.types))
        if d.xrefs:
            st.markdown("**Cross-references.**")
            for prop, target in d.xrefs:
                st.markdown(f"- {prop}: <{target}>" if target.startswith("http") else f"- {prop}: `{target}`")
        if d.evidence:
            st.markdown("**Evidence that speaks of it.**")
            st.dataframe(
                [{"evidence": a, "value": b, "grade": g, "source": c} for a, b, c, g in d.evidence],
                hide_index=True,
                width="stretch",
            )
        edges_here = neighbours(graph, selected)
        if edges_here:
            st.markdown("**Edges in the traversal view.**")
            st.dataframe(
                [
                    {"direction": a, "edge": k, "node": n, "label": graph.nodes[n].get("label", n)}
                    for a, k, n in edges_here
                ],
                hide_index=True,
                width="stretch",
            )


state.frame()
main()
