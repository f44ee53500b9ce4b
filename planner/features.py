"""The case features whose likelihood ratios weigh the causes, each with the fact behind it.

A feature is a named observation the graph gives a likelihood ratio per cause (``prp:lrFor``):
what the previous operations left, the histology, the course, the labs, the patient, and what
the studies say about the cause (several foci in the bed, two separate foci, a negative
sestamibi, a large lesion). Which features exist and what they weigh are read from the graph;
this module only recognizes them in a case.
"""

from __future__ import annotations

from collections import defaultdict

from kg.knowledge import Knowledge
from planner import explain as ex
from planner.explain import Link
from planner.findings import Finding
from planner.models import Case, Operation
from planner.normalize import Normalized
from planner.places import Loc, apart
from planner.record import Record, normal_positions


def _record_features(case: Case, rec: Record, diagnosis: str, kn: Knowledge, f: dict[str, Link]) -> None:
    """What the previous operations and the course say: glands seen, histology, IOPTH, grafts, remnants."""
    if all(rec.fate(pos).status in kn.seen_statuses for pos in normal_positions(kn)):
        f["all_glands_accounted"] = ex.finding(
            "All four normal gland positions were seen at a previous operation"
        )
    if "hyperplasia" in rec.pathologies:
        f["prior_hyperplasia_histology"] = ex.finding("Hyperplasia in tissue removed before")
    if "carcinoma" in rec.pathologies:
        f["prior_carcinoma_histology"] = ex.finding("Carcinoma in tissue removed before")
    if "atypical_tumor" in rec.pathologies:
        f["prior_atypical_histology"] = ex.finding("Atypical parathyroid tumour in tissue removed before")
    if diagnosis == "recurrent":
        f["course_recurrent"] = ex.finding(
            f"Recurrent course (after {kn.param('persistence_days').v:g} days of normal calcium)"
        )
    in_situ = [pos for pos in normal_positions(kn) if rec.fate(pos).status not in kn.gone_statuses]
    if (
        rec.iopth_drop is not None and in_situ
    ):  # after removing every gland a fall says nothing about the rest
        miami = kn.param("miami_drop_fraction")
        key = "iopth_adequate_drop" if rec.iopth_drop >= miami.v else "iopth_no_drop"
        f[key] = ex.evidence(rec.iopth_text or "", miami)
    if rec.rupture_sides:
        f["capsule_rupture"] = ex.finding("Capsule rupture or fragmentation at a previous operation")
    if rec.graft_sides or any(g.status == "autotransplanted" for g in rec.glands.values()):
        f["has_autograft"] = ex.finding("Autotransplanted parathyroid tissue")
    if any(g.status == "partially_removed" for g in rec.glands.values()) or any(
        "subtotal_parathyroidectomy" in op.procedures for op in case.operations
    ):
        f["has_remnant"] = ex.finding("A gland remnant was left in situ")
    _course_features(case, diagnosis, f)


def _grafted(op: Operation) -> bool:
    return op.autograft is not None or any(g.status == "autotransplanted" for g in op.glands)


def _left_remnant(op: Operation) -> bool:
    return "subtotal_parathyroidectomy" in op.procedures or any(
        g.status == "partially_removed" for g in op.glands
    )


def _course_features(case: Case, diagnosis: str, f: dict[str, Link]) -> None:
    """Tissue placed at the operation that failed (the disease never remitted after it) is that
    operation's normal tissue: a graft or remnant only that new cannot explain the persistence."""
    if diagnosis != "persistent" or not case.operations:
        return
    ops = sorted(case.operations, key=lambda op: op.day)
    last, earlier = ops[-1], ops[:-1]
    if "has_autograft" in f and _grafted(last) and not any(_grafted(op) for op in earlier):
        f["autograft_new_at_failed_operation"] = ex.finding(
            "The graft was placed at the last operation, after which the disease never remitted"
        )
    if "has_remnant" in f and _left_remnant(last) and not any(_left_remnant(op) for op in earlier):
        f["remnant_new_at_failed_operation"] = ex.finding(
            "The remnant was left at the last operation, after which the disease never remitted"
        )


def _imaging_features(findings: list[Finding], kn: Knowledge, f: dict[str, Link]) -> None:
    """What the studies say about the cause: several foci in the bed, two separate foci, a whole-field
    negative study of a modality the graph names for a feature (``prp:raisedByNegativeStudyOf``:
    a negative sestamibi), size."""
    imaging = [x for x in findings if x.kind == "imaging"]
    if (
        any(x.foci >= 2 and any(loc[0] == "operative_bed" for loc, _ in x.positives) for x in imaging)
        or sum(1 for x in imaging for loc, _ in x.positives if loc[0] == "operative_bed") >= 3
    ):
        f["multiple_foci_operative_bed"] = ex.finding("Several separate foci in the previous operative bed")
    foci = localized_foci(findings, kn)
    if len(foci) >= 2:
        f["two_separate_foci"] = ex.finding(
            "Two separately localized foci: " + ", ".join(kn.site_name(s, d) for s, d in foci)
        )
    for key, modalities in sorted(kn.negative_study_features.items()):  # e.g. a negative sestamibi
        negative = [x for x in imaging if x.modality in modalities and x.whole_negative and (x.day or 0) >= 0]
        if negative:
            f[key] = ex.finding(f"{negative[0].label} after the last operation")
    size = kn.param("carcinoma_size_above_mm")
    big = [x.size_mm for x in imaging if x.size_mm and x.positives]
    if big and max(big) > size.v:
        f["lesion_larger_than_carcinoma_size"] = ex.evidence(
            f"Lesion {max(big):g} mm on imaging (> {size.v:g} mm)", size
        )


def _pth_multiple_feature(norm: Normalized, kn: Knowledge, f: dict[str, Link]) -> None:
    pths = [v for v in norm.series("pth_intact") if v.day > 0 and v.high]
    if not pths:
        return
    worst = max(pths, key=lambda v: v.value / (v.high or 1))
    mult = worst.value / (worst.high or 1)
    strong, susp = kn.param("carcinoma_pth_multiple_strong"), kn.param("carcinoma_pth_multiple_suspicious")
    for key, ev in (("pth_above_strong_multiple", strong), ("pth_above_suspicious_multiple", susp)):
        if mult > ev.v:
            f[key] = ex.evidence(
                f"PTH {worst.value:.0f} pg/mL is {mult:.1f} x the upper limit (> {ev.v:g})", ev
            )
            return


def _biochemistry_features(case: Case, norm: Normalized, kn: Knowledge, f: dict[str, Link]) -> None:
    """What the labs say: carcinoma-range calcium and PTH, renal function, the CCCR band and its confounders."""
    ca = [c for c in norm.calcium if c.day > 0 and not c.ionized]
    thr = kn.param("carcinoma_calcium_above")
    if ca and max(c.value for c in ca) > thr.v:
        f["calcium_above_carcinoma_threshold"] = ex.evidence(
            f"Calcium {max(c.value for c in ca):.1f} mg/dL above {thr.v:g}", thr
        )
    _pth_multiple_feature(norm, kn, f)
    egfr = norm.latest("egfr")
    if egfr is not None and egfr.value < kn.param("ckd_egfr_below").v:
        f["reduced_renal_function"] = ex.finding(f"eGFR {egfr.value:.0f} mL/min/1.73m2")
    if norm.cccr is None:
        return
    lowering = [
        m for m in case.patient.medications if "urine_calcium_24h" in kn.med_lowers.get(m, frozenset())
    ]
    if lowering:
        f["cccr_confounded"] = ex.finding(
            f"CCCR measured on {', '.join(lowering)}, which lowers urine calcium"
        )
    lo, hi = kn.param("cccr_fhh_below"), kn.param("cccr_phpt_above")
    key = (
        "cccr_below_fhh" if norm.cccr < lo.v else "cccr_grey_zone" if norm.cccr <= hi.v else "cccr_above_phpt"
    )
    f[key] = ex.finding(norm.cccr_text or f"CCCR {norm.cccr:.4f}")


def _patient_features(case: Case, rec: Record, kn: Knowledge, f: dict[str, Link]) -> None:
    p = case.patient
    for s in p.syndromes:
        f[f"syndrome_{s}"] = ex.coded(kn, "syndromes", s, f"Known {s}")
    if p.family_history_hypercalcemia:
        f["family_history_hypercalcemia"] = ex.finding("Family history of hypercalcemia")
    young = kn.param("hereditary_age_below")
    if p.age is not None and p.age < young.v:
        f["young_onset"] = ex.evidence(f"Age {p.age} (under {young.v:g})", young)
    if "lithium" in p.medications:
        f["lithium_use"] = ex.coded(kn, "medications", "lithium", "Takes lithium")
    if p.palpable_neck_mass:
        f["palpable_neck_mass"] = ex.finding("Palpable neck mass")
    vc = p.vocal_cord_paralysis
    if vc in ("left", "right") and not any(vc in sides for sides in rec.explored_sides.values()):
        f["vocal_cord_paralysis_unoperated_side"] = ex.finding(
            f"{vc.capitalize()} vocal cord paralysis on a side no previous operation explored"
        )


def features(
    case: Case, norm: Normalized, rec: Record, diagnosis: str, findings: list[Finding], kn: Knowledge
) -> dict[str, Link]:
    """The case features whose likelihood ratios (graph) weigh the causes, each with the fact behind it.

    >>> from kg.knowledge import knowledge
    >>> from planner.normalize import normalize
    >>> from planner.record import read_record
    >>> kn = knowledge()
    >>> case = Case.model_validate({"id": "x", "patient": {"age": 30, "medications": ["lithium"]}})
    >>> sorted(features(case, normalize(case, kn), read_record(case, kn), "persistent", [], kn))
    ['lithium_use', 'young_onset']
    """
    f: dict[str, Link] = {}
    _record_features(case, rec, diagnosis, kn, f)
    _patient_features(case, rec, kn, f)
    _imaging_features(findings, kn, f)
    _biochemistry_features(case, norm, kn, f)
    return f


def localized_foci(findings: list[Finding], kn: Knowledge) -> list[Loc]:
    """Places supported by two studies (or one study plus an invasive test), apart from each
    other (``places.apart``): two foci one Perrier zone apart on one side are one focus misplaced.

    >>> from kg.knowledge import knowledge
    >>> kn = knowledge()
    >>> def study(modality, *places):
    ...     return Finding("imaging", modality, modality, [(p, 1.0) for p in places], [], False, 10)
    >>> localized_foci([study("ct_4d", ("perrier_D", "left"), ("perrier_C", "left")),
    ...                 study("sestamibi_spect", ("perrier_D", "left"), ("perrier_C", "left"))], kn)
    [('perrier_C', 'left'), ('perrier_D', 'left')]
    >>> localized_foci([study("ct_4d", ("perrier_D", "left"), ("perrier_E", "left")),
    ...                 study("sestamibi_spect", ("perrier_D", "left"), ("perrier_E", "left"))], kn)
    [('perrier_D', 'left')]
    """
    support: dict[Loc, set[str]] = defaultdict(set)
    for x in findings:
        for loc, expo in x.positives:
            if expo >= 1.0 and x.kind in ("imaging", "fna"):
                support[loc].add(f"{x.modality}:{x.day}")
    strong = sorted(loc for loc, s in support.items() if len(s) >= 2)
    out: list[Loc] = []
    for loc in strong:
        if all(apart(kn, loc, o) for o in out):
            out.append(loc)
    return out
