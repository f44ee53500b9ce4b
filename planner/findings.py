"""Turn the case's imaging, venous sampling and FNA into findings for the likelihood.

Time matters: imaging from before an operation describes the neck as it was, so a focus
at a site that a later operation explored or removed no longer counts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from kg.knowledge import Knowledge
from planner import explain as ex
from planner.explain import Link
from planner.models import Case, Imaging, VenousSample
from planner.normalize import Normalized
from planner.places import Loc, at_any, record_key, side_of, vein_region
from planner.priors import known_tissue
from planner.record import Record
from planner.units import pth_to_canonical


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


def _exponent(kn: Knowledge, result: str, appearance: str | None, modality: str) -> float:
    e = kn.param("equivocal_exponent").v if result == "equivocal" else 1.0
    for m in kn.modifiers_for("appearance_exponent", modality):
        if m.appearance == (appearance or "indeterminate") and appearance is not None:
            e *= m.value
    return e


def _uncoded(kn: Knowledge, modality: str, day: int | None) -> Link:
    """A study whose result is not coded counts as done and moves no probability: a free-text
    report may hold a finding, so a person has to read it before the plan is trusted."""
    return ex.finding(
        f"{kn.label('modalities', modality)} day {day}: result not coded (unstructured report); "
        "counted as done, moves no probability: review the report"
    )


def _imaging_finding(
    kn: Knowledge, rec: Record, modality: str, day: int | None, items: list[Imaging], dropped: list[Link]
) -> Finding | None:
    """One study (a modality on a day) as one finding; ``None`` when it holds nothing to weigh.

    A focus seen before an operation at a site that operation explored no longer counts; an
    uncoded (``unstructured``) result counts as done but moves no probability.
    """
    preop = day is not None and day < 0
    pos: list[tuple[Loc, float]] = []
    neg: list[Loc] = []
    size, foci, whole_neg, uncoded = None, 1, False, False
    for im in items:
        if im.result == "unstructured":
            uncoded = True
        elif im.result == "negative":
            if im.site:
                neg.append((im.site, side_of(kn, im.site, im.side)))
            else:
                whole_neg = True
        elif im.site is not None:
            side = side_of(kn, im.site, im.side)
            if preop and any(d > (day or 0) for d in rec.explored.get(record_key((im.site, side)), [])):
                dropped.append(
                    ex.finding(
                        f"{modality} focus at {kn.site_name(im.site, side)} on day {day} was explored or removed since: not counted"
                    )
                )
                continue
            pos.append(((im.site, side), _exponent(kn, im.result, im.appearance, modality)))
            size = max(size or 0, im.size_mm or 0) or None
            foci = max(foci, im.foci or 1)
    if uncoded:
        dropped.append(_uncoded(kn, modality, day))
    if not pos and not neg and not whole_neg:
        # an uncoded study is done, so not proposed again, but it moves no probability
        return (
            Finding("imaging", modality, dropped[-1]["text"] or "", [], [], False, day) if uncoded else None
        )
    label = f"{kn.label('modalities', modality)} day {day}: " + (
        ", ".join(kn.site_name(s, d) for (s, d), _ in pos) or "negative"
    )
    if neg:  # a stated negative is part of what the study says, and of why a place fell
        label += ("; " if pos else " ") + "no lesion at " + ", ".join(kn.site_name(s, d) for s, d in neg)
    return Finding("imaging", modality, label, pos, neg, whole_neg and not pos, day, size, foci)


def _imaging_findings(case: Case, rec: Record, kn: Knowledge, dropped: list[Link]) -> list[Finding]:
    studies: dict[tuple[str, int | None], list[Imaging]] = defaultdict(list)
    for im in case.imaging:
        studies[(im.modality, im.day)].append(im)
    out = []
    for (modality, day), items in sorted(studies.items(), key=lambda kv: (kv[0][1] or 0, kv[0][0])):
        found = _imaging_finding(kn, rec, modality, day, items, dropped)
        if found is not None:
            out.append(found)
    return out


def _venous_findings(case: Case, kn: Knowledge) -> list[Finding]:
    """Each sampling as one finding per kind (neck and mediastinal veins; the graft arm)."""
    out = []
    for vs in case.venous_sampling:
        periph = pth_to_canonical(kn, vs.peripheral_pth, vs.unit)
        for graft in (False, True):
            samples = [s for s in vs.samples if (s.vein == "graft_arm_vein") == graft]
            if samples:
                out.append(_sampling_finding(kn, vs.day, samples, vs.unit, periph, graft))
    return out


def _sampling_finding(
    kn: Knowledge, day: int | None, samples: list[VenousSample], unit: str, periph: float, graft: bool
) -> Finding:
    t = kn.param("graft_arm_gradient_ratio" if graft else "svs_gradient_ratio")
    pos: list[tuple[Loc, float]] = []
    covered: set[Loc] = set()
    parts = []
    for s in samples:
        vein = kn.veins.get(s.vein)
        if vein is None:
            continue
        ratio = pth_to_canonical(kn, s.pth, unit) / periph
        locs = vein_region(kn, vein, s.side)
        covered |= locs
        parts.append(f"{s.vein} {s.side or ''} {ratio:.1f}x".replace("  ", " "))
        if ratio >= t.v:
            pos += [(loc, 1.0) for loc in sorted(locs, key=str)]
    mod = "graft_arm_venous_sampling" if graft else "selective_venous_sampling"
    label = (
        f"{kn.label('tests', mod)} day {day}: "
        + ", ".join(parts)
        + (f" (gradient >= {t.v:g}x)" if pos else " (no gradient)")
    )
    return Finding("svs", mod, label, pos, [], not pos, day, covered=covered, confirmatory=bool(pos))


def _fna_findings(
    case: Case, norm: Normalized, kn: Knowledge, tissue: list[Loc], dropped: list[Link]
) -> list[Finding]:
    """Each washout against its serum PTH (the case's, or the nearest lab within the graph's window);
    one at a place known to hold tissue (``tissue``: a graft, a remnant) is not counted."""
    ratio_thr = kn.param("fna_washout_ratio")
    out = []
    for f in case.fna:
        if f.serum_pth is None:
            lab = (
                norm.nearest("pth_intact", f.day or 0, int(kn.param("fna_serum_pairing_days").v))
                if f.day is not None
                else norm.latest("pth_intact")
            )
            serum_c = lab.value if lab else None
        else:
            serum_c = pth_to_canonical(kn, f.serum_pth, f.unit)
        if serum_c is None or serum_c <= 0:
            continue
        wash = pth_to_canonical(kn, f.pth_washout, f.unit)
        loc = (f.site, side_of(kn, f.site, f.side))
        ratio = wash / serum_c
        if at_any(kn, loc, tissue):
            dropped.append(
                ex.finding(
                    f"FNA washout at {kn.site_name(*loc)} ({ratio:.0f}x serum): parathyroid tissue is known "
                    "to be there (a graft or a remnant), so a washout cannot show whether it is the "
                    "overactive source; not counted"
                )
            )
            continue
        positive = ratio > ratio_thr.v
        label = f"FNA washout at {kn.site_name(f.site, f.side)}: {wash:.0f} vs serum {serum_c:.0f} pg/mL ({ratio:.0f}x)"
        out.append(
            Finding(
                "fna",
                "fna_pth_washout",
                label,
                [(loc, 1.0)] if positive else [],
                [] if positive else [loc],
                False,
                f.day,
                confirmatory=positive,
            )
        )
    return out


def collect(
    case: Case, norm: Normalized, rec: Record, diagnosis: str, kn: Knowledge
) -> tuple[list[Finding], list[Link]]:
    """Every localizing observation of the case, and the facts of what was not counted (and why)."""
    dropped: list[Link] = []
    out = _imaging_findings(case, rec, kn, dropped)
    out += _venous_findings(case, kn)
    out += _fna_findings(case, norm, kn, known_tissue(rec, kn), dropped)
    for x in out:  # which studies see a graft depends on its bed (forearm or neck)
        x.graft_beds = rec.graft_beds
    return out, dropped
