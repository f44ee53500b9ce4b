"""Case board: the plan of the current case, as the preoperative conference and the tumour board see it.

Banner (decision and diagnosis) with the gates; the anatomical diagram next to the ranked
locations and their "why"; the ranked operations with rationale and risks; the next tests;
the IOPTH panel with its calculator; a one-click HTML report. In tumour-board display mode the
same plan is laid out on one screen in large type.
"""

from __future__ import annotations

from html import escape
from typing import Any

import streamlit as st

from kg.knowledge import Knowledge
from ui import state
from ui.board import board_banner_html, key_html
from ui.diagram import BOARD, DiagramInput, diagram_input, neck_svg
from ui.fragments import (
    LOCATIONS_NOTE,
    banner_html,
    causes_html,
    facts_html,
    gates_html,
    leaders,
    location_title,
    locations_html,
    next_tests_html,
    operations_html,
    shown_locations,
    sources_html,
    split_operation_facts,
    targets_text,
    test_reasons,
    warnings_html,
    why_html,
)
from ui.iopth_view import chart_svg, check
from ui.names import GATE_STYLES, name, where, words
from ui.report import report_html
from ui.summary import case_summary, summary_html


def show_problems(problems: list[tuple[str, str]], label: str) -> None:
    """A case that cannot be planned: one error per field, naming the field and the reason."""
    st.error(f"This case cannot be planned ({label}): {len(problems)} problem(s) to fix in the record.")
    for path, message in problems:
        st.error(f"**{path}** — {message}", icon=":material/error:")
    st.caption("Open the case editor to correct the fields; nothing is planned from an invalid case.")


def report_button(case: Any, plan: dict[str, Any], kn: Knowledge, where: Any) -> None:
    where.download_button(
        "Export report (HTML)",
        data=report_html(case, plan, kn),
        file_name=f"parareop-{plan.get('case_id', 'case')}.html",
        mime="text/html",
        icon=":material/download:",
        key="report",
        help="A self-contained page for the record: diagram, tables, explanations, sources. "
        "Print it to PDF from the browser.",
    )


def diagram(case: Any, plan: dict[str, Any], kn: Knowledge, css_class: str, *, board: bool = False) -> None:
    data = diagram_input(case, plan, kn)
    if board:  # the wall shows less, larger: the three leading places, the key as one line of text
        ranks = {loc["rank"] for loc in shown_locations(plan, limit=3)}
        top = tuple(c for c in data.candidates if c.rank in ranks)
        data = DiagramInput(top, data.findings, data.removed, data.glands, data.grafts, data.labels)
        # no percentages on the wall's diagram: the list beside it gives them, by the same rank numbers
        svg = neck_svg(data, kn.sites, legend=False, typography=BOARD, pct_threshold=2.0)
    else:
        svg = neck_svg(data, kn.sites)
    # st.html's sanitizer drops inline SVG; the SVG is generated here with every value escaped
    st.markdown(f'<div class="{css_class}">{svg}</div>', unsafe_allow_html=True)


def iopth_panel(plan: dict[str, Any]) -> None:
    iop = plan.get("iopth_plan")
    if not iop:
        return
    st.subheader("Intraoperative PTH")
    st.markdown(f"**{iop.get('criterion', '')}**")
    if iop.get("renal_note"):
        st.warning(iop["renal_note"])
    version = st.session_state.get("case_version", 0)
    chart_col, calc_col = st.columns([3, 2])
    with calc_col:
        st.markdown("**Calculator** — type the values as they come back from the lab.")
        baseline = st.number_input(
            "Highest pre-excision PTH",
            min_value=0.0,
            value=float(iop.get("baseline_pth") or 0.0),
            key=f"iopth_base_{version}",
        )
        at = float(iop.get("minutes", 10))
        early = st.number_input("PTH at 5 min", min_value=0.0, value=None, key=f"iopth_5_{version}")
        late = st.number_input(f"PTH at {at:g} min", min_value=0.0, value=None, key=f"iopth_10_{version}")
        reading = check(iop, baseline, {5.0: early, at: late})
        if reading.met is True:
            st.success(reading.text, icon=":material/check_circle:")
        elif reading.met is False:
            st.error(reading.text, icon=":material/cancel:")
        else:
            st.info(reading.text)
        if early is not None and 5.0 in reading.falls:
            st.caption(f"5 min: {reading.falls[5.0]:.0%} fall from the baseline.")
        with st.expander("Sources"):
            for s in iop.get("sources", []):
                st.markdown(f"- {s}")
            for iri in iop.get("iris", []):
                st.markdown(f"- <{iri}>")
    with chart_col:
        measured = [(m, v) for m, v in ((5.0, early), (at, late)) if v is not None]
        st.markdown(
            f'<div class="pr-chart">{chart_svg(iop, measured, baseline or None)}</div>',
            unsafe_allow_html=True,
        )


def full_board(case: Any, plan: dict[str, Any], kn: Knowledge, label: str) -> None:
    head, action = st.columns([4, 1])
    head.markdown(f"### Case board · `{plan['case_id']}`")
    head.caption(f"Loaded from {label}. {case.get('title', '') if isinstance(case, dict) else ''}")
    with action:
        report_button(case, plan, kn, st)
    st.html(banner_html(plan, kn, case=case))
    st.html(summary_html(case_summary(case, kn)))
    st.html(gates_html(plan, kn))
    with st.expander("Why each gate passed or failed"):
        for g in plan.get("gates", []):
            st.markdown(f"**{name('gates', g['id'], kn)}** ({g['status']}): {words(g['message'])}")
            st.html(facts_html(g.get("explanation") or []))
    if plan.get("warnings"):
        st.html(warnings_html(plan))
    left, right = st.columns([5, 6], gap="large")
    with left:
        st.subheader("Diagram")
        diagram(case, plan, kn, "pr-diagram")
    with right:
        st.subheader("Ranked locations")
        if line := sources_html(plan):  # st.html refuses an empty body (a plan without locations)
            st.html(line)
        st.html(locations_html(plan, kn))
        st.caption(LOCATIONS_NOTE)
        for loc in shown_locations(plan):
            with st.expander(f"Why {location_title(loc, kn)}"):
                st.html(facts_html(loc.get("explanation") or []))
        if plan.get("suspected_causes"):
            st.subheader("Suspected causes")
            st.html(causes_html(plan, kn))
            for c in plan["suspected_causes"]:
                with st.expander(f"Why {name('suspected_causes', c['cause'], kn)}"):
                    st.html(facts_html(c.get("explanation") or []))
    ops, tests = st.columns([6, 5], gap="large")
    with ops:
        st.subheader("Ranked operations")
        st.html(operations_html(plan, kn))
        for op in plan.get("operations", []):
            rationale, risks = split_operation_facts(op, kn)
            with st.expander(
                f"Explanation of {op['rank']}. {name('operations', op['operation'], kn)} "
                f"({targets_text(op, kn)})"
            ):
                st.html(facts_html(rationale + risks))
    with tests:
        st.subheader("Next tests")
        st.html(next_tests_html(plan, kn))
        for t in plan.get("next_tests", []):
            if t.get("explanation"):
                with st.expander(f"Evidence for {name('tests', t['test'], kn)}"):
                    st.html(facts_html(t["explanation"]))
    iopth_panel(plan)
    st.caption(
        f"Ontology version {plan.get('ontology_version')}. Decision support for the multidisciplinary "
        "team; every statement links the graph fact and source it rests on."
    )


def _board_gates(plan: dict[str, Any], kn: Knowledge) -> str:
    """The gates a board must see (those that fail or warn) as chips, a count of those that pass,
    and on the same line the chance of one, two, or three or more sources."""
    chips = []
    passed = 0
    for g in plan.get("gates", []):
        if g["status"] == "pass":
            passed += 1
            continue
        sym, word, fg, bg = GATE_STYLES.get(g["status"], GATE_STYLES["unknown"])
        chips.append(
            f'<span class="pr-gate" data-gate="{escape(g["id"])}" data-status="{escape(g["status"])}" '
            f'style="color:{fg};background:{bg}" title="{escape(words(g["message"]))}">'
            f"<b>{escape(sym)} {escape(word)}</b> {escape(name('gates', g['id'], kn))}</span>"
        )
    if passed:
        sym, _, fg, bg = GATE_STYLES["pass"]
        chips.append(
            f'<span class="pr-gate pr-gate-passed" style="color:{fg};background:{bg}">'
            f"<b>{sym}</b> {passed} other gate{'s' if passed > 1 else ''} pass</span>"
        )
    # the number of sources rides on the gates' line, which has room on every example (no scroll)
    return f'<div class="pr-gates" id="pr-board-gates">{"".join(chips)}{sources_html(plan, label="")}</div>'


def _board_where(plan: dict[str, Any], kn: Knowledge) -> str:
    """The middle column: the top three places and why the first, or the gate that stops the plan."""
    parts = []
    locs = shown_locations(plan, limit=3)
    stopping = [g for g in plan.get("gates", []) if g["status"] in ("fail", "warn")]
    if locs:
        title = "Where — top 3" if len(locs) == 3 else "Where"
        parts.append(f"<h2>{title}</h2>" + locations_html(plan, kn, limit=3))
        parts.append(f"<h3>Why #1 {escape(where(locs[0]['site'], locs[0].get('side'), kn))}</h3>")
        parts.append(why_html(locs[0].get("explanation") or [], limit=3))
    elif stopping:
        g = stopping[0]
        parts.append(f"<h2>Why: {escape(name('gates', g['id'], kn))}</h2>")
        parts.append(f'<p class="pr-gate-why">{escape(words(g["message"]))}</p>')
    parts.append(warnings_html(plan))
    return '<div class="pr-board pr-board-col">' + "".join(parts) + "</div>"


def _board_what(plan: dict[str, Any], kn: Knowledge) -> str:
    """The right column: the operation and its targets (with those that go with it: one plan), or
    the first test and why. "Else" lists only alternatives, never an operation of the one plan."""
    ops = plan.get("operations") or []
    tests = plan.get("next_tests") or []
    parts = []
    if plan.get("decision") in ("operate", "medical") and ops:
        title = "Operation" if plan.get("decision") == "operate" else "Not surgery now"
        if plan.get("decision") == "operate" and ops[0].get("together_with"):
            title = "Operations — one plan"
        parts.append(f"<h2>{title}</h2>" + operations_html(plan, kn, limit=1, details=False))
        joined = leaders(plan)
        # one alternative beside a plan of several operations, two beside one: the column's height
        others = [o for o in ops[1:] if str(o["operation"]) not in joined][: 1 if joined else 2]
        if others:
            alt = "; ".join(f"{o['rank']}. {name('operations', o['operation'], kn)}" for o in others)
            parts.append(f'<p class="pr-later"><b>Else:</b> {escape(alt)}</p>')
        if tests:
            parts.append(
                f'<p class="pr-later"><b>Before it:</b> {escape(name("tests", tests[0]["test"], kn))}</p>'
            )
    elif tests:
        reason = test_reasons(tests)[0]
        parts.append(
            '<h2>First test</h2><ol class="pr-tests" id="pr-next-tests">'
            f'<li data-test="{escape(tests[0]["test"])}">'
            f"<b>{escape(name('tests', tests[0]['test'], kn))}</b><br/>{escape(reason)}</li></ol>"
        )
        if len(tests) > 1:
            later = "; ".join(name("tests", t["test"], kn) for t in tests[1:3])
            parts.append(f'<p class="pr-later"><b>Then:</b> {escape(later)}</p>')
    if not parts:
        parts.append("<h2>Plan</h2><p>No operation and no further test.</p>")
    return '<div class="pr-board pr-board-col">' + "".join(parts) + "</div>"


def display_board(case: Any, plan: dict[str, Any], kn: Knowledge) -> None:
    """Tumour-board display: one screen, type sized for the back of the room (``ui/assets/board.css``).

    The headline with what changes management; the case as presented (compact chips, the full
    list one click away) and the gates that stop or warn; then the diagram of the three leading
    places, where and why, and what to do (the operation and its targets, or the first test).
    """
    head = board_banner_html(plan, case, kn) + summary_html(case_summary(case, kn), compact=True)
    st.html(f'<div class="pr-board">{head}{_board_gates(plan, kn)}</div>')
    cols = st.columns([10, 9, 8], gap="small")
    with cols[0]:
        diagram(case, plan, kn, "pr-board-diagram", board=True)
    with cols[1]:
        st.html(_board_where(plan, kn))
    with cols[2]:
        st.html(_board_what(plan, kn))
        st.button(
            "Leave the board display",
            key="leave_board",
            on_click=state.leave_board,
            icon=":material/close_fullscreen:",
        )
    st.html(f'<div class="pr-board">{key_html()}</div>')
    report_button(case, plan, kn, st.sidebar)


def main() -> None:
    kn = state.kn()
    case, label, problems = state.current_case()
    if problems:
        show_problems(problems, label)
        return
    outcome = state.plan(case)
    if not outcome.ok or outcome.plan is None:
        show_problems(outcome.problems, label)
        if st.button("Open this case in the editor", key="to_editor"):
            st.session_state["editor_load"] = True
            st.switch_page("views/case_editor.py")
        return
    if state.board_mode():
        display_board(case, outcome.plan, kn)
    else:
        full_board(case, outcome.plan, kn, label)


state.frame()
main()
