"""Turn the case's imaging, venous sampling and FNA into findings for the likelihood.

Time matters: imaging from before an operation describes the neck as it was, so a focus
at a site that a later operation explored or removed no longer counts.
"""

from __future__ import annotations

from collections import defaultdict

from kg.knowledge import Knowledge
from planner import explain as ex
from planner.explain import Link
from planner.inference import Finding, side_of
from planner.models import Case
from planner.normalize import Normalized
from planner.record import Record
from planner.units import pth_to_canonical


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


def collect(
    case: Case, norm: Normalized, rec: Record, diagnosis: str, kn: Knowledge
) -> tuple[list[Finding], list[Link]]:  # noqa: C901
    dropped: list[Link] = []
    studies: dict[tuple[str, int | None], list] = defaultdict(list)
    for im in case.imaging:
        studies[(im.modality, im.day)].append(im)
    out: list[Finding] = []
    for (modality, day), items in sorted(
        studies.items(), key=lambda kv: (kv[0][1] if kv[0][1] is not None else 0, kv[0][0])
    ):
        preop = day is not None and day < 0
        pos, neg, size, foci, whole_neg, uncoded = [], [], None, 1, False, False
        for im in items:
            if im.result == "unstructured":
                uncoded = True
                continue
            if im.result == "negative":
                if im.site:
                    neg.append((im.site, side_of(kn, im.site, im.side)))
                else:
                    whole_neg = True
                continue
            if im.site is None:
                continue
            side = side_of(kn, im.site, im.side)
            if preop and any(d > (day or 0) for d in rec.explored.get((im.site, side or "midline"), [])):
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
            if uncoded:  # done, so not proposed again, but it moves no probability
                out.append(Finding("imaging", modality, dropped[-1]["text"] or "", [], [], False, day))
            continue
        label = f"{kn.label('modalities', modality)} day {day}: " + (
            ", ".join(kn.site_name(s, d) for (s, d), _ in pos) or "negative"
        )
        out.append(Finding("imaging", modality, label, pos, neg, whole_neg and not pos, day, size, foci))
    thr = kn.param("svs_gradient_ratio")
    gthr = kn.param("graft_arm_gradient_ratio")
    for vs in case.venous_sampling:
        periph = pth_to_canonical(kn, vs.peripheral_pth, vs.unit)
        for graft in (False, True):
            samples = [s for s in vs.samples if (s.vein == "graft_arm_vein") == graft]
            if not samples:
                continue
            t = gthr if graft else thr
            pos, covered, parts = [], set(), []
            for s in samples:
                vein = kn.veins.get(s.vein)
                if vein is None:
                    continue
                ratio = pth_to_canonical(kn, s.pth, vs.unit) / periph
                locs = set()
                for site in vein.drains:
                    if not kn.sites[site].lateralized:
                        locs.add((site, "midline"))
                    elif vein.paired and s.side in ("left", "right"):
                        locs.add((site, s.side))
                    else:
                        locs |= {(site, "left"), (site, "right")}
                covered |= locs
                parts.append(f"{s.vein} {s.side or ''} {ratio:.1f}x".replace("  ", " "))
                if ratio >= t.v:
                    pos += [(loc, 1.0) for loc in sorted(locs, key=str)]
            mod = "graft_arm_venous_sampling" if graft else "selective_venous_sampling"
            out.append(
                Finding(
                    "svs",
                    mod,
                    f"{kn.label('tests', mod)} day {vs.day}: "
                    + ", ".join(parts)
                    + (f" (gradient >= {t.v:g}x)" if pos else " (no gradient)"),
                    pos,
                    [],
                    not pos,
                    vs.day,
                    covered=covered,
                    confirmatory=bool(pos),
                )
            )
    ratio_thr = kn.param("fna_washout_ratio")
    for f in case.fna:
        serum = f.serum_pth
        unit = f.unit
        if serum is None:
            lab = (
                norm.nearest("pth_intact", f.day or 0, int(kn.param("fna_serum_pairing_days").v))
                if f.day is not None
                else norm.latest("pth_intact")
            )
            serum_c = lab.value if lab else None
        else:
            serum_c = pth_to_canonical(kn, serum, unit)
        wash = pth_to_canonical(kn, f.pth_washout, unit)
        loc = (f.site, side_of(kn, f.site, f.side))
        if serum_c is None or serum_c <= 0:
            continue
        ratio = wash / serum_c
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
    return out, dropped
