"""The CDS Hooks service cannot be held: read and idle timeouts, a bounded worker pool, size
limits, and no traceback to the client on an internal fault.

Each test runs a real server in this process on a free port of 127.0.0.1 with a 1 s timeout
and talks to it over real sockets (a subprocess could not be given a 1 s timeout: the
``parareop cds-hooks`` command has no option for it yet). The same limits against the real
process: ``tests/test_cds_hooks.py``.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

import clinical.cds_hooks
import clinical.cds_http
import clinical.fhir_planning
from clinical.cds_hooks import SERVICE_ID
from clinical.cds_http import BoundedHTTPServer, make_server
from planner.validate import CaseError, PlanningError
from tests.test_cds_hooks import _prefetch, _request

TIMEOUT = 1.0
WORKERS = 4
WAITING = 4
CALL = f"/cds-services/{SERVICE_ID}"


@pytest.fixture()
def server() -> Iterator[BoundedHTTPServer]:
    srv = make_server(0, timeout=TIMEOUT, workers=WORKERS, waiting=WAITING)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(5)


def _base(srv: BoundedHTTPServer) -> str:
    return f"http://127.0.0.1:{srv.server_address[1]}"


def _connect(srv: BoundedHTTPServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", srv.server_address[1]), timeout=10)


def _read_all(sock: socket.socket, limit: float = 10.0) -> bytes:
    """Everything the server sends until it closes the connection (or ``limit`` seconds)."""
    sock.settimeout(limit)
    out = b""
    try:
        while chunk := sock.recv(65536):
            out += chunk
    except ConnectionResetError:
        pass
    return out


def _status(response: bytes) -> int:
    return int(response.split(b" ", 2)[1]) if response.startswith(b"HTTP/1.1 ") else 0


def _json_body(response: bytes) -> dict[str, object]:
    body = json.loads(response.split(b"\r\n\r\n", 1)[1])
    assert isinstance(body, dict)
    return body


def _post_head(length: int, extra: str = "") -> bytes:
    head = f"POST {CALL} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    return f"{head}{extra}Content-Length: {length}\r\n\r\n".encode()


# ------------------------------------------------------------------------------------------ timeouts


def test_slow_client_is_dropped_and_others_are_answered(server: BoundedHTTPServer) -> None:
    """Half the declared body, then silence: 408 within timeout + 2 s; others are served meanwhile."""
    slow = _connect(server)
    slow.sendall(_post_head(1000) + b"{" * 500)
    t = time.monotonic()
    r = httpx.get(f"{_base(server)}/cds-services", timeout=5)
    assert r.status_code == 200 and r.json()["services"]
    answer = _read_all(slow, TIMEOUT + 5)
    elapsed = time.monotonic() - t
    slow.close()
    assert elapsed < TIMEOUT + 2, f"dropped after {elapsed:.1f} s"
    assert _status(answer) == 408 and "did not arrive" in str(_json_body(answer)["error"])


def test_silent_connection_is_dropped(server: BoundedHTTPServer) -> None:
    sock = _connect(server)
    t = time.monotonic()
    assert _read_all(sock, TIMEOUT + 5) == b""
    assert time.monotonic() - t < TIMEOUT + 2
    sock.close()


def test_trickled_headers_are_dropped_at_the_deadline(server: BoundedHTTPServer) -> None:
    """One byte every 0.2 s beats a per-recv timeout; the request deadline still drops it."""
    sock = _connect(server)
    head = _post_head(10)
    t = time.monotonic()
    closed = False
    for i in range(len(head)):
        try:
            sock.sendall(head[i : i + 1])
        except OSError:
            closed = True
            break
        time.sleep(0.2)
        if time.monotonic() - t > TIMEOUT + 2:
            break
    if not closed:
        assert _read_all(sock, 2) == b""
    assert time.monotonic() - t < TIMEOUT + 2.5
    sock.close()


def test_idle_kept_alive_connection_is_closed(server: BoundedHTTPServer) -> None:
    sock = _connect(server)
    sock.sendall(b"GET /cds-services HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    t = time.monotonic()
    answer = _read_all(sock, TIMEOUT + 5)
    assert _status(answer) == 200 and time.monotonic() - t < TIMEOUT + 2
    sock.close()


# ------------------------------------------------------------------------------------------ worker bound


def test_many_idle_connections_do_not_raise_the_thread_count(server: BoundedHTTPServer) -> None:
    """60 idle connections: at most WORKERS threads more; those beyond workers + waiting get 503 at once."""
    before = threading.active_count()
    socks = [_connect(server) for _ in range(60)]
    try:
        time.sleep(0.3)
        assert threading.active_count() <= before + WORKERS
        busy = 0
        for s in socks:
            s.settimeout(0.5)
            try:
                data = s.recv(4096)
            except TimeoutError:
                continue
            if _status(data) == 503:
                assert b"Retry-After: 1" in data and "busy" in str(_json_body(data)["error"])
                busy += 1
        # exactly 52 unless opening the 60 took longer than the 1 s timeout (a slow machine)
        assert 60 - WORKERS - WAITING - 10 <= busy <= 60 - WORKERS - WAITING
        assert threading.active_count() <= before + WORKERS
    finally:
        for s in socks:
            s.close()
    deadline = time.monotonic() + TIMEOUT + 2
    while True:  # the server comes back as soon as the idle connections are gone
        try:
            if httpx.get(f"{_base(server)}/cds-services", timeout=5).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "the server did not recover"
        time.sleep(0.05)


def test_pool_bound_is_checked() -> None:
    with pytest.raises(ValueError, match="workers"):
        make_server(0, workers=0)
    with pytest.raises(ValueError, match="timeout"):
        make_server(0, timeout=0)


# ------------------------------------------------------------------------------------------ headers and size


def test_body_over_the_limit_is_413_without_reading_it(server: BoundedHTTPServer) -> None:
    sock = _connect(server)
    sock.sendall(_post_head(clinical.cds_http.MAX_BODY + 1))
    t = time.monotonic()
    answer = _read_all(sock, 5)
    assert _status(answer) == 413 and time.monotonic() - t < 1
    assert "over the limit" in str(_json_body(answer)["error"])
    sock.close()


def test_oversized_body_with_expect_100_is_413_before_the_upload(server: BoundedHTTPServer) -> None:
    sock = _connect(server)
    sock.sendall(_post_head(clinical.cds_http.MAX_BODY + 1, "Expect: 100-continue\r\n"))
    answer = _read_all(sock, 5)
    assert _status(answer) == 413 and b"100 Continue" not in answer
    sock.close()


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ("", 411),
        ("Content-Length: abc\r\n", 400),
        ("Content-Length: -1\r\n", 400),
        ("Content-Length: 1_0\r\n", 400),
        ("Content-Length: 2\r\nContent-Length: 3\r\n", 400),
        ("Transfer-Encoding: chunked\r\n", 411),
    ],
    ids=["missing", "not-a-number", "negative", "underscore", "two-lengths", "chunked"],
)
def test_missing_or_invalid_content_length(server: BoundedHTTPServer, headers: str, status: int) -> None:
    sock = _connect(server)
    sock.sendall(f"POST {CALL} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n{{}}".encode())
    answer = _read_all(sock, 5)
    assert _status(answer) == status and _json_body(answer)["error"]
    sock.close()


# ------------------------------------------------------------------------------------------ faults


def test_unexpected_fault_is_a_json_500_without_traceback(
    server: BoundedHTTPServer, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    def broken() -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(clinical.cds_http, "discovery", broken)
    r = httpx.get(f"{_base(server)}/cds-services", timeout=5)
    assert r.status_code == 500 and r.headers["content-type"].startswith("application/json")
    assert r.json() == {"error": "internal error (RuntimeError); the service logged it"}
    assert "Traceback" not in r.text and "secret" not in r.text
    err = capfd.readouterr().err
    assert "internal error in GET" in err and "secret internals" in err


@pytest.mark.parametrize(
    ("fault", "says"),
    [
        (CaseError([("labs[0].value", "-1 is too small (must be >= 0)")]), "labs[0].value: -1 is too small"),
        (PlanningError("internal error while planning case 'x'"), "internal error in planning"),
        (ZeroDivisionError("division by zero"), "internal error in planning"),
    ],
    ids=["case-error", "planning-error", "other"],
)
def test_planner_failure_is_a_warning_card(
    server: BoundedHTTPServer,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    fault: Exception,
    says: str,
) -> None:
    """plan_dict lets only ParaReopError out; either way the EHR gets a 200 with a warning card."""

    def plan_dict(case: object, kn: object = None) -> None:
        raise fault

    monkeypatch.setattr(clinical.fhir_planning, "plan_dict", plan_dict)
    body = _request(_prefetch("ex-04-missing-left-inferior"))
    r = httpx.post(f"{_base(server)}{CALL}", json=body, timeout=30)
    assert r.status_code == 200, r.text
    (card,) = r.json()["cards"]
    assert card["indicator"] == "warning" and says in card["detail"]
    assert "Traceback" not in r.text
    err = capfd.readouterr().err
    if not isinstance(fault, CaseError):
        assert body["hookInstance"] in err and type(fault).__name__ in err
