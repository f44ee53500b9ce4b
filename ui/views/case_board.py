"""Case board: the plan of the current case, as the preoperative conference and the tumour board see it.

Banner (decision and diagnosis) with the gates; the anatomical diagram next to the ranked
locations and their "why"; the ranked operations with rationale and risks; the next tests;
the IOPTH panel with its calculator; a one-click HTML report. In tumour-board display mode the
same plan is laid out on one screen in large type.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from html import escape
from typing import Any

import streamlit as st

from kg.knowledge import Knowledge
from ui import meeting_board, meeting_state, pdf, state, wall_fit
from ui.board import board_banner, key_html
from ui.diagram import BOARD, DiagramInput, board_key, diagram_input, neck_svg, zoomable
from ui.fragments import (
    LOCATIONS_NOTE,
    _cap,
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
    sources_text,
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
    # a case of the open meeting prints with the board's decision as the store records it
    view = meeting_state.current()
    row = view.row if view is not None and view.case_id == plan.get("case_id") else None

    def page() -> str:  # made on the click, not on every rerun of the board
        return report_html(
            case,
            plan,
            kn,
            consensus=row.get("consensus") if row else None,
            meeting={"title": view.title} if row and view else None,
        )

    where.download_button(
        "Export report (HTML)",
        data=page,
        file_name=f"parareop-{plan.get('case_id', 'case')}.html",
        mime="text/html",
        icon=":material/download:",
        key="report",
        help="One or two A4 pages for the patient's chart (a blank identifier block to fill in at print "
        "time, the summary, diagram, places, operation or tests, IOPTH plan, the board's decision and "
        "a signature line), then an appendix of the explanation chains. Print it from the browser.",
    )
    if pdf.available():  # printed by this server's headless Chromium
        where.download_button(
            "Export report (PDF)",
            data=lambda: pdf.html_to_pdf(page()),
            file_name=f"parareop-{plan.get('case_id', 'case')}.pdf",
            mime="application/pdf",
            icon=":material/picture_as_pdf:",
            key="report_pdf",
            help="The same report as an A4 PDF, printed by the server's Chromium.",
        )


def diagram(
    case: Any, plan: dict[str, Any], kn: Knowledge, css_class: str, *, board: bool = False
) -> DiagramInput:
    """Draw the diagram; returns what it drew (the board's one-line key names those marks)."""
    data = diagram_input(case, plan, kn)
    if board:  # the wall shows less, larger: the three leading places, the key as one line of text
        ranks = {loc["rank"] for loc in shown_locations(plan, limit=3)}
        data = dataclasses.replace(data, candidates=tuple(c for c in data.candidates if c.rank in ranks))
        # no percentages on the wall's diagram: the list beside it gives them, by the same rank numbers
        svg = neck_svg(data, kn.sites, legend=False, typography=BOARD, pct_threshold=2.0)
        body = svg
    else:  # a click opens it over the page, as large as the window (a laptop's column is small)
        svg = neck_svg(data, kn.sites)
        body = zoomable(svg)
    # st.html's sanitizer drops inline SVG; the SVG is generated here with every value escaped
    st.markdown(f'<div class="{css_class}">{body}</div>', unsafe_allow_html=True)
    return data


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


#: The wall's layout in its unit ``u`` (``ui/assets/board.css``; measured in Chromium at the three
#: screens, which wrap alike): the board is 100u high; the head (banner, chips, gates) starts with
#: one headline line, one chip row and one gate row, each further line or row costs its pitch;
#: the columns start under the head and the key follows them; the diagram column is as high as
#: its drawing. The head may grow by HEAD_SPARE_U before a column would have to shrink under the
#: drawing's height, and every column's content must end by COLUMNS_END_U (1u short of the key's
#: place, for rounding).
HEAD_BASE_U, HEADLINE_PITCH_U, CHIP_PITCH_U, GATE_PITCH_U = 21.75, 5.9, 4.47, 4.76
DIAGRAM_U, COLUMNS_END_U = 62.5, 95.3
HEAD_SPARE_U = COLUMNS_END_U - DIAGRAM_U - HEAD_BASE_U
#: The most rows of summary chips on the wall (more only crowds what changes management).
MAX_CHIP_ROWS = 3
#: The widths of the head and of the middle and right columns' text, in u.
HEAD_ROOM_U, WHERE_ROOM_U, SITE_ROOM_U, WHY_ROOM_U, OP_ROOM_U, LATER_ROOM_U = (
    175.0,
    57.5,
    28.0,
    54.5,
    45.5,
    51.0,
)
#: Heights in u: a column's heading; a location row and each further line of its name; the "why"
#: heading and each line of it; a line of 3u text; an operation box's frame; a line of its head.
H2_U, LOC_U, LOC_LINE_U, H3_U = 4.91, 5.4, 3.3, 3.56
LINE_U, OP_FRAME_U, OP_HEAD_U, BUTTON_U = 3.6, 2.2, 4.14, 5.35


def _gate_chip_u(bold: str, rest: str) -> float:
    return wall_fit.width(bold, 3.0, bold=True) + wall_fit.width(" " + rest, 3.0) + 2.0


def _board_gates(plan: dict[str, Any], kn: Knowledge) -> tuple[str, int]:
    """The gates a board must see (those that fail or warn) as chips, a count of those that pass,
    and on the same line the chance of one, two, or three or more sources; and how many rows
    that takes on the wall."""
    chips, widths = [], []
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
        widths.append(_gate_chip_u(f"{sym} {word}", name("gates", g["id"], kn)))
    if passed:
        sym, _, fg, bg = GATE_STYLES["pass"]
        text = f"{passed} other gate{'s' if passed > 1 else ''} pass"
        chips.append(
            f'<span class="pr-gate pr-gate-passed" style="color:{fg};background:{bg}">'
            f"<b>{sym}</b> {text}</span>"
        )
        widths.append(_gate_chip_u(sym, text))
    if sources_text(plan):
        widths.append(wall_fit.width(sources_text(plan), 3.0, bold=True) + 0.8)
    rows = max(1, wall_fit.boxes_rows(widths, HEAD_ROOM_U, 0.6))
    return (
        f'<div class="pr-gates" id="pr-board-gates">{"".join(chips)}{sources_html(plan, label="")}</div>',
        rows,
    )


def _lines(text: str, room: float, size: float = 3.0, *, bold: bool = False, first: str = "") -> int:
    """Lines of a text after a bold label ``first`` (both in 3u type unless ``size``)."""
    lead = wall_fit.width(first + " ", size, bold=True) if first else 0.0
    return wall_fit.lines(text, size, room, bold=bold, first=lead)


def _warnings_u(plan: dict[str, Any]) -> float:
    return sum(
        _lines("⚠ " + words(w), WHERE_ROOM_U - 2.5, bold=True) * LINE_U + 1.4
        for w in plan.get("warnings") or []
    )


def _board_where(plan: dict[str, Any], kn: Knowledge, room: float = COLUMNS_END_U) -> str:
    """The middle column: the top three places and why the first (as many reasons as fit ``room``
    u, the rest counted "… N more in the report"), or the gate that stops the plan."""
    parts = []
    locs = shown_locations(plan, limit=3)
    stopping = [g for g in plan.get("gates", []) if g["status"] in ("fail", "warn")]
    if locs:
        title = "Where — top 3" if len(locs) == 3 else "Where"
        parts.append(f"<h2>{title}</h2>" + locations_html(plan, kn, limit=3))
        used = (
            H2_U
            + _warnings_u(plan)
            + sum(
                LOC_U
                + LOC_LINE_U
                * (_lines(where(loc["site"], loc.get("side"), kn), SITE_ROOM_U, 3.3, bold=True) - 1)
                for loc in locs
            )
        )
        head = f"Why #1 {where(locs[0]['site'], locs[0].get('side'), kn)}"
        facts = list(locs[0].get("explanation") or [])
        used += 1.1 + H3_U * _lines(head, WHERE_ROOM_U, 3.1, bold=True)
        limit = 0
        for f in facts[:3]:
            more = LINE_U + 0.3 if len(facts) > limit + 1 else 0.0
            cost = _lines(words(str(f.get("text", ""))), WHY_ROOM_U) * LINE_U + 0.3
            if used + cost + more > room:
                break
            used += cost
            limit += 1
        if limit:
            parts.append(f"<h3>{escape(head)}</h3>")
            parts.append(why_html(facts, limit=limit, title=head))
    elif stopping:
        g = stopping[0]
        parts.append(f"<h2>Why: {escape(name('gates', g['id'], kn))}</h2>")
        parts.append(f'<p class="pr-gate-why">{escape(words(g["message"]))}</p>')
    parts.append(warnings_html(plan))
    return '<div class="pr-board pr-board-col">' + "".join(parts) + "</div>"


def _listed(label: str, names: list[str], room: float, lines: int, sep: str = ", ") -> tuple[str, int]:
    """A bold label and as many of ``names`` as fit ``lines`` lines, then "+N more"; the html and
    its lines (0: not even the label and one name fit)."""
    for k in range(len(names), 0, -1):
        text = sep.join(names[:k]) + (f"{sep}+{len(names) - k} more" if k < len(names) else "")
        n = _lines(text, room, first=label)
        if n <= lines:
            return f"<b>{escape(label)}</b> {escape(text)}", n
    return "", 0


def _board_operation(plan: dict[str, Any], kn: Knowledge, room: float) -> str:
    """The wall's operation: its head and targets (or, for one plan of several operations, each
    operation's targets) always; the adjuncts and the main risks as far as ``room`` u allows, a
    list cut to "+N more" (the full lists are on the case board); the risks leave first."""
    op = plan["operations"][0]
    by_code = {str(o["operation"]): o for o in plan.get("operations", [])}
    joined = [op] + [by_code[c] for c in op.get("together_with") or [] if c in by_code]
    if len(joined) > 1:
        head = (
            _cap(" + ".join(name("operations", o["operation"], kn) for o in joined))
            + ": one sitting or staged"
        )
        metas = [(f"{_cap(name('operations', o['operation'], kn))}:", targets_text(o, kn)) for o in joined]
        adjuncts: list[str] = []  # one plan of several: the adjuncts are left to the case board
    else:
        head = name("operations", op["operation"], kn)
        metas = [("Target:", targets_text(op, kn))]
        adjuncts = [name("adjuncts", a, kn) for a in op.get("adjuncts") or []]
    metas = [(label, text) for label, text in metas if text]
    head = f"{op['rank']}. {head}"
    used = OP_FRAME_U + OP_HEAD_U * _lines(head, OP_ROOM_U, 3.6, bold=True)
    used += sum(_lines(text, OP_ROOM_U, first=label) * LINE_U for label, text in metas)
    body = [f'<div class="pr-op-head">{escape(head)}</div>']
    body += [f'<div class="pr-op-meta"><b>{escape(label)}</b> {escape(text)}</div>' for label, text in metas]
    if adjuncts:
        html, n = _listed("Adjuncts:", adjuncts, OP_ROOM_U, min(2, int((room - used) // LINE_U)))
        if html:
            body.append(f'<div class="pr-op-meta">{html}</div>')
            used += n * LINE_U
    risks = [words(f["text"]).removeprefix("Risk: ") for f in split_operation_facts(op, kn)[1]]
    if risks:
        html, n = _listed("Main risks:", risks, OP_ROOM_U, int((room - used) // LINE_U), sep="; ")
        if html:
            body.append(f'<div class="pr-op-risk">{html}</div>')
    cls = "pr-op pr-op-joined" if len(joined) > 1 or str(op["operation"]) in leaders(plan) else "pr-op"
    return (
        f'<ol class="pr-ops" id="pr-ranked-operations"><li class="{cls}" '
        f'data-operation="{escape(op["operation"])}">{"".join(body)}</li></ol>'
    )


def _board_what(plan: dict[str, Any], kn: Knowledge, room: float = COLUMNS_END_U) -> str:
    """The right column: the operation and its targets (with those that go with it: one plan), or
    the first test and why. "Else" lists only alternatives, never an operation of the one plan.
    Everything, the button to leave the display included, is kept within ``room`` u."""
    ops = plan.get("operations") or []
    tests = plan.get("next_tests") or []
    parts = []
    room -= H2_U + BUTTON_U
    if plan.get("decision") in ("operate", "medical") and ops:
        title = "Operation" if plan.get("decision") == "operate" else "Not surgery now"
        if plan.get("decision") == "operate" and ops[0].get("together_with"):
            title = "Operations — one plan"
        later = []
        joined = leaders(plan)
        # one alternative beside a plan of several operations, two beside one: the column's height
        others = [o for o in ops[1:] if str(o["operation"]) not in joined][: 1 if joined else 2]
        if others:
            alts = [f"{o['rank']}. {name('operations', o['operation'], kn)}" for o in others]
            later.append(("Else:", alts))
        if tests:
            later.append(("Before it:", [name("tests", tests[0]["test"], kn)]))
        lines = [
            (label, items, _lines("; ".join(items), LATER_ROOM_U, first=label)) for label, items in later
        ]
        room -= sum(n * LINE_U + 0.4 for *_, n in lines)
        parts.append(f"<h2>{title}</h2>" + _board_operation(plan, kn, room))
        for label, items, _ in lines:
            parts.append(f'<p class="pr-later"><b>{escape(label)}</b> {escape("; ".join(items))}</p>')
    elif tests:
        reason = test_reasons(tests)[0]
        parts.append(
            '<h2>First test</h2><ol class="pr-tests" id="pr-next-tests">'
            f'<li data-test="{escape(tests[0]["test"])}">'
            f"<b>{escape(name('tests', tests[0]['test'], kn))}</b><br/>{escape(reason)}</li></ol>"
        )
        if len(tests) > 1:
            later_tests = "; ".join(name("tests", t["test"], kn) for t in tests[1:3])
            parts.append(f'<p class="pr-later"><b>Then:</b> {escape(later_tests)}</p>')
    if not parts:
        parts.append("<h2>Plan</h2><p>No operation and no further test.</p>")
    return '<div class="pr-board pr-board-col">' + "".join(parts) + "</div>"


def display_board(
    case: Any, plan: dict[str, Any], kn: Knowledge, strip: Callable[[], None] | None = None
) -> None:
    """Tumour-board display: one screen, type sized for the back of the room (``ui/assets/board.css``).

    The headline with what changes management; the case as presented (compact chips, the full
    list one click away) and the gates that stop or warn; then the diagram of the three leading
    places, where and why, and what to do (the operation and its targets, or the first test).
    The head has a fixed budget: a headline on two lines or gates on two rows leave fewer rows
    of chips; what does not fit a column is cut to "+N more" (the case board has it all).
    """
    banner, head_lines = board_banner(plan, case, kn)
    gates, gate_rows = _board_gates(plan, kn)
    spare = HEAD_SPARE_U - HEADLINE_PITCH_U * (head_lines - 1) - GATE_PITCH_U * (gate_rows - 1)
    chip_rows = max(1, min(MAX_CHIP_ROWS, 1 + int(spare // CHIP_PITCH_U)))
    top = HEAD_BASE_U + HEADLINE_PITCH_U * (head_lines - 1) + GATE_PITCH_U * (gate_rows - 1)
    room = COLUMNS_END_U - (top + CHIP_PITCH_U * (chip_rows - 1))
    chips = summary_html(case_summary(case, kn), compact=True, rows=chip_rows, room=HEAD_ROOM_U)
    st.html(f'<div class="pr-board">{banner}{chips}{gates}</div>')
    cols = st.columns([10, 9, 8], gap="small")
    with cols[0]:
        drawn = diagram(case, plan, kn, "pr-board-diagram", board=True)
    with cols[1]:
        st.html(_board_where(plan, kn, room))
    with cols[2]:
        st.html(_board_what(plan, kn, room - (meeting_board.STRIP_EXTRA_U if strip else 0.0)))
        if strip is not None:  # a meeting: its steps and decision take the leave button's place
            strip()
        else:
            st.button(
                "Leave the board display",
                key="leave_board",
                on_click=state.leave_board,
                icon=":material/close_fullscreen:",
            )
    st.html(f'<div class="pr-board">{key_html(board_key(drawn))}</div>')
    report_button(case, plan, kn, st.sidebar)


def main() -> None:
    kn = state.kn()
    view = meeting_state.current()
    if view is not None:  # a case of the open meeting: its case and plan as recorded
        if state.board_mode():
            display_board(view.case, view.plan, kn, strip=lambda: meeting_board.board_strip(view, kn))
        else:
            meeting_board.desk_strip(view, kn)
            full_board(view.case, view.plan, kn, view.label)
        return
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
