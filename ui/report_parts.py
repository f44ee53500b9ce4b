"""The parts of the printed report that are not the plan itself: who the patient is (left blank),
what the board decided, and the appendix of explanation chains.

**The identifier block** is a set of labelled empty fields (name, record number, date of birth,
hospital): typed in the browser just before printing, or written by hand on the paper. The app
never fills them, never stores them, and no value of the case goes into them: the case carries
only its pseudonymous id (the contract has no field for an identifier).

**The board's decision** is the consensus recorded at the meeting (``clinical.meeting``: the
decision, operation and targets, next tests, whether it follows the plan, the attendees by role)
with a signature line; a case not yet decided gets the same fields as lines to fill in by hand.

**The appendix** holds the explanation chains of exactly what the pages show (:class:`Shown`):
a chain for a place, operation or test that the pages leave out would be read as evidence about
something the board never saw.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from kg.knowledge import Knowledge
from ui.fragments import facts_html, location_title, shown_locations, split_operation_facts, targets_text
from ui.names import name, where, words

#: How many places, operations and next tests the pages list (the rest are counted, not shown).
TOP_PLACES, TOP_OPERATIONS, TOP_TESTS = 5, 3, 4
#: The identifier fields, blank: (field id, label). Nothing the app knows is written in them.
ID_FIELDS = (
    ("rp-id-name", "Name"),
    ("rp-id-number", "Record number"),
    ("rp-id-birth", "Date of birth"),
    ("rp-id-site", "Hospital / ward"),
)


@dataclass(frozen=True)
class Shown:
    """What the report's pages show of a plan: the only items the appendix may explain."""

    gates: tuple[Mapping[str, Any], ...]
    locations: tuple[Mapping[str, Any], ...]
    operations: tuple[Mapping[str, Any], ...]
    next_tests: tuple[Mapping[str, Any], ...]

    @classmethod
    def of(cls, plan: Mapping[str, Any]) -> Shown:
        """The gates (all, as chips), the leading places above the display floor, the first
        operations and next tests.

        >>> s = Shown.of({"gates": [], "locations": [{"rank": r, "probability": 0.5} for r in range(1, 9)],
        ...     "operations": [], "next_tests": [{"rank": 1, "test": "laryngoscopy"}]})
        >>> len(s.locations), len(s.next_tests)
        (5, 1)
        """
        return cls(
            tuple(plan.get("gates") or []),
            tuple(shown_locations(plan, limit=TOP_PLACES)),
            tuple((plan.get("operations") or [])[:TOP_OPERATIONS]),
            tuple((plan.get("next_tests") or [])[:TOP_TESTS]),
        )


def identifier_html() -> str:
    """The identifier block: labelled empty fields, never filled by the app.

    >>> html = identifier_html()
    >>> html.count("<input") == len(ID_FIELDS) and 'value=' not in html
    True
    """
    fields = "".join(
        f'<label for="{fid}"><span>{escape(label)}</span>'
        f'<input id="{fid}" type="text" autocomplete="off" spellcheck="false"/></label>'
        for fid, label in ID_FIELDS
    )
    return (
        f'<section class="rp-id" id="rp-identifier" aria-label="Patient identifiers">'
        f'<div class="rp-id-title">Patient — fill in at print time</div>{fields}'
        '<div class="rp-id-note">Typed here or written by hand; ParaReop never stores or writes '
        "these fields.</div></section>"
    )


def _place(p: Mapping[str, Any], kn: Knowledge) -> str:
    return where(str(p.get("site")), p.get("side"), kn) if p.get("site") else ""


def _attendees(people: Sequence[Mapping[str, Any]]) -> str:
    return ", ".join(f"{a['role']} ({a['name']})" if a.get("name") else str(a["role"]) for a in people)


def _recorded(consensus: Mapping[str, Any], kn: Knowledge) -> list[tuple[str, str, str]]:
    """The recorded consensus as (label, text, css class) rows, in the board's words."""
    k = consensus
    op = ""
    if k.get("operation"):
        targets = "; ".join(_place(t, kn) for t in k.get("targets") or [])
        op = name("operations", k["operation"], kn) + (f" — {targets}" if targets else "")
    rows = [
        ("Decision", str(k.get("decision", "")).upper(), ""),
        ("Operation and targets", op or "none", ""),
        ("Next tests", ", ".join(name("tests", t, kn) for t in k.get("next_tests") or []) or "none", ""),
    ]
    if k.get("follows_plan"):
        rows.append(("Against the plan", "follows the plan", ""))
    else:
        rows.append(("Against the plan", f"DEPARTS from the plan: {k.get('departure_reason')}", "rp-departs"))
    if k.get("note"):
        rows.append(("Note", str(k["note"]), ""))
    rows.append(("Attendees", _attendees(k.get("attendees") or []) or "not recorded", ""))
    when = k.get("decided_at")
    when_text = when.strftime("%Y-%m-%d %H:%M UTC") if hasattr(when, "strftime") else str(when or "")
    rows.append(("Recorded", f"by {k.get('decided_by')}, {when_text}", ""))
    return rows


def board_html(
    consensus: Mapping[str, Any] | None, kn: Knowledge, *, meeting: Mapping[str, Any] | None = None
) -> str:
    """The board's decision with its attendees and a signature line (lines to fill in when none).

    >>> from kg.knowledge import knowledge
    >>> blank = board_html(None, knowledge())
    >>> 'data-recorded="no"' in blank and "Signature" in blank
    True
    """
    where_from = ""
    if meeting:
        said = ", ".join(str(meeting[k]) for k in ("title", "date") if meeting.get(k))
        where_from = f" — {escape(said)}"
    if consensus is None:
        rows = [
            ("Decision", ""),
            ("Operation and targets", ""),
            ("Next tests", ""),
            ("Against the plan", "☐ follows the plan    ☐ departs from it, because:"),
            ("Reason / note", ""),
            ("Attendees (role, name)", ""),
        ]
        body = "".join(
            f"<dt>{escape(label)}</dt>"
            f'<dd class="{"rp-filled" if text else "rp-tall" if label.startswith("Attendees") else ""}">'
            f"{escape(text)}</dd>"
            for label, text in rows
        )
        recorded = "no"
    else:
        body = "".join(
            f'<dt>{escape(label)}</dt><dd class="rp-filled {cls}">{escape(words(text))}</dd>'
            for label, text, cls in _recorded(consensus, kn)
        )
        recorded = "yes"
    return (
        f'<section class="rp-board" id="rp-board" data-recorded="{recorded}">'
        f"<h2>The board's decision{where_from}</h2><dl>{body}</dl>"
        '<div class="rp-sign"><div>Signature (chair of the board)</div><div>Name, in capitals</div>'
        "<div>Date</div></div></section>"
    )


def cited(shown: Shown, plan: Mapping[str, Any]) -> list[str]:
    """Every distinct source cited by the shown items' chains and the IOPTH plan, first met first.

    >>> cited(Shown((), ({"explanation": [{"source": "PMID 1"}, {"source": "case record"}]},), (), ()), {})
    ['PMID 1']
    """
    seen: dict[str, None] = {}
    for item in (*shown.gates, *shown.locations, *shown.operations, *shown.next_tests):
        for f in item.get("explanation") or []:
            src = f.get("source")
            if src and src != "case record":
                seen.setdefault(str(src), None)
    for s in (plan.get("iopth_plan") or {}).get("sources") or []:
        seen.setdefault(str(s), None)
    return list(seen)


def appendix_html(shown: Shown, plan: Mapping[str, Any], kn: Knowledge) -> str:
    """The explanation chains of the shown gates, places, operations and tests, and their sources."""
    out = [
        '<section class="rp-appendix" id="rp-appendix"><h2>Appendix — why: the explanation chains</h2>',
        '<p class="meta">Only for what the pages above show. Each statement carries the IRI of the '
        "graph fact it rests on and its source.</p>",
        "<h3>Gates</h3>",
    ]
    for g in shown.gates:
        gate = escape(name("gates", g["id"], kn))
        out.append(
            f'<p data-explains="gate" data-id="{escape(g["id"])}"><b>{gate}</b> '
            f"({escape(g['status'])}): {escape(words(g['message']))}</p>"
        )
        out.append(facts_html(g.get("explanation") or []))
    if shown.locations:
        out.append("<h3>Places</h3>")
    for loc in shown.locations:
        title = escape(location_title(loc, kn))
        out.append(f'<p data-explains="location" data-id="{loc["rank"]}"><b>{title}</b></p>')
        out.append(facts_html(loc.get("explanation") or []))
    if shown.operations:
        out.append("<h3>Operations</h3>")
    for op in shown.operations:
        rationale, risks = split_operation_facts(op, kn)
        out.append(
            f'<p data-explains="operation" data-id="{escape(op["operation"])}"><b>{op["rank"]}. '
            f"{escape(name('operations', op['operation'], kn))}</b> — {escape(targets_text(op, kn))}</p>"
        )
        out.append(facts_html(rationale + risks))
    if shown.next_tests:
        out.append("<h3>Next tests</h3>")
    for t in shown.next_tests:
        out.append(
            f'<p data-explains="test" data-id="{escape(t["test"])}"><b>{t["rank"]}. '
            f"{escape(name('tests', t['test'], kn))}</b></p>"
        )
        out.append(facts_html(t.get("explanation") or []))
    out.append('<h2>Sources</h2><ol class="rp-sources">')
    out += [f"<li>{escape(s)}</li>" for s in cited(shown, plan)]
    out.append("</ol></section>")
    return "".join(out)
