"""How much one finding says about tissue at one place: the likelihood ratios of the findings.

Each modality's sensitivity and false-positive rate at a site, for a cause (``se_fp``: the
graph's figures and the modifiers that hold there); what one finding claims at one place
(``claims``: the reported items it may explain, and its ratio when it explains none); and what
it says about a whole set of places at once (``set_likelihood``: one lesion is not two glands).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from kg.knowledge import Evidence, Knowledge, Modifier
from planner.findings import Finding
from planner.memo import graph_memo
from planner.places import Loc, adjacent, loc_matches

#: (sensitivity, false-positive rate, the evidence they rest on)
SeFp = tuple[float, float, list[Evidence]]


def se_fp(kn: Knowledge, modality: str, site: str, cause: str, beds: frozenset[str] = frozenset()) -> SeFp:
    """Sensitivity and false-positive rate of a modality at a site, for a cause: the graph's
    figures times every modifier that holds there (``_applies``), with the evidence used. Every
    finding reads them at every place, so they are memoized per graph view (``graph_memo``).

    >>> from kg.knowledge import knowledge
    >>> se, fp, used = se_fp(knowledge(), "ct_4d", "perrier_D", "missed_single_gland")
    >>> 0 < fp < se < 1 and len(used) >= 1
    True
    """
    memo = graph_memo("se_fp", kn)
    key = (modality, site, cause, beds)
    hit: SeFp | None = memo.get(key)
    if hit is None:
        hit = memo[key] = _se_fp_uncached(kn, modality, site, cause, beds)
    return hit


def figure_cause(kn: Knowledge, modality: str, cause: str) -> str:
    """The cause a modality's figures depend on: the cause itself when one of the modality's
    modifiers names it, else ``""``, which reads the figures every unnamed cause shares. Lets the
    set posterior read a finding once for all the causes that see it alike (memoized per graph).

    >>> from kg.knowledge import knowledge
    >>> kn = knowledge()
    >>> se_fp(kn, "sestamibi_spect", "perrier_B", figure_cause(kn, "sestamibi_spect", "missed_gland"))[:2] == se_fp(kn, "sestamibi_spect", "perrier_B", "missed_gland")[:2]
    True
    """
    memo = graph_memo("figure_cause", kn)
    named: frozenset[str] | None = memo.get(modality)
    if named is None:
        named = memo[modality] = frozenset(
            m.cause for m in kn.modifiers if modality in m.modalities and m.cause is not None
        )
    return cause if cause in named else ""


def site_figures(
    kn: Knowledge, modality: str, cause: str, beds: frozenset[str] = frozenset()
) -> dict[str, tuple[float, float]]:
    """Sensitivity and false-positive rate of a modality at every site, for a cause: the figures
    of ``se_fp`` as one table, for the expected-gain sums (memoized per graph view).

    >>> from kg.knowledge import knowledge
    >>> kn = knowledge()
    >>> site_figures(kn, "ct_4d", "missed_single_gland")["perrier_D"] == se_fp(kn, "ct_4d", "perrier_D", "missed_single_gland")[:2]
    True
    """
    memo = graph_memo("site_figures", kn)
    table: dict[str, tuple[float, float]] | None = memo.get((modality, cause, beds))
    if table is None:
        table = memo[(modality, cause, beds)] = {
            site: se_fp(kn, modality, site, cause, beds)[:2] for site in kn.sites
        }
    return table


def _applies(m: Modifier, site: str, cause: str | None, beds: frozenset[str]) -> bool:
    """Whether a performance modifier holds here: its sites, its cause, and its graft beds (a graft
    whose bed is not recorded is taken to be in any of them)."""
    return (
        (not m.sites or site in m.sites)
        and (cause is None or m.cause is None or m.cause == cause)
        and (not m.graft_beds or not beds or bool(beds & m.graft_beds))
    )


def _se_fp_uncached(kn: Knowledge, modality: str, site: str, cause: str, beds: frozenset[str]) -> SeFp:
    perf = kn.performance[modality]
    se, fp = perf.sensitivity, perf.false_positive_rate
    used = [perf.evidence]
    for m in kn.modifiers_for("visibility", modality):
        # a modality that cannot see a site finds neither true nor false lesions there
        if _applies(m, site, cause, beds):
            se *= m.value
            fp *= m.value
            used.append(m.evidence)
    for m in kn.modifiers_for("sensitivity", modality):
        if _applies(m, site, cause, beds):
            se *= m.value
            used.append(m.evidence)
    for m in kn.modifiers_for("false_positive_rate", modality):
        if _applies(m, site, None, beds):
            fp *= m.value
            used.append(m.evidence)
    top, floor = kn.param("max_modality_figure").v, kn.param("min_false_positive_rate").v
    return min(se, top), min(max(fp, floor), top), used


#: log(1e-12): the floor under a likelihood ratio taken as a logarithm (a ratio of 0 is not -inf).
_LOG_FLOOR = math.log(1e-12)

@dataclass(frozen=True)
class Claims:
    """How one place reads one finding: the reported items it may explain (key, likelihood ratio),
    and its ratio when it explains none of them (missed, or unseen)."""

    claims: tuple[tuple[int, float], ...]
    miss: float

    #: The ratio of the place alone: its best item, or the miss (``set_likelihood`` of one).
    best: float = field(init=False, compare=False, repr=False)
    #: ``log(best)``, floored: the place's term in a set-of-one log-likelihood.
    log_best: float = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        # (written out: this runs for every finding at every place of every plan)
        claimed = self.claims
        if not claimed:
            best = self.miss
        elif len(claimed) == 1:
            best = claimed[0][1]
        else:
            best = max(v for _, v in claimed)
        object.__setattr__(self, "best", best)
        object.__setattr__(self, "log_best", math.log(best) if best > 1e-12 else _LOG_FLOOR)


def claims(kn: Knowledge, x: Finding, loc: Loc, cause: str) -> Claims:
    """The likelihood-ratio terms of a finding for tissue at one place, against "no tissue here".

    Imaging: each reported lesion at this place (or a neighbour: the Perrier letter is often
    misplaced) may be explained by it; a study that looked and saw nothing here was a miss
    (1 - sensitivity). Venous sampling: a gradient in a vein draining this place is one item; a
    sampled vein without a gradient that drains it was a miss. FNA washout: a positive washout
    at its needle's tip is one item; a negative one at this place is a miss.

    A 4D-CT lesion at the left Perrier D: there it reads sensitivity over false-positive rate; at
    the left Perrier E, a neighbour, the graph's ``adjacent_site_share`` of that; on the right it
    explains nothing, and the study, which looked, missed any tissue there.

    >>> from kg.knowledge import knowledge
    >>> kn = knowledge()
    >>> ct = Finding("imaging", "ct_4d", "4D-CT", [(("perrier_D", "left"), 1.0)], [], False, 10)
    >>> se, fp, _ = se_fp(kn, "ct_4d", "perrier_D", "missed_single_gland")
    >>> claims(kn, ct, ("perrier_D", "left"), "missed_single_gland") == Claims(((0, se / fp),), 1 - se)
    True
    >>> share = kn.param("adjacent_site_share").v
    >>> se_e, fp_e, _ = se_fp(kn, "ct_4d", "perrier_E", "missed_single_gland")
    >>> claims(kn, ct, ("perrier_E", "left"), "missed_single_gland").claims == ((0, max(1 - se_e, share * se_e / fp_e)),)
    True
    >>> claims(kn, ct, ("perrier_D", "right"), "missed_single_gland") == Claims((), 1 - se)
    True
    """
    se, fp, _ = se_fp(kn, x.modality, loc[0], cause, x.graft_beds)
    if x.kind == "svs":
        inside = any(loc_matches(kn, loc, p[0][0], p[0][1]) for p in x.positives)
        if x.positives:
            return Claims(((0, se / fp),) if inside else (), 1.0 if inside else 1 - se)
        covered = bool(x.covered) and any(loc_matches(kn, loc, c[0], c[1]) for c in x.covered or ())
        return Claims((), 1 - se if covered else 1.0)
    if x.kind == "fna":
        if x.positives:
            hit = any(loc_matches(kn, loc, p[0][0], p[0][1]) for p in x.positives)
            return Claims(((0, se / fp),) if hit else (), 1.0)
        neg = any(loc_matches(kn, loc, n[0], n[1]) for n in x.negatives)
        return Claims((), (1 - se) / (1 - fp) if neg else 1.0)
    out: list[tuple[int, float]] = []
    for i, ((psite, pside), expo) in enumerate(x.positives):
        if loc_matches(kn, loc, psite, pside):
            out.append((i, (se / fp) ** expo))
        elif adjacent(kn, loc, psite, pside):
            share = kn.param("adjacent_site_share").v
            out.append((i, max(1 - se, (share * se / fp) ** expo)))
    looked = any(loc_matches(kn, loc, n[0], n[1]) for n in x.negatives) or x.positives or x.whole_negative
    return Claims(tuple(out), 1 - se if looked else 1.0)


def likelihood(kn: Knowledge, x: Finding, loc: Loc, cause: str) -> float:
    """The likelihood ratio of a finding for tissue at one place (the best item it explains):
    a study negative at a place says 1 - sensitivity there.

    >>> from kg.knowledge import knowledge
    >>> kn = knowledge()
    >>> us = Finding("imaging", "ultrasound", "US", [], [("perrier_D", "left")], False, 10)
    >>> likelihood(kn, us, ("perrier_D", "left"), "missed_single_gland") == 1 - se_fp(kn, "ultrasound", "perrier_D", "missed_single_gland")[0]
    True
    """
    return claims(kn, x, loc, cause).best


def set_likelihood(reads: list[Claims]) -> float:
    """The likelihood ratio of one finding for tissue at every place of a set at once.

    Each reported item is explained by at most one place (one lesion is not two glands); a place
    that explains none reads as missed. The best assignment is taken, as ``likelihood`` takes the
    best item for one place, so a set of one gives exactly ``likelihood``.

    >>> a, b = Claims(((0, 9.0),), 0.5), Claims(((0, 9.0), (1, 4.0)), 0.5)
    >>> set_likelihood([a]), set_likelihood([a, b]), set_likelihood([a, a])
    (9.0, 36.0, 4.5)
    """
    if len(reads) == 1:
        return reads[0].best
    keys = [k for r in reads for k, _ in r.claims]
    if len(keys) == len(set(keys)):  # no item wanted by two places: each takes its best
        return math.prod(max([r.miss, *(v for _, v in r.claims)]) for r in reads)
    return _best(reads, 0, frozenset())


def _best(reads: list[Claims], i: int, taken: frozenset[int]) -> float:
    if i == len(reads):
        return 1.0
    best = reads[i].miss * _best(reads, i + 1, taken)
    for key, v in reads[i].claims:
        if key not in taken and v > reads[i].miss:
            best = max(best, v * _best(reads, i + 1, taken | {key}))
    return best
