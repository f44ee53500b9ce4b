"""Where the hyperfunctioning tissue is: a posterior over causes and *sets* of places.

More than one gland can be diseased at once. A hypothesis is a cause together with the places
that hold hyperfunctioning tissue: one place under a single-gland cause (a missed or
supernumerary gland, a remnant, a graft, a carcinoma, the seeded bed); under multiglandular
disease as many as remain of a double adenoma or a hyperplasia after the glands removed before
(``source_counts``, from the graph's ``mgd_double_adenoma_share``): two or more, or one when the
other adenoma of a pair was taken out. Every finding is weighed against the whole set
(``likelihood.set_likelihood``): a study that shows two lesions is evidence for two sources, not
for one of two places; a place in the set that a study looked at and did not see was missed.

From the posterior come, for each place, the probability that it holds hyperfunctioning tissue
(these may sum to more than one), the causes, and the number of sources
(``{"1": p, "2": p, "3+": p}``, summing to one). Sets are drawn from the leading candidates
only (``SET_CANDIDATES``, a bound on computation, not a clinical figure).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from itertools import combinations
from typing import NamedTuple

from kg.knowledge import Knowledge
from planner.findings import Finding
from planner.likelihood import Claims, claims, figure_cause, set_likelihood
from planner.places import Loc, loc_matches

#: Places combined into sets under multiglandular disease (speed, not clinical: 15 pairs and
#: 20 triples; the rest of the distribution is left to single places).
SET_CANDIDATES = 6
#: Largest set built; a set of three stands for "three or more" sources.
MAX_SET = 3
MULTIGLANDULAR = "multiglandular_disease"
#: Hypotheses under e^-16 (about 1e-7) of the best are dropped (speed; far below any displayed figure).
NEGLIGIBLE_LOG = -16.0


class Hypothesis(NamedTuple):
    """One cause with the places that hold hyperfunctioning tissue under it (sorted).

    A named tuple rather than a frozen dataclass: the posterior hashes one per hypothesis many
    times a plan, and a tuple's hash is computed in C (same fields, order and equality).

    >>> Hypothesis("missed_single_gland", (("perrier_F", "left"),)).places
    (('perrier_F', 'left'),)
    """

    cause: str
    places: tuple[Loc, ...]


#: A finding's read at one place under one cause: (finding index, place, cause).
ReadKey = tuple[int, Loc, str]


@dataclass(frozen=True)
class _Memo:
    """What :func:`source_posterior` computes once. A finding is read under the cause its figures
    depend on (``likelihood.figure_cause``: most causes share one), so per finding and cause that
    figure cause; per (place, the figure causes of every finding) the log-likelihood of a set of
    one; per (finding, place, figure cause) the finding's read there."""

    findings: list[Finding]
    singles: dict[tuple[Loc, tuple[str, ...]], float] = field(default_factory=dict)
    reads: dict[ReadKey, Claims] = field(default_factory=dict)
    figure_causes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    pool: list[Loc] = field(default_factory=list)  # the places sets are drawn from
    claimers: dict[int, frozenset[Loc]] = field(default_factory=dict)  # per finding, over the pool

    def causes_for(self, kn: Knowledge, cause: str) -> tuple[str, ...]:
        hit = self.figure_causes.get(cause)
        if hit is None:
            hit = self.figure_causes[cause] = tuple(
                figure_cause(kn, x.modality, cause) for x in self.findings
            )
        return hit


@dataclass(frozen=True)
class SourcePosterior:
    """The normalized posterior over hypotheses, and what the plan reads from it."""

    weights: Mapping[Hypothesis, float]
    #: The per-place reads of each finding (finding index, place, figure cause) computed on the
    #: way, so the explanation reuses them (``read``).
    reads: Mapping[ReadKey, Claims] = field(default_factory=dict, compare=False, repr=False)

    def read(self, kn: Knowledge, i: int, x: Finding, loc: Loc, cause: str) -> Claims:
        """Finding ``i`` (``x``) read at one place under a cause: the read made on the way, or made now."""
        fcause = figure_cause(kn, x.modality, cause)
        return self.reads.get((i, loc, fcause)) or claims(kn, x, loc, fcause)

    @cached_property
    def _shares(self) -> dict[tuple[str, Loc], float]:
        out: dict[tuple[str, Loc], float] = {}
        for h, p in self.weights.items():
            for loc in h.places:
                out[(h.cause, loc)] = out.get((h.cause, loc), 0.0) + p
        return out

    def inclusion(self) -> dict[Loc, float]:
        """P(the place holds hyperfunctioning tissue), for every place in some hypothesis."""
        out: dict[Loc, float] = {}
        for (_, loc), p in self._shares.items():
            out[loc] = out.get(loc, 0.0) + p
        return {loc: min(p, 1.0) for loc, p in out.items()}

    def causes(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for h, p in self.weights.items():
            out[h.cause] = out.get(h.cause, 0.0) + p
        return out

    def share(self, cause: str, loc: Loc) -> float:
        """P(the cause, and tissue at this place)."""
        return self._shares.get((cause, loc), 0.0)

    def sources(self) -> dict[str, float]:
        """The posterior on the number of separate sources: ``{"1": p, "2": p, "3+": p}``.

        >>> post = SourcePosterior({Hypothesis("a", (("x", None),)): 0.25,
        ...                         Hypothesis("b", (("x", None), ("y", None))): 0.75})
        >>> post.sources()
        {'1': 0.25, '2': 0.75, '3+': 0.0}
        """
        out = {"1": 0.0, "2": 0.0, "3+": 0.0}
        for h, p in self.weights.items():
            out["1" if len(h.places) == 1 else "2" if len(h.places) == 2 else "3+"] += p
        return out

    @cached_property
    def places(self) -> tuple[Loc, ...]:
        """Every place some hypothesis holds, once."""
        return tuple(dict.fromkeys(loc for h in self.weights for loc in h.places))

    @cached_property
    def _by_places(self) -> tuple[dict[Loc, float], list[tuple[frozenset[Loc], float]]]:
        """The weights summed over causes: per single place, and per set of two or more."""
        single: dict[Loc, float] = {}
        several: dict[tuple[Loc, ...], float] = {}
        for h, p in self.weights.items():
            if len(h.places) == 1:
                single[h.places[0]] = single.get(h.places[0], 0.0) + p
            else:
                several[h.places] = several.get(h.places, 0.0) + p
        return single, [(frozenset(s), p) for s, p in several.items()]

    def reach(self, reached: Callable[[Loc], bool]) -> float:
        """P(every source lies where ``reached`` says an operation goes): its chance of cure."""
        single, several = self._by_places
        ok = {loc for loc in self.places if reached(loc)}
        return sum(p for loc, p in single.items() if loc in ok) + sum(p for s, p in several if s <= ok)


def several_likely(sources: Mapping[str, float] | None) -> bool:
    """Whether two or more separate sources are at least as likely as one (a plan's ``sources``):
    the one rule behind "several glands likely" on the board and in a CDS card.

    >>> several_likely({"1": 0.3, "2": 0.5, "3+": 0.2}), several_likely({"1": 0.9, "2": 0.1, "3+": 0.0})
    (True, False)
    >>> several_likely(None)
    False
    """
    if not sources:
        return False
    return float(sources.get("2") or 0.0) + float(sources.get("3+") or 0.0) >= float(sources.get("1") or 0.0)


def _log_likelihood(kn: Knowledge, places: tuple[Loc, ...], cause: str, memo: _Memo) -> float:
    """log P(findings | tissue at every place of the set), each finding weighed against the set.

    A finding where at most one place of the set explains a reported item reads as the product
    of each place's own best (its term in the set-of-one likelihood), so a set starts from the sum
    of its places' set-of-one log-likelihoods and only the findings where two places want items
    are weighed again with the assignment (``set_likelihood``).
    """
    fc = memo.causes_for(kn, cause)
    total = 0.0
    for loc in places:
        total += _single(kn, loc, fc, memo)
    if len(places) == 1:
        return total
    for i, x in enumerate(memo.findings):
        wanted = memo.claimers[i] if i in memo.claimers else _claimers(kn, i, x, fc[i], memo)
        hits = 0
        for loc in places:  # (a loop, not a generator: this runs for every set of every plan)
            if loc in wanted:
                hits += 1
        if hits < 2:
            continue  # each place takes its own best: already in the sum
        reads = [_read(kn, i, x, loc, fc[i], memo) for loc in places]
        total += math.log(max(set_likelihood(reads), 1e-12)) - sum(r.log_best for r in reads)
    return total


def _single(kn: Knowledge, loc: Loc, fc: tuple[str, ...], memo: _Memo) -> float:
    """log P(findings | tissue at this one place), memoized per place and figure causes."""
    key = (loc, fc)
    hit = memo.singles.get(key)
    if hit is None:
        hit = 0.0
        for i, x in enumerate(memo.findings):
            hit += _read(kn, i, x, loc, fc[i], memo).log_best
        memo.singles[key] = hit
    return hit


def _claimers(kn: Knowledge, i: int, x: Finding, fcause: str, memo: _Memo) -> frozenset[Loc]:
    """The places (of the set pool) that explain some reported item of finding ``i``; which items a
    place can explain does not depend on the cause, so one set serves every cause."""
    hit = memo.claimers[i] = frozenset(loc for loc in memo.pool if _read(kn, i, x, loc, fcause, memo).claims)
    return hit


def _read(kn: Knowledge, i: int, x: Finding, loc: Loc, fcause: str, memo: _Memo) -> Claims:
    """Finding ``i`` read at one place under its figure cause (memoized)."""
    key = (i, loc, fcause)
    c = memo.reads.get(key)
    if c is None:
        c = memo.reads[key] = claims(kn, x, loc, fcause)
    return c


@dataclass(frozen=True)
class Glands:
    """What the record says about the glands for counting sources."""

    in_situ: int  # normal positions not removed
    removed: int  # glands removed before that were not shown to be normal
    every: bool = False  # a syndrome that involves every gland (MEN1)


def source_counts(kn: Knowledge, glands: Glands) -> dict[int, float]:
    """P(k sources remain | multiglandular disease).

    A double adenoma (the graph's share) leaves two less the abnormal glands removed before. A
    hyperplasia involves every gland left in situ, but asymmetrically (Kebebew 2006: "asymmetric
    4-gland hyperplasia"), so one of them may be too small to matter: it leaves two or three-and-more
    sources, taken as equally likely (an assumption); a set of three stands for three or more, and a
    supernumerary gland for the only source when no gland is left. In a syndrome that involves
    every gland (``prp:involvesEveryGland``) there is no double adenoma.

    >>> from kg.knowledge import knowledge
    >>> {k: round(p, 2) for k, p in source_counts(knowledge(), Glands(in_situ=3, removed=1)).items()}
    {1: 0.42, 2: 0.29, 3: 0.29}
    >>> source_counts(knowledge(), Glands(in_situ=3, removed=1, every=True))
    {2: 0.5, 3: 0.5}
    """
    two = 0.0 if glands.every else kn.param("mgd_double_adenoma_share").v
    out: dict[int, float] = {}
    if 2 - glands.removed >= 1 and two > 0:
        out[2 - glands.removed] = two
    left = max(1, min(glands.in_situ, MAX_SET))
    counts = range(2, left + 1) if left >= 2 else [1]
    for k in counts:
        out[k] = out.get(k, 0.0) + (1 - two) / len(counts)
    z = sum(out.values())
    return {k: p / z for k, p in sorted(out.items())}


def _set_priors(
    weight: Mapping[Loc, float], pool: list[Loc], counts: Mapping[int, float]
) -> Iterable[tuple[tuple[Loc, ...], float]]:
    """P(set | multiglandular disease): the count prior, then within a count the product of the
    places' weights (the cause's site distribution), normalized over the sets drawn. One source
    ranges over every place; two or more over the pool of leading candidates."""
    for k, pk in counts.items():
        if k == 1:
            yield from (((loc,), pk * w) for loc, w in weight.items() if w > 0)
            continue
        ordered = sorted(pool, key=_loc_key)  # combinations of a sorted pool come out sorted
        sets = list(combinations(ordered, min(k, len(ordered))))
        prods = [math.prod(weight[loc] for loc in s) for s in sets]
        z = sum(prods)
        for s, w in zip(sets, prods, strict=True):
            if w > 0 and z > 0 and len(s) >= 2:
                yield s, pk * w / z


def _pool(scores: Mapping[Loc, float]) -> list[Loc]:
    """The leading ``SET_CANDIDATES`` places, and any tied with the last one, so that a mirrored
    case (left for right) draws the mirrored pool.

    >>> _pool({("a", "left"): 0.0, ("a", "right"): 0.0, ("b", None): -1.0} | {(str(i), None): 1.0 for i in range(5)})[-2:]
    [('a', 'left'), ('a', 'right')]
    """
    ranked = sorted(scores, key=lambda loc: (-scores[loc], _loc_key(loc)))
    if len(ranked) <= SET_CANDIDATES:
        return ranked
    edge = scores[ranked[SET_CANDIDATES - 1]]
    return ranked[:SET_CANDIDATES] + [
        loc for loc in ranked[SET_CANDIDATES:] if abs(scores[loc] - edge) < 1e-9
    ]


def proven_places(kn: Knowledge, findings: list[Finding]) -> list[Loc]:
    """The places where a positive result of a tissue-proving test (a PTH washout) was taken."""
    out: list[Loc] = []
    for x in findings:
        if x.modality in kn.proves_tissue and x.positives:
            loc = x.positives[0][0]
            if loc not in out:
                out.append(loc)
    return out


def _holds(kn: Knowledge, places: tuple[Loc, ...], proven: list[Loc]) -> int:
    """How many proven places a hypothesis puts a source at."""
    return sum(1 for p in proven if any(loc_matches(kn, loc, p[0], p[1]) for loc in places))


def _loc_key(loc: Loc) -> tuple[str, str]:
    return (loc[0], loc[1] or "")


def source_posterior(
    kn: Knowledge,
    cause_prior: Mapping[str, float],
    site_prior: Mapping[str, Mapping[Loc, float]],
    findings: list[Finding],
    glands: Glands,
) -> SourcePosterior:
    """The posterior over (cause, set of places) given the findings.

    ``cause_prior`` is P(cause | features) over the causes with a site distribution;
    ``site_prior[cause]`` that cause's distribution over places; ``max_sources`` how many
    ``glands`` (left in situ, abnormal ones removed before, a syndrome involving every gland)
    sets how many sources multiglandular disease can leave (``source_counts``). A place
    proven by a test that proves tissue (``prp:provesTissue``) is in every hypothesis kept.
    """
    proven = proven_places(kn, findings)
    memo = _Memo(findings)
    logp: dict[Hypothesis, float] = {}
    for cause, pc in sorted(cause_prior.items()):
        dist = site_prior.get(cause) or {}
        if pc <= 0 or not dist:
            continue
        fc = memo.causes_for(kn, cause)
        if cause == MULTIGLANDULAR:
            singles = {loc: math.log(q) + _single(kn, loc, fc, memo) for loc, q in dist.items() if q > 0}
            pool = _pool(singles)
            pool += [loc for loc in singles if loc not in pool and _holds(kn, (loc,), proven)]
            memo.pool[:] = pool
            for places, q in _set_priors(dist, pool, source_counts(kn, glands)):
                logp[Hypothesis(cause, places)] = math.log(pc * q) + _log_likelihood(kn, places, cause, memo)
            if logp and any(h.cause == cause for h in logp):
                continue
        for loc, q in dist.items():
            if q > 0:
                logp[Hypothesis(cause, (loc,))] = math.log(pc * q) + _single(kn, loc, fc, memo)
    if not logp:
        return SourcePosterior({})
    if proven:  # keep the hypotheses that hold the most proven places (all of them, when one can)
        most = max(_holds(kn, h.places, proven) for h in logp)
        logp = {h: v for h, v in logp.items() if _holds(kn, h.places, proven) == most}
    top = max(logp.values())
    exp = {h: math.exp(v - top) for h, v in logp.items() if v - top > NEGLIGIBLE_LOG}
    z = sum(exp.values())
    ranked = sorted(exp.items(), key=lambda hv: (hv[0].cause, [_loc_key(loc) for loc in hv[0].places]))
    return SourcePosterior({h: v / z for h, v in ranked}, memo.reads)
