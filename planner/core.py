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
from planner.decision import decide
from planner.features import features
from planner.findings import collect
from planner.gates import SURGICAL, carcinoma_red_flags
from planner.iopth import iopth_plan
from planner.locations import MAX_LOCATIONS, locate
from planner.models import Case, CauseItem, LocationItem, Plan
from planner.normalize import normalize
from planner.record import read_record
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
    except Exception as exc:  # any other fault is the planner's, reported as such
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
    causes, cause_facts = cause_probabilities(feat, kn)
    warnings = list(go.warnings)
    if go.diagnosis in SURGICAL:
        carcinoma_red_flags(kn, go, feat)
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
        if p >= kn.param("cause_listing_floor").v
        and (go.diagnosis in SURGICAL or go.diagnosis == "fhh_suspected")
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
    decision, op_items, test_items = decide(ev, go, warnings)
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
