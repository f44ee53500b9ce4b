"""The confounders gate: vitamin D deficiency, renal function and medications that explain or mask
the biochemistry.

Each confounder found turns the gate ``warn``; a stoppable drug that raises calcium fails it and
defers the plan, on surgical disease not yet stopped by an earlier gate: the hypercalcemia is then
read again off the drug before any localization or operation.
"""

from __future__ import annotations

from kg.knowledge import Knowledge
from planner import explain as ex
from planner.explain import Link
from planner.gates.outcome import SURGICAL, GateResult, ask, gate_result
from planner.models import Case
from planner.normalize import Normalized

KEY = "confounders"


def confounders(
    case: Case, norm: Normalized, kn: Knowledge, diagnosis: str, decision: str | None
) -> GateResult:
    """The confounders of a case, given the ``diagnosis`` and any ``decision`` of the gates before.

    A test asked for carries the gate's whole chain of facts (vitamin D, renal function, drugs).

    >>> from kg.knowledge import knowledge
    >>> from planner.normalize import normalize
    >>> kn = knowledge()
    >>> c = Case.model_validate({"id": "x", "patient": {"medications": ["thiazide"]}})
    >>> r = confounders(c, normalize(c, kn), kn, "persistent", None)
    >>> r.gate.status, r.decision, [t.test for t in r.tests]
    ('fail', 'defer', ['repeat_biochemistry', 'urine_calcium_24h'])
    >>> confounders(c, normalize(c, kn), kn, "persistent", "halt").gate.status  # already stopped
    'warn'
    """
    facts: list[Link] = []
    msgs: list[str] = []
    deficient = False
    vitd = norm.latest("vitamin_d_25oh")
    vdef = kn.param("vitamin_d_deficiency_below")
    if vitd is not None:
        facts.append(ex.finding(f"25-OH vitamin D {vitd.value:.0f} ng/mL on day {vitd.day}"))
        if vitd.value < vdef.v:
            facts.append(ex.evidence(f"Below {vdef.v:g} ng/mL is deficiency", vdef))
            msgs.append("vitamin D deficiency (replete cautiously)")
            deficient = True
    egfr = norm.latest("egfr")
    ckd = kn.param("ckd_egfr_below")
    if egfr is not None:
        facts.append(ex.finding(f"eGFR {egfr.value:.0f} mL/min/1.73m2 on day {egfr.day}"))
        if egfr.value < ckd.v:
            facts.append(
                ex.evidence(
                    f"eGFR below {ckd.v:g}: PTH may be partly secondary and falls more slowly at IOPTH", ckd
                )
            )
            msgs.append("reduced renal function")
    for m in case.patient.medications:
        up, down = kn.med_raises.get(m, frozenset()), kn.med_lowers.get(m, frozenset())
        if "calcium_total" in up or "calcium_total" in down or "pth_intact" in up:
            facts.append(ex.coded(kn, "medications", m, f"On {m}: changes calcium or PTH"))
            msgs.append(f"{m} changes the reading")
    tests = []
    if deficient:
        tests.append(
            ask(
                "vitamin_d_repletion",
                "Vitamin D is deficient: replete it (it also makes PTH readings interpretable).",
                facts,
            )
        )
    raising = [
        m
        for m in case.patient.medications
        if "calcium_total" in kn.med_raises.get(m, frozenset()) and m in kn.stoppable
    ]
    if raising and diagnosis in SURGICAL and decision is None:
        # a correctable cause of the hypercalcemia itself: read the calcium off the drug first
        names = ", ".join(raising)
        return gate_result(
            kn,
            KEY,
            "fail",
            f"On {names}, which raises calcium: stop or swap it if safe, then repeat calcium, PTH and the "
            "24-hour urine before any localization or operation.",
            facts,
            decision="defer",
            tests=[
                *tests,
                ask(
                    "repeat_biochemistry",
                    f"Repeat calcium and PTH off {names} (a correctable confounder).",
                    facts,
                ),
                ask("urine_calcium_24h", f"Repeat the 24-hour urine off {names}.", facts),
            ],
        )
    return gate_result(
        kn,
        KEY,
        "warn" if msgs else "pass",
        ("Confounders: " + "; ".join(msgs) + ".") if msgs else "No confounder found.",
        facts,
        tests=tests,
    )
