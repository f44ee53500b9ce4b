"""sparql_console (in progress)."""

import streamlit as st

st.write("sparql_console")
