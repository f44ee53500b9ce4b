"""Where each cause puts the tissue before any study: the site priors, walked on the graph.

A missed gland lies along the descent path of its unaccounted position, a supernumerary one along
the third-pouch (thymic) path, multiglandular disease at every gland left in situ; a remnant
where it was left, a graft where it was placed, parathyromatosis in the operative bed, a
carcinoma in the bed of one removed before. Tissue removed and places searched before lower a
place's share. Every share and factor is read from the graph.
"""

from __future__ import annotations

from collections import defaultdict

from kg.knowledge import Knowledge
from planner import explain as ex
from planner.explain import Link
from planner.models import Case
from planner.places import Loc, record_key, side_of, site_sides
from planner.record import GlandFate, Record, normal_positions

#: The facts behind each place's share, per place.
LocFacts = dict[Loc, list[Link]]


def _explore_factor(rec: Record, kn: Knowledge, loc: Loc, facts: list[Link]) -> float:
    f = 1.0
    rem = rec.removed_factor.get(record_key(loc))
    if rem is not None:
        f *= rem[0]
        facts.append(
            ex.graph(f"Tissue at {kn.site_name(*loc)} was removed before: prior x {rem[0]:g}", rem[1][0])
        )
    return f


def _path_distribution(
    origin: str,
    side: str | None,
    kn: Knowledge,
    rec: Record,
    searched: bool,
    weight: float,
    why: Link,
    out: dict[Loc, float],
    facts: dict[Loc, list[Link]],
) -> None:
    explored = kn.param("explored_site_factor")
    for site, ev in sorted(kn.priors.get(origin, {}).items()):
        at = site_sides(kn, site, side)
        for s in at:
            loc = (site, s)
            fl: list[Link] = []
            w = weight * ev.v / len(at)
            w *= _explore_factor(rec, kn, loc, fl)
            if searched and site == kn.usual_site.get(origin):
                w *= explored.v
                fl.append(
                    ex.evidence(
                        f"{kn.site_name(site)} was searched at the last exploration without finding the gland: x {explored.v:g}",
                        explored,
                    )
                )
            if w <= 0:
                continue
            out[loc] = out.get(loc, 0.0) + w
            facts.setdefault(loc, []).extend(
                [
                    why,
                    ex.graph(
                        f"{kn.site_name(site)} lies on the {kn.origin_path[origin][1]}",
                        kn.origin_path[origin][0],
                    ),
                    ex.evidence(f"Prior share at {kn.site_name(site)}: {ev.v:.0%}", ev),
                    *fl,
                ]
            )


def _norm(d: dict[Loc, float]) -> dict[Loc, float]:
    t = sum(d.values())
    return {k: v / t for k, v in d.items()} if t > 0 else {}


def _seen_loc(kn: Knowledge, pos: str, fate: GlandFate) -> Loc:
    """Where a gland the surgeon saw lies: its recorded site, or its position's usual one."""
    origin, side = kn.positions[pos]
    site = fate.site or kn.usual_site[origin]
    return (site, side_of(kn, site, fate.side or side))


def _missed_prior(rec: Record, kn: Knowledge, facts: LocFacts) -> dict[Loc, float]:
    """Missed single gland: each unaccounted position along its descent path (status weights)."""
    missed: dict[Loc, float] = {}
    for pos in normal_positions(kn):
        fate = rec.fate(pos)
        w = kn.status_weights.get(fate.status)
        if w is None or w.v <= 0:
            continue
        origin, side = kn.positions[pos]
        why = ex.evidence(f"{pos.replace('_', ' ')}: {fate.status.replace('_', ' ')} (weight {w.v:g})", w)
        if fate.status in ("identified_normal", "biopsied_normal"):
            loc = _seen_loc(kn, pos, fate)
            fl: list[Link] = []
            val = w.v * _explore_factor(rec, kn, loc, fl)
            if val > 0:
                missed[loc] = missed.get(loc, 0.0) + val
                facts.setdefault(loc, []).extend([why, *fl])
            continue
        _path_distribution(origin, side, kn, rec, fate.status == "not_found", w.v, why, missed, facts)
    return _norm(missed)


def _supernumerary_prior(rec: Record, kn: Knowledge, facts: LocFacts) -> dict[Loc, float]:
    sup: dict[Loc, float] = {}
    why = ex.graph(
        "A supernumerary gland follows the third-pouch (thymic) primordium",
        kn.origin_iris["origin_supernumerary"],
    )
    _path_distribution("origin_supernumerary", None, kn, rec, False, 1.0, why, sup, facts)
    return _norm(sup)


def _in_situ_weight(
    rec: Record, kn: Knowledge, pos: str, fate: GlandFate, facts: LocFacts, mgd: dict[Loc, float]
) -> None:
    """A gland seen in situ is a candidate at its place, weighted as the surgeon judged it."""
    loc = _seen_loc(kn, pos, fate)
    why = ex.finding(f"{pos.replace('_', ' ')} remains in situ ({fate.status.replace('_', ' ')})")
    fl: list[Link] = []
    seen = kn.status_weights.get(fate.status)
    weight = seen.v if seen is not None and fate.status != "partially_removed" else 1.0
    if seen is not None and fate.status != "partially_removed":
        fl.append(
            ex.evidence(f"{pos.replace('_', ' ')} looked normal to the surgeon: weight {weight:g}", seen)
        )
    val = weight * _explore_factor(rec, kn, loc, fl)
    if val > 0:
        mgd[loc] = mgd.get(loc, 0.0) + val
        facts.setdefault(loc, []).extend([why, *fl])


def _multiglandular_prior(
    rec: Record, kn: Knowledge, facts: LocFacts, sup: dict[Loc, float], sup_facts: LocFacts
) -> dict[Loc, float]:
    """Multiglandular disease: every gland left in situ, plus a share of the supernumerary distribution."""
    mgd: dict[Loc, float] = {}
    for pos in normal_positions(kn):
        fate = rec.fate(pos)
        if fate.status in kn.gone_statuses:
            continue
        if fate.status in ("identified_normal", "biopsied_normal", "partially_removed"):
            _in_situ_weight(rec, kn, pos, fate, facts, mgd)
        else:
            origin, side = kn.positions[pos]
            why = ex.finding(f"{pos.replace('_', ' ')} remains in situ ({fate.status.replace('_', ' ')})")
            _path_distribution(origin, side, kn, rec, fate.status == "not_found", 1.0, why, mgd, facts)
    share = kn.cause_priors["supernumerary_gland"].v / kn.cause_priors["missed_single_gland"].v
    for loc, v in sup.items():
        mgd[loc] = mgd.get(loc, 0.0) + share * v
        facts.setdefault(loc, []).extend(sup_facts.get(loc, []))
    return _norm(mgd)


def _remnant_prior(rec: Record, kn: Knowledge, facts: LocFacts) -> dict[Loc, float]:
    rem: dict[Loc, float] = {}
    for pos, fate in rec.glands.items():
        if fate.status == "partially_removed":
            loc = _seen_loc(kn, pos, fate)
            rem[loc] = rem.get(loc, 0.0) + 1.0
            facts.setdefault(loc, []).append(
                ex.finding(f"Remnant of the {pos.replace('_', ' ')} left at {kn.site_name(loc[0])}")
            )
    return _norm(rem)


def known_tissue(rec: Record, kn: Knowledge) -> list[Loc]:
    """Places where parathyroid tissue is known to be whatever the cause: a graft, a remnant.

    A test that proves tissue (a PTH washout) reads high there in every hypothesis, so it cannot
    show whether that tissue is the overactive source.

    >>> from kg.knowledge import knowledge
    >>> from planner.models import Case
    >>> from planner.record import read_record
    >>> kn = knowledge()
    >>> case = Case.model_validate({"id": "x", "operations": [{"day": -900,
    ...     "procedures": ["total_parathyroidectomy_autotransplant"],
    ...     "glands": [{"position": "left_inferior", "status": "partially_removed"}],
    ...     "autograft": {"location": "forearm", "side": "left"}}]})
    >>> known_tissue(read_record(case, kn), kn)
    [('autograft', 'left'), ('perrier_E', 'left')]
    """
    out: list[Loc] = [("autograft", s) for s in rec.graft_sides]
    if not rec.graft_sides and any(g.status == "autotransplanted" for g in rec.glands.values()):
        out.append(("autograft", None))
    out += [_seen_loc(kn, pos, f) for pos, f in rec.glands.items() if f.status == "partially_removed"]
    return out


def _graft_prior(rec: Record, facts: LocFacts) -> dict[Loc, float]:
    graft: dict[Loc, float] = {}
    for s in rec.graft_sides or [None]:
        loc = ("autograft", s)
        graft[loc] = graft.get(loc, 0.0) + 1.0
        facts.setdefault(loc, []).append(
            ex.finding(f"Autograft{' in the ' + s + ' arm or muscle' if s else ''}")
        )
    return _norm(graft)


def _bed_prior(rec: Record, facts: LocFacts) -> dict[Loc, float]:
    """Parathyromatosis: the operative bed of a rupture, or of every side explored."""
    bed: dict[Loc, float] = {}
    for s in sorted(rec.rupture_sides or {side for sides in rec.explored_sides.values() for side in sides}):
        bed[("operative_bed", s)] = 1.0
        facts.setdefault(("operative_bed", s), []).append(ex.finding(f"Previous operative bed on the {s}"))
    return _norm(bed)


def _carcinoma_prior(
    rec: Record, facts: LocFacts, missed: dict[Loc, float], missed_facts: LocFacts
) -> dict[Loc, float]:
    """Carcinoma: the bed of one removed before (local recurrence), or wherever a missed gland may be."""
    carc: dict[Loc, float] = {}
    for s in sorted(rec.carcinoma_sides):
        carc[("operative_bed", s)] = 1.0
        facts.setdefault(("operative_bed", s), []).append(
            ex.finding(f"Carcinoma or atypical tumour removed before on the {s}: local recurrence in its bed")
        )
    for loc, v in missed.items():
        carc[loc] = carc.get(loc, 0.0) + v
        facts.setdefault(loc, []).extend(missed_facts.get(loc, []))
    return _norm(carc)


def site_priors(
    case: Case, rec: Record, kn: Knowledge, causes: dict[str, float]
) -> tuple[dict[str, dict[Loc, float]], dict[str, LocFacts]]:
    """Each cause's site distribution, and per cause and site the facts behind it.

    After an exploration that saw three glands and not the left inferior, a missed gland is most
    likely on that gland's descent path on the left; without a graft there is no graft prior.

    >>> from kg.knowledge import knowledge
    >>> from planner.record import read_record
    >>> kn = knowledge()
    >>> glands = [("right_superior", "removed"), ("right_inferior", "identified_normal"),
    ...           ("left_superior", "identified_normal"), ("left_inferior", "not_found")]
    >>> case = Case.model_validate({"id": "x", "operations": [{"day": -400, "procedures": [],
    ...     "glands": [{"position": p, "status": s} for p, s in glands]}]})
    >>> per, facts = site_priors(case, read_record(case, kn), kn, {"missed_single_gland": 1.0})
    >>> missed = per["missed_single_gland"]
    >>> max(missed, key=missed.__getitem__), round(sum(missed.values()), 9), per["graft_hyperfunction"]
    (('perrier_E', 'left'), 1.0, {})
    """
    by_cause: dict[str, LocFacts] = defaultdict(dict)
    per: dict[str, dict[Loc, float]] = {}
    per["missed_single_gland"] = _missed_prior(rec, kn, by_cause["missed_single_gland"])
    per["supernumerary_gland"] = _supernumerary_prior(rec, kn, by_cause["supernumerary_gland"])
    per["multiglandular_disease"] = _multiglandular_prior(
        rec,
        kn,
        by_cause["multiglandular_disease"],
        per["supernumerary_gland"],
        by_cause["supernumerary_gland"],
    )
    per["remnant_hyperfunction"] = _remnant_prior(rec, kn, by_cause["remnant_hyperfunction"])
    graft = _graft_prior(rec, by_cause["graft_hyperfunction"])
    per["graft_hyperfunction"] = graft if causes.get("graft_hyperfunction", 0) > 0 else {}
    per["parathyromatosis"] = _bed_prior(rec, by_cause["parathyromatosis"])
    per["carcinoma"] = _carcinoma_prior(
        rec, by_cause["carcinoma"], per["missed_single_gland"], by_cause["missed_single_gland"]
    )
    return per, dict(by_cause)
