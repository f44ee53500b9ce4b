"""The planner: case -> gates -> causes and locations -> decision, operations, next tests -> plan.

``plan(case)`` is the Python API; ``plan_dict`` validates a raw JSON case first. Each stage is
one call, in the order DESIGN.md's planner steps give; the modules behind them hold the rules.
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
from planner.explain import Link
from planner.features import features
from planner.findings import Finding, collect
from planner.gates import SURGICAL, carcinoma_red_flags
from planner.iopth import iopth_plan
from planner.locations import MAX_LOCATIONS, Located, locate
from planner.models import Case, CauseItem, LocationItem, Plan
from planner.normalize import normalize
from planner.record import Record, read_record
from planner.state import Evidence
from planner.validate import CaseError, PlanningError, case_field_path, validate_case

__all__ = ["plan", "plan_dict"]


def plan_dict(data: Any, kn: Knowledge | None = None) -> Plan:
    """Validate a raw case (as parsed from JSON) and plan it.

    Only :class:`ontology.errors.ParaReopError` leaves this function: an invalid case (a NaN,
    nesting too deep, a number too long, a schema or semantic problem) raises
    :class:`planner.validate.CaseError` naming each field; a fault inside the planner raises
    :class:`PlanningError` naming the case, so a batch can report it and go on.

    >>> try:
    ...     plan_dict({"id": "x", "labs": [{"analyte": "calcium_total", "value": "high", "unit": "mg/dL", "day": 1}]})
    ... except CaseError as err:
    ...     print([path for path, _ in err.problems])
    ['labs[0].value']
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
    """Plan a validated case, top to bottom:

    1. the labs in canonical units (corrected calcium, the CCCR) and what the operations left;
    2. the gates, with the check that no gate rests on one of two disagreeing same-day values:
       the diagnosis, and the decision when a gate stops the plan;
    3. the findings and the cause features, and P(cause | features);
    4. the carcinoma red flags, on surgical disease (persistent or recurrent);
    5. where the tissue is, when no gate stopped the plan;
    6. the decision, the operations and the next tests (the localization gate says why);
    7. the plan, with the IOPTH plan when it operates.

    >>> from planner.contract_files import shared_dir
    >>> import json
    >>> p = plan_dict(json.loads((shared_dir() / "cases" / "ex-04-missing-left-inferior.json").read_text()))
    >>> p.decision, p.diagnosis, [g.id for g in p.gates][:2]
    ('operate', 'persistent', ['biochemical_diagnosis', 'fhh_screen'])
    """
    kn = kn or knowledge()
    norm = normalize(case, kn)
    rec = read_record(case, kn)
    go = gated(case, norm, kn)
    findings, dropped = collect(case, norm, rec, go.diagnosis, kn)
    feat = features(case, norm, rec, go.diagnosis, findings, kn)
    causes, cause_facts = cause_probabilities(feat, kn)
    surgical = go.diagnosis in SURGICAL
    if surgical:
        go = go.with_result(carcinoma_red_flags(kn, feat))
    where = locate(case, rec, kn, causes, findings) if surgical and go.decision is None else None
    ev = _evidence(case, kn, rec, findings, feat, causes, where)
    decided = decide(ev, go)
    return Plan(
        case_id=case.id,
        decision=decided.decision,
        diagnosis=go.diagnosis,
        gates=list(decided.gates.gates),
        suspected_causes=_cause_items(kn, go.diagnosis, ev.causes, cause_facts),
        locations=_location_items(where),
        operations=list(decided.operations),
        next_tests=list(decided.tests),
        warnings=[*decided.gates.warnings, *decided.warnings, *(d["text"] or "" for d in dropped)],
        iopth_plan=iopth_plan(norm, kn) if decided.decision == "operate" else None,
        record=rec.summary(),
        ontology_version=kn.version,
        sources=_sources(where),
    )


def _evidence(
    case: Case,
    kn: Knowledge,
    rec: Record,
    findings: list[Finding],
    feat: dict[str, Link],
    causes: dict[str, float],
    where: Located | None,
) -> Evidence:
    """What the decision reads: the ranked places and the posterior once located, else no place
    and P(cause | features)."""
    return Evidence(
        case=case,
        kn=kn,
        rec=rec,
        findings=findings,
        feat=feat,
        locations=where.locations if where else [],
        causes=where.causes if where else causes,
        post=where.post if where else None,
    )


def _cause_items(
    kn: Knowledge, diagnosis: str, causes: dict[str, float], facts: dict[str, list[Link]]
) -> list[CauseItem]:
    """The suspected causes above the graph's listing floor, most likely first; listed on surgical
    disease and on suspected FHH only."""
    if diagnosis not in SURGICAL and diagnosis != "fhh_suspected":
        return []
    floor = kn.param("cause_listing_floor").v
    return [
        CauseItem(cause=c, probability=round(p, 4), explanation=facts.get(c, []))
        for c, p in sorted(causes.items(), key=lambda kv: (-kv[1], kv[0]))
        if p >= floor
    ]


def _location_items(where: Located | None) -> list[LocationItem]:
    """The ranked places, at most ``MAX_LOCATIONS``, each with the facts behind it."""
    if where is None:
        return []
    return [
        LocationItem(
            rank=i + 1,
            site=loc[0],
            side=loc[1],
            probability=round(p, 4),
            explanation=where.facts.get(loc) or [ex.finding("candidate site")],
        )
        for i, (loc, p) in enumerate(where.locations[:MAX_LOCATIONS])
    ]


def _sources(where: Located | None) -> dict[str, float] | None:
    """P(number of sources), when there is a set posterior."""
    post = where.post if where else None
    return {k: round(v, 4) for k, v in post.sources().items()} if post and post.weights else None
