"""A CDS Hooks 1.x service: the ParaReop plan as cards when a patient's chart is opened.

- ``GET /cds-services`` (discovery) lists one ``patient-view`` service whose prefetch asks
  for the patient, the Observations of the codes the import reads and the Procedures
  (required) and the Conditions, FamilyMemberHistory, MedicationStatements,
  MedicationRequests and DiagnosticReports (optional).
- ``POST /cds-services/parareop-reoperation-plan`` merges the prefetched resources into one
  collection Bundle, imports it (:mod:`clinical.fhir_import`), plans it and answers with one
  card (:mod:`clinical.cds_cards`): the decision and diagnosis, the number of sources when
  several glands are likely, the top locations and operations, the next tests, every import
  note, a link to the case board, and the ontology version in the card's source.
- ``POST /cds-services/parareop-reoperation-plan/feedback`` (CDS Hooks 2.0) validates the
  feedback and appends it to a log without patient data (:mod:`clinical.cds_feedback`).

Answers follow the specification: a missing required prefetch key is read from the call's
``fhirServer`` only when that server is on the service's allow-list (:mod:`clinical.cds_fetch`),
else it is ``412 Precondition Failed``, as is a fetch that fails; a malformed request is a
``400`` with a message (:mod:`clinical.cds_request`). A patient without a parathyroid
operation gets an info card saying so and naming the procedure codes seen when the record
shows hyperparathyroidism (:mod:`clinical.cds_evidence`), else ``{"cards": []}``. A record
the import cannot read or the planner cannot plan gets a warning card saying why.

This module is the hook's logic; the HTTP service around it (workers, deadlines, limits,
authorization) is :mod:`clinical.cds_http`.
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clinical.cds_cards import CardLinks, error_card, no_operation_card, plan_card
from clinical.cds_evidence import hpt_evidence, procedure_codes
from clinical.cds_feedback import FeedbackLog
from clinical.cds_fetch import FhirFetcher, fetch
from clinical.cds_request import (
    HOOK,
    REQUIRED_PREFETCH,
    RequestError,
    check_request,
    is_missing,
    merge_prefetch,
    one_line,
    prefetch_completeness,
)
from clinical.cds_server import log_fault
from clinical.fhir_import import FhirImportError, import_bundle
from clinical.fhir_maps import PROFILE, maps, system
from clinical.fhir_planning import plan_imported
from kg import strict_json
from kg.strict_json import CDS_REQUEST, JsonInputError, Parsed, excerpt
from ontology.errors import InputError

__all__ = [
    "RequestError",
    "call",
    "call_parsed",
    "discovery",
    "merge_prefetch",
    "plan_card",
    "prefetch_templates",
]

SERVICE_ID = "parareop-reoperation-plan"
NO_OPERATION = "no completed parathyroid Procedure"
"""The import's message when the record has no day 0 (no completed, dated parathyroid operation)."""


@functools.cache
def prefetch_templates() -> dict[str, str]:
    """The prefetch templates: Observations only of the codes the import reads.

    A patient followed for twenty years has thousands of Observations (vital signs, blood
    counts); the EHR would send all of them on every chart opening. The code list is the
    LOINC table of the import (``clinical/data/loinc.tsv``) and the two ParaReop code systems
    whose every code it reads (``system|``: the imaging, venous-sampling, FNA and operation
    profile, and the local analytes). The LOINC codes go without their system: a code of
    another system that happens to match costs a few resources, not a wrong plan (the import
    reads a lab only from a LOINC coding), and the template stays about 310 characters
    instead of 670. Medications come as MedicationStatement and as
    MedicationRequest: EHRs record a current drug as either.

    >>> prefetch_templates()["medicationRequests"]
    'MedicationRequest?patient={{context.patientId}}'
    >>> ",2731-8," in prefetch_templates()["observations"]
    True
    """
    codes = [*maps().loinc, f"{PROFILE}|", f"{system('analytes')}|"]
    patient = "patient={{context.patientId}}"
    return {
        "patient": "Patient/{{context.patientId}}",
        "observations": f"Observation?{patient}&code={','.join(codes)}",
        "procedures": f"Procedure?{patient}",
        "conditions": f"Condition?{patient}",
        "familyHistory": f"FamilyMemberHistory?{patient}",
        "medications": f"MedicationStatement?{patient}",
        "medicationRequests": f"MedicationRequest?{patient}",
        "reports": f"DiagnosticReport?{patient}",
    }


def discovery() -> dict[str, Any]:
    """The discovery document (``GET /cds-services``)."""
    return {
        "services": [
            {
                "hook": HOOK,
                "id": SERVICE_ID,
                "title": "ParaReop reoperation plan",
                "description": "For a patient with persistent or recurrent primary hyperparathyroidism "
                "after parathyroid surgery: the biochemical diagnosis, where the missing gland most likely "
                "is, which operation reaches it and which test to do next, each with its sources.",
                "prefetch": dict(prefetch_templates()),
                "usageRequirements": "Needs the patient's Observations (LOINC labs and the ParaReop imaging, "
                "venous-sampling and FNA profile) and Procedures; see the ParaReop README, 'FHIR import'.",
            }
        ]
    }


# ---------------------------------------------------------------------------- the call


def call(body: Any, links: CardLinks | None = None) -> dict[str, Any]:
    """Answer one ``patient-view`` call given as a Python object; raises RequestError for a 4xx.

    The object gets the checks of the strict reader first (:func:`kg.strict_json.check_value`:
    an over-long note is dropped from it in place), so a NaN that arrives through the Python
    API is refused as it would be over HTTP.
    """
    try:
        parsed = strict_json.check_value(body, CDS_REQUEST)
    except JsonInputError as exc:
        raise RequestError(400, f"the request is refused: {one_line(exc.problems)}", exc.problems) from None
    return call_parsed(parsed, links)


def call_parsed(
    parsed: Parsed,
    links: CardLinks | None = None,
    feedback: FeedbackLog | None = None,
    fetcher: FhirFetcher | None = None,
) -> dict[str, Any]:
    """Answer a call whose body passed the strict reader; raises RequestError for a 4xx answer.

    The import and the planner may fail on a record; the EHR's hook call must not, so every
    failure becomes a warning card: a record that cannot be read or planned says why (a
    :class:`ParaReopError` is meant for the user), an internal fault says only that it was
    logged (the traceback goes to stderr with the hookInstance, never to the client). With a
    ``feedback`` log the card is remembered, so that feedback on it says what it advised.
    A required prefetch that is missing is read from the call's ``fhirServer`` when ``fetcher``
    allows that server (:mod:`clinical.cds_fetch`), else the answer is ``412``.
    """
    instance, pid, prefetch = check_request(parsed.value)
    prefetch = _complete(parsed.value, pid, prefetch, fetcher)
    notes = _Notes(list(parsed.warnings), prefetch_completeness(prefetch))
    card, plan = _answer(merge_prefetch(prefetch), instance, pid, notes, links or CardLinks())
    if card is None:
        return {"cards": []}
    if feedback is not None:
        feedback.remember(card, plan)
    return {"cards": [card]}


def _complete(
    body: dict[str, Any], pid: str, prefetch: dict[str, Any], fetcher: FhirFetcher | None
) -> dict[str, Any]:
    """The prefetch with what a required key lacks read from the FHIR server (every missing
    template key, since the plan reads them all), or ``412`` when it cannot be."""
    missing = [k for k in REQUIRED_PREFETCH if k not in prefetch or is_missing(prefetch[k])]
    if not missing:
        return prefetch
    if fetcher is None or not fetcher.servers or "fhirServer" not in body:
        raise RequestError(
            412,
            f"required prefetch missing: {', '.join(missing)}; this service reads a FHIR server itself only "
            "when the call sends fhirServer and fhirAuthorization and the server is on its allow-list "
            "(parareop cds-hooks --fhir-server), so the CDS client must send the prefetch templates of "
            "the discovery document",
        )
    wanted = {k: t for k, t in prefetch_templates().items() if k not in prefetch or is_missing(prefetch[k])}
    return {**prefetch, **fetch(fetcher, body["fhirServer"], body.get("fhirAuthorization"), pid, wanted)}


@dataclass(frozen=True)
class _Notes:
    """What the call said before the import: what the strict reader dropped, and which prefetched
    searches were only a first page (these join the import's warnings, so the plan gets the
    completeness gate)."""

    dropped: list[str]
    incomplete: list[str]


def _answer(
    bundle: dict[str, Any], instance: str, pid: str, said: _Notes, links: CardLinks
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(card, plan) for the merged prefetch; no card only for a patient without hyperparathyroidism.

    Every card carries the call's notes and the import's warnings, since each is data the plan
    did not use.
    """
    notes = said.dropped
    if not any(e["resource"]["resourceType"] != "Patient" for e in bundle["entry"]):
        return None, None
    try:
        result = import_bundle(bundle, patient=pid)
    except FhirImportError as exc:
        if NO_OPERATION in str(exc):
            return _no_operation(bundle, instance, notes), None
        return error_card(instance, f"ParaReop could not read this record: {exc}", notes), None
    except Exception as exc:  # noqa: BLE001 - an import fault must not break the EHR's hook call
        return _fault_card(instance, "import", exc, notes), None
    result.warnings[:0] = said.incomplete
    warnings = [*notes, *result.warnings]
    try:
        plan = plan_imported(result)
    except InputError as exc:  # CaseError: the imported record is not a case the planner takes
        message = f"ParaReop cannot plan this record: {one_line(exc.problems)}"
        return error_card(instance, message, warnings), None
    except Exception as exc:  # noqa: BLE001 - PlanningError or worse: the planner's fault, not the record's
        return _fault_card(instance, "planning", exc, warnings), None
    if links.case_dir is not None:
        save_case(links.case_dir, result.case)
    return plan_card(plan, instance, warnings, links), plan


def save_case(folder: Path, case: dict[str, Any]) -> Path:
    """Write an imported case where the board reads it (``$PARAREOP_CASE_DIR``), atomically: the
    board never reads half a file. The case holds no identifier (``clinical.fhir_import``); its
    file is named by its content hash id.

    >>> import tempfile
    >>> save_case(Path(tempfile.mkdtemp()), {"id": "fhir-0123abcd", "patient": {}}).name
    'fhir-0123abcd.json'
    """
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{Path(str(case['id'])).name}.json"
    with tempfile.NamedTemporaryFile("w", dir=folder, suffix=".part", delete=False, encoding="utf-8") as f:
        json.dump(case, f, indent=1)
    os.replace(f.name, target)
    return target


def _no_operation(bundle: dict[str, Any], instance: str, notes: list[str]) -> dict[str, Any] | None:
    """An info card when the record shows hyperparathyroidism but no parathyroid operation, else None.

    Silence is right for the many charts opened that have nothing to do with the parathyroids;
    for a patient with hyperparathyroidism it would hide that an operation is missing from
    the data or coded in a way the import does not read.
    """
    evidence = hpt_evidence(bundle)
    if not evidence:
        return None
    return no_operation_card(instance, evidence, procedure_codes(bundle), notes)


def _fault_card(instance: str, stage: str, exc: BaseException, warnings: list[str]) -> dict[str, Any]:
    log_fault(stage, instance, exc)
    return error_card(
        instance,
        f"ParaReop failed on this record (an internal error in {stage}, logged by the service "
        f"with hookInstance {excerpt(instance)}).",
        warnings,
    )
