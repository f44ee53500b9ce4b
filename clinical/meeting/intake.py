"""Cases for a meeting: contract case files, folders of them, or FHIR Bundles, each planned.

Every case is read strictly (:mod:`kg.strict_json`), validated against the contract and
planned now, so the plan recorded is the plan as it was at the meeting. A file that cannot be
read or planned stops the whole addition with one line naming the file (nothing is written).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from clinical.meeting.records import MeetingError
from clinical.meeting.store import CaseItem
from ontology.errors import ParaReopError


def case_files(paths: list[Path]) -> list[Path]:
    """The ``.json`` files named, folders expanded (not recursively; ``expected.json`` skipped)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += sorted(
                f for f in p.iterdir() if f.suffix.lower() == ".json" and f.name.lower() != "expected.json"
            )
        elif p.exists():
            out.append(p)
        else:
            raise MeetingError(f"{p}: no such file or folder")
    return out


def planned(case: dict[str, Any], source: str, where: str) -> CaseItem:
    """The case with its plan; a case that cannot be planned is refused, naming ``where``."""
    from planner.pipeline import plan_dict

    try:
        plan = plan_dict(case).to_json()
        json.dumps(plan, allow_nan=False)
    except ParaReopError as exc:
        raise MeetingError(f"{where}: not added, {exc}") from exc
    return CaseItem(case=case, plan=plan, source=source)


def from_files(paths: list[Path]) -> list[CaseItem]:
    """Contract case files and folders of them, planned."""
    from kg.strict_json import CASE_FILE, read_file

    items = []
    for f in case_files(paths):
        try:
            case = read_file(f, CASE_FILE).value
        except ParaReopError as exc:
            raise MeetingError(f"{f}: not added, {exc}") from exc
        if not isinstance(case, dict):
            raise MeetingError(f"{f}: not added, not a case (a JSON object)")
        items.append(planned(case, "file", str(f)))
    return items


def from_fhir(paths: list[Path], patient: str | None = None) -> list[tuple[CaseItem, list[str]]]:
    """FHIR R4 Bundles imported by :mod:`clinical.fhir_import` (``patient``: which one, in a Bundle
    that holds several), planned, with the import's warnings."""
    from clinical.fhir_import import import_file

    out = []
    for f in paths:
        try:
            result = import_file(f, patient=patient)
        except ParaReopError as exc:
            raise MeetingError(f"{f}: not added, {exc}") from exc
        out.append((planned(result.case, "fhir", str(f)), result.warnings))
    return out
