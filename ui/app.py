"""ParaReop — the Streamlit app (``make run``; ``streamlit run ui/app.py``).

Five pages under ``ui/views/`` (a folder named ``pages/`` would also be served by Streamlit on
its own, without this script): the case board (what the tumour board sees), the case editor,
the graph explorer, the SPARQL console and "what if". The sidebar holds the case picker and
the tumour-board display toggle; ``?display=board`` in the URL opens straight into the
display, and ``?case=<example id>`` picks the example. The app holds no clinical logic: it
shows what :mod:`planner` and :mod:`kg` return.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui import state

HERE = Path(__file__).resolve().parent
PAGES = HERE / "views"

board = state.board_mode()
st.set_page_config(
    page_title="ParaReop",
    page_icon="🩺",
    layout="wide",
    initial_sidebar_state="collapsed" if board else "expanded",
)

pages = [
    st.Page(PAGES / "case_board.py", title="Case board", icon=":material/dashboard:", default=True),
    st.Page(PAGES / "case_editor.py", title="Case editor", icon=":material/edit_note:"),
    st.Page(PAGES / "graph_explorer.py", title="Graph explorer", icon=":material/hub:"),
    st.Page(PAGES / "sparql_console.py", title="SPARQL console", icon=":material/terminal:"),
    st.Page(PAGES / "what_if.py", title="What if", icon=":material/science:"),
]
page = st.navigation(pages, position="hidden" if board else "sidebar")

page.run()  # each page draws the sidebar itself (ui.state.frame)
