"""Normalize a valid case: canonical units, albumin-corrected calcium, the CCCR,
and lab series ordered relative to the last operation (day 0).

A reference range given with a value wins over the graph's default limits
(DESIGN.md clinical principles); both are converted into canonical units.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field, replace

from kg.knowledge import Evidence, Knowledge
from planner.models import Case, Lab
from planner.units import to_canonical


@dataclass(frozen=True)
class LabValue:
    analyte: str
    day: int
    value: float
    unit: str
    low: float | None
    high: float | None
    low_source: str  # "case" or the IRI of the default limit
    high_source: str
    raw: str

    def status(self) -> str:
        if self.high is not None and self.value > self.high:
            return "high"
        if self.low is not None and self.value < self.low:
            return "low"
        return "normal"


@dataclass(frozen=True)
class CalciumPoint:
    day: int
    value: float
    high: float | None
    low: float | None
    corrected: bool
    ionized: bool
    status: str
    text: str


@dataclass(frozen=True)
class SameDay:
    """Several values of one analyte on one day (canonical units, lowest first)."""

    analyte: str
    day: int
    values: tuple[LabValue, ...]
    spread: float  # (highest - lowest) / median
    conflicting: bool  # spread above the graph's same-day repeat tolerance

    @property
    def key(self) -> tuple[str, int]:
        return (self.analyte, self.day)

    def text(self, label: str) -> str:
        """``label`` is the analyte's name from the graph."""
        return f"{label} {' and '.join(v.raw for v in self.values)} on day {self.day}"


@dataclass
class Normalized:
    labs: dict[str, list[LabValue]] = field(default_factory=dict)
    calcium: list[CalciumPoint] = field(default_factory=list)
    cccr: float | None = None
    cccr_day: int | None = None
    cccr_text: str | None = None
    defaults_used: dict[str, Evidence] = field(default_factory=dict)
    repeats: list[SameDay] = field(default_factory=list)

    def series(self, analyte: str) -> list[LabValue]:
        return self.labs.get(analyte, [])

    def latest(self, analyte: str, after: int | None = None) -> LabValue | None:
        vals = [v for v in self.series(analyte) if after is None or v.day >= after]
        return vals[-1] if vals else None

    def nearest(self, analyte: str, day: int, window: int) -> LabValue | None:
        vals = [v for v in self.series(analyte) if abs(v.day - day) <= window]
        return min(vals, key=lambda v: (abs(v.day - day), -v.day)) if vals else None


def normalize(case: Case, kn: Knowledge, pick: dict[tuple[str, int], str] | None = None) -> Normalized:
    """Canonical lab series, one value per analyte and day, whatever the order of the case's list.

    Same-day repeats are combined by their median (:func:`_one_per_day`); ``pick`` reads one
    repeat at its ``"min"`` or ``"max"`` instead, so that the gates can be run with each end
    of a disagreement (:mod:`planner.consistency`).
    """
    out = Normalized()
    for lab in case.labs:
        value, unit = to_canonical(kn, lab.analyte, lab.value, lab.unit)
        factor = value / lab.value if lab.value else (to_canonical(kn, lab.analyte, 1.0, lab.unit)[0])

        def limit(
            given: float | None, which: str, lab: Lab = lab, factor: float = factor
        ) -> tuple[float | None, str]:
            if given is not None:
                return given * factor, "case"
            ev = kn.reference_limit(lab.analyte, which)
            if ev is None:
                return None, "none"
            out.defaults_used[f"{lab.analyte}:{which}"] = ev
            return ev.v, ev.iri

        low, ls = limit(lab.reference_low, "lower")
        high, hs = limit(lab.reference_high, "upper")
        out.labs.setdefault(lab.analyte, []).append(
            LabValue(lab.analyte, lab.day, value, unit, low, high, ls, hs, f"{lab.value:g} {lab.unit}")
        )
    tolerance = kn.param("same_day_repeat_tolerance").v
    for analyte, vals in out.labs.items():
        out.labs[analyte] = _one_per_day(vals, tolerance, pick or {}, out.repeats)
    _calcium(out, kn)
    _cccr(out, kn)
    return out


def _one_per_day(
    vals: list[LabValue], tolerance: float, pick: dict[tuple[str, int], str], repeats: list[SameDay]
) -> list[LabValue]:
    """One value per day: a lone value as it is; same-day repeats by their median (or ``pick``).

    Sorting by (day, value) first makes the series the same whatever the case's list order.
    """
    by_day: dict[int, list[LabValue]] = {}
    for v in sorted(vals, key=lambda v: (v.day, v.value, v.raw)):
        by_day.setdefault(v.day, []).append(v)
    out: list[LabValue] = []
    for day, group in by_day.items():
        if len(group) == 1 or len({v.value for v in group}) == 1:
            out.append(group[0])
            continue
        mid = statistics.median(v.value for v in group)
        spread = (group[-1].value - group[0].value) / mid if mid else math.inf
        repeats.append(SameDay(group[0].analyte, day, tuple(group), spread, spread > tolerance))
        how = pick.get((group[0].analyte, day), "median")
        if how == "min":
            out.append(group[0])
        elif how == "max":
            out.append(group[-1])
        else:
            raw = f"median {mid:g} {group[0].unit} of {', '.join(v.raw for v in group)}"
            out.append(replace(group[(len(group) - 1) // 2], value=mid, raw=raw))
    return out


def _calcium(out: Normalized, kn: Knowledge) -> None:
    ref = kn.param("albumin_correction_reference").v
    slope = kn.param("albumin_correction_slope").v
    for ca in out.series("calcium_total"):
        alb = out.nearest("albumin", ca.day, int(kn.param("albumin_pairing_days").v))
        value, corrected, text = ca.value, False, f"calcium {ca.value:.1f} mg/dL on day {ca.day}"
        if alb is not None and alb.value < ref:
            value = ca.value + slope * (ref - alb.value)
            corrected = True
            text = f"albumin-corrected calcium {value:.1f} mg/dL on day {ca.day} (measured {ca.value:.1f}, albumin {alb.value:.1f} g/dL)"
        status = (
            "high"
            if ca.high is not None and value > ca.high
            else "low"
            if ca.low is not None and value < ca.low
            else "normal"
        )
        out.calcium.append(CalciumPoint(ca.day, value, ca.high, ca.low, corrected, False, status, text))
    for ica in out.series("calcium_ionized"):
        out.calcium.append(
            CalciumPoint(
                ica.day,
                ica.value,
                ica.high,
                ica.low,
                False,
                True,
                ica.status(),
                f"ionized calcium {ica.raw} on day {ica.day}",
            )
        )
    out.calcium.sort(key=lambda c: (c.day, c.ionized))


def _cccr(out: Normalized, kn: Knowledge) -> None:
    window = int(kn.param("urine_pairing_days").v)
    for uca in reversed(out.series("urine_calcium_24h")):
        ucr = out.nearest("urine_creatinine_24h", uca.day, 0)
        sca = out.nearest("calcium_total", uca.day, window)
        scr = out.nearest("creatinine", uca.day, window)
        if ucr and sca and scr and sca.value > 0 and ucr.value > 0:
            out.cccr = (uca.value * scr.value) / (sca.value * ucr.value)
            out.cccr_day = uca.day
            out.cccr_text = (
                f"CCCR {out.cccr:.4f} on day {uca.day} = (urine Ca {uca.value:.0f} mg/24h x serum creatinine "
                f"{scr.value:.2f} mg/dL) / (serum Ca {sca.value:.1f} mg/dL x urine creatinine {ucr.value:.0f} mg/24h)"
            )
            return
    reported = out.latest("cccr")
    if reported is not None:
        out.cccr, out.cccr_day = reported.value, reported.day
        out.cccr_text = f"CCCR {reported.value:.4f} as reported on day {reported.day}"
