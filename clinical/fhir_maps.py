"""The code tables of the FHIR import, read from the data files in ``clinical/data/``.

Every table is data with its long names and sources (``loinc.tsv``, ``ucum_units.tsv``,
``procedures.tsv``, ``body_sites.tsv``, ``laterality.tsv``, ``medications.tsv``,
``conditions.tsv``, ``radiology.tsv``, ``radiology_conclusions.tsv``) plus the ParaReop FHIR
profile's own CodeSystem (``codesystem-observation.json``). The local code systems
``https://w3id.org/parareop/fhir/CodeSystem/<scheme>`` carry the contract codes themselves:
a code of such a system is valid when ``vocabulary.json`` (or, for the two schemes the
vocabulary lacks, ``case.schema.json``) lists it.

Lookups never guess: a coding that is not in a table returns ``None`` and the importer
reports it.
"""

from __future__ import annotations

import csv
import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.contract_files import load

DATA = Path(__file__).resolve().parent / "data"

BASE = "https://w3id.org/parareop/fhir/CodeSystem/"
PROFILE = BASE + "observation"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
ATC = "http://www.whocc.no/atc"
UBERON = "http://purl.obolibrary.org/obo/uberon.owl"
MONDO = "http://purl.obolibrary.org/obo/mondo.owl"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"

#: Vocabulary schemes that have a local code system of the same name.
VOCAB_SCHEMES = (
    "analytes",
    "sides",
    "sites",
    "gland_positions",
    "gland_status",
    "pathologies",
    "syndromes",
    "medications",
    "modalities",
    "imaging_results",
    "imaging_appearances",
    "veins",
    "prior_procedures",
    "fna_cytology",
)
#: Local code systems whose codes come from ``case.schema.json`` (the vocabulary has no such scheme).
SCHEMA_SCHEMES: dict[str, tuple[str, ...]] = {
    "thymectomy": ("operations", "items", "properties", "thymectomy", "enum"),
    "autograft_locations": (
        *("operations", "items", "properties", "autograft"),
        *("properties", "location", "enum"),
    ),
}


def system(scheme: str) -> str:
    """The URL of the local code system for a vocabulary scheme.

    >>> system("sites")
    'https://w3id.org/parareop/fhir/CodeSystem/sites'
    """
    return BASE + scheme


@dataclass(frozen=True)
class LoincRow:
    loinc: str
    analyte: str
    long_name: str
    source: str


@dataclass(frozen=True)
class UnitRow:
    ucum: str
    target: str
    factor: float
    long_name: str


@dataclass(frozen=True)
class ProcedureRow:
    system: str
    code: str
    procedure: str
    parathyroid_operation: bool
    display: str
    source: str = ""
    warning: str = ""
    """Said on import when the code leaves something out (e.g. CPT 60500 gives no extent)."""


@dataclass(frozen=True)
class ConditionRow:
    """A Condition code the case cannot carry as a syndrome, with what to say about it."""

    system: str
    code: str
    match: str
    carried: str
    display: str
    source: str

    def matches(self, system: str, code: str) -> bool:
        return self.system == system and (
            code == self.code if self.match == "exact" else code.startswith(self.code)
        )


@dataclass(frozen=True)
class BodySiteRow:
    system: str
    code: str
    kind: str
    target: str
    display: str
    source: str


@dataclass(frozen=True)
class MedicationRow:
    system: str
    code: str
    match: str
    medication: str
    display: str
    source: str


@dataclass(frozen=True)
class RadiologyRow:
    """A report or study code: the contract modality it names, or ``""`` when it does not say."""

    system: str
    code: str
    display: str
    modality: str
    warning: str
    source: str


def read_tsv(name: str) -> list[dict[str, str]]:
    """Rows of a tab-separated data file; lines starting with ``#`` are comments."""
    text = (DATA / name).read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    return [dict(r) for r in csv.DictReader(lines, delimiter="\t")]


@dataclass(frozen=True)
class Maps:
    """All the tables, indexed for lookup."""

    loinc: dict[str, LoincRow]
    units: dict[str, UnitRow]
    procedures: dict[tuple[str, str], ProcedureRow]
    body_sites: dict[tuple[str, str], BodySiteRow]
    laterality: dict[tuple[str, str], str]
    medications: tuple[MedicationRow, ...]
    conditions: dict[tuple[str, str], str]
    condition_notes: tuple[ConditionRow, ...]
    profile_codes: dict[str, str]
    local: dict[str, frozenset[str]]
    radiology: dict[tuple[str, str], RadiologyRow]
    conclusions: dict[tuple[str, str], str]

    # ------------------------------------------------------------------ lookups
    def local_code(self, codings: Iterable[Any], scheme: str) -> str | None:
        """The contract code in the local code system of ``scheme``, if a coding carries one."""
        url, allowed = system(scheme), self.local.get(scheme, frozenset())
        for c in codings:
            if _get(c, "system") == url and _get(c, "code") in allowed:
                return str(_get(c, "code"))
        return None

    def profile(self, codings: Iterable[Any]) -> str | None:
        """The ParaReop profile code (``parathyroid-imaging``, ``laterality``, ...) of a coding list."""
        for c in codings:
            if _get(c, "system") == PROFILE and _get(c, "code") in self.profile_codes:
                return str(_get(c, "code"))
        return None

    def analyte(self, codings: Iterable[Any]) -> LoincRow | None:
        for c in codings:
            if _get(c, "system") == LOINC and _get(c, "code") in self.loinc:
                return self.loinc[str(_get(c, "code"))]
        return None

    def lab(self, codings: Iterable[Any]) -> str | None:
        """The contract analyte of a lab Observation.code: LOINC (``loinc.tsv``) or the local system."""
        row = self.analyte(codings)
        return row.analyte if row else self.local_code(codings, "analytes")

    def procedure(self, codings: Iterable[Any]) -> ProcedureRow | None:
        for c in codings:
            row = self.procedures.get((str(_get(c, "system")), str(_get(c, "code"))))
            if row:
                return row
        return None

    def side(self, codings: Iterable[Any]) -> str | None:
        """A contract side (left / right / midline), or ``""`` for a known code with no single side."""
        local = self.local_code(codings, "sides")
        if local:
            return local
        for c in codings:
            key = (str(_get(c, "system")), str(_get(c, "code")))
            if key in self.laterality:
                return self.laterality[key]
        return None

    def site(self, codings: Iterable[Any]) -> str | None:
        local = self.local_code(codings, "sites")
        if local:
            return local
        for c in codings:
            row = self.body_sites.get((str(_get(c, "system")), str(_get(c, "code"))))
            if row and row.kind == "site":
                return row.target
        return None

    def gland_level(self, codings: Iterable[Any]) -> str | None:
        """``superior`` / ``inferior`` from a standard gland coding that needs a laterality."""
        for c in codings:
            row = self.body_sites.get((str(_get(c, "system")), str(_get(c, "code"))))
            if row and row.kind == "gland_level":
                return row.target
        return None

    def medication(self, codings: Iterable[Any]) -> str | None:
        local = self.local_code(codings, "medications")
        if local:
            return local
        for c in codings:
            sys_, code = str(_get(c, "system")), str(_get(c, "code"))
            for row in self.medications:
                if row.system == sys_ and (
                    code == row.code if row.match == "exact" else code.startswith(row.code)
                ):
                    return row.medication
        return None

    def condition_note(self, codings: Iterable[Any]) -> ConditionRow | None:
        """A known Condition code the case has no syndrome for (premise or not carried)."""
        for c in codings:
            sys_, code = str(_get(c, "system")), str(_get(c, "code"))
            for row in self.condition_notes:
                if row.matches(sys_, code):
                    return row
        return None

    def radiology_row(self, codings: Iterable[Any]) -> RadiologyRow | None:
        """The ``radiology.tsv`` row of a report or study code (its modality may be ``""``)."""
        for c in codings:
            row = self.radiology.get((str(_get(c, "system")), str(_get(c, "code"))))
            if row:
                return row
        return None

    def conclusion_result(self, codings: Iterable[Any]) -> str | None:
        """A contract imaging result from conclusionCode codings (local code or radiology_conclusions.tsv)."""
        local = self.local_code(codings, "imaging_results")
        if local:
            return local
        for c in codings:
            key = (str(_get(c, "system")), str(_get(c, "code")))
            if key in self.conclusions:
                return self.conclusions[key]
        return None

    def syndrome(self, codings: Iterable[Any]) -> str | None:
        local = self.local_code(codings, "syndromes")
        if local:
            return local
        for c in codings:
            key = (str(_get(c, "system")), str(_get(c, "code")))
            if key in self.conditions:
                return self.conditions[key]
        return None


def _get(obj: Any, name: str) -> Any:
    """Attribute of a fhir.resources model or key of a dict (both shapes reach the lookups)."""
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def _schema_enum(path: tuple[str, ...]) -> frozenset[str]:
    node: Any = load("case.schema.json")["properties"]
    for p in path:
        node = node[p]
    return frozenset(str(x) for x in node if x is not None)


@functools.cache
def maps() -> Maps:
    """The tables, read once per process."""
    vocab = load("vocabulary.json")
    local = {s: frozenset(vocab[s]) for s in VOCAB_SCHEMES}
    local.update({s: _schema_enum(p) for s, p in SCHEMA_SCHEMES.items()})
    cs = json.loads((DATA / "codesystem-observation.json").read_text(encoding="utf-8"))
    return Maps(
        loinc={r["loinc"]: LoincRow(**r) for r in read_tsv("loinc.tsv")},
        units={
            r["ucum"]: UnitRow(r["ucum"], r["target"], float(r["factor"]), r["long_name"])
            for r in read_tsv("ucum_units.tsv")
        },
        procedures={
            (r["system"], r["code"]): ProcedureRow(
                r["system"],
                r["code"],
                r["procedure"],
                r["parathyroid_operation"] == "true",
                r["display"],
                r["source"],
                r.get("warning") or "",
            )
            for r in read_tsv("procedures.tsv")
        },
        body_sites={(r["system"], r["code"]): BodySiteRow(**r) for r in read_tsv("body_sites.tsv")},
        laterality={(r["system"], r["code"]): r["side"] for r in read_tsv("laterality.tsv")},
        medications=tuple(MedicationRow(**r) for r in read_tsv("medications.tsv")),
        conditions={
            (r["system"], r["code"]): r["syndrome"]
            for r in read_tsv("conditions.tsv")
            if r["carried"] == "syndrome"
        },
        condition_notes=tuple(
            ConditionRow(r["system"], r["code"], r["match"], r["carried"], r["display"], r["source"])
            for r in read_tsv("conditions.tsv")
            if r["carried"] != "syndrome"
        ),
        profile_codes={c["code"]: c["display"] for c in cs["concept"]},
        local=local,
        radiology={(r["system"], r["code"]): RadiologyRow(**r) for r in read_tsv("radiology.tsv")},
        conclusions={(r["system"], r["code"]): r["result"] for r in read_tsv("radiology_conclusions.tsv")},
    )
