"""Is the leading place localized well enough to operate on it?

DESIGN.md's rule: two concordant studies (neighbouring Perrier zones on one side count, since
imaging misplaces the letter), or one study confirmed by venous sampling or FNA; a positive PTH
washout proves tissue at its needle's tip on its own. The localization gate
(:mod:`planner.gates.localization`) reports it.
"""

from __future__ import annotations

from kg.knowledge import Knowledge
from planner.findings import Finding
from planner.places import Loc, loc_matches, near


def support(findings: list[Finding], kn: Knowledge, loc: Loc) -> tuple[int, bool]:
    studies = {
        (x.modality, x.day)
        for x in findings
        if x.kind == "imaging"
        for p, e in x.positives
        if e >= 1.0 and near(kn, loc, p[0], p[1])
    }
    confirm = any(
        x.confirmatory and any(loc_matches(kn, loc, p[0], p[1]) for p, _ in x.positives)
        for x in findings
        if x.kind in ("svs", "fna")
    )
    return len(studies), confirm


def adequate(findings: list[Finding], kn: Knowledge, loc: Loc) -> bool:
    """Two concordant studies, or one confirmed by venous sampling or FNA; a positive FNA washout
    proves tissue at its needle's tip on its own (it was aimed at a lesion)."""
    n, confirm = support(findings, kn, loc)
    need = kn.param("localization_min_concordant").v
    fna = any(
        x.kind == "fna" and x.confirmatory and any(loc_matches(kn, loc, p[0], p[1]) for p, _ in x.positives)
        for x in findings
    )
    return n >= need or (n >= 1 and confirm) or fna
