"""Whether a record without a parathyroid operation shows hyperparathyroidism at all, and which
procedure codes it holds: what decides between an info card and silence (:mod:`clinical.cds_hooks`).

The import has refused the record by then (no day 0), so this reads the merged prefetch
Bundle as plain JSON, defensively: any value may be of any type. Only codes are read, never
free text, as in the import.

Hyperparathyroidism is shown by any of:

- a Condition coded as hyperparathyroidism (:data:`HPT_CONDITIONS`, or a hyperparathyroid
  syndrome of the import's own table) that is not refuted or entered in error;
- a Procedure whose code is a parathyroid operation in the import's table, whatever its status
  or date (an operation planned, stopped or undated is about hyperparathyroidism);
- biochemistry: a PTH above its reference range, or a calcium above its range with a PTH that
  is not low (hypercalcaemia with a PTH that is not suppressed is the biochemical definition
  of primary hyperparathyroidism). "Above" is the Observation's interpretation flag, else its
  value in a known UCUM unit against the graph's reference limits, as the planner reads it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from clinical.fhir_maps import maps
from kg.knowledge import knowledge
from planner.units import to_canonical

ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
SNOMED = "http://snomed.info/sct"
MONDO = "http://purl.obolibrary.org/obo/mondo.owl"
HPO = "http://purl.obolibrary.org/obo/hp.owl"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
#: (system, code) of Conditions that are hyperparathyroidism or a tumour of a parathyroid gland.
#: ICD-10: E21.0 primary, E21.3 unspecified hyperparathyroidism, D35.1 benign neoplasm and C75.0
#: malignant neoplasm of the parathyroid gland (secondary, E21.1, is not what ParaReop plans);
#: SNOMED CT 66999008 Hyperparathyroidism (disorder), 36348003 Primary hyperparathyroidism;
#: MONDO:0010837 and HP:0008200 primary hyperparathyroidism (ontology/mappings.sssom.tsv).
HPT_CONDITIONS = frozenset(
    [(s, c) for s in (ICD10CM, ICD10) for c in ("E21.0", "E21.3", "D35.1", "C75.0")]
    + [(SNOMED, "66999008"), (SNOMED, "36348003"), (MONDO, "MONDO:0010837"), (HPO, "HP:0008200")]
)
#: Syndromes of the import's table (conditions.tsv) that are hyperparathyroidism (FHH is its mimic,
#: MEN2A has it in a minority).
HPT_SYNDROMES = frozenset({"MEN1", "HPT_JT", "familial_isolated_HPT"})
NOT_SO = frozenset({"refuted", "entered-in-error"})
HIGH = frozenset({"H", "HH", "HU"})
LOW = frozenset({"L", "LL", "LU"})
CALCIUM = frozenset({"calcium_total", "calcium_ionized"})
CODES_SHOWN = 20
"""How many distinct procedure codes the no-operation card lists (the rest are counted)."""


def _resources(bundle: dict[str, Any], rtype: str) -> Iterator[dict[str, Any]]:
    for e in bundle.get("entry") or []:
        res = e.get("resource") if isinstance(e, dict) else None
        if isinstance(res, dict) and res.get("resourceType") == rtype:
            yield res


def _codings(concept: Any) -> list[dict[str, Any]]:
    """The codings of a CodeableConcept given as JSON, or of a list of them, as {system, code} of
    strings (bad shapes give nothing: the record was not validated, and this must not fail)."""
    concepts = concept if isinstance(concept, list) else [concept]
    out: list[dict[str, Any]] = []
    for c in concepts:
        codings = c.get("coding") if isinstance(c, dict) else None
        for x in codings if isinstance(codings, list) else []:
            if isinstance(x, dict):  # only string values reach the lookups (a list is unhashable)
                out.append({k: x[k] for k in ("system", "code") if isinstance(x.get(k), str)})
    return out


def _codes(concept: Any) -> set[str]:
    return {c["code"] for c in _codings(concept) if "code" in c}


def _condition_evidence(bundle: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for cond in _resources(bundle, "Condition"):
        if _codes(cond.get("verificationStatus")) & NOT_SO:
            continue
        codings = _codings(cond.get("code"))
        hpt = [c for c in codings if (c.get("system"), c.get("code")) in HPT_CONDITIONS]
        if hpt:
            found.append(f"Condition {hpt[0]['system']}|{hpt[0]['code']}")
        elif maps().syndrome(codings) in HPT_SYNDROMES:
            found.append(f"Condition {maps().syndrome(codings)}")
    return found


def _procedure_evidence(bundle: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for proc in _resources(bundle, "Procedure"):
        row = maps().procedure(_codings(proc.get("code")))
        if row is not None and row.parathyroid_operation and proc.get("status") != "entered-in-error":
            found.append(f"a parathyroid Procedure ({row.procedure}) that is not completed and dated")
    return found


def _canonical(obs: dict[str, Any], analyte: str) -> float | None:
    """The value in the graph's canonical unit, or None when it is missing or its unit unknown."""
    q = obs.get("valueQuantity")
    q = q if isinstance(q, dict) else {}
    value, code = q.get("value"), q.get("code")
    if isinstance(value, bool) or not isinstance(value, int | float) or not isinstance(code, str):
        return None
    row = maps().units.get(code)
    if row is None:
        return None
    try:
        return to_canonical(knowledge(), analyte, float(value) * row.factor, row.target)[0]
    except (ValueError, ArithmeticError):  # UnitError is a ValueError
        return None


def _level(obs: dict[str, Any], analyte: str) -> str | None:
    """'high', 'low' or 'normal': the Observation's own flag, else its value against the graph's
    reference limits (an EHR does not always send the flag); None when neither says."""
    flags = _codes(obs.get("interpretation"))
    if flags & HIGH:
        return "high"
    if flags & LOW:
        return "low"
    value, kn = _canonical(obs, analyte), knowledge()
    if value is None:
        return "normal" if flags & {"N"} else None
    upper, lower = kn.reference_limit(analyte, "upper"), kn.reference_limit(analyte, "lower")
    if upper is not None and value > upper.v:
        return "high"
    return "low" if lower is not None and value < lower.v else "normal"


def _lab_evidence(bundle: dict[str, Any]) -> list[str]:
    """A PTH above its range, or a calcium above its range with a PTH that is not low."""
    levels: dict[str, set[str | None]] = {"pth": set(), "calcium": set()}
    for obs in _resources(bundle, "Observation"):
        if obs.get("status") in ("entered-in-error", "cancelled"):
            continue
        analyte = maps().lab(_codings(obs.get("code")))
        if analyte == "pth_intact" or analyte in CALCIUM:
            levels["pth" if analyte == "pth_intact" else "calcium"].add(_level(obs, analyte))
    if "high" in levels["pth"]:
        return ["a PTH above its reference range"]
    if "high" in levels["calcium"] and levels["pth"] - {"low"}:
        return ["a calcium above its reference range with a PTH that is not low"]
    return []


def hpt_evidence(bundle: dict[str, Any]) -> list[str]:
    """What in the record shows hyperparathyroidism, in words (codes, never values or dates).

    >>> hpt_evidence({"entry": [{"resource": {"resourceType": "Condition",
    ...     "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "E21.0"}]}}}]})
    ['Condition http://hl7.org/fhir/sid/icd-10-cm|E21.0']
    >>> hpt_evidence({"entry": [{"resource": {"resourceType": "Observation", "code": "x"}}, 7]})
    []
    """
    seen = _condition_evidence(bundle) + _procedure_evidence(bundle) + _lab_evidence(bundle)
    return list(dict.fromkeys(seen))


def _text(value: Any, missing: str, limit: int = 80) -> str:
    """A code or system as one short line: the EHR's codes are shown, but never a whole document."""
    if not isinstance(value, str):
        return missing
    text = " ".join(value.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def procedure_codes(bundle: dict[str, Any], shown: int = CODES_SHOWN) -> list[str]:
    """Every distinct Procedure coding as 'system|code', with the status when not 'completed'.

    >>> procedure_codes({"entry": [{"resource": {"resourceType": "Procedure", "status": "in-progress",
    ...     "code": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "60500"}]}}}]})
    ['http://www.ama-assn.org/go/cpt|60500 (status in-progress)']
    """
    out: list[str] = []
    for proc in _resources(bundle, "Procedure"):
        status = proc.get("status")
        note = "" if status == "completed" else f" (status {_text(status, 'missing')})"
        codings = _codings(proc.get("code"))
        out += [f"{_text(c.get('system'), '(no system)')}|{_text(c.get('code'), '')}{note}" for c in codings]
        if not codings:
            out.append(f"(no code){note}")
    unique = list(dict.fromkeys(out))
    return unique[:shown] + ([f"… and {len(unique) - shown} more"] if len(unique) > shown else [])
