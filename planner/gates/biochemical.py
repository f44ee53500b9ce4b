"""The biochemical-diagnosis gate: hypercalcemia with non-suppressed PTH after the last operation,
not too early, persistent or recurrent by the graph's interval (``too_early_days``, ``persistence_days``).
"""

from __future__ import annotations

from kg.knowledge import Knowledge
from planner import explain as ex
from planner.explain import Link
from planner.gates.outcome import GateOutcome, meds_acting_on
from planner.models import Case
from planner.normalize import Normalized


def disease_free_interval(series: list[tuple[int, str]]) -> tuple[int, int, int] | None:
    """The normal run before the current episode of high calcium: (start, end, first high day).

    The current episode is the trailing run of high values; the normal run just before it is the
    disease-free interval, counted from the operation (day 0) when it starts with the first reading.
    ``None`` when the series ends normal or was never normal.

    >>> disease_free_interval([(10, "high"), (60, "normal"), (400, "normal"), (500, "high")])
    (60, 400, 500)
    >>> disease_free_interval([(50, "normal"), (300, "high")])
    (0, 50, 300)
    >>> disease_free_interval([(50, "high"), (300, "high")]) is None
    True
    """
    k = len(series)
    while k > 0 and series[k - 1][1] == "high":
        k -= 1
    j = k
    while j > 0 and series[j - 1][1] != "high":
        j -= 1
    if j == k or k == len(series):
        return None
    return (0 if j == 0 else series[j][0], series[k - 1][0], series[k][0])


def biochemical(case: Case, norm: Normalized, kn: Knowledge, out: GateOutcome) -> None:
    early = kn.param("too_early_days")
    six = kn.param("persistence_days")
    post_ca = [c for c in norm.calcium if c.day > 0]
    post_pth = [v for v in norm.series("pth_intact") if v.day > 0]
    facts: list[Link] = []
    if not post_ca and not post_pth:
        out.diagnosis = "indeterminate"
        out.gate(
            kn,
            "biochemical_diagnosis",
            "unknown",
            "No calcium or PTH after the last operation: the diagnosis cannot be made.",
            facts,
        )
        out.decision = "defer"
        out.ask(
            "repeat_biochemistry",
            f"Measure calcium (with albumin) and PTH at least {early.v:g} days after the last operation.",
        )
        return
    last_day = max([c.day for c in post_ca] + [v.day for v in post_pth])
    if last_day < early.v:
        out.diagnosis = "too_early"
        facts = [
            ex.finding(f"Latest calcium/PTH on day {last_day} after the last operation"),
            ex.evidence(
                f"Failure cannot be judged before {early.v:g} days (fluid shifts, PTH rebound, hungry bone, unmasked vitamin D deficiency)",
                early,
            ),
        ]
        out.gate(
            kn,
            "biochemical_diagnosis",
            "fail",
            f"Only {last_day} days since the last operation: too early to define failure.",
            facts,
        )
        out.decision = "defer"
        out.ask("repeat_biochemistry", f"Repeat calcium and PTH after day {early.v:g}.", facts)
        return
    judged = [c for c in post_ca if c.day >= early.v]
    pths = [v for v in post_pth if v.day >= early.v]
    ca = judged[-1] if judged else None
    pth = pths[-1] if pths else None
    masked_by = meds_acting_on(case, kn, "calcium_total", kn.med_lowers)
    if ca is not None:
        facts.append(
            ex.finding(ca.text + f" ({ca.status}; upper limit {ca.high:.1f})" if ca.high else ca.text)
        )
    if pth is not None:
        facts.append(
            ex.finding(
                f"PTH {pth.value:.0f} pg/mL on day {pth.day} ({pth.status()}; reference "
                f"{'' if pth.low is None else f'{pth.low:.0f}'}-{'' if pth.high is None else f'{pth.high:.0f}'})"
            )
        )
    if ca is None or pth is None:
        out.diagnosis = "indeterminate"
        out.gate(
            kn,
            "biochemical_diagnosis",
            "unknown",
            f"Calcium and PTH are not both known {early.v:g} days or more after the operation.",
            facts,
        )
        out.decision = "defer"
        out.ask("repeat_biochemistry", "Measure calcium (with albumin) and PTH together.", facts)
        return
    high = ca.status == "high"
    if not high and masked_by and pth.status() != "low":
        facts.append(
            ex.coded(
                kn,
                "medications",
                masked_by[0],
                f"On {', '.join(masked_by)}: a normal calcium on a calcimimetic is not a cure",
            )
        )
        out.warnings.append(f"Calcium is normal on {', '.join(masked_by)}; the disease is read as active.")
        high = True
    if high and pth.status() == "low":
        out.diagnosis = "pth_independent_hypercalcemia"
        out.gate(
            kn,
            "biochemical_diagnosis",
            "fail",
            "Hypercalcemia with suppressed PTH: not hyperparathyroidism; look for the PTH-independent cause.",
            facts,
        )
        out.decision = "halt"
        out.ask(
            "pthrp_level",
            "PTH is suppressed: measure PTH-related peptide (and look for malignancy or granulomatous disease).",
            facts,
        )
        return
    if high:
        # the current episode is the trailing run of high calcium; the normal run just before it is
        # the disease-free interval (from the operation when it starts with the first reading)
        course = disease_free_interval([(c.day, c.status) for c in judged])
        if course is not None and course[1] - course[0] >= six.v and not masked_by:
            out.diagnosis = "recurrent"
            facts.append(
                ex.finding(
                    f"Normal calcium documented from day {course[0]} to day {course[1]}, "
                    f"then hypercalcemia from day {course[2]}"
                )
            )
            facts.append(
                ex.evidence(
                    f"Recurrent: hypercalcemia after at least {six.v:g} days of documented normocalcemia", six
                )
            )
            msg = f"Recurrent PTH-dependent hypercalcemia after more than {six.v:g} days of normal calcium."
        else:
            out.diagnosis = "persistent"
            facts.append(
                ex.evidence(
                    f"Persistent: hypercalcemia with non-suppressed PTH on day {ca.day}, and calcium was never normal "
                    f"for {six.v:g} days after the operation",
                    six,
                )
            )
            msg = "Persistent PTH-dependent hypercalcemia after the last operation."
        out.gate(kn, "biochemical_diagnosis", "pass", msg, facts)
        return
    # normal or low calcium
    if pth.status() != "high":
        out.diagnosis = "indeterminate"
        out.gate(
            kn,
            "biochemical_diagnosis",
            "fail",
            "Calcium and PTH are not raised: no evidence of persistent or recurrent disease now.",
            facts,
        )
        out.decision = "defer"
        out.ask(
            "repeat_biochemistry",
            "Keep checking calcium and PTH; no operation is indicated while both are normal.",
            facts,
        )
        return
    egfr = norm.latest("egfr")
    ckd = kn.param("ckd_egfr_below")
    vitd = norm.latest("vitamin_d_25oh")
    vdef = kn.param("vitamin_d_deficiency_below")
    if egfr is not None and egfr.value < ckd.v:
        phos = norm.latest("phosphate")
        facts.append(
            ex.finding(
                f"eGFR {egfr.value:.0f} mL/min/1.73m2 on day {egfr.day}"
                + (f"; phosphate {phos.value:.1f} mg/dL ({phos.status()})" if phos else "")
            )
        )
        facts.append(ex.evidence(f"eGFR below {ckd.v:g} can by itself raise PTH", ckd))
        out.diagnosis = "secondary_hyperparathyroidism"
        out.gate(
            kn,
            "biochemical_diagnosis",
            "fail",
            "Raised PTH with normal or low calcium and reduced renal function: secondary hyperparathyroidism, not PHPT.",
            facts,
        )
        out.decision = "halt"
        out.warnings.append("Manage CKD-mineral bone disease; a parathyroid reoperation is not indicated.")
        return
    if vitd is not None and vitd.value < vdef.v:
        facts.append(ex.finding(f"25-OH vitamin D {vitd.value:.0f} ng/mL on day {vitd.day}"))
        facts.append(
            ex.evidence(f"Vitamin D below {vdef.v:g} ng/mL raises PTH by itself after the operation", vdef)
        )
        out.diagnosis = "normocalcemic_pth_elevation"
        out.gate(
            kn,
            "biochemical_diagnosis",
            "fail",
            "Normal calcium with raised PTH and vitamin D deficiency: not persistent disease; replete vitamin D and repeat.",
            facts,
        )
        out.decision = "defer"
        out.ask(
            "vitamin_d_repletion",
            "Vitamin D deficiency explains the raised PTH: replete, then repeat calcium and PTH.",
            facts,
        )
        return
    out.diagnosis = "normocalcemic_pth_elevation"
    out.gate(
        kn,
        "biochemical_diagnosis",
        "fail",
        "Normal calcium with raised PTH: not persistent disease (persistence is defined by hypercalcemia).",
        facts,
    )
    out.decision = "defer"
    if vitd is None:
        out.ask(
            "vitamin_d_repletion",
            "Measure 25-OH vitamin D and replete if low; then repeat calcium and PTH.",
            facts,
        )
    out.ask(
        "repeat_biochemistry",
        "Repeat calcium (albumin-corrected) and PTH; only hypercalcemia defines persistent disease.",
        facts,
    )
