"""CDS Hooks service, tested over HTTP against the real ``parareop cds-hooks`` process started
on a free loopback port: discovery, calls with prefetched bundles, missing prefetch (412),
malformed bodies (400 with a message), and hypothesis-generated bad requests that never get
a 5xx."""

from __future__ import annotations

import contextlib
import copy
import http.client
import json
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from clinical.cds_hooks import SERVICE_ID
from clinical.cds_http import DEFAULT_WAITING, DEFAULT_WORKERS
from kg.knowledge import knowledge
from kg.strict_json import CDS_REQUEST
from planner.contract_files import shared_dir
from tests.fhir_writer import case_to_bundle

CASES = shared_dir() / "cases"


def _start(*args: str) -> tuple[subprocess.Popen[str], str]:
    """``parareop cds-hooks`` as a real process on a free port of 127.0.0.1; (process, base URL)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "ui.cli", "cds-hooks", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if "://127.0.0.1:" not in line:  # http, or https with --tls-cert
        proc.kill()
        raise RuntimeError(f"the service did not start: {line}{proc.stderr.read() if proc.stderr else ''}")
    return proc, line.strip().split(" ")[-1].removesuffix("/cds-services")


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def _prefetch(stem: str, pid: str = "pat-1") -> dict[str, Any]:
    bundle = case_to_bundle(json.loads((CASES / f"{stem}.json").read_text()), pid=pid)

    def search(*types: str) -> dict[str, Any]:
        entries = [
            {**e, "search": {"mode": "match"}}
            for e in bundle["entry"]
            if e["resource"]["resourceType"] in types
        ]
        return {"resourceType": "Bundle", "type": "searchset", "total": len(entries), "entry": entries}

    patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    return {
        "patient": patient,
        "observations": search("Observation"),
        "procedures": search("Procedure"),
        "conditions": search("Condition"),
        "familyHistory": search("FamilyMemberHistory"),
        "medications": search("MedicationStatement"),
        "medicationRequests": search("MedicationRequest"),
        "reports": search("DiagnosticReport"),
    }


def _request(prefetch: dict[str, Any] | None, pid: str = "pat-1") -> dict[str, Any]:
    body: dict[str, Any] = {
        "hook": "patient-view",
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "fhirServer": "https://ehr.example.org/fhir",
        "context": {"userId": "Practitioner/example", "patientId": pid},
    }
    if prefetch is not None:
        body["prefetch"] = prefetch
    return body


def _post(base: str, body: Any, raw: bytes | None = None) -> httpx.Response:
    url = f"{base}/cds-services/{SERVICE_ID}"
    if raw is not None:
        return httpx.post(url, content=raw, headers={"Content-Type": "application/json"}, timeout=30)
    return httpx.post(url, json=body, timeout=30)


# ------------------------------------------------------------------------------------------ discovery


def test_discovery_lists_a_patient_view_service(service: str) -> None:
    r = httpx.get(f"{service}/cds-services", timeout=10)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert r.headers["access-control-allow-origin"] == "*"
    (svc,) = r.json()["services"]
    assert svc["hook"] == "patient-view" and svc["id"] == SERVICE_ID and svc["description"]
    assert svc["prefetch"]["observations"].startswith("Observation?patient={{context.patientId}}&code=")
    assert svc["prefetch"]["procedures"] == "Procedure?patient={{context.patientId}}"
    assert svc["prefetch"]["patient"] == "Patient/{{context.patientId}}"


def test_cors_preflight(service: str) -> None:
    r = httpx.request("OPTIONS", f"{service}/cds-services/{SERVICE_ID}", timeout=10)
    assert r.status_code == 204 and "POST" in r.headers["access-control-allow-methods"]


# ------------------------------------------------------------------------------------------ calls


def _card(r: httpx.Response) -> dict[str, Any]:
    assert r.status_code == 200, r.text
    (card,) = r.json()["cards"]
    assert len(card["summary"]) < 140
    assert card["indicator"] in ("info", "warning", "critical")
    assert knowledge().version in card["source"]["label"]
    return card


def test_call_with_prefetch_returns_the_plan_card(service: str) -> None:
    t = time.perf_counter()
    card = _card(_post(service, _request(_prefetch("ex-04-missing-left-inferior"))))
    elapsed = time.perf_counter() - t
    assert card["summary"].startswith("ParaReop: operate (persistent); top site Perrier F (left)")
    assert "transcervical thymectomy" in card["summary"]
    assert card["indicator"] == "info"
    assert "| 1 | Perrier F" in card["detail"] and "**Operations**" in card["detail"]
    assert card["links"] == [
        {"label": "Open the ParaReop case board", "url": "http://127.0.0.1:8501", "type": "absolute"}
    ]
    assert elapsed < 5, f"answered in {elapsed:.2f} s"
    # no identifier of the patient in the card
    text = json.dumps(card)
    assert "Testperson" not in text and "2019-" not in text


@pytest.mark.parametrize(
    ("stem", "indicator", "start"),
    [
        ("ex-01-low-urine-calcium-family", "warning", "ParaReop: halt (fhh suspected)"),
        ("ex-02-three-weeks-postop", "info", "ParaReop: defer (too early)"),
        ("ex-08-hard-mass-hoarse", "critical", "ParaReop: operate (persistent)"),
        ("ex-14-unfit-localized", "info", "ParaReop: medical (persistent)"),
    ],
)
def test_indicator_follows_the_decision(service: str, stem: str, indicator: str, start: str) -> None:
    card = _card(_post(service, _request(_prefetch(stem))))
    assert card["indicator"] == indicator and card["summary"].startswith(start)


def test_missing_required_prefetch_is_412(service: str) -> None:
    pre = _prefetch("ex-04-missing-left-inferior")
    del pre["procedures"]
    r = _post(service, _request(pre))
    assert r.status_code == 412 and "procedures" in r.json()["error"]
    r = _post(service, _request(None))
    assert r.status_code == 412 and "observations" in r.json()["error"]
    oo = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "timeout"}]}
    r = _post(service, _request({**_prefetch("ex-04-missing-left-inferior"), "observations": oo}))
    assert r.status_code == 412


def test_no_data_gives_no_card(service: str) -> None:
    """No data at all is no hyperparathyroidism: silence (the no-operation card: test_cds_hooks_cards)."""
    r = _post(service, _request({"observations": None, "procedures": None}))
    assert r.status_code == 200 and r.json() == {"cards": []}


def test_an_unknown_unit_is_named_in_the_card(service: str) -> None:
    """Issue 12: an unknown unit skips that lab with a warning; the rest of the record plans."""
    pre = _prefetch("ex-04-missing-left-inferior")
    lab = next(
        e["resource"]
        for e in pre["observations"]["entry"]
        if e["resource"]["code"]["coding"][0]["system"] == "http://loinc.org"
    )
    lab["valueQuantity"]["code"] = "meq/L"
    card = _card(_post(service, _request(pre)))
    assert "unknown unit 'meq/L'" in card["detail"]


# ------------------------------------------------------------------------------------------ bad requests


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[1, 2]", "JSON object"),
        (json.dumps({"hookInstance": "x", "context": {"patientId": "p"}}).encode(), "missing 'hook'"),
        (json.dumps({"hook": "order-sign", "hookInstance": "x", "context": {}}).encode(), "patient-view"),
        (json.dumps({"hook": "patient-view", "hookInstance": "x", "context": {}}).encode(), "patientId"),
        (json.dumps({"hook": "patient-view", "context": {"patientId": "p"}}).encode(), "hookInstance"),
        (
            json.dumps(
                {"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"}, "prefetch": []}
            ).encode(),
            "'prefetch' must be an object",
        ),
        (
            json.dumps(
                {
                    "hook": "patient-view",
                    "hookInstance": "x",
                    "context": {"patientId": "p"},
                    "prefetch": {"observations": "Observation?patient=p", "procedures": None},
                }
            ).encode(),
            "prefetch.observations is not a FHIR resource",
        ),
    ],
)
def test_malformed_body_is_400_with_a_message(service: str, raw: bytes, message: str) -> None:
    r = _post(service, None, raw=raw)
    assert r.status_code == 400, r.text
    assert message in r.json()["error"]


SENTINEL = "\u0000parareop-bad-value\u0000"
NOT_STRICT = {
    "5000-digit-number": ("9" * 5000, "a number of 5000 characters is too long"),
    "nan": ("NaN", "is not a finite number"),
    "infinity": ("-Infinity", "is not a finite number"),
    "overflowing-float": ("1e999", "is not a finite number"),
    "deep-nesting": ("[" * 60 + "]" * 60, "nested deeper than 48 levels"),
}


def _with(body: dict[str, Any], path: tuple[str | int, ...], literal: str) -> bytes:
    """The body as JSON text with ``literal`` (not valid strict JSON) at ``path``."""
    body = copy.deepcopy(body)
    node: Any = body
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = SENTINEL
    return json.dumps(body).replace(json.dumps(SENTINEL), literal).encode()


EX04 = _request(_prefetch("ex-04-missing-left-inferior"))
FIRST_LAB = next(
    i for i, e in enumerate(EX04["prefetch"]["observations"]["entry"]) if "valueQuantity" in e["resource"]
)
LAB_VALUE = ("prefetch", "observations", "entry", FIRST_LAB, "resource", "valueQuantity", "value")


@pytest.mark.parametrize("kind", sorted(NOT_STRICT))
@pytest.mark.parametrize(
    ("path", "shown"),
    [
        (("context", "encounterId"), "context.encounterId"),
        (LAB_VALUE, f"prefetch.observations.entry[{FIRST_LAB}].resource.valueQuantity.value"),
    ],
    ids=["context", "lab-value"],
)
def test_body_that_is_not_strict_json_is_400_naming_the_field(
    service: str, kind: str, path: tuple[str | int, ...], shown: str
) -> None:
    literal, message = NOT_STRICT[kind]
    r = _post(service, None, raw=_with(EX04, path, literal))
    assert r.status_code == 400, r.text
    payload = r.json()
    assert message in payload["error"]
    (problem,) = payload["problems"]
    assert message in problem["message"] and problem["path"] in payload["error"]
    # a deep document's path may be shortened ("a.b[0]…"), but it leads to the field
    reported = problem["path"].removesuffix("…")
    assert reported.split(".")[0] == shown.split(".")[0], (shown, reported)
    assert shown.startswith(reported) or reported.startswith(shown), (shown, reported)
    assert len(r.content) < 2000  # an excerpt, never the 5,000 digits


def test_duplicate_key_is_400_naming_key_and_path(service: str) -> None:
    text = json.dumps(_request(_prefetch("ex-04-missing-left-inferior")))
    text = text.replace('"patientId": "pat-1"', '"patientId": "pat-1", "patientId": "pat-2"', 1)
    r = _post(service, None, raw=text.encode())
    assert r.status_code == 400, r.text
    assert "context.patientId: key 'patientId' appears more than once" in r.json()["error"]


def test_over_long_note_is_dropped_and_said_on_the_card(service: str) -> None:
    pre = _prefetch("ex-04-missing-left-inferior")
    report = next(e["resource"] for e in pre["reports"]["entry"])
    report["presentedForm"] = [{"contentType": "application/pdf", "data": "QUJD" * 30_000}]
    card = _card(_post(service, _request(pre)))
    assert "presentedForm[0].data" in card["detail"] and "dropped" in card["detail"]


def test_body_over_the_limit_is_413(service: str) -> None:
    host, port = service.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            f"POST /cds-services/{SERVICE_ID} HTTP/1.1\r\nHost: {host}\r\n"
            f"Content-Length: {CDS_REQUEST.max_bytes + 1}\r\n\r\n".encode()
        )
        answer = b""
        while chunk := sock.recv(65536):  # the server closes after a 4xx
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413 ") and b"over the limit" in answer


def _threads(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("Threads:")).split()[1])


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc/<pid>/status")
def test_idle_connections_do_not_raise_the_thread_count_of_the_process() -> None:
    """60 idle connections to the real process: at most DEFAULT_WORKERS more threads, 503 beyond the line."""
    proc, base = _start()
    try:
        before = _threads(proc.pid)
        host, port = base.removeprefix("http://").split(":")
        socks = [socket.create_connection((host, int(port)), timeout=10) for _ in range(60)]
        try:
            time.sleep(0.5)
            assert _threads(proc.pid) <= before + DEFAULT_WORKERS
            busy = 0
            for sock in socks:
                sock.settimeout(0.3)
                with contextlib.suppress(TimeoutError):
                    busy += sock.recv(100).startswith(b"HTTP/1.1 503 ")
            assert busy == 60 - DEFAULT_WORKERS - DEFAULT_WAITING
            assert _threads(proc.pid) <= before + DEFAULT_WORKERS
        finally:
            for sock in socks:
                sock.close()
        deadline = time.monotonic() + 5
        while httpx.get(f"{base}/cds-services", timeout=5).status_code != 200:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        _stop(proc)


def test_wrong_paths_and_methods(service: str) -> None:
    assert httpx.post(f"{service}/cds-services/nope", json={}, timeout=10).status_code == 404
    assert httpx.get(f"{service}/nope", timeout=10).status_code == 404
    assert httpx.get(f"{service}/cds-services/{SERVICE_ID}", timeout=10).status_code == 405
    assert httpx.delete(f"{service}/cds-services", timeout=10).status_code == 405
    host, port = service.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("BREW", "/cds-services")
    assert conn.getresponse().status == 405
    conn.close()
