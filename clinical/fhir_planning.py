"""An imported case, planned: the plan together with what the import said.

One home for what ``import-fhir --plan`` and the CDS service both do after the import: every
import warning goes into the plan's ``warnings`` (not only to stderr or the card's notes), and a
case made from part of the record (one page of a searchset, a ``total`` above the entries) gets
the graph's ``record_completeness`` gate as ``warn``, placed in the graph's gate order, so the
board, the card and a FHIR plan all show that the plan rests on part of the record.
"""

from __future__ import annotations

from typing import Any

from clinical.fhir_bundle import INCOMPLETE
from clinical.fhir_import import ImportResult
from kg.knowledge import Knowledge, knowledge
from planner.pipeline import plan_dict

GATE = "record_completeness"


def incomplete(warnings: list[str]) -> list[str]:
    """The import warnings that say the Bundle was only part of the record.

    >>> incomplete(["INCOMPLETE DATA: the Bundle is one page", "unit g/(24.h) unknown"])
    ['the Bundle is one page']
    """
    return [w.removeprefix(INCOMPLETE) for w in warnings if w.startswith(INCOMPLETE)]


def completeness_gate(kn: Knowledge, parts: list[str]) -> dict[str, Any]:
    """The ``record_completeness`` gate as it stands in a plan: ``warn`` with each reason, else ``pass``."""
    gate = kn.gates[GATE]
    facts = [{"text": f"Gate: {gate.label}", "iri": gate.iri, "source": None}]
    facts += [{"text": p, "iri": None, "source": "FHIR Bundle"} for p in parts]
    if not parts:
        return {
            "id": GATE,
            "status": "pass",
            "message": "The Bundle holds the whole record.",
            "explanation": facts,
        }
    message = "The plan rests on part of the record: " + "; ".join(parts)
    message += ". Read the remaining pages and plan again."
    return {"id": GATE, "status": "warn", "message": message, "explanation": facts}


def plan_imported(result: ImportResult, kn: Knowledge | None = None) -> dict[str, Any]:
    """The plan (contract JSON) of an imported case, with the import's warnings and the
    completeness gate; raises what :func:`planner.pipeline.plan_dict` raises."""
    kn = kn or knowledge()
    plan = plan_dict(result.case, kn).to_json()
    plan["warnings"] = [*plan["warnings"], *(f"FHIR import: {w}" for w in result.warnings)]
    plan["gates"] = sorted(
        [*plan["gates"], completeness_gate(kn, incomplete(result.warnings))],
        key=lambda g: kn.gates[g["id"]].order if g["id"] in kn.gates else len(kn.gates),
    )
    return plan
