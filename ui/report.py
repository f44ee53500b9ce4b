"""The case board as one self-contained HTML page for the record.

:func:`report_html` writes the decision, gates, diagram, the number of separate sources, the
ranked locations (each place's own chance of holding overactive tissue) with their explanation
chains, operations, next tests, the IOPTH plan, every source cited, the ontology
version and the date of the plan. It has no scripts and loads nothing from outside (the
diagram is inline SVG); the print stylesheet gives a clean A4 page from the browser's
"Print to PDF". The case title and free-text notes are left out (they may name the patient).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from html import escape
from typing import Any

from kg.knowledge import Knowledge
from ui.diagram import diagram_input, neck_svg
from ui.fragments import (
    CSS,
    LOCATIONS_NOTE,
    banner_html,
    causes_html,
    facts_html,
    gates_html,
    location_title,
    locations_html,
    next_tests_html,
    operations_html,
    sources_html,
    split_operation_facts,
    targets_text,
    together_text,
    warnings_html,
)
from ui.iopth_view import chart_svg
from ui.names import name

PAGE_CSS = """
body{font-family:'DejaVu Sans','Liberation Sans',Arial,sans-serif;color:#111;margin:1.2rem auto;
  max-width:1100px;line-height:1.35;padding:0 1rem}
h1{font-size:1.5rem;margin:.2rem 0}
h2{font-size:1.15rem;border-bottom:2px solid #111;margin:1.1rem 0 .4rem 0;padding-bottom:.15rem}
h3{font-size:1rem;margin:.6rem 0 .2rem 0}
.meta{color:#333;font-size:.9rem}
.two{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:1.2rem;align-items:start}
.diagram svg{width:100%;height:auto;border:1px solid #ccc}
table.facts{border-collapse:collapse;width:100%;font-size:.9rem}
table.facts td,table.facts th{border:1px solid #bbb;padding:.3rem .4rem;vertical-align:top;text-align:left}
.sources li{font-size:.85rem;margin:.15rem 0}
.iopth svg{width:100%;max-width:640px;height:auto}
footer{margin-top:1.5rem;font-size:.8rem;color:#444;border-top:1px solid #999;padding-top:.4rem}
@media print{
  @page{size:A4;margin:12mm}
  body{margin:0;max-width:none;font-size:10pt}
  *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
  h2{break-after:avoid}
  .pr-banner,.pr-op,tr,.diagram,.iopth,li{break-inside:avoid}
  a{color:#111;text-decoration:none}
  .two{grid-template-columns:1fr 1fr}
  .pr-banner{padding:6px 10px;border-width:2px}
  .pr-sym{font-size:22pt;min-width:22pt}
  .pr-word{font-size:20pt}
  .pr-sub{font-size:10pt}
  .pr-case{font-size:8pt}
  .pr-gates{gap:3px}
  .pr-gate{font-size:8pt;padding:1px 5px;border-width:1px}
  .pr-bars td{font-size:8.5pt;padding:1px 3px}
  .pr-rank{min-width:14pt;height:14pt;line-height:14pt;font-size:8pt}
  .pr-bar{height:8pt;min-width:3rem}
  .pr-op{padding:4px 8px;border-width:1px}
  .pr-op-head{font-size:10.5pt}
  .pr-op-meta,.pr-op-risk,.pr-tests li,.pr-facts li{font-size:8.5pt}
  h1{font-size:15pt}
  h2{font-size:11.5pt;margin:8pt 0 3pt 0}
}
"""


def _sources(plan: Mapping[str, Any]) -> list[str]:
    """Every distinct source cited anywhere in the plan, in the order first met."""
    seen: dict[str, None] = {}

    def walk(facts: Any) -> None:
        for f in facts or []:
            src = f.get("source")
            if src and src != "case record":
                seen.setdefault(src, None)

    for g in plan.get("gates", []):
        walk(g.get("explanation"))
    for c in plan.get("suspected_causes", []):
        walk(c.get("explanation"))
    for loc in plan.get("locations", []):
        walk(loc.get("explanation"))
    for op in plan.get("operations", []):
        walk(op.get("explanation"))
    for t in plan.get("next_tests", []):
        walk(t.get("explanation"))
    for s in (plan.get("iopth_plan") or {}).get("sources", []) or []:
        seen.setdefault(s, None)
    return list(seen)


def report_html(
    case: Mapping[str, Any],
    plan: Mapping[str, Any],
    kn: Knowledge,
    *,
    planned_at: datetime | None = None,
) -> str:
    """The report page as one HTML string (UTF-8, no external resource, no script).

    >>> from kg.knowledge import knowledge
    >>> from ui.cases import load_example, plan_case
    >>> case = load_example("ex-04-missing-left-inferior")
    >>> html = report_html(case, plan_case(case).plan, knowledge())
    >>> "<script" in html, "neck-diagram" in html, case["title"] in html
    (False, True, False)
    """
    when = (planned_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    version = str(plan.get("ontology_version") or "?")
    svg = neck_svg(diagram_input(case, plan, kn), kn.sites)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"/>',
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
        f"<title>ParaReop plan — {escape(str(plan.get('case_id', '')))}</title>",
        f"<style>{CSS}{PAGE_CSS}</style></head><body>",
        "<header><h1>ParaReop — reoperation plan</h1>",
        f'<div class="meta">Case <b>{escape(str(plan.get("case_id", "")))}</b> · plan of <b>{when}</b> · '
        f"ontology version <b>{escape(version)}</b> · decision support for the multidisciplinary team, "
        "not a substitute for clinical judgement. The case title and free-text notes are not "
        "included.</div></header>",
        banner_html(plan, kn),
        gates_html(plan, kn),
        warnings_html(plan),
        '<div class="two"><section class="diagram"><h2>Diagram</h2>',
        svg,
        "</section><section><h2>Ranked locations</h2>",
        sources_html(plan),
        locations_html(plan, kn),
        f'<p class="meta pr-loc-note">{escape(LOCATIONS_NOTE)}</p>',
        "<h2>Suspected causes</h2>",
        causes_html(plan, kn) or "<p>None (the plan stops before localization).</p>",
        "</section></div>",
        "<h2>Operations</h2>",
        operations_html(plan, kn),
        "<h2>Next tests</h2>",
        next_tests_html(plan, kn),
    ]
    iop = plan.get("iopth_plan")
    if iop:
        parts += [
            '<section class="iopth"><h2>Intraoperative PTH</h2>',
            f"<p><b>{escape(str(iop.get('criterion', '')))}</b>",
        ]
        if iop.get("baseline_pth") is not None:
            parts.append(
                f" — baseline {float(iop['baseline_pth']):g}, threshold {float(iop['threshold_pth']):g} "
                "(same unit as the case's PTH)"
            )
        parts.append("</p>")
        if iop.get("renal_note"):
            parts.append(f'<div class="pr-warn">{escape(iop["renal_note"])}</div>')
        if iop.get("expected"):
            parts.append(chart_svg(iop))
        parts.append("</section>")
    parts += ["<h2>Explanations</h2>", _explanations(plan, kn)]
    parts += ["<h2>Sources</h2>", '<ol class="sources">']
    parts += [f"<li>{escape(s)}</li>" for s in _sources(plan)]
    parts += [
        "</ol>",
        f"<footer>Generated by ParaReop from the case record and the ParaReop ontology (version "
        f"{escape(version)}) on {when}. Every statement above carries the IRI of the graph fact it rests "
        "on and its source.</footer>",
        "</body></html>",
    ]
    return "\n".join(parts)


def _explanations(plan: Mapping[str, Any], kn: Knowledge) -> str:
    out = ["<h3>Gates</h3>"]
    for g in plan.get("gates", []):
        out.append(
            f"<p><b>{escape(name('gates', g['id'], kn))}</b> ({escape(g['status'])}): "
            f"{escape(g['message'])}</p>"
        )
        out.append(facts_html(g.get("explanation") or []))
    if plan.get("locations"):
        out.append("<h3>Locations</h3>")
        for loc in plan["locations"]:
            out.append(f"<p><b>{escape(location_title(loc, kn))}</b></p>")
            out.append(facts_html(loc.get("explanation") or []))
    if plan.get("operations"):
        out.append("<h3>Operations</h3>")
        for op in plan["operations"]:
            rationale, risks = split_operation_facts(op, kn)
            together = together_text(op, kn)
            out.append(
                f"<p><b>{op['rank']}. {escape(name('operations', op['operation'], kn))}</b> — "
                f"{escape(targets_text(op, kn))}"
                + (f"<br/>One plan: {escape(together)}." if together else "")
                + "</p>"
            )
            out.append(facts_html(rationale + risks))
    if plan.get("next_tests"):
        out.append("<h3>Next tests</h3>")
        for t in plan["next_tests"]:
            out.append(f"<p><b>{t['rank']}. {escape(name('tests', t['test'], kn))}</b></p>")
            out.append(facts_html(t.get("explanation") or []))
    return "".join(out)
