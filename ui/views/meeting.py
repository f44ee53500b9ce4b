"""Meeting: choose or create a tumour-board meeting, add its cases, present them, record the outcome.

The record is the CLI's (``parareop meeting``; ``PARAREOP_DB``). Cases come from uploaded
contract files, from the bundled examples and ``$PARAREOP_CASE_DIR``, or from FHIR R4 Bundles;
each is planned when it is added, and the plan the board reviews is that one. "Present on the
board" opens the wall display on the case, with previous / next and the decision on the board
itself. The outcome is recorded here, later. On a network address the record is writable only
by signed-in users (:mod:`ui.meeting_access`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from clinical.meeting.minutes import to_html
from clinical.meeting.records import MeetingError
from ui import meeting_forms, meeting_state, state
from ui.board import headline, subline
from ui.cases import examples
from ui.meeting_state import CaseView


def access_line() -> None:
    """Where the record lives and who may write it (with sign-in / sign-out when configured)."""
    rule = meeting_state.access()
    st.caption(f"Meeting record: `{meeting_state.store_label()}`")
    if not rule.writable:
        st.info(
            "Read-only: this server shows the meeting record and never changes it.", icon=":material/lock:"
        )
    elif rule.sign_in and not meeting_state.signed_in():
        st.info("Sign in to record the board's decisions (read-only until then).", icon=":material/lock:")
        for provider in rule.providers:
            label = "Sign in" if provider == "default" else f"Sign in ({provider})"
            if st.button(label, key=f"login_{provider}"):
                st.login(provider)
    elif rule.sign_in:
        st.caption(f"Signed in as {meeting_state.by()}.")
        if st.button("Sign out", key="logout"):
            st.logout()
    else:
        st.text_input(
            "Recorded by",
            key="meeting_by",
            placeholder=meeting_state.by(),
            help="Who makes the changes (default $PARAREOP_USER or the login); kept with each change.",
        )


def _created(title: str, on: dt.date) -> None:
    try:
        mid = meeting_state.store().new_meeting(on, title, by=meeting_state.by())
    except MeetingError as exc:
        st.session_state["meeting_problem"] = str(exc)
        return
    meeting_state.open_meeting(mid)


def choose_meeting() -> None:
    """Pick a meeting of the record, or create one."""
    rows = meeting_state.store().meetings()
    ids: list[int | None] = [None, *(int(r["id"]) for r in rows)]
    by_id = {int(r["id"]): r for r in rows}
    current = meeting_state.meeting_id()

    def label(mid: int | None) -> str:
        if mid is None:
            return "(no meeting open)"
        r = by_id[mid]
        return f"{mid} · {r['date']} · {r['title']} ({r['cases']} cases, {r['decided']} decided)"

    def picked() -> None:
        mid = st.session_state.get("meeting_pick")
        if mid is None:
            meeting_state.close_meeting()
        else:
            meeting_state.open_meeting(int(mid))

    if st.session_state.get("meeting_pick") != current:
        st.session_state.pop("meeting_pick", None)
    st.selectbox(
        "Meeting", ids, index=ids.index(current) if current in ids else 0, format_func=label,
        key="meeting_pick", on_change=picked,
    )  # fmt: skip
    with st.expander("New meeting", expanded=not rows), st.form("meeting_new", border=False):
        title = st.text_input("Title", value="Endocrine tumour board", key="meeting_new_title")
        on = st.date_input("Date", value=dt.date.today(), key="meeting_new_date")
        if st.form_submit_button("Create the meeting", disabled=not meeting_state.can_write()):
            _created(title, on if isinstance(on, dt.date) else dt.date.today())
            st.rerun()


def _added(mid: int, items: list[Any], warnings: list[str] | None = None) -> None:
    try:
        ids = meeting_state.add(mid, items)
    except MeetingError as exc:
        st.error(str(exc), icon=":material/error:")
        return
    for w in warnings or []:
        st.warning(w)
    st.session_state["meeting_added"] = f"Added {len(ids)} case(s): {', '.join(ids)}."
    st.rerun()


def add_cases(mid: int, present: set[str]) -> None:
    """Cases from the examples and $PARAREOP_CASE_DIR, from uploaded files, or from FHIR Bundles."""
    if text := st.session_state.pop("meeting_added", None):
        st.success(text)
    if not meeting_state.can_write():
        return
    folder, files, fhir = st.tabs(["Examples and case folder", "Case files", "FHIR Bundles"])
    with folder:
        offered = [e for e in examples() if e.case_id not in present]
        chosen = st.multiselect(
            "Cases", [e.case_id for e in offered], key="meeting_pick_examples",
            format_func=lambda cid: next(e.label for e in offered if e.case_id == cid),
            help="The bundled examples (ui/examples) and the cases in $PARAREOP_CASE_DIR.",
        )  # fmt: skip
        left, right = st.columns(2)
        picked = [e for e in offered if e.case_id in chosen]
        if left.button("Add the chosen cases", key="meeting_add_chosen", disabled=not picked):
            _add_from(mid, [e.path for e in picked])
        if right.button(f"Add all {len(offered)} cases", key="meeting_add_all", disabled=not offered):
            _add_from(mid, [e.path for e in offered])
    with files:
        up = st.file_uploader(
            "Case files (JSON)", type=["json"], accept_multiple_files=True, key="meeting_up"
        )
        if st.button("Add these files", key="meeting_add_files", disabled=not up):
            try:
                items = meeting_state.uploaded_items(list(up or []))
            except MeetingError as exc:
                st.error(str(exc), icon=":material/error:")
            else:
                _added(mid, items)
    with fhir:
        up = st.file_uploader(
            "FHIR R4 Bundles (JSON)", type=["json"], accept_multiple_files=True, key="meeting_fhir"
        )
        if st.button("Import and add", key="meeting_add_fhir", disabled=not up):
            try:
                items, warnings = meeting_state.fhir_items(list(up or []))
            except MeetingError as exc:
                st.error(str(exc), icon=":material/error:")
            else:
                _added(mid, items, warnings)


def _add_from(mid: int, paths: list[Any]) -> None:
    from clinical.meeting import intake

    with st.spinner("Planning the cases…"):
        try:
            items = intake.from_files(paths)
        except MeetingError as exc:
            st.error(str(exc), icon=":material/error:")
            return
    _added(mid, items)


def plan_line(c: dict[str, Any]) -> str:
    """The recorded plan in the board's words: its headline (decision, action, flags)."""
    return " · ".join(headline(c["plan"], c["case"], state.kn()))


def case_list(m: dict[str, Any]) -> None:
    """The cases in the order they are presented, each with its plan and its state."""
    rows = [
        {
            "#": c["position"],
            "case": c["case_id"],
            "plan": plan_line(c),
            "state": meeting_state.case_state(c),
            "version": c["version"],
        }
        for c in m["cases"]
    ]
    st.dataframe(rows, hide_index=True, width="stretch")


def present(v: CaseView) -> None:
    """Open the wall display on this case of the meeting."""
    st.session_state["board_on"] = True
    st.session_state.pop("board", None)
    st.session_state["_last_query_case"] = v.case_id  # see meeting_state.go
    st.switch_page(
        "views/case_board.py",
        query_params={"display": "board", "meeting": str(v.meeting_id), "case": v.case_id},
    )


def one_case(m: dict[str, Any]) -> None:
    """The chosen case: present it, its recorded decision and the forms."""
    v = meeting_state.current(m)
    ids = [str(c["case_id"]) for c in m["cases"]]
    if v is None:  # ?case= names a case outside the meeting: start at its first
        meeting_state.go(ids[0])
        v = meeting_state.current(m)
    assert v is not None
    if st.session_state.get("meeting_case_pick") != v.case_id:
        st.session_state.pop("meeting_case_pick", None)
    st.selectbox(
        "Case", ids, index=v.index, key="meeting_case_pick",
        format_func=lambda cid: f"{ids.index(cid) + 1}. {cid}",
        on_change=lambda: meeting_state.go(str(st.session_state["meeting_case_pick"])),
    )  # fmt: skip
    kn = state.kn()
    if st.button("Present on the board", key="meeting_present", type="primary", icon=":material/tv:"):
        present(v)
    st.markdown(f"**Plan:** {plan_line(v.row)} — {subline(v.plan, kn)}")
    meeting_forms.show_flash(v)
    for label, text in meeting_forms.consensus_summary(v, kn):
        st.markdown(f"**{label}:** {text}")
    st.markdown("#### The board's decision")
    meeting_forms.consensus_form(v, kn)
    st.markdown("#### Outcome (later)")
    meeting_forms.outcome_form(v, kn)


def main() -> None:
    st.markdown("### Meeting")
    access_line()
    if problem := st.session_state.pop("meeting_problem", None):
        st.error(problem, icon=":material/error:")
    try:
        choose_meeting()
        m = meeting_state.meeting()
    except MeetingError as exc:
        st.error(str(exc), icon=":material/error:")
        return
    if m is None:
        st.caption("Choose a meeting, or create one, then add its cases.")
        return
    st.markdown(f"#### {m['title']} · {m['date']}")
    if m["cases"]:
        case_list(m)
        st.download_button(
            "Minutes (HTML)", data=to_html(m), file_name=f"parareop-meeting-{m['id']}.html",
            mime="text/html", key="meeting_minutes", icon=":material/download:",
        )  # fmt: skip
    with st.expander("Add cases", expanded=not m["cases"]):
        add_cases(int(m["id"]), {str(c["case_id"]) for c in m["cases"]})
    if m["cases"]:
        one_case(m)


state.frame()
main()
