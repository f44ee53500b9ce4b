"""The named SPARQL queries in ``kg/queries/*.rq`` and their parameters.

Each file starts with a header of ``#`` lines::

    # name: vein-drainage
    # question: Which veins drain a given site, ...?
    # param site: a site code (e.g. perrier_F); unset = every site
    # columns: vein, vein_label, ...

and is valid SPARQL as it stands. A parameter ``p`` is a ``VALUES ?p { UNDEF }`` block in the
query (``UNDEF`` leaves ``?p`` free, so the file on its own answers for every value).
:meth:`NamedQuery.render` replaces ``UNDEF`` by the given values, each written as an escaped
SPARQL string literal after checking it looks like a code: values are never pasted into the
query text as SPARQL.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import KgError, QueryParameterError, UnknownQueryError
from kg.paths import QUERIES_DIR

_HEADER = re.compile(r"^#\s*(name|question|param|columns|example)\b\s*([A-Za-z_][\w-]*)?\s*:\s*(.*)$")
_PLACEHOLDER = r"VALUES\s+\?{name}\s*\{{\s*UNDEF\s*\}}"
#: What a parameter value may look like: a vocabulary code or an id (``mL/min/1.73m2`` included).
VALUE_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_:/.\-]{0,199}$")


@dataclass(frozen=True)
class Parameter:
    """A parameter of a named query: bound to ``?name`` by a ``VALUES`` block."""

    name: str
    description: str


@dataclass(frozen=True)
class NamedQuery:
    """One competency question as a SPARQL query.

    Attributes
    ----------
    name : str
        The query's name (the file stem), e.g. ``descent-path``.
    question : str
        The competency question it answers.
    parameters : tuple of Parameter
        Its parameters, in header order.
    columns : str
        What the result columns mean.
    text : str
        The SPARQL text as in the file.
    path : Path
        The ``.rq`` file.
    example : mapping of str to str
        Example bindings from the ``# example: name=value ...`` header line (the one home of
        the examples the protocol tests and the server benchmark run).
    """

    name: str
    question: str
    parameters: tuple[Parameter, ...]
    columns: str
    text: str
    path: Path
    example: Mapping[str, str] = field(default_factory=dict)

    def render(self, params: Mapping[str, str | Sequence[str]] | None = None) -> str:
        """The query with its parameters bound.

        Parameters
        ----------
        params : mapping of str to str or sequence of str, optional
            Parameter name -> one value or several (several values give the union of the
            answers). Parameters not given stay unbound.

        Returns
        -------
        str
            SPARQL text.

        Raises
        ------
        QueryParameterError
            A parameter the query does not declare, or a value that is not a code.

        Examples
        --------
        >>> q = get_named_query("vein-drainage")
        >>> 'VALUES ?site { "perrier_F" }' in q.render({"site": "perrier_F"})
        True
        >>> try:
        ...     q.render({"site": 'x" } ?s ?p ?o {'})
        ... except QueryParameterError as exc:
        ...     print(str(exc).split(" of ")[0])
        vein-drainage: value 'x" } ?s ?p ?o {'
        """
        text = self.text
        declared = {p.name for p in self.parameters}
        for name, raw in (params or {}).items():
            if name not in declared:
                known = ", ".join(sorted(declared)) or "none"
                raise QueryParameterError(f"{self.name}: no parameter {name!r} (parameters: {known})")
            values = [raw] if isinstance(raw, str) else list(raw)
            if not values:
                continue
            for value in values:
                if not isinstance(value, str) or not VALUE_PATTERN.match(value):
                    raise QueryParameterError(
                        f"{self.name}: value {value!r} of parameter {name} is not a code "
                        "(letters, digits, _ : / . -)"
                    )
            literals = " ".join(_literal(v) for v in values)
            text = re.sub(
                _PLACEHOLDER.format(name=re.escape(name)),
                _constant(f"VALUES ?{name} {{ {literals} }}"),
                text,
                count=1,
            )
        return text


def _constant(replacement: str) -> Callable[[re.Match[str]], str]:
    """A ``re.sub`` replacement function that returns ``replacement`` verbatim (no backslash escapes)."""
    return lambda _match: replacement


def _literal(value: str) -> str:
    """A SPARQL string literal (escaped even though :data:`VALUE_PATTERN` admits no quotes)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def parse_named_query(path: Path) -> NamedQuery:
    """Read one ``.rq`` file and its header.

    Raises
    ------
    KgError
        The header lacks a name or a question, the name differs from the file stem, or a
        declared parameter has not exactly one ``VALUES ?p { UNDEF }`` block.
    """
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    params: list[Parameter] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        match = _HEADER.match(line)
        if not match:
            continue
        key, arg, value = match.group(1), match.group(2), match.group(3).strip()
        if key == "param":
            if not arg:
                raise KgError(f"{path}: a '# param' line needs a parameter name ('# param site: ...')")
            params.append(Parameter(arg, value))
        else:
            fields[key] = value
    for required in ("name", "question"):
        if not fields.get(required):
            raise KgError(f"{path}: the header needs a '# {required}:' line")
    if fields["name"] != path.stem:
        raise KgError(f"{path}: header name {fields['name']!r} differs from the file name")
    for param in params:
        found = len(re.findall(_PLACEHOLDER.format(name=re.escape(param.name)), text))
        if found != 1:
            raise KgError(
                f"{path}: parameter {param.name} needs exactly one "
                f"'VALUES ?{param.name} {{ UNDEF }}' block, found {found}"
            )
    example = dict(pair.split("=", 1) for pair in fields.get("example", "").split() if "=" in pair)
    unknown = set(example) - {p.name for p in params}
    if unknown:
        raise KgError(f"{path}: the example binds undeclared parameters {sorted(unknown)}")
    return NamedQuery(
        name=fields["name"],
        question=fields["question"],
        parameters=tuple(params),
        columns=fields.get("columns", ""),
        text=text,
        path=path,
        example=example,
    )


@functools.lru_cache(maxsize=4)
def _load(folder: Path) -> dict[str, NamedQuery]:
    queries = [parse_named_query(p) for p in sorted(folder.glob("*.rq"))]
    return {q.name: q for q in queries}


def named_queries(folder: Path | None = None) -> dict[str, NamedQuery]:
    """Every named query, by name, in name order.

    Examples
    --------
    >>> "descent-path" in named_queries()
    True
    """
    return _load((folder or QUERIES_DIR).resolve())


def get_named_query(name: str, folder: Path | None = None) -> NamedQuery:
    """The named query ``name``.

    Raises
    ------
    UnknownQueryError
        No query has that name; the message lists the closest names.

    Examples
    --------
    >>> get_named_query("descent-path").parameters[0].name
    'path'
    >>> try:
    ...     get_named_query("descent-paths")
    ... except UnknownQueryError as exc:
    ...     print(str(exc).split(";")[0])
    unknown query name 'descent-paths' (did you mean descent-path?)
    """
    queries = named_queries(folder)
    if name in queries:
        return queries[name]
    close = difflib.get_close_matches(name, list(queries), n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    raise UnknownQueryError(f"unknown query name {name!r}{hint}; `parareop sparql --list` shows them all")
