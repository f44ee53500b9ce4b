"""DiagnosticReport (and ImagingStudy): which modality a report's code names, for its result
Observations and for the study itself.
"""

from __future__ import annotations

from typing import Any

from clinical.fhir_base import (
    _codings,
    _ref,
    _Run,
)


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
