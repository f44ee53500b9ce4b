"""The CDS Hooks 2.0 feedback endpoint over HTTP against the real ``parareop cds-hooks`` process:
a valid body is appended to the log (one line per entry, with what the card advised and no
patient data), a malformed one is ``400`` naming the field and logs nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from clinical.cds_feedback import LOG_ENV
from clinical.cds_hooks import SERVICE_ID
from tests.test_cds_hooks import _prefetch, _request, _start, _stop

FEEDBACK = f"/cds-services/{SERVICE_ID}/feedback"
SUGGESTION = "7c2b6e0e-2a5e-4a8e-9f0e-3c1b2d4e5f60"
WHEN = "2024-06-01T10:15:00Z"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(base URL, feedback log) of the service started with ``$PARAREOP_CDS_FEEDBACK_LOG`` set."""
    log = tmp_path_factory.mktemp("feedback") / "cds-feedback.jsonl"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(LOG_ENV, str(log))
        proc, base = _start()
    try:
        yield base, log
    finally:
        _stop(proc)


def _lines(log: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in log.read_text().splitlines()] if log.exists() else []


def _feedback(base: str, body: Any) -> httpx.Response:
    return httpx.post(f"{base}{FEEDBACK}", json=body, timeout=10)


def test_accepted_and_overridden_cards_are_logged_without_patient_data(served: tuple[str, Path]) -> None:
    base, log = served
    r = httpx.post(
        f"{base}/cds-services/{SERVICE_ID}", json=_request(_prefetch("ex-12-negative-imaging")), timeout=30
    )
    (card,) = r.json()["cards"]
    before = len(_lines(log))
    body = {
        "feedback": [
            {
                "card": card["uuid"],
                "outcome": "accepted",
                "acceptedSuggestions": [],
                "outcomeTimestamp": WHEN,
            },
            {
                "card": f"urn:uuid:{card['uuid']}",
                "outcome": "overridden",
                "overrideReason": {
                    "reason": {"system": "http://example.org/reasons", "code": "patient-declined"},
                    "userComment": "Mrs Testperson (MRN 12345) prefers to wait",
                },
                "outcomeTimestamp": "2024-06-01T10:16:00+02:00",
            },
        ]
    }
    r = _feedback(base, body)
    assert r.status_code == 200 and r.json() == {}
    accepted, overridden = _lines(log)[before:]
    assert accepted["card"] == overridden["card"] == card["uuid"]
    assert (accepted["outcome"], overridden["outcome"]) == ("accepted", "overridden")
    assert accepted["outcomeTimestamp"] == WHEN and accepted["received"].endswith("+00:00")
    assert accepted["issued"] == {
        "kind": "plan",
        "indicator": "info",
        "decision": "investigate",
        "diagnosis": "persistent",
        "operation": "mediastinal_resection_thoracoscopic",
        "next_test": "selective_venous_sampling",
        "several_glands_likely": False,
        "ontology_version": accepted["issued"]["ontology_version"],
    }
    assert overridden["overrideReason"] == {
        "system": "http://example.org/reasons",
        "code": "patient-declined",
    }
    assert overridden["userComment"] is True and accepted["userComment"] is False
    text = log.read_text()
    for secret in ("Testperson", "12345", "pat-1", "d1577c69", "prefers to wait"):
        assert secret not in text


def test_feedback_on_a_card_this_process_did_not_issue_is_logged_as_such(served: tuple[str, Path]) -> None:
    base, log = served
    card = "0b6c4c57-8a15-4b7a-9b8c-1b2a3c4d5e6f"
    entry = {
        "card": card,
        "outcome": "accepted",
        "acceptedSuggestions": [{"id": SUGGESTION}],
        "outcomeTimestamp": WHEN,
    }
    assert _feedback(base, {"feedback": [entry]}).status_code == 200
    (line,) = [x for x in _lines(log) if x["card"] == card]
    assert line["issued"] is None and line["acceptedSuggestions"] == [SUGGESTION]


def _entry(**changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "card": "0b6c4c57-8a15-4b7a-9b8c-1b2a3c4d5e6f",
        "outcome": "overridden",
        "outcomeTimestamp": WHEN,
    }
    entry.update(changes)
    return {k: v for k, v in entry.items() if v is not None}


@pytest.mark.parametrize(
    ("body", "path", "message"),
    [
        ([], "feedback", "an object with a 'feedback' array"),
        ({"feedback": {"card": "x"}}, "feedback", "an object with a 'feedback' array"),
        ({"feedback": ["accepted"]}, "feedback[0]", "must be an object"),
        ({"feedback": [_entry(card="not-a-uuid")]}, "feedback[0].card", "uuid of a card"),
        ({"feedback": [_entry(card=None)]}, "feedback[0].card", "uuid of a card"),
        ({"feedback": [_entry(outcome="ignored")]}, "feedback[0].outcome", "'accepted' or 'overridden'"),
        ({"feedback": [_entry(outcomeTimestamp=None)]}, "feedback[0].outcomeTimestamp", "time zone"),
        (
            {"feedback": [_entry(outcomeTimestamp="2024-06-01T10:15:00")]},
            "feedback[0].outcomeTimestamp",
            "zone",
        ),
        ({"feedback": [_entry(outcomeTimestamp="yesterday")]}, "feedback[0].outcomeTimestamp", "ISO 8601"),
        (
            {"feedback": [_entry(outcome="accepted", acceptedSuggestions=[{"id": 3}])]},
            "feedback[0].acceptedSuggestions[0].id",
            "uuid of a suggestion",
        ),
        (
            {"feedback": [_entry(acceptedSuggestions=[{"id": SUGGESTION}])]},
            "feedback[0].acceptedSuggestions",
            "only an accepted card",
        ),
        (
            {"feedback": [_entry(outcome="accepted", overrideReason={"userComment": "no"})]},
            "feedback[0].overrideReason",
            "only an overridden card",
        ),
        (
            {"feedback": [_entry(overrideReason={})]},
            "feedback[0].overrideReason",
            "'reason' or 'userComment'",
        ),
        (
            {"feedback": [_entry(overrideReason={"reason": "no"})]},
            "feedback[0].overrideReason.reason",
            "Coding",
        ),
        (
            {"feedback": [_entry(), _entry(overrideReason={"userComment": 5})]},
            "feedback[1].overrideReason.userComment",
            "a string",
        ),
    ],
)
def test_malformed_feedback_is_400_naming_the_field_and_logs_nothing(
    served: tuple[str, Path], body: Any, path: str, message: str
) -> None:
    base, log = served
    before = _lines(log)
    r = _feedback(base, body)
    assert r.status_code == 400, r.text
    payload = r.json()
    assert message in payload["error"] and payload["error"].startswith("the feedback is refused")
    assert any(p["path"] == path and message in p["message"] for p in payload["problems"]), payload
    assert _lines(log) == before


def test_feedback_that_is_not_strict_json_or_has_no_length_is_refused(served: tuple[str, Path]) -> None:
    base, log = served
    before = _lines(log)
    r = httpx.post(f"{base}{FEEDBACK}", content=b'{"feedback": [NaN]}', timeout=10)
    assert r.status_code == 400 and "not a finite number" in r.json()["error"]
    r = httpx.post(f"{base}{FEEDBACK}", content=b"{not json", timeout=10)
    assert r.status_code == 400
    assert _lines(log) == before


def test_empty_feedback_is_accepted_and_logs_nothing(served: tuple[str, Path]) -> None:
    base, log = served
    before = _lines(log)
    r = _feedback(base, {"feedback": []})
    assert r.status_code == 200 and r.json() == {}
    assert _lines(log) == before
