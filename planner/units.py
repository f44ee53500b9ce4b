"""Unit conversion into each analyte's canonical unit, with factors from the graph."""

from __future__ import annotations

from kg.knowledge import Knowledge


class UnitError(ValueError):
    """A unit the graph cannot convert for this analyte."""


def to_canonical(kn: Knowledge, analyte: str, value: float, unit: str) -> tuple[float, str]:
    """Convert ``value`` in ``unit`` into the analyte's canonical unit.

    Examples
    --------
    >>> from kg.knowledge import knowledge
    >>> round(to_canonical(knowledge(), "calcium_total", 2.5, "mmol/L")[0], 2)
    10.02
    """
    canon = kn.canonical_unit.get(analyte)
    if canon is None:
        raise UnitError(f"the graph has no canonical unit for {analyte}")
    if unit == canon:
        return value, canon
    conv = kn.conversions.get((analyte, unit))
    if conv is None:
        raise UnitError(f"no conversion from {unit} to {canon} for {analyte}")
    return value * conv.v, canon


def pth_to_canonical(kn: Knowledge, value: float, unit: str) -> float:
    return to_canonical(kn, "pth_intact", value, unit)[0]
