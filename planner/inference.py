"""Causes and locations: a Bayesian model over joint hypotheses (cause, site, side).

Priors: the cause mix at reoperation times the likelihood ratios of the case's
features, and for each cause a site distribution found by walking the graph (the
descent path of every unaccounted gland, the graft, the operative bed). Every
finding then multiplies each hypothesis by its likelihood (per-modality,
per-site sensitivity and false-positive rate; venous gradients through the
drainage edges; FNA washouts). Marginals give the ranked locations and the
suspected causes. Every number is read from the graph.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from kg.knowledge import Evidence, Knowledge, Modifier, Vein
from planner import explain as ex
from planner.explain import Link
from planner.models import Case, Operation
from planner.normalize import Normalized
from planner.record import GlandFate, Record, normal_positions

Loc = tuple[str, str | None]  # (site, side)


@dataclass
class Finding:
    """One localizing observation, reduced to what the likelihood needs."""

    kind: str  # imaging | svs | fna
    modality: str
    label: str
    positives: list[tuple[Loc, float]]  # (location, exponent) reported positive/equivocal
    negatives: list[Loc]  # explicitly negative locations
    whole_negative: bool
    day: int | None
    size_mm: float | None = None
    foci: int = 1
    covered: set[Loc] | None = None  # for SVS: the locations the sampled veins drain
    confirmatory: bool = False
    graft_beds: frozenset[str] = frozenset()  # where the case's grafts lie (which studies see them)


@dataclass
class Inference:
    causes: dict[str, float]
    cause_facts: dict[str, list[Link]]
    locations: list[tuple[Loc, float]]
    loc_facts: dict[Loc, list[Link]]
    findings: list[Finding]
    features: dict[str, Link]
    joint: dict[tuple[str, Loc], float] = field(default_factory=dict)
    dropped: list[Link] = field(default_factory=list)


def side_of(kn: Knowledge, site: str, side: str | None) -> str | None:
    s = kn.sites.get(site)
    if s is not None and not s.lateralized:
        return "midline"
    return side


def vein_region(kn: Knowledge, vein: Vein, side: str | None) -> set[Loc]:
    """The places whose blood a vein carries: every site it drains, on the sampled side for a
    paired vein, on both sides when the side is unknown; a midline site once.

    The one rule of "drained region", read by the findings (a gradient) and by the expected gain
    of venous sampling alike.
    """
    out: set[Loc] = set()
    for site in vein.drains:
        if not kn.sites[site].lateralized:
            out.add((site, "midline"))
        elif vein.paired and side in ("left", "right"):
            out.add((site, side))
        else:
            out |= {(site, "left"), (site, "right")}
    return out


def loc_matches(kn: Knowledge, loc: Loc, site: str, side: str | None) -> bool:
    if loc[0] != site:
        return False
    if not kn.sites[site].lateralized or side in (None, "midline") or loc[1] is None:
        return True
    return loc[1] == side


# ------------------------------------------------------------------ features


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
    """The case features whose likelihood ratios (graph) weigh the causes, each with the fact behind it."""
    f: dict[str, Link] = {}
    _record_features(case, rec, diagnosis, kn, f)
    _patient_features(case, rec, kn, f)
    _imaging_features(findings, kn, f)
    _biochemistry_features(case, norm, kn, f)
    return f


def localized_foci(findings: list[Finding], kn: Knowledge) -> list[Loc]:
    """Places supported by two studies (or one study plus an invasive test), not adjacent to each other."""
    support: dict[Loc, set[str]] = defaultdict(set)
    for x in findings:
        for loc, expo in x.positives:
            if expo >= 1.0 and x.kind in ("imaging", "fna"):
                support[loc].add(f"{x.modality}:{x.day}")
    strong = sorted(loc for loc, s in support.items() if len(s) >= 2)
    out: list[Loc] = []
    for loc in strong:
        if all(
            not (
                loc[0] == o[0]
                or o[0] in kn.adjacency.get(loc[0], ())
                and (loc[1] == o[1] or None in (loc[1], o[1]))
            )
            and loc[0] != o[0]
            for o in out
        ):
            out.append(loc)
    return out


# ------------------------------------------------------------------ causes


def cause_probabilities(
    feat: dict[str, Link], kn: Knowledge
) -> tuple[dict[str, float], dict[str, list[Link]]]:
    """P(cause | features): each cause's share at reoperation times the likelihood ratio of every
    feature present, normalized over the mutually exclusive causes. A cause whose required
    feature is absent (a graft, a remnant) is impossible."""
    weight: dict[str, float] = {}
    facts: dict[str, list[Link]] = {}
    for cause, prior in sorted(kn.cause_priors.items()):
        weight[cause] = prior.v
        facts[cause] = [
            ex.evidence(f"Prior share of {cause.replace('_', ' ')} at reoperation: {prior.v:.1%}", prior)
        ]
    for key, fact in sorted(feat.items()):
        explained_by = kn.subsumed_by.get(key, frozenset()) & feat.keys()
        if explained_by:  # correlated evidence: the explaining feature is weighed instead
            for cause in kn.cause_priors:
                facts[cause].append(
                    ex.finding(
                        f"{key.replace('_', ' ')}: already explained by {', '.join(sorted(explained_by))}"
                    )
                )
            continue
        for cause, lr in kn.likelihood_ratios.get(key, []):
            weight[cause] *= lr.v
            facts[cause].append(fact)
            facts[cause].append(ex.evidence(f"{key.replace('_', ' ')}: x {lr.v:g}", lr))
    for cause, needed in kn.cause_requires.items():
        if not needed <= feat.keys():
            weight[cause] = 0.0
    total = sum(weight.values())
    return {c: w / total for c, w in weight.items()}, facts


def leading_cause(causes: dict[str, float]) -> str:
    """The most probable cause other than FHH (which the gates handle), ties broken by name.

    >>> leading_cause({"fhh": 0.9, "missed_single_gland": 0.06, "carcinoma": 0.04})
    'missed_single_gland'
    """
    return max(sorted(causes), key=lambda c: causes[c] if c != "fhh" else -1)


# ------------------------------------------------------------------ structural location priors


def _explore_factor(rec: Record, kn: Knowledge, loc: Loc, facts: list[Link]) -> float:
    f = 1.0
    rem = rec.removed_factor.get((loc[0], loc[1] or "midline"))
    if rem is not None:
        f *= rem[0]
        facts.append(
            ex.graph(f"Tissue at {kn.site_name(*loc)} was removed before: prior x {rem[0]:g}", rem[1][0])
        )
    return f


def _path_distribution(
    origin: str,
    side: str | None,
    kn: Knowledge,
    rec: Record,
    searched: bool,
    weight: float,
    why: Link,
    out: dict[Loc, float],
    facts: dict[Loc, list[Link]],
) -> None:
    explored = kn.param("explored_site_factor")
    for site, ev in sorted(kn.priors.get(origin, {}).items()):
        sides = (
            [side_of(kn, site, side)]
            if side
            else (["left", "right"] if kn.sites[site].lateralized else ["midline"])
        )
        for s in sides:
            loc = (site, s)
            fl: list[Link] = []
            w = weight * ev.v / len(sides)
            w *= _explore_factor(rec, kn, loc, fl)
            if searched and site == kn.usual_site.get(origin):
                w *= explored.v
                fl.append(
                    ex.evidence(
                        f"{kn.site_name(site)} was searched at the last exploration without finding the gland: x {explored.v:g}",
                        explored,
                    )
                )
            if w <= 0:
                continue
            out[loc] = out.get(loc, 0.0) + w
            facts.setdefault(loc, []).extend(
                [
                    why,
                    ex.graph(
                        f"{kn.site_name(site)} lies on the {kn.origin_path[origin][1]}",
                        kn.origin_path[origin][0],
                    ),
                    ex.evidence(f"Prior share at {kn.site_name(site)}: {ev.v:.0%}", ev),
                    *fl,
                ]
            )


def _norm(d: dict[Loc, float]) -> dict[Loc, float]:
    t = sum(d.values())
    return {k: v / t for k, v in d.items()} if t > 0 else {}


LocFacts = dict[Loc, list[Link]]


def _seen_loc(kn: Knowledge, pos: str, fate: GlandFate) -> Loc:
    """Where a gland the surgeon saw lies: its recorded site, or its position's usual one."""
    origin, side = kn.positions[pos]
    site = fate.site or kn.usual_site[origin]
    return (site, side_of(kn, site, fate.side or side))


def _missed_prior(rec: Record, kn: Knowledge, facts: LocFacts) -> dict[Loc, float]:
    """Missed single gland: each unaccounted position along its descent path (status weights)."""
    missed: dict[Loc, float] = {}
    for pos in normal_positions(kn):
        fate = rec.fate(pos)
        w = kn.status_weights.get(fate.status)
        if w is None or w.v <= 0:
            continue
        origin, side = kn.positions[pos]
        why = ex.evidence(f"{pos.replace('_', ' ')}: {fate.status.replace('_', ' ')} (weight {w.v:g})", w)
        if fate.status in ("identified_normal", "biopsied_normal"):
            loc = _seen_loc(kn, pos, fate)
            fl: list[Link] = []
            val = w.v * _explore_factor(rec, kn, loc, fl)
            if val > 0:
                missed[loc] = missed.get(loc, 0.0) + val
                facts.setdefault(loc, []).extend([why, *fl])
            continue
        _path_distribution(origin, side, kn, rec, fate.status == "not_found", w.v, why, missed, facts)
    return _norm(missed)


def _supernumerary_prior(rec: Record, kn: Knowledge, facts: LocFacts) -> dict[Loc, float]:
    sup: dict[Loc, float] = {}
    why = ex.graph(
        "A supernumerary gland follows the third-pouch (thymic) primordium",
        kn.origin_iris["origin_supernumerary"],
    )
    _path_distribution("origin_supernumerary", None, kn, rec, False, 1.0, why, sup, facts)
    return _norm(sup)


def _in_situ_weight(
    rec: Record, kn: Knowledge, pos: str, fate: GlandFate, facts: LocFacts, mgd: dict[Loc, float]
) -> None:
    """A gland seen in situ is a candidate at its place, weighted as the surgeon judged it."""
    loc = _seen_loc(kn, pos, fate)
    why = ex.finding(f"{pos.replace('_', ' ')} remains in situ ({fate.status.replace('_', ' ')})")
    fl: list[Link] = []
    seen = kn.status_weights.get(fate.status)
    weight = seen.v if seen is not None and fate.status != "partially_removed" else 1.0
    if seen is not None and fate.status != "partially_removed":
        fl.append(
            ex.evidence(f"{pos.replace('_', ' ')} looked normal to the surgeon: weight {weight:g}", seen)
        )
    val = weight * _explore_factor(rec, kn, loc, fl)
    if val > 0:
        mgd[loc] = mgd.get(loc, 0.0) + val
        facts.setdefault(loc, []).extend([why, *fl])


def _multiglandular_prior(
    rec: Record, kn: Knowledge, facts: LocFacts, sup: dict[Loc, float], sup_facts: LocFacts
) -> dict[Loc, float]:
    """Multiglandular disease: every gland left in situ, plus a share of the supernumerary distribution."""
    mgd: dict[Loc, float] = {}
    for pos in normal_positions(kn):
        fate = rec.fate(pos)
        if fate.status in kn.gone_statuses:
            continue
        if fate.status in ("identified_normal", "biopsied_normal", "partially_removed"):
            _in_situ_weight(rec, kn, pos, fate, facts, mgd)
        else:
            origin, side = kn.positions[pos]
            why = ex.finding(f"{pos.replace('_', ' ')} remains in situ ({fate.status.replace('_', ' ')})")
            _path_distribution(origin, side, kn, rec, fate.status == "not_found", 1.0, why, mgd, facts)
    share = kn.cause_priors["supernumerary_gland"].v / kn.cause_priors["missed_single_gland"].v
    for loc, v in sup.items():
        mgd[loc] = mgd.get(loc, 0.0) + share * v
        facts.setdefault(loc, []).extend(sup_facts.get(loc, []))
    return _norm(mgd)


def _remnant_prior(rec: Record, kn: Knowledge, facts: LocFacts) -> dict[Loc, float]:
    rem: dict[Loc, float] = {}
    for pos, fate in rec.glands.items():
        if fate.status == "partially_removed":
            loc = _seen_loc(kn, pos, fate)
            rem[loc] = rem.get(loc, 0.0) + 1.0
            facts.setdefault(loc, []).append(
                ex.finding(f"Remnant of the {pos.replace('_', ' ')} left at {kn.site_name(loc[0])}")
            )
    return _norm(rem)


def known_tissue(rec: Record, kn: Knowledge) -> list[Loc]:
    """Places where parathyroid tissue is known to be whatever the cause: a graft, a remnant.

    A test that proves tissue (a PTH washout) reads high there in every hypothesis, so it cannot
    show whether that tissue is the overactive source.
    """
    out: list[Loc] = [("autograft", s) for s in rec.graft_sides]
    if not rec.graft_sides and any(g.status == "autotransplanted" for g in rec.glands.values()):
        out.append(("autograft", None))
    out += [_seen_loc(kn, pos, f) for pos, f in rec.glands.items() if f.status == "partially_removed"]
    return out


def _graft_prior(rec: Record, facts: LocFacts) -> dict[Loc, float]:
    graft: dict[Loc, float] = {}
    for s in rec.graft_sides or [None]:
        loc = ("autograft", s)
        graft[loc] = graft.get(loc, 0.0) + 1.0
        facts.setdefault(loc, []).append(
            ex.finding(f"Autograft{' in the ' + s + ' arm or muscle' if s else ''}")
        )
    return _norm(graft)


def _bed_prior(rec: Record, facts: LocFacts) -> dict[Loc, float]:
    """Parathyromatosis: the operative bed of a rupture, or of every side explored."""
    bed: dict[Loc, float] = {}
    for s in sorted(rec.rupture_sides or {side for sides in rec.explored_sides.values() for side in sides}):
        bed[("operative_bed", s)] = 1.0
        facts.setdefault(("operative_bed", s), []).append(ex.finding(f"Previous operative bed on the {s}"))
    return _norm(bed)


def _carcinoma_prior(
    rec: Record, facts: LocFacts, missed: dict[Loc, float], missed_facts: LocFacts
) -> dict[Loc, float]:
    """Carcinoma: the bed of one removed before (local recurrence), or wherever a missed gland may be."""
    carc: dict[Loc, float] = {}
    for s in sorted(rec.carcinoma_sides):
        carc[("operative_bed", s)] = 1.0
        facts.setdefault(("operative_bed", s), []).append(
            ex.finding(f"Carcinoma or atypical tumour removed before on the {s}: local recurrence in its bed")
        )
    for loc, v in missed.items():
        carc[loc] = carc.get(loc, 0.0) + v
        facts.setdefault(loc, []).extend(missed_facts.get(loc, []))
    return _norm(carc)


def site_priors(
    case: Case, rec: Record, kn: Knowledge, causes: dict[str, float]
) -> tuple[dict[str, dict[Loc, float]], dict[str, LocFacts]]:
    """Each cause's site distribution, and per cause and site the facts behind it."""
    by_cause: dict[str, LocFacts] = defaultdict(dict)
    per: dict[str, dict[Loc, float]] = {}
    per["missed_single_gland"] = _missed_prior(rec, kn, by_cause["missed_single_gland"])
    per["supernumerary_gland"] = _supernumerary_prior(rec, kn, by_cause["supernumerary_gland"])
    per["multiglandular_disease"] = _multiglandular_prior(
        rec,
        kn,
        by_cause["multiglandular_disease"],
        per["supernumerary_gland"],
        by_cause["supernumerary_gland"],
    )
    per["remnant_hyperfunction"] = _remnant_prior(rec, kn, by_cause["remnant_hyperfunction"])
    graft = _graft_prior(rec, by_cause["graft_hyperfunction"])
    per["graft_hyperfunction"] = graft if causes.get("graft_hyperfunction", 0) > 0 else {}
    per["parathyromatosis"] = _bed_prior(rec, by_cause["parathyromatosis"])
    per["carcinoma"] = _carcinoma_prior(
        rec, by_cause["carcinoma"], per["missed_single_gland"], by_cause["missed_single_gland"]
    )
    return per, dict(by_cause)


# ------------------------------------------------------------------ likelihoods


_GRAPH_VIEWS = 4  # graph views memoized at once (not clinical: bounds the memos' memory)
#: (sensitivity, false-positive rate, the evidence they rest on)
SeFp = tuple[float, float, list[Evidence]]
_MEMOS: dict[tuple[str, int], tuple[Knowledge, dict[Any, Any]]] = {}


def graph_memo(name: str, kn: Knowledge) -> dict[Any, Any]:
    """The memo named ``name`` for one view of the graph (figures derived from it alone).

    It holds the ``Knowledge`` it was made for and is checked by identity, so a second view of
    the graph (a what-if, a test) never reads another view's figures, even if the first one's
    ``id`` is reused; only the last few views are kept. The one home of the planner's per-graph
    memos (``se_fp``, ``site_figures``, ``gain.svs_region``).
    """
    entry = _MEMOS.get((name, id(kn)))
    if entry is None or entry[0] is not kn:
        if len(_MEMOS) >= 3 * _GRAPH_VIEWS:
            _MEMOS.clear()
        entry = _MEMOS[(name, id(kn))] = (kn, {})
    return entry[1]


def se_fp(kn: Knowledge, modality: str, site: str, cause: str, beds: frozenset[str] = frozenset()) -> SeFp:
    """Sensitivity and false-positive rate of a modality at a site, for a cause (memoized per
    graph view, ``graph_memo``)."""
    memo = graph_memo("se_fp", kn)
    key = (modality, site, cause, beds)
    hit: SeFp | None = memo.get(key)
    if hit is None:
        hit = memo[key] = _se_fp_uncached(kn, modality, site, cause, beds)
    return hit


def figure_cause(kn: Knowledge, modality: str, cause: str) -> str:
    """The cause a modality's figures depend on: the cause itself when one of the modality's
    modifiers names it, else ``""``, which reads the figures every unnamed cause shares. Lets the
    set posterior read a finding once for all the causes that see it alike (memoized per graph).

    >>> from kg.knowledge import knowledge
    >>> kn = knowledge()
    >>> se_fp(kn, "sestamibi_spect", "perrier_B", figure_cause(kn, "sestamibi_spect", "missed_gland"))[:2] == se_fp(kn, "sestamibi_spect", "perrier_B", "missed_gland")[:2]
    True
    """
    memo = graph_memo("figure_cause", kn)
    named: frozenset[str] | None = memo.get(modality)
    if named is None:
        named = memo[modality] = frozenset(
            m.cause for m in kn.modifiers if modality in m.modalities and m.cause is not None
        )
    return cause if cause in named else ""


def site_figures(
    kn: Knowledge, modality: str, cause: str, beds: frozenset[str] = frozenset()
) -> dict[str, tuple[float, float]]:
    """Sensitivity and false-positive rate of a modality at every site, for a cause: the figures
    of ``se_fp`` as one table, for the expected-gain sums (memoized per graph view)."""
    memo = graph_memo("site_figures", kn)
    table: dict[str, tuple[float, float]] | None = memo.get((modality, cause, beds))
    if table is None:
        table = memo[(modality, cause, beds)] = {
            site: se_fp(kn, modality, site, cause, beds)[:2] for site in kn.sites
        }
    return table


def _applies(m: Modifier, site: str, cause: str | None, beds: frozenset[str]) -> bool:
    """Whether a performance modifier holds here: its sites, its cause, and its graft beds (a graft
    whose bed is not recorded is taken to be in any of them)."""
    return (
        (not m.sites or site in m.sites)
        and (cause is None or m.cause is None or m.cause == cause)
        and (not m.graft_beds or not beds or bool(beds & m.graft_beds))
    )


def _se_fp_uncached(kn: Knowledge, modality: str, site: str, cause: str, beds: frozenset[str]) -> SeFp:
    perf = kn.performance[modality]
    se, fp = perf.sensitivity, perf.false_positive_rate
    used = [perf.evidence]
    for m in kn.modifiers_for("visibility", modality):
        # a modality that cannot see a site finds neither true nor false lesions there
        if _applies(m, site, cause, beds):
            se *= m.value
            fp *= m.value
            used.append(m.evidence)
    for m in kn.modifiers_for("sensitivity", modality):
        if _applies(m, site, cause, beds):
            se *= m.value
            used.append(m.evidence)
    for m in kn.modifiers_for("false_positive_rate", modality):
        if _applies(m, site, None, beds):
            fp *= m.value
            used.append(m.evidence)
    return min(se, 0.99), min(max(fp, 1e-4), 0.99), used


@dataclass(frozen=True)
class Claims:
    """How one place reads one finding: the reported items it may explain (key, likelihood ratio),
    and its ratio when it explains none of them (missed, or unseen)."""

    claims: tuple[tuple[int, float], ...]
    miss: float

    #: The ratio of the place alone: its best item, or the miss (``set_likelihood`` of one).
    best: float = field(init=False, compare=False, repr=False)
    #: ``log(best)``, floored: the place's term in a set-of-one log-likelihood.
    log_best: float = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        best = max((v for _, v in self.claims), default=self.miss)
        object.__setattr__(self, "best", best)
        object.__setattr__(self, "log_best", math.log(max(best, 1e-12)))


def claims(kn: Knowledge, x: Finding, loc: Loc, cause: str) -> Claims:
    """The likelihood-ratio terms of a finding for tissue at one place, against "no tissue here".

    Imaging: each reported lesion at this place (or a neighbour: the Perrier letter is often
    misplaced) may be explained by it; a study that looked and saw nothing here was a miss
    (1 - sensitivity). Venous sampling: a gradient in a vein draining this place is one item; a
    sampled vein without a gradient that drains it was a miss. FNA washout: a positive washout
    at its needle's tip is one item; a negative one at this place is a miss.
    """
    se, fp, _ = se_fp(kn, x.modality, loc[0], cause, x.graft_beds)
    if x.kind == "svs":
        inside = any(loc_matches(kn, loc, p[0][0], p[0][1]) for p in x.positives)
        if x.positives:
            return Claims(((0, se / fp),) if inside else (), 1.0 if inside else 1 - se)
        covered = bool(x.covered) and any(loc_matches(kn, loc, c[0], c[1]) for c in x.covered or ())
        return Claims((), 1 - se if covered else 1.0)
    if x.kind == "fna":
        if x.positives:
            hit = any(loc_matches(kn, loc, p[0][0], p[0][1]) for p in x.positives)
            return Claims(((0, se / fp),) if hit else (), 1.0)
        neg = any(loc_matches(kn, loc, n[0], n[1]) for n in x.negatives)
        return Claims((), (1 - se) / (1 - fp) if neg else 1.0)
    out: list[tuple[int, float]] = []
    for i, ((psite, pside), expo) in enumerate(x.positives):
        if loc_matches(kn, loc, psite, pside):
            out.append((i, (se / fp) ** expo))
        elif psite in kn.adjacency.get(loc[0], ()) and (
            pside in (None, "midline") or loc[1] in (None, "midline", pside)
        ):
            share = kn.param("adjacent_site_share").v
            out.append((i, max(1 - se, (share * se / fp) ** expo)))
    looked = any(loc_matches(kn, loc, n[0], n[1]) for n in x.negatives) or x.positives or x.whole_negative
    return Claims(tuple(out), 1 - se if looked else 1.0)


def likelihood(kn: Knowledge, x: Finding, loc: Loc, cause: str) -> float:
    """The likelihood ratio of a finding for tissue at one place (the best item it explains)."""
    return claims(kn, x, loc, cause).best


def set_likelihood(reads: list[Claims]) -> float:
    """The likelihood ratio of one finding for tissue at every place of a set at once.

    Each reported item is explained by at most one place (one lesion is not two glands); a place
    that explains none reads as missed. The best assignment is taken, as ``likelihood`` takes the
    best item for one place, so a set of one gives exactly ``likelihood``.

    >>> a, b = Claims(((0, 9.0),), 0.5), Claims(((0, 9.0), (1, 4.0)), 0.5)
    >>> set_likelihood([a]), set_likelihood([a, b]), set_likelihood([a, a])
    (9.0, 36.0, 4.5)
    """
    if len(reads) == 1:
        return reads[0].best
    keys = [k for r in reads for k, _ in r.claims]
    if len(keys) == len(set(keys)):  # no item wanted by two places: each takes its best
        return math.prod(max([r.miss, *(v for _, v in r.claims)]) for r in reads)
    return _best(reads, 0, frozenset())


def _best(reads: list[Claims], i: int, taken: frozenset[int]) -> float:
    if i == len(reads):
        return 1.0
    best = reads[i].miss * _best(reads, i + 1, taken)
    for key, v in reads[i].claims:
        if key not in taken and v > reads[i].miss:
            best = max(best, v * _best(reads, i + 1, taken | {key}))
    return best


def posterior(
    prior: dict[tuple[str, Loc], float],
    findings: list[Finding],
    kn: Knowledge,
    multifocal: dict[str, list[Loc]] | None = None,
) -> dict[tuple[str, Loc], float]:
    """Joint posterior over (cause, location).

    ``multifocal`` names the causes that explain more than one focus (multiglandular
    disease) with the separately localized foci: under such a cause a second focus is
    real tissue, so its positive findings count as true positives, not false ones.
    """
    post = {}
    for (cause, loc), p in prior.items():
        logp = math.log(p)
        for x in findings:
            logp += math.log(max(likelihood(kn, x, loc, cause), 1e-12))
        for focus in (multifocal or {}).get(cause, []):
            if loc_matches(kn, loc, focus[0], focus[1]) or focus[0] in kn.adjacency.get(loc[0], ()):
                continue
            for x in findings:
                if x.kind != "imaging":
                    continue
                for (psite, pside), expo in x.positives:
                    if loc_matches(kn, focus, psite, pside):
                        se, fp, _ = se_fp(kn, x.modality, psite, cause)
                        logp += expo * math.log(se / fp)
        post[(cause, loc)] = logp
    if not post:
        return {}
    m = max(post.values())
    exp = {k: math.exp(v - m) for k, v in post.items()}
    t = sum(exp.values())
    return {k: v / t for k, v in exp.items()}
