"""Validate a case against the contract and against what is physically possible.

Every problem becomes a :class:`CaseError` naming the field path
(``labs[3].unit``) and what is wrong, so a surgeon can fix the record; nothing
is planned from an invalid case.
"""

from __future__ import annotations

import json
import marshal
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from importlib.util import MAGIC_NUMBER
from types import CodeType
from typing import TYPE_CHECKING, Any, cast

import fastjsonschema

from kg import cache
from kg.knowledge import Knowledge
from kg.strict_json import excerpt, field_path
from ontology.errors import InputError, ParaReopError
from planner.contract_files import load
from planner.record import effective_status
from planner.units import UnitError, to_canonical

if TYPE_CHECKING:  # jsonschema is imported only to explain an invalid case (cold start)
    import jsonschema


class CaseError(InputError, ValueError):
    """An invalid case: ``problems`` lists (field path, message) pairs."""


class PlanningError(ParaReopError):
    """A fault inside the planner on a valid case: reported with the case named, never a traceback."""


def case_field_path(parts: Iterable[Any]) -> str:
    return field_path(tuple(parts)).replace("(document)", "(case)")


def _message(err: jsonschema.ValidationError) -> tuple[str, str]:
    path = case_field_path(err.absolute_path)
    v = err.validator
    if v == "enum":
        # an enum error's validator_value is the schema's enum array (the stubs allow Unset, for
        # errors built by hand)
        allowed = [str(x) for x in cast("list[Any]", err.validator_value) if x is not None]
        shown = ", ".join(allowed[:12]) + (", ..." if len(allowed) > 12 else "")
        return path, f"{excerpt(err.instance)} is not a known code here; expected one of: {shown}"
    if v == "required":
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        return path, f"missing required field '{missing}'"
    if v == "additionalProperties":
        return path, f"unknown field ({err.message.split('(')[-1].rstrip(')')})"
    if v in ("minimum", "exclusiveMinimum"):
        return (
            path,
            f"{excerpt(err.instance)} is too small (must be {'>' if v == 'exclusiveMinimum' else '>='} {err.validator_value})",
        )
    if v == "maximum":
        return path, f"{excerpt(err.instance)} is too large (must be <= {err.validator_value})"
    if v == "type":
        return path, f"{excerpt(err.instance)} has the wrong type (expected {err.validator_value})"
    if v == "minItems":
        return path, f"needs at least {err.validator_value} item(s)"
    if v == "uniqueItems":
        return path, "has duplicate items"
    return path, excerpt(err.message, 200)


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    import jsonschema

    return jsonschema.Draft202012Validator(load("case.schema.json"))


@lru_cache(maxsize=1)
def _fast_validator() -> Callable[[Any], Any]:
    """The case schema compiled by fastjsonschema, its bytecode kept in :mod:`kg.cache` under a
    digest of the schema, the library's version and the interpreter's bytecode magic: compiling
    the generated source is most of the cost of a one-case start."""
    schema = load("case.schema.json")
    key = [json.dumps(schema, sort_keys=True).encode(), fastjsonschema.VERSION.encode(), MAGIC_NUMBER]
    name = f"case-schema-{cache.digest(key)}.marshal"
    code = _cached_code(name)
    if code is None:
        source = fastjsonschema.compile_to_code(schema, use_default=False)
        entry = re.search(r"^def (\w+)\(", source, re.MULTILINE)
        code = (entry.group(1) if entry else "", compile(source, "<case.schema.json>", "exec"))
        if cache.write(name, marshal.dumps(code)):
            cache.prune("case-schema-", keep=name)
    namespace: dict[str, Any] = {}
    exec(code[1], namespace)  # the code fastjsonschema generated for the contract's schema
    return cast("Callable[[Any], Any]", namespace[code[0]])


def _cached_code(name: str) -> tuple[str, Any] | None:
    """The cached (entry function, code object), or ``None`` when absent or damaged."""
    data = cache.read(name)
    try:
        entry, code = marshal.loads(data) if data is not None else (None, None)
    except (EOFError, ValueError, TypeError):
        return None
    return (entry, code) if isinstance(entry, str) and entry and isinstance(code, CodeType) else None


def schema_problems(data: Any) -> list[tuple[str, str]]:
    """Every schema problem with its field path; a valid case takes the compiled fast path."""
    try:
        _fast_validator()(data)
        return []
    except fastjsonschema.JsonSchemaException:
        pass
    validator = _validator()
    errors = sorted(validator.iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    return [_message(e) for e in errors]


def _lab_problems(i: int, lab: dict[str, Any], kn: Knowledge) -> list[tuple[str, str]]:
    """The unit belongs to the analyte, the value is plausible (graph range), the range is ordered."""
    an, unit, value = lab["analyte"], lab["unit"], lab["value"]
    allowed = kn.allowed_units.get(an, frozenset())
    if unit not in allowed:
        return [
            (f"labs[{i}].unit", f"{unit!r} is not a unit for {an}; use one of: {', '.join(sorted(allowed))}")
        ]
    try:
        canon, cu = to_canonical(kn, an, value, unit)
    except UnitError as exc:
        return [(f"labs[{i}].unit", str(exc))]
    out: list[tuple[str, str]] = []
    rng = kn.plausible_range(an)
    if (
        rng is not None
        and rng.lower is not None
        and rng.upper is not None
        and not rng.lower <= canon <= rng.upper
    ):
        out.append(
            (
                f"labs[{i}].value",
                f"{value} {unit} is not a plausible {an} (plausible range {rng.lower:g}-{rng.upper:g} {cu})",
            )
        )
    lo, hi = lab.get("reference_low"), lab.get("reference_high")
    if lo is not None and hi is not None and lo > hi:
        out.append((f"labs[{i}].reference_low", f"reference_low {lo} is above reference_high {hi}"))
    return out


def _gland_problems(ops: list[dict[str, Any]], kn: Knowledge) -> list[tuple[str, str]]:
    """No position twice in one operation; no gland seen after an earlier operation removed it.

    Operations are read in time order (the list may come in any order); "removed" follows the
    one rule of :func:`planner.record.effective_status`.
    """
    out: list[tuple[str, str]] = []
    gone: dict[str, str] = {}
    for i, op in sorted(enumerate(ops), key=lambda item: item[1]["day"]):
        seen: set[str] = set()
        for j, g in enumerate(op.get("glands", [])):
            pos, where = g["position"], f"operations[{i}].glands[{j}]"
            if pos == "supernumerary":
                continue
            if pos in seen:
                out.append((f"{where}.position", f"{pos} is recorded twice in the same operation"))
            seen.add(pos)
            status = effective_status(kn, g["status"], g.get("pathology"))
            if pos in gone and status in kn.seen_statuses:
                out.append(
                    (
                        f"{where}.status",
                        f"{pos} was already {gone[pos]} at an earlier operation, so it cannot be {status} now",
                    )
                )
            if status in kn.gone_statuses:
                gone.setdefault(pos, f"{status} (operations[{i}])")
    return out


def _operation_problems(ops: list[dict[str, Any]], kn: Knowledge) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if ops and max(op["day"] for op in ops) != 0:
        out.append(
            ("operations", "the most recent parathyroid operation must be on day 0 (days are relative to it)")
        )
    out += _gland_problems(ops, kn)
    for i, op in enumerate(ops):
        for j, s in enumerate((op.get("iopth") or {}).get("samples", [])):
            if s["minute"] < -240 or s["minute"] > 240:
                out.append(
                    (
                        f"operations[{i}].iopth.samples[{j}].minute",
                        f"{s['minute']} minutes is outside the operation (-240 to 240)",
                    )
                )
    return out


def _sampling_problems(data: dict[str, Any], kn: Knowledge) -> list[tuple[str, str]]:
    """A paired vein needs its side; an FNA needs a site a neck needle can reach."""
    out: list[tuple[str, str]] = []
    for i, vs in enumerate(data.get("venous_sampling", [])):
        for j, s in enumerate(vs["samples"]):
            vein = kn.veins.get(s["vein"])
            if (
                s["vein"] != "graft_arm_vein"
                and vein is not None
                and vein.paired
                and s.get("side") == "midline"
            ):
                out.append(
                    (
                        f"venous_sampling[{i}].samples[{j}].side",
                        f"{s['vein']} is a paired vein: give left or right",
                    )
                )
    for i, f in enumerate(data.get("fna", [])):
        if f["site"] in kn.sites and not kn.sites[f["site"]].needle_reachable:
            out.append((f"fna[{i}].site", f"{f['site']} cannot be reached by a neck needle; check the site"))
    return out


def semantic_problems(data: dict[str, Any], kn: Knowledge) -> list[tuple[str, str]]:
    """Checks the schema cannot express: units per analyte, plausible values, the gland record."""
    out = [p for i, lab in enumerate(data.get("labs", [])) for p in _lab_problems(i, lab, kn)]
    out += _operation_problems(data.get("operations", []), kn)
    return out + _sampling_problems(data, kn)


def validate_case(data: Any, kn: Knowledge) -> None:
    """Raise :class:`CaseError` with every problem found; return quietly when the case is valid."""
    problems = schema_problems(data)
    if not problems:
        problems = semantic_problems(data, kn)
    if problems:
        raise CaseError(problems)
