"""The meeting on the case board: "case k of n", previous / next, and the decision, on the board itself.

Board mode folds the sidebar away, so the controls sit on the board, in the right column under
the operation, at the board's type sizes (``--u``: 2.6u, 28 px at 1920x1080, above the wall's
24 px minimum). ← and → step through the meeting: Streamlit's own button shortcuts
(``shortcut="Left"`` / ``"Right"``), handled in the page itself (nothing loaded from elsewhere)
and not while typing in a field. "Record decision" opens the consensus form in a dialog over
the board; the full case board shows the same strip above the plan, with the form inline.
"""

from __future__ import annotations

import streamlit as st

from kg.knowledge import Knowledge
from ui import meeting_state, state
from ui.meeting_state import CaseView

#: Height in the board's unit of the second row the strip adds to the right column (the first
#: row replaces the "leave" button; ``case_board.BUTTON_U`` is one row).
STRIP_EXTRA_U = 5.9

_STRIPS = (".st-key-pr_meeting_strip", ".st-key-pr_meeting_strip2")
STRIP_CSS = (
    ",".join(_STRIPS)
    + "{gap:calc(.6*var(--u,10px)) !important;align-items:center}"
    + ",".join(f"{s} button" for s in _STRIPS)
    + "{min-height:0;padding:calc(.2*var(--u,10px)) calc(.9*var(--u,10px))}"
    + ",".join(f"{s} button {tag}" for s in _STRIPS for tag in ("p", "span", "kbd", "div"))
    + "{font-size:calc(2.6*var(--u,10px)) !important;line-height:1.2}"
    + ".pr-meeting-pos{font-size:calc(2.8*var(--u,10px));font-weight:800;white-space:nowrap;color:#000}"
)


def _step(case_id: str | None) -> None:
    if case_id is not None:
        meeting_state.go(case_id)


def decision_label(v: CaseView) -> str:
    """The decision button: what the board decided, or that it is still to record.

    >>> from ui.meeting_state import CaseView
    >>> decision_label(CaseView(1, "t", ("a",), 0, {"consensus": None}))
    'Record decision'
    >>> decision_label(CaseView(1, "t", ("a",), 0, {"consensus": {"decision": "halt", "follows_plan": True}}))
    'Decided: HALT ✓'
    """
    k = v.row.get("consensus")
    if not k:
        return "Record decision"
    return f"Decided: {k['decision'].upper()}" + (" ✓" if k.get("follows_plan") else " (departs)")


def _steps(v: CaseView) -> None:
    st.button(
        "◀ Previous",
        key="meeting_prev",
        on_click=_step,
        args=(v.previous_id,),
        disabled=v.previous_id is None,
        shortcut="Left",
        help="The previous case of the meeting (←)",
    )
    st.html(f'<div class="pr-meeting-pos" id="pr-meeting-pos">Case {v.k} of {v.n}</div>', width="content")
    st.button(
        "Next ▶",
        key="meeting_next",
        on_click=_step,
        args=(v.next_id,),
        disabled=v.next_id is None,
        shortcut="Right",
        help="The next case of the meeting (→)",
    )


@st.dialog("The board's decision", width="large")
def _decide(v: CaseView, kn: Knowledge) -> None:
    from ui import meeting_forms

    st.markdown(f"**{v.case_id}** · {v.label}")
    meeting_forms.consensus_form(v, kn, where_="board")


def board_strip(v: CaseView, kn: Knowledge) -> None:
    """The wall's controls: previous, "case k of n", next; the decision; leaving the display.

    A save's confirmation is a toast (over the board, not a line that would push it down)."""
    from ui import meeting_forms

    st.html(f"<style>{STRIP_CSS}</style>")
    if said := meeting_forms.pop_flash(v):
        st.toast(said, icon=":material/check_circle:")
    with st.container(horizontal=True, key="pr_meeting_strip", gap="small"):
        _steps(v)
    with st.container(horizontal=True, key="pr_meeting_strip2", gap="small"):
        if st.button(decision_label(v), key="meeting_decide", type="primary"):
            _decide(v, kn)
        st.button("Leave", key="leave_board", on_click=state.leave_board, icon=":material/close_fullscreen:")


def desk_strip(v: CaseView, kn: Knowledge) -> None:
    """The full case board's meeting strip: the meeting, the steps, and the decision form inline."""
    from ui import meeting_forms

    st.html(f"<style>{STRIP_CSS}</style>")
    st.markdown(f"**Meeting {v.meeting_id} · {v.title}** — {v.case_id}")
    with st.container(horizontal=True, key="pr_meeting_strip", gap="small"):
        _steps(v)
    st.button("Close the meeting", key="meeting_close", on_click=meeting_state.close_meeting)
    meeting_forms.show_flash(v)
    with st.expander(decision_label(v), expanded=False):
        for label, text in meeting_forms.consensus_summary(v, kn):
            st.markdown(f"**{label}:** {text}")
        meeting_forms.consensus_form(v, kn, where_="desk")
