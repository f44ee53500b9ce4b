"""Cohort audit: the plans of past cases against what surgery found.

A unit's morbidity-and-mortality view of the planner: for every case with a recorded
outcome (``case_id, found_site, found_side, cured`` and optionally ``also_found``), where the
gland was found is looked up in the plan's ranked locations. The audit reports, per site and
overall, how often the found site was ranked first and in the top three, and how well
calibrated the plan's figures are.

Since issue 11 a plan's ``locations[i].probability`` is that place's own chance of holding
hyperfunctioning tissue (several glands can be diseased at once, so they may sum to more than
one), and ``sources`` is the posterior on the number of separate sources. The audit therefore
scores each listed location as its own yes/no prediction, not the locations as one
distribution, and scores ``sources`` separately.

Definitions (also in the README):

- A location *matches* a found gland when the site is the same and the side is the same; a
  missing side, a location without a side, and a site without a side (``sites_without_side``)
  match on the site alone. Several locations matching one found gland (no side recorded) are
  merged into one prediction whose probability is the largest of theirs (per-place
  probabilities do not add). A found gland with a side claims its match before one without.
- Each found gland is one prediction that came true (y = 1) at its merged probability, or at
  probability 0 when no listed location matches it (a miss: a plan that ranked nothing, a halt
  or a defer, scores 1 there). Every other listed location is a prediction that did not (y = 0).
- Brier score (binary, Brier 1950): the mean of (p - y)^2 over these predictions, pooled over
  the cases (overall and per found site); 0 best, 1 worst. The reliability table (ten bins)
  uses the same predictions.
- The outcomes name one gland per case in ``found_site``; a case where several glands were found
  credits only that one unless ``also_found`` (``site:side;site:side``) lists the others.
- Number of sources: when the file has an ``also_found`` column, a case with a found gland has
  1 + len(also_found) sources (3 or more counts as "3+"), and the plan's ``sources`` is scored
  with the three-category Brier score, sum over "1", "2", "3+" of (p - y)^2 (0 best, 2 worst).
  Without the column the file does not say whether the gland was the only one, so the
  number of sources is not scored.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from ontology.errors import ParaReopError
from planner.contract_files import load

COLUMNS = ("case_id", "found_site", "found_side", "cured")
#: Optional column: further glands found at the same operation, ``site:side`` separated by ``;``.
ALSO_FOUND = "also_found"
TRUE = {"true", "yes", "y", "1"}
FALSE = {"false", "no", "n", "0"}
BINS = 10
SOURCE_CATEGORIES = ("1", "2", "3+")

Gland = tuple[str, str | None]


class AuditError(ParaReopError):
    """An unusable outcomes file (the message names the line and the field)."""


@dataclass(frozen=True)
class Outcome:
    """One case's outcome; ``also_found`` is None when the file has no such column (not recorded)."""

    case_id: str
    found_site: str | None
    found_side: str | None
    cured: bool | None
    also_found: tuple[Gland, ...] | None = None

    @property
    def glands(self) -> tuple[Gland, ...]:
        """Every gland found: the named one first, then ``also_found``.

        >>> Outcome("a", "perrier_F", "left", True, (("perrier_A", None),)).glands
        (('perrier_F', 'left'), ('perrier_A', None))
        """
        if self.found_site is None:
            return ()
        return ((self.found_site, self.found_side), *(self.also_found or ()))

    @property
    def n_found(self) -> int | None:
        """How many glands were found, when the outcome says (None without ``also_found``).

        >>> Outcome("a", "perrier_F", "left", True).n_found is None
        True
        >>> Outcome("a", "perrier_F", "left", True, ()).n_found
        1
        """
        if self.found_site is None or self.also_found is None:
            return None
        return 1 + len(self.also_found)


@dataclass
class CaseScore:
    case_id: str
    found_site: str
    found_side: str | None
    rank: int | None
    p_found: float
    brier: float
    cured: bool | None
    pairs: list[tuple[float, int]] = field(default_factory=list)
    also_found: list[Gland] = field(default_factory=list)
    predictions: int = 0


@dataclass
class SiteRow:
    site: str
    n: int
    top1: int
    top3: int
    cured: int
    cured_known: int
    brier: float = math.nan
    predictions: int = 0

    @property
    def top1_rate(self) -> float:
        return self.top1 / self.n if self.n else math.nan

    @property
    def top3_rate(self) -> float:
        return self.top3 / self.n if self.n else math.nan


@dataclass
class ReliabilityBin:
    low: float
    high: float
    n: int
    mean_predicted: float
    observed: float


@dataclass
class SourcesRow:
    """One category of the number of sources: mean predicted probability vs observed share."""

    category: str
    mean_predicted: float
    observed: float


@dataclass
class SourcesCalibration:
    """The calibration of the plans' ``sources`` against how many glands were found."""

    recorded: bool  # the outcomes file has an also_found column
    n: int
    brier: float
    categories: list[SourcesRow]
    without_sources: list[str]  # found, but the plan gave no sources (a halt, a defer)


@dataclass
class Audit:
    cases: list[CaseScore]
    sites: list[SiteRow]
    overall: SiteRow
    reliability: list[ReliabilityBin]
    brier: float
    not_operated: list[str]
    without_outcome: list[str]
    without_plan: list[str]
    invalid: list[str]
    sources: SourcesCalibration | None = None

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        for row, src in zip(out["sites"] + [out["overall"]], self.sites + [self.overall], strict=True):
            row["top1_rate"], row["top3_rate"] = _nan_none(src.top1_rate), _nan_none(src.top3_rate)
            row["brier"] = _nan_none(src.brier)
        for c in out["cases"]:
            c.pop("pairs")
            c["brier"] = _nan_none(c["brier"])
        out["brier"] = _nan_none(self.brier)
        out["brier_kind"] = "binary, per listed location (0 best, 1 worst)"
        for b in out["reliability"] + (out["sources"] or {}).get("categories", []):
            b["mean_predicted"], b["observed"] = _nan_none(b["mean_predicted"]), _nan_none(b["observed"])
        if out["sources"]:
            out["sources"]["brier"] = _nan_none(out["sources"]["brier"])
        return out


def _nan_none(x: float) -> float | None:
    return None if math.isnan(x) else round(x, 4)


# ---------------------------------------------------------------------------- scoring


def _matches(loc: Mapping[str, Any], gland: Gland, unsided: set[str]) -> bool:
    site, side = gland
    if loc["site"] != site:
        return False
    return side is None or loc.get("side") in (None, side) or site in unsided


def location_predictions(
    locs: Sequence[Mapping[str, Any]], glands: Sequence[Gland], unsided: set[str]
) -> list[tuple[float, int]]:
    """The yes/no predictions a plan's locations make, as (probability, came true) pairs.

    Each found gland claims the listed locations that match it and not yet claimed (glands with
    a side first, so that an unsided one does not take a sided one's place); its claim is one
    prediction at the largest probability (per-place figures do not add), or (0, 1) when nothing
    listed matches (a miss). The same unsided gland named twice (both inferior glands, sides not
    recorded) takes one place per mention. Every location left unclaimed is a prediction that did
    not come true.

    >>> locs = [{"site": "perrier_E", "side": "right", "probability": 0.5},
    ...         {"site": "perrier_E", "side": "left", "probability": 0.3},
    ...         {"site": "perrier_F", "side": "right", "probability": 0.2}]
    >>> location_predictions(locs, [("perrier_E", None)], set())
    [(0.5, 1), (0.2, 0)]
    >>> location_predictions(locs, [("perrier_E", None), ("perrier_E", "left")], set())
    [(0.5, 1), (0.3, 1), (0.2, 0)]
    >>> location_predictions(locs, [("perrier_E", None), ("perrier_E", None)], set())
    [(0.5, 1), (0.3, 1), (0.2, 0)]
    """
    order = sorted(range(len(glands)), key=lambda k: glands[k][1] is None or glands[k][0] in unsided)
    claimed: set[int] = set()
    hits: dict[int, float] = {}
    for n, k in enumerate(order):
        mine = [i for i, loc in enumerate(locs) if i not in claimed and _matches(loc, glands[k], unsided)]
        mine.sort(key=lambda i: -float(locs[i]["probability"]))
        if any(glands[j] == glands[k] for j in order[n + 1 :]):
            mine = mine[:1]  # the same gland named again (two unsided ones): one place each
        claimed.update(mine)
        hits[k] = float(locs[mine[0]]["probability"]) if mine else 0.0
    pairs = [(hits[k], 1) for k in range(len(glands))]
    return pairs + [(float(loc["probability"]), 0) for i, loc in enumerate(locs) if i not in claimed]


def brier(pairs: Iterable[tuple[float, int]]) -> float:
    """Mean binary Brier score of (probability, outcome) pairs: 0 best, 1 worst; nan if none.

    >>> round(brier([(0.7, 1), (0.2, 0), (0.1, 0)]), 4)
    0.0467
    """
    terms = [(p - y) ** 2 for p, y in pairs]
    return sum(terms) / len(terms) if terms else math.nan


def score_case(plan: Mapping[str, Any], o: Outcome, unsided: set[str] | None = None) -> CaseScore:
    """Score one plan against one outcome with a found site.

    The rank and ``p_found`` are those of the named gland (``found_site``) alone, so top-1 and
    top-3 mean what they did before ``also_found``; the Brier score uses every found gland.

    >>> plan = {"case_id": "a", "locations": [
    ...     {"rank": 1, "site": "perrier_F", "side": "left", "probability": 0.6},
    ...     {"rank": 2, "site": "perrier_E", "side": "left", "probability": 0.3}]}
    >>> s = score_case(plan, Outcome("a", "perrier_E", "left", True))
    >>> s.rank, round(s.p_found, 2), round(s.brier, 3)  # ((0.3-1)^2 + 0.6^2) / 2
    (2, 0.3, 0.425)
    """
    assert o.found_site is not None
    if unsided is None:
        unsided = set(load("vocabulary.json")["sites_without_side"])
    locs = sorted(plan.get("locations") or [], key=lambda x: x["rank"])
    matched = [loc for loc in locs if _matches(loc, o.glands[0], unsided)]
    pairs = location_predictions(locs, o.glands, unsided)
    return CaseScore(
        plan.get("case_id", o.case_id),
        o.found_site,
        o.found_side,
        matched[0]["rank"] if matched else None,
        max((float(loc["probability"]) for loc in matched), default=0.0),
        brier(pairs),
        o.cured,
        pairs,
        list(o.also_found or ()),
        len(pairs),
    )


def _site_row(site: str, scores: list[CaseScore]) -> SiteRow:
    pairs = [pr for s in scores for pr in s.pairs]
    return SiteRow(
        site,
        len(scores),
        sum(1 for s in scores if s.rank == 1),
        sum(1 for s in scores if s.rank is not None and s.rank <= 3),
        sum(1 for s in scores if s.cured),
        sum(1 for s in scores if s.cured is not None),
        brier(pairs),
        len(pairs),
    )


def reliability(pairs: Iterable[tuple[float, int]], bins: int = BINS) -> list[ReliabilityBin]:
    """Ten equal-width bins of predicted probability: count, mean prediction, observed rate.

    >>> [(b.n, b.observed) for b in reliability([(0.05, 0), (0.05, 1), (0.95, 1)]) if b.n]
    [(2, 0.5), (1, 1.0)]
    """
    groups: list[list[tuple[float, int]]] = [[] for _ in range(bins)]
    for p, y in pairs:
        groups[min(bins - 1, int(p * bins))].append((p, y))
    out = []
    for i, g in enumerate(groups):
        n = len(g)
        out.append(
            ReliabilityBin(
                i / bins,
                (i + 1) / bins,
                n,
                sum(p for p, _ in g) / n if n else math.nan,
                sum(y for _, y in g) / n if n else math.nan,
            )
        )
    return out


def source_category(n: int) -> str:
    """The ``sources`` category of a number of glands found.

    >>> [source_category(n) for n in (1, 2, 3, 4)]
    ['1', '2', '3+', '3+']
    """
    return "1" if n == 1 else "2" if n == 2 else "3+"


def sources_brier(sources: Mapping[str, float], n_found: int) -> float:
    """Three-category Brier score of a plan's ``sources`` when ``n_found`` glands were found.

    A plan that says one source with 0.8 when two were found: 0.8^2 + 0.8^2 + 0^2.

    >>> round(sources_brier({"1": 0.8, "2": 0.2, "3+": 0.0}, 2), 4)
    1.28
    """
    seen = source_category(n_found)
    return sum((float(sources.get(c, 0.0)) - (c == seen)) ** 2 for c in SOURCE_CATEGORIES)


def sources_calibration(
    plans: Mapping[str, Mapping[str, Any]], outcomes: Iterable[Outcome], recorded: bool
) -> SourcesCalibration:
    """Score ``sources`` on the planned cases whose outcome says how many glands were found.

    >>> plan = {"sources": {"1": 0.9, "2": 0.1, "3+": 0.0}}
    >>> c = sources_calibration({"a": plan}, [Outcome("a", "perrier_F", "left", True, ())], True)
    >>> c.n, round(c.brier, 4), [(r.category, r.observed) for r in c.categories]
    (1, 0.02, [('1', 1.0), ('2', 0.0), ('3+', 0.0)])
    """
    scored: list[tuple[Mapping[str, float], int]] = []
    without = []
    for o in outcomes:
        if o.case_id not in plans or o.n_found is None:
            continue
        src = plans[o.case_id].get("sources")
        if src:
            scored.append((src, o.n_found))
        else:
            without.append(o.case_id)
    n = len(scored)
    rows = [
        SourcesRow(
            c,
            sum(float(s.get(c, 0.0)) for s, _ in scored) / n if n else math.nan,
            sum(source_category(k) == c for _, k in scored) / n if n else math.nan,
        )
        for c in SOURCE_CATEGORIES
    ]
    total = sum(sources_brier(s, k) for s, k in scored)
    return SourcesCalibration(recorded, n, total / n if n else math.nan, rows, sorted(without))


def audit(plans: list[Mapping[str, Any]], outcomes: Mapping[str, Outcome]) -> Audit:
    """Audit plans (as ``Plan.to_json()`` or error entries of ``parareop plan``) against outcomes.

    >>> plan = {"case_id": "a", "locations": [{"rank": 1, "site": "perrier_F", "side": "left",
    ...         "probability": 0.9}, {"rank": 2, "site": "perrier_A", "side": "left", "probability": 0.2}]}
    >>> a = audit([plan], {"a": Outcome("a", "perrier_F", "left", True)})
    >>> a.overall.top1, round(a.brier, 3)  # (0.1^2 + 0.2^2) / 2
    (1, 0.025)
    """
    unsided = set(load("vocabulary.json")["sites_without_side"])
    by_id = {p["case_id"]: p for p in plans if "case_id" in p and "error" not in p}
    invalid = sorted(str(p.get("case_file", "?")) for p in plans if "error" in p)
    scores, not_operated = [], []
    for cid, o in sorted(outcomes.items()):
        if cid not in by_id:
            continue
        if o.found_site is None:
            not_operated.append(cid)
            continue
        scores.append(score_case(by_id[cid], o, unsided))
    per_site: dict[str, list[CaseScore]] = {}
    for s in scores:
        per_site.setdefault(s.found_site, []).append(s)
    overall = _site_row("overall", scores)
    recorded = any(o.also_found is not None for o in outcomes.values())
    return Audit(
        cases=scores,
        sites=[_site_row(site, per_site[site]) for site in sorted(per_site)],
        overall=overall,
        reliability=reliability(pr for s in scores for pr in s.pairs),
        brier=overall.brier,
        not_operated=not_operated,
        without_outcome=sorted(set(by_id) - set(outcomes)),
        without_plan=sorted(set(outcomes) - set(by_id)),
        invalid=invalid,
        sources=sources_calibration(by_id, [outcomes[k] for k in sorted(outcomes)], recorded),
    )
