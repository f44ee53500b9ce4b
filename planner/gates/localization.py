"""The localization gate: is the leading place localized well enough to operate on it
(:func:`planner.localization.adequate`), or does the cause need no per-gland localization?
"""

from __future__ import annotations

from kg.knowledge import Knowledge
from planner import explain as ex
from planner.explain import Link
from planner.findings import Finding
from planner.gates.outcome import GateOutcome
from planner.localization import support
from planner.places import Loc


def localization_gate(
    kn: Knowledge,
    go: GateOutcome,
    findings: list[Finding],
    locations: list[tuple[Loc, float]],
    adequate: bool,
    held: str | None = None,
    established: tuple[str, list[Link]] | None = None,
) -> None:
    if established and not adequate and locations:
        cause, facts = established
        go.gate(
            kn,
            "localization",
            "pass",
            f"No per-gland localization needed: {cause.replace('_', ' ')} in its established setting, "
            "with a gland never explored; an operation on every gland goes ahead.",
            facts,
        )
    elif not locations:
        go.gate(kn, "localization", "unknown", "No candidate location.", [])
    else:
        (site, side), p = locations[0]
        n, confirm = support(findings, kn, (site, side))
        facts = [
            ex.finding(
                f"Leading site {kn.site_name(site, side)}: {n} positive imaging stud{'y' if n == 1 else 'ies'}"
                f"{' confirmed by venous sampling or FNA' if confirm else ''}; probability {p:.0%}"
            ),
            ex.evidence(
                "Reoperate after two concordant studies, or one plus venous sampling or FNA",
                kn.param("localization_min_concordant"),
            ),
        ]
        status = "pass" if adequate else "warn"
        msg = (
            f"Localized to {kn.site_name(site, side)} ({p:.0%})."
            if adequate
            else f"Not yet localized well enough (leading: {kn.site_name(site, side)}, {p:.0%})."
        )
        if held and adequate:
            msg = msg[:-1] + f", but no operation until {held} is settled."
            status = "warn"
        go.gate(kn, "localization", status, msg.replace("  ", " "), facts)
    go.gates.sort(key=lambda g: kn.gates[g.id][2])
