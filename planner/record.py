"""What the previous operations leave behind: each gland position's fate, the
tissue removed, the sites explored, grafts and remnants, and the last IOPTH."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypedDict

from kg.knowledge import Knowledge
from planner.models import Case, Gland, Iopth, Operation
from planner.places import side_of

THYMECTOMY_CODE = {"cervical": "cervical_thymectomy", "complete": "complete_thymectomy"}


def normal_positions(kn: Knowledge) -> tuple[str, ...]:
    """The four named glands: the gland positions that have a side (the supernumerary one has none)."""
    return tuple(sorted(p for p, (_, side) in kn.positions.items() if side))


def effective_status(kn: Knowledge, status: str, pathology: str | None) -> str:
    """The status the search reads: a gland recorded as removed whose histology shows other tissue
    (a lymph node, a thyroid nodule) was never removed, so it is still missing, the prime suspect.

    The one home of "tissue gone" (the graph's ``TissueGoneStatus`` and ``NonParathyroidHistology``),
    read by the record and by the validator alike.
    """
    if status in kn.gone_statuses and pathology in kn.refuting_histology:
        return "not_found"
    return status


@dataclass
class GlandFate:
    position: str
    status: str
    pathology: str | None
    site: str | None
    side: str | None
    day: int | None


class GlandSummary(TypedDict):
    position: str
    status: str
    pathology: str | None
    site: str | None
    side: str | None


class RemovedTissueSummary(TypedDict):
    site: str
    side: str
    remaining_factor: float


class GraftSummary(TypedDict):
    side: str | None


class RecordSummary(TypedDict):
    """:meth:`Record.summary`: the plan's ``record`` (the diagram and the audit read it)."""

    glands: list[GlandSummary]
    removed_tissue: list[RemovedTissueSummary]
    grafts: list[GraftSummary]
    capsule_rupture_sides: list[str]
    last_iopth_drop: float | None


@dataclass
class Record:
    glands: dict[str, GlandFate] = field(default_factory=dict)
    supernumerary: list[GlandFate] = field(default_factory=list)
    removed_factor: dict[tuple[str, str], tuple[float, list[str]]] = field(default_factory=dict)
    explored: dict[tuple[str, str], list[int]] = field(default_factory=dict)  # (site, side) -> operation days
    explored_sides: dict[int, set[str]] = field(default_factory=dict)
    graft_sides: list[str | None] = field(default_factory=list)
    graft_beds: frozenset[str] = frozenset()  # autograft locations (forearm, sternocleidomastoid...)
    rupture_sides: set[str] = field(default_factory=set)
    carcinoma_sides: set[str] = field(default_factory=set)
    pathologies: set[str] = field(default_factory=set)
    iopth_drop: float | None = None
    iopth_text: str | None = None

    def summary(self) -> RecordSummary:
        """What the previous operations left behind, for display (the diagram) and audit."""
        return {
            "glands": [
                {
                    "position": g.position,
                    "status": g.status,
                    "pathology": g.pathology,
                    "site": g.site,
                    "side": g.side,
                }
                for g in [*sorted(self.glands.values(), key=lambda g: g.position), *self.supernumerary]
            ],
            "removed_tissue": [
                {"site": site, "side": side, "remaining_factor": round(f, 4)}
                for (site, side), (f, _) in sorted(self.removed_factor.items())
            ],
            "grafts": [{"side": s} for s in self.graft_sides],
            "capsule_rupture_sides": sorted(self.rupture_sides),
            "last_iopth_drop": None if self.iopth_drop is None else round(self.iopth_drop, 4),
        }

    def fate(self, position: str) -> GlandFate:
        return self.glands.get(position, GlandFate(position, "not_explored", None, None, None, None))


def _op_sides(op_glands: list[Gland], kn: Knowledge) -> set[str]:
    sides: set[str] = set()
    for g in op_glands:
        if g.status != "not_explored":
            side = g.side or kn.positions.get(g.position, ("", None))[1]
            if side in ("left", "right"):
                sides.add(side)
    return sides


def _read_glands(op: Operation, kn: Knowledge, rec: Record) -> None:
    """Each gland's fate; a gland gone at an earlier operation stays gone, one not explored keeps its fate."""
    for g in op.glands:
        side = g.side or kn.positions.get(g.position, ("", None))[1]
        status = effective_status(kn, g.status, g.pathology)
        fate = GlandFate(g.position, status, g.pathology, g.site, side, op.day)
        if g.pathology:
            rec.pathologies.add(g.pathology)
        if g.pathology in ("carcinoma", "atypical_tumor") and side in ("left", "right"):
            rec.carcinoma_sides.add(side)
        if g.position == "supernumerary":
            rec.supernumerary.append(fate)
            continue
        prev = rec.glands.get(g.position)
        if prev is not None and (prev.status in kn.gone_statuses or status == "not_explored"):
            continue
        rec.glands[g.position] = fate
        if status == "autotransplanted" and op.autograft is None:
            rec.graft_sides.append(None)
    if op.autograft is not None:
        rec.graft_sides.append(op.autograft.side)
        rec.graft_beds = rec.graft_beds | {op.autograft.location}


def _read_rupture(op: Operation, kn: Knowledge, rec: Record, sides: set[str]) -> None:
    if op.capsule_rupture:
        removed_sides = {
            g.side or kn.positions.get(g.position, ("", None))[1]
            for g in op.glands
            if g.status in ("removed", "partially_removed")
        }
        rec.rupture_sides |= {s for s in removed_sides if s in ("left", "right")} or sides


def _procedure_codes(op: Operation) -> list[str]:
    codes = list(op.procedures)
    if op.thymectomy in THYMECTOMY_CODE:
        codes.append(THYMECTOMY_CODE[op.thymectomy])
    return list(dict.fromkeys(codes))  # a thymectomy named twice (procedure and field) is one thymectomy


def _read_procedures(op: Operation, kn: Knowledge, rec: Record, sides: set[str]) -> None:
    """The tissue each procedure removed (graph site factors) and the sites it explored."""
    for code in _procedure_codes(op):
        proc = kn.procedures.get(code)
        if proc is None:
            continue
        lobe_sides = set(op.thyroid_removed) or ({"left", "right"} if code in kn.both_sides else sides)
        for site in proc.removes:
            target_sides = lobe_sides if site == "intrathyroidal" else {"left", "right", "midline"}
            ev = kn.site_factors.get((code, site))
            if ev is None:
                continue
            for s in target_sides:
                f, why = rec.removed_factor.get((site, s), (1.0, []))
                rec.removed_factor[(site, s)] = (f * ev.v, [*why, ev.iri])
                rec.explored.setdefault((site, s), []).append(op.day)
        for site in proc.explores:
            for s in (sides or {"left", "right"}) | {"midline"}:
                rec.explored.setdefault((site, s), []).append(op.day)


def _read_gland_sites(op: Operation, kn: Knowledge, rec: Record) -> None:
    """Where the surgeon looked for each gland (its recorded site, or its usual one) counts as explored."""
    for g in op.glands:
        if g.status == "not_explored" or g.position not in kn.positions:
            continue
        origin, pside = kn.positions[g.position]
        site = g.site or kn.usual_site.get(origin)
        side = g.side or pside
        if site and side:
            key = (site, side_of(kn, site, side))
            rec.explored.setdefault(key, []).append(op.day)


def read_record(case: Case, kn: Knowledge) -> Record:
    """Read every previous operation in time order into one record of what is left and where."""
    rec = Record()
    for i, op in enumerate(sorted(case.operations, key=lambda o: o.day)):
        sides = _op_sides(op.glands, kn)
        if not op.glands and any(p in kn.both_sides for p in op.procedures):
            sides = {"left", "right"}
        rec.explored_sides[i] = sides
        _read_glands(op, kn, rec)
        _read_rupture(op, kn, rec, sides)
        _read_procedures(op, kn, rec, sides)
        _read_gland_sites(op, kn, rec)
        if op.day == 0 and op.iopth is not None:
            _iopth(op.iopth, kn, rec)
    return rec


def _iopth(iopth: Iopth, kn: Knowledge, rec: Record) -> None:
    minutes = kn.param("miami_minutes").v
    base = [s.value for s in iopth.samples if s.minute <= 0]
    after = [s for s in iopth.samples if s.minute >= minutes]
    if not base or not after:
        return
    b = max(base)
    at = min(after, key=lambda s: s.minute)
    if b <= 0:
        return
    rec.iopth_drop = 1 - at.value / b
    rec.iopth_text = (
        f"IOPTH at the last operation: highest pre-excision {b:g}, {at.value:g} at {at.minute:g} min "
        f"({rec.iopth_drop:.0%} fall)"
    )
