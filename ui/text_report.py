"""A plan as a short text a surgeon can scan at a terminal (names from the graph, codes in brackets).

The numbers read as on the screens and the printed report (:func:`ui.names.pct`: "<1%" and
">99%", never a rounded "0%" or "100%"), the planner's sentences in words (:func:`ui.names.words`),
and places under the display floor are counted rather than listed.
"""

from __future__ import annotations

from typing import Any

from kg.knowledge import Knowledge, knowledge
from ui.fragments import DISPLAY_FLOOR, shown_locations, sources_text
from ui.fragments import test_reasons as reasons_in_words
from ui.names import pct as _pct
from ui.names import words


def _together(op: dict[str, Any], kn: Knowledge) -> str:
    """The operations that go with this one (one plan), by their graph labels."""
    return " and ".join(kn.label("operations", code) for code in op.get("together_with") or [])


def render(plan: dict[str, Any], kn: Knowledge | None = None) -> str:
    """Render one plan (or one invalid-case entry).

    >>> render({"case_file": "a.json", "error": "labs[0].unit: 'x' is not a unit"})
    "a.json: INVALID: labs[0].unit: 'x' is not a unit"
    """
    if "error" in plan:
        return f"{plan['case_file']}: INVALID: {plan['error']}"
    kn = kn or knowledge()
    diagnosis = kn.label("diagnoses", plan["diagnosis"]).removeprefix("diagnosis: ")
    lines = [f"== {plan['case_id']}: {plan['decision'].upper()} ({diagnosis})"]
    for g in plan["gates"]:
        lines.append(
            f"  [{g['status']:>7}] {kn.label('gates', g['id']).removeprefix('gate: ')}: {words(g['message'])}"
        )
    if plan["suspected_causes"]:
        causes = ", ".join(
            f"{kn.label('suspected_causes', c['cause'])} {_pct(c['probability'])}"
            for c in plan["suspected_causes"][:4]
        )
        lines.append(f"  causes: {causes}")
    if plan["locations"]:
        lines.append("  where (each place's own chance of holding overactive tissue):")
    for loc in shown_locations(plan, limit=5):
        name = kn.site_name(loc["site"], loc["side"])
        lines.append(f"    {loc['rank']}. {name:<32} {_pct(loc['probability']):>5}")
    below = sum(1 for loc in plan["locations"] if loc["probability"] < DISPLAY_FLOOR)
    if below:
        lines.append(f"    ({below} other places, each under 1%)")
    if sources_text(plan):
        lines.append(f"  sources: {sources_text(plan)}")
    if plan["operations"]:
        lines.append("  operations:")
    for op in plan["operations"][:3]:
        targets = "; ".join(kn.site_name(t["site"], t.get("side")) for t in op.get("targets") or [])
        lines.append(
            f"    {op['rank']}. {kn.label('operations', op['operation'])}"
            + (f" -> {targets}" if targets else "")
            + (
                f"  [adjuncts: {', '.join(kn.label('adjuncts', a) for a in op['adjuncts'])}]"
                if op.get("adjuncts")
                else ""
            )
            + (
                f"  [one plan with {_together(op, kn)}: one sitting or staged]"
                if op.get("together_with")
                else ""
            )
        )
    if plan["next_tests"]:
        lines.append("  next tests:")
    for t, reason in list(zip(plan["next_tests"], reasons_in_words(plan["next_tests"]), strict=True))[:4]:
        lines.append(f"    {t['rank']}. {kn.label('tests', t['test'])}: {reason}")
    for w in plan.get("warnings") or []:
        lines.append(f"  ! {words(w)}")
    return "\n".join(lines)
