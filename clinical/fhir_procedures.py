"""Procedures become operations (day 0 = the most recent parathyroid operation), and the
Observations linked to an operation (glands, operative findings, intraoperative PTH) are read.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from clinical.fhir_base import (
    FhirImportError,
    _codings,
    _components,
    _effective,
    _ref,
    _round,
    _Run,
    _show,
    _side_component,
)


def _dated_procedures(procs: list[Any], run: _Run) -> dict[dt.date, list[tuple[Any, Any]]]:
    """Completed, dated Procedures whose code is in the tables, by date (the rest is warned)."""
    groups: dict[dt.date, list[tuple[Any, Any]]] = defaultdict(list)
    for p in procs:
        where = _ref(p)
        row = run.m.procedure(_codings(p.code))
        if row is None:
            run.unmapped_code("Procedure.code", p.code)
            continue
        if p.status != "completed":
            run.warn(f"{where} ({row.procedure}): status '{p.status}', not 'completed'; not imported")
            continue
        d = _effective(p)
        if d is None:
            run.warn(f"{where} ({row.procedure}): no performed date (or only a partial one); not imported")
            continue
        if row.warning:
            run.warn(f"{where} ({row.system}|{row.code}): {row.warning}")
        groups[d].append((p, row))
    return groups


def _operations(procs: list[Any], run: _Run) -> tuple[list[dict[str, Any]], dict[int, int]]:
    """Group the parathyroid/neck Procedures by date into operations; day 0 = the latest with a
    parathyroid operation. Returns the operations and a map id(Procedure) -> operation index."""
    groups = _dated_procedures(procs, run)
    para = [d for d, items in groups.items() if any(r.parathyroid_operation for _, r in items)]
    if not para:
        seen = "; ".join(sorted(run.unmapped.get("Procedure.code", Counter())))[:300]
        raise FhirImportError(
            "no completed parathyroid Procedure in the Bundle: day 0 (the most recent parathyroid "
            "operation) cannot be set; see README 'FHIR import' for the procedure codes"
            + (f"; procedure codes seen, not in the tables: {seen}" if seen else "")
        )
    run.day0 = max(para)
    ops: list[dict[str, Any]] = []
    index: dict[int, int] = {}
    for d in sorted(groups):
        if d > run.day0:
            for p, row in groups[d]:
                run.warn(
                    f"{_ref(p)} ({row.procedure}) is after the last parathyroid operation; "
                    "operations must be on or before day 0, not imported"
                )
            continue
        op: dict[str, Any] = {"day": run.day(d), "procedures": [], "glands": []}
        lobes: list[str] = []
        for p, row in groups[d]:
            index[id(p)] = len(ops)
            if row.procedure not in op["procedures"]:
                op["procedures"].append(row.procedure)
            if row.procedure == "hemithyroidectomy" and p.bodySite:
                side = run.m.side(_codings(p.bodySite))
                if side in ("left", "right"):
                    lobes.append(side)
                else:
                    run.warn(f"{_ref(p)}: bodySite {_show(p.bodySite)} gives no thyroid lobe side")
            if p.note:
                run.warn(f"{_ref(p)}: free-text note not imported")
        if lobes:
            op["thyroid_removed"] = sorted(set(lobes))
        ops.append(op)
    return ops, index


def _operation_of(o: Any, index: dict[int, int], ops: list[dict[str, Any]], run: _Run) -> int | None:
    for ref in o.partOf or []:
        target = run.resolve(ref.reference)
        if target is not None and id(target) in index:
            return index[id(target)]
    d = _effective(o)
    if d is not None and run.day0 is not None:
        day = (d - run.day0).days
        for i, op in enumerate(ops):
            if op["day"] == day:
                return i
    run.warn(f"{_ref(o)}: not linked (partOf or date) to an imported parathyroid operation; not imported")
    return None


def _gland(o: Any, run: _Run) -> dict[str, Any] | None:
    m, where = run.m, _ref(o)
    comps = _components(o, m)
    pos = m.local_code(_codings(o.bodySite), "gland_positions")
    if pos is None:
        level = m.gland_level(_codings(o.bodySite))
        side = _side_component(comps, "laterality", run, where)
        if level and side in ("left", "right"):
            pos = f"{side}_{level}"
    if pos is None:
        run.warn(f"{where}: gland position not readable from bodySite {_show(o.bodySite)}; not imported")
        return None
    status = m.local_code(_codings(o.valueCodeableConcept), "gland_status")
    if status is None:
        run.warn(f"{where}: gland status not readable from {_show(o.valueCodeableConcept)}; not imported")
        return None
    g: dict[str, Any] = {"position": pos, "status": status}
    for c in comps.get("gland-pathology", []):
        path = m.local_code(_codings(c.valueCodeableConcept), "pathologies")
        if path:
            g["pathology"] = path
        else:
            run.warn(f"{where}: pathology {_show(c.valueCodeableConcept)} not in the code tables")
    for c in comps.get("gland-weight", []):
        w = run.measure(c.valueQuantity, "mg", f"{where} gland-weight")
        if w is not None and w > 0:
            g["weight_mg"] = _round(w)
    for c in comps.get("gland-found-site", []):
        site = m.site(_codings(c.valueCodeableConcept))
        if site:
            g["site"] = site
        else:
            run.warn(f"{where}: found site {_show(c.valueCodeableConcept)} not in the code tables")
    side = _side_component(comps, "gland-found-side", run, where)
    if side:
        g["side"] = side
    return g


def _findings(o: Any, op: dict[str, Any], run: _Run) -> None:
    m, where = run.m, _ref(o)
    comps = _components(o, m)
    for c in comps.get("thymectomy", []):
        t = m.local_code(_codings(c.valueCodeableConcept), "thymectomy")
        if t:
            op["thymectomy"] = t
        else:
            run.warn(f"{where}: thymectomy {_show(c.valueCodeableConcept)} not in the code tables")
    for c in comps.get("capsule-rupture", []):
        if c.valueBoolean is not None:
            op["capsule_rupture"] = bool(c.valueBoolean)
    lobes = set(op.get("thyroid_removed", []))
    for c in comps.get("thyroid-lobe-removed", []):
        side = m.side(_codings(c.valueCodeableConcept))
        if side in ("left", "right"):
            lobes.add(side)
        else:
            run.warn(f"{where}: thyroid lobe {_show(c.valueCodeableConcept)} is not left or right")
    if lobes:
        op["thyroid_removed"] = sorted(lobes)
    for c in comps.get("autograft-location", []):
        loc = m.local_code(_codings(c.valueCodeableConcept), "autograft_locations")
        if loc:
            op["autograft"] = {"location": loc}
        else:
            run.warn(f"{where}: autograft location {_show(c.valueCodeableConcept)} not in the code tables")
    side = _side_component(comps, "autograft-side", run, where)
    if side in ("left", "right"):
        if "autograft" in op:
            op["autograft"]["side"] = side
        else:
            run.warn(f"{where}: autograft-side without autograft-location; not imported")
    unknown = [k for k in comps if k not in _FINDINGS]
    if unknown:
        run.warn(f"{where}: components not in the profile ignored: {', '.join(sorted(unknown))}")


_FINDINGS = {"thymectomy", "capsule-rupture", "thyroid-lobe-removed", "autograft-location", "autograft-side"}


def _iopth_sample(o: Any, run: _Run) -> tuple[float, float, str] | None:
    where = _ref(o)
    comps = _components(o, run.m)
    minute = None
    for c in comps.get("minutes-from-excision", []):
        q = c.valueQuantity
        if q is not None and q.value is not None:
            u = run.unit_of(q, f"{where} minutes-from-excision", hard=False)
            if u and u[0] == "min":
                minute = float(q.value) * u[1]
    if minute is None:
        run.warn(f"{where}: intraoperative PTH without 'minutes-from-excision'; not imported")
        return None
    v = run.pth(o.valueQuantity, where)
    return (minute, v[0], v[1]) if v else None
