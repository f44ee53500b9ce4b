"""The case as a chart-ready report: one or two A4 pages, then an appendix of the chains behind them.

:func:`report_html` writes one self-contained HTML page (no script, nothing loaded from outside;
the diagram is inline SVG) for the patient's chart and the meeting's file:

* a running header on every printed page (the case's pseudonymous id, the date of the plan and
  the ontology version) and "page N of M" at its foot, in the ``@page`` margin boxes, so the
  browser's own "Print to PDF" and :mod:`ui.pdf` number the pages alike;
* the identifier block, blank (:func:`ui.report_parts.identifier_html`);
* the headline and gates, the case presented (:mod:`ui.summary`), the diagram beside the
  leading places and the number of separate sources, the operations or the next tests, and the
  IOPTH plan;
* the board's decision with its attendees and a signature line (lines to fill in when the case
  was not decided at a meeting);
* from a new page, the appendix: the explanation chains of exactly what the pages show, and
  their sources (``appendix=False`` leaves it out).

The case title and free-text notes are left out (they may name the patient).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from html import escape
from typing import Any

from kg.knowledge import Knowledge
from ui.diagram import diagram_input, neck_svg
from ui.fragments import (
    ASSETS,
    CSS,
    DISPLAY_FLOOR,
    LOCATIONS_NOTE,
    banner_html,
    gate_rows_html,
    gates_html,
    locations_html,
    next_tests_html,
    operations_html,
    sources_html,
    targets_text,
    together_text,
    warnings_html,
)
from ui.iopth_view import chart_svg
from ui.names import name
from ui.report_parts import Shown, appendix_html, board_html, identifier_html
from ui.summary import case_summary, summary_html

REPORT_CSS = (ASSETS / "report.css").read_text(encoding="utf-8")
DISCLAIMER = "Decision support for the multidisciplinary team, not a substitute for clinical judgement"


def css_string(text: str) -> str:
    """``text`` as a CSS string literal that cannot end the string, the rule or the style element.

    >>> css_string('a"b</style>')
    '"a\\\\22 b\\\\3c /style\\\\3e "'
    """
    out = []
    for ch in text:
        if ch.isalnum() or ch in " .,-_:;()/#+·—":
            out.append(ch)
        else:
            out.append(f"\\{ord(ch):x} ")
    return '"' + "".join(out) + '"'


def page_css(case_id: str, when: str, version: str) -> str:
    """The A4 page with its running header and page numbers in the margin boxes (Chromium ≥ 131)."""
    head = css_string(f"ParaReop — reoperation plan · case {case_id}")
    right = css_string(f"plan of {when} · ontology {version}")
    return (
        "@page{size:A4;margin:14mm 12mm 13mm 12mm;"
        f"@top-left{{content:{head};font:700 8pt 'DejaVu Sans',sans-serif;color:#111}}"
        f"@top-right{{content:{right};font:8pt 'DejaVu Sans',sans-serif;color:#333}}"
        f"@bottom-left{{content:{css_string(DISCLAIMER)};font:7pt 'DejaVu Sans',sans-serif;color:#444}}"
        '@bottom-right{content:"page " counter(page) " of " counter(pages);'
        "font:700 8pt 'DejaVu Sans',sans-serif;color:#111}}"
    )


def _iopth_html(plan: Mapping[str, Any]) -> str:
    """The IOPTH plan: its criterion, baseline and threshold, the renal note, the expected decay."""
    iop = plan.get("iopth_plan")
    if not iop:
        return ""
    text = [f"<p><b>{escape(str(iop.get('criterion', '')))}</b></p>"]
    if iop.get("baseline_pth") is not None:
        text.append(
            f"<p>Baseline {float(iop['baseline_pth']):g}, threshold {float(iop['threshold_pth']):g} "
            "(the unit of the case's PTH). Highest pre-excision value, then at 5 and "
            f"{float(iop.get('minutes', 10)):g} min: ______ / ______ / ______</p>"
        )
    if iop.get("renal_note"):
        text.append(f'<div class="pr-warn">{escape(iop["renal_note"])}</div>')
    chart = chart_svg(iop) if iop.get("expected") else ""
    return (
        '<section class="rp-iopth-wrap" id="rp-iopth"><h2>Intraoperative PTH</h2>'
        f'<div class="rp-iopth"><div>{"".join(text)}</div><div>{chart}</div></div></section>'
    )


def _places_html(plan: Mapping[str, Any], shown: Shown, kn: Knowledge) -> str:
    """The number of sources, the listed places, how many more are counted, and what a percentage means."""
    if not plan.get("locations"):
        return '<p class="pr-none">No candidate place: the plan does not localize (see the decision).</p>'
    rows = locations_html({"locations": list(shown.locations)}, kn)
    listed = {loc["rank"] for loc in shown.locations}
    rest = [loc for loc in plan["locations"] if loc["rank"] not in listed]
    below = sum(1 for loc in rest if float(loc["probability"]) < DISPLAY_FLOOR)
    more = len(rest) - below
    tail = []
    if more:
        tail.append(f"{more} further place{'s' if more > 1 else ''} of 1% or more")
    if below:
        tail.append(f"{below} under 1% each")
    counted = f'<p class="rp-note">Not listed: {"; ".join(tail)}.</p>' if tail else ""
    return f'{sources_html(plan)}{rows}{counted}<p class="rp-note">{escape(LOCATIONS_NOTE)}</p>'


def _alternatives_html(plan: Mapping[str, Any], shown: Shown, kn: Knowledge) -> str:
    """The lower-ranked operations the pages show, one line each (name and targets)."""
    first = plan["operations"][0]
    partners = set(first.get("together_with") or [])
    rest = [op for op in shown.operations[1:] if op["operation"] not in partners]
    if not rest:
        return ""
    items = "; ".join(
        f'<span data-operation="{escape(op["operation"])}">{op["rank"]}. '
        f"{escape(name('operations', op['operation'], kn))}"
        + (f" ({escape(targets_text(op, kn))})" if targets_text(op, kn) else "")
        + "</span>"
        for op in rest
    )
    hidden = len(plan["operations"]) - len(shown.operations)
    tail = f"; {hidden} more ranked lower" if hidden > 0 else ""
    return f'<p class="rp-alt"><b>Lower-ranked operations:</b> {items}{tail}.</p>'


def _treatment_html(plan: Mapping[str, Any], shown: Shown, kn: Knowledge) -> str:
    """The first operation in full (with those it goes with), the next ones in a line, the next tests."""
    out = []
    if plan.get("operations"):
        # the first in full; one that goes with others reads as that one plan, each part's targets
        out += ["<h2>Operation</h2>", operations_html(plan, kn, limit=1, details=False)]
        if together := together_text(plan["operations"][0], kn):
            out.append(f'<p class="rp-alt"><b>One plan:</b> {escape(together)}.</p>')
        out.append(_alternatives_html(plan, shown, kn))
    if plan.get("next_tests") or not plan.get("operations"):
        out += ["<h2>Next tests</h2>", next_tests_html(plan, kn, limit=len(shown.next_tests))]
    return "".join(out)


def report_html(
    case: Mapping[str, Any],
    plan: Mapping[str, Any],
    kn: Knowledge,
    *,
    planned_at: datetime | None = None,
    consensus: Mapping[str, Any] | None = None,
    meeting: Mapping[str, Any] | None = None,
    appendix: bool = True,
) -> str:
    """The report as one HTML string (UTF-8, no external resource, no script).

    ``consensus`` is the board's decision as the meeting store keeps it (``Store.case(...)
    ["consensus"]``) and ``meeting`` that meeting's title and date; without them the decision
    block is left as lines to fill in.

    >>> from kg.knowledge import knowledge
    >>> from ui.cases import load_example, plan_case
    >>> case = load_example("ex-04-missing-left-inferior")
    >>> html = report_html(case, plan_case(case).plan, knowledge())
    >>> "<script" in html, "neck-diagram" in html, case["title"] in html, 'id="rp-identifier"' in html
    (False, True, False, True)
    """
    when = (planned_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    version = str(plan.get("ontology_version") or "?")
    case_id = str(plan.get("case_id", ""))
    shown = Shown.of(plan)
    svg = neck_svg(diagram_input(case, plan, kn), kn.sites)
    stopping = [g for g in plan.get("gates", []) if g.get("status") != "pass"]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"/>',
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
        f"<title>ParaReop plan — {escape(case_id)}</title>",
        f"<style>{CSS}{REPORT_CSS}{page_css(case_id, when, version)}</style></head><body>",
        '<header class="rp-head"><div><h1>ParaReop — reoperation plan</h1>',
        f'<div class="meta">Case <b>{escape(case_id)}</b> (pseudonymous id) · plan of <b>{when}</b> · '
        f"ontology version <b>{escape(version)}</b></div>",
        f'<div class="meta">{escape(DISCLAIMER)}. The case title and free-text notes are not '
        "included.</div></div>",
        identifier_html(),
        "</header>",
        banner_html(plan, kn, case=case),
        gates_html(plan, kn, messages=False),
        gate_rows_html(stopping, kn),
        warnings_html(plan),
        summary_html(case_summary(case, kn)),
        f'<div class="rp-two"><section class="rp-diagram">{svg}</section>',
        f"<section><h2>Where</h2>{_places_html(plan, shown, kn)}",
        _treatment_html(plan, shown, kn),
        "</section></div>",
        _iopth_html(plan),
        board_html(consensus, kn, meeting=meeting),
        f'<div class="rp-foot">Generated by ParaReop from the case record and the ParaReop ontology '
        f"(version {escape(version)}) on {when}; the explanation chains are in its appendix.</div>",
    ]
    if appendix:
        parts.append(appendix_html(shown, plan, kn))
    parts.append("</body></html>")
    return "\n".join(parts)
