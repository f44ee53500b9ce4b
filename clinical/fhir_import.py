"""FHIR R4 Bundle -> contract case (``contract/case.schema.json``).

``import_bundle(data)`` reads a Bundle (``searchset`` or ``collection``) with the
``fhir.resources`` R4B models (wire-compatible with R4 for every resource used here),
validates the codes itself against the tables of :mod:`clinical.fhir_maps`, and returns
the case plus a list of warnings: everything it could not map is listed there, nothing
is dropped silently and no free text is read.

Times become days relative to the most recent parathyroid ``Procedure`` (day 0). The case
carries no identifier: no name, no birth date, no calendar date, no resource id; its
``id`` is a hash of its own content unless the caller gives one. The profile (which code
carries what) is documented in the README, section "FHIR import".
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from clinical import fhir_patients
from clinical.fhir_maps import UCUM, Maps, maps
from kg import strict_json
from kg.knowledge import Knowledge, knowledge
from kg.strict_json import FHIR_BUNDLE, JsonInputError, Parsed
from ontology.errors import ParaReopError
from planner.validate import CaseError, validate_case

BUNDLE_TYPES = ("searchset", "collection")
USED_TYPES = (
    "Patient",
    "Observation",
    "Procedure",
    "Condition",
    "FamilyMemberHistory",
    "MedicationStatement",
    "MedicationRequest",
    "Medication",
    "DiagnosticReport",
)
OBS_OK = {"final", "amended", "corrected", "preliminary"}
PTH_UNITS = ("pg/mL", "ng/L", "pmol/L")
MED_ACTIVE = {"MedicationStatement": {"active"}, "MedicationRequest": {"active"}}
MAX_PROBLEMS_SHOWN = 10
"""How many problems of a refused file the one-line error names (the rest are counted)."""


class FhirImportError(ParaReopError):
    """The bundle cannot become a case; the message is one line saying why and where."""


@dataclass
class ImportResult:
    case: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------- helpers


def _codings(cc: Any) -> list[Any]:
    """The codings of a CodeableConcept (or of a list of them)."""
    if cc is None:
        return []
    if isinstance(cc, list):
        return [c for x in cc for c in _codings(x)]
    return list(cc.coding or [])


def _show(cc: Any) -> str:
    """A CodeableConcept as ``system|code`` pairs for a warning (never its free text)."""
    cs = _codings(cc)
    if not cs:
        return "no coding (free text only)" if cc is not None else "no code"
    return ", ".join(f"{c.system or '?'}|{c.code or '?'}" for c in cs[:3])


def _ref(res: Any) -> str:
    return f"{res.get_resource_type()}/{res.id or '?'}"


def _date(value: Any) -> dt.date | None:
    """The calendar date of a FHIR date/dateTime/instant, as written; None when partial."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return None


def _num(v: Decimal | float | int) -> float | int:
    f = float(v)
    return int(f) if f.is_integer() else f


def _round(v: float) -> float | int:
    r = round(v, 6)
    return int(r) if float(r).is_integer() else r


class _Run:
    """One import: the indexed bundle, the day-0 date and the warnings so far."""

    def __init__(self, kn: Knowledge, m: Maps) -> None:
        self.kn, self.m = kn, m
        self.warnings: list[str] = []
        self.by_ref: dict[str, Any] = {}
        self.day0: dt.date | None = None
        self.dates: list[dt.date] = []
        self.unmapped: dict[str, Counter[str]] = defaultdict(Counter)

    def warn(self, msg: str) -> None:
        self.warnings.append(msg)

    def unmapped_code(self, kind: str, cc: Any) -> None:
        self.unmapped[kind][_show(cc)] += 1

    def resolve(self, reference: str | None) -> Any | None:
        if not reference:
            return None
        if reference in self.by_ref:
            return self.by_ref[reference]
        tail = "/".join(reference.rstrip("/").split("/")[-2:])
        return self.by_ref.get(tail)

    def day(self, d: dt.date) -> int:
        assert self.day0 is not None
        self.dates.append(d)
        return (d - self.day0).days

    # ------------------------------------------------------------------ quantities
    def unit_of(self, q: Any, where: str, hard: bool) -> tuple[str, float] | None:
        """(target unit, factor) of a Quantity; an unknown unit is an error when ``hard``."""
        code = q.code if q.system == UCUM else None
        if code is None and q.system is None and q.code is None and q.unit in self.m.units:
            code = q.unit
            self.warn(f"{where}: unit '{q.unit}' taken from Quantity.unit (no UCUM code given)")
        if code is not None and code in self.m.units:
            row = self.m.units[code]
            return row.target, row.factor
        shown = q.code or q.unit or "none"
        msg = (
            f"{where}: unknown unit '{shown}'"
            + (f" (system {q.system})" if q.system and q.system != UCUM else "")
            + "; expected a UCUM code listed in clinical/data/ucum_units.tsv"
        )
        if hard:
            raise FhirImportError(msg)
        self.warn(msg + "; value not imported")
        return None

    def pth(self, q: Any, where: str) -> tuple[float, str] | None:
        """A PTH quantity as (value, contract unit)."""
        if q is None or q.value is None:
            self.warn(f"{where}: no PTH value; not imported")
            return None
        u = self.unit_of(q, where, hard=False)
        if u is None:
            return None
        if u[0] not in PTH_UNITS:
            self.warn(f"{where}: '{u[0]}' is not a PTH unit ({', '.join(PTH_UNITS)}); not imported")
            return None
        return float(q.value) * u[1], u[0]

    def to_pth_unit(self, value: float, unit: str, target: str) -> float:
        """Convert a PTH value between pg/mL, ng/L and pmol/L with the graph's factors."""
        if unit == target:
            return value
        canon = value * (self.kn.conversions[("pth_intact", unit)].v if unit != "pg/mL" else 1.0)
        return canon / (self.kn.conversions[("pth_intact", target)].v if target != "pg/mL" else 1.0)

    def measure(self, q: Any, target: str, where: str) -> float | None:
        """A size / weight / time quantity converted to ``target`` (mm, mg, min), or None."""
        if q is None or q.value is None:
            return None
        u = self.unit_of(q, where, hard=False)
        if u is None:
            return None
        if u[0] != target:
            self.warn(f"{where}: unit '{q.code or q.unit}' cannot be read as {target}; value not imported")
            return None
        return float(q.value) * u[1]


def _components(obs: Any, m: Maps) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = defaultdict(list)
    for comp in obs.component or []:
        code = m.profile(_codings(comp.code))
        out[code or "?"].append(comp)
    return out


# ---------------------------------------------------------------------------- reading files


def read_fhir_json(path: Path) -> Parsed:
    """Parse a file that should hold a FHIR resource in JSON, strictly; a clear error otherwise.

    The strict reader (:mod:`kg.strict_json`, limits :data:`FHIR_BUNDLE`) refuses the whole
    file on a NaN, a duplicate key, a 5,000-digit number or nesting too deep, naming the field
    path: a lenient parse would let a duplicate key silently pick one of two values. An
    over-long note or attachment is dropped with a warning (the import never reads them). The
    size is checked before the file is read, so a huge file costs nothing.
    """
    try:
        size = path.stat().st_size
        if size > FHIR_BUNDLE.max_bytes:
            raise FhirImportError(
                f"{path}: {size} bytes is over the {FHIR_BUNDLE.name} limit of {FHIR_BUNDLE.max_bytes} bytes"
            )
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise FhirImportError(f"{path}: file not found") from exc
    except OSError as exc:
        raise FhirImportError(f"{path}: cannot read the file ({exc.__class__.__name__})") from exc
    try:
        return strict_json.loads(data, FHIR_BUNDLE)
    except JsonInputError as exc:
        raise FhirImportError(f"{path}: not a FHIR JSON file ({_problems(exc.problems)})") from None


def _problems(problems: list[tuple[str, str]], shown: int = MAX_PROBLEMS_SHOWN) -> str:
    """The first ``shown`` problems on one line (a Bundle with 10,000 NaNs gives a short message)."""
    text = "; ".join(f"{p}: {m}" for p, m in problems[:shown])
    if len(problems) > shown:
        text += f"; ... and {len(problems) - shown} more"
    return text.replace("\r", "\\r").replace("\n", "\\n")  # a key may hold a line break


def import_file(path: Path, patient: str | None = None, case_id: str | None = None) -> ImportResult:
    """Read a Bundle file and import it (see :func:`import_bundle`).

    What the strict reader dropped (an over-long note or attachment) comes first in the
    warnings, so the user learns that the file held more than the case shows.
    """
    try:
        parsed = read_fhir_json(path)
        result = import_bundle(parsed.value, patient=patient, case_id=case_id)
    except FhirImportError as exc:
        msg = str(exc)
        raise FhirImportError(msg if msg.startswith(str(path)) else f"{path}: {msg}") from exc
    result.warnings[:0] = parsed.warnings
    return result


# ---------------------------------------------------------------------------- the import


def _validation_message(exc: ValidationError) -> str:
    errs = exc.errors()
    first = errs[0]
    loc = ".".join(str(x) for x in first["loc"]) or "(resource)"
    more = f" (and {len(errs) - 1} more)" if len(errs) > 1 else ""
    return f"{loc}: {first['msg'].splitlines()[0].strip()}{more}"


def _check_bundle(data: Any) -> list[Any]:
    """The Bundle's entries, after checking that it is a Bundle this import reads."""
    if not isinstance(data, dict) or "resourceType" not in data:
        raise FhirImportError("not a FHIR resource (no 'resourceType'); expected a FHIR R4 Bundle in JSON")
    if data["resourceType"] != "Bundle":
        raise FhirImportError(f"expected a FHIR Bundle, found a {data['resourceType']!r} resource")
    if data.get("type") not in BUNDLE_TYPES:
        raise FhirImportError(
            f"Bundle.type is {data.get('type')!r}; expected one of: {', '.join(BUNDLE_TYPES)}"
        )
    entries = data.get("entry") or []
    if not isinstance(entries, list):
        raise FhirImportError("Bundle.entry is not a list")
    shell = {k: v for k, v in data.items() if k != "entry"}
    shell["entry"] = [
        {k: v for k, v in e.items() if k != "resource"} if isinstance(e, dict) else e for e in entries
    ]
    try:
        Bundle.model_validate(shell)
    except ValidationError as exc:
        raise FhirImportError(f"not a valid FHIR R4 Bundle: {_validation_message(exc)}") from exc
    return entries


def completeness(data: dict[str, Any], entries: list[Any]) -> list[str]:
    """Warnings for a Bundle that is only part of the record (a page of a searchset).

    An EHR answers a search in pages; importing page 1 as if it were the whole record
    would plan on missing labs or operations without anyone knowing. So a ``next`` link,
    or a ``total`` above the matches present, is said in the warnings.
    """
    out = []
    links = [x for x in data.get("link") or [] if isinstance(x, dict)]
    if any(x.get("relation") == "next" for x in links):
        out.append(
            "INCOMPLETE DATA: the Bundle is one page of a searchset (it has a 'next' link); "
            "the other pages were not read, so the plan may miss data"
        )
    total = data.get("total")
    modes = [((e.get("search") or {}).get("mode")) for e in entries if isinstance(e, dict)]
    matches = sum(1 for m in modes if m == "match") if any(modes) else len(modes)
    if isinstance(total, int) and total > matches:
        out.append(
            f"INCOMPLETE DATA: Bundle.total is {total} but only {matches} matching entries are present; "
            "the plan may miss data"
        )
    return out


def _parse(data: Any) -> tuple[list[tuple[str | None, Any]], Counter[str], list[str]]:
    """Validate the Bundle and its used resources: (fullUrl, model) pairs, counts of the rest,
    and warnings. An invalid resource is skipped with a warning naming it and its field, so
    one bad Observation does not cost the whole record; an invalid Patient keeps its id and
    fullUrl (a stub), so that its resources are still told apart from another patient's."""
    entries = _check_bundle(data)
    warnings = completeness(data, entries)
    used: list[tuple[str | None, Any]] = []
    ignored: Counter[str] = Counter()
    for i, e in enumerate(entries):
        res = e.get("resource") if isinstance(e, dict) else None
        if not isinstance(res, dict):
            continue
        rtype = res.get("resourceType")
        if rtype not in USED_TYPES:
            ignored[str(rtype)] += 1
            continue
        full_url = e.get("fullUrl") if isinstance(e.get("fullUrl"), str) else None
        model = _model(i, str(rtype), res, warnings)
        if model is not None:
            used.append((full_url, model))
    return used, ignored, warnings


def _model(i: int, rtype: str, res: dict[str, Any], warnings: list[str]) -> Any | None:
    """The validated model of one entry's resource, or None (with a warning) when invalid."""
    cls = get_fhir_model_class(rtype)
    try:
        return cls.model_validate(res)
    except ValidationError as exc:
        rid = res.get("id") if isinstance(res.get("id"), str) else "?"
        kept = "only its id is kept (no sex, no age)" if rtype == "Patient" else "not imported"
        warnings.append(
            f"Bundle.entry[{i}] ({rtype}/{rid}) is not valid FHIR R4 ({_validation_message(exc)}); {kept}"
        )
    if rtype != "Patient":
        return None
    try:
        return cls.model_validate({"resourceType": "Patient", "id": res.get("id")})
    except ValidationError:
        return cls.model_validate({"resourceType": "Patient"})


@dataclass
class _Found:
    """What the Observations gave, gathered before the case is assembled."""

    labs: list[dict[str, Any]] = field(default_factory=list)
    imaging: list[dict[str, Any]] = field(default_factory=list)
    venous: list[dict[str, Any]] = field(default_factory=list)
    fna: list[dict[str, Any]] = field(default_factory=list)
    flags: dict[str, tuple[dt.date | None, Any]] = field(default_factory=dict)
    iopth: dict[int, list[tuple[float, float, str]]] = field(default_factory=lambda: defaultdict(list))


@dataclass
class _Context:
    """The operations and hints the Observations are read against."""

    operations: list[dict[str, Any]]
    op_of_proc: dict[int, int]
    modality_hint: dict[int, str]
    members: set[int]


FLAG_CODES = ("surgical-candidate", "palpable-neck-mass", "vocal-cord-paralysis")
OPERATION_CODES = ("parathyroid-gland", "operative-findings", "iopth")


def _prepare(data: Any, patient: str | None, run: _Run) -> dict[str, list[Any]]:
    """Parse, index and keep the chosen patient's resources, grouped by resource type."""
    used, ignored, warnings = _parse(data)
    run.warnings.extend(warnings)
    for full_url, res in used:
        if full_url:
            run.by_ref[full_url] = res
        if res.id:
            run.by_ref[f"{res.get_resource_type()}/{res.id}"] = res
    if ignored:
        run.warn(
            "resources not used by the import were ignored: "
            + ", ".join(f"{t} x{n}" for t, n in sorted(ignored.items()))
        )
    try:
        chosen = fhir_patients.select(used, patient, _ref)
    except fhir_patients.PatientError as exc:
        raise FhirImportError(str(exc)) from None
    run.warnings.extend(chosen.warnings)
    by_type: dict[str, list[Any]] = defaultdict(list)
    for res in chosen.resources:
        by_type[res.get_resource_type()].append(res)
    return by_type


def import_bundle(
    data: Any, patient: str | None = None, case_id: str | None = None, kn: Knowledge | None = None
) -> ImportResult:
    """Import a FHIR R4 Bundle as a contract case; raises :class:`FhirImportError`.

    Examples
    --------
    >>> import_bundle({"resourceType": "Patient"})
    Traceback (most recent call last):
    ...
    clinical.fhir_import.FhirImportError: expected a FHIR Bundle, found a 'Patient' resource
    """
    kn = kn or knowledge()
    run = _Run(kn, maps())
    by_type = _prepare(data, patient, run)
    operations, op_of_proc = _operations(by_type["Procedure"], run)
    obs = by_type["Observation"]
    ctx = _Context(
        operations,
        op_of_proc,
        _report_modalities(by_type["DiagnosticReport"], run),
        {
            id(run.resolve(h.reference))
            for o in obs
            if run.m.profile(_codings(o.code)) == "venous-sampling"
            for h in (o.hasMember or [])
        },
    )
    found = _Found()
    for o in obs:
        _observation(o, ctx, found, run)
    _iopth_series(found, operations, run)
    case = _assemble(by_type, operations, found, run)
    body = json.dumps({k: v for k, v in case.items() if k != "id"}, sort_keys=True)
    case["id"] = case_id or "fhir-" + hashlib.sha256(body.encode()).hexdigest()[:12]
    try:
        validate_case(copy.deepcopy(case), kn)  # the validator fills defaults in place
    except CaseError as exc:
        raise FhirImportError(f"the imported case is not valid: {exc}") from exc
    return ImportResult(case, run.warnings)


def _observation(o: Any, ctx: _Context, found: _Found, run: _Run) -> None:
    """Read one Observation into ``found`` (or warn why it is not imported)."""
    where = _ref(o)
    if o.status not in OBS_OK:
        run.warn(f"{where}: status '{o.status}' (not a result); not imported")
        return
    if o.status == "preliminary":
        run.warn(f"{where}: preliminary result imported")
    code = run.m.profile(_codings(o.code))
    if code is None:
        analyte = run.m.lab(_codings(o.code))
        if analyte is None:
            run.unmapped_code("Observation.code", o.code)
            return
        lab = _lab(o, analyte, run)
        if lab:
            found.labs.append(lab)
    elif code == "venous-pth":
        if id(o) not in ctx.members:
            run.warn(f"{where}: venous-pth outside a venous-sampling panel (hasMember); not imported")
    elif code in FLAG_CODES:
        d = _effective(o)
        prev = found.flags.get(code)
        if prev is None or (d is not None and (prev[0] is None or d >= prev[0])):
            found.flags[code] = (d, o)
    elif code in OPERATION_CODES:
        _operation_observation(o, code, ctx, found, run)
    else:
        _dated_finding(o, code, ctx, found, run)


def _operation_observation(o: Any, code: str, ctx: _Context, found: _Found, run: _Run) -> None:
    idx = _operation_of(o, ctx.op_of_proc, ctx.operations, run)
    if idx is None:
        return
    if code == "parathyroid-gland":
        g = _gland(o, run)
        if g:
            ctx.operations[idx]["glands"].append(g)
    elif code == "operative-findings":
        _findings(o, ctx.operations[idx], run)
    else:
        s = _iopth_sample(o, run)
        if s:
            found.iopth[idx].append(s)


def _dated_finding(o: Any, code: str, ctx: _Context, found: _Found, run: _Run) -> None:
    """Imaging, venous sampling or an FNA washout: each needs its own date."""
    where = _ref(o)
    d = _effective(o)
    if d is None:
        run.warn(f"{where}: no effective date (or only a partial one); not imported")
        return
    readers: dict[str, tuple[Any, list[dict[str, Any]]]] = {
        "parathyroid-imaging": (lambda x: _imaging(x, run, ctx.modality_hint.get(id(x))), found.imaging),
        "venous-sampling": (lambda x: _venous(x, run), found.venous),
        "fna-pth-washout": (lambda x: _fna(x, run), found.fna),
    }
    if code not in readers:
        run.warn(f"{where}: profile code '{code}' is not used at the top level of an Observation")
        return
    read, into = readers[code]
    item = read(o)
    if item:
        item["day"] = run.day(d)
        into.append(item)


def _iopth_series(found: _Found, operations: list[dict[str, Any]], run: _Run) -> None:
    for idx, samples in found.iopth.items():
        unit = samples[0][2]
        operations[idx]["iopth"] = {
            "unit": unit,
            "samples": [
                {"minute": _round(mi), "value": _round(run.to_pth_unit(v, u, unit))}
                for mi, v, u in sorted(samples, key=lambda s: s[0])
            ],
        }


def _assemble(
    by_type: dict[str, list[Any]], operations: list[dict[str, Any]], found: _Found, run: _Run
) -> dict[str, Any]:
    case: dict[str, Any] = {"id": "", "title": "Imported from a FHIR R4 Bundle"}
    case["patient"] = _patient(by_type["Patient"], found.flags, run)
    _conditions(by_type["Condition"], case["patient"], run)
    _family(by_type["FamilyMemberHistory"], case["patient"], run)
    _medications(by_type["MedicationStatement"] + by_type["MedicationRequest"], case["patient"], run)
    case["operations"] = [{k: v for k, v in op.items() if not (k == "glands" and not v)} for op in operations]
    case["labs"] = sorted(found.labs, key=lambda x: (x["day"], x["analyte"]))
    case["imaging"] = sorted(found.imaging, key=lambda x: x["day"])
    case["venous_sampling"] = sorted(found.venous, key=lambda x: x["day"])
    case["fna"] = sorted(found.fna, key=lambda x: x["day"])
    for k in ("imaging", "venous_sampling", "fna"):
        if not case[k]:
            del case[k]
    _age(by_type["Patient"], case["patient"], run)
    for kind, counts in sorted(run.unmapped.items()):
        shown = "; ".join(f"{c} x{n}" for c, n in sorted(counts.items()))
        run.warn(f"{kind} not in the import's code tables, ignored: {shown}")
    return case


# ---------------------------------------------------------------------------- procedures


def _effective(res: Any) -> dt.date | None:
    for attr in ("effectiveDateTime", "effectiveInstant", "performedDateTime", "issued"):
        v = getattr(res, attr, None)
        if v is not None:
            return _date(v)
    for attr in ("effectivePeriod", "performedPeriod"):
        p = getattr(res, attr, None)
        if p is not None and p.start is not None:
            return _date(p.start)
    return None


def _dated_procedures(procs: list[Any], run: _Run) -> dict[dt.date, list[tuple[Any, Any]]]:
    """Completed, dated Procedures whose code is in the tables, by date (the rest is warned)."""
    groups: dict[dt.date, list[tuple[Any, Any]]] = defaultdict(list)
    for p in procs:
        where = _ref(p)
        row = run.m.procedure(_codings(p.code))
        if row is None:
            run.unmapped_code("Procedure.code", p.code)
            continue
        if p.status != "completed":
            run.warn(f"{where} ({row.procedure}): status '{p.status}', not 'completed'; not imported")
            continue
        d = _effective(p)
        if d is None:
            run.warn(f"{where} ({row.procedure}): no performed date (or only a partial one); not imported")
            continue
        if row.warning:
            run.warn(f"{where} ({row.system}|{row.code}): {row.warning}")
        groups[d].append((p, row))
    return groups


def _operations(procs: list[Any], run: _Run) -> tuple[list[dict[str, Any]], dict[int, int]]:
    """Group the parathyroid/neck Procedures by date into operations; day 0 = the latest with a
    parathyroid operation. Returns the operations and a map id(Procedure) -> operation index."""
    groups = _dated_procedures(procs, run)
    para = [d for d, items in groups.items() if any(r.parathyroid_operation for _, r in items)]
    if not para:
        seen = "; ".join(sorted(run.unmapped.get("Procedure.code", Counter())))[:300]
        raise FhirImportError(
            "no completed parathyroid Procedure in the Bundle: day 0 (the most recent parathyroid "
            "operation) cannot be set; see README 'FHIR import' for the procedure codes"
            + (f"; procedure codes seen, not in the tables: {seen}" if seen else "")
        )
    run.day0 = max(para)
    ops: list[dict[str, Any]] = []
    index: dict[int, int] = {}
    for d in sorted(groups):
        if d > run.day0:
            for p, row in groups[d]:
                run.warn(
                    f"{_ref(p)} ({row.procedure}) is after the last parathyroid operation; "
                    "operations must be on or before day 0, not imported"
                )
            continue
        op: dict[str, Any] = {"day": run.day(d), "procedures": [], "glands": []}
        lobes: list[str] = []
        for p, row in groups[d]:
            index[id(p)] = len(ops)
            if row.procedure not in op["procedures"]:
                op["procedures"].append(row.procedure)
            if row.procedure == "hemithyroidectomy" and p.bodySite:
                side = run.m.side(_codings(p.bodySite))
                if side in ("left", "right"):
                    lobes.append(side)
                else:
                    run.warn(f"{_ref(p)}: bodySite {_show(p.bodySite)} gives no thyroid lobe side")
            if p.note:
                run.warn(f"{_ref(p)}: free-text note not imported")
        if lobes:
            op["thyroid_removed"] = sorted(set(lobes))
        ops.append(op)
    return ops, index


def _operation_of(o: Any, index: dict[int, int], ops: list[dict[str, Any]], run: _Run) -> int | None:
    for ref in o.partOf or []:
        target = run.resolve(ref.reference)
        if target is not None and id(target) in index:
            return index[id(target)]
    d = _effective(o)
    if d is not None and run.day0 is not None:
        day = (d - run.day0).days
        for i, op in enumerate(ops):
            if op["day"] == day:
                return i
    run.warn(f"{_ref(o)}: not linked (partOf or date) to an imported parathyroid operation; not imported")
    return None


def _gland(o: Any, run: _Run) -> dict[str, Any] | None:
    m, where = run.m, _ref(o)
    comps = _components(o, m)
    pos = m.local_code(_codings(o.bodySite), "gland_positions")
    if pos is None:
        level = m.gland_level(_codings(o.bodySite))
        side = _side_component(comps, "laterality", run, where)
        if level and side in ("left", "right"):
            pos = f"{side}_{level}"
    if pos is None:
        run.warn(f"{where}: gland position not readable from bodySite {_show(o.bodySite)}; not imported")
        return None
    status = m.local_code(_codings(o.valueCodeableConcept), "gland_status")
    if status is None:
        run.warn(f"{where}: gland status not readable from {_show(o.valueCodeableConcept)}; not imported")
        return None
    g: dict[str, Any] = {"position": pos, "status": status}
    for c in comps.get("gland-pathology", []):
        path = m.local_code(_codings(c.valueCodeableConcept), "pathologies")
        if path:
            g["pathology"] = path
        else:
            run.warn(f"{where}: pathology {_show(c.valueCodeableConcept)} not in the code tables")
    for c in comps.get("gland-weight", []):
        w = run.measure(c.valueQuantity, "mg", f"{where} gland-weight")
        if w is not None and w > 0:
            g["weight_mg"] = _round(w)
    for c in comps.get("gland-found-site", []):
        site = m.site(_codings(c.valueCodeableConcept))
        if site:
            g["site"] = site
        else:
            run.warn(f"{where}: found site {_show(c.valueCodeableConcept)} not in the code tables")
    side = _side_component(comps, "gland-found-side", run, where)
    if side:
        g["side"] = side
    return g


def _side_component(comps: dict[str, list[Any]], code: str, run: _Run, where: str) -> str | None:
    for c in comps.get(code, []):
        side = run.m.side(_codings(c.valueCodeableConcept))
        if side:
            return side
        run.warn(f"{where}: {code} {_show(c.valueCodeableConcept)} is not a single side; side not imported")
    return None


def _findings(o: Any, op: dict[str, Any], run: _Run) -> None:
    m, where = run.m, _ref(o)
    comps = _components(o, m)
    for c in comps.get("thymectomy", []):
        t = m.local_code(_codings(c.valueCodeableConcept), "thymectomy")
        if t:
            op["thymectomy"] = t
        else:
            run.warn(f"{where}: thymectomy {_show(c.valueCodeableConcept)} not in the code tables")
    for c in comps.get("capsule-rupture", []):
        if c.valueBoolean is not None:
            op["capsule_rupture"] = bool(c.valueBoolean)
    lobes = set(op.get("thyroid_removed", []))
    for c in comps.get("thyroid-lobe-removed", []):
        side = m.side(_codings(c.valueCodeableConcept))
        if side in ("left", "right"):
            lobes.add(side)
        else:
            run.warn(f"{where}: thyroid lobe {_show(c.valueCodeableConcept)} is not left or right")
    if lobes:
        op["thyroid_removed"] = sorted(lobes)
    for c in comps.get("autograft-location", []):
        loc = m.local_code(_codings(c.valueCodeableConcept), "autograft_locations")
        if loc:
            op["autograft"] = {"location": loc}
        else:
            run.warn(f"{where}: autograft location {_show(c.valueCodeableConcept)} not in the code tables")
    side = _side_component(comps, "autograft-side", run, where)
    if side in ("left", "right"):
        if "autograft" in op:
            op["autograft"]["side"] = side
        else:
            run.warn(f"{where}: autograft-side without autograft-location; not imported")
    unknown = [k for k in comps if k not in _FINDINGS]
    if unknown:
        run.warn(f"{where}: components not in the profile ignored: {', '.join(sorted(unknown))}")


_FINDINGS = {"thymectomy", "capsule-rupture", "thyroid-lobe-removed", "autograft-location", "autograft-side"}


def _iopth_sample(o: Any, run: _Run) -> tuple[float, float, str] | None:
    where = _ref(o)
    comps = _components(o, run.m)
    minute = None
    for c in comps.get("minutes-from-excision", []):
        q = c.valueQuantity
        if q is not None and q.value is not None:
            u = run.unit_of(q, f"{where} minutes-from-excision", hard=False)
            if u and u[0] == "min":
                minute = float(q.value) * u[1]
    if minute is None:
        run.warn(f"{where}: intraoperative PTH without 'minutes-from-excision'; not imported")
        return None
    v = run.pth(o.valueQuantity, where)
    return (minute, v[0], v[1]) if v else None


# ---------------------------------------------------------------------------- findings


def _report_modalities(reports: list[Any], run: _Run) -> dict[int, str]:
    """Modality from DiagnosticReport.code for the result Observations it lists."""
    hint: dict[int, str] = {}
    for r in reports:
        mod = run.m.local_code(_codings(r.code), "modalities")
        if not r.result:
            run.warn(
                f"{_ref(r)}: no structured result Observations; its text (conclusion, presentedForm) "
                "is not read"
            )
            continue
        for ref in r.result:
            target = run.resolve(ref.reference)
            if target is not None and mod:
                hint[id(target)] = mod
    return hint


def _site_side(o: Any, run: _Run, where: str) -> tuple[str | None, str | None, bool]:
    """(site, side, ok) from bodySite + the laterality component; ok False = unreadable."""
    comps = _components(o, run.m)
    site = None
    if o.bodySite is not None:
        site = run.m.site(_codings(o.bodySite))
        if site is None:
            run.warn(f"{where}: bodySite {_show(o.bodySite)} is not in the site map; not imported")
            return None, None, False
    side = None
    for c in comps.get("laterality", []):
        side = run.m.side(_codings(c.valueCodeableConcept))
        if not side:
            shown = _show(c.valueCodeableConcept)
            run.warn(f"{where}: laterality {shown} is not a single side; not imported")
            return None, None, False
    return site, side, True


def _imaging(o: Any, run: _Run, hint: str | None) -> dict[str, Any] | None:
    m, where = run.m, _ref(o)
    modality = m.local_code(_codings(o.method), "modalities") or hint
    if modality is None:
        run.warn(f"{where}: imaging modality not coded (method {_show(o.method)}); not imported")
        return None
    result = m.local_code(_codings(o.valueCodeableConcept), "imaging_results")
    if result is None:
        shown = _show(o.valueCodeableConcept)
        run.warn(f"{where}: imaging result {shown} not in the code tables; not imported")
        return None
    site, side, ok = _site_side(o, run, where)
    if not ok:
        return None
    if site is None and result != "negative":
        run.warn(f"{where}: a {result} imaging finding without a coded bodySite; not imported")
        return None
    item: dict[str, Any] = {"modality": modality, "result": result}
    if site:
        item["site"] = site
    if side:
        item["side"] = side
    comps = _components(o, m)
    for c in comps.get("lesion-size", []):
        size = run.measure(c.valueQuantity, "mm", f"{where} lesion-size")
        if size is not None and size > 0:
            item["size_mm"] = _round(size)
    for c in comps.get("lesion-count", []):
        if c.valueInteger is not None and c.valueInteger >= 1:
            item["foci"] = int(c.valueInteger)
    for c in comps.get("lesion-appearance", []):
        ap = m.local_code(_codings(c.valueCodeableConcept), "imaging_appearances")
        if ap:
            item["appearance"] = ap
        else:
            run.warn(f"{where}: appearance {_show(c.valueCodeableConcept)} not in the code tables")
    if o.note:
        run.warn(f"{where}: free-text note not imported")
    return item


def _venous(o: Any, run: _Run) -> dict[str, Any] | None:
    m, where = run.m, _ref(o)
    comps = _components(o, m)
    periph = None
    for c in comps.get("peripheral-pth", []):
        periph = run.pth(c.valueQuantity, f"{where} peripheral-pth")
    if periph is None:
        run.warn(f"{where}: venous sampling without 'peripheral-pth'; not imported")
        return None
    unit = periph[1]
    samples = []
    for ref in o.hasMember or []:
        s = run.resolve(ref.reference)
        if s is None or s.get_resource_type() != "Observation":
            run.warn(f"{where}: hasMember {ref.reference} not found in the Bundle")
            continue
        swhere = _ref(s)
        vein = m.local_code(_codings(s.bodySite), "veins")
        if vein is None:
            run.warn(f"{swhere}: vein {_show(s.bodySite)} not in the code tables; sample not imported")
            continue
        v = run.pth(s.valueQuantity, swhere)
        if v is None:
            continue
        sample: dict[str, Any] = {"vein": vein, "pth": _round(run.to_pth_unit(v[0], v[1], unit))}
        side = _side_component(_components(s, m), "laterality", run, swhere)
        if side:
            sample["side"] = side
        samples.append(sample)
    if not samples:
        run.warn(f"{where}: venous sampling without readable samples; not imported")
        return None
    return {"unit": unit, "peripheral_pth": _round(periph[0]), "samples": samples}


def _fna(o: Any, run: _Run) -> dict[str, Any] | None:
    m, where = run.m, _ref(o)
    site, side, ok = _site_side(o, run, where)
    if not ok:
        return None
    if site is None:
        run.warn(f"{where}: FNA washout without a coded bodySite; not imported")
        return None
    v = run.pth(o.valueQuantity, where)
    if v is None:
        return None
    item: dict[str, Any] = {"site": site, "unit": v[1], "pth_washout": _round(v[0])}
    if side:
        item["side"] = side
    comps = _components(o, m)
    for c in comps.get("serum-pth", []):
        s = run.pth(c.valueQuantity, f"{where} serum-pth")
        if s:
            item["serum_pth"] = _round(run.to_pth_unit(s[0], s[1], v[1]))
    for c in comps.get("fna-cytology", []):
        cy = m.local_code(_codings(c.valueCodeableConcept), "fna_cytology")
        if cy:
            item["cytology"] = cy
        else:
            run.warn(f"{where}: cytology {_show(c.valueCodeableConcept)} not in the code tables")
    return item


def _lab(o: Any, analyte: str, run: _Run) -> dict[str, Any] | None:
    where = f"{_ref(o)} ({analyte})"
    d = _effective(o)
    if d is None:
        run.warn(f"{where}: no effective date (or only a partial one); not imported")
        return None
    q = o.valueQuantity
    if q is None or q.value is None:
        run.warn(f"{where}: no valueQuantity (e.g. dataAbsentReason or a text value); not imported")
        return None
    u = run.unit_of(q, where, hard=False)  # an unknown unit skips this lab, not the Bundle
    if u is None:
        return None
    allowed = run.kn.allowed_units.get(analyte, frozenset())
    if u[0] not in allowed:
        run.warn(
            f"{where}: unit '{q.code or q.unit}' is not a unit for {analyte} "
            f"(expected one of: {', '.join(sorted(allowed))}); not imported"
        )
        return None
    if q.comparator:
        run.warn(f"{where}: value '{q.comparator}{_num(q.value)}' imported as {_num(q.value)}")
    lab: dict[str, Any] = {
        "analyte": analyte,
        "value": _round(float(q.value) * u[1]),
        "unit": u[0],
        "day": run.day(d),
    }
    for rr in o.referenceRange or []:
        for end, key in (("low", "reference_low"), ("high", "reference_high")):
            rq = getattr(rr, end)
            if rq is None or rq.value is None:
                continue
            ru = run.unit_of(rq, f"{where} referenceRange.{end}", hard=False)
            if ru is None or ru[0] != u[0]:
                run.warn(f"{where}: referenceRange.{end} is in another unit; not imported")
                continue
            lab[key] = _round(float(rq.value) * ru[1])
        break
    return lab


# ---------------------------------------------------------------------------- patient


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
