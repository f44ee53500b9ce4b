"""Shared pieces of the FHIR import (:mod:`clinical.fhir_import`): the error, one import run
(indexed resources, day 0, warnings, unit conversion) and small helpers for codings and dates.

The ``fhir_*`` modules split the import by resource kind (bundle, procedures, observations,
reports, patient data); the underscore names here are internal to that package of modules
and are not part of the public API, which stays in :mod:`clinical.fhir_import`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from clinical.fhir_maps import UCUM, Maps
from kg.knowledge import Knowledge
from ontology.errors import ParaReopError

PTH_UNITS = ("pg/mL", "ng/L", "pmol/L")


class FhirImportError(ParaReopError):
    """The bundle cannot become a case; the message is one line saying why and where."""


def _codings(cc: Any) -> list[Any]:
    """The codings of a CodeableConcept (or of a list of them)."""
    if cc is None:
        return []
    if isinstance(cc, list):
        return [c for x in cc for c in _codings(x)]
    return list(cc.coding or [])


def _show(cc: Any) -> str:
    """A CodeableConcept as ``system|code`` pairs for a warning (never its free text)."""
    cs = _codings(cc)
    if not cs:
        return "no coding (free text only)" if cc is not None else "no code"
    return ", ".join(f"{c.system or '?'}|{c.code or '?'}" for c in cs[:3])


def _ref(res: Any) -> str:
    return f"{res.get_resource_type()}/{res.id or '?'}"


def _date(value: Any) -> dt.date | None:
    """The calendar date of a FHIR date/dateTime/instant, as written; None when partial."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return None


def _num(v: Decimal | float | int) -> float | int:
    f = float(v)
    return int(f) if f.is_integer() else f


def _round(v: float) -> float | int:
    r = round(v, 6)
    return int(r) if float(r).is_integer() else r


class _Run:
    """One import: the indexed bundle, the day-0 date and the warnings so far."""

    def __init__(self, kn: Knowledge, m: Maps) -> None:
        self.kn, self.m = kn, m
        self.warnings: list[str] = []
        self.by_ref: dict[str, Any] = {}
        self.day0: dt.date | None = None
        self.dates: list[dt.date] = []
        self.unmapped: dict[str, Counter[str]] = defaultdict(Counter)

    def warn(self, msg: str) -> None:
        self.warnings.append(msg)

    def unmapped_code(self, kind: str, cc: Any) -> None:
        self.unmapped[kind][_show(cc)] += 1

    def resolve(self, reference: str | None) -> Any | None:
        if not reference:
            return None
        if reference in self.by_ref:
            return self.by_ref[reference]
        tail = "/".join(reference.rstrip("/").split("/")[-2:])
        return self.by_ref.get(tail)

    def day(self, d: dt.date) -> int:
        assert self.day0 is not None
        self.dates.append(d)
        return (d - self.day0).days

    # ------------------------------------------------------------------ quantities
    def unit_of(self, q: Any, where: str, hard: bool) -> tuple[str, float] | None:
        """(target unit, factor) of a Quantity; an unknown unit is an error when ``hard``."""
        code = q.code if q.system == UCUM else None
        if code is None and q.system is None and q.code is None and q.unit in self.m.units:
            code = q.unit
            self.warn(f"{where}: unit '{q.unit}' taken from Quantity.unit (no UCUM code given)")
        if code is not None and code in self.m.units:
            row = self.m.units[code]
            return row.target, row.factor
        shown = q.code or q.unit or "none"
        msg = (
            f"{where}: unknown unit '{shown}'"
            + (f" (system {q.system})" if q.system and q.system != UCUM else "")
            + "; expected a UCUM code listed in clinical/data/ucum_units.tsv"
        )
        if hard:
            raise FhirImportError(msg)
        self.warn(msg + "; value not imported")
        return None

    def pth(self, q: Any, where: str) -> tuple[float, str] | None:
        """A PTH quantity as (value, contract unit)."""
        if q is None or q.value is None:
            self.warn(f"{where}: no PTH value; not imported")
            return None
        u = self.unit_of(q, where, hard=False)
        if u is None:
            return None
        if u[0] not in PTH_UNITS:
            self.warn(f"{where}: '{u[0]}' is not a PTH unit ({', '.join(PTH_UNITS)}); not imported")
            return None
        return float(q.value) * u[1], u[0]

    def to_pth_unit(self, value: float, unit: str, target: str) -> float:
        """Convert a PTH value between pg/mL, ng/L and pmol/L with the graph's factors."""
        if unit == target:
            return value
        canon = value * (self.kn.conversions[("pth_intact", unit)].v if unit != "pg/mL" else 1.0)
        return canon / (self.kn.conversions[("pth_intact", target)].v if target != "pg/mL" else 1.0)

    def measure(self, q: Any, target: str, where: str) -> float | None:
        """A size / weight / time quantity converted to ``target`` (mm, mg, min), or None."""
        if q is None or q.value is None:
            return None
        u = self.unit_of(q, where, hard=False)
        if u is None:
            return None
        if u[0] != target:
            self.warn(f"{where}: unit '{q.code or q.unit}' cannot be read as {target}; value not imported")
            return None
        return float(q.value) * u[1]


def _components(obs: Any, m: Maps) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = defaultdict(list)
    for comp in obs.component or []:
        code = m.profile(_codings(comp.code))
        out[code or "?"].append(comp)
    return out


def _effective(res: Any) -> dt.date | None:
    for attr in ("effectiveDateTime", "effectiveInstant", "performedDateTime", "issued"):
        v = getattr(res, attr, None)
        if v is not None:
            return _date(v)
    for attr in ("effectivePeriod", "performedPeriod"):
        p = getattr(res, attr, None)
        if p is not None and p.start is not None:
            return _date(p.start)
    return None


def _side_component(comps: dict[str, list[Any]], code: str, run: _Run, where: str) -> str | None:
    for c in comps.get(code, []):
        side = run.m.side(_codings(c.valueCodeableConcept))
        if side:
            return side
        run.warn(f"{where}: {code} {_show(c.valueCodeableConcept)} is not a single side; side not imported")
    return None
