"""The outcomes file of the cohort audit: ``case_id, found_site, found_side, cured`` and optionally
``also_found``, each code checked against the contract (definitions: :mod:`clinical.audit`)."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from clinical.audit import ALSO_FOUND, COLUMNS, FALSE, TRUE, AuditError, Gland, Outcome
from planner.contract_files import load


@dataclass(frozen=True)
class _Codes:
    sites: set[str]
    sides: set[str]


def _parse_also(text: str, where: str, codes: _Codes) -> tuple[Gland, ...]:
    """``site:side;site`` -> glands; each part is checked like ``found_site``/``found_side``."""
    out: list[Gland] = []
    for part in (x.strip() for x in text.split(";")):
        if not part:
            continue
        site, _, side = (s.strip() for s in part.partition(":"))
        if site not in codes.sites:
            raise AuditError(f"{where}: also_found {site!r} is not a site code of the vocabulary")
        if side and side not in codes.sides:
            raise AuditError(f"{where}: also_found side {side!r} is not left, right or midline")
        out.append((site, side or None))
    return tuple(out)


def _parse_row(row: Mapping[str, str | None], where: str, codes: _Codes, has_also: bool) -> Outcome:
    """One CSV row -> an Outcome, or an AuditError naming the line and the field."""
    cid = (row["case_id"] or "").strip()
    if not cid:
        raise AuditError(f"{where}: empty case_id")
    site = (row["found_site"] or "").strip() or None
    side = (row["found_side"] or "").strip() or None
    if site is not None and site not in codes.sites:
        raise AuditError(f"{where}: found_site {site!r} is not a site code of the vocabulary")
    if side is not None and side not in codes.sides:
        raise AuditError(f"{where}: found_side {side!r} is not left, right or midline")
    if side is not None and site is None:
        raise AuditError(f"{where}: found_side given without found_site")
    cured_s = (row["cured"] or "").strip().lower()
    if cured_s and cured_s not in TRUE | FALSE:
        raise AuditError(f"{where}: cured {row['cured']!r} is not true/false/yes/no/1/0")
    also = _parse_also(row.get(ALSO_FOUND) or "", where, codes) if has_also else None
    if also and site is None:
        raise AuditError(f"{where}: also_found given without found_site")
    return Outcome(cid, site, side, None if not cured_s else cured_s in TRUE, also)


def read_outcomes(path: Path) -> dict[str, Outcome]:
    """Read and check an outcomes CSV (columns ``case_id, found_site, found_side, cured``).

    ``found_site`` / ``found_side`` are contract codes (``vocabulary.json``), empty when no
    gland was found (or no operation was done); ``cured`` is true/false/yes/no/1/0 or empty.
    An optional ``also_found`` column lists further glands found (``site:side;site``), so that
    old files, which lack it, still read; with it, the number of sources can be scored.

    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "o.csv"
    >>> _ = f.write_text("case_id,found_site,found_side,cured,also_found\\n"
    ...                  "a,perrier_F,left,yes,perrier_A:right\\n")
    >>> read_outcomes(f)["a"].glands
    (('perrier_F', 'left'), ('perrier_A', 'right'))
    """
    vocab = load("vocabulary.json")
    codes = _Codes(set(vocab["sites"]), set(vocab["sides"]))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise AuditError(f"{path}: file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditError(f"{path}: cannot read the file ({exc.__class__.__name__})") from exc
    reader = csv.DictReader(text.splitlines())
    fields = reader.fieldnames or []
    missing = [c for c in COLUMNS if c not in fields]
    if missing:
        raise AuditError(f"{path}: missing column(s) {', '.join(missing)}; expected {', '.join(COLUMNS)}")
    out: dict[str, Outcome] = {}
    for row in reader:
        o = _parse_row(row, f"{path}:{reader.line_num}", codes, ALSO_FOUND in fields)
        if o.case_id in out:
            raise AuditError(f"{path}:{reader.line_num}: case_id {o.case_id!r} appears twice")
        out[o.case_id] = o
    return out
