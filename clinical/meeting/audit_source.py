"""The meeting store as the audit's source: the recorded outcomes and the cases they belong to.

``parareop audit --db`` scores plans against what the board recorded later
(``parareop meeting outcome``), as :mod:`clinical.audit` does for an outcomes file. A case
presented at several meetings counts once, with its latest outcome.
"""

from __future__ import annotations

from typing import Any

from clinical.audit import Outcome
from clinical.meeting.store import open_store


def to_audit_outcome(case_id: str, o: dict[str, Any]) -> Outcome:
    """A recorded outcome as the audit reads it (``also_found`` None when it was not recorded).

    >>> to_audit_outcome("a", {"found_site": "perrier_F", "found_side": "left", "cured": True,
    ...                        "also_found": None}).glands
    (('perrier_F', 'left'),)
    """
    also = o.get("also_found")
    return Outcome(
        case_id,
        o.get("found_site"),
        o.get("found_side"),
        o.get("cured"),
        None if also is None else tuple((g["site"], g.get("side")) for g in also),
    )


def _replan(case: dict[str, Any]) -> dict[str, Any]:
    from ontology.errors import ParaReopError
    from planner.pipeline import plan_dict

    try:
        return plan_dict(case).to_json()
    except ParaReopError as exc:
        return {"case_file": f"stored case {case.get('id')!r}", "error": str(exc)}


def store_audit_inputs(
    db: str | None, as_planned: bool = False
) -> tuple[dict[str, Outcome], list[dict[str, Any]]]:
    """The outcomes recorded in the store and the plans to score: the stored cases planned now,
    or (``as_planned``) the plans recorded at the meeting."""
    store = open_store(db)
    try:
        rows = store.recorded_outcomes()
    finally:
        store.close()
    outcomes = {r["case_id"]: to_audit_outcome(r["case_id"], r["outcome"]) for r in rows}
    plans = [r["plan"] if as_planned else _replan(r["case"]) for r in rows]
    return outcomes, plans
