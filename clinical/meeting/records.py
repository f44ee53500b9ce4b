"""What the board records, checked before it is written: the consensus and the outcome.

Every code is a contract code (``planner/contract/vocabulary.json``): decisions, operations,
sites, sides, tests and pathologies. A departure from the plan without a reason is refused, and
so is free text that looks like a patient identifier (:func:`refuse_identifiers`). Each refusal
is a :class:`MeetingError` whose message names the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ontology.errors import ParaReopError
from planner.contract_files import load


class MeetingError(ParaReopError):
    """A meeting-record request that cannot be carried out; the message names what is wrong."""


class StaleVersionError(MeetingError):
    """A write based on a version of a case that someone else has changed since."""


#: Text that looks like a patient identifier: a record/insurance number label, a date of birth,
#: or seven or more digits in a row or as ``123 456 7890`` (an MRN, an NHS number).
IDENTIFIER_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a record-number label", re.compile(r"\b(MRN|NHS|SSN|IPP|NIR|patient\s+(id|number))\b", re.I)),
    ("a date of birth", re.compile(r"\b(DOB|date\s+of\s+birth|born\s+(on\s+)?\d)", re.I)),
    ("a long number", re.compile(r"\b\d{7,}\b|\b\d{3}[ -]\d{3}[ -]\d{4}\b")),
)
CURED = {"yes": True, "no": False, "unknown": None}
#: Free text longer than this is refused (a note is a line or a paragraph, not a letter).
MAX_TEXT = 4000


def refuse_identifiers(where: str, text: str | None) -> None:
    """Refuse free text that looks like a patient identifier; the message names the field.

    >>> refuse_identifiers("note", "agreed: re-explore left, frozen section")
    >>> refuse_identifiers("note", "MRN 12345678")
    Traceback (most recent call last):
    ...
    clinical.meeting.records.MeetingError: note: looks like a patient identifier (a record-number label); \
the record keeps no identifiers, only the pseudonymous case id
    """
    if not text:
        return
    if len(text) > MAX_TEXT:
        raise MeetingError(f"{where}: longer than {MAX_TEXT} characters")
    for what, pattern in IDENTIFIER_PATTERNS:
        if pattern.search(text):
            raise MeetingError(
                f"{where}: looks like a patient identifier ({what}); "
                "the record keeps no identifiers, only the pseudonymous case id"
            )


def _vocab(key: str) -> set[str]:
    return set(load("vocabulary.json")[key])


#: The vocabulary's lists, by the name of one of their codes.
KINDS = {"decisions": "decision", "operations": "operation", "tests": "test", "sites": "site",
         "sides": "side", "pathologies": "pathology"}  # fmt: skip


def _code(where: str, value: str | None, key: str) -> None:
    if value is not None and value not in _vocab(key):
        allowed = ", ".join(sorted(_vocab(key)))
        raise MeetingError(f"{where}: {value!r} is not a contract {KINDS[key]} code (one of {allowed})")


def parse_place(where: str, text: str) -> dict[str, str | None]:
    """``site`` or ``site:side`` -> ``{"site": ..., "side": ...}``, both checked.

    >>> parse_place("target", "perrier_F:left")
    {'site': 'perrier_F', 'side': 'left'}
    """
    site, _, side = (s.strip() for s in text.partition(":"))
    _code(where, site, "sites")
    _code(where, side or None, "sides")
    return {"site": site, "side": side or None}


def parse_attendee(text: str) -> dict[str, str | None]:
    """``role`` or ``role=name`` -> an attendee (a clinician of the board, not the patient).

    >>> parse_attendee("surgeon=A. Lee")
    {'role': 'surgeon', 'name': 'A. Lee'}
    """
    role, _, name = (s.strip() for s in text.partition("="))
    if not role:
        raise MeetingError(f"attendee {text!r}: no role (write role or role=name)")
    refuse_identifiers("attendee", text)
    return {"role": role, "name": name or None}


@dataclass
class Consensus:
    """The board's consensus on one case."""

    decision: str
    follows_plan: bool
    operation: str | None = None
    targets: list[dict[str, Any]] = field(default_factory=list)
    next_tests: list[str] = field(default_factory=list)
    note: str | None = None
    attendees: list[dict[str, Any]] = field(default_factory=list)
    departure_reason: str | None = None

    def check(self) -> None:
        """Refuse bad codes, a departure without a reason and identifier-like text."""
        _code("decision", self.decision, "decisions")
        _code("operation", self.operation, "operations")
        for test in self.next_tests:
            _code("next test", test, "tests")
        for t in self.targets:
            _code("target", t.get("site"), "sites")
            _code("target side", t.get("side"), "sides")
        if not self.follows_plan and not (self.departure_reason or "").strip():
            raise MeetingError("a departure from the plan needs a reason (--reason)")
        if self.follows_plan and self.departure_reason:
            raise MeetingError("a reason is given but the decision follows the plan (use --departs)")
        refuse_identifiers("note", self.note)
        refuse_identifiers("reason", self.departure_reason)


def check_against_plan(plan: dict[str, Any], consensus: Consensus) -> None:
    """Refuse a consensus recorded as following the plan when its decision or operation is not
    the plan's: the board departs, and a departure is recorded with its reason (the CLI and the
    app share this rule).

    >>> plan = {"decision": "operate", "operations": [{"operation": "focused_reexploration"}]}
    >>> check_against_plan(plan, Consensus("operate", True, operation="focused_reexploration"))
    >>> check_against_plan(plan, Consensus("medical", True))
    Traceback (most recent call last):
    ...
    clinical.meeting.records.MeetingError: the board's decision 'medical' is not the plan's 'operate': \
record it as a departure (--departs --reason ...)
    """
    if not consensus.follows_plan:
        return
    if consensus.decision != plan.get("decision"):
        raise MeetingError(
            f"the board's decision {consensus.decision!r} is not the plan's {plan.get('decision')!r}: "
            "record it as a departure (--departs --reason ...)"
        )
    planned = {o.get("operation") for o in plan.get("operations") or []}
    if consensus.operation and consensus.operation not in planned:
        raise MeetingError(
            f"operation {consensus.operation!r} is not among the plan's operations: "
            "record it as a departure (--departs --reason ...)"
        )


@dataclass
class Outcome:
    """What was done and found, recorded after the operation (``cured`` at six months)."""

    operation: str | None
    found_site: str | None
    found_side: str | None
    histology: str | None
    cured: bool | None
    also_found: list[dict[str, Any]] | None = None

    def check(self) -> None:
        """Refuse bad codes and a side or further glands without a found site."""
        _code("operation", self.operation, "operations")
        _code("site", self.found_site, "sites")
        _code("side", self.found_side, "sides")
        _code("histology", self.histology, "pathologies")
        if self.found_side and not self.found_site:
            raise MeetingError("a side is given without the site found (--site)")
        if self.also_found and not self.found_site:
            raise MeetingError("further glands are given without the site found (--site)")


def code_words(code: str | None, scheme: str | None = None) -> str:
    """A contract code by the graph's label (``scheme``), else the code in words: the one way the
    meeting's record (minutes, the CLI's list) names an operation, a test or a histology.

    >>> code_words("focused_reexploration", "operations"), code_words("some_code")
    ('focused re-exploration', 'some code')
    """
    if code and scheme:
        from kg.knowledge import knowledge

        try:
            return knowledge().label(scheme, code).removesuffix(" (histology)")
        except KeyError:
            pass
    return (code or "").replace("_", " ")


def place_words(p: dict[str, Any]) -> str:
    """A site and side by the graph's names ("Perrier F, left"), else the codes in words.

    >>> place_words({"site": "perrier_F", "side": "left"}), place_words({})
    ('Perrier F, left', '')
    """
    if not p.get("site"):
        return ""
    from kg.knowledge import knowledge

    try:
        return knowledge().site_name(str(p["site"]), p.get("side"))
    except KeyError:
        return " ".join(code_words(x) for x in (p.get("site"), p.get("side")) if x)


def plan_headline(plan: dict[str, Any]) -> str:
    """The plan in one line: decision, diagnosis, the first operation or test, the top place,
    in the graph's words.

    >>> plan_headline({"decision": "operate", "diagnosis": "persistent",
    ...   "operations": [{"operation": "focused_reexploration", "targets": [{"site": "perrier_F",
    ...   "side": "left"}]}], "next_tests": [], "locations": [{"site": "perrier_F", "side": "left",
    ...   "probability": 0.91}]})
    'OPERATE · persistent · focused re-exploration (Perrier F, left) · top place Perrier F, left 91%'
    """
    parts = [str(plan.get("decision", "?")).upper(), code_words(plan.get("diagnosis"))]
    ops = plan.get("operations") or []
    tests = plan.get("next_tests") or []
    if ops:
        targets = "; ".join(place_words(t) for t in ops[0].get("targets") or [])
        parts.append(code_words(ops[0].get("operation"), "operations") + (f" ({targets})" if targets else ""))
    elif tests:
        parts.append("first test: " + code_words(tests[0].get("test"), "tests"))
    locs = plan.get("locations") or []
    if locs:
        p = float(locs[0].get("probability", 0.0))
        shown = "<1%" if p < 0.01 else ">99%" if p > 0.99 else f"{round(100 * p)}%"
        parts.append(f"top place {place_words(locs[0])} {shown}")
    return " · ".join(x for x in parts if x)
