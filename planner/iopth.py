"""The IOPTH plan for the reoperation: the Miami criterion and the expected PTH decay."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kg.knowledge import Knowledge
from planner.normalize import Normalized


def expected_decay(c0: float, half_life: float, minutes: Sequence[float]) -> list[float]:
    """First-order decay C(t) = C0 * 2^(-t / t_half).

    >>> expected_decay(200, 4, [0, 4, 8])
    [200.0, 100.0, 50.0]
    """
    return [round(c0 * 2 ** (-t / half_life), 1) for t in minutes]


def iopth_plan(norm: Normalized, kn: Knowledge) -> dict[str, Any]:
    hl = kn.param("pth_half_life_minutes")
    drop = kn.param("miami_drop_fraction")
    at = kn.param("miami_minutes")
    pth = norm.latest("pth_intact")
    base = pth.value if pth else None
    minutes = [0, 5, 10, 15, 20]
    plan: dict[str, Any] = {
        "criterion": f"Miami: a fall of at least {drop.v:.0%} from the highest pre-excision value at {at.v:g} minutes",
        "drop_fraction": drop.v,
        "minutes": at.v,
        "half_life_minutes": [hl.lower, hl.upper],
        "sources": [drop.cite(), hl.cite()],
        "iris": [drop.iri, hl.iri],
    }
    if base:
        plan["baseline_pth"] = base
        plan["threshold_pth"] = round(base * (1 - drop.v), 1)
        plan["expected"] = {
            "minutes": minutes,
            "fast": expected_decay(base, hl.lower or 3, minutes),
            "slow": expected_decay(base, hl.upper or 5, minutes),
        }
    egfr = norm.latest("egfr")
    ckd = kn.param("ckd_egfr_below")
    if egfr is not None and egfr.value < ckd.v:
        late = kn.param("iopth_ckd_delayed_minutes")
        plan["renal_note"] = (
            f"eGFR {egfr.value:.0f}: PTH falls more slowly; read a {late.v:g}-minute sample before "
            "calling the operation incomplete."
        )
    return plan


def miami_check(pre_excision: list[float], samples: dict[float, float], kn: Knowledge) -> dict[str, Any]:
    """Is the Miami criterion met? ``pre_excision``: the baseline values; ``samples``: minute -> PTH.

    The drop is read at the graph's decision minute (the first sample at or after it).

    >>> from kg.knowledge import knowledge
    >>> miami_check([180, 160], {5: 110, 10: 70}, knowledge())["met"]
    True
    >>> miami_check([180], {10: 120}, knowledge())["met"]
    False
    """
    drop = kn.param("miami_drop_fraction").v
    at = kn.param("miami_minutes").v
    if not pre_excision:
        return {"met": None, "reason": "no pre-excision value"}
    base = max(pre_excision)
    later = sorted(m for m in samples if m >= at)
    if not later or base <= 0:
        return {"met": None, "reason": f"no sample at or after {at:g} minutes", "baseline": base}
    minute = later[0]
    fall = 1 - samples[minute] / base
    return {
        "met": fall >= drop,
        "fall": round(fall, 4),
        "baseline": base,
        "minute": minute,
        "threshold": round(base * (1 - drop), 1),
        "reason": f"{fall:.0%} fall from {base:g} at {minute:g} min (criterion: {drop:.0%} at {at:g} min)",
    }
