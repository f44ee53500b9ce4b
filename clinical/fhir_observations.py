"""Observations of the ParaReop profile (imaging, venous sampling, FNA washout, flags,
operation findings) and LOINC labs, read into the case's lists.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from clinical.fhir_base import (
    _codings,
    _components,
    _effective,
    _num,
    _ref,
    _round,
    _Run,
    _show,
    _side_component,
)
from clinical.fhir_procedures import _findings, _gland, _iopth_sample, _operation_of

OBS_OK = {"final", "amended", "corrected", "preliminary"}


@dataclass
class _Found:
    """What the Observations gave, gathered before the case is assembled."""

    labs: list[dict[str, Any]] = field(default_factory=list)
    imaging: list[dict[str, Any]] = field(default_factory=list)
    venous: list[dict[str, Any]] = field(default_factory=list)
    fna: list[dict[str, Any]] = field(default_factory=list)
    flags: dict[str, tuple[dt.date | None, Any]] = field(default_factory=dict)
    iopth: dict[int, list[tuple[float, float, str]]] = field(default_factory=lambda: defaultdict(list))
    imaging_from: set[int] = field(default_factory=set)
    """``id()`` of the Observations imported as imaging findings (their report adds no study)."""


@dataclass
class _Context:
    """The operations and hints the Observations are read against."""

    operations: list[dict[str, Any]]
    op_of_proc: dict[int, int]
    modality_hint: dict[int, str]
    members: set[int]


FLAG_CODES = ("surgical-candidate", "palpable-neck-mass", "vocal-cord-paralysis")
OPERATION_CODES = ("parathyroid-gland", "operative-findings", "iopth")


def _observation(o: Any, ctx: _Context, found: _Found, run: _Run) -> None:
    """Read one Observation into ``found`` (or warn why it is not imported)."""
    where = _ref(o)
    if o.status not in OBS_OK:
        run.warn(f"{where}: status '{o.status}' (not a result); not imported")
        return
    if o.status == "preliminary":
        run.warn(f"{where}: preliminary result imported")
    code = run.m.profile(_codings(o.code))
    if code is None:
        analyte = run.m.lab(_codings(o.code))
        if analyte is None:
            run.unmapped_code("Observation.code", o.code)
            return
        lab = _lab(o, analyte, run)
        if lab:
            found.labs.append(lab)
    elif code == "venous-pth":
        if id(o) not in ctx.members:
            run.warn(f"{where}: venous-pth outside a venous-sampling panel (hasMember); not imported")
    elif code in FLAG_CODES:
        d = _effective(o)
        prev = found.flags.get(code)
        if prev is None or (d is not None and (prev[0] is None or d >= prev[0])):
            found.flags[code] = (d, o)
    elif code in OPERATION_CODES:
        _operation_observation(o, code, ctx, found, run)
    else:
        _dated_finding(o, code, ctx, found, run)


def _operation_observation(o: Any, code: str, ctx: _Context, found: _Found, run: _Run) -> None:
    idx = _operation_of(o, ctx.op_of_proc, ctx.operations, run)
    if idx is None:
        return
    if code == "parathyroid-gland":
        g = _gland(o, run)
        if g:
            ctx.operations[idx]["glands"].append(g)
    elif code == "operative-findings":
        _findings(o, ctx.operations[idx], run)
    else:
        s = _iopth_sample(o, run)
        if s:
            found.iopth[idx].append(s)


def _dated_finding(o: Any, code: str, ctx: _Context, found: _Found, run: _Run) -> None:
    """Imaging, venous sampling or an FNA washout: each needs its own date."""
    where = _ref(o)
    d = _effective(o)
    if d is None:
        run.warn(f"{where}: no effective date (or only a partial one); not imported")
        return
    readers: dict[str, tuple[Any, list[dict[str, Any]]]] = {
        "parathyroid-imaging": (lambda x: _imaging(x, run, ctx.modality_hint.get(id(x))), found.imaging),
        "venous-sampling": (lambda x: _venous(x, run), found.venous),
        "fna-pth-washout": (lambda x: _fna(x, run), found.fna),
    }
    if code not in readers:
        run.warn(f"{where}: profile code '{code}' is not used at the top level of an Observation")
        return
    read, into = readers[code]
    item = read(o)
    if item:
        item["day"] = run.day(d)
        into.append(item)
        if code == "parathyroid-imaging":
            found.imaging_from.add(id(o))


def _iopth_series(found: _Found, operations: list[dict[str, Any]], run: _Run) -> None:
    for idx, samples in found.iopth.items():
        unit = samples[0][2]
        operations[idx]["iopth"] = {
            "unit": unit,
            "samples": [
                {"minute": _round(mi), "value": _round(run.to_pth_unit(v, u, unit))}
                for mi, v, u in sorted(samples, key=lambda s: s[0])
            ],
        }


def _site_side(o: Any, run: _Run, where: str) -> tuple[str | None, str | None, bool]:
    """(site, side, ok) from bodySite + the laterality component; ok False = unreadable."""
    comps = _components(o, run.m)
    site = None
    if o.bodySite is not None:
        site = run.m.site(_codings(o.bodySite))
        if site is None:
            run.warn(f"{where}: bodySite {_show(o.bodySite)} is not in the site map; not imported")
            return None, None, False
    side = None
    for c in comps.get("laterality", []):
        side = run.m.side(_codings(c.valueCodeableConcept))
        if not side:
            shown = _show(c.valueCodeableConcept)
            run.warn(f"{where}: laterality {shown} is not a single side; not imported")
            return None, None, False
    return site, side, True


def _imaging(o: Any, run: _Run, hint: str | None) -> dict[str, Any] | None:
    m, where = run.m, _ref(o)
    modality = m.local_code(_codings(o.method), "modalities") or hint
    if modality is None:
        run.warn(f"{where}: imaging modality not coded (method {_show(o.method)}); not imported")
        return None
    result = m.local_code(_codings(o.valueCodeableConcept), "imaging_results")
    if result is None:
        shown = _show(o.valueCodeableConcept)
        run.warn(f"{where}: imaging result {shown} not in the code tables; not imported")
        return None
    site, side, ok = _site_side(o, run, where)
    if not ok:
        return None
    if site is None and result != "negative":
        run.warn(f"{where}: a {result} imaging finding without a coded bodySite; not imported")
        return None
    item: dict[str, Any] = {"modality": modality, "result": result}
    if site:
        item["site"] = site
    if side:
        item["side"] = side
    comps = _components(o, m)
    for c in comps.get("lesion-size", []):
        size = run.measure(c.valueQuantity, "mm", f"{where} lesion-size")
        if size is not None and size > 0:
            item["size_mm"] = _round(size)
    for c in comps.get("lesion-count", []):
        if c.valueInteger is not None and c.valueInteger >= 1:
            item["foci"] = int(c.valueInteger)
    for c in comps.get("lesion-appearance", []):
        ap = m.local_code(_codings(c.valueCodeableConcept), "imaging_appearances")
        if ap:
            item["appearance"] = ap
        else:
            run.warn(f"{where}: appearance {_show(c.valueCodeableConcept)} not in the code tables")
    if o.note:
        run.warn(f"{where}: free-text note not imported")
    return item


def _venous(o: Any, run: _Run) -> dict[str, Any] | None:
    m, where = run.m, _ref(o)
    comps = _components(o, m)
    periph = None
    for c in comps.get("peripheral-pth", []):
        periph = run.pth(c.valueQuantity, f"{where} peripheral-pth")
    if periph is None:
        run.warn(f"{where}: venous sampling without 'peripheral-pth'; not imported")
        return None
    unit = periph[1]
    samples = []
    for ref in o.hasMember or []:
        s = run.resolve(ref.reference)
        if s is None or s.get_resource_type() != "Observation":
            run.warn(f"{where}: hasMember {ref.reference} not found in the Bundle")
            continue
        swhere = _ref(s)
        vein = m.local_code(_codings(s.bodySite), "veins")
        if vein is None:
            run.warn(f"{swhere}: vein {_show(s.bodySite)} not in the code tables; sample not imported")
            continue
        v = run.pth(s.valueQuantity, swhere)
        if v is None:
            continue
        sample: dict[str, Any] = {"vein": vein, "pth": _round(run.to_pth_unit(v[0], v[1], unit))}
        side = _side_component(_components(s, m), "laterality", run, swhere)
        if side:
            sample["side"] = side
        samples.append(sample)
    if not samples:
        run.warn(f"{where}: venous sampling without readable samples; not imported")
        return None
    return {"unit": unit, "peripheral_pth": _round(periph[0]), "samples": samples}


def _fna(o: Any, run: _Run) -> dict[str, Any] | None:
    m, where = run.m, _ref(o)
    site, side, ok = _site_side(o, run, where)
    if not ok:
        return None
    if site is None:
        run.warn(f"{where}: FNA washout without a coded bodySite; not imported")
        return None
    v = run.pth(o.valueQuantity, where)
    if v is None:
        return None
    item: dict[str, Any] = {"site": site, "unit": v[1], "pth_washout": _round(v[0])}
    if side:
        item["side"] = side
    comps = _components(o, m)
    for c in comps.get("serum-pth", []):
        s = run.pth(c.valueQuantity, f"{where} serum-pth")
        if s:
            item["serum_pth"] = _round(run.to_pth_unit(s[0], s[1], v[1]))
    for c in comps.get("fna-cytology", []):
        cy = m.local_code(_codings(c.valueCodeableConcept), "fna_cytology")
        if cy:
            item["cytology"] = cy
        else:
            run.warn(f"{where}: cytology {_show(c.valueCodeableConcept)} not in the code tables")
    return item


def _lab(o: Any, analyte: str, run: _Run) -> dict[str, Any] | None:
    where = f"{_ref(o)} ({analyte})"
    d = _effective(o)
    if d is None:
        run.warn(f"{where}: no effective date (or only a partial one); not imported")
        return None
    q = o.valueQuantity
    if q is None or q.value is None:
        run.warn(f"{where}: no valueQuantity (e.g. dataAbsentReason or a text value); not imported")
        return None
    u = run.unit_of(q, where, hard=False)  # an unknown unit skips this lab, not the Bundle
    if u is None:
        return None
    allowed = run.kn.allowed_units.get(analyte, frozenset())
    if u[0] not in allowed:
        run.warn(
            f"{where}: unit '{q.code or q.unit}' is not a unit for {analyte} "
            f"(expected one of: {', '.join(sorted(allowed))}); not imported"
        )
        return None
    if q.comparator:
        run.warn(f"{where}: value '{q.comparator}{_num(q.value)}' imported as {_num(q.value)}")
    lab: dict[str, Any] = {
        "analyte": analyte,
        "value": _round(float(q.value) * u[1]),
        "unit": u[0],
        "day": run.day(d),
    }
    for rr in o.referenceRange or []:
        for end, key in (("low", "reference_low"), ("high", "reference_high")):
            rq = getattr(rr, end)
            if rq is None or rq.value is None:
                continue
            ru = run.unit_of(rq, f"{where} referenceRange.{end}", hard=False)
            if ru is None or ru[0] != u[0]:
                run.warn(f"{where}: referenceRange.{end} is in another unit; not imported")
                continue
            lab[key] = _round(float(rq.value) * ru[1])
        break
    return lab
