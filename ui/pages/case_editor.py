"""case_editor (in progress)."""

import streamlit as st

st.write("case_editor")
