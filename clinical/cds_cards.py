"""The cards the CDS Hooks service answers with (:mod:`clinical.cds_hooks`).

A card is all the EHR shows, so each one says what the service saw: the plan card carries
the decision, the number of sources when several glands are likely, the top locations,
operations and tests, and every import note; the no-operation card names the procedure codes
it found; an error card says why no plan was made. None carries an identifier of the patient.
"""

from __future__ import annotations

import importlib.metadata
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from kg.knowledge import knowledge
from planner.sources import several_likely

BOARD_URL = "http://127.0.0.1:8501"


@dataclass(frozen=True)
class CardLinks:
    """Where a plan card's links go: the case board, and a SMART app launch when configured.

    With ``case_dir`` the service saves each imported case there (no identifier: see
    ``clinical.fhir_import``) and the board link opens that very case on the tumour-board
    display (``?case=<id>&display=board``; the app reads the folder from
    ``$PARAREOP_CASE_DIR``). Without it the link opens the board's start page: a link with a
    case id the board cannot open would show another case, so none is made.

    >>> CardLinks().for_case("fhir-abc")[0]["url"]
    'http://127.0.0.1:8501'
    >>> [x["type"] for x in CardLinks(case_dir=Path("/tmp"), smart_launch_url="https://app/launch").for_case("fhir-abc")]
    ['absolute', 'smart']
    >>> CardLinks(case_dir=Path("/tmp")).for_case("fhir-abc")[0]["url"]
    'http://127.0.0.1:8501/?case=fhir-abc&display=board'
    """

    board_url: str = BOARD_URL
    case_dir: Path | None = None
    smart_launch_url: str | None = None

    def for_case(self, case_id: str) -> list[dict[str, str]]:
        url, label = self.board_url, "Open the ParaReop case board"
        if self.case_dir is not None:
            url = f"{self.board_url.rstrip('/')}/?{urlencode({'case': case_id, 'display': 'board'})}"
            label = "Open this case on the ParaReop board"
        links = [{"label": label, "url": url, "type": "absolute"}]
        if self.smart_launch_url:
            links.append(
                {
                    "label": "Launch ParaReop (SMART)",
                    "url": self.smart_launch_url,
                    "type": "smart",
                    "appContext": case_id,
                }
            )
        return links


SUMMARY_MAX = 139
"""CDS Hooks: a card's summary is under 140 characters."""
#: Card indicator by decision; a suspected carcinoma makes any card critical.
INDICATOR = {
    "operate": "info",
    "investigate": "info",
    "defer": "info",
    "medical": "info",
    "halt": "warning",
}
#: How the plan's number of sources reads (as on the case board: 'One source 3% · two 84% · ...').
SOURCE_WORDS = (("1", "one source"), ("2", "two"), ("3+", "three or more"))


def source() -> dict[str, Any]:
    """The card's ``source``: the ParaReop and ontology versions, so that a card can be traced."""
    try:
        version = importlib.metadata.version("parareop")
    except importlib.metadata.PackageNotFoundError:
        version = "dev"
    return {
        "label": f"ParaReop {version} (ontology {knowledge().version})",
        "url": "https://w3id.org/parareop/",
    }


def clip(text: str, limit: int = SUMMARY_MAX) -> str:
    """Shorten to ``limit`` characters at a word boundary (CDS Hooks: summary < 140).

    >>> clip("one two three", 9)
    'one two…'
    """
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:-")
    return cut + "…"


def _words(code: str | None) -> str:
    return (code or "").replace("_", " ")


def _label(scheme: str, code: str, short: bool = False) -> str:
    """The ontology's label for a contract code (the part before ':' when ``short``)."""
    label = knowledge().label(scheme, code)
    label = _words(label) if label == code else label
    return label.split(":", 1)[0] if short else label


def _loc(loc: Mapping[str, Any], short: bool = True) -> str:
    side = loc.get("side")
    return f"{_label('sites', loc['site'], short)}{f' ({side})' if side and side != 'midline' else ''}"


def notes_lines(warnings: list[str], title: str = "Import notes") -> list[str]:
    """Every import note as Markdown list items: a note left off is data the clinician cannot see
    was not used, so none is cut (the import already folds repeated unmapped codes into one)."""
    if not warnings:
        return []
    return ["", f"*{title} ({len(warnings)}): not used for the plan*", "", *(f"- {w}" for w in warnings)]


# ---------------------------------------------------------------------------- number of sources


def _pct(p: float) -> str:
    """A share of the number of sources: never 0% or 100% (the planner bounds the sets it builds).

    >>> _pct(1.0), _pct(0.0), _pct(0.2049)
    ('>99%', '<1%', '20%')
    """
    return ">99%" if p >= 0.99 else "<1%" if p < 0.01 else f"{p:.0%}"


def several_sources(plan: Mapping[str, Any]) -> str:
    """'two 84%' (the likelier of two and three or more) when P(2+) >= 0.5, else "".

    The surgeon who plans a focused operation for one gland needs to know before the first
    incision that a second source is the likelier story.

    >>> several_sources({"sources": {"1": 0.03, "2": 0.84, "3+": 0.13}})
    'two 84%'
    >>> several_sources({"sources": {"1": 0.6, "2": 0.3, "3+": 0.1}}), several_sources({"sources": None})
    ('', '')
    """
    src = plan.get("sources") or {}
    two, more = float(src.get("2") or 0.0), float(src.get("3+") or 0.0)
    if not several_likely(src):
        return ""
    return f"two {_pct(two)}" if two >= more else f"three or more {_pct(more)}"


def sources_text(plan: Mapping[str, Any]) -> str:
    """The whole posterior on the number of sources ('one source 3% · two 84% · three or more 13%')."""
    src = plan.get("sources") or {}
    return " · ".join(f"{label} {_pct(float(src.get(k) or 0.0))}" for k, label in SOURCE_WORDS)


# ---------------------------------------------------------------------------- the plan card


def _carcinoma(plan: Mapping[str, Any]) -> bool:
    causes, ops = plan.get("suspected_causes") or [], plan.get("operations") or []
    return (bool(causes) and causes[0]["cause"] == "carcinoma") or (
        bool(ops) and ops[0]["operation"] == "en_bloc_resection"
    )


def _action(plan: Mapping[str, Any]) -> str:
    """What the summary names after the site: the next test when the plan says investigate first.

    An investigate plan ranks operations too, but naming one in the summary would read as
    advice to operate; the decision is to do the test first.
    """
    ops, tests = plan.get("operations") or [], plan.get("next_tests") or []
    if plan["decision"] == "investigate":
        return f"next: {_label('tests', tests[0]['test'])}" if tests else ""
    if ops:
        return _label("operations", ops[0]["operation"])
    return f"next: {_label('tests', tests[0]['test'])}" if tests else ""


def plan_summary(plan: Mapping[str, Any]) -> str:
    """Decision (diagnosis); several glands likely; top site; first operation or next test.

    The number of sources comes before the site, so that clipping to 139 characters never
    drops it.
    """
    decision, locs = plan["decision"], plan.get("locations") or []
    parts = [f"ParaReop: {decision} ({_words(plan['diagnosis'])})"]
    several = several_sources(plan)
    if several:
        parts.append(f"Several glands likely: {several}")
    if locs and decision in ("operate", "investigate", "medical"):
        parts.append(f"top site {_loc(locs[0])} {locs[0]['probability']:.0%}")
    action = _action(plan)
    if action:
        parts.append(action)
    return clip("; ".join(parts))


def _plan_lines(plan: Mapping[str, Any]) -> list[str]:
    """The detail's Markdown: failing gates, sources, locations, operations, next tests."""
    locs, ops, tests = plan.get("locations") or [], plan.get("operations") or [], plan.get("next_tests") or []
    lines = [f"**Decision: {plan['decision']}** · diagnosis: {_words(plan['diagnosis'])}", ""]
    for g in plan.get("gates") or []:
        if g["status"] in ("fail", "warn"):
            lines.append(f"- gate *{_words(g['id'])}* ({g['status']}): {g['message']}")
    if several_sources(plan):
        lines += ["", f"**Several glands likely:** {sources_text(plan)}"]
    if locs:
        lines += ["", "| # | location | probability |", "|---|---|---|"]
        lines += [f"| {x['rank']} | {_loc(x, short=False)} | {x['probability']:.0%} |" for x in locs[:5]]
    if ops:
        lines += ["", "**Operations**", ""]
        for op in ops[:3]:
            target = f" → {_loc(op)}" if op.get("site") else ""
            adj = f" (adjuncts: {', '.join(_words(a) for a in op['adjuncts'])})" if op.get("adjuncts") else ""
            lines.append(f"{op['rank']}. {_label('operations', op['operation'])}{target}{adj}")
    if tests:
        lines += ["", "**Next tests**", ""]
        lines += [f"{t['rank']}. {_label('tests', t['test'])}: {t['reason']}" for t in tests[:3]]
    return lines


def plan_card(
    plan: Mapping[str, Any], instance: str, warnings: list[str], links: CardLinks | None = None
) -> dict[str, Any]:
    """The card for a plan: summary, indicator by decision, markdown detail, link to the board."""
    lines = _plan_lines(plan) + notes_lines(warnings)
    lines += [
        "",
        f"Every item carries its graph facts and sources on the case board. "
        f"Ontology version {plan.get('ontology_version') or knowledge().version}.",
    ]
    return {
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"parareop:{instance}:{plan['case_id']}")),
        "summary": plan_summary(plan),
        "detail": "\n".join(lines),
        "indicator": "critical" if _carcinoma(plan) else INDICATOR.get(plan["decision"], "info"),
        "source": source(),
        "links": (links or CardLinks()).for_case(str(plan["case_id"])),
    }


# ---------------------------------------------------------------------------- other cards


def error_card(instance: str, message: str, warnings: Iterable[str] = ()) -> dict[str, Any]:
    """A warning card: the record could not be read or planned, and why (with the import notes)."""
    return {
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"parareop:{instance}:error")),
        "summary": clip("ParaReop could not plan this patient's record"),
        "detail": "\n".join([message, *notes_lines(list(warnings))]),
        "indicator": "warning",
        "source": source(),
    }


NO_OPERATION_SUMMARY = "ParaReop: no parathyroid operation in the record, so no reoperation plan"


def no_operation_card(
    instance: str, evidence: list[str], codes: list[str], warnings: Iterable[str] = ()
) -> dict[str, Any]:
    """An info card for a patient with hyperparathyroidism but no parathyroid operation in the data.

    Silence would read as "nothing to plan", when the likelier story for a patient with
    hyperparathyroidism is that the operation is coded in a way the import does not read (a
    local code, a missing date): the procedure codes seen let the clinician or the EHR team
    tell which.
    """
    lines = [
        "ParaReop plans reoperation for persistent or recurrent primary hyperparathyroidism. Its day 0 "
        "is the most recent parathyroid operation: a completed, dated Procedure whose code is in the "
        "ParaReop procedure table (README, 'FHIR import'). This record shows hyperparathyroidism "
        f"({'; '.join(evidence)}) but no such operation.",
        "",
    ]
    if codes:
        lines += [f"**Procedure codes seen ({len(codes)})**", "", *(f"- {c}" for c in codes)]
    else:
        lines.append("**Procedure codes seen:** none (the record holds no Procedure).")
    return {
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"parareop:{instance}:no-operation")),
        "summary": clip(NO_OPERATION_SUMMARY),
        "detail": "\n".join(lines + notes_lines(list(warnings))),
        "indicator": "info",
        "source": source(),
    }
