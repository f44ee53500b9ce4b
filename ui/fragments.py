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
from planner.sources import several_likely
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


def why_html(facts: Sequence[Mapping[str, Any]], *, limit: int = 5, title: str = "Why") -> str:
    """The first links of an explanation chain in words (the board's short "why"); the rest are
    one click away: "… N more" opens the whole chain, each fact with its source, over the board,
    and a click anywhere closes it (plain ``<details>``, no script; ``ui/assets/board.css``).

    >>> html = why_html([{"text": "a"}, {"text": "b", "source": "PMID 1"}], limit=1, title="Why #1")
    >>> "… 1 more: the whole chain" in html and "PMID 1" in html and html.count("<li") == 4
    True
    """
    items = [f"<li>{escape(words(str(f.get('text', ''))))}</li>" for f in facts[:limit]]
    more = len(facts) - limit
    tail = f'<li class="pr-more">{_chain_overlay(facts, more, title)}</li>' if more > 0 else ""
    return f'<ul class="pr-why-list">{"".join(items)}{tail}</ul>' if items else ""


def _chain_overlay(facts: Sequence[Mapping[str, Any]], more: int, title: str) -> str:
    """The "… N more" line that opens the whole explanation chain over the board."""
    rows = []
    for f in facts:
        src = f.get("source")
        source = f' <span class="pr-src">— {escape(str(src))}</span>' if src else ""
        rows.append(f"<li>{escape(words(str(f.get('text', ''))))}{source}</li>")
    return (
        '<details class="pr-chain"><summary title="Click to show the whole chain; click again to close">'
        f'<span class="pr-chain-open">… {more} more: the whole chain</span>'
        f'<span class="pr-chain-full"><b class="pr-chain-title">{escape(title)}</b>'
        f'<ol>{"".join(rows)}</ol><span class="pr-chain-close">Click anywhere to close</span></span>'
        "</summary></details>"
    )


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
#: What a location's percentage means, in the words a screen or a page uses: each place's own
#: chance (several glands can be diseased at once), so the places are not shares of one whole.
CHANCE_WORDS = "chance that this place holds overactive tissue"
LOCATIONS_NOTE = (
    "Each percentage is the chance that this place holds overactive tissue. Several glands can be "
    "diseased at once, so the places are not shares of one whole and their percentages need not "
    "add up; the number of separate sources is given on its own."
)
#: How the plan's number of sources reads ("One source 72% · two 20% · three or more 8%").
SOURCE_WORDS = (("1", "One source"), ("2", "two"), ("3+", "three or more"))


def source_pct(p: float) -> str:
    """A share of the number of sources: never "0%" or "100%", always "<1%" and ">99%".

    The planner bounds the sets it builds and drops negligible hypotheses (``planner.sources``),
    so an exact 0 or 1 here is an artefact of computation, not a certainty a room should read.

    >>> source_pct(1.0), source_pct(0.0), source_pct(0.2049)
    ('>99%', '<1%', '20%')
    """
    return ">99%" if p >= 0.99 else "<1%" if p < 0.01 else f"{p:.0%}"


def sources_text(plan: Mapping[str, Any]) -> str:
    """The posterior on the number of separate sources in words; "" when the plan has none.

    >>> sources_text({"sources": {"1": 0.72, "2": 0.2, "3+": 0.08}})
    'One source 72% · two 20% · three or more 8%'
    >>> sources_text({"sources": None}), sources_text({"sources": {}})
    ('', '')
    """
    src = plan.get("sources") or {}
    if not src:
        return ""
    return " · ".join(f"{label} {source_pct(float(src.get(k) or 0.0))}" for k, label in SOURCE_WORDS)


def several_sources_likely(plan: Mapping[str, Any]) -> bool:
    """Whether two or more separate sources are at least as likely as one (the headline says so).

    >>> several_sources_likely({"sources": {"1": 0.03, "2": 0.84, "3+": 0.13}})
    True
    >>> several_sources_likely({"sources": {"1": 0.6, "2": 0.3, "3+": 0.1}}), several_sources_likely({})
    (False, False)
    """
    return several_likely(plan.get("sources"))


def sources_html(plan: Mapping[str, Any], *, label: str = "How many sources: ") -> str:
    """The number-of-sources line (it sums to one, unlike the places); "" when the plan has none."""
    text = sources_text(plan)
    if not text:
        return ""
    return (
        '<div class="pr-sources" id="pr-sources" title="The chance of one, two, or three or more '
        'separate sources of overactive tissue (these add up to one whole)">'
        + (f"<b>{escape(label)}</b>" if label else "")
        + f"{escape(text)}</div>"
    )


def shown_locations(plan: Mapping[str, Any], *, limit: int | None = None) -> list[Mapping[str, Any]]:
    """The ranked locations a screen lists: at or above the display floor, at most ``limit``.

    >>> [loc["rank"] for loc in shown_locations({"locations": [{"rank": 1, "probability": 0.9},
    ...     {"rank": 2, "probability": 0.004}]})]
    [1]
    """
    locs = [loc for loc in plan.get("locations", []) if float(loc["probability"]) >= DISPLAY_FLOOR]
    return locs[: limit or None]


def _location_row(loc: Mapping[str, Any], kn: Knowledge) -> str:
    """One place: rank, site and side, a gauge of its own chance (0 to 1, not a share) and the percentage."""
    p = float(loc["probability"])
    said = f"{pct(p)} {CHANCE_WORDS}"
    return (
        f'<tr class="pr-loc" data-rank="{loc["rank"]}" data-site="{escape(loc["site"])}" '
        f'data-side="{escape(loc.get("side") or "")}" title="{escape(said)}">'
        f'<td><span class="pr-rank">{loc["rank"]}</span></td>'
        f'<td class="pr-site">{escape(where(loc["site"], loc.get("side"), kn))}</td>'
        f'<td class="pr-bar-cell"><div class="pr-bar" role="img" aria-label="{escape(said)}">'
        f'<span style="width:{max(0.0, min(1.0, p)) * 100:.1f}%"></span></div></td>'
        f'<td class="pr-pct">{escape(pct(p))}</td></tr>'
    )


def locations_html(plan: Mapping[str, Any], kn: Knowledge, *, limit: int | None = None) -> str:
    """The ranked locations as rows: rank, site and side, a chance gauge and its percentage.

    Each gauge runs from 0 to 1 on its own (a place's chance, not its share of the others).
    Places under the display floor are counted on one line rather than listed as rows of "<1%":
    how many there are, never how much they "leave", since the chances are not one whole.
    """
    rows = [_location_row(loc, kn) for loc in shown_locations(plan, limit=limit)]
    if not rows:
        return '<p class="pr-none">No candidate location: the plan does not localize (see the decision).</p>'
    below = sum(1 for loc in plan.get("locations", []) if float(loc["probability"]) < DISPLAY_FLOOR)
    tail = (
        f'<tr class="pr-below"><td></td><td colspan="3">{below} other place{"s" if below > 1 else ""}, '
        f"each with under 1% chance of holding overactive tissue</td></tr>"
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


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def together_text(op: Mapping[str, Any], kn: Knowledge | None) -> str:
    """The leading operation and those that go with it as one sentence; "" when it goes alone.

    The planner adds an operation while it raises the chance of reaching every source; the
    ones it lists in ``together_with`` are one plan with it (one sitting or staged), not
    alternatives, so they read as one sentence rather than as the next ranks.

    >>> together_text({"operation": "hemithyroidectomy", "together_with": ["bilateral_reexploration"]}, None)
    'Hemithyroidectomy together with bilateral re-exploration: one sitting or staged'
    >>> together_text({"operation": "focused_reexploration"}, None)
    ''
    """
    partners = [name("operations", code, kn) for code in op.get("together_with") or []]
    if not partners:
        return ""
    joined = partners[0] if len(partners) == 1 else ", ".join(partners[:-1]) + " and " + partners[-1]
    return f"{_cap(name('operations', op['operation'], kn))} together with {joined}: one sitting or staged"


def leaders(plan: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Each operation that goes with a leading one, mapped to that leading operation.

    >>> sorted(leaders({"operations": [{"rank": 1, "operation": "a", "together_with": ["b"]},
    ...     {"rank": 2, "operation": "b"}]}))
    ['b']
    """
    out: dict[str, Mapping[str, Any]] = {}
    for op in plan.get("operations", []):
        for code in op.get("together_with") or []:
            out.setdefault(str(code), op)
    return out


def _together_lines(op: Mapping[str, Any], plan: Mapping[str, Any], kn: Knowledge) -> list[str]:
    """The "one plan" line of an operation in the full list: its partners, or the one it goes with."""
    text = together_text(op, kn)
    if text:
        return [f'<div class="pr-op-together"><b>One plan:</b> {escape(text)}.</div>']
    lead = leaders(plan).get(str(op.get("operation")))
    if lead is None:
        return []
    return [
        f'<div class="pr-op-together"><b>One plan:</b> goes with {lead["rank"]}. '
        f"{escape(name('operations', lead['operation'], kn))} (one sitting or staged).</div>"
    ]


def _risks_html(risks: Sequence[Mapping[str, Any]]) -> str:
    if not risks:
        return ""
    text = "; ".join(words(f["text"]).removeprefix("Risk: ") for f in risks)
    return f'<div class="pr-op-risk"><b>Main risks:</b> {escape(text)}</div>'


def _joined_item(op: Mapping[str, Any], plan: Mapping[str, Any], kn: Knowledge) -> str:
    """The wall's form of an operation that goes with others: the one plan as its head ("1.
    Hemithyroidectomy + bilateral re-exploration: one sitting or staged"), then each operation of
    it with its targets, and the risks (the adjuncts are left to the case board, so that the plan
    fits the same screen as a single operation)."""
    by_code = {str(o["operation"]): o for o in plan.get("operations", [])}
    parts = [op] + [by_code[c] for c in op.get("together_with") or [] if c in by_code]
    head = " + ".join(name("operations", part["operation"], kn) for part in parts)
    body = [f'<div class="pr-op-head">{op["rank"]}. {escape(_cap(head))}: one sitting or staged</div>']
    for part in parts:
        tg = targets_text(part, kn)
        if tg:
            body.append(
                f'<div class="pr-op-meta"><b>{escape(_cap(name("operations", part["operation"], kn)))}:</b> '
                f"{escape(tg)}</div>"
            )
    body.append(_risks_html(split_operation_facts(op, kn)[1]))
    return f'<li class="pr-op pr-op-joined" data-operation="{escape(op["operation"])}">{"".join(body)}</li>'


def _operation_item(op: Mapping[str, Any], plan: Mapping[str, Any], kn: Knowledge, details: bool) -> str:
    """One operation: name, targets, what goes with it, adjuncts, (with details) rationale, risks."""
    if not details and op.get("together_with"):
        return _joined_item(op, plan, kn)
    rationale, risks = split_operation_facts(op, kn)
    tg = targets_text(op, kn)
    adj = ", ".join(name("adjuncts", a, kn) for a in op.get("adjuncts") or [])
    body = [f'<div class="pr-op-head">{op["rank"]}. {escape(name("operations", op["operation"], kn))}</div>']
    if tg:
        body.append(f'<div class="pr-op-meta"><b>Target:</b> {escape(tg)}</div>')
    body += _together_lines(op, plan, kn)
    if adj:
        body.append(f'<div class="pr-op-meta"><b>Adjuncts:</b> {escape(adj)}</div>')
    if details and rationale:
        why = "; ".join(words(f["text"]) for f in rationale)
        body.append(f'<div class="pr-op-meta"><b>Why:</b> {escape(why)}</div>')
    body.append(_risks_html(risks))
    joined = " pr-op-joined" if op.get("together_with") or str(op["operation"]) in leaders(plan) else ""
    return f'<li class="pr-op{joined}" data-operation="{escape(op["operation"])}">{"".join(body)}</li>'


def operations_html(
    plan: Mapping[str, Any], kn: Knowledge, *, limit: int | None = None, details: bool = True
) -> str:
    """The ranked operations: name, targets, what goes with it, adjuncts, rationale and risks.

    Without details (the wall) an operation that goes with others is shown as that one plan,
    with the targets of each of its operations, since those are not listed there on their own.
    """
    items = [_operation_item(op, plan, kn, details) for op in plan.get("operations", [])[: limit or None]]
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
    """The words of one ranked location ("#1 Perrier F, left — 95% chance of overactive tissue here")."""
    p = pct(float(loc["probability"]))
    return f"#{loc['rank']} {where(loc['site'], loc.get('side'), kn)} — {p} chance of overactive tissue here"


def site_names(plan: Mapping[str, Any], kn: Knowledge) -> list[str]:
    return [site_short(loc["site"], kn) for loc in plan.get("locations", [])]
