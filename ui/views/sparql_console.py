"""SPARQL console: the named queries (kg/queries/*.rq) in a list, an editor for one's own query,
results as a table downloadable as CSV, and any query error shown as a message.

The text in the editor is free text, so it runs in the process-wide warm pool of query workers
(:func:`kg.sandbox.shared_pool`): killed at the deadline chosen here or at the worker's memory
cap, with updates and SERVICE refused before it runs."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from kg.errors import KgError
from kg.formatting import cell, format_csv
from kg.named_queries import named_queries
from kg.results import QueryResult
from kg.sandbox import DEFAULT_TIMEOUT_S, SandboxBackend, shared_pool
from kg.sparql import run_text
from ui import state

MAX_ROWS_SHOWN = 5000
STARTER = """PREFIX prp: <https://w3id.org/parareop/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?site ?label WHERE { ?site a prp:Site ; rdfs:label ?label } ORDER BY ?label LIMIT 50
"""


def result_frame(result: QueryResult) -> pd.DataFrame:
    """SELECT rows (or CONSTRUCT triples) as a table of text cells."""
    if result.kind == "ask":
        return pd.DataFrame({"answer": [bool(result.boolean)]})
    return pd.DataFrame(
        [[cell(row.get(v)) for v in result.variables] for row in result.rows[:MAX_ROWS_SHOWN]],
        columns=list(result.variables),
    )


def _use_named() -> None:
    name = st.session_state.get("sq_named")
    if name:
        st.session_state["sq_text"] = named_queries()[name].text


def main() -> None:
    st.markdown("### SPARQL console")
    st.caption(
        "Queries run read-only on the embedded Oxigraph store holding the released ontology, in a "
        "worker process that is stopped at the deadline below; updates and SERVICE are refused. "
        "The same queries run on any SPARQL 1.1 endpoint (`parareop sparql`)."
    )
    queries = named_queries()
    if "sq_text" not in st.session_state:
        st.session_state["sq_text"] = STARTER
    left, right = st.columns([2, 3], gap="large")
    with left:
        st.selectbox(
            "Named queries",
            [None, *queries],
            key="sq_named",
            on_change=_use_named,
            format_func=lambda n: "— pick a competency question —" if n is None else n,
        )
        name = st.session_state.get("sq_named")
        if name:
            q = queries[name]
            st.markdown(f"**{q.question}**")
            if q.parameters:
                st.markdown(
                    "Parameters (unset = all): "
                    + "; ".join(f"`{p.name}` — {p.description}" for p in q.parameters)
                )
            if q.columns:
                st.caption(f"Columns: {q.columns}")
    with right:
        st.text_area("Query", key="sq_text", height=320)
        deadline = st.number_input(
            "Stop after (seconds)",
            min_value=1,
            max_value=300,
            value=int(DEFAULT_TIMEOUT_S),
            key="sq_deadline",
        )
        run = st.button("Run query", type="primary", key="sq_run", icon=":material/play_arrow:")
    if not run and "sq_result" not in st.session_state:
        return
    if run:
        try:
            st.session_state["sq_result"] = run_text(
                st.session_state["sq_text"],
                SandboxBackend(shared_pool()),
                timeout=float(deadline),
                source="your query",
            )
            st.session_state.pop("sq_error", None)
        except KgError as exc:
            st.session_state["sq_error"] = str(exc)
            st.session_state.pop("sq_result", None)
    if "sq_error" in st.session_state:
        st.error(st.session_state["sq_error"], icon=":material/error:")
        return
    result: QueryResult | None = st.session_state.get("sq_result")
    if result is None:
        return
    if result.kind == "ask":
        st.success(f"ASK: {'true' if result.boolean else 'false'}")
        return
    frame = result_frame(result)
    st.markdown(
        f"**{len(result)} row(s)** in {result.elapsed * 1000:.0f} ms"
        + (f" (first {MAX_ROWS_SHOWN} shown)" if len(result) > MAX_ROWS_SHOWN else "")
    )
    st.dataframe(frame, hide_index=True, width="stretch")
    st.download_button(
        "Download CSV",
        data=format_csv(result),
        file_name="parareop-query.csv",
        mime="text/csv",
        icon=":material/download:",
        key="sq_csv",
    )


state.frame()
main()
