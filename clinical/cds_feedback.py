"""The CDS Hooks 2.0 feedback endpoint: what clinicians did with the cards, logged without patient data.

``POST /cds-services/{id}/feedback`` takes ``{"feedback": [{"card": uuid, "outcome":
"accepted" | "overridden", "acceptedSuggestions": [{"id": uuid}], "overrideReason":
{"reason": Coding, "userComment": str}, "outcomeTimestamp": instant}]}``. A body that is not
that is ``400`` naming the field: a log that silently takes anything cannot be trusted when it
is read to learn which cards were overridden.

Each accepted entry is appended to a JSON-lines log as one line: the card's uuid, the outcome,
its timestamp, the accepted suggestion ids, the override reason's coding, and what the card
advised when this process issued it (decision, diagnosis, first operation or test: contract
codes, never values, dates or identifiers). The user's free-text comment is not logged (it
may name the patient); the log says only that there was one.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from clinical.cds_cards import several_sources

LOG_ENV = "PARAREOP_CDS_FEEDBACK_LOG"
"""Environment variable naming the feedback log file (the default is under the XDG state folder)."""
OUTCOMES = ("accepted", "overridden")
REMEMBERED = 10_000
"""How many issued cards the process remembers for the log (the oldest are forgotten first)."""


class FeedbackError(ValueError):
    """A feedback body that is not CDS Hooks 2.0 feedback; ``problems`` are (field path, message)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{p}: {m}" for p, m in problems))
        self.problems = problems


def default_log() -> Path:
    """``$PARAREOP_CDS_FEEDBACK_LOG``, else ``$XDG_STATE_HOME/parareop/cds-feedback.jsonl``."""
    if os.environ.get(LOG_ENV):
        return Path(os.environ[LOG_ENV])
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "parareop" / "cds-feedback.jsonl"


# ---------------------------------------------------------------------------- validation


def _uuid(value: Any) -> bool:
    """A UUID, bare or as ``urn:uuid:`` (the spec's uuid type is read with that prefix)."""
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value.removeprefix("urn:uuid:"))
    except ValueError:
        return False
    return True


def _instant(value: Any) -> bool:
    """An ISO 8601 date-time with a time zone (a FHIR instant)."""
    if not isinstance(value, str) or "T" not in value:
        return False
    try:
        return dt.datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def _suggestion_problems(where: str, value: Any) -> list[tuple[str, str]]:
    if not isinstance(value, list):
        return [(where, "must be an array of {id}")]
    return [
        (f"{where}[{i}].id", "must be the uuid of a suggestion")
        for i, s in enumerate(value)
        if not (isinstance(s, dict) and _uuid(s.get("id")))
    ]


def _reason_problems(where: str, value: Any) -> list[tuple[str, str]]:
    if not isinstance(value, dict):
        return [(where, "must be an object with 'reason' (a Coding) and/or 'userComment'")]
    out: list[tuple[str, str]] = []
    reason, comment = value.get("reason"), value.get("userComment")
    if reason is None and comment is None:
        out.append((where, "needs 'reason' or 'userComment'"))
    if reason is not None and not (
        isinstance(reason, dict)
        and all(isinstance(reason.get(k, ""), str) for k in ("system", "code", "display"))
    ):
        out.append((f"{where}.reason", "must be a Coding (system, code, display as strings)"))
    if comment is not None and not isinstance(comment, str):
        out.append((f"{where}.userComment", "must be a string"))
    return out


def _entry_problems(i: int, entry: Any) -> list[tuple[str, str]]:
    """What is wrong with one Feedback (the spec's required fields, types and which outcome allows what)."""
    where = f"feedback[{i}]"
    if not isinstance(entry, dict):
        return [(where, "must be an object")]
    out: list[tuple[str, str]] = []
    if not _uuid(entry.get("card")):
        out.append((f"{where}.card", "must be the uuid of a card"))
    outcome = entry.get("outcome")
    if outcome not in OUTCOMES:
        out.append((f"{where}.outcome", "must be 'accepted' or 'overridden'"))
    if not _instant(entry.get("outcomeTimestamp")):
        out.append((f"{where}.outcomeTimestamp", "must be an ISO 8601 date-time with a time zone"))
    if "acceptedSuggestions" in entry:
        out += _suggestion_problems(f"{where}.acceptedSuggestions", entry["acceptedSuggestions"])
        if outcome == "overridden" and entry["acceptedSuggestions"]:
            out.append((f"{where}.acceptedSuggestions", "only an accepted card has accepted suggestions"))
    if "overrideReason" in entry:
        out += _reason_problems(f"{where}.overrideReason", entry["overrideReason"])
        if outcome == "accepted":
            out.append((f"{where}.overrideReason", "only an overridden card has an override reason"))
    return out


def check_feedback(body: Any) -> list[dict[str, Any]]:
    """The Feedback entries of a valid body; :class:`FeedbackError` naming every bad field otherwise.

    >>> check_feedback({"feedback": []})
    []
    >>> check_feedback({"feedback": [{"outcome": "ignored"}]})
    Traceback (most recent call last):
    ...
    clinical.cds_feedback.FeedbackError: feedback[0].card: must be the uuid of a card; \
feedback[0].outcome: must be 'accepted' or 'overridden'; \
feedback[0].outcomeTimestamp: must be an ISO 8601 date-time with a time zone
    """
    if not isinstance(body, dict) or not isinstance(body.get("feedback"), list):
        raise FeedbackError([("feedback", "the body must be an object with a 'feedback' array")])
    problems = [p for i, e in enumerate(body["feedback"]) for p in _entry_problems(i, e)]
    if problems:
        raise FeedbackError(problems)
    return list(body["feedback"])


# ---------------------------------------------------------------------------- the log


def card_gist(card: Mapping[str, Any], plan: Mapping[str, Any] | None) -> dict[str, Any]:
    """What a card advised, in contract codes only: the log tells which advice was overridden."""
    if plan is None:
        return {"kind": "no-plan", "indicator": card.get("indicator")}
    ops, tests = plan.get("operations") or [], plan.get("next_tests") or []
    return {
        "kind": "plan",
        "indicator": card.get("indicator"),
        "decision": plan.get("decision"),
        "diagnosis": plan.get("diagnosis"),
        "operation": ops[0]["operation"] if ops else None,
        "next_test": tests[0]["test"] if tests else None,
        "several_glands_likely": bool(several_sources(plan)),
        "ontology_version": plan.get("ontology_version"),
    }


class FeedbackLog:
    """The issued cards this process remembers and the append-only log of what was done with them.

    Workers answer calls at once, so both the memory and the file are written under one lock;
    a line is written whole with one ``write`` of an ``O_APPEND`` file, so two processes
    sharing a log do not interleave lines.
    """

    def __init__(self, path: Path | None = None, remembered: int = REMEMBERED) -> None:
        self.path = path if path is not None else default_log()
        self._cards: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._remembered = remembered
        self._lock = threading.Lock()

    def remember(self, card: Mapping[str, Any], plan: Mapping[str, Any] | None = None) -> None:
        """Keep the gist of an issued card under its uuid (the oldest beyond ``remembered`` go)."""
        with self._lock:
            self._cards[str(card["uuid"])] = card_gist(card, plan)
            while len(self._cards) > self._remembered:
                self._cards.popitem(last=False)

    def _line(self, entry: Mapping[str, Any], received: str) -> dict[str, Any]:
        card = str(entry["card"]).removeprefix("urn:uuid:")
        reason = entry.get("overrideReason") or {}
        coding = reason.get("reason") or {}
        return {
            "received": received,
            "card": card,
            "outcome": entry["outcome"],
            "outcomeTimestamp": entry["outcomeTimestamp"],
            "acceptedSuggestions": [s["id"] for s in entry.get("acceptedSuggestions") or []],
            "overrideReason": {k: coding[k] for k in ("system", "code", "display") if k in coding} or None,
            "userComment": "userComment" in reason,
            "issued": self._cards.get(card),
        }

    def append(self, entries: list[dict[str, Any]]) -> int:
        """Append one line per Feedback entry; the number written."""
        if not entries:
            return 0
        received = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with self._lock:
            text = "".join(json.dumps(self._line(e, received), sort_keys=True) + "\n" for e in entries)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, text.encode())
            finally:
                os.close(fd)
        return len(entries)
