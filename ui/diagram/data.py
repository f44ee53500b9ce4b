"""What the diagram shows of a case and its plan (:func:`diagram_input`), and of the findings on the board."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kg.knowledge import Knowledge
from planner.places import side_of
from ui.diagram.model import Candidate, DiagramInput, Finding, GlandMark
from ui.names import MODALITY_TAGS, where


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
    return DiagramInput(tuple(candidates), tuple(findings), removed, tuple(glands), tuple(grafts), labels)


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
