"""Print a :class:`kg.results.QueryResult` as a table, CSV or SPARQL JSON."""

from __future__ import annotations

import csv
import io
import json
from typing import Literal

from kg.results import QueryResult, Term
from ontology.namespaces import shorten

Format = Literal["table", "csv", "json"]
FORMATS: tuple[str, ...] = ("table", "csv", "json")
MAX_CELL = 60


def cell(term: Term | None, *, short: bool = True) -> str:
    """How a value is shown: IRIs as CURIEs where a prefix is known, literals by their text.

    Examples
    --------
    >>> cell(Term.iri("https://w3id.org/parareop/site_perrier_F"))
    'prp:site_perrier_F'
    >>> cell(Term.literal("0.45", "http://www.w3.org/2001/XMLSchema#decimal"))
    '0.45'
    >>> cell(None)
    ''
    """
    if term is None:
        return ""
    if term.kind == "iri":
        return shorten(term.value) if short else term.value
    if term.kind == "bnode":
        return f"_:{term.value}"
    return term.value


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def format_table(result: QueryResult, *, max_cell: int = MAX_CELL) -> str:
    """An aligned text table (long cells clipped to ``max_cell`` characters), with a row count.

    Examples
    --------
    >>> r = QueryResult("select", ("site", "share"), ({"site": Term.literal("perrier_E"),
    ...     "share": Term.literal("0.45")},))
    >>> print(format_table(r))
    site       share
    ---------  -----
    perrier_E  0.45
    (1 row)
    """
    if result.kind == "ask":
        return "true" if result.boolean else "false"
    headers = list(result.variables)
    body = [[_clip(cell(row.get(v)), max_cell) for v in headers] for row in result.rows]
    widths = [max([len(h), *(len(r[i]) for r in body)]) for i, h in enumerate(headers)]
    lines = [
        "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in body]
    n = len(result.rows)
    lines.append(f"({n} row{'s' if n != 1 else ''})")
    return "\n".join(lines)


def format_csv(result: QueryResult) -> str:
    """CSV with a header row; IRIs in full, values unclipped (like SPARQL's CSV results)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if result.kind == "ask":
        writer.writerow(["boolean"])
        writer.writerow(["true" if result.boolean else "false"])
        return out.getvalue()
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow([cell(row.get(v), short=False) for v in result.variables])
    return out.getvalue()


def format_json(result: QueryResult) -> str:
    """The SPARQL 1.1 Query Results JSON format (triples as subject/predicate/object rows)."""
    if result.kind == "ask":
        document: dict[str, object] = {"head": {}, "boolean": bool(result.boolean)}
    else:
        document = {
            "head": {"vars": list(result.variables)},
            "results": {"bindings": [{k: t.to_json() for k, t in row.items()} for row in result.rows]},
        }
    return json.dumps(document, indent=2, ensure_ascii=False)


def format_result(result: QueryResult, fmt: str) -> str:
    """Dispatch on ``fmt`` (``table``, ``csv`` or ``json``)."""
    if fmt == "csv":
        return format_csv(result)
    if fmt == "json":
        return format_json(result)
    return format_table(result)
