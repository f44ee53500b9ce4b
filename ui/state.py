"""Streamlit plumbing shared by the pages: cached graph views, the current case, display mode.

The knowledge view, the networkx projection and the SPARQL store are built once per server
process (``st.cache_resource``) and only read. The current case and its plan live in
``st.session_state`` (one per browser session): ``case`` (the raw dict), ``case_label`` (where
it came from) and ``case_problems`` (a file that could not be read).
"""

from __future__ import annotations

import json
from typing import Any

import networkx as nx
import streamlit as st

from kg.knowledge import Knowledge, knowledge
from ui.cases import Outcome, examples, load_example, parse_case_bytes, plan_case
from ui.fragments import ASSETS, CSS

DEFAULT_EXAMPLE = "ex-04-missing-left-inferior"
BOARD_PARAM = "display"
BOARD_VALUE = "board"


@st.cache_resource(show_spinner="Loading the knowledge graph…")
def kn() -> Knowledge:
    """The planner's knowledge view (read once per server process)."""
    return knowledge()


@st.cache_resource(show_spinner="Building the graph view…")
def graph() -> nx.MultiDiGraph:
    """The frozen networkx projection of the release."""
    from kg.networkx_view import traversal_graph

    return traversal_graph()


@st.cache_data(show_spinner=False, max_entries=256)
def _plan_json(case_text: str) -> Outcome:
    return plan_case(json.loads(case_text))


def plan(case: Any) -> Outcome:
    """The planner's outcome for a raw case, cached by the case's JSON text."""
    return _plan_json(json.dumps(case, sort_keys=True))


# ---------------------------------------------------------------- current case


def set_case(case: Any, label: str, problems: list[tuple[str, str]] | None = None) -> None:
    st.session_state["case"] = case
    st.session_state["case_label"] = label
    st.session_state["case_problems"] = list(problems or [])
    st.session_state["case_version"] = int(st.session_state.get("case_version", 0)) + 1


def current_case() -> tuple[Any, str, list[tuple[str, str]]]:
    """The case on the board: (raw case or None, where it came from, problems reading the file)."""
    ensure_case()
    return (
        st.session_state.get("case"),
        str(st.session_state.get("case_label", "")),
        list(st.session_state.get("case_problems", [])),
    )


def _open_example(cid: str) -> None:
    st.session_state["example_choice"] = cid
    st.session_state["_last_query_case"] = cid
    set_case(load_example(cid), f"example {cid}")


def ensure_case() -> None:
    """Start a session on the example named by ``?case=`` (or the default one)."""
    if "case" not in st.session_state:
        ids = [e.case_id for e in examples()]
        wanted = str(st.query_params.get("case", DEFAULT_EXAMPLE))
        _open_example(wanted if wanted in ids else (DEFAULT_EXAMPLE if DEFAULT_EXAMPLE in ids else ids[0]))


def _picked() -> None:
    cid = str(st.session_state["example"])
    _open_example(cid)
    st.query_params["case"] = cid


def case_picker() -> None:
    """The sidebar: pick an example or upload a case file (the contract's JSON).

    The choice is kept in ``example_choice`` (not only in the widget's own state, which
    Streamlit drops when the page changes), so every page opens on the same case.
    """
    ensure_case()
    exs = {e.case_id: e for e in examples()}
    wanted = st.query_params.get("case")
    if wanted in exs and wanted != st.session_state.get("_last_query_case"):
        _open_example(str(wanted))  # a changed ?case= in the URL: a shared link, or a script driving the app
    ids = list(exs)
    choice = st.session_state.get("example_choice")
    if st.session_state.get("example") != choice:
        st.session_state.pop("example", None)  # let index= below show the kept choice
    st.sidebar.selectbox(
        "Example case",
        ids,
        index=ids.index(choice) if choice in exs else 0,
        key="example",
        on_change=_picked,
        format_func=lambda cid: exs[cid].label,
        help="The bundled example cases (ui/examples).",
    )
    upload = st.sidebar.file_uploader("…or upload a case (JSON)", type=["json"], key="upload")
    if upload is not None and upload.file_id != st.session_state.get("_last_upload"):
        st.session_state["_last_upload"] = upload.file_id
        data, problems = parse_case_bytes(upload.getvalue())
        set_case(data, f"file {upload.name}", problems)
        if "case" in st.query_params:
            del st.query_params["case"]


# ---------------------------------------------------------------- display mode


def board_mode() -> bool:
    """Whether the tumour-board display is on (the toggle, or ``?display=board`` in the URL)."""
    if "board_on" not in st.session_state:
        st.session_state["board_on"] = st.query_params.get(BOARD_PARAM) == BOARD_VALUE
    return bool(st.session_state["board_on"])


def _toggled() -> None:
    on = bool(st.session_state.get("board"))
    st.session_state["board_on"] = on
    if on:
        st.query_params[BOARD_PARAM] = BOARD_VALUE
    elif BOARD_PARAM in st.query_params:
        del st.query_params[BOARD_PARAM]


def leave_board() -> None:
    """Turn the display off (the button on the board itself: its sidebar is folded away)."""
    st.session_state["board_on"] = False
    st.session_state.pop("board", None)
    if BOARD_PARAM in st.query_params:
        del st.query_params[BOARD_PARAM]


def board_toggle() -> None:
    on = board_mode()
    if st.session_state.get("board") != on:
        st.session_state.pop("board", None)
    st.sidebar.toggle(
        "Tumour-board display",
        value=on,
        key="board",
        on_change=_toggled,
        help="Large type, high contrast, one screen. Share the URL with ?display=board to open in it.",
    )


APP_CSS = (ASSETS / "app.css").read_text(encoding="utf-8")

BOARD_CSS = (ASSETS / "board.css").read_text(encoding="utf-8")


def inject_css(board: bool) -> None:
    st.html(f"<style>{CSS}{APP_CSS}{BOARD_CSS if board else ''}</style>")


def frame() -> None:
    """What every page draws first: the sidebar (case picker, display toggle) and the stylesheet.

    Each page calls it itself, rather than ``app.py`` before ``page.run()``, so that the page
    is whole however it is run (Streamlit's AppTest reruns a page's script on its own).
    """
    st.sidebar.markdown("**ParaReop** · reoperation planning")
    case_picker()
    board_toggle()
    inject_css(board_mode())
