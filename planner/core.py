"""The planner: case -> gates -> causes and locations -> operations -> next tests -> plan.

``plan(case)`` is the Python API; ``plan_dict`` validates a raw JSON case first.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from kg.knowledge import Knowledge, knowledge
from kg.strict_json import JsonInputError, check_value, excerpt
from ontology.errors import ParaReopError
from planner import explain as ex
from planner.causes import cause_probabilities
from planner.consistency import gated
from planner.explain import Link
from planner.features import features
from planner.findings import Finding, collect
from planner.gates import SURGICAL, GateOutcome, carcinoma_red_flags, localization_gate
from planner.indication import cause_suffices, operation_changing_tests
from planner.iopth import iopth_plan
from planner.localization import adequate
from planner.locations import MAX_LOCATIONS, locate
from planner.models import Case, CauseItem, LocationItem, OperationItem, Plan, TestItem
from planner.next_tests import Candidate, ranked_localization_tests
from planner.normalize import normalize
from planner.operations import medical_options, operations
from planner.places import Loc
from planner.record import Record, read_record
from planner.sources import SourcePosterior
from planner.state import Evidence
from planner.validate import CaseError, PlanningError, case_field_path, validate_case


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
        carcinoma_red_flags(kn, go, feat, red)
    where = (
        locate(case, rec, kn, causes, findings) if go.diagnosis in SURGICAL and go.decision is None else None
    )
    locations = where.locations if where else []
    loc_facts = where.facts if where else {}
    post_causes = where.causes if where else causes
    post = where.post if where else None
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
            probability=round(p, 4),
            explanation=loc_facts.get(loc) or [ex.finding("candidate site")],
        )
        for i, (loc, p) in enumerate(locations[:MAX_LOCATIONS])
    ]
    ev = Evidence(case, kn, rec, findings, feat, locations, post_causes, post)
    decision, op_items, test_items = _decide(ev, go, warnings)
    gates = list(go.gates)
    return Plan(
        case_id=case.id,
        decision=decision,
        diagnosis=go.diagnosis,
        gates=gates,
        suspected_causes=cause_items,
        locations=loc_items,
        operations=op_items,
        next_tests=test_items,
        warnings=warnings + [d["text"] or "" for d in dropped],
        iopth_plan=iopth_plan(norm, kn) if decision == "operate" else None,
        record=rec.summary(),
        ontology_version=kn.version,
        sources={k: round(v, 4) for k, v in post.sources().items()} if post and post.weights else None,
    )


def _decide(
    ev: Evidence, go: GateOutcome, warnings: list[str]
) -> tuple[str, list[OperationItem], list[TestItem]]:
    """The decision, the ranked operations and the next tests, after the gates."""
    kn, findings, locations = ev.kn, ev.findings, ev.locations
    tests: list[TestItem] = []

    def add_test(code: str, reason: str, facts: list[Link] | None = None) -> None:
        if all(t.test != code for t in tests):
            tests.append(TestItem(rank=len(tests) + 1, test=code, reason=reason, explanation=facts or []))

    for code, reason, facts in go.tests:
        add_test(code, reason, facts)
    if go.decision is not None:
        return go.decision, [], tests
    top = locations[0][0] if locations else None
    localized = top is not None and adequate(findings, kn, top)
    if go.block_surgery:
        # the FHH screen holds the plan: localization tests only where the localization is still open
        if not localized:
            for t in ranked_localization_tests(kn, findings, locations, ev.post, ev.rec):
                add_test(t.test, t.reason, t.facts)
        localization_gate(kn, go, findings, locations, localized, held="the FHH screen")
        return "investigate", [], tests
    if go.medical_only:
        localization_gate(kn, go, findings, locations, localized)
        return "medical", medical_options(kn, locations, ev.causes, localized), tests
    decision, ops, more = _surgical(ev, go, warnings)
    for code, reason, facts in more:
        add_test(code, reason, facts)
    for code, reason, facts in _required_tests(kn, decision, ops):
        add_test(code, reason, facts)
    for i, item in enumerate(tests):
        item.rank = i + 1
    return decision, ops, tests


def _surgical(
    ev: Evidence, go: GateOutcome, warnings: list[str]
) -> tuple[str, list[OperationItem], list[tuple[str, str, list[Link]]]]:
    """Operate or investigate once every gate passed: localized enough (or the cause's evidence is
    enough for an operation on every gland, or no test would change the plan), and no test left
    that changes which operation. Returns the decision, the operations and the tests to add."""
    kn, findings, locations = ev.kn, ev.findings, ev.locations
    useful, closing = _useful_tests(kn, findings, locations, ev.post, ev.rec)
    top = locations[0][0] if locations else None
    localized = top is not None and adequate(findings, kn, top)
    established = cause_suffices(kn, ev.causes, ev.rec, ev.feat) if locations else None
    decision = "operate" if localized or established or not useful else "investigate"
    if decision == "operate" and not localized and not established and locations:
        warnings.append(_best_available_warning(kn, closing, locations))
    localization_gate(kn, go, findings, locations, localized, established=established)
    tests = operation_changing_tests(ev.case, kn, ev.feat)
    if decision == "operate" and tests:
        decision = "investigate"  # indication before localization: the test decides which operation
    ops = operations(ev, decision == "operate", established is not None)
    if decision == "investigate" and not established:
        tests += [(t.test, t.reason, t.facts) for t in useful]
    return decision, ops, tests


def _useful_tests(
    kn: Knowledge,
    findings: list[Finding],
    locations: list[tuple[Loc, float]],
    post: SourcePosterior | None,
    rec: Record,
) -> tuple[list[Candidate], list[Finding]]:
    """The localization tests worth doing (enough expected gain, or able to change the decision),
    and the findings of the sequence's last test that localized (then only a confirming FNA remains)."""
    ranked = ranked_localization_tests(kn, findings, locations, post, rec)
    useful = [t for t in ranked if t.gain >= kn.param("min_useful_information_gain").v or t.changes]
    closing = [x for x in findings if x.modality in kn.ends_workup and x.confirmatory]
    if closing:
        useful = [t for t in useful if t.test == "fna_pth_washout"]
    return useful, closing


def _best_available_warning(kn: Knowledge, closing: list[Finding], locations: list[tuple[Loc, float]]) -> str:
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
