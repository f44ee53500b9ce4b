"""The biochemical-diagnosis gate: hypercalcemia with non-suppressed PTH after the last operation,
not too early, persistent or recurrent by the graph's interval (``too_early_days``, ``persistence_days``).

The gate makes the diagnosis every later step reads; when there is no surgical disease to speak
of (too early, PTH-independent, secondary, normocalcemic) it also forces the decision.
"""

from __future__ import annotations

from kg.knowledge import Knowledge
from planner import explain as ex
from planner.explain import Link
from planner.gates.outcome import GateResult, ask, gate_result, meds_acting_on
from planner.models import Case
from planner.normalize import CalciumPoint, LabValue, Normalized

KEY = "biochemical_diagnosis"


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


def biochemical(case: Case, norm: Normalized, kn: Knowledge) -> GateResult:
    """The diagnosis from the calcium and PTH after the last operation (``diagnosis`` always set).

    Failure is judged only ``too_early_days`` after the operation and on the latest calcium and PTH
    from then on; a normal calcium on a calcimimetic is read as active disease.

    >>> from kg.knowledge import knowledge
    >>> from planner.normalize import normalize
    >>> kn = knowledge()
    >>> c = Case.model_validate({"id": "x", "operations": [{"day": 0, "procedures": []}], "labs": [
    ...     {"analyte": "calcium_total", "value": 11.2, "unit": "mg/dL", "day": 20},
    ...     {"analyte": "pth_intact", "value": 140, "unit": "pg/mL", "day": 20}]})
    >>> r = biochemical(c, normalize(c, kn), kn)  # day 20 is before too_early_days
    >>> r.gate.status, r.diagnosis, r.decision, [t.test for t in r.tests]
    ('fail', 'too_early', 'defer', ['repeat_biochemistry'])
    """
    early = kn.param("too_early_days")
    post_ca = [c for c in norm.calcium if c.day > 0]
    post_pth = [v for v in norm.series("pth_intact") if v.day > 0]
    if not post_ca and not post_pth:
        return gate_result(
            kn,
            KEY,
            "unknown",
            "No calcium or PTH after the last operation: the diagnosis cannot be made.",
            diagnosis="indeterminate",
            decision="defer",
            tests=[
                ask(
                    "repeat_biochemistry",
                    f"Measure calcium (with albumin) and PTH at least {early.v:g} days after the last operation.",
                )
            ],
        )
    last_day = max([c.day for c in post_ca] + [v.day for v in post_pth])
    if last_day < early.v:
        return _too_early(kn, last_day)
    judged = [c for c in post_ca if c.day >= early.v]
    pths = [v for v in post_pth if v.day >= early.v]
    ca = judged[-1] if judged else None
    pth = pths[-1] if pths else None
    facts = _reading_facts(ca, pth)
    if ca is None or pth is None:
        return gate_result(
            kn,
            KEY,
            "unknown",
            f"Calcium and PTH are not both known {early.v:g} days or more after the operation.",
            facts,
            diagnosis="indeterminate",
            decision="defer",
            tests=[ask("repeat_biochemistry", "Measure calcium (with albumin) and PTH together.", facts)],
        )
    masked_by = meds_acting_on(case, kn, "calcium_total", kn.med_lowers)
    high = ca.status == "high"
    warnings: list[str] = []
    if not high and masked_by and pth.status() != "low":
        facts.append(
            ex.coded(
                kn,
                "medications",
                masked_by[0],
                f"On {', '.join(masked_by)}: a normal calcium on a calcimimetic is not a cure",
            )
        )
        warnings.append(f"Calcium is normal on {', '.join(masked_by)}; the disease is read as active.")
        high = True
    if high and pth.status() == "low":
        return gate_result(
            kn,
            KEY,
            "fail",
            "Hypercalcemia with suppressed PTH: not hyperparathyroidism; look for the PTH-independent cause.",
            facts,
            diagnosis="pth_independent_hypercalcemia",
            decision="halt",
            tests=[
                ask(
                    "pthrp_level",
                    "PTH is suppressed: measure PTH-related peptide (and look for malignancy or granulomatous disease).",
                    facts,
                )
            ],
            warnings=warnings,
        )
    if high:
        return _surgical_disease(kn, judged, ca, bool(masked_by), facts, warnings)
    return _calcium_not_raised(norm, kn, pth, facts)


def _too_early(kn: Knowledge, last_day: int) -> GateResult:
    """Before ``too_early_days`` failure cannot be judged: defer and repeat after that day."""
    early = kn.param("too_early_days")
    facts = [
        ex.finding(f"Latest calcium/PTH on day {last_day} after the last operation"),
        ex.evidence(
            f"Failure cannot be judged before {early.v:g} days (fluid shifts, PTH rebound, hungry bone, unmasked vitamin D deficiency)",
            early,
        ),
    ]
    return gate_result(
        kn,
        KEY,
        "fail",
        f"Only {last_day} days since the last operation: too early to define failure.",
        facts,
        diagnosis="too_early",
        decision="defer",
        tests=[ask("repeat_biochemistry", f"Repeat calcium and PTH after day {early.v:g}.", facts)],
    )


def _reading_facts(ca: CalciumPoint | None, pth: LabValue | None) -> list[Link]:
    """The calcium and PTH the gate reads, each with its status and reference range."""
    facts: list[Link] = []
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
    return facts


def _surgical_disease(
    kn: Knowledge,
    judged: list[CalciumPoint],
    ca: CalciumPoint,
    masked: bool,
    facts: list[Link],
    warnings: list[str],
) -> GateResult:
    """PTH-dependent hypercalcemia: recurrent after ``persistence_days`` of documented normal
    calcium (never on a calcimimetic, which can make it look normal), else persistent."""
    persistence = kn.param("persistence_days")
    # the current episode is the trailing run of high calcium; the normal run just before it is
    # the disease-free interval (from the operation when it starts with the first reading)
    course = disease_free_interval([(c.day, c.status) for c in judged])
    if course is not None and course[1] - course[0] >= persistence.v and not masked:
        diagnosis = "recurrent"
        facts.append(
            ex.finding(
                f"Normal calcium documented from day {course[0]} to day {course[1]}, "
                f"then hypercalcemia from day {course[2]}"
            )
        )
        facts.append(
            ex.evidence(
                f"Recurrent: hypercalcemia after at least {persistence.v:g} days of documented normocalcemia",
                persistence,
            )
        )
        msg = (
            f"Recurrent PTH-dependent hypercalcemia after more than {persistence.v:g} days of normal calcium."
        )
    else:
        diagnosis = "persistent"
        facts.append(
            ex.evidence(
                f"Persistent: hypercalcemia with non-suppressed PTH on day {ca.day}, and calcium was never normal "
                f"for {persistence.v:g} days after the operation",
                persistence,
            )
        )
        msg = "Persistent PTH-dependent hypercalcemia after the last operation."
    return gate_result(kn, KEY, "pass", msg, facts, diagnosis=diagnosis, warnings=warnings)


def _calcium_not_raised(norm: Normalized, kn: Knowledge, pth: LabValue, facts: list[Link]) -> GateResult:
    """Normal or low calcium: no persistent disease, whatever the PTH; say what explains a raised one."""
    if pth.status() != "high":
        return gate_result(
            kn,
            KEY,
            "fail",
            "Calcium and PTH are not raised: no evidence of persistent or recurrent disease now.",
            facts,
            diagnosis="indeterminate",
            decision="defer",
            tests=[
                ask(
                    "repeat_biochemistry",
                    "Keep checking calcium and PTH; no operation is indicated while both are normal.",
                    facts,
                )
            ],
        )
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
        return gate_result(
            kn,
            KEY,
            "fail",
            "Raised PTH with normal or low calcium and reduced renal function: secondary hyperparathyroidism, not PHPT.",
            facts,
            diagnosis="secondary_hyperparathyroidism",
            decision="halt",
            warnings=["Manage CKD-mineral bone disease; a parathyroid reoperation is not indicated."],
        )
    if vitd is not None and vitd.value < vdef.v:
        facts.append(ex.finding(f"25-OH vitamin D {vitd.value:.0f} ng/mL on day {vitd.day}"))
        facts.append(
            ex.evidence(f"Vitamin D below {vdef.v:g} ng/mL raises PTH by itself after the operation", vdef)
        )
        return gate_result(
            kn,
            KEY,
            "fail",
            "Normal calcium with raised PTH and vitamin D deficiency: not persistent disease; replete vitamin D and repeat.",
            facts,
            diagnosis="normocalcemic_pth_elevation",
            decision="defer",
            tests=[
                ask(
                    "vitamin_d_repletion",
                    "Vitamin D deficiency explains the raised PTH: replete, then repeat calcium and PTH.",
                    facts,
                )
            ],
        )
    tests = []
    if vitd is None:
        tests.append(
            ask(
                "vitamin_d_repletion",
                "Measure 25-OH vitamin D and replete if low; then repeat calcium and PTH.",
                facts,
            )
        )
    tests.append(
        ask(
            "repeat_biochemistry",
            "Repeat calcium (albumin-corrected) and PTH; only hypercalcemia defines persistent disease.",
            facts,
        )
    )
    return gate_result(
        kn,
        KEY,
        "fail",
        "Normal calcium with raised PTH: not persistent disease (persistence is defined by hypercalcemia).",
        facts,
        diagnosis="normocalcemic_pth_elevation",
        decision="defer",
        tests=tests,
    )
