"""What the diagram shows of a case and its plan (:func:`diagram_input`), and of the findings on the board."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kg.knowledge import Knowledge
from planner.places import side_of
from ui.diagram.model import Candidate, DiagramInput, Finding, GlandMark, Gradient
from ui.names import MODALITY_TAGS, where

#: The graph's class of the sites behind the trachea (in the neck and the mediastinum).
POSTERIOR_CLASS = "PosteriorSite"
MEDIASTINAL_CLASS = "MediastinalSite"
CERVICAL_CLASS = "CervicalSite"


def outside_sites(kn: Knowledge) -> frozenset[str]:
    """The sites neither in the neck nor in the mediastinum (the graft bed), by the graph's classes.

    >>> from kg.knowledge import knowledge
    >>> sorted(outside_sites(knowledge()))
    ['autograft']
    """
    body = (CERVICAL_CLASS, MEDIASTINAL_CLASS)
    return frozenset(code for code, s in kn.sites.items() if not any(c in s.classes for c in body))


def posterior_sites(kn: Knowledge) -> frozenset[str]:
    """The sites the diagram draws as lying behind the trachea: the graph's ``PosteriorSite``
    class (Perrier B and C, the retroesophageal space, the posterior mediastinum).

    >>> from kg.knowledge import knowledge
    >>> sorted(posterior_sites(knowledge()))
    ['perrier_B', 'perrier_C', 'posterior_mediastinum', 'retroesophageal']
    """
    return frozenset(code for code, s in kn.sites.items() if POSTERIOR_CLASS in s.classes)


def gradients(case: Mapping[str, Any], kn: Knowledge) -> tuple[Gradient, ...]:
    """Each sampled vein's PTH against the peripheral PTH of its sampling (the latest per vein and side).

    The cut-off is the graph's, as the planner reads it: the graft-arm one for the graft-arm
    vein, the venous-sampling one for every other vein.

    >>> from kg.knowledge import knowledge
    >>> case = {"venous_sampling": [{"day": 30, "unit": "pg/mL", "peripheral_pth": 100,
    ...     "samples": [{"vein": "thymic_vein", "pth": 260},
    ...                 {"vein": "ijv_lower", "side": "left", "pth": 110}]}]}
    >>> [(g.vein, g.side, g.text, g.positive) for g in gradients(case, knowledge())]
    [('ijv_lower', 'left', '1.1×', False), ('thymic_vein', 'midline', '2.6×', True)]
    """
    latest: dict[tuple[str, str | None], Gradient] = {}
    samplings = sorted(case.get("venous_sampling", []), key=lambda v: v.get("day") or 0)
    for vs in samplings:
        periph = float(vs.get("peripheral_pth") or 0)
        if periph <= 0:
            continue
        for s in vs.get("samples", []):
            vein = kn.veins.get(s.get("vein", ""))
            if vein is None:
                continue
            key = "graft_arm_gradient_ratio" if vein.code == "graft_arm_vein" else "svs_gradient_ratio"
            side = s.get("side") if vein.paired else "midline"
            ratio = float(s["pth"]) / periph  # one sampling, one unit: the ratio has none
            latest[(vein.code, side)] = Gradient(
                vein.code, side, ratio, kn.param(key).v, vs.get("day"), vein.label
            )
    return tuple(latest[k] for k in sorted(latest, key=lambda k: (k[0], k[1] or "")))


def diagram_input(case: Mapping[str, Any], plan: Mapping[str, Any], kn: Knowledge) -> DiagramInput:
    """Gather what the diagram shows from a valid case and its plan (contract dicts)."""
    candidates = tuple(
        Candidate(int(loc["rank"]), loc["site"], loc.get("side"), float(loc["probability"]))
        for loc in plan.get("locations", [])
        if loc.get("site") in kn.sites
    )
    findings: list[Finding] = []
    for im in case.get("imaging", []):
        if im.get("site") in kn.sites:
            side = side_of(kn, im["site"], im.get("side"))
            tag = MODALITY_TAGS.get(im["modality"], im["modality"])
            findings.append(Finding(im["site"], side, tag, im["result"], im.get("day")))
    for f in case.get("fna", []):
        if f.get("site") in kn.sites:
            side = side_of(kn, f["site"], f.get("side"))
            findings.append(Finding(f["site"], side, MODALITY_TAGS["fna"], "sampled", f.get("day")))
    record = plan.get("record") or {}
    removed = frozenset(
        (r["site"], r["side"]) for r in record.get("removed_tissue", []) if r.get("remaining_factor", 1) < 1
    )
    glands: list[GlandMark] = []
    for g in record.get("glands", []):
        if g["status"] == "not_explored":
            continue
        if g["position"] == "supernumerary":
            if g.get("site") in kn.sites:
                glands.append(GlandMark("supernumerary", g["status"], g["site"], g.get("side")))
            continue
        if g["position"] not in kn.positions:
            continue
        origin, side = kn.positions[g["position"]]
        site = g.get("site") or kn.usual_site.get(origin)
        if site in kn.sites:
            glands.append(GlandMark(g["position"], g["status"], site, g.get("side") or side))
    grafts: list[tuple[str, str | None]] = []
    for op in case.get("operations", []):
        graft = op.get("autograft")
        if graft:
            grafts.append((graft["location"], graft.get("side")))
    labels = {(c.site, c.side): where(c.site, c.side, kn) for c in candidates}
    palsy = (case.get("patient") or {}).get("vocal_cord_paralysis")
    return DiagramInput(
        tuple(candidates),
        tuple(findings),
        removed,
        tuple(glands),
        tuple(grafts),
        labels,
        gradients(case, kn),
        palsy,
        posterior_sites(kn),
        outside_sites(kn),
    )


def board_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """One tag per site and result for the wall screen: "3+" is three positive studies there.

    A board reads concordance at a glance; the modalities are in the summary strip.

    >>> [f.tag + f.result[:3] for f in board_findings([Finding("perrier_F", "left", "US", "positive", 250),
    ...     Finding("perrier_F", "left", "4D-CT", "positive", 260),
    ...     Finding("perrier_E", "left", "FNA", "sampled")])]
    ['2pos', 'FNAsam']
    """
    groups: dict[tuple[str, str | None, str], list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.site, f.side, f.result), []).append(f)
    out = []
    for (site, side, result), items in groups.items():
        tag = "FNA" if result == "sampled" else str(len(items))
        days = [f.day for f in items if f.day is not None]
        out.append(Finding(site, side, tag, result, max(days) if days else None))
    return tuple(out)
