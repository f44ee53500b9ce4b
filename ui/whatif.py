"""What if: a case plus one hypothetical finding, and how the planner's ranking changes.

The functions here only write the hypothetical finding into a copy of the case, in the
contract's own shape, and line the two plans up; the planner does all the reasoning.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


def last_day(case: Mapping[str, Any]) -> int:
    """The latest day recorded anywhere in the case (0 when none).

    >>> last_day({"labs": [{"day": 240}], "imaging": [{"day": 265}]})
    265
    """
    days = [0]
    for key in ("labs", "imaging", "venous_sampling", "fna"):
        days += [
            int(x["day"]) for x in case.get(key) or [] if isinstance(x, Mapping) and x.get("day") is not None
        ]
    return max(days)


def latest_pth(case: Mapping[str, Any]) -> tuple[float, str] | None:
    """The most recent intact PTH (value, unit) of the case, for default values.

    >>> latest_pth({"labs": [{"analyte": "pth_intact", "value": 90, "unit": "pg/mL", "day": 1},
    ...                      {"analyte": "pth_intact", "value": 120, "unit": "pg/mL", "day": 9}]})
    (120.0, 'pg/mL')
    """
    labs = [x for x in case.get("labs") or [] if x.get("analyte") == "pth_intact"]
    if not labs:
        return None
    lab = max(labs, key=lambda x: int(x.get("day", 0)))
    return float(lab["value"]), str(lab["unit"])


def _with(case: Mapping[str, Any], key: str, item: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(dict(case))
    out[key] = [*out.get(key, []), {k: v for k, v in item.items() if v is not None}]
    return out


def add_imaging(
    case: Mapping[str, Any],
    modality: str,
    result: str,
    site: str | None,
    side: str | None,
    day: int | None = None,
    size_mm: float | None = None,
) -> dict[str, Any]:
    """The case with one more imaging result (after everything else unless ``day`` is given).

    >>> add_imaging({"id": "x"}, "ct_4d", "positive", "perrier_F", "left")["imaging"]
    [{'modality': 'ct_4d', 'result': 'positive', 'site': 'perrier_F', 'side': 'left', 'day': 1}]
    """
    return _with(
        case,
        "imaging",
        {
            "modality": modality,
            "result": result,
            "site": site,
            "side": side,
            "day": last_day(case) + 1 if day is None else day,
            "size_mm": size_mm,
        },
    )


def add_venous_sampling(
    case: Mapping[str, Any],
    vein: str,
    side: str | None,
    pth: float,
    peripheral: float,
    unit: str,
    day: int | None = None,
) -> dict[str, Any]:
    """The case with one more venous-sampling session holding one sample.

    >>> case = add_venous_sampling({"id": "x"}, "thymic_vein", "midline", 400, 100, "pg/mL")
    >>> case["venous_sampling"][0]["samples"]
    [{'vein': 'thymic_vein', 'side': 'midline', 'pth': 400}]
    """
    sample = {k: v for k, v in {"vein": vein, "side": side, "pth": pth}.items() if v is not None}
    return _with(
        case,
        "venous_sampling",
        {
            "unit": unit,
            "peripheral_pth": peripheral,
            "samples": [sample],
            "day": last_day(case) + 1 if day is None else day,
        },
    )


def add_fna(
    case: Mapping[str, Any],
    site: str,
    side: str | None,
    washout: float,
    serum: float | None,
    unit: str,
    cytology: str | None = None,
    day: int | None = None,
) -> dict[str, Any]:
    """The case with one more FNA and PTH washout.

    >>> add_fna({"id": "x"}, "intrathyroidal", "right", 5000, 120, "pg/mL")["fna"][0]["pth_washout"]
    5000
    """
    return _with(
        case,
        "fna",
        {
            "site": site,
            "side": side,
            "unit": unit,
            "pth_washout": washout,
            "serum_pth": serum,
            "cytology": cytology,
            "day": last_day(case) + 1 if day is None else day,
        },
    )


@dataclass(frozen=True)
class Change:
    """One location in the two plans: its rank and its own chance of holding tissue, now and with the finding.

    Each chance is the place's own (the places are not shares of one whole), so a place can rise
    without another falling; ``delta`` is the change of that one place's chance.
    """

    site: str
    side: str | None
    rank_now: int | None
    rank_then: int | None
    p_now: float
    p_then: float

    @property
    def delta(self) -> float:
        return self.p_then - self.p_now

    @property
    def movement(self) -> str:
        """Rank movement in words and arrows (never by colour alone)."""
        if self.rank_now is None:
            return "new"
        if self.rank_then is None:
            return "dropped out"
        if self.rank_then < self.rank_now:
            return f"▲ up {self.rank_now - self.rank_then}"
        if self.rank_then > self.rank_now:
            return f"▼ down {self.rank_then - self.rank_now}"
        return "= same rank"


def compare(now: Mapping[str, Any], then: Mapping[str, Any]) -> list[Change]:
    """Every location of either plan, in the order of the plan with the finding.

    >>> a = {"locations": [{"rank": 1, "site": "perrier_E", "side": "right", "probability": 0.6},
    ...                    {"rank": 2, "site": "perrier_F", "side": "left", "probability": 0.4}]}
    >>> b = {"locations": [{"rank": 1, "site": "perrier_F", "side": "left", "probability": 0.9},
    ...                    {"rank": 2, "site": "perrier_E", "side": "right", "probability": 0.1}]}
    >>> [(c.site, c.movement) for c in compare(a, b)]
    [('perrier_F', '▲ up 1'), ('perrier_E', '▼ down 1')]
    """

    def index(plan: Mapping[str, Any]) -> dict[tuple[str, str | None], tuple[int, float]]:
        return {
            (x["site"], x.get("side")): (int(x["rank"]), float(x["probability"]))
            for x in plan.get("locations", [])
        }

    a, b = index(now), index(then)
    keys = sorted(set(a) | set(b), key=lambda k: (b.get(k, (999, 0))[0], a.get(k, (999, 0))[0]))
    return [
        Change(
            site,
            side,
            a.get((site, side), (None, 0.0))[0],
            b.get((site, side), (None, 0.0))[0],
            a.get((site, side), (None, 0.0))[1],
            b.get((site, side), (None, 0.0))[1],
        )
        for site, side in keys
    ]
