"""Placeholder ParaReop app: the title and what the released ontology holds.

Only here so that ``make run`` works from day one; the app issue replaces it. It reads the
committed release (``ontology/parareop.nt``) through pyoxigraph and shows the counts.
"""

from __future__ import annotations

import streamlit as st

from ontology.errors import ParaReopError
from ontology.paths import RELEASE_NT
from ontology.stats import OntologyStats, count
from ontology.store import open_store


@st.cache_resource
def ontology_stats() -> OntologyStats:
    """Counts of the released ontology, computed once per server process."""
    return count(open_store(RELEASE_NT))


st.set_page_config(page_title="ParaReop", layout="wide")
st.title("ParaReop")
st.caption(
    "Knowledge graph and planner for reoperation in persistent or recurrent primary hyperparathyroidism."
)
try:
    stats = ontology_stats()
except ParaReopError as exc:
    st.error(str(exc))
    st.stop()

st.subheader("The ontology")
columns = st.columns(4)
columns[0].metric("Classes", stats.classes)
columns[1].metric("Properties", stats.object_properties + stats.data_properties + stats.annotation_properties)
columns[2].metric("Individuals", stats.individuals)
columns[3].metric("Evidence nodes", stats.evidence_nodes)
st.caption(f"{stats.triples} triples in {RELEASE_NT.name}")
