"""The FHH screen: the calcium-to-creatinine clearance ratio, family history and known syndromes,
and the recurrent course (FHH is lifelong).

Run on surgical disease only (persistent or recurrent): a known FHH or a CCCR in the FHH band
halts the plan (the diagnosis becomes FHH suspected); an unknown, unreadable or grey-zone CCCR
blocks surgery until the urine or germline testing settles it.
"""

from __future__ import annotations

from kg.knowledge import Knowledge
from planner import explain as ex
from planner.explain import Link
from planner.gates.outcome import GateResult, ask, gate_result, meds_acting_on
from planner.models import Case
from planner.normalize import Normalized

KEY = "fhh_screen"
GENETIC = "genetic_testing_casr"


def _recurrent_course(norm: Normalized, kn: Knowledge, facts: list[Link]) -> GateResult:
    """A normal interval excludes FHH, but a CCCR in the FHH band is still read, never skipped.

    FHH is lifelong, so a CCCR below the FHH band in a recurrent course contradicts the record:
    either the normal interval or the 24-hour urine is wrong. The contradiction is untrustworthy
    data, so no operation rests on it until the urine is repeated and FHH is tested for.
    """
    course = next((lr for c, lr in kn.likelihood_ratios.get("course_recurrent", []) if c == "fhh"), None)
    persistence = kn.param("persistence_days")
    facts.append(
        ex.finding(f"Calcium was documented normal for {persistence.v:g} days or more after the operation")
    )
    if course is not None:
        facts.append(
            ex.evidence("FHH is lifelong: a normocalcemic interval after surgery excludes it", course)
        )
    lo = kn.param("cccr_fhh_below")
    if norm.cccr is None or norm.cccr >= lo.v:
        if norm.cccr is not None:
            facts.append(ex.finding(norm.cccr_text or f"CCCR {norm.cccr:.4f}"))
        return gate_result(
            kn,
            KEY,
            "pass",
            f"FHH excluded by the course: calcium was normal for {persistence.v:g} days after the operation.",
            facts,
        )
    facts.append(ex.finding(norm.cccr_text or f"CCCR {norm.cccr:.4f}"))
    facts.append(ex.evidence(f"CCCR below {lo.v:g} strongly suggests FHH", lo))
    message = (
        f"CCCR {norm.cccr:.3f} is below {lo.v:g}, in the FHH band, yet the course is recurrent, which FHH "
        "never is: either the normal interval or the 24-hour urine is wrong (an incomplete collection, low "
        "calcium intake, vitamin D deficiency, a drug). Repeat the urine and test for FHH before any operation."
    )
    return gate_result(
        kn,
        KEY,
        "warn",
        message,
        facts,
        warnings=[message],
        tests=[
            ask(
                "urine_calcium_24h",
                "Repeat the 24-hour urine: its CCCR contradicts the recurrent course.",
                facts,
            ),
            ask(GENETIC, "CASR, GNA11 and AP2S1 testing settles FHH whatever the urine shows.", facts),
        ],
        block_surgery=True,
    )


def _unreadable(kn: Knowledge, cccr: float, lowered: list[str], facts: list[Link]) -> GateResult:
    """A CCCR below the PHPT cut-off on a drug that lowers urine calcium cannot be read: off the
    drug if it can be stopped (defer), else germline testing before any operation."""
    names = ", ".join(lowered)
    facts.append(ex.coded(kn, "medications", lowered[0], f"On {names}, which lowers urine calcium"))
    genetic = ask(GENETIC, "CASR, GNA11 and AP2S1 testing settles FHH whatever the medication.", facts)
    if any(m in kn.stoppable for m in lowered):
        return gate_result(
            kn,
            KEY,
            "warn",
            f"CCCR {cccr:.3f} cannot be read on {names}: stop it if safe and repeat the 24-hour urine.",
            facts,
            decision="defer",
            tests=[
                ask(
                    "urine_calcium_24h",
                    f"Repeat the 24-hour urine off {names} (it lowers urine calcium).",
                    facts,
                ),
                genetic,
            ],
        )
    return gate_result(
        kn,
        KEY,
        "warn",
        f"CCCR {cccr:.3f} cannot be read on {names}, which usually cannot be stopped: "
        "germline FHH testing before any operation.",
        facts,
        tests=[genetic],
        block_surgery=True,
    )


def fhh_screen(case: Case, norm: Normalized, kn: Knowledge, diagnosis: str) -> GateResult:
    """The FHH screen of a case whose biochemical ``diagnosis`` is surgical disease.

    The graph's CCCR bands (``cccr_fhh_below``, ``cccr_phpt_above``) decide; a recurrent course
    excludes FHH unless the CCCR contradicts it.

    >>> from kg.knowledge import knowledge
    >>> from planner.normalize import normalize
    >>> kn = knowledge()
    >>> c = Case.model_validate({"id": "x", "patient": {"syndromes": ["FHH"]}})
    >>> r = fhh_screen(c, normalize(c, kn), kn, "persistent")
    >>> r.gate.status, r.diagnosis, r.decision
    ('fail', 'fhh_suspected', 'halt')
    """
    lo, hi = kn.param("cccr_fhh_below"), kn.param("cccr_phpt_above")
    facts: list[Link] = []
    if "FHH" in case.patient.syndromes:
        facts.append(ex.coded(kn, "syndromes", "FHH", "Known FHH"))
        return gate_result(
            kn,
            KEY,
            "fail",
            "Known FHH: parathyroid surgery does not cure it.",
            facts,
            diagnosis="fhh_suspected",
            decision="halt",
        )
    if case.patient.family_history_hypercalcemia:
        facts.append(ex.finding("First-degree relatives with hypercalcemia"))
    if diagnosis == "recurrent":
        return _recurrent_course(norm, kn, facts)
    lowered = meds_acting_on(case, kn, "urine_calcium_24h", kn.med_lowers)
    if norm.cccr is None:
        facts.append(ex.finding("No 24-hour urine calcium and creatinine: CCCR unknown"))
        return gate_result(
            kn,
            KEY,
            "unknown",
            "FHH not excluded: collect a 24-hour urine for the CCCR before any reoperation.",
            facts,
            tests=[ask("urine_calcium_24h", "FHH must be excluded (CCCR) before any reoperation.", facts)],
            block_surgery=True,
        )
    facts.append(ex.finding(norm.cccr_text or f"CCCR {norm.cccr:.4f}"))
    if norm.cccr < hi.v and lowered:
        return _unreadable(kn, norm.cccr, lowered, facts)
    if norm.cccr < lo.v:
        facts.append(ex.evidence(f"CCCR below {lo.v:g} strongly suggests FHH", lo))
        return gate_result(
            kn,
            KEY,
            "fail",
            f"CCCR {norm.cccr:.3f} is below {lo.v:g}: FHH is suspected; no reoperation.",
            facts,
            diagnosis="fhh_suspected",
            decision="halt",
            tests=[ask(GENETIC, "Confirm FHH with CASR, GNA11 and AP2S1 testing.", facts)],
        )
    if norm.cccr <= hi.v:
        facts.append(ex.evidence(f"CCCR between {lo.v:g} and {hi.v:g}: test CASR before any operation", hi))
        return gate_result(
            kn,
            KEY,
            "warn",
            f"CCCR {norm.cccr:.3f} is in the grey zone: germline FHH testing before any operation.",
            facts,
            tests=[
                ask(GENETIC, "CCCR in the grey zone: exclude FHH genetically before any reoperation.", facts)
            ],
            block_surgery=True,
        )
    facts.append(ex.evidence(f"CCCR above {hi.v:g} favours PHPT", hi))
    return gate_result(kn, KEY, "pass", f"CCCR {norm.cccr:.3f} is above {hi.v:g}: FHH is unlikely.", facts)
