"""The localization gate: is the leading place localized well enough to operate on it
(:func:`planner.localization.adequate`), or does the cause need no per-gland localization?

It runs with the decision (:mod:`planner.decision`), once the places are ranked, and forces no
decision itself: the decision reads adequacy directly, the gate says it in the plan.
"""

from __future__ import annotations

from kg.knowledge import Knowledge
from planner import explain as ex
from planner.explain import Link
from planner.findings import Finding
from planner.gates.outcome import GateResult, GateStatus, gate_result
from planner.localization import support
from planner.places import Loc

KEY = "localization"


def localization_gate(
    kn: Knowledge,
    findings: list[Finding],
    locations: list[tuple[Loc, float]],
    adequate: bool,
    held: str | None = None,
    established: tuple[str, list[Link]] | None = None,
) -> GateResult:
    """``pass`` when the leading place is localized (``adequate``) or the ``established`` cause needs
    no per-gland localization; ``warn`` when not yet localized, or when localized but ``held`` by
    an open screen; ``unknown`` without a candidate place.

    >>> from kg.knowledge import knowledge
    >>> r = localization_gate(knowledge(), [], [(("perrier_F", "left"), 0.8)], True, held="the FHH screen")
    >>> r.gate.status, r.gate.message
    ('warn', 'Localized to Perrier F, left (80%), but no operation until the FHH screen is settled.')
    >>> localization_gate(knowledge(), [], [], False).gate.status
    'unknown'
    """
    if established and not adequate and locations:
        cause, facts = established
        return gate_result(
            kn,
            KEY,
            "pass",
            f"No per-gland localization needed: {cause.replace('_', ' ')} in its established setting, "
            "with a gland never explored; an operation on every gland goes ahead.",
            facts,
        )
    if not locations:
        return gate_result(kn, KEY, "unknown", "No candidate location.")
    (site, side), p = locations[0]
    n, confirm = support(findings, kn, (site, side))
    need = kn.param("localization_min_concordant").v
    facts = [
        ex.finding(
            f"Leading site {kn.site_name(site, side)}: {n} positive imaging stud{'y' if n == 1 else 'ies'}"
            f"{' confirmed by venous sampling or FNA' if confirm else ''}; probability {ex.percent(p)}"
        ),
        ex.evidence(
            f"Reoperate after {need:g} concordant studies, or one plus venous sampling or FNA",
            kn.param("localization_min_concordant"),
        ),
    ]
    status: GateStatus = "pass" if adequate else "warn"
    msg = (
        f"Localized to {kn.site_name(site, side)} ({ex.percent(p)})."
        if adequate
        else f"Not yet localized well enough (leading: {kn.site_name(site, side)}, {ex.percent(p)})."
    )
    if held and adequate:
        msg = msg[:-1] + f", but no operation until {held} is settled."
        status = "warn"
    return gate_result(kn, KEY, status, msg.replace("  ", " "), facts)
