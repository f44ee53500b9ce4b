"""Which patient each resource of a FHIR Bundle is about: never the wrong one.

A Bundle may hold several patients (a searchset across a ward, a hand-made export). A case
that mixes two patients' labs is a wrong-patient error, so this module never guesses:

* every Patient entry is its own patient, told apart by its resource id, else its
  ``fullUrl``, else its position in the Bundle. Two Patient entries without ids are two
  patients, never one (identifiers such as an MRN are never used as keys or shown);
* a resource belongs to a patient only through its ``subject`` (or ``patient``) reference:
  relative (``Patient/x``), absolute (``https://ehr/fhir/Patient/x``) or a ``urn:uuid:``
  fullUrl. A resource without one, or whose reference cannot be resolved, is skipped
  with a warning: it is never attached to "the" patient by default;
* a reference to a Patient the Bundle does not contain (a searchset without ``_include``)
  still names a patient, so a Bundle about two patients is seen as such.

Labels shown to the user are resource ids and fullUrls only: no name, MRN or birth date.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ontology.errors import ParaReopError


class PatientError(ParaReopError):
    """The Bundle's patients cannot be told apart safely (one line, no identifiers)."""


@dataclass(frozen=True)
class PatientKey:
    """One patient of the Bundle: ``key`` is unique, ``names`` are what ``--patient`` accepts."""

    key: str
    names: frozenset[str]


@dataclass(frozen=True)
class Unread:
    """An Observation the import reads nothing from, kept unvalidated (``fhir_bundle._unread``):
    where it is, whose it says it is, and its codes for the warning."""

    where: str
    subject: str | None
    codes: str


@dataclass(frozen=True)
class Selection:
    """The chosen patient's resources and what was left out (already worded as warnings), and
    the chosen patient's unread Observations."""

    resources: list[Any]
    warnings: list[str]
    unread: list[Unread] = field(default_factory=list)


def _tail(reference: str) -> str | None:
    """``Patient/x`` from a relative or absolute Patient reference (history ``_history`` dropped)."""
    parts = reference.rstrip("/").split("/")
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    if len(parts) >= 2 and parts[-2] == "Patient" and parts[-1]:
        return f"Patient/{parts[-1]}"
    return None


class PatientIndex:
    """The patients of a Bundle and how references resolve to them."""

    def __init__(self, used: list[tuple[str | None, Any]]) -> None:
        self.by_key: dict[str, PatientKey] = {}
        self.by_full_url: dict[str, str] = {}
        self.by_tail: dict[str, set[str]] = {}
        self.resources: dict[str, Any] = {}
        for i, (full_url, res) in enumerate(used):
            if res.get_resource_type() == "Patient":
                self._add(i, full_url, res)

    def _add(self, i: int, full_url: str | None, res: Any) -> None:
        if res.id:
            key = f"Patient/{res.id}"
        elif full_url:
            key = full_url
        else:
            key = f"#{i}"  # the entry's position: no id, no fullUrl, still its own patient
        if key in self.by_key:
            self._duplicate(key, res)
            return
        names = {key}
        if res.id:
            names.add(res.id)
        if full_url:
            names.add(full_url)
            self.by_full_url[full_url] = key
        self.by_key[key] = PatientKey(key, frozenset(names))
        self.resources[key] = res
        tail = f"Patient/{res.id}" if res.id else (_tail(full_url) if full_url else None)
        if tail:
            self.by_tail.setdefault(tail, set()).add(key)

    def _duplicate(self, key: str, res: Any) -> None:
        """The same Patient twice is harmless; two different Patients under one id are refused."""
        if self.resources[key].model_dump(exclude_none=True) != res.model_dump(exclude_none=True):
            raise PatientError(
                f"the Bundle holds two different Patient resources as {key}; "
                "they cannot be told apart, so none is imported"
            )

    def resolve(self, reference: str) -> str | None:
        """The patient key a reference names, or None when it names no patient unambiguously."""
        if reference in self.by_full_url:
            return self.by_full_url[reference]
        if reference.startswith("urn:"):
            return None  # a urn:uuid only resolves inside the Bundle
        tail = _tail(reference)
        if tail is None:
            return None
        keys = self.by_tail.get(tail, set())
        if len(keys) == 1:
            return next(iter(keys))
        if keys:
            return None  # two Patients with the same id on different servers: ambiguous
        return self._referenced_only(reference, tail)

    def _referenced_only(self, reference: str, tail: str) -> str:
        """A Patient referenced but not included: the reference itself names the patient."""
        key = tail if reference == tail else reference
        if key not in self.by_key:
            self.by_key[key] = PatientKey(key, frozenset({key, tail.split("/", 1)[1]}))
        return key


def subject_reference(res: Any) -> str | None:
    """The reference of a resource's ``subject`` (or ``patient``), or None."""
    for attr in ("subject", "patient"):
        r = getattr(res, attr, None)
        if r is not None and r.reference:
            return str(r.reference)
    return None


def _label(key: str) -> str:
    return key if not key.startswith("#") else f"Patient entry {key[1:]} (no id, no fullUrl)"


def _choose(index: PatientIndex, patient: str | None) -> str | None:
    keys = sorted(index.by_key)
    if patient is None:
        if len(keys) > 1:
            shown = ", ".join(_label(k) for k in keys[:10]) + (" ..." if len(keys) > 10 else "")
            raise PatientError(
                f"the Bundle holds data of {len(keys)} patients; choose one with --patient ID: {shown}"
            )
        return keys[0] if keys else None
    for k in keys:
        if patient in index.by_key[k].names:
            return k
    raise PatientError(f"no data for patient '{patient}' in the Bundle")


def select(
    used: list[tuple[str | None, Any]],
    patient: str | None,
    where: Callable[[Any], str],
    unread: Iterable[Unread] = (),
) -> Selection:
    """The resources of one patient: by reference only, never by default.

    ``where`` names a resource in a warning (``Observation/x``). Medication resources are
    kept (they are reached through ``medicationReference``, not by subject).
    """
    index = PatientIndex(used)
    subjects = [(res, _subject_key(res, index)) for _, res in used if _needs_subject(res)]
    # resolved before the choice, as every other resource: a reference to a Patient not in the
    # Bundle makes that patient one of the candidates, so two patients are never merged
    unread_keys = [(u, _key_of(u.subject, index)) for u in unread]
    chosen = _choose(index, patient)
    out: list[Any] = [r for _, r in used if r.get_resource_type() == "Medication"]
    if chosen in index.resources:
        out.append(index.resources[chosen])
    warnings: list[str] = []
    others: Counter[str] = Counter()
    for res, (key, problem) in subjects:
        if problem:
            warnings.append(f"{where(res)}: {problem}; not imported")
        elif key == chosen:
            out.append(res)
        else:
            others[res.get_resource_type()] += 1
    mine: list[Unread] = []
    for u, (key, problem) in unread_keys:  # attributed by the same rule as every other resource
        if problem:
            warnings.append(f"{u.where}: {problem}; not imported")
        elif key == chosen:
            mine.append(u)
        else:
            others["Observation"] += 1
    if others:
        shown = ", ".join(f"{t} x{n}" for t, n in sorted(others.items()))
        warnings.append(f"{sum(others.values())} resource(s) about other patients were ignored ({shown})")
    return Selection(out, warnings, mine)


def _needs_subject(res: Any) -> bool:
    return res.get_resource_type() not in ("Patient", "Medication")


def _subject_key(res: Any, index: PatientIndex) -> tuple[str | None, str | None]:
    """(patient key, None) or (None, why the subject cannot be resolved)."""
    return _key_of(subject_reference(res), index)


def _key_of(ref: str | None, index: PatientIndex) -> tuple[str | None, str | None]:
    if ref is None:
        return None, "no subject reference, so whose it is cannot be known"
    key = index.resolve(ref)
    if key is None:
        return None, f"subject reference '{_safe(ref)}' does not resolve to one Patient"
    return key, None


def _safe(ref: str) -> str:
    """A reference as shown in a warning: at most 80 characters, one line."""
    ref = ref.replace("\n", " ").replace("\r", " ")
    return ref if len(ref) <= 80 else ref[:77] + "..."
