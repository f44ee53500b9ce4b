"""The FHH screen: the calcium-to-creatinine clearance ratio, family history and known syndromes,
and the recurrent course (FHH is lifelong).
"""

from __future__ import annotations

from kg.knowledge import Knowledge
from planner import explain as ex
from planner.explain import Link
from planner.gates.outcome import GateOutcome, meds_acting_on
from planner.models import Case
from planner.normalize import Normalized


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
    lowered = meds_acting_on(case, kn, "urine_calcium_24h", kn.med_lowers)
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
