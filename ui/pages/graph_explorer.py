"""graph_explorer (in progress)."""

import streamlit as st

st.write("graph_explorer")
