"""The gates: biochemical diagnosis, FHH screen, confounders, carcinoma red flags
and surgical candidacy. Each returns a gate entry with its explanation chain; the
decision follows from the first gate that fails (DESIGN.md, planner step 3).

All cut-offs come from the graph (``Knowledge.param``); a reference range given
with a lab value takes precedence over the graph's defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kg.knowledge import Knowledge
from planner import explain as ex
from planner.explain import Link
from planner.models import Case, Gate
from planner.normalize import Normalized

SURGICAL = ("persistent", "recurrent")


@dataclass
class GateOutcome:
    gates: list[Gate] = field(default_factory=list)
    diagnosis: str = "indeterminate"
    decision: str | None = None  # set when a gate stops the plan
    tests: list[tuple[str, str, list[Link]]] = field(default_factory=list)  # (test, reason, facts)
    warnings: list[str] = field(default_factory=list)
    block_surgery: bool = False  # e.g. FHH grey zone: investigate but rank no operation
    medical_only: bool = False

    def gate(self, kn: Knowledge, key: str, status: str, message: str, facts: list[Link]) -> None:
        iri = kn.gates[key][0]
        self.gates.append(
            Gate(
                id=key,
                status=status,
                message=message,
                explanation=[ex.graph(f"Gate: {kn.gates[key][1]}", iri), *facts],
            )
        )

    def ask(self, test: str, reason: str, facts: list[Link] | None = None) -> None:
        if all(t[0] != test for t in self.tests):
            self.tests.append((test, reason, facts or []))


def _meds(case: Case, kn: Knowledge, analyte: str, table: dict[str, frozenset[str]]) -> list[str]:
    return [m for m in case.patient.medications if analyte in table.get(m, frozenset())]


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
    masked_by = _meds(case, kn, "calcium_total", kn.med_lowers)
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


def _recurrent_course(norm: Normalized, kn: Knowledge, out: GateOutcome, facts: list[Link]) -> None:
    """A normal interval excludes FHH, but a CCCR in the FHH band is still read, never skipped.

    FHH is lifelong, so a CCCR below the FHH band in a recurrent course contradicts the record:
    either the normal interval or the 24-hour urine is wrong. The contradiction is untrustworthy
    data, so no operation rests on it until the urine is repeated and FHH is tested for.
    """
    course = next((lr for c, lr in kn.likelihood_ratios.get("course_recurrent", []) if c == "fhh"), None)
    six = kn.param("persistence_days")
    facts.append(ex.finding(f"Calcium was documented normal for {six.v:g} days or more after the operation"))
    if course is not None:
        facts.append(
            ex.evidence("FHH is lifelong: a normocalcemic interval after surgery excludes it", course)
        )
    lo = kn.param("cccr_fhh_below")
    if norm.cccr is None or norm.cccr >= lo.v:
        if norm.cccr is not None:
            facts.append(ex.finding(norm.cccr_text or f"CCCR {norm.cccr:.4f}"))
        out.gate(
            kn,
            "fhh_screen",
            "pass",
            f"FHH excluded by the course: calcium was normal for {six.v:g} days after the operation.",
            facts,
        )
        return
    facts.append(ex.finding(norm.cccr_text or f"CCCR {norm.cccr:.4f}"))
    facts.append(ex.evidence(f"CCCR below {lo.v:g} strongly suggests FHH", lo))
    message = (
        f"CCCR {norm.cccr:.3f} is below {lo.v:g}, in the FHH band, yet the course is recurrent, which FHH "
        "never is: either the normal interval or the 24-hour urine is wrong (an incomplete collection, low "
        "calcium intake, vitamin D deficiency, a drug). Repeat the urine and test for FHH before any operation."
    )
    out.gate(kn, "fhh_screen", "warn", message, facts)
    out.warnings.append(message)
    out.ask(
        "urine_calcium_24h", "Repeat the 24-hour urine: its CCCR contradicts the recurrent course.", facts
    )
    out.ask(
        "genetic_testing_casr", "CASR, GNA11 and AP2S1 testing settles FHH whatever the urine shows.", facts
    )
    out.block_surgery = True


def fhh_screen(case: Case, norm: Normalized, kn: Knowledge, out: GateOutcome) -> None:
    lo, hi = kn.param("cccr_fhh_below"), kn.param("cccr_phpt_above")
    facts: list[Link] = []
    if "FHH" in case.patient.syndromes:
        facts.append(ex.coded(kn, "syndromes", "FHH", "Known FHH"))
        out.gate(kn, "fhh_screen", "fail", "Known FHH: parathyroid surgery does not cure it.", facts)
        out.diagnosis, out.decision = "fhh_suspected", "halt"
        return
    if case.patient.family_history_hypercalcemia:
        facts.append(ex.finding("First-degree relatives with hypercalcemia"))
    if out.diagnosis == "recurrent":
        _recurrent_course(norm, kn, out, facts)
        return
    lowered = _meds(case, kn, "urine_calcium_24h", kn.med_lowers)
    if norm.cccr is None:
        facts.append(ex.finding("No 24-hour urine calcium and creatinine: CCCR unknown"))
        out.gate(
            kn,
            "fhh_screen",
            "unknown",
            "FHH not excluded: collect a 24-hour urine for the CCCR before any reoperation.",
            facts,
        )
        out.ask("urine_calcium_24h", "FHH must be excluded (CCCR) before any reoperation.", facts)
        out.block_surgery = True
        return
    facts.append(ex.finding(norm.cccr_text or f"CCCR {norm.cccr:.4f}"))
    if norm.cccr < hi.v and lowered:
        names = ", ".join(lowered)
        facts.append(ex.coded(kn, "medications", lowered[0], f"On {names}, which lowers urine calcium"))
        genetic = "CASR, GNA11 and AP2S1 testing settles FHH whatever the medication."
        if any(m in kn.stoppable for m in lowered):
            out.gate(
                kn,
                "fhh_screen",
                "warn",
                f"CCCR {norm.cccr:.3f} cannot be read on {names}: stop it if safe and repeat the 24-hour urine.",
                facts,
            )
            out.decision = "defer"
            out.ask(
                "urine_calcium_24h", f"Repeat the 24-hour urine off {names} (it lowers urine calcium).", facts
            )
            out.ask("genetic_testing_casr", genetic, facts)
        else:
            out.gate(
                kn,
                "fhh_screen",
                "warn",
                f"CCCR {norm.cccr:.3f} cannot be read on {names}, which usually cannot be stopped: "
                "germline FHH testing before any operation.",
                facts,
            )
            out.ask("genetic_testing_casr", genetic, facts)
            out.block_surgery = True
        return
    if norm.cccr < lo.v:
        facts.append(ex.evidence(f"CCCR below {lo.v:g} strongly suggests FHH", lo))
        out.gate(
            kn,
            "fhh_screen",
            "fail",
            f"CCCR {norm.cccr:.3f} is below {lo.v:g}: FHH is suspected; no reoperation.",
            facts,
        )
        out.diagnosis, out.decision = "fhh_suspected", "halt"
        out.ask("genetic_testing_casr", "Confirm FHH with CASR, GNA11 and AP2S1 testing.", facts)
        return
    if norm.cccr <= hi.v:
        facts.append(ex.evidence(f"CCCR between {lo.v:g} and {hi.v:g}: test CASR before any operation", hi))
        out.gate(
            kn,
            "fhh_screen",
            "warn",
            f"CCCR {norm.cccr:.3f} is in the grey zone: germline FHH testing before any operation.",
            facts,
        )
        out.ask(
            "genetic_testing_casr",
            "CCCR in the grey zone: exclude FHH genetically before any reoperation.",
            facts,
        )
        out.block_surgery = True
        return
    facts.append(ex.evidence(f"CCCR above {hi.v:g} favours PHPT", hi))
    out.gate(kn, "fhh_screen", "pass", f"CCCR {norm.cccr:.3f} is above {hi.v:g}: FHH is unlikely.", facts)


def confounders(case: Case, norm: Normalized, kn: Knowledge, out: GateOutcome) -> None:
    facts: list[Link] = []
    status = "pass"
    msgs: list[str] = []
    vitd = norm.latest("vitamin_d_25oh")
    vdef = kn.param("vitamin_d_deficiency_below")
    if vitd is not None:
        facts.append(ex.finding(f"25-OH vitamin D {vitd.value:.0f} ng/mL on day {vitd.day}"))
        if vitd.value < vdef.v:
            facts.append(ex.evidence(f"Below {vdef.v:g} ng/mL is deficiency", vdef))
            status, msgs = "warn", [*msgs, "vitamin D deficiency (replete cautiously)"]
            out.ask(
                "vitamin_d_repletion",
                "Vitamin D is deficient: replete it (it also makes PTH readings interpretable).",
                facts,
            )
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
            status, msgs = "warn", [*msgs, "reduced renal function"]
    for m in case.patient.medications:
        up, down = kn.med_raises.get(m, frozenset()), kn.med_lowers.get(m, frozenset())
        if "calcium_total" in up or "calcium_total" in down or "pth_intact" in up:
            facts.append(ex.coded(kn, "medications", m, f"On {m}: changes calcium or PTH"))
            status, msgs = "warn", [*msgs, f"{m} changes the reading"]
    raising = [
        m
        for m in case.patient.medications
        if "calcium_total" in kn.med_raises.get(m, frozenset()) and m in kn.stoppable
    ]
    if raising and out.diagnosis in SURGICAL and out.decision is None:
        # a correctable cause of the hypercalcemia itself: read the calcium off the drug first
        names = ", ".join(raising)
        out.gate(
            kn,
            "confounders",
            "fail",
            f"On {names}, which raises calcium: stop or swap it if safe, then repeat calcium, PTH and the "
            "24-hour urine before any localization or operation.",
            facts,
        )
        out.decision = "defer"
        out.ask(
            "repeat_biochemistry", f"Repeat calcium and PTH off {names} (a correctable confounder).", facts
        )
        out.ask("urine_calcium_24h", f"Repeat the 24-hour urine off {names}.", facts)
        return
    out.gate(
        kn,
        "confounders",
        status,
        ("Confounders: " + "; ".join(msgs) + ".") if msgs else "No confounder found.",
        facts,
    )


def surgical_candidacy(case: Case, kn: Knowledge, out: GateOutcome) -> None:
    if case.patient.surgical_candidate:
        out.gate(kn, "surgical_candidacy", "pass", "Fit for and willing to have another operation.", [])
        return
    out.gate(
        kn,
        "surgical_candidacy",
        "fail",
        "Not a candidate for another operation: medical or ablative options only.",
        # free text (the patient's note) never goes into a plan: reports leave the record's prose out
        [
            ex.finding(
                "The record marks the patient as not a surgical candidate (unfit for or declining surgery)"
            )
        ],
    )
    out.medical_only = True


def run_gates(case: Case, norm: Normalized, kn: Knowledge) -> GateOutcome:
    out = GateOutcome()
    biochemical(case, norm, kn, out)
    if out.diagnosis in SURGICAL:
        fhh_screen(case, norm, kn, out)
    confounders(case, norm, kn, out)
    surgical_candidacy(case, kn, out)
    return out
