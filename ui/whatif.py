"""What if: a case plus one hypothetical finding, and how the planner's plan changes.

The functions here only write the hypothetical finding into a copy of the case, in the
contract's own shape, choose a default finding among the studies not yet done, and line the
two plans up (the ranking, and what changes in the decision, the operation, the next tests and
the warnings); the planner does all the reasoning.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: The kinds of hypothetical finding, by the test code of the study that would give it.
KIND_TESTS = {"imaging": None, "venous_sampling": "selective_venous_sampling", "fna": "fna_pth_washout"}


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


def done_studies(case: Mapping[str, Any]) -> frozenset[str]:
    """The localizing studies the case already has, as test codes (each imaging modality, venous
    sampling, FNA washout).

    >>> sorted(done_studies({"imaging": [{"modality": "ultrasound"}], "fna": [{"site": "perrier_D"}]}))
    ['fna_pth_washout', 'ultrasound']
    """
    done = {str(im.get("modality")) for im in case.get("imaging") or [] if im.get("modality")}
    if case.get("venous_sampling"):
        done.add("selective_venous_sampling")
    if case.get("fna"):
        done.add("fna_pth_washout")
    return frozenset(done)


def default_modality(
    case: Mapping[str, Any],
    plan: Mapping[str, Any],
    modalities: Sequence[str],
    sensitivity: Mapping[str, float] | None = None,
) -> str:
    """The imaging study a what-if starts on: the plan's first suggested one not yet done, else the
    most sensitive not yet done (``sensitivity``: the graph's figures), else (every one done) the
    plan's first suggested or the first.

    >>> default_modality({"imaging": [{"modality": "ct_4d"}]}, {"next_tests": [{"test": "ct_4d"},
    ...     {"test": "fch_pet_ct"}]}, ["ultrasound", "ct_4d", "fch_pet_ct"])
    'fch_pet_ct'
    >>> default_modality({"imaging": [{"modality": "ultrasound"}]}, {}, ["ultrasound", "sestamibi_planar",
    ...     "fch_pet_ct"], {"sestamibi_planar": 0.46, "fch_pet_ct": 0.9})
    'fch_pet_ct'
    """
    done = done_studies(case)
    suggested = [str(t["test"]) for t in plan.get("next_tests") or [] if t.get("test") in modalities]
    rest = sorted(modalities, key=lambda m: -(sensitivity or {}).get(m, 0.0))  # stable: ties keep order
    for m in [*suggested, *rest]:
        if m not in done:
            return m
    return suggested[0] if suggested else modalities[0]


def default_kind(case: Mapping[str, Any], plan: Mapping[str, Any], modalities: Sequence[str]) -> str:
    """The kind of finding a what-if starts on (a key of :data:`KIND_TESTS`): the plan's first
    suggested study not yet done; else imaging while a modality is left, else a study not done.

    >>> default_kind({"imaging": [{"modality": "ultrasound"}]},
    ...     {"next_tests": [{"test": "selective_venous_sampling"}]}, ["ultrasound"])
    'venous_sampling'
    >>> default_kind({}, {"next_tests": [{"test": "laryngoscopy"}]}, ["ultrasound"])
    'imaging'
    """
    done = done_studies(case)
    by_test = {test: kind for kind, test in KIND_TESTS.items() if test}
    for t in plan.get("next_tests") or []:
        code = str(t.get("test"))
        if code in done:
            continue
        if code in modalities:
            return "imaging"
        if code in by_test:
            return by_test[code]
    if any(m not in done for m in modalities):
        return "imaging"
    return next((kind for kind, test in KIND_TESTS.items() if test and test not in done), "imaging")


def _first_operation(plan: Mapping[str, Any]) -> tuple[str, tuple[tuple[str, str | None], ...]] | None:
    ops = plan.get("operations") or []
    if not ops:
        return None
    op = ops[0]
    targets = op.get("targets") or ([{"site": op["site"], "side": op.get("side")}] if op.get("site") else [])
    return str(op["operation"]), tuple((str(t["site"]), t.get("side")) for t in targets)


@dataclass(frozen=True)
class PlanChange:
    """What the hypothetical finding changes beyond the ranking, as codes (the view names them)."""

    decision: tuple[str, str] | None
    operation: tuple[str | None, str | None] | None
    targets_changed: bool
    tests_added: tuple[str, ...]
    tests_dropped: tuple[str, ...]
    warnings_added: tuple[str, ...]

    @property
    def any(self) -> bool:
        """Whether anything a board acts on changes (the decision, operation, targets or tests)."""
        return bool(self.decision or self.operation or self.targets_changed or self.tests_added
                    or self.tests_dropped)  # fmt: skip


def plan_change(now: Mapping[str, Any], then: Mapping[str, Any]) -> PlanChange:
    """The decision, first operation and its targets, next tests and warnings of two plans, compared.

    >>> a = {"decision": "investigate", "operations": [], "next_tests": [{"test": "fch_pet_ct"}]}
    >>> b = {"decision": "operate", "operations": [{"operation": "focused_reexploration",
    ...      "targets": [{"site": "perrier_F", "side": "left"}]}], "next_tests": [{"test": "laryngoscopy"}]}
    >>> c = plan_change(a, b)
    >>> c.decision, c.operation, c.tests_added, c.tests_dropped, c.any
    (('investigate', 'operate'), (None, 'focused_reexploration'), ('laryngoscopy',), ('fch_pet_ct',), True)
    """
    op_a, op_b = _first_operation(now), _first_operation(then)
    tests_a = [str(t["test"]) for t in now.get("next_tests") or []]
    tests_b = [str(t["test"]) for t in then.get("next_tests") or []]
    warned = set(now.get("warnings") or [])
    return PlanChange(
        decision=(str(now.get("decision")), str(then.get("decision")))
        if now.get("decision") != then.get("decision")
        else None,
        operation=(op_a[0] if op_a else None, op_b[0] if op_b else None)
        if (op_a and op_a[0]) != (op_b and op_b[0])
        else None,
        targets_changed=bool(op_a and op_b and op_a[0] == op_b[0] and set(op_a[1]) != set(op_b[1])),
        tests_added=tuple(t for t in tests_b if t not in tests_a),
        tests_dropped=tuple(t for t in tests_a if t not in tests_b),
        warnings_added=tuple(w for w in then.get("warnings") or [] if w not in warned),
    )
