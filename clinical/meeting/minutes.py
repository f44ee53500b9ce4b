"""The minutes of a meeting as one document (Markdown or HTML).

Per case, in the order presented: the plan's headline, the board's decision (operation and
targets, next tests, note), whether it follows the plan or departs from it and why, the
attendees by role, and the outcome when one is recorded. The document carries the pseudonymous
case ids only, like the store.
"""

from __future__ import annotations

import html
from typing import Any

from clinical.meeting.models import utc_text
from clinical.meeting.records import code_words as _words
from clinical.meeting.records import place_words as _place
from clinical.meeting.records import plan_headline


def _attendees(people: list[dict[str, Any]]) -> str:
    return ", ".join(f"{a['role']} ({a['name']})" if a.get("name") else str(a["role"]) for a in people)


def _cured(value: bool | None) -> str:
    return "unknown" if value is None else "yes" if value else "no"


def case_lines(c: dict[str, Any]) -> list[tuple[str, str]]:
    """The (label, text) lines of one case in the minutes.

    >>> case_lines({"plan": {"decision": "defer", "diagnosis": "too_early"}, "consensus": None,
    ...             "outcome": None})
    [('Plan', 'DEFER · too early'), ('Board', 'not yet decided')]
    """
    lines = [("Plan", plan_headline(c["plan"]))]
    k = c["consensus"]
    if k is None:
        return [*lines, ("Board", "not yet decided")]
    decision = k["decision"].upper()
    if k["operation"]:
        targets = "; ".join(_place(t) for t in k["targets"])
        decision += f" · {_words(k['operation'], 'operations')}" + (f" ({targets})" if targets else "")
    lines.append(("Board", decision))
    if k["next_tests"]:
        lines.append(("Next tests", ", ".join(_words(t, "tests") for t in k["next_tests"])))
    if k["follows_plan"]:
        lines.append(("Against the plan", "follows the plan"))
    else:
        lines.append(("Against the plan", f"DEPARTS from the plan: {k['departure_reason']}"))
    if k["note"]:
        lines.append(("Note", k["note"]))
    lines.append(("Attendees", _attendees(k["attendees"]) or "not recorded"))
    lines.append(("Recorded", f"by {k['decided_by']}, {_when(k['decided_at'])}"))
    o = c["outcome"]
    if o is not None:
        found = _place({"site": o["found_site"], "side": o["found_side"]}) or "nothing found"
        also = "; ".join(_place(g) for g in o["also_found"] or [])
        lines.append(
            (
                "Outcome",
                f"{_words(o['operation'], 'operations') or 'operation not recorded'} · found {found}"
                + (f" (also {also})" if also else "")
                + f" · histology {_words(o['histology'], 'pathologies') or 'not recorded'}"
                + f" · cured at 6 months {_cured(o['cured'])}",
            )
        )
    return lines


def _when(t: Any) -> str:
    return utc_text(t)


def _departures(m: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (c["case_id"], c["consensus"]["departure_reason"])
        for c in m["cases"]
        if c["consensus"] and not c["consensus"]["follows_plan"]
    ]


def markdown(m: dict[str, Any]) -> str:
    """The minutes in Markdown."""
    decided = sum(1 for c in m["cases"] if c["consensus"])
    out = [
        f"# {m['title']}",
        "",
        f"Meeting {m['id']}, {m['date'].isoformat()}: {len(m['cases'])} cases, {decided} decided.",
        "",
    ]
    for n, c in enumerate(m["cases"], start=1):
        out += [f"## {n}. Case {c['case_id']}", ""]
        out += [f"- **{label}:** {text}" for label, text in case_lines(c)]
        out.append("")
    deps = _departures(m)
    out += ["## Departures from the plan", ""]
    out += [f"- {cid}: {why}" for cid, why in deps] if deps else ["None."]
    out.append("")
    return "\n".join(out)


STYLE = (
    "body{font-family:'DejaVu Sans','Liberation Sans',Arial,sans-serif;max-width:180mm;margin:6mm auto;"
    "line-height:1.35;font-size:10pt;color:#111}"
    "h1{font-size:16pt;margin:0 0 2mm 0}h2{font-size:12pt;border-bottom:1.5px solid #111;margin:0 0 2mm 0;"
    "padding-bottom:.5mm}"
    "dl{display:grid;grid-template-columns:38mm minmax(0,1fr);gap:1mm 3mm;margin:0}"
    "dt{font-weight:bold}dd{margin:0}"
    ".departs{color:#8a1c00;font-weight:bold}"
    "section.case{break-inside:avoid;page-break-inside:avoid;border:1px solid #999;border-radius:2mm;"
    "padding:2.5mm 4mm;margin:0 0 4mm 0}"
    ".sign{display:grid;grid-template-columns:1.4fr 1fr .8fr;gap:6mm;margin-top:7mm;font-size:8.5pt}"
    ".sign div{border-top:1px solid #111;padding-top:.8mm}"
    "@media print{body{max-width:none;margin:0}}"
)


def css_string(text: str) -> str:
    r"""``text`` as a CSS string that cannot end itself, its rule or the style element.

    >>> print(css_string('a"</style>'))
    "a\22 \3c /style\3e "
    """
    kept = " .,-_:;()/#+·—"
    return '"' + "".join(ch if ch.isalnum() or ch in kept else f"\\{ord(ch):x} " for ch in text) + '"'


def page_css(m: dict[str, Any]) -> str:
    """A4 pages with the meeting named at the top of each and "page N of M" at the foot."""
    head = css_string(f"Minutes — {m['title']}, {m['date'].isoformat()} (meeting {m['id']})")
    return (
        "@page{size:A4;margin:15mm 14mm 14mm 14mm;"
        f"@top-left{{content:{head};font:700 8.5pt 'DejaVu Sans',sans-serif}}"
        '@bottom-left{content:"Pseudonymous case ids only; no patient identifier is recorded";'
        "font:7.5pt 'DejaVu Sans',sans-serif;color:#444}"
        '@bottom-right{content:"page " counter(page) " of " counter(pages);'
        "font:700 8.5pt 'DejaVu Sans',sans-serif}}"
    )


SIGNATURE = (
    '<div class="sign"><div>Signature (chair of the board)</div><div>Name, in capitals</div>'
    "<div>Date</div></div>"
)


def to_html(m: dict[str, Any]) -> str:
    """The minutes as one self-contained HTML page that prints as A4 (every text escaped).

    One section per case, never split across pages: the plan's headline, the board's decision,
    how it stands against the plan, the note, the attendees and who recorded it, the outcome,
    and a signature line; every page names the meeting and is numbered "page N of M".
    """
    e = html.escape
    decided = sum(1 for c in m["cases"] if c["consensus"])
    out = [
        "<!DOCTYPE html>",
        f'<html lang="en"><head><meta charset="utf-8"><title>{e(m["title"])}</title>',
        f"<style>{STYLE}{page_css(m)}</style></head><body>",
        f"<h1>{e(m['title'])}</h1>",
        f"<p>Meeting {m['id']}, {m['date'].isoformat()}: {len(m['cases'])} cases, {decided} decided.</p>",
    ]
    for n, c in enumerate(m["cases"], start=1):
        cid = e(c["case_id"])
        out.append(f'<section class="case" data-case="{cid}"><h2>{n}. Case {cid}</h2><dl>')
        for label, text in case_lines(c):
            cls = ' class="departs"' if text.startswith("DEPARTS") else ""
            out.append(f"<dt>{e(label)}</dt><dd{cls}>{e(text)}</dd>")
        out.append(f"</dl>{SIGNATURE}</section>")
    deps = _departures(m)
    out.append('<section class="departures"><h2>Departures from the plan</h2>')
    if deps:
        out.append("<ul>" + "".join(f"<li>{e(cid)}: {e(why)}</li>" for cid, why in deps) + "</ul>")
    else:
        out.append("<p>None.</p>")
    out.append("</section></body></html>")
    return "\n".join(out) + "\n"
