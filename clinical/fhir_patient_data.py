"""Patient, Condition, FamilyMemberHistory and medications: the case's ``patient`` object
(sex, age, syndromes, family history, current medications); no identifier is kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from clinical.fhir_base import (
    _codings,
    _date,
    _ref,
    _Run,
    _show,
)

MED_ACTIVE = {"MedicationStatement": {"active"}, "MedicationRequest": {"active"}}


def _patient(patients: list[Any], flags: dict[str, tuple[dt.date | None, Any]], run: _Run) -> dict[str, Any]:
    p: dict[str, Any] = {}
    for pat in patients:
        if pat.gender in ("female", "male", "other", "unknown"):
            p["sex"] = pat.gender
    if "surgical-candidate" in flags:
        o = flags["surgical-candidate"][1]
        if o.valueBoolean is not None:
            p["surgical_candidate"] = bool(o.valueBoolean)
    if "palpable-neck-mass" in flags:
        o = flags["palpable-neck-mass"][1]
        if o.valueBoolean is not None:
            p["palpable_neck_mass"] = bool(o.valueBoolean)
    if "vocal-cord-paralysis" in flags:
        o = flags["vocal-cord-paralysis"][1]
        if o.valueBoolean is False:
            p["vocal_cord_paralysis"] = None
        else:
            side = run.m.side(_codings(o.valueCodeableConcept))
            if side:
                p["vocal_cord_paralysis"] = side
            else:
                run.warn(
                    f"{_ref(o)}: vocal cord paralysis {_show(o.valueCodeableConcept)} is not a single side; "
                    "not imported"
                )
    return p


def _age(patients: list[Any], p: dict[str, Any], run: _Run) -> None:
    """Age in completed years at the latest dated record of the case (no birth date is kept)."""
    births = [pat.birthDate for pat in patients if pat.birthDate is not None]
    if not births:
        return
    born = _date(births[0])
    if born is None:
        run.warn("Patient.birthDate is partial (year or year-month only); age not imported")
        return
    ref = max(run.dates) if run.dates else run.day0
    assert ref is not None
    age = ref.year - born.year - ((ref.month, ref.day) < (born.month, born.day))
    if 0 <= age <= 120:
        p["age"] = age
    else:
        run.warn(f"Patient.birthDate gives an age of {age} years; not imported")


def _conditions(conds: list[Any], p: dict[str, Any], run: _Run) -> None:
    found: list[str] = []
    for c in conds:
        syn = run.m.syndrome(_codings(c.code))
        if syn is None:
            _condition_note(c, run)
            continue
        vs = {x.code for x in _codings(c.verificationStatus)}
        if vs & {"refuted", "entered-in-error", "unconfirmed", "provisional", "differential"}:
            run.warn(f"{_ref(c)} ({syn}): verificationStatus {'/'.join(sorted(vs))}; not imported")
            continue
        if syn not in found:
            found.append(syn)
    if found:
        p["syndromes"] = found


def _condition_note(c: Any, run: _Run) -> None:
    """A known code the case cannot carry is said, not dropped; an unknown one is listed."""
    note = run.m.condition_note(_codings(c.code))
    if note is None:
        run.unmapped_code("Condition.code", c.code)
    elif note.carried == "not_carried":
        run.warn(f"{_ref(c)}: {note.code} ({note.display}) has no place in the case; not imported")


def _family(fmh: list[Any], p: dict[str, Any], run: _Run) -> None:
    for f in fmh:
        if f.status == "entered-in-error":
            continue
        hit = False
        for cond in f.condition or []:
            codings = _codings(cond.code)
            if run.m.profile(codings) == "hypercalcemia" or run.m.syndrome(codings):
                hit = True
            else:
                run.unmapped_code("FamilyMemberHistory.condition.code", cond.code)
        if hit:
            p["family_history_hypercalcemia"] = True


def _medications(meds: Iterable[Any], p: dict[str, Any], run: _Run) -> None:
    found: list[str] = []
    for med in meds:
        rtype = med.get_resource_type()
        cc = med.medicationCodeableConcept
        if cc is None and med.medicationReference is not None:
            target = run.resolve(med.medicationReference.reference)
            cc = target.code if target is not None and target.get_resource_type() == "Medication" else None
        code = run.m.medication(_codings(cc))
        if code is None:
            run.unmapped_code(f"{rtype} medication", cc)
            continue
        if med.status not in MED_ACTIVE[rtype]:
            run.warn(f"{_ref(med)} ({code}): status '{med.status}', not current; not imported")
            continue
        if code not in found:
            found.append(code)
    if found:
        p["medications"] = found
