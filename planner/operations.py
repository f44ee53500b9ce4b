"""Which operation: a covering problem over the posterior on where the tissue is.

Candidates are the graph's operations indicated for a likely cause (or a known syndrome), not
contraindicated by the leading one, reaching a likely place not cleared by a negative washout.
They are ranked (oncologic first, then what reaches every likely focus, the cause's own
operation when it dictates one, the approach of choice for the leading place, the chance of
reaching every source, invasiveness). The leading operation reaches the top place; another is
added while it raises the chance of reaching every source by the graph's coverage floor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from kg.knowledge import Knowledge, Procedure
from planner import explain as ex
from planner.causes import leading_cause
from planner.explain import Link
from planner.features import localized_foci
from planner.findings import Finding
from planner.localization import adequate
from planner.models import Fact, OperationItem, Target
from planner.places import Loc, loc_matches, same_side
from planner.record import normal_positions
from planner.sources import SourcePosterior
from planner.state import Evidence

#: How candidate operations sort (:func:`_rank_key`): flags (False first), figures and the code.
RankKey = tuple[float | str, ...]


class _Scored(NamedTuple):
    """A candidate operation as ranked: its sort key, code, the graph's procedure, its chance of
    reaching every source, and the side a one-side operation goes in."""

    key: RankKey
    code: str
    pr: Procedure
    cov: float
    side: str | None


def _targets(locations: list[tuple[Loc, float]], kn: Knowledge) -> list[Target]:
    """The places an operation for several glands aims at: every place it reaches that is likely
    enough to hold tissue (the graph's coverage floor), most likely first, at most four glands."""
    floor = kn.param("min_operation_coverage").v
    out = [Target(site=s, side=d) for (s, d), p in locations if p >= floor]
    return out[:4] or [Target(site=s, side=d) for (s, d), _ in locations[:1]]


def _within(pr: Procedure, loc: Loc, side: str | None) -> bool:
    """Does the operation reach this place (on its side, for a one-side operation)?"""
    return loc[0] in pr.reaches and same_side(loc[1], side)


def _reached_by(pr: Procedure, side: str | None) -> Callable[[Loc], bool]:
    """:func:`_within` for one operation and side, as the test ``SourcePosterior.reach`` takes."""
    return lambda loc: _within(pr, loc, side)


def _best_side(post: SourcePosterior, dist: dict[Loc, float], pr: Procedure) -> tuple[str, float]:
    """The side a one-side operation goes in, with its chance of reaching every source there: where
    it is most likely to reach every source, then where the places it reaches are likeliest to hold
    tissue (so a mirrored case mirrors)."""
    reach = {s: post.reach(_reached_by(pr, s)) for s in ("left", "right")}
    by_side = {
        s: (round(reach[s], 9), round(sum(p for loc, p in dist.items() if _within(pr, loc, s)), 9))
        for s in ("left", "right")
    }
    side = max(sorted(by_side), key=lambda s: by_side[s])
    return side, reach[side]


def _reach_of(post: SourcePosterior, ops: list[_Scored]) -> float:
    """P(every source lies where one of these operations goes)."""
    return post.reach(lambda loc: any(_within(e.pr, loc, e.side) for e in ops))


def _combination(ctx: _OpContext, scored: list[_Scored], operate: bool) -> list[_Scored]:
    """The operations that lead, as one sitting or staged: a covering problem over the posterior.

    When operating or localized, the first is the best-ranked operation that reaches the leading
    place (the plan's top location must be among its targets); in a diffuse picture still under
    investigation it is the best-ranked one (the most probability, gentlest first). While a
    place likely to hold tissue (``_foci``: as likely as the graph's localization posterior, or
    separately localized) is out of reach, the operation that reaches one and most raises the
    chance of reaching every source is added (the best-ranked on a tie): two foci that need
    different approaches are both reached, and no operation is added for a place that is only
    possible.
    """
    top = ctx.top[0]
    reaching = [e for e in scored if _within(e.pr, top, e.side)] if operate or ctx.localized() else []
    combo = [(reaching or scored)[0]]
    while len(combo) < ctx.kn.param("max_operations_combined").v:
        missing = [f for f in ctx.foci if not any(_within(e.pr, f, e.side) for e in combo)]
        options = [
            (round(_reach_of(ctx.post, [*combo, e]), 6), -i, e)
            for i, e in enumerate(scored)
            if e not in combo and any(_within(e.pr, f, e.side) for f in missing)
        ]
        if not options:
            break
        combo.append(max(options, key=lambda t: (t[0], t[1]))[2])
    return combo


def _cover(ctx: _OpContext, combo: list[_Scored]) -> dict[str, list[Loc]]:
    """For a combination, the likely places each operation takes (those not reached by one before
    it); ``{}`` for a single operation."""
    if len(combo) < 2:
        return {}
    out: dict[str, list[Loc]] = {}
    taken: set[Loc] = set()
    for e in combo:
        mine = [
            loc
            for loc, p in ctx.locations
            if p >= ctx.min_cov and loc not in taken and _within(e.pr, loc, e.side)
        ]
        out[e.code] = mine or [loc for loc, _ in ctx.locations if _within(e.pr, loc, e.side)][:1]
        taken |= set(mine)
    return out


@dataclass(frozen=True)
class _OpContext:
    """What every candidate operation is judged against (computed once per plan)."""

    kn: Knowledge
    locations: list[tuple[Loc, float]]
    dist: dict[Loc, float]
    causes: dict[str, float]
    post: SourcePosterior
    established: bool
    lead: str
    top2: frozenset[str]
    syndromes: frozenset[str]
    foci: list[Loc]
    disproven: frozenset[Loc]
    in_situ: int
    carc_thr: float
    mgd_thr: float
    min_cov: float
    minpost: float

    @property
    def top(self) -> tuple[Loc, float]:
        return self.locations[0]

    def localized(self) -> bool:
        return self.top[1] >= self.minpost


def _foci(kn: Knowledge, locations: list[tuple[Loc, float]], findings: list[Finding]) -> list[Loc]:
    """The places the first operation must reach: the leading one, every other place as likely
    as the graph's localization posterior (several can hold tissue at once), and every separately
    localized focus that holds a real share."""
    minpost, floor = kn.param("localization_min_posterior").v, kn.param("min_operation_coverage").v
    dist = dict(locations)
    out = [locations[0][0]] + [loc for loc, p in locations[1:] if p >= minpost]
    out += [f for f in localized_foci(findings, kn) if f not in out and dist.get(f, 0.0) >= floor]
    return out


def _disproven(kn: Knowledge, locations: list[tuple[Loc, float]], findings: list[Finding]) -> frozenset[Loc]:
    """Places a tissue-proving test (a PTH washout) sampled and found negative, unless a later
    positive one or two imaging studies still point there: no operation is aimed at them alone."""
    cleared = {
        loc
        for loc, _ in locations
        for x in findings
        if x.modality in kn.proves_tissue and any(loc_matches(kn, loc, n[0], n[1]) for n in x.negatives)
    }
    return frozenset(loc for loc in cleared if not adequate(findings, kn, loc))


def _op_context(ev: Evidence, established: bool) -> _OpContext:
    kn, locations, causes, findings, rec, case = ev.kn, ev.locations, ev.causes, ev.findings, ev.rec, ev.case
    post = ev.posterior
    return _OpContext(
        established=established,
        kn=kn,
        locations=locations,
        dist=dict(locations),
        causes=causes,
        post=post,
        lead=leading_cause(causes),
        top2=frozenset(sorted((c for c in causes if c != "fhh"), key=lambda c: -causes[c])[:2]),
        syndromes=frozenset(case.patient.syndromes),
        foci=_foci(kn, locations, findings),
        disproven=_disproven(kn, locations, findings),
        in_situ=sum(1 for pos in normal_positions(kn) if rec.fate(pos).status not in kn.gone_statuses),
        carc_thr=kn.param("carcinoma_leading_probability").v,
        mgd_thr=kn.param("multiglandular_leading_probability").v,
        min_cov=kn.param("min_operation_coverage").v,
        minpost=kn.param("localization_min_posterior").v,
    )


def _excluded(ctx: _OpContext) -> set[str]:
    """Operations contraindicated by the leading cause, or by a carcinoma likely enough to matter."""
    out: set[str] = set()
    for c, p in ctx.causes.items():
        if c == ctx.lead or (c == "carcinoma" and p >= ctx.carc_thr):
            out |= {code for code, pr in ctx.kn.procedures.items() if c in pr.contraindicated}
    return out


def _listed(ctx: _OpContext, code: str, pr: Procedure) -> bool:
    """Whether an operation is a candidate at all: indicated for a likely cause or a syndrome; one
    only for causes that dictate their own approach only when such a cause is likely; enough glands."""
    if not pr.is_operation or ctx.kn.iri("operations", code) is None:
        return False
    syndrome = bool(ctx.syndromes & pr.indicated)
    if pr.indicated and not (ctx.top2 & pr.indicated) and not syndrome:
        return False
    own = pr.indicated & ctx.kn.dictating_causes
    if own and own >= (pr.indicated & set(ctx.causes)) and not syndrome:
        floor = {"carcinoma": ctx.carc_thr}
        if not any(ctx.causes.get(c, 0) >= floor.get(c, ctx.mgd_thr) for c in own):
            return False
    return ctx.in_situ >= pr.min_glands_in_situ


def _dictates(ctx: _OpContext) -> bool:
    """Whether the leading cause calls for its own operation: a cause that dictates its approach,
    from the number of sources the graph names for it (multiglandular disease: two or more
    likely; one gland left of a double adenoma is approached like any single gland)."""
    if ctx.lead not in ctx.kn.dictating_causes:
        return False
    if ctx.established:  # the cause's own setting (a syndrome, lithium) calls for its operation
        return True
    least = ctx.kn.dictating_from_sources.get(ctx.lead)
    if least is None:
        return True
    counts = ctx.post.sources()
    several = sum(p for k, p in counts.items() if int(k.rstrip("+")) >= least)
    return several >= ctx.mgd_thr


def _rank_key(ctx: _OpContext, code: str, pr: Procedure, cov: float, side: str | None) -> RankKey:
    """Oncologic first, then what reaches every focus, the cause's own operation; localized: aim
    at the leading site; diffuse: the operation that reaches most of the probability, gentlest first."""
    top_site = ctx.top[0][0]
    indicated = ctx.lead in pr.indicated and ctx.causes[ctx.lead] >= (
        ctx.mgd_thr if ctx.lead == "multiglandular_disease" else 0
    )
    head = (
        not (ctx.causes.get("carcinoma", 0) >= ctx.carc_thr and "carcinoma" in pr.indicated),
        not (len(ctx.foci) < 2 or all(_within(pr, f, side) for f in ctx.foci)),
        not (indicated and (_dictates(ctx) or bool(ctx.syndromes & pr.indicated))),
    )
    syndrome = bool(ctx.syndromes & pr.indicated)
    preferred_top = top_site in pr.preferred
    tail: tuple[float, ...]  # flags (bool) and figures
    if ctx.localized():
        tail = (
            top_site not in pr.reaches,
            not preferred_top,
            not indicated,
            not syndrome,
            -round(cov, 6),
            pr.invasiveness,
        )
    else:
        tail = (-round(cov, 1), pr.invasiveness, not preferred_top, not indicated, not syndrome)
    return (*head, *tail, code)


def _aimed_at_cleared(ctx: _OpContext, pr: Procedure, side: str | None) -> bool:
    """Whether an operation has nothing left to aim at: no likely place it reaches, or the places
    it is the approach of choice for (a hemithyroidectomy for an intrathyroidal gland) are all
    cleared by a negative washout."""
    likely = [loc for loc, p in ctx.locations if p >= ctx.min_cov and _within(pr, loc, side)]
    aimed = [loc for loc in likely if loc[0] in pr.preferred]
    return not [loc for loc in likely if loc not in ctx.disproven] or bool(
        aimed and all(loc in ctx.disproven for loc in aimed)
    )


def _scored(ctx: _OpContext) -> list[_Scored]:
    excluded = _excluded(ctx)
    scored: list[_Scored] = []
    for code, pr in ctx.kn.procedures.items():
        if code in excluded or code == "prior_procedures" or not _listed(ctx, code, pr):
            continue
        side, cov = (
            _best_side(ctx.post, ctx.dist, pr)
            if pr.one_side
            else (None, ctx.post.reach(_reached_by(pr, None)))
        )
        if not _aimed_at_cleared(ctx, pr, side):
            scored.append(_Scored(_rank_key(ctx, code, pr, cov, side), code, pr, cov, side))
    scored.sort(key=lambda t: t.key)
    return scored


def _op_targets(
    ctx: _OpContext, code: str, pr: Procedure, side: str | None, cover: dict[str, list[Loc]]
) -> list[Target]:
    if code in cover:
        return [Target(site=s, side=d) for s, d in cover[code]]
    if len(ctx.foci) >= 2 and all(_within(pr, f, side) for f in ctx.foci):
        return [Target(site=s, side=d) for s, d in ctx.foci]
    if "multiglandular_disease" in pr.indicated:
        return _targets([(loc, p) for loc, p in ctx.locations if loc[0] in pr.reaches], ctx.kn)
    reached = [(loc, p) for loc, p in ctx.locations if _within(pr, loc, side)]
    if not ctx.localized():  # diffuse: every reached place that holds a real share
        reached = [(loc, p) for loc, p in reached if p >= ctx.min_cov] or reached
    return [Target(site=s, side=d) for (s, d), _ in reached[: 1 if ctx.localized() else 4]]


def _op_adjuncts(ctx: _OpContext, pr: Procedure, tg: list[Target], findings: list[Finding]) -> list[str]:
    """The operation's adjuncts (graph); one that needs a positive study (prp:needsPositiveStudy:
    ultrasound marking, a gamma probe) only when such a study saw the target; cryopreservation when
    the operation may leave too few glands (the graph's limit)."""
    kn = ctx.kn
    adj = [a for a in pr.adjuncts if a not in kn.adjunct_needs]
    for a in pr.adjuncts:
        needs = kn.adjunct_needs.get(a)
        if (
            needs
            and tg
            and any(
                x.modality in needs
                and any(loc_matches(kn, (tg[0].site, tg[0].side), p[0], p[1]) for p, _ in x.positives)
                for x in findings
            )
        ):
            adj.append(a)
    # an operation in the neck takes one of the remaining glands; one on a graft bed takes none
    in_neck = any("ExtracervicalGraftSite" not in kn.sites[s].classes for s in pr.reaches if s in kn.sites)
    if ctx.in_situ - (1 if in_neck else 0) <= kn.param("cryo_max_remaining_glands").v and pr.is_operation:
        adj.append("cryopreservation")
    return sorted(set(adj))


def _op_facts(
    ctx: _OpContext, code: str, pr: Procedure, cov: float, cover: dict[str, list[Loc]]
) -> list[Link]:
    kn, lead = ctx.kn, ctx.lead
    shown = {x[0] for x, _ in ctx.locations[:5]}
    facts = [
        ex.graph(f"{pr.label} reaches {', '.join(sorted(s for s in pr.reaches if s in shown))}", pr.iri),
        ex.finding(f"Reaches every source with probability {ex.percent(cov)}"),
    ]
    if ctx.top[0][0] in pr.preferred:
        facts.append(ex.graph(f"Preferred approach for {kn.site_name(ctx.top[0][0])}", pr.iri))
    if code in cover and len(cover) > 1:
        others = [kn.label("operations", c) for c in cover if c != code]
        facts.append(
            ex.finding(
                f"Together with {', '.join(others)}: the separately localized foci need "
                "different approaches (one sitting or staged)"
            )
        )
    if lead in pr.indicated:
        facts.append(
            ex.coded(
                kn,
                "suspected_causes",
                lead,
                f"Indicated for the leading cause, {lead.replace('_', ' ')} ({ex.percent(ctx.causes[lead])})",
            )
        )
    for r in pr.risks:
        facts.append(ex.evidence(f"Risk: {r.label.removeprefix('risk: ')} {r.v:.1%}", r))
    return facts


def operations(ev: Evidence, operate: bool, established: bool = False) -> list[OperationItem]:
    """The operations that reach the likely places, ranked; when no one operation reaches every
    localized focus, the combination that does goes first; the approach of choice for each leading
    place stays on the list."""
    if not ev.locations:
        return []
    ctx = _op_context(ev, established)
    locations, findings = ev.locations, ev.findings
    scored = _scored(ctx)
    if not scored:
        return []
    combo = _combination(ctx, scored, operate)
    cover = _cover(ctx, combo)
    scored = combo + [e for e in scored if e not in combo]
    chosen = scored[:5]
    for loc, p in locations[:3]:
        if p >= ctx.min_cov and not any(loc[0] in e.pr.preferred for e in chosen):
            chosen += [e for e in scored if loc[0] in e.pr.preferred and e not in chosen][:1]
    items: list[OperationItem] = []
    for _key, code, pr, cov, side in chosen:
        tg = _op_targets(ctx, code, pr, side, cover)
        items.append(
            OperationItem(
                rank=len(items) + 1,
                operation=code,
                site=tg[0].site if tg else None,
                side=tg[0].side if tg else None,
                targets=tg,
                adjuncts=_op_adjuncts(ctx, pr, tg, findings),
                explanation=_op_facts(ctx, code, pr, cov, cover),
                together_with=[c for c in cover if c != code] if code == next(iter(cover), None) else [],
            )
        )
    if len(combo) > 1:
        _lead_the_combination(ctx, items[0], items[1 : len(combo)], combo)
    return items


def _lead_the_combination(
    ctx: _OpContext, lead: OperationItem, partners: list[OperationItem], combo: list[_Scored]
) -> None:
    """The first item stands for the whole combination (one sitting or staged): its targets are
    every place the combination aims at, its own first, so "the first operation reaches every
    localized focus" holds; each partner keeps its own targets in its own item."""
    seen = {(t.site, t.side) for t in lead.targets}
    for item in partners:
        for t in item.targets:
            if (t.site, t.side) not in seen:
                lead.targets.append(t)
                seen.add((t.site, t.side))
    names = " and ".join(ctx.kn.label("operations", e.code) for e in combo)
    together = ex.finding(
        f"Together, {names} reach every source with probability {ex.percent(_reach_of(ctx.post, combo))}"
    )
    lead.explanation.append(Fact.model_validate(together))


def medical_options(
    kn: Knowledge, locations: list[tuple[Loc, float]], causes: dict[str, float], adequate: bool
) -> list[OperationItem]:
    lead = leading_cause(causes)
    items: list[OperationItem] = []
    top = locations[0][0] if locations else None
    cands = []
    for code, pr in kn.procedures.items():
        if (
            not (pr.is_ablation or pr.is_medical)
            or lead in pr.contraindicated
            or kn.iri("operations", code) is None
        ):
            continue
        if code == "surveillance":
            continue
        if pr.is_ablation and (not adequate or top is None or top[0] not in pr.reaches):
            continue
        cands.append((0 if pr.is_medical else 1, pr.invasiveness, code, pr))
    for _, _, code, pr in sorted(cands):
        facts = [ex.graph(f"{pr.label}: an option without another operation", pr.iri)]
        for r in pr.risks:
            facts.append(ex.evidence(f"{r.label.removeprefix('risk: ')} {r.v:.0%}", r))
        site, side = top if (pr.is_ablation and top) else (None, None)
        items.append(
            OperationItem(
                rank=len(items) + 1,
                operation=code,
                site=site,
                side=side,
                targets=[Target(site=site, side=side)] if site else [],
                adjuncts=[],
                explanation=facts,
            )
        )
    return items
