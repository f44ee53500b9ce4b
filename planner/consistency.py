"""Same-day values that disagree are a finding, not a coin toss.

Two values of one analyte on one day (PTH 6 and 120 pg/mL) used to give a plan that depended
on their order in the list. Now :func:`planner.normalize.normalize` combines same-day repeats by
their median, whatever the order, and this module decides whether a disagreement matters:

* it runs the gates twice, once reading the repeat at its lowest value and once at its highest;
  when the two runs differ in any gate's outcome, the values sit on both sides of a threshold
  that a gate uses, so no decision may rest on them: the gates that depend on them turn ``warn``,
  the ``data_consistency`` gate says which values conflict and what each would mean, the plan is
  deferred and a repeat measurement is asked for;
* when no gate changes, the median is read; a spread above the graph's same-day tolerance is
  still named in the warnings, because one of the values is probably wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

from kg.knowledge import Knowledge
from planner import explain as ex
from planner.gates import GateOutcome, GateResult, ask, gate_result, run_gates
from planner.models import Case
from planner.normalize import Normalized, SameDay, normalize


@dataclass(frozen=True)
class Reading:
    """What the gates conclude when one same-day repeat is read at one end."""

    end: str  # "min" or "max"
    outcome: GateOutcome

    def signature(self) -> tuple[object, ...]:
        go = self.outcome
        return (go.decision, go.diagnosis, go.block_surgery, go.medical_only, self.statuses())

    def statuses(self) -> tuple[tuple[str, str], ...]:
        return tuple((g.id, g.status) for g in self.outcome.gates)

    def says(self) -> str:
        go = self.outcome
        return f"{go.decision or 'no gate stops the plan'} (diagnosis {go.diagnosis})"


def _readings(case: Case, kn: Knowledge, repeat: SameDay) -> tuple[Reading, Reading]:
    low, high = (
        Reading(end, run_gates(case, normalize(case, kn, {repeat.key: end}), kn)) for end in ("min", "max")
    )
    return low, high


def _decisive_message(repeat: SameDay, label: str, low: Reading, high: Reading) -> str:
    return (
        f"{repeat.text(label)} disagree: read at {repeat.values[0].raw} the gates say {low.says()}, "
        f"at {repeat.values[-1].raw} they say {high.says()}. No decision rests on them: repeat the measurement."
    )


def _spread_warning(repeat: SameDay, label: str, tolerance: float) -> str:
    return (
        f"{repeat.text(label)} differ by {repeat.spread:.0%} (more than the {tolerance:.0%} expected of one "
        "measurement repeated): their median is read, and no gate changes with either value; check the record."
    )


def _dependent_gates(low: Reading, high: Reading) -> set[str]:
    """Gates whose outcome differs between the two readings: they need the value, so they turn ``warn``."""
    differ = {gid for gid, status in low.statuses() if (gid, status) not in high.statuses()}
    return differ | {gid for gid, status in high.statuses() if (gid, status) not in low.statuses()}


def check_consistency(case: Case, norm: Normalized, kn: Knowledge) -> GateResult | None:
    """The ``data_consistency`` gate when a case has same-day repeats (``None`` without any).

    A decisive disagreement defers the plan and blocks surgery, names the gates that depend on the
    value (``doubtful``: they turn ``warn`` in the fold), makes the diagnosis indeterminate when the
    two readings diagnose differently, and asks for the measurement again.

    >>> from kg.knowledge import knowledge
    >>> kn = knowledge()
    >>> c = Case.model_validate({"id": "x", "labs": [{"analyte": "pth_intact", "value": 90, "unit": "pg/mL", "day": 60}]})
    >>> check_consistency(c, normalize(c, kn), kn) is None  # no same-day repeat, nothing to check
    True
    """
    if not norm.repeats:
        return None
    tolerance = kn.param("same_day_repeat_tolerance")
    decisive: list[str] = []
    warnings: list[str] = []
    doubtful: set[str] = set()
    diagnosis = None
    facts = [ex.evidence(f"Same-day repeat tolerance {tolerance.v:.0%}", tolerance)]
    for repeat in norm.repeats:
        label = kn.label("analytes", repeat.analyte)
        facts.append(ex.finding(f"{repeat.text(label)}: spread {repeat.spread:.0%}"))
        low, high = _readings(case, kn, repeat)
        if low.signature() != high.signature():
            decisive.append(_decisive_message(repeat, label, low, high))
            doubtful |= _dependent_gates(low, high)
            if low.outcome.diagnosis != high.outcome.diagnosis:
                diagnosis = "indeterminate"
        elif repeat.conflicting:
            warnings.append(_spread_warning(repeat, label, tolerance.v))
    if not decisive:
        message = "Same-day repeats agree on every gate's outcome: their median is read."
        return gate_result(kn, "data_consistency", "pass", message, facts, warnings=warnings)
    message = " ".join(decisive)
    return gate_result(
        kn,
        "data_consistency",
        "warn",
        message,
        facts,
        diagnosis=diagnosis,
        decision="defer",
        tests=[ask("repeat_biochemistry", "Repeat the disagreeing measurement: " + message, facts)],
        warnings=[*warnings, message],
        block_surgery=True,
        doubtful=doubtful,
    )


def gated(case: Case, norm: Normalized, kn: Knowledge) -> GateOutcome:
    """The gates, then the check that no gate's outcome depends on which of two same-day values is believed.

    >>> from kg.knowledge import knowledge
    >>> from planner.normalize import normalize
    >>> kn = knowledge()
    >>> pth = {"analyte": "pth_intact", "unit": "pg/mL", "day": 240}
    >>> c = Case.model_validate({"id": "x", "operations": [{"day": 0, "procedures": []}], "labs": [
    ...     {"analyte": "calcium_total", "value": 11.2, "unit": "mg/dL", "day": 240},
    ...     {**pth, "value": 6}, {**pth, "value": 120}]})
    >>> go = gated(c, normalize(c, kn), kn)
    >>> go.gates[0].id, go.gates[0].status, go.decision, go.diagnosis
    ('data_consistency', 'warn', 'defer', 'indeterminate')
    """
    go = run_gates(case, norm, kn)
    checked = check_consistency(case, norm, kn)
    return go if checked is None else go.with_result(checked)
