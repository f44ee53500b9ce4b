"""The case editor's model: a case as flat tables (one per list in the contract) and back.

The editor shows the nested case (operations with their glands and IOPTH samples, venous
sampling sessions with their samples) as flat tables that a surgeon can type into; child rows
name their parent by number (``op`` 1, 2, ...; ``session`` 1, 2, ...). :func:`case_to_tables`
and :func:`tables_to_case` convert both ways without loss for every contract field, and
:func:`route_problems` puts each validation problem (a field path from the planner) next to the
table row and column it concerns. The codes offered as choices are the contract's own enums.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pandas as pd

from planner.contract_files import load


@dataclass(frozen=True)
class Column:
    """One editor column: its contract field and kind (int, float, str, list, bool or code)."""

    key: str
    kind: str
    enum: tuple[str, ...] = ()
    required: bool = False


def _schema() -> dict[str, Any]:
    return load("case.schema.json")


def _props(*path: str) -> dict[str, Any]:
    node = _schema()
    for part in path:
        node = node["items"] if part == "[]" else node["properties"][part]
    return node


@cache
def enum(*path: str) -> tuple[str, ...]:
    """The contract's codes for a field (``enum("labs", "[]", "unit")``), in the schema's order.

    >>> enum("imaging", "[]", "result")
    ('positive', 'equivocal', 'negative', 'unstructured')
    >>> enum("operations", "[]", "procedures")[:2]
    ('focused_parathyroidectomy', 'bilateral_exploration')
    """
    node = _props(*path)
    if "enum" not in node and node.get("type") == "array":
        node = node["items"]
    return tuple(str(v) for v in node.get("enum", []) if v is not None)


def _kind(node: Mapping[str, Any]) -> str:
    if node.get("type") == "array":
        return "list"
    if "enum" in node:
        return "code"
    return {"integer": "int", "number": "float", "boolean": "bool"}.get(str(node.get("type")), "str")


def _columns(path: tuple[str, ...], keys: Iterable[str], extra: Iterable[Column] = ()) -> tuple[Column, ...]:
    items = _props(*path, "[]")
    required = set(items.get("required", []))
    cols = list(extra)
    for key in keys:
        node = items["properties"][key]
        cols.append(Column(key, _kind(node), enum(*path, "[]", key), key in required))
    return tuple(cols)


OP_NO = Column("op", "int", required=True)
SESSION_NO = Column("session", "int", required=True)


@cache
def tables_spec() -> dict[str, tuple[Column, ...]]:
    """Every editor table and its columns (the contract's fields, plus the parent number)."""
    return {
        "operations": (
            Column("op", "int"),
            *_columns(
                ("operations",), ("day", "procedures", "thyroid_removed", "thymectomy", "capsule_rupture")
            ),
            Column("autograft_location", "code", enum("operations", "[]", "autograft", "location")),
            Column("autograft_side", "code", enum("operations", "[]", "autograft", "side")),
            Column("iopth_unit", "code", enum("operations", "[]", "iopth", "unit")),
            Column("note", "str"),
        ),
        "glands": _columns(
            ("operations", "[]", "glands"),
            ("position", "status", "pathology", "weight_mg", "site", "side"),
            (OP_NO,),
        ),
        "iopth": (OP_NO, Column("minute", "float", required=True), Column("value", "float", required=True)),
        "labs": _columns(("labs",), ("analyte", "value", "unit", "day", "reference_low", "reference_high")),
        "imaging": _columns(
            ("imaging",),
            ("modality", "day", "result", "site", "side", "size_mm", "foci", "appearance", "note"),
        ),
        "venous_sessions": (SESSION_NO, *_columns(("venous_sampling",), ("day", "unit", "peripheral_pth"))),
        "venous_samples": _columns(
            ("venous_sampling", "[]", "samples"), ("vein", "side", "pth"), (SESSION_NO,)
        ),
        "fna": _columns(("fna",), ("day", "site", "side", "unit", "pth_washout", "serum_pth", "cytology")),
    }


PATIENT_FIELDS: tuple[str, ...] = (
    "age",
    "sex",
    "surgical_candidate",
    "syndromes",
    "family_history_hypercalcemia",
    "palpable_neck_mass",
    "vocal_cord_paralysis",
    "medications",
    "note",
)

# ---------------------------------------------------------------- case -> tables


def case_to_tables(case: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Flatten a case's lists into the editor's tables (missing fields become None).

    >>> t = case_to_tables({"id": "x", "operations": [{"day": 0, "procedures": ["bilateral_exploration"],
    ...     "glands": [{"position": "left_inferior", "status": "not_found"}]}]})
    >>> t["glands"][0]["op"], t["glands"][0]["position"], t["operations"][0]["op"]
    (1, 'left_inferior', 1)
    """
    spec = tables_spec()
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in spec}

    def row(name: str, src: Mapping[str, Any], **fixed: Any) -> dict[str, Any]:
        out = {c.key: src.get(c.key) for c in spec[name]}
        for c in spec[name]:
            if c.kind == "list" and out[c.key] is None:
                out[c.key] = []
        out.update(fixed)
        return out

    for i, op in enumerate(case.get("operations") or [], start=1):
        graft = op.get("autograft") or {}
        iop = op.get("iopth") or {}
        tables["operations"].append(
            row(
                "operations",
                op,
                op=i,
                autograft_location=graft.get("location"),
                autograft_side=graft.get("side"),
                iopth_unit=iop.get("unit"),
            )
        )
        for g in op.get("glands") or []:
            tables["glands"].append(row("glands", g, op=i))
        for s in iop.get("samples") or []:
            tables["iopth"].append(row("iopth", s, op=i))
    for name in ("labs", "imaging", "fna"):
        for item in case.get(name) or []:
            tables[name].append(row(name, item))
    for i, vs in enumerate(case.get("venous_sampling") or [], start=1):
        tables["venous_sessions"].append(row("venous_sessions", vs, session=i))
        for s in vs.get("samples") or []:
            tables["venous_samples"].append(row("venous_samples", s, session=i))
    return tables


# ---------------------------------------------------------------- tables -> case


def _missing(v: Any) -> bool:
    """An empty cell: None, NaN, pandas' NA, or blank text (a list is never missing)."""
    if v is None:
        return True
    if isinstance(v, str):
        return not v.strip()
    if isinstance(v, (list, tuple)):
        return False
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _value(col: Column, v: Any) -> Any:
    """A cell as the contract's JSON value (None when empty)."""
    if col.kind == "list":
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return None
        items = [str(x) for x in list(v) if not _missing(x)]
        return items or None
    if _missing(v):
        return None
    if col.kind in ("int", "float"):
        f = float(v)
        return int(f) if f.is_integer() else f  # 65.0 is written 65, as a surgeon types it
    if col.kind == "bool":
        return bool(v)
    return str(v).strip()


def _clean(
    col_rows: Iterable[Mapping[str, Any]], cols: tuple[Column, ...]
) -> list[tuple[int, dict[str, Any]]]:
    """Each non-empty row as (row number from 0, {field: value}) without empty fields."""
    out = []
    for n, r in enumerate(col_rows):
        vals = {c.key: _value(c, r.get(c.key)) for c in cols}
        vals = {k: v for k, v in vals.items() if v is not None}
        if vals:
            out.append((n, vals))
    return out


@dataclass
class Built:
    """The case built from the editor, where each part of it came from, and table-level problems."""

    case: dict[str, Any]
    where: dict[str, tuple[str, int]] = field(default_factory=dict)
    problems: list[tuple[str, int, str, str]] = field(default_factory=list)


def tables_to_case(
    header: Mapping[str, Any],
    patient: Mapping[str, Any],
    tables: Mapping[str, Iterable[Mapping[str, Any]]],
) -> Built:
    """Build the contract's case from the editor's fields and tables.

    ``header`` holds ``id``, ``title`` and ``note``; ``patient`` the patient fields (empty
    values are left out; ``surgical_candidate`` only when False, the other flags only when
    True). A child row whose parent number names no row is a table problem, not silently lost.

    >>> b = tables_to_case({"id": "x"}, {"age": 50}, {"labs": [{"analyte": "calcium_total", "value": 11,
    ...     "unit": "mg/dL", "day": 10}]})
    >>> b.case["patient"], b.case["labs"][0]["value"]
    ({'age': 50}, 11)
    >>> b.where["labs[0]"]
    ('labs', 0)
    """
    spec = tables_spec()
    built = Built({})
    case = built.case
    for key in ("id", "title"):
        v = header.get(key)
        if v is not None and (str(v).strip() or key == "id"):
            case[key] = str(v).strip()
    pat = _patient_fields(patient)
    if pat:
        case["patient"] = pat
    tabs = {name: list(tables.get(name) or []) for name in spec}
    ops = _operations_from_tables(tabs, spec, built)
    if ops:
        case["operations"] = ops
    for name in ("labs", "imaging", "fna"):
        rows = _clean(tabs[name], spec[name])
        if rows:
            case[name] = [vals for _, vals in rows]
            for i, (n, _) in enumerate(rows):
                built.where[f"{name}[{i}]"] = (name, n)
    vs_list = _venous_from_tables(tabs, spec, built)
    if vs_list:
        case["venous_sampling"] = vs_list
    note = header.get("note")
    if note is not None and str(note).strip():
        case["note"] = str(note).strip()
    return built


def _patient_fields(patient: Mapping[str, Any]) -> dict[str, Any]:
    """Empty values left out; ``surgical_candidate`` only when False, the other flags only when True."""
    pat: dict[str, Any] = {}
    for key in PATIENT_FIELDS:
        v = patient.get(key)
        if key == "surgical_candidate":
            if v is False:
                pat[key] = False
        elif key in ("family_history_hypercalcemia", "palpable_neck_mass"):
            if v:
                pat[key] = True
        elif isinstance(v, (list, tuple)):
            if v:
                pat[key] = list(v)
        elif not _missing(v):
            pat[key] = int(v) if key == "age" and float(v).is_integer() else v
    return pat


def _operations_from_tables(
    tabs: dict[str, list], spec: Mapping[str, Any], built: Built
) -> list[dict[str, Any]]:
    """Operation rows, with their gland and IOPTH child rows attached by operation number."""
    ops: list[dict[str, Any]] = []
    op_index: dict[int, int] = {}
    for i, (n, vals) in enumerate(_clean(tabs["operations"], spec["operations"])):
        number = int(vals.pop("op", n + 1))
        op_index.setdefault(number, i)
        graft = {k: vals.pop(f"autograft_{k}") for k in ("location", "side") if f"autograft_{k}" in vals}
        unit = vals.pop("iopth_unit", None)
        op = dict(vals)
        if graft:
            op["autograft"] = graft
        if unit is not None:
            op["iopth"] = {"unit": unit, "samples": []}
        ops.append(op)
        built.where[f"operations[{i}]"] = ("operations", n)
    for child in ("glands", "iopth"):
        for n, vals in _clean(tabs[child], spec[child]):
            number = vals.pop("op", None)
            if number is None or int(number) not in op_index:
                built.problems.append((child, n, "op", f"names no operation row (op {number})"))
                continue
            _attach_child(ops[op_index[int(number)]], op_index[int(number)], child, n, vals, built)
    for op in ops:
        iop = op.get("iopth")
        if iop is not None and not iop.get("samples"):
            del op["iopth"]  # a unit with no sample is not a record
    return ops


def _attach_child(op: dict[str, Any], i: int, child: str, n: int, vals: dict[str, Any], built: Built) -> None:
    if child == "glands":
        j = len(op.setdefault("glands", []))
        op["glands"].append(vals)
        built.where[f"operations[{i}].glands[{j}]"] = ("glands", n)
    else:
        iop = op.setdefault("iopth", {"samples": []})
        j = len(iop["samples"])
        iop["samples"].append(vals)
        built.where[f"operations[{i}].iopth.samples[{j}]"] = ("iopth", n)


def _venous_from_tables(tabs: dict[str, list], spec: Mapping[str, Any], built: Built) -> list[dict[str, Any]]:
    """Sampling sessions, with their sample rows attached by session number."""
    vs_list: list[dict[str, Any]] = []
    vs_index: dict[int, int] = {}
    for i, (n, vals) in enumerate(_clean(tabs["venous_sessions"], spec["venous_sessions"])):
        number = int(vals.pop("session", n + 1))
        vs_index.setdefault(number, i)
        vals["samples"] = []
        vs_list.append(vals)
        built.where[f"venous_sampling[{i}]"] = ("venous_sessions", n)
    for n, vals in _clean(tabs["venous_samples"], spec["venous_samples"]):
        number = vals.pop("session", None)
        if number is None or int(number) not in vs_index:
            built.problems.append(
                ("venous_samples", n, "session", f"names no sampling session (session {number})")
            )
            continue
        i = vs_index[int(number)]
        j = len(vs_list[i]["samples"])
        vs_list[i]["samples"].append(vals)
        built.where[f"venous_sampling[{i}].samples[{j}]"] = ("venous_samples", n)
    return vs_list


# ---------------------------------------------------------------- problems -> fields


@dataclass(frozen=True)
class Placed:
    """A problem placed next to a field: ``slot`` is a widget (``patient.age``) or a table name."""

    slot: str
    row: int | None
    column: str | None
    message: str

    def text(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row + 1}")
        if self.column:
            where.append(self.column)
        prefix = " · ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


_SECTION_OF = {
    "operations": "operations",
    "labs": "labs",
    "imaging": "imaging",
    "fna": "fna",
    "venous_sampling": "venous_sessions",
}


def route_problems(problems: Iterable[tuple[str, str]], built: Built) -> list[Placed]:
    """Place each (field path, message) from the planner next to its widget or table row.

    >>> b = tables_to_case({"id": "x"}, {}, {"labs": [{}, {"analyte": "albumin", "value": 4, "unit": "mg/dL",
    ...     "day": 1}]})
    >>> placed = route_problems([("labs[0].unit", "bad unit"), ("patient.age", "too old")], b)
    >>> [(p.slot, p.row, p.column) for p in placed]
    [('labs', 1, 'unit'), ('patient.age', None, None)]
    >>> placed[0].text()
    'row 2 · unit: bad unit'
    """
    out: list[Placed] = []
    for path, message in problems:
        if path in ("id", "title", "note") or path.startswith("patient"):
            out.append(Placed(path if path != "patient" else "patient", None, None, message))
            continue
        best = max(
            (p for p in built.where if path == p or path.startswith(p + ".") or path.startswith(p + "[")),
            key=len,
            default=None,
        )
        if best is not None:
            table, row = built.where[best]
            rest = path[len(best) :].lstrip(".")
            column = rest.split(".")[0].split("[")[0] or None
            if table == "operations" and column in ("autograft", "iopth"):
                sub = rest.split(".")[1] if "." in rest else None
                column = f"{column}_{sub}" if sub in ("location", "side", "unit") else column
            out.append(Placed(table, row, column, message))
            continue
        head = path.split("[")[0].split(".")[0]
        out.append(Placed(_SECTION_OF.get(head, "(case)"), None, None, f"{path}: {message}"))
    for table, row, column, message in built.problems:
        out.append(Placed(table, row, column, message))
    return out
