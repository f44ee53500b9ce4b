"""CDS Hooks with a real FHIR server (issue 12): a missing prefetch is read from an allowed server.

Both sides are real processes on 127.0.0.1: ``parareop cds-hooks --fhir-server URL`` and a small
FHIR R4 server (``tests/fhir_test_server.py``) that serves a patient's record in pages of two,
needs a bearer token, and logs every request. What an EHR integration team relies on:

- a call without prefetch, with ``fhirServer`` on the allow-list and its ``fhirAuthorization``,
  gets the same plan card as a call with the full prefetch (paging followed);
- a ``fhirServer`` not on the list is never contacted, and the answer is 412; so is a service
  started without ``--fhir-server``, a server that refuses the token, and one that is down;
- a ``next`` link that leaves the server is not followed, and the card says the record is
  incomplete; a fetch stopped by its bounds says so too.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clinical.cds_fetch import FetchLimits, FhirFetcher, fetch
from clinical.cds_hooks import prefetch_templates
from clinical.cds_request import RequestError
from tests.fhir_writer import case_to_bundle
from tests.test_cds_hooks import CASES, _card, _post, _prefetch, _request, _start, _stop

SERVER = Path(__file__).parent / "fhir_test_server.py"
TOKEN = "s3cret-token"
STEM = "ex-04-missing-left-inferior"


def _fhir(tmp: Path, *args: str) -> tuple[subprocess.Popen[str], str, Path]:
    """The FHIR test server with ex-04's record as pat-1; (process, base URL, request log)."""
    bundle, log = tmp / "record.json", tmp / "requests.log"
    bundle.write_text(
        json.dumps(case_to_bundle(json.loads((CASES / f"{STEM}.json").read_text()), pid="pat-1"))
    )
    log.write_text("")
    cmd = [sys.executable, str(SERVER), "--bundle", str(bundle), "--token", TOKEN, "--log", str(log), *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert "FHIR test server: " in line, proc.stderr.read() if proc.stderr else line
    return proc, line.split(": ", 1)[1].strip(), log


@pytest.fixture(scope="module")
def fhir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    proc, base, log = _fhir(tmp_path_factory.mktemp("fhir"))
    try:
        yield base, log
    finally:
        _stop(proc)


def _dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/fhir"  # nothing listens there once the socket is closed


DEAD = _dead_url()


@pytest.fixture(scope="module")
def service(fhir: tuple[str, Path]) -> Iterator[str]:
    proc, base = _start("--fhir-server", fhir[0], "--fhir-server", DEAD)
    try:
        yield base
    finally:
        _stop(proc)


def _call(server: str, token: str = TOKEN) -> dict[str, Any]:
    body = _request(None)
    body["fhirServer"] = server
    body["fhirAuthorization"] = {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "patient/*.read",
        "subject": "parareop",
    }
    return body


def _requests(log: Path) -> list[str]:
    return [line for line in log.read_text().splitlines() if line]


def test_missing_prefetch_is_read_from_the_allowed_server_with_paging(
    service: str, fhir: tuple[str, Path]
) -> None:
    base, log = fhir
    before = len(_requests(log))
    fetched = _card(_post(service, _call(base)))
    sent = _card(_post(service, _request(_prefetch(STEM))))
    assert fetched["summary"] == sent["summary"]  # the same plan as with the full prefetch
    assert fetched["detail"].split("*Import notes")[0] == sent["detail"].split("*Import notes")[0]
    made = _requests(log)[before:]
    assert any("/fhir/Patient/pat-1 " in r for r in made)
    assert any("_page=2" in r for r in made), "the searchset's next pages were not read"
    assert all(f"auth=Bearer {TOKEN}" in r for r in made)  # the EHR's token, to its own server only


def test_a_server_not_on_the_allow_list_is_never_contacted(service: str, fhir: tuple[str, Path]) -> None:
    base, log = fhir
    before = len(_requests(log))
    for other in (base + "/../admin", base.replace("127.0.0.1", "localhost"), "https://ehr.example.org/fhir"):
        r = _post(service, _call(other))
        assert r.status_code == 412 and "allow-list" in r.json()["error"]
    assert _requests(log)[before:] == []


def test_without_an_allow_list_a_missing_prefetch_is_412(fhir: tuple[str, Path]) -> None:
    base, log = fhir
    proc, cds = _start()
    try:
        before = len(_requests(log))
        r = _post(cds, _call(base))
        assert r.status_code == 412 and "allow-list" in r.json()["error"]
        assert _requests(log)[before:] == []
    finally:
        _stop(proc)


def test_a_refused_token_and_a_server_that_is_down_are_412(service: str, fhir: tuple[str, Path]) -> None:
    r = _post(service, _call(fhir[0], token="wrong"))
    assert r.status_code == 412 and "401" in r.json()["error"]
    r = _post(service, _call(DEAD))  # on the allow-list, but nothing listens there
    assert r.status_code == 412 and "cannot read the record" in r.json()["error"]


def test_a_next_link_that_leaves_the_server_is_not_followed(tmp_path: Path) -> None:
    proc, base, log = _fhir(tmp_path, "--next-host", "localhost")
    try:
        got = fetch(FhirFetcher((base,)), base, {"access_token": TOKEN}, "pat-1", prefetch_templates())
        assert len(got["observations"]["entry"]) == 2  # the first page only
        assert got["observations"]["link"][0]["relation"] == "next"  # kept: the import will say incomplete
        assert not any("localhost" in r for r in _requests(log))
    finally:
        _stop(proc)


def test_a_fetch_stopped_by_its_bounds_says_the_record_is_incomplete(fhir: tuple[str, Path]) -> None:
    base, _ = fhir
    fetcher = FhirFetcher((base,), FetchLimits(pages=20, resources=5, seconds=5.0))
    got = fetch(
        fetcher,
        base,
        {"access_token": TOKEN},
        "pat-1",
        {"observations": prefetch_templates()["observations"]},
    )
    assert len(got["observations"]["entry"]) <= 5
    assert any(link["relation"] == "next" for link in got["observations"]["link"])


def test_a_dead_allowed_server_is_412() -> None:
    dead = _dead_url()
    with pytest.raises(RequestError) as exc:
        fetch(FhirFetcher((dead,)), dead, None, "pat-1", {"patient": "Patient/{{context.patientId}}"})
    assert exc.value.status == 412
