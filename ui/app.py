"""ParaReop — the Streamlit app (``make run``; ``streamlit run ui/app.py``).

Six pages under ``ui/views/`` (a folder named ``pages/`` would also be served by Streamlit on
its own, without this script): the case board (what the tumour board sees), the case editor,
the graph explorer, the SPARQL console, "what if" and the meeting (its cases, the board's
decisions, the outcomes: :mod:`ui.meeting_state`). The sidebar holds the case picker and
the tumour-board display toggle; ``?display=board`` in the URL opens straight into the
display, ``?case=<example id>`` picks the example and ``?meeting=<id>`` opens a meeting (its
cases stepped through on the board). On an address other than loopback the app refuses to run
with a writable meeting record and no sign-in (:mod:`ui.meeting_access`). The app holds no clinical logic: it
shows what :mod:`planner` and :mod:`kg` return.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui import meeting_state, state

HERE = Path(__file__).resolve().parent
PAGES = HERE / "views"

board = state.board_mode()
st.set_page_config(
    page_title="ParaReop",
    page_icon="🩺",
    layout="wide",
    initial_sidebar_state="collapsed" if board else "expanded",
)

rule = meeting_state.access()
if rule.refused:  # started without the launcher (streamlit run --server.address ...): serve nothing
    st.error(rule.refused)
    st.stop()

pages = [
    st.Page(PAGES / "case_board.py", title="Case board", icon=":material/dashboard:", default=True),
    st.Page(PAGES / "case_editor.py", title="Case editor", icon=":material/edit_note:"),
    st.Page(PAGES / "graph_explorer.py", title="Graph explorer", icon=":material/hub:"),
    st.Page(PAGES / "sparql_console.py", title="SPARQL console", icon=":material/terminal:"),
    st.Page(PAGES / "what_if.py", title="What if", icon=":material/science:"),
    st.Page(PAGES / "meeting.py", title="Meeting", icon=":material/groups:"),
]
page = st.navigation(pages, position="hidden" if board else "sidebar")

page.run()  # each page draws the sidebar itself (ui.state.frame)
