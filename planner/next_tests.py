"""Which localization test next: the tests not yet done, ranked.

Tests that could change the decision come first (a concordant positive result would complete
the localization; a washout of the visible lesion at the leading place would prove it), then
by expected information gain over where the tissue is (``planner.gain``: the graph's figures
per test, per cause and per place, over the posterior's sets of places).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kg.knowledge import Evidence, Knowledge
from planner import explain as ex
from planner.explain import Link
from planner.findings import Finding
from planner.localization import support
from planner.memo import graph_memo
from planner.places import Loc, at_any, loc_matches
from planner.priors import known_tissue
from planner.record import Record
from planner.sources import SourcePosterior

if TYPE_CHECKING:  # numpy is imported with planner.gain only when tests are ranked (cold start)
    from planner.gain import GainModel


@dataclass(frozen=True)
class Withheld:
    """A test not offered because a suspected cause contraindicates it (``prp:TestContraindication``)."""

    test: str
    cause: str
    probability: float  # the cause's posterior
    evidence: Evidence  # the contraindication: its value is the probability from which it holds

    def warning(self, kn: Knowledge) -> str:
        """The plan's warning: what is withheld, why (the graph node's label), and its citation."""
        why = self.evidence.label.removeprefix("contraindication: ")
        pmid = re.search(r"PMID \d+", self.evidence.source or "")
        cite = f" ({pmid.group(0)})" if pmid else ""
        return (
            f"{kn.label('tests', self.test)} is not offered: {kn.label('suspected_causes', self.cause)} is "
            f"suspected ({ex.percent(self.probability)}), and {why}{cite}."
        )


def contraindicated(kn: Knowledge, test: str, causes: Mapping[str, float]) -> Withheld | None:
    """Whether a suspected cause contraindicates the test (the graph's ``prp:TestContraindication``
    nodes): the first cause whose probability reaches its node's value. The one rule the planner's
    ranking and the app's what-if both read.

    >>> from kg.knowledge import knowledge
    >>> contraindicated(knowledge(), "fna_pth_washout", {"carcinoma": 0.9}).cause
    'carcinoma'
    >>> contraindicated(knowledge(), "fna_pth_washout", {"carcinoma": 0.01}) is None
    True
    """
    for cause, ev in kn.test_contraindications.get(test, ()):
        p = causes.get(cause, 0.0)
        if ev.value is not None and p >= ev.value:
            return Withheld(test, cause, p, ev)
    return None


@dataclass(frozen=True)
class Ranking:
    """The tests to offer, ranked, and those a suspected cause withholds."""

    tests: list[Candidate]
    withheld: list[Withheld]


@dataclass(frozen=True)
class Candidate:
    """One test that could be done next, with why and what it is expected to bring."""

    test: str
    reason: str
    facts: list[Link]
    gain: float  # expected information gain, bits
    changes: bool  # a positive result could change the decision


def fna_target(
    kn: Knowledge, findings: list[Finding], dist: dict[Loc, float], tissue: list[Loc]
) -> Loc | None:
    """The most probable place that imaging shows a lesion a neck needle can reach and no FNA has
    sampled yet; places under the graph's coverage floor are not worth a needle, and a place that
    holds tissue whatever the cause (a graft, a remnant: ``tissue``) cannot be told apart by one."""
    floor = kn.param("min_operation_coverage").v
    sampled = {
        loc for x in findings if x.kind == "fna" for loc in [*(p for p, _ in x.positives), *x.negatives]
    }
    sampled |= set(tissue)
    seen = {p for x in findings if x.kind == "imaging" for p, _ in x.positives}
    best: tuple[float, Loc] | None = None
    for loc, p in dist.items():
        if p < floor or not kn.sites[loc[0]].needle_reachable:
            continue
        if at_any(kn, loc, sampled):
            continue
        if any(loc_matches(kn, loc, s[0], s[1]) for s in seen) and (best is None or p > best[0]):
            best = (p, loc)
    return best[1] if best else None


def _reason(eig: float, changes: bool) -> str:
    base = f"Expected information gain {eig:.2f} bits over the location ranking"
    return base + (
        "; a concordant positive result would complete the localization needed to operate."
        if changes
        else "."
    )


def _imaging_tests(kn: Knowledge) -> list[str]:
    """The tests that are imaging modalities with a performance in the graph, sorted (per graph)."""
    memo = graph_memo("imaging_tests", kn)
    if not memo:
        memo["tests"] = sorted(
            c
            for (scheme, c) in kn.iris
            if scheme == "tests" and ("modalities", c) in kn.iris and c in kn.performance
        )
    tests: list[str] = memo["tests"]
    return tests


def _imaging(
    kn: Knowledge, model: GainModel, done: set[str], changes: bool, beds: frozenset[str]
) -> list[Candidate]:
    from planner import gain

    out = []
    modalities = [
        m
        for m in _imaging_tests(kn)
        # not done, nor a modality of its family (correlated results add little)
        if m not in done and not kn.family.get(m, frozenset()) & done
    ]
    gains = gain.imaging_gains(kn, model, modalities, beds)
    for m in modalities:
        eig = gains[m]
        perf = kn.performance[m]
        facts = [ex.evidence(f"{kn.label('tests', m)}: sensitivity {perf.sensitivity:.0%}", perf.evidence)]
        out.append(Candidate(m, _reason(eig, changes), facts, eig, changes))
    return out


def _sampling(
    kn: Knowledge, model: GainModel, done: set[str], n_top: int, graft_likely: bool
) -> list[Candidate]:
    from planner import gain

    out = []
    svs = "selective_venous_sampling"
    if svs not in done:
        eig = gain.sampling_gain(kn, model, svs, graft=False)
        facts = [
            ex.evidence(
                "Selective venous sampling localizes by the veins that drain each site",
                kn.performance[svs].evidence,
            )
        ]
        out.append(Candidate(svs, _reason(eig, n_top >= 1), facts, eig, n_top >= 1))
    g = "graft_arm_venous_sampling"
    if graft_likely and g not in done:
        eig = gain.sampling_gain(kn, model, g, graft=True)
        reason = "PTH from both arms: a gradient from the grafted arm points to graft hyperfunction."
        out.append(
            Candidate(g, reason, [ex.evidence("Graft-arm sampling", kn.performance[g].evidence)], eig, True)
        )
    return out


def _needle(
    kn: Knowledge, model: GainModel, target: Loc, shown: float, tissue: list[Loc], top: Loc
) -> Candidate:
    """An FNA washout of the visible lesion at ``target``; it can turn investigate into operate when
    that lesion is at the leading place (DESIGN.md), elsewhere it ranks by its expected gain."""
    from planner import gain

    f = "fna_pth_washout"
    eig = gain.needle_gain(kn, model, f, target, tissue)
    reason = (
        f"FNA with PTH washout of the visible lesion at {kn.site_name(*target)} ({ex.percent(shown)}): a washout above "
        f"serum PTH proves parathyroid tissue there and would allow the operation (expected gain {eig:.2f} bits)."
    )
    facts = [ex.evidence("FNA-PTH washout PPV 100% in persistent/recurrent PHPT", kn.performance[f].evidence)]
    return Candidate(f, reason, facts, eig, target == top)


def ranked_localization_tests(
    kn: Knowledge,
    findings: list[Finding],
    locations: list[tuple[Loc, float]],
    post: SourcePosterior | None,
    rec: Record,
) -> Ranking:
    """The localization tests not yet done, decision-changing ones first, then by expected gain;
    a test a suspected cause contraindicates (:func:`contraindicated`) is withheld, not ranked."""
    from planner import gain  # numpy: only a plan that ranks tests pays for its import

    model = gain.gain_model(post) if post is not None else None
    if not locations or model is None or post is None:
        return Ranking([], [])
    ranked = _ranked(kn, findings, locations, model, rec)
    causes = post.causes()
    withheld = [w for t in ranked if (w := contraindicated(kn, t.test, causes)) is not None]
    gone = {w.test for w in withheld}
    return Ranking([t for t in ranked if t.test not in gone], withheld)


def _ranked(
    kn: Knowledge, findings: list[Finding], locations: list[tuple[Loc, float]], model: GainModel, rec: Record
) -> list[Candidate]:
    done = {x.modality for x in findings if x.day is None or x.day >= 0}
    top = locations[0][0]
    n_top, _ = support(findings, kn, top)
    need = kn.param("localization_min_concordant").v
    tissue = known_tissue(rec, kn)
    out = _imaging(kn, model, done, n_top >= need - 1 and n_top >= 1, rec.graft_beds)
    out += _sampling(kn, model, done, n_top, any(loc[0] == "autograft" for loc, _ in locations[:3]))
    dist = dict(locations[:10])
    target = fna_target(kn, findings, dist, tissue)
    if target is not None:
        out.append(_needle(kn, model, target, dict(locations).get(target, 0.0), tissue, top))
    # decision-changing tests first; among them an FNA of the visible lesion at the leading site, whose
    # positive washout is proof (DESIGN: it turns investigate into operate); then expected information gain
    proof_first = "fna_pth_washout" if target is not None and target == top else None
    out.sort(key=lambda t: (not t.changes, t.test != proof_first, -round(t.gain, 6), t.test))
    return out
