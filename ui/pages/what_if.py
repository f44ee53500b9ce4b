"""what_if (in progress)."""

import streamlit as st

st.write("what_if")
