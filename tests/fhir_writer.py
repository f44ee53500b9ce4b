"""Test helper: write a contract case as a realistic FHIR R4 Bundle (the profile of README
"FHIR import"), so that the import can be tested by a round trip.

Not part of the product: EHRs write the bundles. It uses the standard codes where the
tables have them (LOINC for labs, SNOMED CT laterality, UCUM units) and the ParaReop local
code systems elsewhere, with calendar dates around a fixed day 0, a name and a birth date
(which the import must not carry into the case).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from clinical.fhir_maps import LOINC, PROFILE, SNOMED, UCUM, maps, system

DAY0 = dt.date(2019, 3, 14)
MOLAR = {"mmol/L", "pmol/L", "nmol/L", "umol/L", "mmol/24h"}
SIDE_SNOMED = {"left": "7771000", "right": "24028007", "midline": "399488007"}


def _date(day: int) -> str:
    return (DAY0 + dt.timedelta(days=day)).isoformat()


def _dt(day: int) -> str:
    return f"{_date(day)}T09:30:00+01:00"


def _cc(scheme: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system(scheme), "code": code}]}


def _profile(code: str) -> dict[str, Any]:
    return {"coding": [{"system": PROFILE, "code": code, "display": maps().profile_codes[code]}]}


def _side(side: str) -> dict[str, Any]:
    return {"coding": [{"system": SNOMED, "code": SIDE_SNOMED[side]}]}


def ucum(unit: str) -> str:
    """The UCUM code the writer uses for a contract unit (first row of the unit table)."""
    for row in maps().units.values():
        if row.target == unit and row.factor == 1:
            return row.ucum
    raise KeyError(unit)


def _qty(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": ucum(unit)}


def _q(value: float, code: str) -> dict[str, Any]:
    """A Quantity in a plain UCUM unit (mm, mg, min)."""
    return {"value": value, "unit": code, "system": UCUM, "code": code}


def _comp(code: str, **value: Any) -> dict[str, Any]:
    """A component with a profile code and one value[x]."""
    return {"code": _profile(code), **value}


LAB_CATEGORY = [
    {
        "coding": [
            {"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}
        ]
    }
]
CONFIRMED = {
    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]
}


def loinc_for(analyte: str, unit: str) -> str | None:
    rows = [r for r in maps().loinc.values() if r.analyte == analyte]
    if not rows:
        return None
    want = "[Moles" if unit in MOLAR else "[Mass"
    return next((r.loinc for r in rows if want in r.long_name), rows[0].loinc)


class _Writer:
    def __init__(self, pid: str) -> None:
        self.pid = pid
        self.entries: list[dict[str, Any]] = []
        self.n = 0

    def add(self, res: dict[str, Any]) -> str:
        self.n += 1
        res["id"] = f"{res['resourceType'][:3].lower()}-{self.n}"
        if res["resourceType"] != "Patient":
            key = "patient" if res["resourceType"] == "FamilyMemberHistory" else "subject"
            res[key] = {"reference": f"Patient/{self.pid}"}
        self.entries.append({"fullUrl": f"urn:uuid:00000000-0000-4000-8000-{self.n:012d}", "resource": res})
        return f"{res['resourceType']}/{res['id']}"

    def obs(self, code: dict[str, Any], **kw: Any) -> str:
        return self.add({"resourceType": "Observation", "status": "final", "code": code, **kw})


def case_to_bundle(
    case: dict[str, Any], pid: str = "pat-1", bundle_type: str = "collection"
) -> dict[str, Any]:
    """A FHIR R4 Bundle carrying everything the case says (notes are written as free text)."""
    w = _Writer(pid)
    p = case.get("patient", {})
    findings = [x for k in ("labs", "imaging", "venous_sampling", "fna") for x in case.get(k, [])]
    days = [x["day"] for x in findings if "day" in x]
    days += [op["day"] for op in case.get("operations", [])]
    last = DAY0 + dt.timedelta(days=max(days, default=0))
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "name": [{"family": "Testperson", "given": ["Ada"]}],
        "gender": p.get("sex", "unknown"),
    }
    if "age" in p:
        born = last.replace(year=last.year - p["age"]) - dt.timedelta(days=40)
        patient["birthDate"] = born.isoformat()
    w.entries.append({"fullUrl": f"urn:uuid:{pid}", "resource": {**patient, "id": pid}})
    if p.get("surgical_candidate") is not None:
        w.obs(
            _profile("surgical-candidate"),
            valueBoolean=p["surgical_candidate"],
            effectiveDateTime=_dt(max(days)),
        )
    if p.get("palpable_neck_mass") is not None:
        w.obs(
            _profile("palpable-neck-mass"),
            valueBoolean=p["palpable_neck_mass"],
            effectiveDateTime=_dt(max(days)),
        )
    if "vocal_cord_paralysis" in p:
        v = p["vocal_cord_paralysis"]
        kw = {"valueBoolean": False} if v is None else {"valueCodeableConcept": _side(v)}
        w.obs(_profile("vocal-cord-paralysis"), effectiveDateTime=_dt(max(days)), **kw)
    for syn in p.get("syndromes", []):
        w.add(
            {
                "resourceType": "Condition",
                "code": _cc("syndromes", syn),
                "verificationStatus": CONFIRMED,
            }
        )
    if p.get("family_history_hypercalcemia"):
        w.add(
            {
                "resourceType": "FamilyMemberHistory",
                "status": "completed",
                "relationship": {
                    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "MTH"}]
                },
                "condition": [{"code": _profile("hypercalcemia")}],
            }
        )
    for med in p.get("medications", []):
        w.add(
            {
                "resourceType": "MedicationStatement",
                "status": "active",
                "medicationCodeableConcept": _cc("medications", med),
            }
        )
    for op in case.get("operations", []):
        refs = []
        for proc in op["procedures"]:
            res: dict[str, Any] = {
                "resourceType": "Procedure",
                "status": "completed",
                "code": _cc("prior_procedures", proc),
                "performedDateTime": _dt(op["day"]),
            }
            if op.get("note"):
                res["note"] = [{"text": op["note"]}]
            refs.append({"reference": w.add(res)})
        for g in op.get("glands", []):
            comps = []
            if "pathology" in g:
                comps.append(
                    _comp("gland-pathology", valueCodeableConcept=_cc("pathologies", g["pathology"]))
                )
            if "weight_mg" in g:
                comps.append(_comp("gland-weight", valueQuantity=_q(g["weight_mg"], "mg")))
            if "site" in g:
                comps.append(_comp("gland-found-site", valueCodeableConcept=_cc("sites", g["site"])))
            if "side" in g:
                comps.append(_comp("gland-found-side", valueCodeableConcept=_side(g["side"])))
            w.obs(
                _profile("parathyroid-gland"),
                partOf=refs[:1],
                effectiveDateTime=_dt(op["day"]),
                bodySite=_cc("gland_positions", g["position"]),
                valueCodeableConcept=_cc("gland_status", g["status"]),
                **({"component": comps} if comps else {}),
            )
        comps = []
        if "thymectomy" in op:
            comps.append(_comp("thymectomy", valueCodeableConcept=_cc("thymectomy", op["thymectomy"])))
        if "capsule_rupture" in op:
            comps.append(_comp("capsule-rupture", valueBoolean=op["capsule_rupture"]))
        for lobe in op.get("thyroid_removed", []):
            comps.append(_comp("thyroid-lobe-removed", valueCodeableConcept=_side(lobe)))
        if "autograft" in op:
            comps.append(
                _comp(
                    "autograft-location",
                    valueCodeableConcept=_cc("autograft_locations", op["autograft"]["location"]),
                )
            )
            if "side" in op["autograft"]:
                comps.append(_comp("autograft-side", valueCodeableConcept=_side(op["autograft"]["side"])))
        if comps:
            w.obs(
                _profile("operative-findings"), partOf=refs, effectiveDateTime=_dt(op["day"]), component=comps
            )
        if "iopth" in op:
            for s in op["iopth"]["samples"]:
                w.obs(
                    _profile("iopth"),
                    partOf=refs[:1],
                    effectiveDateTime=_dt(op["day"]),
                    valueQuantity=_qty(s["value"], op["iopth"]["unit"]),
                    component=[_comp("minutes-from-excision", valueQuantity=_q(s["minute"], "min"))],
                )
    for lab in case.get("labs", []):
        code = loinc_for(lab["analyte"], lab["unit"])
        cc = {"coding": [{"system": LOINC, "code": code}]} if code else _cc("analytes", lab["analyte"])
        res = {
            "category": LAB_CATEGORY,
            "effectiveDateTime": _dt(lab["day"]),
            "valueQuantity": _qty(lab["value"], lab["unit"]),
        }
        rr = {}
        if "reference_low" in lab:
            rr["low"] = _qty(lab["reference_low"], lab["unit"])
        if "reference_high" in lab:
            rr["high"] = _qty(lab["reference_high"], lab["unit"])
        if rr:
            res["referenceRange"] = [rr]
        w.obs(cc, **res)
    for im in case.get("imaging", []):
        comps = []
        if "side" in im:
            comps.append(_comp("laterality", valueCodeableConcept=_side(im["side"])))
        if "size_mm" in im:
            comps.append(_comp("lesion-size", valueQuantity=_q(im["size_mm"], "mm")))
        if "foci" in im:
            comps.append(_comp("lesion-count", valueInteger=im["foci"]))
        if "appearance" in im:
            comps.append(
                _comp("lesion-appearance", valueCodeableConcept=_cc("imaging_appearances", im["appearance"]))
            )
        kw: dict[str, Any] = {"valueCodeableConcept": _cc("imaging_results", im["result"])}
        if "site" in im:
            kw["bodySite"] = _cc("sites", im["site"])
        if comps:
            kw["component"] = comps
        if im.get("note"):
            kw["note"] = [{"text": im["note"]}]
        ref = w.obs(_profile("parathyroid-imaging"), effectiveDateTime=_dt(im.get("day", 0)), **kw)
        w.add(
            {
                "resourceType": "DiagnosticReport",
                "status": "final",
                "code": _cc("modalities", im["modality"]),
                "effectiveDateTime": _dt(im.get("day", 0)),
                "result": [{"reference": ref}],
                "conclusion": im.get("note", "See structured findings."),
            }
        )
    for vs in case.get("venous_sampling", []):
        members = []
        for s in vs["samples"]:
            kw = {"bodySite": _cc("veins", s["vein"]), "valueQuantity": _qty(s["pth"], vs["unit"])}
            if "side" in s:
                kw["component"] = [_comp("laterality", valueCodeableConcept=_side(s["side"]))]
            members.append(
                {"reference": w.obs(_profile("venous-pth"), effectiveDateTime=_dt(vs.get("day", 0)), **kw)}
            )
        w.obs(
            _profile("venous-sampling"),
            effectiveDateTime=_dt(vs.get("day", 0)),
            component=[_comp("peripheral-pth", valueQuantity=_qty(vs["peripheral_pth"], vs["unit"]))],
            hasMember=members,
        )
    for f in case.get("fna", []):
        comps = []
        if "side" in f:
            comps.append(_comp("laterality", valueCodeableConcept=_side(f["side"])))
        if "serum_pth" in f:
            comps.append(_comp("serum-pth", valueQuantity=_qty(f["serum_pth"], f["unit"])))
        if "cytology" in f:
            comps.append(_comp("fna-cytology", valueCodeableConcept=_cc("fna_cytology", f["cytology"])))
        w.obs(
            _profile("fna-pth-washout"),
            effectiveDateTime=_dt(f.get("day", 0)),
            bodySite=_cc("sites", f["site"]),
            valueQuantity=_qty(f["pth_washout"], f["unit"]),
            **({"component": comps} if comps else {}),
        )
    return {"resourceType": "Bundle", "type": bundle_type, "entry": w.entries}
