"""The planner: case -> gates -> causes and locations -> operations -> next tests -> plan.

``plan(case)`` is the Python API; ``plan_dict`` validates a raw JSON case first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from kg.knowledge import Knowledge, knowledge
from kg.strict_json import JsonInputError, check_value, excerpt
from ontology.errors import ParaReopError
from planner import explain as ex
from planner.consistency import gated
from planner.explain import Link
from planner.findings import collect
from planner.gates import SURGICAL, GateOutcome
from planner.indication import cause_suffices, operation_changing_tests
from planner.inference import (
    Finding,
    Loc,
    cause_probabilities,
    features,
    likelihood,
    loc_matches,
    localized_foci,
    se_fp,
    site_priors,
    vein_region,
)
from planner.iopth import iopth_plan
from planner.models import Case, CauseItem, LocationItem, OperationItem, Plan, Target, TestItem
from planner.normalize import normalize
from planner.record import normal_positions, read_record
from planner.sources import Glands, SourcePosterior, source_posterior
from planner.validate import CaseError, PlanningError, case_field_path, validate_case

MAX_LOCATIONS = 12
# the expected-information-gain sums run over the leading candidates only (display and speed, not clinical)
EIG_LOCATIONS = 10


def plan_dict(data: Any, kn: Knowledge | None = None) -> Plan:
    """Validate a raw case (as parsed from JSON) and plan it.

    Only :class:`ontology.errors.ParaReopError` leaves this function: an invalid case (a NaN,
    nesting too deep, a number too long, a schema or semantic problem) raises
    :class:`planner.validate.CaseError` naming each field; a fault inside the planner raises
    :class:`PlanningError` naming the case, so a batch can report it and go on.
    """
    kn = kn or knowledge()
    try:
        check_value(data)
    except JsonInputError as exc:
        raise CaseError(exc.problems) from None
    validate_case(data, kn)
    try:
        case = Case.model_validate(data)
    except ValidationError as exc:  # the schema passed, so this is a value pydantic cannot hold
        raise CaseError([(case_field_path(e["loc"]), e["msg"]) for e in exc.errors()]) from None
    try:
        return plan(case, kn)
    except ParaReopError:
        raise
    except Exception as exc:  # noqa: BLE001 - any other fault is the planner's, reported as such
        raise PlanningError(
            f"internal error while planning case {excerpt(case.id)}: {type(exc).__name__}: {excerpt(str(exc), 200)}"
        ) from exc


def plan(case: Case, kn: Knowledge | None = None) -> Plan:
    kn = kn or knowledge()
    norm = normalize(case, kn)
    rec = read_record(case, kn)
    go = gated(case, norm, kn)
    findings, dropped = collect(case, norm, rec, go.diagnosis, kn)
    feat = features(case, norm, rec, go.diagnosis, findings, kn)
    carcinoma_flags = {
        f for f, lrs in kn.likelihood_ratios.items() if any(c == "carcinoma" and lr.v > 1 for c, lr in lrs)
    }
    red = [k for k in feat if k in carcinoma_flags]
    causes, cause_facts = cause_probabilities(feat, kn)
    warnings = list(go.warnings)
    if go.diagnosis in SURGICAL:
        _carcinoma_gate(kn, go, feat, red)
    locations: list[tuple[Loc, float]] = []
    loc_facts: dict[Loc, list[Link]] = {}
    post_causes = causes
    sources: dict[str, float] | None = None
    post: SourcePosterior | None = None
    surgical_disease = go.diagnosis in SURGICAL and go.decision is None
    if surgical_disease:
        per, cause_loc_facts = site_priors(case, rec, kn, causes)
        loc_causes = {c: p for c, p in causes.items() if c != "fhh" and per.get(c)}
        z = sum(loc_causes.values())
        post = source_posterior(kn, {c: p / z for c, p in loc_causes.items()}, per, findings, _gland_count(kn, rec, case))
        marg = post.inclusion()
        cm = post.causes()
        sources = post.sources()
        fhh = causes.get("fhh", 0.0)
        post_causes = {c: cm.get(c, 0.0) * (1 - fhh) for c in causes}
        post_causes["fhh"] = fhh
        locations = sorted(marg.items(), key=lambda kv: (-round(kv[1], 12), kv[0][0], kv[0][1] or ""))
        floor = kn.param("min_operation_coverage").v
        for loc, p_loc in locations[:MAX_LOCATIONS]:
            shares = sorted(((post.share(c, loc), c) for c in causes), reverse=True)
            for share, c in shares:
                if p_loc <= 0 or share <= 0 or share / p_loc < floor:
                    continue
                loc_facts.setdefault(loc, []).append(
                    ex.coded(
                        kn,
                        "suspected_causes",
                        c,
                        f"As {c.replace('_', ' ')}: {share / p_loc:.0%} of the probability here",
                    )
                )
                loc_facts[loc].extend(_dedupe(cause_loc_facts.get(c, {}).get(loc, [])))
        lead = _leading(post_causes)
        for x in findings:
            for loc, _ in locations[:MAX_LOCATIONS]:
                lk = likelihood(kn, x, loc, lead)
                if abs(lk - 1.0) > 1e-9:
                    perf = kn.performance[x.modality].evidence
                    loc_facts.setdefault(loc, []).append(
                        ex.evidence(f"{x.label}: likelihood x {lk:.2g} here", perf)
                    )
    cause_items = [
        CauseItem(cause=c, probability=round(p, 4), explanation=cause_facts.get(c, []))
        for c, p in sorted(post_causes.items(), key=lambda kv: (-kv[1], kv[0]))
        if p >= 0.005 and (go.diagnosis in SURGICAL or go.diagnosis == "fhh_suspected")
    ]
    loc_items = [
        LocationItem(
            rank=i + 1,
            site=loc[0],
            side=loc[1],
            probability=round(p, 4),  # type: ignore[arg-type]
            explanation=loc_facts.get(loc) or [ex.finding("candidate site")],
        )
        for i, (loc, p) in enumerate(locations[:MAX_LOCATIONS])
    ]
    decision, op_items, test_items = _decide(
        case, kn, go, findings, locations, post_causes, rec, warnings, post, feat
    )
    gates = list(go.gates)
    return Plan(
        case_id=case.id,
        decision=decision,
        diagnosis=go.diagnosis,
        gates=gates,  # type: ignore[arg-type]
        suspected_causes=cause_items,
        locations=loc_items,
        operations=op_items,
        next_tests=test_items,
        warnings=warnings + [d["text"] or "" for d in dropped],
        iopth_plan=iopth_plan(norm, kn) if decision == "operate" else None,
        record=rec.summary(),
        ontology_version=kn.version,
        sources={k: round(v, 4) for k, v in sources.items()} if sources else None,
    )


def _gland_count(kn: Knowledge, rec, case: Case) -> Glands:
    """The glands left in situ, those removed before that were not shown to be normal, and whether
    a known syndrome involves every gland: what sets how many sources can remain."""
    fates = [rec.fate(pos) for pos in normal_positions(kn)] + list(rec.supernumerary)
    gone = [f for f in fates if f.status in kn.gone_statuses]
    in_situ = sum(1 for pos in normal_positions(kn) if rec.fate(pos).status not in kn.gone_statuses)
    every = bool(set(case.patient.syndromes) & kn.every_gland_syndromes)
    return Glands(in_situ, sum(1 for f in gone if f.pathology != "normal"), every)


def _dedupe(facts: list[Link]) -> list[Link]:
    seen, out = set(), []
    for f in facts:
        key = (f["text"], f["iri"])
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def _leading(causes: dict[str, float]) -> str:
    return max(sorted(causes), key=lambda c: causes[c] if c != "fhh" else -1)


def _carcinoma_gate(kn: Knowledge, go: GateOutcome, feat: dict[str, Link], red: list[str]) -> None:
    facts = [feat[k] for k in sorted(red)]
    if red:
        go.gate(
            kn,
            "carcinoma_red_flags",
            "warn",
            "Carcinoma red flags: " + ", ".join(k.replace("_", " ") for k in sorted(red)) + ".",
            facts,
        )
    else:
        go.gate(kn, "carcinoma_red_flags", "pass", "No carcinoma red flag.", [])
    go.gates.sort(key=lambda g: kn.gates[g.id][2])


def _near(kn: Knowledge, loc: Loc, site: str, side: str | None) -> bool:
    """The finding names this place or a neighbour on the same side (imaging misplaces the Perrier letter,
    so two studies one zone apart on one side are concordant for the surgeon)."""
    if loc_matches(kn, loc, site, side):
        return True
    return site in kn.adjacency.get(loc[0], ()) and (
        side in (None, "midline") or loc[1] in (None, "midline", side)
    )


def _support(findings: list[Finding], kn: Knowledge, loc: Loc) -> tuple[int, bool]:
    studies = {
        (x.modality, x.day)
        for x in findings
        if x.kind == "imaging"
        for p, e in x.positives
        if e >= 1.0 and _near(kn, loc, p[0], p[1])
    }
    confirm = any(
        x.confirmatory and any(loc_matches(kn, loc, p[0], p[1]) for p, _ in x.positives)
        for x in findings
        if x.kind in ("svs", "fna")
    )
    return len(studies), confirm


def _adequate(findings: list[Finding], kn: Knowledge, loc: Loc) -> bool:
    """Two concordant studies, or one confirmed by venous sampling or FNA; a positive FNA washout
    proves tissue at its needle's tip on its own (it was aimed at a lesion)."""
    n, confirm = _support(findings, kn, loc)
    need = kn.param("localization_min_concordant").v
    fna = any(
        x.kind == "fna" and x.confirmatory and any(loc_matches(kn, loc, p[0], p[1]) for p, _ in x.positives)
        for x in findings
    )
    return n >= need or (n >= 1 and confirm) or fna


def _decide(
    case: Case,
    kn: Knowledge,
    go: GateOutcome,
    findings: list[Finding],
    locations: list[tuple[Loc, float]],
    causes: dict[str, float],
    rec,
    warnings: list[str],
    post: SourcePosterior | None,
    feat: dict[str, Link],
):
    """The decision, the ranked operations and the next tests, after the gates."""
    tests: list[TestItem] = []

    def add_test(code: str, reason: str, facts: list[Link] | None = None) -> None:
        if all(t.test != code for t in tests):
            tests.append(TestItem(rank=len(tests) + 1, test=code, reason=reason, explanation=facts or []))

    for code, reason, facts in go.tests:
        add_test(code, reason, facts)
    if go.decision is not None:
        return go.decision, [], tests
    top = locations[0][0] if locations else None
    adequate = top is not None and _adequate(findings, kn, top)
    if go.block_surgery:
        # the FHH screen holds the plan: localization tests only where the localization is still open
        if not adequate:
            for code, reason, facts, *_ in _ranked_localization_tests(case, kn, findings, locations, causes):
                add_test(code, reason, facts)
        _localization_gate(kn, go, findings, locations, adequate, held="the FHH screen")
        return "investigate", [], tests
    if go.medical_only:
        _localization_gate(kn, go, findings, locations, adequate)
        return "medical", _medical_options(kn, locations, causes, adequate), tests
    decision, ops, more = _surgical(case, kn, go, findings, locations, causes, rec, warnings, post, feat)
    for code, reason, facts in more:
        add_test(code, reason, facts)
    for code, reason, facts in _required_tests(kn, decision, ops):
        add_test(code, reason, facts)
    for i, t in enumerate(tests):
        t.rank = i + 1
    return decision, ops, tests


def _surgical(case, kn: Knowledge, go: GateOutcome, findings, locations, causes, rec, warnings, post, feat):
    """Operate or investigate once every gate passed: localized enough (or the cause's evidence is
    enough for an operation on every gland, or no test would change the plan), and no test left
    that changes which operation. Returns the decision, the operations and the tests to add."""
    useful, closing = _useful_tests(case, kn, findings, locations, causes)
    top = locations[0][0] if locations else None
    adequate = top is not None and _adequate(findings, kn, top)
    established = cause_suffices(kn, causes, rec, feat) if locations else None
    decision = "operate" if adequate or established or not useful else "investigate"
    if decision == "operate" and not adequate and not established and locations:
        warnings.append(_best_available_warning(kn, closing, locations))
    _localization_gate(kn, go, findings, locations, adequate, established=established)
    tests = operation_changing_tests(case, kn, feat)
    if decision == "operate" and tests:
        decision = "investigate"  # indication before localization: the test decides which operation
    ops = _operations(
        kn, locations, causes, findings, rec, case, post or SourcePosterior({}), decision == "operate",
        established is not None,
    )
    if decision == "investigate" and not established:
        tests += [(code, reason, facts) for code, reason, facts, *_ in useful]
    return decision, ops, tests


def _useful_tests(case: Case, kn: Knowledge, findings, locations, causes) -> tuple[list, list[Finding]]:
    """The localization tests worth doing (enough expected gain, or able to change the decision),
    and the findings of the sequence's last test that localized (then only a confirming FNA remains)."""
    ranked = _ranked_localization_tests(case, kn, findings, locations, causes)
    useful = [t for t in ranked if t[3] >= kn.param("min_useful_information_gain").v or t[4]]
    closing = [x for x in findings if x.modality in kn.ends_workup and x.confirmatory]
    if closing:
        useful = [t for t in useful if t[0] == "fna_pth_washout"]
    return useful, closing


def _best_available_warning(kn: Knowledge, closing: list[Finding], locations) -> str:
    why = (
        f"{kn.label('tests', closing[0].modality)}, the last test of the localization sequence, has localized"
        if closing
        else "No remaining test is likely to change the plan"
    )
    return (
        f"{why}: operating on the best localization there is "
        f"({kn.site_name(*locations[0][0])}, probability {locations[0][1]:.0%}); the uncertainty is real."
    )


def _required_tests(
    kn: Knowledge, decision: str, ops: list[OperationItem]
) -> list[tuple[str, str, list[Link]]]:
    """What the graph requires first (prp:requiresTest): of the first operation when operating; of
    the localization gate before any operation that may follow an investigation."""
    if not ops:
        return []
    if decision == "operate":
        op = kn.procedures[ops[0].operation]
        return [
            (
                req,
                f"{kn.definitions.get(kn.iri('tests', req) or '', req)} Required before the {op.label}.",
                [ex.graph(f"{op.label} requires {kn.label('tests', req)} first", op.iri)],
            )
            for req in sorted(op.requires)
        ]
    gate_iri = kn.gates["localization"][0]
    return [
        (
            req,
            kn.definitions.get(kn.iri("tests", req) or "", req),
            [ex.graph(f"Work-up before any reoperation: {kn.label('tests', req)}", gate_iri)],
        )
        for req in sorted(kn.requires.get(gate_iri, ()))
    ]


def _localization_gate(
    kn: Knowledge,
    go: GateOutcome,
    findings,
    locations,
    adequate,
    held: str | None = None,
    established: tuple[str, list[Link]] | None = None,
) -> None:
    if established and not adequate and locations:
        cause, facts = established
        go.gate(
            kn,
            "localization",
            "pass",
            f"No per-gland localization needed: {cause.replace('_', ' ')} in its established setting, "
            "with a gland never explored; an operation on every gland goes ahead.",
            facts,
        )
    elif not locations:
        go.gate(kn, "localization", "unknown", "No candidate location.", [])
    else:
        (site, side), p = locations[0]
        n, confirm = _support(findings, kn, (site, side))
        facts = [
            ex.finding(
                f"Leading site {kn.site_name(site, side)}: {n} positive imaging stud{'y' if n == 1 else 'ies'}"
                f"{' confirmed by venous sampling or FNA' if confirm else ''}; probability {p:.0%}"
            ),
            ex.evidence(
                "Reoperate after two concordant studies, or one plus venous sampling or FNA",
                kn.param("localization_min_concordant"),
            ),
        ]
        status = "pass" if adequate else "warn"
        msg = (
            f"Localized to {kn.site_name(site, side)} ({p:.0%})."
            if adequate
            else f"Not yet localized well enough (leading: {kn.site_name(site, side)}, {p:.0%})."
        )
        if held and adequate:
            msg = msg[:-1] + f", but no operation until {held} is settled."
            status = "warn"
        go.gate(kn, "localization", status, msg.replace("  ", " "), facts)
    go.gates.sort(key=lambda g: kn.gates[g.id][2])


def _entropy(ps) -> float:
    return -sum(p * math.log2(p) for p in ps if p > 0)


def _imaging_expected_entropy(kn: Knowledge, modality: str, dist: dict[Loc, float], lead: str) -> float:
    """Expected entropy of the location posterior after one more study of this modality.

    The outcomes are "positive at L" (probability p(L) x sensitivity at L) and "negative"; each
    posterior uses the same likelihood as the planner's update (inference.likelihood), written
    out here with the per-site figures computed once.
    """
    share = kn.param("adjacent_site_share").v
    figs = {loc: se_fp(kn, modality, loc[0], lead)[:2] for loc in dist}
    neg = [p * (1 - figs[loc][0]) for loc, p in dist.items()]
    pn = sum(neg)
    total = pn * _entropy(v / pn for v in neg) if pn > 0 else 0.0
    for hit, p in dist.items():
        se_h, fp_h = figs[hit]
        weight = p * se_h
        if weight <= 0:
            continue
        post = []
        for loc, q in dist.items():
            se, fp = figs[loc]
            if loc_matches(kn, loc, hit[0], hit[1]):
                f = se / fp
            elif hit[0] in kn.adjacency.get(loc[0], ()) and (
                hit[1] in (None, "midline") or loc[1] in (None, "midline", hit[1])
            ):
                f = max(1 - se, share * se / fp)
            else:
                f = 1 - se
            post.append(q * f)
        z = sum(post)
        if z > 0:
            total += weight * _entropy(v / z for v in post)
    return total


def _svs_region(kn: Knowledge, loc: Loc, graft: bool = False) -> frozenset[Loc]:
    """The places a gradient would point to if the tissue were at ``loc``: every site drained by the
    veins that drain ``loc``, on its side for paired veins (the same rule as findings.collect).
    ``graft`` reads the graft-arm vein only (graft-arm sampling), otherwise every other vein."""
    out: set[Loc] = set()
    for vein in kn.veins.values():
        if (vein.code == "graft_arm_vein") == graft and loc[0] in vein.drains:
            out |= vein_region(kn, vein, loc[1])
    return frozenset(out)


def _fna_target(kn: Knowledge, findings: list[Finding], dist: dict[Loc, float]) -> Loc | None:
    """The most probable place that imaging shows a lesion a neck needle can reach and no FNA has
    sampled yet; places under the graph's coverage floor are not worth a needle."""
    floor = kn.param("min_operation_coverage").v
    sampled = {
        loc for x in findings if x.kind == "fna" for loc in [*(p for p, _ in x.positives), *x.negatives]
    }
    seen = {p for x in findings if x.kind == "imaging" for p, _ in x.positives}
    best: tuple[float, Loc] | None = None
    for loc, p in dist.items():
        if p < floor or not kn.sites[loc[0]].needle_reachable:
            continue
        if any(loc_matches(kn, loc, s[0], s[1]) for s in sampled):
            continue
        if any(loc_matches(kn, loc, s[0], s[1]) for s in seen) and (best is None or p > best[0]):
            best = (p, loc)
    return best[1] if best else None


def _gradient_gain(kn: Knowledge, test: str, dist: dict[Loc, float], h0: float, graft: bool) -> float:
    """Expected information gain of a venous-sampling test over the leading places.

    A gradient (probability = sensitivity where the tissue drains into a sampled vein) points to
    the region that vein drains; no gradient leaves the picture as it was. Graft-arm sampling is
    the same test read on the graft-arm vein, so both come from the graph's performance figures.
    """
    se, fp = kn.performance[test].sensitivity, kn.performance[test].false_positive_rate
    terms, pno = 0.0, 0.0
    for loc, p in dist.items():
        region = _svs_region(kn, loc, graft)
        if not region:
            pno += p
            continue
        post = [q * (se / fp if l2 in region else 1 - se) for l2, q in dist.items()]
        z = sum(post)
        if z > 0:
            terms += p * se * _entropy(v / z for v in post)
        pno += p * (1 - se)
    return max(0.0, h0 - terms - pno * h0)


def _ranked_localization_tests(case: Case, kn: Knowledge, findings: list[Finding], locations, causes):
    if not locations:
        return []
    lead = _leading(causes)
    head = locations[:EIG_LOCATIONS]
    z = sum(p for _, p in head)
    dist = {loc: p / z for loc, p in head}
    h0 = _entropy(dist.values())
    done = {x.modality for x in findings if x.day is None or x.day >= 0}
    top = locations[0][0]
    n_top, confirm_top = _support(findings, kn, top)
    need = kn.param("localization_min_concordant").v
    out = []
    imaging_tests = sorted(c for (scheme, c) in kn.iris if scheme == "tests" and ("modalities", c) in kn.iris)
    for m in imaging_tests:
        if m in done or m not in kn.performance or kn.family.get(m, frozenset()) & done:
            continue  # done, or a modality of its family was (correlated results add little)
        eig_terms = _imaging_expected_entropy(kn, m, dist, lead)
        eig = max(0.0, h0 - eig_terms)
        changes = n_top >= need - 1 and n_top >= 1
        out.append(
            (
                m,
                _reason(kn, m, eig, changes),
                [
                    ex.evidence(
                        f"{kn.label('tests', m)}: sensitivity {kn.performance[m].sensitivity:.0%}",
                        kn.performance[m].evidence,
                    )
                ],
                eig,
                changes,
                kn.procedures.get(m),
            )
        )
    if "selective_venous_sampling" not in done:
        svs = "selective_venous_sampling"
        eig = _gradient_gain(kn, svs, dist, h0, graft=False)
        changes = n_top >= 1
        out.append(
            (
                svs,
                _reason(kn, svs, eig, changes),
                [
                    ex.evidence(
                        "Selective venous sampling localizes by the veins that drain each site",
                        kn.performance[svs].evidence,
                    )
                ],
                eig,
                changes,
                None,
            )
        )
    target = _fna_target(kn, findings, dist)
    if target is not None:
        f = "fna_pth_washout"
        p = dist[target]
        shown = dict(locations).get(target, p)
        se, fp = kn.performance[f].sensitivity, kn.performance[f].false_positive_rate
        ppos = p * se + (1 - p) * fp
        post_pos = p * se / ppos if ppos else 0
        post_neg = p * (1 - se) / (1 - ppos) if ppos < 1 else 0
        h = lambda q: _entropy([q, 1 - q])  # noqa: E731
        eig = max(0.0, h(p) - ppos * h(post_pos) - (1 - ppos) * h(post_neg))
        out.append(
            (
                f,
                f"FNA with PTH washout of the visible lesion at {kn.site_name(*target)} ({shown:.0%}): a washout above "
                f"serum PTH proves parathyroid tissue there and would allow the operation (expected gain {eig:.2f} bits).",
                [
                    ex.evidence(
                        "FNA-PTH washout PPV 100% in persistent/recurrent PHPT", kn.performance[f].evidence
                    )
                ],
                eig,
                True,
                None,
            )
        )
    if any(loc[0] == "autograft" for loc, _ in locations[:3]) and "graft_arm_venous_sampling" not in done:
        g = "graft_arm_venous_sampling"
        out.append(
            (
                g,
                "PTH from both arms: a gradient from the grafted arm points to graft hyperfunction.",
                [ex.evidence("Graft-arm sampling", kn.performance[g].evidence)],
                _gradient_gain(kn, g, dist, h0, graft=True),
                True,
                None,
            )
        )
    # decision-changing tests first; among them an FNA of the visible lesion at the leading site, whose
    # positive washout is proof (DESIGN: it turns investigate into operate); then expected information gain
    proof_first = "fna_pth_washout" if target is not None and target == top else None
    out.sort(key=lambda t: (not t[4], t[0] != proof_first, -round(t[3], 6), t[0]))
    return out


def _reason(kn: Knowledge, test: str, eig: float, changes: bool) -> str:
    base = f"Expected information gain {eig:.2f} bits over the location ranking"
    return base + (
        "; a concordant positive result would complete the localization needed to operate."
        if changes
        else "."
    )


def _targets(locations, kn: Knowledge) -> list[Target]:
    """The places an operation for several glands aims at: every place it reaches that is likely
    enough to hold tissue (the graph's coverage floor), most likely first, at most four glands."""
    floor = kn.param("min_operation_coverage").v
    out = [Target(site=s, side=d) for (s, d), p in locations if p >= floor]  # type: ignore[arg-type]
    return out[:4] or [Target(site=s, side=d) for (s, d), _ in locations[:1]]  # type: ignore[arg-type]


def _within(pr, loc: Loc, side: str | None) -> bool:
    """Does the operation reach this place (on its side, for a one-side operation)?"""
    return loc[0] in pr.reaches and (side is None or loc[1] in (side, "midline", None))


def _best_side(post: SourcePosterior, dist: dict[Loc, float], pr) -> str:
    """The side a one-side operation goes in: where it is most likely to reach every source, then
    where the places it reaches are likeliest to hold tissue (so a mirrored case mirrors)."""
    by_side = {
        s: (
            round(post.reach(lambda loc, s=s: _within(pr, loc, s)), 9),
            round(sum(p for loc, p in dist.items() if _within(pr, loc, s)), 9),
        )
        for s in ("left", "right")
    }
    return max(sorted(by_side), key=lambda s: by_side[s])


def _reach_of(post: SourcePosterior, ops: list[tuple]) -> float:
    """P(every source lies where one of these operations goes)."""
    return post.reach(lambda loc: any(_within(e[2], loc, e[4]) for e in ops))


def _combination(ctx: _OpContext, scored: list[tuple], operate: bool) -> list[tuple]:
    """The operations that lead, as one sitting or staged: a covering problem over the posterior.

    When operating or localized, the first is the best-ranked operation that reaches the leading
    place (the plan's top location must be among its targets); in a diffuse picture still under
    investigation it is the best-ranked one (the most probability, gentlest first). Another is added while it raises the chance of reaching
    every source by at least the graph's coverage floor (the best-ranked of those that raise it
    most), so two foci that need different approaches are both reached, and an operation that
    adds nothing the first did not reach is never added.
    """
    top = ctx.top[0]
    reaching = [e for e in scored if _within(e[2], top, e[4])] if operate or ctx.localized() else []
    first = (reaching or scored)[0]
    combo = [first]
    while len(combo) < 3:
        base = _reach_of(ctx.post, combo)
        gains = [(round(_reach_of(ctx.post, [*combo, e]) - base, 6), -i) for i, e in enumerate(scored) if e not in combo]
        if not gains or max(gains)[0] < ctx.min_cov:
            break
        combo.append(scored[-max(gains)[1]])
    return combo


def _cover(ctx: _OpContext, combo: list[tuple]) -> dict[str, list[Loc]]:
    """For a combination, the likely places each operation takes (those not reached by one before
    it); ``{}`` for a single operation."""
    if len(combo) < 2:
        return {}
    out: dict[str, list[Loc]] = {}
    taken: set[Loc] = set()
    for e in combo:
        mine = [
            loc for loc, p in ctx.locations if p >= ctx.min_cov and loc not in taken and _within(e[2], loc, e[4])
        ]
        out[e[1]] = mine or [loc for loc, _ in ctx.locations if _within(e[2], loc, e[4])][:1]
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


def _disproven(kn: Knowledge, locations, findings: list[Finding]) -> frozenset[Loc]:
    """Places a tissue-proving test (a PTH washout) sampled and found negative, unless a later
    positive one or two imaging studies still point there: no operation is aimed at them alone."""
    cleared = {
        loc
        for loc, _ in locations
        for x in findings
        if x.modality in kn.proves_tissue and any(loc_matches(kn, loc, n[0], n[1]) for n in x.negatives)
    }
    return frozenset(loc for loc in cleared if not _adequate(findings, kn, loc))


def _op_context(kn: Knowledge, locations, causes, findings, rec, case: Case, post, established) -> _OpContext:
    return _OpContext(
        established=established,
        kn=kn,
        locations=locations,
        dist=dict(locations),
        causes=causes,
        post=post,
        lead=_leading(causes),
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


def _listed(ctx: _OpContext, code: str, pr) -> bool:
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


def _rank_key(ctx: _OpContext, code: str, pr, cov: float, side: str | None) -> tuple:
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


def _aimed_at_cleared(ctx: _OpContext, pr, side: str | None) -> bool:
    """Whether an operation has nothing left to aim at: no likely place it reaches, or the places
    it is the approach of choice for (a hemithyroidectomy for an intrathyroidal gland) are all
    cleared by a negative washout."""
    likely = [loc for loc, p in ctx.locations if p >= ctx.min_cov and _within(pr, loc, side)]
    aimed = [loc for loc in likely if loc[0] in pr.preferred]
    return not [loc for loc in likely if loc not in ctx.disproven] or bool(
        aimed and all(loc in ctx.disproven for loc in aimed)
    )


def _scored(ctx: _OpContext) -> list[tuple]:
    excluded = _excluded(ctx)
    scored = []
    for code, pr in ctx.kn.procedures.items():
        if code in excluded or code == "prior_procedures" or not _listed(ctx, code, pr):
            continue
        side = _best_side(ctx.post, ctx.dist, pr) if pr.one_side else None
        cov = ctx.post.reach(lambda loc, pr=pr, side=side: _within(pr, loc, side))
        if not _aimed_at_cleared(ctx, pr, side):
            scored.append((_rank_key(ctx, code, pr, cov, side), code, pr, cov, side))
    scored.sort(key=lambda t: t[0])
    return scored


def _op_targets(
    ctx: _OpContext, code: str, pr, side: str | None, cover: dict[str, list[Loc]]
) -> list[Target]:
    if code in cover:
        return [Target(site=s, side=d) for s, d in cover[code]]  # type: ignore[arg-type]
    if len(ctx.foci) >= 2 and all(_within(pr, f, side) for f in ctx.foci):
        return [Target(site=s, side=d) for s, d in ctx.foci]  # type: ignore[arg-type]
    if "multiglandular_disease" in pr.indicated:
        return _targets([(loc, p) for loc, p in ctx.locations if loc[0] in pr.reaches], ctx.kn)
    reached = [(loc, p) for loc, p in ctx.locations if _within(pr, loc, side)]
    if not ctx.localized():  # diffuse: every reached place that holds a real share
        reached = [(loc, p) for loc, p in reached if p >= ctx.min_cov] or reached
    return [Target(site=s, side=d) for (s, d), _ in reached[: 1 if ctx.localized() else 4]]  # type: ignore[arg-type]


def _op_adjuncts(ctx: _OpContext, pr, tg: list[Target], findings) -> list[str]:
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


def _op_facts(ctx: _OpContext, code: str, pr, cov: float, cover: dict[str, list[Loc]]) -> list[Link]:
    kn, lead = ctx.kn, ctx.lead
    shown = {x[0] for x, _ in ctx.locations[:5]}
    facts = [
        ex.graph(f"{pr.label} reaches {', '.join(sorted(s for s in pr.reaches if s in shown))}", pr.iri),
        ex.finding(f"Reaches every source with probability {cov:.0%}"),
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
                f"Indicated for the leading cause, {lead.replace('_', ' ')} ({ctx.causes[lead]:.0%})",
            )
        )
    for r in pr.risks:
        facts.append(ex.evidence(f"Risk: {r.label.removeprefix('risk: ')} {r.v:.1%}", r))
    return facts


def _operations(
    kn: Knowledge,
    locations,
    causes,
    findings,
    rec,
    case: Case,
    post: SourcePosterior,
    operate: bool,
    established: bool = False,
) -> list[OperationItem]:
    """The operations that reach the likely places, ranked; when no one operation reaches every
    localized focus, the combination that does goes first; the approach of choice for each leading
    place stays on the list."""
    if not locations:
        return []
    ctx = _op_context(kn, locations, causes, findings, rec, case, post, established)
    scored = _scored(ctx)
    if not scored:
        return []
    combo = _combination(ctx, scored, operate)
    cover = _cover(ctx, combo)
    scored = combo + [e for e in scored if e not in combo]
    chosen = scored[:5]
    for loc, p in locations[:3]:
        if p >= ctx.min_cov and not any(loc[0] in e[2].preferred for e in chosen):
            chosen += [e for e in scored if loc[0] in e[2].preferred and e not in chosen][:1]
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
    return items


def _medical_options(kn: Knowledge, locations, causes, adequate: bool) -> list[OperationItem]:
    lead = _leading(causes)
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
                side=side,  # type: ignore[arg-type]
                targets=[Target(site=site, side=side)] if site else [],
                adjuncts=[],
                explanation=facts,
            )
        )  # type: ignore[arg-type]
    return items
