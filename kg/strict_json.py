"""One strict reader for every JSON document that enters ParaReop.

Python's ``json`` module is lenient in ways that are unsafe for clinical data: it accepts
``NaN`` and ``Infinity`` (a JSON Schema ``minimum`` never fails on NaN, so a NaN reference
range silently disables a gate), lets a duplicate key silently win (a case that says the
patient is unfit and then fit comes out fit), turns a 5,000-digit integer into a
``ValueError`` and deep nesting into a ``RecursionError`` deep inside a validator. This
reader refuses all of these, names the field path of each, and quotes only a short excerpt of
the offending value, so a 5 MB note never appears in an error message.

The limits here are properties of the reader, not clinical numbers: how deep a document may
nest and how long a number may be are the same everywhere; how large a document or a string
may be is set per entry point (:data:`CASE_FILE`, :data:`FHIR_BUNDLE`, :data:`CDS_REQUEST`),
so that a real hospital Bundle with thousands of Observations and base64 attachments fits. A
string over the limit in a field that ParaReop never reads (a note, an attachment's data) has
its text replaced by a short placeholder, with a warning; anywhere else it is refused.

The same checks run on an already-parsed Python object (:func:`check_value`), so that
``planner.plan_dict`` refuses a NaN that arrived through the Python API.
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ontology.errors import InputError

MAX_DEPTH = 48
"""Objects and arrays nested deeper than this are refused (a case nests 5 levels, a FHIR Bundle ~12)."""
MAX_NUMBER_CHARS = 40
"""A number literal longer than this is refused (a double carries 17 significant digits)."""
DROPPED = "[dropped by ParaReop: {chars} characters over the size limit]"
"""What an over-long string in a never-read field becomes (the field stays: a format may require it)."""
EXCERPT_CHARS = 60
"""How much of an offending value an error message quotes."""


class JsonInputError(InputError):
    """A document that is not strict JSON, or breaks a size limit: ``problems`` lists (path, message)."""


@dataclass(frozen=True)
class Limits:
    """The size limits of one entry point.

    ``droppable`` names the keys whose over-long string value may be dropped with a warning
    instead of refusing the document: fields that ParaReop keeps for people but never reads.
    ``base64`` names those among them whose value must stay valid base64 (an attachment's data).
    """

    name: str
    max_bytes: int
    max_string_chars: int
    droppable: frozenset[str] = field(default_factory=frozenset)
    base64: frozenset[str] = field(default_factory=frozenset)  # droppable keys whose value is base64


CASE_FILE = Limits("case file", 16 * 2**20, 20_000, frozenset({"note", "title"}))
_FHIR_NEVER_READ = frozenset({"data", "div", "text", "note"})
FHIR_BUNDLE = Limits("FHIR Bundle", 64 * 2**20, 100_000, _FHIR_NEVER_READ, frozenset({"data"}))
CDS_REQUEST = Limits("CDS Hooks request", 16 * 2**20, 100_000, _FHIR_NEVER_READ, frozenset({"data"}))


@dataclass(frozen=True)
class Parsed:
    """A parsed document and what was dropped from it (one warning per dropped field)."""

    value: Any
    warnings: tuple[str, ...] = ()


class _NonFinite(str):
    """What ``NaN``, ``Infinity`` or an overflowing float parses to, until the walk reports it."""


class _LongNumber(str):
    """A number literal over :data:`MAX_NUMBER_CHARS`, kept as text until the walk reports it."""


class _Pairs(dict[str, Any]):  # a parsed JSON object: its values are any JSON
    """A JSON object that remembers the keys it saw more than once."""

    duplicates: tuple[str, ...] = ()


def _pairs(items: list[tuple[str, Any]]) -> _Pairs:
    out = _Pairs(items)
    if len(out) != len(items):
        seen: set[str] = set()
        repeated: dict[str, None] = {}
        for key, _ in items:
            if key in seen:
                repeated[key] = None
            seen.add(key)
        out.duplicates = tuple(repeated)
    return out


def _parse_float(text: str) -> float | str:
    if len(text) > MAX_NUMBER_CHARS:
        return _LongNumber(text)
    value = float(text)
    return value if math.isfinite(value) else _NonFinite(text)


def _parse_int(text: str) -> int | str:
    return _LongNumber(text) if len(text) > MAX_NUMBER_CHARS else int(text)


def excerpt(value: Any, limit: int = EXCERPT_CHARS) -> str:
    """A short ``repr`` of a value for an error message.

    >>> excerpt("x" * 1000)
    "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx… (1000 characters)"
    >>> excerpt(12.5)
    '12.5'
    """
    if isinstance(value, str) and len(value) > limit:
        return repr(value[: limit - 2])[:-1] + f"… ({len(value)} characters)"
    if isinstance(value, dict | list):
        kind = "object" if isinstance(value, dict) else "array"
        return f"<{kind} of {len(value)} item(s)>"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def field_path(parts: tuple[str | int, ...]) -> str:
    """``("labs", 3, "unit")`` -> ``labs[3].unit`` (the form every error message uses).

    >>> field_path(("labs", 3, "unit")), field_path(())
    ('labs[3].unit', '(document)')
    """
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(document)"


@dataclass
class _Walk:
    limits: Limits | None
    problems: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def number(self, value: Any, path: tuple[str | int, ...]) -> None:
        where = field_path(path)
        if isinstance(value, _LongNumber) or (type(value) is int and _too_long_int(value)):
            self.problems.append(
                (where, f"a number of {len(str(value))} characters is too long (at most {MAX_NUMBER_CHARS})")
            )
        else:
            self.problems.append(
                (where, f"{excerpt(str(value))} is not a finite number (NaN and Infinity are refused)")
            )

    def long_text(self, value: str, path: tuple[str | int, ...]) -> bool:
        """Report an over-long string; ``True`` when it is to be dropped from its container."""
        assert self.limits is not None
        where, key = field_path(path), path[-1]
        if isinstance(key, str) and key in self.limits.droppable:
            self.warnings.append(
                f"{where}: {len(value)} characters is over the {self.limits.name} limit of "
                f"{self.limits.max_string_chars}; its text was dropped (ParaReop does not read it)"
            )
            return True
        limit = self.limits.max_string_chars
        self.problems.append((where, f"text of {len(value)} characters is too long (at most {limit})"))
        return False


    def placeholder(self, key: str | int, chars: int) -> str:
        """The short text that replaces a dropped string (base64-encoded where the field is binary)."""
        text = DROPPED.format(chars=chars)
        if self.limits is not None and key in self.limits.base64:
            return base64.b64encode(text.encode()).decode()
        return text


def _too_long_int(value: int) -> bool:
    return value.bit_length() > MAX_NUMBER_CHARS * 3  # ~ 10**36: never a clinical number


_CONTAINERS = (dict, _Pairs, list)
_SENTINELS = (_NonFinite, _LongNumber)


def _visit(node: Any, path: tuple[str | int, ...], walk: _Walk, stack: list[Any]) -> None:
    """Check one container's direct children; push the containers among them.

    Written for speed (it runs on every value of every document): the path of a child is built
    only when the child is a container or has a problem.
    """
    is_dict = isinstance(node, dict)
    maxlen = walk.limits.max_string_chars if walk.limits else None
    drop: list[str | int] = []
    for key, child in node.items() if is_dict else enumerate(node):
        kind = type(child)
        if is_dict and type(key) is not str:
            walk.problems.append((field_path(path), f"key {excerpt(key)} is not a string"))
        elif kind in _CONTAINERS:
            stack.append((child, (*path, key)))
        elif kind is str:
            if maxlen is not None and len(child) > maxlen and walk.long_text(child, (*path, key)):
                drop.append(key)
        elif kind is float:
            if not math.isfinite(child):
                walk.number(child, (*path, key))
        elif kind is int:
            if _too_long_int(child):
                walk.number(child, (*path, key))
        elif kind in _SENTINELS:
            walk.number(child, (*path, key))
    for key in drop:  # a placeholder, not a deletion: a format may require the field (FHIR's narrative div)
        node[key] = walk.placeholder(key, len(node[key]))


def _walk(root: Any, limits: Limits | None) -> tuple[Any, _Walk]:
    """Check every value without recursion; drop what may be dropped. Returns the cleaned root."""
    walk = _Walk(limits)
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(root, ())] if isinstance(root, _CONTAINERS) else []
    while stack:
        node, path = stack.pop()
        if len(path) > MAX_DEPTH:
            walk.problems.append((field_path(path[:3]) + "…", f"nested deeper than {MAX_DEPTH} levels"))
            continue
        for key in getattr(node, "duplicates", ()):
            walk.problems.append(
                (field_path((*path, key)), f"key {key!r} appears more than once in one object")
            )
        _visit(node, path, walk, stack)
    walk.problems.sort()
    return root, walk


def check_value(value: Any, limits: Limits | None = None) -> Parsed:
    """Check an already-parsed document as :func:`loads` would; raise :class:`JsonInputError`.

    >>> check_value({"labs": [{"value": float("nan")}]})
    Traceback (most recent call last):
    ...
    kg.strict_json.JsonInputError: labs[0].value: 'nan' is not a finite number (NaN and Infinity are refused)
    """
    try:
        cleaned, walk = _walk(value, limits)
    except (TypeError, AttributeError) as exc:
        raise JsonInputError([("(document)", f"not a JSON document: {exc}")]) from None
    if walk.problems:
        raise JsonInputError(walk.problems)
    return Parsed(cleaned, tuple(walk.warnings))


def _syntax(exc: json.JSONDecodeError) -> JsonInputError:
    return JsonInputError(
        [("(document)", f"not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}")]
    )


def _parse(text: str, *, numbers: bool) -> Any:
    """``json.loads`` with duplicate keys, NaN and long floats kept for the walk; ``numbers`` also
    keeps long integers as text.

    The integer hook costs a Python call per integer, so it is used only when the fast parse
    failed on one (an integer past Python's digit limit).
    """
    # floats always go through the hook: a long float literal parses to a finite float, so only its
    # text shows that it is too long; an integer's size shows in the value (bit length) as well
    hooks: dict[str, Any] = {"parse_float": _parse_float}
    if numbers:
        hooks["parse_int"] = _parse_int
    return json.loads(text, object_pairs_hook=_pairs, parse_constant=_NonFinite, **hooks)


def loads(text: str | bytes, limits: Limits) -> Parsed:
    """Parse one JSON document strictly.

    Refuses NaN and ±Infinity, duplicate keys (naming the key and its path), nesting deeper
    than :data:`MAX_DEPTH`, numbers longer than :data:`MAX_NUMBER_CHARS`, and a document or a
    string over the entry point's ``limits``; every refusal is a :class:`JsonInputError`.

    >>> loads('{"a": 1, "b": [2.5, "x"]}', CASE_FILE).value
    {'a': 1, 'b': [2.5, 'x']}
    >>> loads('{"fit": false, "fit": true}', CASE_FILE)
    Traceback (most recent call last):
    ...
    kg.strict_json.JsonInputError: fit: key 'fit' appears more than once in one object
    >>> loads('{"x": -0.' + '1' * 60 + '}', CASE_FILE)
    Traceback (most recent call last):
    ...
    kg.strict_json.JsonInputError: x: a number of 63 characters is too long (at most 40)
    >>> loads('[' * 5000 + ']' * 5000, CASE_FILE)
    Traceback (most recent call last):
    ...
    kg.strict_json.JsonInputError: (document): nested deeper than 48 levels
    """
    if len(text) > limits.max_bytes:
        raise JsonInputError(
            [("(document)", f"{len(text)} bytes is over the {limits.name} limit of {limits.max_bytes} bytes")]
        )
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise JsonInputError([("(document)", f"not UTF-8 text (byte {exc.start})")]) from None
    try:
        value = _parse(text, numbers=False)
    except ValueError as exc:  # an integer past Python's digit limit: parse again to name its field
        if isinstance(exc, json.JSONDecodeError):
            raise _syntax(exc) from None
        value = _parse(text, numbers=True)
    except RecursionError:
        raise JsonInputError([("(document)", f"nested deeper than {MAX_DEPTH} levels")]) from None
    return check_value(value, limits)


def read_file(path: Path | str, limits: Limits) -> Parsed:
    """Read and parse one file strictly; an unreadable or oversized file is a :class:`JsonInputError`.

    The size is checked before the file is read, so a huge file costs nothing.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise JsonInputError(
                [("(document)", f"{size} bytes is over the {limits.name} limit of {limits.max_bytes} bytes")]
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise JsonInputError([("(document)", "file not found")]) from None
    except IsADirectoryError:
        raise JsonInputError([("(document)", "is a folder, not a file")]) from None
    except OSError as exc:
        raise JsonInputError([("(document)", f"cannot read the file: {exc.strerror or exc}")]) from None
    return loads(data, limits)
