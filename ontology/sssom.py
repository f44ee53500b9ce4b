"""Read ParaReop's SSSOM mapping set (``ontology/mappings.sssom.tsv``) and check it as a file.

SSSOM TSV is a block of ``#``-prefixed YAML metadata, then a header row, then one mapping
a row. This module reads the small YAML subset the file uses (``key: value``, a list of
``- items``, the ``curie_map`` of ``prefix: IRI`` entries) without a YAML library, and
reports what makes the set wrong as SSSOM, before it is compared with the graph
(``ontology.mappings``):

* metadata: ``mapping_set_id``, ``mapping_set_version`` (the ontology release the set
  belongs to, a date: the build stamps it on ``make release``), ``mapping_date``,
  ``creator_id`` with its ``creator_label``, ``license`` and ``curie_map`` are required;
* prefixes: every declared prefix is spelt and expanded as bioregistry (the SSSOM default
  prefix map) has it, every used one is declared, and none is declared but unused;
* rows: CURIEs only, a SKOS mapping predicate, a ``semapv:`` justification, both labels,
  no duplicate, and no self-map (a term mapped to itself says nothing).

Every problem is an ERROR violation naming ``file:line``, so the build and
``parareop ontology check`` report them like any other check; tests/test_sssom.py also
validates the file with sssom-py.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ontology.errors import CheckSetupError
from ontology.namespaces import SKOS, SSSOM_PREFIXES
from ontology.versioning import valid_date
from ontology.violations import Level, Violation

CHECK_NAME = "external_mappings"
COLUMNS = (
    "subject_id",
    "subject_label",
    "predicate_id",
    "object_id",
    "object_label",
    "mapping_justification",
)
#: Metadata every ParaReop mapping set states (SSSOM makes only some of them mandatory).
REQUIRED = (
    "curie_map",
    "mapping_set_id",
    "mapping_set_version",
    "mapping_date",
    "creator_id",
    "creator_label",
    "license",
)
SEMAPV = "https://w3id.org/semapv/vocab/"
#: The SKOS mapping relations a row may use.
PREDICATES = frozenset(
    str(SKOS) + name for name in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
)
_ITEM = re.compile(r"^\s*-\s+(.*)$")
_ENTRY = re.compile(r"^(\s*)([A-Za-z_][\w.-]*):(?:\s+(.*))?$")
_CURIE = re.compile(r"^([A-Za-z_][\w.-]*):(\S+)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_VERSION_LINE = re.compile(r"^#\s*mapping_set_version:.*$", re.MULTILINE)

MetaValue = str | tuple[str, ...] | Mapping[str, str]


@dataclass(frozen=True)
class MappingRow:
    """One mapping, its IDs expanded to IRIs, with the line it is on."""

    line: int
    subject: str
    subject_label: str
    predicate: str
    object: str
    object_label: str


@dataclass(frozen=True)
class MappingSet:
    """The metadata, prefixes and rows of a mapping set, and what is wrong with it."""

    name: str
    metadata: Mapping[str, MetaValue]
    curie_map: Mapping[str, str]
    rows: tuple[MappingRow, ...]
    problems: tuple[Violation, ...]

    def version(self) -> str | None:
        """The ``mapping_set_version``, when it is given as one value."""
        value = self.metadata.get("mapping_set_version")
        return value if isinstance(value, str) else None


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


class _Problems:
    """Collects ERROR violations about one file."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.found: list[Violation] = []

    def add(self, line: int | None, message: str) -> None:
        where = f"{self.name}:{line}" if line else self.name
        self.found.append(Violation(Level.ERROR, CHECK_NAME, where, message))


def read_metadata(lines: Iterable[tuple[int, str]], problems: _Problems) -> dict[str, MetaValue]:
    """The YAML metadata block (``#`` lines) as a dict: a string, a tuple of list items, or
    the ``prefix -> IRI`` map of a nested block."""
    meta: dict[str, MetaValue] = {}
    key: str | None = None
    items: list[str] = []
    nested: dict[str, str] = {}
    for number, raw in lines:
        text = raw[1:].rstrip()
        text = text[1:] if text.startswith(" ") else text  # "# key: value": YAML after "# "
        if not text.strip():
            continue
        item, entry = _ITEM.match(text), _ENTRY.match(text)
        if item and key is not None and not nested:
            items.append(_unquote(item.group(1)))
        elif entry and entry.group(1) and key is not None and not items:
            nested[entry.group(2)] = _unquote(entry.group(3) or "")
        elif entry and not entry.group(1):
            if key is not None:
                meta[key] = dict(nested) if nested else tuple(items)
            key, items, nested = entry.group(2), [], {}
            if entry.group(3):
                meta[key] = _unquote(entry.group(3))
                key = None
        else:
            problems.add(number, f"cannot read this metadata line: {text.strip()!r}")
    if key is not None:
        meta[key] = dict(nested) if nested else tuple(items)
    return meta


def _check_metadata(meta: Mapping[str, MetaValue], problems: _Problems) -> None:
    for key in REQUIRED:
        if not meta.get(key):
            problems.add(None, f"the metadata needs {key}")
    for key in ("mapping_set_id", "license"):
        value = meta.get(key)
        if value and not (isinstance(value, str) and value.startswith(("http://", "https://"))):
            problems.add(None, f"{key} must be one IRI, not {value!r}")
    for key in ("mapping_set_version", "mapping_date"):
        value = meta.get(key)
        if value and not (isinstance(value, str) and valid_date(value)):
            problems.add(None, f"{key} must be a date YYYY-MM-DD, not {value!r}")
    ids, labels = meta.get("creator_id"), meta.get("creator_label")
    if (
        ids
        and labels
        and (not isinstance(ids, tuple) or not isinstance(labels, tuple) or len(ids) != len(labels))
    ):
        problems.add(None, "creator_id and creator_label must be lists of the same length")
    curie_map = meta.get("curie_map")
    if curie_map and not isinstance(curie_map, Mapping):
        problems.add(None, "curie_map must map prefixes to IRIs")


def _check_prefixes(curie_map: Mapping[str, str], used: set[str], problems: _Problems) -> None:
    for prefix, iri in sorted(curie_map.items()):
        expected = SSSOM_PREFIXES.get(prefix)
        if expected is None:
            known = ", ".join(sorted(SSSOM_PREFIXES))
            problems.add(None, f"unknown prefix {prefix!r} in curie_map (bioregistry's spellings: {known})")
        elif iri != expected:
            problems.add(None, f"prefix {prefix} expands to {iri}; bioregistry has {expected}")
        if prefix not in used:
            problems.add(None, f"prefix {prefix} is declared in curie_map but never used")


def _expand(curie: str, curie_map: Mapping[str, str], used: set[str]) -> str | None:
    match = _CURIE.match(curie.strip())
    if not match or match.group(1) not in curie_map:
        return None
    used.add(match.group(1))
    return curie_map[match.group(1)] + match.group(2)


def _read_row(
    number: int, fields: list[str], curie_map: Mapping[str, str], used: set[str], problems: _Problems
) -> MappingRow | None:
    if len(fields) != len(COLUMNS):
        problems.add(number, f"expected {len(COLUMNS)} columns, got {len(fields)}")
        return None
    row = dict(zip(COLUMNS, fields, strict=True))
    iris: dict[str, str] = {}
    for column in ("subject_id", "predicate_id", "object_id", "mapping_justification"):
        iri = _expand(row[column], curie_map, used)
        if iri is None:
            problems.add(number, f"{column} {row[column]!r} is not a CURIE with a prefix of the curie_map")
            return None
        iris[column] = iri
    for column in ("subject_label", "object_label"):
        if not row[column].strip():
            problems.add(number, f"{row['subject_id']} -> {row['object_id']} has no {column}")
    if iris["subject_id"] == iris["object_id"]:
        problems.add(number, f"{row['subject_id']} is mapped to itself (a self-map says nothing)")
    if iris["predicate_id"] not in PREDICATES:
        problems.add(number, f"predicate_id {row['predicate_id']} is not a SKOS mapping relation")
    if not iris["mapping_justification"].startswith(SEMAPV):
        problems.add(number, f"mapping_justification {row['mapping_justification']} is not a semapv term")
    return MappingRow(
        number,
        iris["subject_id"],
        row["subject_label"].strip(),
        iris["predicate_id"],
        iris["object_id"],
        row["object_label"].strip(),
    )


def _creator_prefixes(
    meta: Mapping[str, MetaValue], curie_map: Mapping[str, str], problems: _Problems
) -> set[str]:
    used: set[str] = set()
    ids = meta.get("creator_id")
    for curie in ids if isinstance(ids, tuple) else ():
        if _expand(curie, curie_map, used) is None:
            problems.add(None, f"creator_id {curie!r} is not a CURIE with a prefix of the curie_map")
    return used


def read_mapping_set(path: Path) -> MappingSet:
    """Read and check the mapping set at ``path``; what is wrong becomes ERROR violations.

    Raises:
        CheckSetupError: the file is missing or its header row is not the SSSOM columns.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CheckSetupError(f"cannot read the mapping table {path}: {exc}") from None
    problems = _Problems(path.name)
    numbered = list(enumerate(lines, start=1))
    meta = read_metadata(((n, line) for n, line in numbered if line.startswith("#")), problems)
    body = [(n, line) for n, line in numbered if line.strip() and not line.startswith("#")]
    if not body or tuple(body[0][1].split("\t")) != COLUMNS:
        raise CheckSetupError(f"{path}: the first non-comment row must be the header: " + "\t".join(COLUMNS))
    _check_metadata(meta, problems)
    declared = meta.get("curie_map")
    curie_map: Mapping[str, str] = declared if isinstance(declared, Mapping) else {}
    used = _creator_prefixes(meta, curie_map, problems)
    rows: list[MappingRow] = []
    seen: dict[tuple[str, str, str], int] = {}
    for number, line in body[1:]:
        row = _read_row(number, next(csv.reader([line], delimiter="\t")), curie_map, used, problems)
        if row is None:
            continue
        key = (row.subject, row.predicate, row.object)
        if key in seen:
            problems.add(number, f"the same mapping as line {seen[key]}")
        seen.setdefault(key, number)
        rows.append(row)
    _check_prefixes(curie_map, used, problems)
    return MappingSet(path.name, meta, curie_map, tuple(rows), tuple(problems.found))


def stamp_version(text: str, version: str) -> str:
    """``text`` (a mapping set) with its ``mapping_set_version`` set to ``version``.

    The build calls it on ``make release``, so the set carries the release it belongs to.

    >>> stamp_version('# mapping_set_version: "2026-01-05"\\n', "2026-02-01")
    '# mapping_set_version: "2026-02-01"\\n'

    Raises:
        CheckSetupError: the text has no ``mapping_set_version`` line.
    """
    stamped, count = _VERSION_LINE.subn(f'# mapping_set_version: "{version}"', text, count=1)
    if not count:
        raise CheckSetupError("the mapping set has no mapping_set_version line to stamp")
    return stamped
