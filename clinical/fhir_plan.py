"""A plan as FHIR R4 resources, for the EHR that asked: ``plan_bundle`` and its reader.

The plan goes back as one ``collection`` Bundle:

- a ``RiskAssessment`` whose ``prediction[]`` are the ranked locations: the site coded in the
  contract's code system (``https://w3id.org/parareop/fhir/CodeSystem/sites``), its side in an
  extension, the UBERON structure the site lies in or at as a second extension (not as an
  equivalent coding: Perrier A *is not* the thyroid gland), the probability that this place holds
  hyperfunctioning tissue (under the set model these need not sum to one), and the start of the
  explanation chain as ``rationale``. ``basis`` points at the Observations the case was built
  from, when it came from a Bundle. The number of separate sources, the decision and the
  diagnosis ride as extensions; the plan's warnings and every gate that did not pass are notes;
- a second ``RiskAssessment`` for the suspected causes;
- one ``ServiceRequest`` per next test (``draft`` / ``proposal``);
- a ``CarePlan`` (``draft`` / ``proposal``) with the recommended operation, and the operations
  that go with it, when the decision is to operate (or the medical treatment, when it is medical);
  no operation is proposed for any other decision;
- a ``Provenance`` naming the planner and the ontology version, targeting all of the above.

A failed case becomes an ``OperationOutcome`` naming each field (``error_outcome``). Every
resource is validated with the ``fhir.resources`` R4B models (wire-compatible with R4 for these
resources) before it is written; ``read_plan_bundle`` reads the essentials back (the round trip
the tests make).
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fhir.resources.R4B import get_fhir_model_class

from clinical.fhir_maps import BASE
from kg.knowledge import Knowledge, knowledge
from kg.sparql import run_named

#: Where ParaReop's own FHIR extensions are defined (README, section "FHIR out").
EXT = "https://w3id.org/parareop/fhir/StructureDefinition/"
UBERON_SYSTEM = "http://purl.obolibrary.org/obo/uberon.owl"
ONTOLOGY_VERSION_SYSTEM = "https://w3id.org/parareop/ontology/version"
PARTICIPANT_TYPE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
RATIONALE_LINKS = 4  # explanation links shown per prediction (display only: the plan has them all)
SOURCES = (("1", "one"), ("2", "two"), ("3+", "three-or-more"))
_NAMESPACE = uuid.UUID("0b6f7a52-3c1e-5d7e-9a43-6c2f0e8d1a11")  # fixed: the same plan, the same ids


@dataclass(frozen=True)
class Origin:
    """Where a plan's case came from, when it came from the EHR: the Patient reference and the
    Observations used (both references into the EHR's own data, never copied into the case)."""

    subject: str | None = None
    basis: tuple[str, ...] = ()


@dataclass
class _Writer:
    """Collects the resources of one Bundle with stable ``urn:uuid`` full URLs."""

    case_id: str
    subject: dict[str, Any]
    entries: list[dict[str, Any]] = field(default_factory=list)

    def add(self, resource: dict[str, Any]) -> str:
        url = "urn:uuid:" + str(
            uuid.uuid5(_NAMESPACE, f"{self.case_id}|{len(self.entries)}|{resource['resourceType']}")
        )
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        self.entries.append({"fullUrl": url, "resource": resource})
        return url


def _coding(kn: Knowledge, scheme: str, code: str) -> dict[str, Any]:
    return {"system": BASE + scheme, "code": code, "display": kn.label(scheme, code)}


def _concept(kn: Knowledge, scheme: str, code: str) -> dict[str, Any]:
    return {"coding": [_coding(kn, scheme, code)]}


@functools.lru_cache(maxsize=4)
def _anatomy(version: str) -> dict[str, tuple[str, str | None]]:
    """Per site, the UBERON structure it lies in or at and its label: the named query
    ``site-anatomy`` on the release (``version`` keys the cache)."""
    prefix = "http://purl.obolibrary.org/obo/UBERON_"
    return {
        r["site"]: ("UBERON:" + r["entity"][len(prefix) :], r.get("entity_label"))
        for r in run_named("site-anatomy").values()
        if r["entity"].startswith(prefix)
    }


def _uberon(kn: Knowledge, site: str) -> dict[str, Any] | None:
    """The UBERON coding of the structure the site lies in or at, when it is an UBERON class."""
    hit = _anatomy(kn.version).get(site)
    if hit is None:
        return None
    return {"system": UBERON_SYSTEM, "code": hit[0], **({"display": hit[1]} if hit[1] else {})}


def _prediction(kn: Knowledge, loc: Mapping[str, Any]) -> dict[str, Any]:
    site, side = loc["site"], loc.get("side")
    text = kn.label("sites", site) + (f", {side}" if side and side != "midline" else "")
    out: dict[str, Any] = {
        "outcome": {"coding": [_coding(kn, "sites", site)], "text": text},
        "probabilityDecimal": loc["probability"],
    }
    links = [f["text"] for f in loc.get("explanation", [])[:RATIONALE_LINKS]]
    if links:
        out["rationale"] = "; ".join(links)
    ext = []
    if side:
        ext.append({"url": EXT + "laterality", "valueCodeableConcept": _concept(kn, "sides", side)})
    coding = _uberon(kn, site)
    if coding:
        ext.append({"url": EXT + "anatomical-entity", "valueCodeableConcept": {"coding": [coding]}})
    if ext:
        out["extension"] = ext
    return out


def _notes(plan: Mapping[str, Any]) -> list[dict[str, str]]:
    gates = [f"Gate {g['id']}: {g['status']}. {g['message']}" for g in plan["gates"] if g["status"] != "pass"]
    return [{"text": t} for t in [*gates, *plan.get("warnings", [])] if t]


def _locations(kn: Knowledge, plan: Mapping[str, Any], w: _Writer, origin: Origin) -> str:
    ext: list[dict[str, Any]] = [
        {"url": EXT + "decision", "valueCodeableConcept": _concept(kn, "decisions", plan["decision"])},
        {"url": EXT + "diagnosis", "valueCodeableConcept": _concept(kn, "diagnoses", plan["diagnosis"])},
    ]
    if plan.get("sources"):
        parts = [{"url": name, "valueDecimal": plan["sources"][key]} for key, name in SOURCES]
        ext.append({"url": EXT + "separate-sources", "extension": parts})
    ra: dict[str, Any] = {
        "resourceType": "RiskAssessment",
        "status": "preliminary",  # decision support for the surgeon to review, not a finding
        "subject": w.subject,
        "code": {"text": "Location of hyperfunctioning parathyroid tissue (ParaReop)"},
        "prediction": [_prediction(kn, loc) for loc in plan["locations"]],
        "extension": ext,
    }
    if origin.basis:
        ra["basis"] = [{"reference": r} for r in origin.basis]
    if _notes(plan):
        ra["note"] = _notes(plan)
    if not ra["prediction"]:
        del ra["prediction"]
    return w.add(ra)


def _causes(kn: Knowledge, plan: Mapping[str, Any], w: _Writer) -> str | None:
    if not plan["suspected_causes"]:
        return None
    preds = [
        {
            "outcome": _concept(kn, "suspected_causes", c["cause"]),
            "probabilityDecimal": c["probability"],
            **(
                {"rationale": "; ".join(f["text"] for f in c["explanation"][:RATIONALE_LINKS])}
                if c["explanation"]
                else {}
            ),
        }
        for c in plan["suspected_causes"]
    ]
    return w.add(
        {
            "resourceType": "RiskAssessment",
            "status": "preliminary",
            "subject": w.subject,
            "code": {"text": "Cause of the persistent or recurrent hyperparathyroidism (ParaReop)"},
            "prediction": preds,
        }
    )


def _tests(kn: Knowledge, plan: Mapping[str, Any], w: _Writer) -> list[str]:
    return [
        w.add(
            {
                "resourceType": "ServiceRequest",
                "status": "draft",
                "intent": "proposal",
                "priority": "routine",
                "subject": w.subject,
                "code": _concept(kn, "tests", t["test"]),
                "reasonCode": [{"text": t["reason"]}],
                "extension": [{"url": EXT + "rank", "valueInteger": t["rank"]}],
            }
        )
        for t in plan["next_tests"]
    ]


def _proposed(plan: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The operation the plan recommends with those that go with it, only when it recommends one."""
    if plan["decision"] not in ("operate", "medical") or not plan["operations"]:
        return []
    lead = plan["operations"][0]
    partners = set(lead.get("together_with") or [])
    return [lead, *(o for o in plan["operations"][1:] if o["operation"] in partners)]


def _activity(kn: Knowledge, op: Mapping[str, Any]) -> dict[str, Any]:
    targets = ", ".join(
        kn.label("sites", t["site"]) + (f" ({t['side']})" if t.get("side") else "")
        for t in op.get("targets", [])
    )
    adjuncts = ", ".join(kn.label("adjuncts", a) for a in op.get("adjuncts", []))
    words = [
        s
        for s in (f"targets: {targets}" if targets else "", f"adjuncts: {adjuncts}" if adjuncts else "")
        if s
    ]
    pr = kn.procedures.get(op["operation"])
    detail: dict[str, Any] = {
        "kind": "ServiceRequest" if pr is None or pr.is_operation else "MedicationRequest",
        "code": _concept(kn, "operations", op["operation"]),
        "status": "not-started",
    }
    if words:
        detail["description"] = "; ".join(words)
    return {"detail": detail}


def _care_plan(kn: Knowledge, plan: Mapping[str, Any], w: _Writer, addresses: str) -> str | None:
    ops = _proposed(plan)
    if not ops:
        return None
    return w.add(
        {
            "resourceType": "CarePlan",
            "status": "draft",
            "intent": "proposal",
            "subject": w.subject,
            "title": "Proposed treatment (ParaReop): "
            + " with ".join(kn.label("operations", o["operation"]) for o in ops),
            "activity": [_activity(kn, o) for o in ops],
            "supportingInfo": [{"reference": addresses}],
        }
    )


def _provenance(
    kn: Knowledge, plan: Mapping[str, Any], w: _Writer, targets: list[str], recorded: str
) -> None:
    version = plan.get("ontology_version") or kn.version
    w.add(
        {
            "resourceType": "Provenance",
            "target": [{"reference": t} for t in targets],
            "recorded": recorded,
            "agent": [
                {
                    "type": {"coding": [{"system": PARTICIPANT_TYPE, "code": "assembler"}]},
                    "who": {"display": "ParaReop planner"},
                }
            ],
            "entity": [
                {
                    "role": "source",
                    "what": {
                        "identifier": {"system": ONTOLOGY_VERSION_SYSTEM, "value": version},
                        "display": f"ParaReop ontology {version}",
                    },
                }
            ],
        }
    )


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def plan_bundle(
    plan: Mapping[str, Any],
    origin: Origin = Origin(),
    recorded: str | None = None,
    kn: Knowledge | None = None,
) -> dict[str, Any]:
    """The plan (``Plan.to_json()``) as a FHIR R4 ``collection`` Bundle (module docstring).

    >>> from planner.pipeline import plan_dict
    >>> import json
    >>> from planner.contract_files import shared_dir
    >>> case = json.loads((shared_dir() / "cases" / "ex-04-missing-left-inferior.json").read_text())
    >>> b = plan_bundle(plan_dict(case).to_json(), recorded="2026-12-02T00:00:00+00:00")
    >>> [e["resource"]["resourceType"] for e in b["entry"]][:2], b["entry"][-1]["resource"]["resourceType"]
    (['RiskAssessment', 'RiskAssessment'], 'Provenance')
    """
    kn = kn or knowledge()
    subject = (
        {"reference": origin.subject} if origin.subject else {"display": f"ParaReop case {plan['case_id']}"}
    )
    w = _Writer(plan["case_id"], subject)
    where = _locations(kn, plan, w, origin)
    targets = [where, *filter(None, [_causes(kn, plan, w)]), *_tests(kn, plan, w)]
    care = _care_plan(kn, plan, w, where)
    if care:
        targets.append(care)
    _provenance(kn, plan, w, targets, recorded or _now())
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": w.entries}
    get_fhir_model_class("Bundle").model_validate(bundle)
    return bundle


def error_outcome(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A case that could not be planned (``plan_cmd`` error entry) as an ``OperationOutcome``:
    one issue per field named, so the EHR shows what to correct."""
    problems = entry.get("problems") or [{"field": "(document)", "message": entry["error"]}]
    issues = [
        {
            "severity": "fatal" if entry.get("internal") else "error",
            "code": "exception" if entry.get("internal") else "invalid",
            "diagnostics": f"{entry.get('case_file', 'case')}: {p['message']}",
            **({"expression": [p["field"]]} if p["field"] != "(document)" else {}),
        }
        for p in problems
    ]
    out = {"resourceType": "OperationOutcome", "issue": issues}
    get_fhir_model_class("OperationOutcome").model_validate(out)
    return out


def _code(concept: Mapping[str, Any], scheme: str) -> str | None:
    return next((c["code"] for c in concept.get("coding", []) if c.get("system") == BASE + scheme), None)


def _ext(item: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    return next((e for e in item.get("extension", []) if e["url"] == EXT + name), None)


def read_plan_bundle(bundle: Mapping[str, Any]) -> dict[str, Any]:
    """The essentials of a plan read back from its Bundle: decision, diagnosis, ranked locations
    (site, side, probability), the number of sources, the next tests, the proposed operations and
    the ontology version. Raises ``ValueError`` on a Bundle ``plan_bundle`` did not write."""
    get_fhir_model_class("Bundle").model_validate(bundle)
    res = [e["resource"] for e in bundle.get("entry", [])]
    risks = [r for r in res if r["resourceType"] == "RiskAssessment"]
    if not risks or _ext(risks[0], "decision") is None:
        raise ValueError("not a ParaReop plan Bundle: no RiskAssessment with a decision")
    where = risks[0]
    decision = _ext(where, "decision")
    diagnosis = _ext(where, "diagnosis")
    sources = _ext(where, "separate-sources")
    locations = []
    for p in where.get("prediction", []):
        side = _ext(p, "laterality")
        locations.append(
            {
                "site": _code(p["outcome"], "sites"),
                "side": _code(side["valueCodeableConcept"], "sides") if side else None,
                "probability": p["probabilityDecimal"],
            }
        )
    care = next((r for r in res if r["resourceType"] == "CarePlan"), None)
    prov = next(r for r in res if r["resourceType"] == "Provenance")
    return {
        "decision": _code(decision["valueCodeableConcept"], "decisions") if decision else None,
        "diagnosis": _code(diagnosis["valueCodeableConcept"], "diagnoses") if diagnosis else None,
        "locations": locations,
        "sources": {
            key: next(e["valueDecimal"] for e in sources["extension"] if e["url"] == name)
            for key, name in SOURCES
        }
        if sources
        else None,
        "next_tests": [_code(r["code"], "tests") for r in res if r["resourceType"] == "ServiceRequest"],
        "operations": [_code(a["detail"]["code"], "operations") for a in care["activity"]] if care else [],
        "ontology_version": prov["entity"][0]["what"]["identifier"]["value"],
    }
