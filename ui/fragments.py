"""HTML fragments of a plan, shared by the case board (through ``st.html``) and the report.

Each function takes the plan as the planner returns it (the contract dict) and the knowledge
view for names; none decides anything. Every coloured element also carries its meaning in
words or symbols (decision word and symbol, gate status word, percentage next to each bar).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from kg.knowledge import Knowledge
from ui.names import GAIN_WORDS, GATE_STYLES, decision_style, describe, name, pct, site_short, where, words

ASSETS = Path(__file__).resolve().parent / "assets"
#: The plan's stylesheet (banner, gates, bars, operations), shared by the app and the report.
CSS = (ASSETS / "plan.css").read_text(encoding="utf-8")


def banner_html(
    plan: Mapping[str, Any],
    kn: Knowledge,
    *,
    case_id: str | None = None,
    case: Mapping[str, Any] | None = None,
) -> str:
    """The decision and diagnosis as a banner whose colour, symbol and words agree.

    The words are the headline (:func:`ui.board.headline`): the decision with what it is about,
    then the flags that change management (a suspected carcinoma, the patient's syndromes).
    """
    from ui.board import headline

    decision = str(plan.get("decision", ""))
    st = decision_style(decision)
    diagnosis = str(plan.get("diagnosis", ""))
    label = name("diagnoses", diagnosis, kn)
    sub = f"Diagnosis: {label[:1].upper() + label[1:]}"
    why = describe("diagnoses", diagnosis)
    cid = escape(case_id or str(plan.get("case_id", "")))
    parts = headline(plan, case, kn)
    flags = "".join(f'<span class="pr-flag">{escape(f)}</span>' for f in parts[1:])
    return (
        f'<div class="pr-banner" id="decision-banner" data-decision="{escape(decision)}" role="status" '
        f'style="background:{st.bg};color:{st.fg}">'
        f'<div class="pr-sym" aria-hidden="true">{escape(st.symbol)}</div>'
        f'<div><div class="pr-word" id="pr-headline">{escape(parts[0])}{flags}</div>'
        f'<div class="pr-sub">{escape(sub)}<span class="pr-why">{" — " + escape(why) if why else ""}</span>'
        "</div></div>"
        f'<div class="pr-case">{cid}<br/>ontology {escape(str(plan.get("ontology_version") or "?"))}</div>'
        "</div>"
    )


def gate_rows_html(gates: Sequence[Mapping[str, Any]], kn: Knowledge) -> str:
    """Gates as rows (symbol and status word, name, message): for the gates that stop or warn."""
    rows = []
    for g in gates:
        sym, word, fg, bg = GATE_STYLES.get(g["status"], GATE_STYLES["unknown"])
        rows.append(
            f'<tr data-gate="{escape(g["id"])}" data-status="{escape(g["status"])}">'
            f'<td class="pr-gstat" style="color:{fg};background:{bg}">{escape(sym)} {escape(word)}</td>'
            f"<td><b>{escape(name('gates', g['id'], kn))}</b><br/>{escape(words(g['message']))}</td></tr>"
        )
    return f'<table class="pr-gate-rows">{"".join(rows)}</table>' if rows else ""


def why_html(facts: Sequence[Mapping[str, Any]], *, limit: int = 5) -> str:
    """The first links of an explanation chain in words (the board's short "why")."""
    items = [f"<li>{escape(words(str(f.get('text', ''))))}</li>" for f in facts[:limit]]
    more = len(facts) - limit
    tail = f'<li class="pr-more">… {more} more in the report</li>' if more > 0 else ""
    return f'<ul class="pr-why-list">{"".join(items)}{tail}</ul>' if items else ""


def gates_html(plan: Mapping[str, Any], kn: Knowledge, *, messages: bool = True) -> str:
    """The gates in order as chips: symbol, status word, gate name (and its message)."""
    chips = []
    for g in plan.get("gates", []):
        sym, word, fg, bg = GATE_STYLES.get(g["status"], GATE_STYLES["unknown"])
        msg = f' <span class="pr-gate-msg">— {escape(words(g["message"]))}</span>' if messages else ""
        chips.append(
            f'<span class="pr-gate" data-gate="{escape(g["id"])}" data-status="{escape(g["status"])}" '
            f'style="color:{fg};background:{bg}" title="{escape(words(g["message"]))}">'
            f"<b>{escape(sym)} {escape(word)}</b> {escape(name('gates', g['id'], kn))}{msg}</span>"
        )
    return f'<div class="pr-gates">{"".join(chips)}</div>'


#: Places below this chance are not listed as rows (each would read "<1%"); one line counts them.
DISPLAY_FLOOR = 0.01


def shown_locations(plan: Mapping[str, Any], *, limit: int | None = None) -> list[Mapping[str, Any]]:
    """The ranked locations a screen lists: at or above the display floor, at most ``limit``.

    >>> [loc["rank"] for loc in shown_locations({"locations": [{"rank": 1, "probability": 0.9},
    ...     {"rank": 2, "probability": 0.004}]})]
    [1]
    """
    locs = [loc for loc in plan.get("locations", []) if float(loc["probability"]) >= DISPLAY_FLOOR]
    return locs[: limit or None]


def locations_html(plan: Mapping[str, Any], kn: Knowledge, *, limit: int | None = None) -> str:
    """The ranked locations as rows: rank, site and side, a probability bar and its percentage.

    Places under the display floor are counted on one line rather than listed as rows of "<1%".
    """
    rows = []
    shown = shown_locations(plan, limit=limit)
    for loc in shown:
        p = float(loc["probability"])
        rows.append(
            f'<tr class="pr-loc" data-rank="{loc["rank"]}" data-site="{escape(loc["site"])}" '
            f'data-side="{escape(loc.get("side") or "")}">'
            f'<td><span class="pr-rank">{loc["rank"]}</span></td>'
            f'<td class="pr-site">{escape(where(loc["site"], loc.get("side"), kn))}</td>'
            f'<td class="pr-bar-cell"><div class="pr-bar" role="img" aria-label="{escape(pct(p))}">'
            f'<span style="width:{max(0.0, min(1.0, p)) * 100:.1f}%"></span></div></td>'
            f'<td class="pr-pct">{escape(pct(p))}</td></tr>'
        )
    if not rows:
        return '<p class="pr-none">No candidate location: the plan does not localize (see the decision).</p>'
    below = sum(1 for loc in plan.get("locations", []) if float(loc["probability"]) < DISPLAY_FLOOR)
    tail = (
        f'<tr class="pr-below"><td></td><td colspan="3">{below} other place{"s" if below > 1 else ""}, '
        f"each under 1%</td></tr>"
        if below and limit is None
        else ""
    )
    return f'<table class="pr-bars" id="pr-ranked-locations">{"".join(rows)}{tail}</table>'


def split_operation_facts(op: Mapping[str, Any], kn: Knowledge) -> tuple[list[dict], list[dict]]:
    """An operation's explanation split into rationale and risks (the graph's risk nodes of it)."""
    proc = kn.procedures.get(str(op.get("operation")))
    risk_iris = {r.iri for r in proc.risks} if proc else set()
    facts = list(op.get("explanation") or [])
    risks = [f for f in facts if f.get("iri") in risk_iris]
    return [f for f in facts if f.get("iri") not in risk_iris], risks


def targets_text(op: Mapping[str, Any], kn: Knowledge) -> str:
    targets = op.get("targets") or ([{"site": op["site"], "side": op.get("side")}] if op.get("site") else [])
    return "; ".join(where(t["site"], t.get("side"), kn) for t in targets)


def operations_html(
    plan: Mapping[str, Any], kn: Knowledge, *, limit: int | None = None, details: bool = True
) -> str:
    """The ranked operations: name, targets, adjuncts, and (with details) rationale and risks."""
    items = []
    for op in plan.get("operations", [])[: limit or None]:
        rationale, risks = split_operation_facts(op, kn)
        tg = targets_text(op, kn)
        adj = ", ".join(name("adjuncts", a, kn) for a in op.get("adjuncts") or [])
        title = escape(name("operations", op["operation"], kn))
        body = [f'<div class="pr-op-head">{op["rank"]}. {title}</div>']
        if tg:
            body.append(f'<div class="pr-op-meta"><b>Target:</b> {escape(tg)}</div>')
        if adj:
            body.append(f'<div class="pr-op-meta"><b>Adjuncts:</b> {escape(adj)}</div>')
        if details and rationale:
            body.append(
                '<div class="pr-op-meta"><b>Why:</b> '
                + escape("; ".join(words(f["text"]) for f in rationale))
                + "</div>"
            )
        if risks:
            body.append(
                '<div class="pr-op-risk"><b>Main risks:</b> '
                + escape("; ".join(words(f["text"]).removeprefix("Risk: ") for f in risks))
                + "</div>"
            )
        items.append(f'<li class="pr-op" data-operation="{escape(op["operation"])}">{"".join(body)}</li>')
    if not items:
        return '<p class="pr-none">No operation proposed.</p>'
    return f'<ol class="pr-ops" id="pr-ranked-operations">{"".join(items)}</ol>'


def test_reasons(tests: Sequence[Mapping[str, Any]]) -> list[str]:
    """Each next test's reason in words; the first ranked by information gain "would most change the plan".

    The planner ranks the localizing tests by expected information gain (in bits); a board
    needs what that means, so the first such test says it would most change the plan and the
    later ones that they would change it less.

    >>> test_reasons([{"reason": "Expected information gain 1.84 bits over the location ranking."},
    ...               {"reason": "Expected information gain 0.97 bits over the location ranking."},
    ...               {"reason": "Vocal cord assessment before a reoperation."}])
    ['Would most change the plan.', 'Would change the plan less than the test above.', \
'Vocal cord assessment before a reoperation.']
    """
    out: list[str] = []
    seen_gain = False
    for t in tests:
        reason = words(str(t.get("reason", "")))
        if reason == GAIN_WORDS:
            reason = (
                "Would change the plan less than the test above."
                if seen_gain
                else "Would most change the plan."
            )
            seen_gain = True
        out.append(reason)
    return out


def next_tests_html(plan: Mapping[str, Any], kn: Knowledge, *, limit: int | None = None) -> str:
    """The next tests in the planner's order, each with its reason in words."""
    tests = list(plan.get("next_tests", []))
    reasons = test_reasons(tests)
    items = [
        f'<li data-test="{escape(t["test"])}"><b>{escape(name("tests", t["test"], kn))}</b> — '
        f"{escape(reason)}</li>"
        for t, reason in list(zip(tests, reasons, strict=True))[: limit or None]
    ]
    if not items:
        return '<p class="pr-none">No further test.</p>'
    return f'<ol class="pr-tests" id="pr-next-tests">{"".join(items)}</ol>'


def warnings_html(plan: Mapping[str, Any]) -> str:
    return "".join(f'<div class="pr-warn">⚠ {escape(words(w))}</div>' for w in plan.get("warnings") or [])


def facts_html(facts: Sequence[Mapping[str, Any]]) -> str:
    """An explanation chain: each fact with its IRI (a link) and its source."""
    items = []
    for f in facts:
        iri = f.get("iri")
        src = f.get("source")
        link = f' <a class="pr-iri" href="{escape(iri)}">{escape(iri)}</a>' if iri else ""
        source = f' <span class="pr-src">— {escape(src)}</span>' if src else ""
        items.append(f"<li>{escape(words(str(f.get('text', ''))))}{link}{source}</li>")
    return f'<ul class="pr-facts">{"".join(items)}</ul>'


def causes_html(plan: Mapping[str, Any], kn: Knowledge) -> str:
    rows = []
    for c in plan.get("suspected_causes", []):
        p = float(c["probability"])
        rows.append(
            f'<tr><td class="pr-site">{escape(name("suspected_causes", c["cause"], kn))}</td>'
            f'<td style="width:38%"><div class="pr-bar"><span style="width:{p * 100:.1f}%"></span></div></td>'
            f'<td class="pr-pct">{escape(pct(p))}</td></tr>'
        )
    return f'<table class="pr-bars" id="pr-suspected-causes">{"".join(rows)}</table>' if rows else ""


def location_title(loc: Mapping[str, Any], kn: Knowledge) -> str:
    """The words of one ranked location ("#1 Perrier F, left — 95%")."""
    return f"#{loc['rank']} {where(loc['site'], loc.get('side'), kn)} — {pct(float(loc['probability']))}"


def site_names(plan: Mapping[str, Any], kn: Knowledge) -> list[str]:
    return [site_short(loc["site"], kn) for loc in plan.get("locations", [])]
