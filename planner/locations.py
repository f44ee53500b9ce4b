"""Where the tissue is: the set posterior, the ranked locations and the facts behind each.

Runs once the gates found surgical disease: each cause's site distribution (graph walks), the
posterior over causes and sets of places (``planner.sources``), then per place its chance of
holding tissue, the causes that put probability there, and every finding's likelihood there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kg.knowledge import Knowledge
from planner import explain as ex
from planner.causes import leading_cause
from planner.explain import Link
from planner.findings import Finding
from planner.models import Case
from planner.places import Loc
from planner.priors import LocFacts, site_priors
from planner.record import Record, normal_positions
from planner.sources import Glands, SourcePosterior, source_posterior

#: Locations listed in a plan (display, not clinical: the rest stay in the posterior).
MAX_LOCATIONS = 12


@dataclass(frozen=True)
class Located:
    """The posterior and what the plan shows of it."""

    post: SourcePosterior
    locations: list[tuple[Loc, float]]  # every place, by its chance of holding tissue
    facts: dict[Loc, list[Link]]  # the explanation of each listed place
    causes: dict[str, float]  # P(cause | everything), FHH kept from the features


def gland_count(kn: Knowledge, rec: Record, case: Case) -> Glands:
    """The glands left in situ, those removed before that were not shown to be normal, and whether
    a known syndrome involves every gland: what sets how many sources can remain."""
    fates = [rec.fate(pos) for pos in normal_positions(kn)] + list(rec.supernumerary)
    gone = [f for f in fates if f.status in kn.gone_statuses]
    in_situ = sum(1 for pos in normal_positions(kn) if rec.fate(pos).status not in kn.gone_statuses)
    every = bool(set(case.patient.syndromes) & kn.every_gland_syndromes)
    return Glands(in_situ, sum(1 for f in gone if f.pathology != "normal"), every)


def locate(
    case: Case, rec: Record, kn: Knowledge, causes: dict[str, float], findings: list[Finding]
) -> Located:
    """The posterior over causes and sets of places, with the ranked places and their facts."""
    per, cause_loc_facts = site_priors(case, rec, kn, causes)
    loc_causes = {c: p for c, p in causes.items() if c != "fhh" and per.get(c)}
    z = sum(loc_causes.values())
    post = source_posterior(
        kn, {c: p / z for c, p in loc_causes.items()}, per, findings, gland_count(kn, rec, case)
    )
    cm = post.causes()
    fhh = causes.get("fhh", 0.0)
    post_causes = {c: cm.get(c, 0.0) * (1 - fhh) for c in causes}
    post_causes["fhh"] = fhh
    locations = sorted(post.inclusion().items(), key=lambda kv: (-round(kv[1], 12), kv[0][0], kv[0][1] or ""))
    # a case presentation: the evidence that decides first (the strongest finding first), then the
    # causes, the anatomy and the priors behind the place
    facts = _finding_facts(kn, post, locations, findings, leading_cause(post_causes))
    for loc, more in _cause_facts(kn, post, locations, causes, cause_loc_facts).items():
        facts.setdefault(loc, []).extend(more)
    if locations:  # what the numbers mean, once, after the leading place's own facts
        facts.setdefault(locations[0][0], []).append(_meaning(post))
    return Located(post, locations, facts, post_causes)


def _meaning(post: SourcePosterior) -> Link:
    """The plan's own statement of what a location's probability means under the set model."""
    n = post.sources()
    return ex.finding(
        "Each place's probability is its own chance of holding hyperfunctioning tissue: several glands "
        f"can be diseased at once, so they need not sum to one. Separate sources: one {ex.percent(n['1'])}, "
        f"two {ex.percent(n['2'])}, three or more {ex.percent(n['3+'])}"
    )


def _cause_facts(
    kn: Knowledge,
    post: SourcePosterior,
    locations: list[tuple[Loc, float]],
    causes: dict[str, float],
    cause_loc_facts: dict[str, LocFacts],
) -> LocFacts:
    """Per listed place, each cause holding a real share of its probability, with that cause's
    structural facts there (the descent path, the gland's fate)."""
    floor = kn.param("min_operation_coverage").v
    facts: LocFacts = {}
    for loc, p_loc in locations[:MAX_LOCATIONS]:
        for share, c in sorted(((post.share(c, loc), c) for c in causes), reverse=True):
            if p_loc <= 0 or share <= 0 or share / p_loc < floor:
                continue
            text = f"As {c.replace('_', ' ')}: {ex.percent(share / p_loc)} of the probability here"
            facts.setdefault(loc, []).append(ex.coded(kn, "suspected_causes", c, text))
            facts[loc].extend(_dedupe(cause_loc_facts.get(c, {}).get(loc, [])))
    return facts


def _finding_facts(
    kn: Knowledge,
    post: SourcePosterior,
    locations: list[tuple[Loc, float]],
    findings: list[Finding],
    lead: str,
) -> LocFacts:
    """Every finding that moves a listed place, with its likelihood ratio there (leading cause),
    the one that moves it most first (for or against)."""
    moved: dict[Loc, list[tuple[float, int, Link]]] = {}
    for i, x in enumerate(findings):
        for loc, _ in locations[:MAX_LOCATIONS]:
            lk = post.read(kn, i, x, loc, lead).best
            if abs(lk - 1.0) > 1e-9:
                perf = kn.performance[x.modality].evidence
                link = ex.evidence(f"{x.label}: likelihood x {lk:.2g} here", perf)
                moved.setdefault(loc, []).append((-abs(math.log(max(lk, 1e-12))), i, link))
    return {loc: [link for *_, link in sorted(items, key=lambda t: (t[0], t[1]))] for loc, items in moved.items()}


def _dedupe(facts: list[Link]) -> list[Link]:
    seen, out = set(), []
    for f in facts:
        key = (f["text"], f["iri"])
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
