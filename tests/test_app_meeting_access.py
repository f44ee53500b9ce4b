"""Access to the meeting record (issue 13, item 6), for real: the launcher ``make run`` calls
(``python -m ui.meeting_access``) started on a network address without sign-in exits non-zero
and says why, before any port is opened; read-only on that address it serves; and the app
itself, started on a network address some other way, serves nothing but the refusal."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from ontology.paths import REPO_ROOT
from ui.meeting_access import authlib_installed

APP = str(REPO_ROOT / "ui" / "app.py")
#: A complete [auth] section for Streamlit's st.login (an OIDC provider that is never reached).
AUTH_TOML = """[auth]
redirect_uri = "http://board.example:8501/oauth2callback"
cookie_secret = "a-long-random-cookie-secret-for-the-test"
client_id = "parareop"
client_secret = "not-a-real-secret"
server_metadata_url = "https://idp.example/.well-known/openid-configuration"
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env(tmp: Path, **extra: str) -> dict[str, str]:
    """The launcher's environment: no user secrets (HOME in tmp), a store in tmp."""
    out = {k: v for k, v in os.environ.items() if k not in ("PARAREOP_READONLY", "PARAREOP_DB")}
    out.update(HOME=str(tmp), XDG_DATA_HOME=str(tmp / "xdg"), PARAREOP_DB=str(tmp / "m.sqlite"), **extra)
    return out


def launch(tmp: Path, address: str, **extra: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    cmd = [sys.executable, "-m", "ui.meeting_access", "--address", address, "--port", str(port),
           "--server.fileWatcherType", "none"]  # fmt: skip
    proc = subprocess.Popen(
        cmd, cwd=tmp, env=env(tmp, **extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    return proc, port


def healthy(port: int, proc: subprocess.Popen, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as r:
                return r.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    return False


@pytest.fixture
def stop() -> Iterator[list[subprocess.Popen]]:
    procs: list[subprocess.Popen] = []
    yield procs
    for p in procs:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def test_a_network_address_without_sign_in_is_refused_before_the_server_starts(tmp_path: Path) -> None:
    proc, port = launch(tmp_path, "0.0.0.0")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "refusing to serve on 0.0.0.0 (not loopback) with a writable meeting record and no sign-in" in err
    assert "no [auth] section in .streamlit/secrets.toml" in err and "PARAREOP_READONLY=1" in err
    assert "Traceback" not in err
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass  # nothing listens: the server never started


def test_an_incomplete_auth_section_is_named(tmp_path: Path) -> None:
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text('[auth]\nredirect_uri = "x"\n', encoding="utf-8")
    proc, _ = launch(tmp_path, "10.0.0.5")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "[auth] lacks cookie_secret" in err


def test_read_only_on_a_network_address_serves(tmp_path: Path, stop: list[subprocess.Popen]) -> None:
    proc, port = launch(tmp_path, "0.0.0.0", PARAREOP_READONLY="1")
    stop.append(proc)
    assert healthy(port, proc), proc.stderr.read() if proc.poll() is not None and proc.stderr else ""


def test_sign_in_configured_serves_when_st_login_can_run(
    tmp_path: Path, stop: list[subprocess.Popen]
) -> None:
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(AUTH_TOML, encoding="utf-8")
    proc, port = launch(tmp_path, "0.0.0.0")
    stop.append(proc)
    if authlib_installed():
        assert healthy(port, proc)
    else:  # st.login needs Authlib: without it sign-in could not work, so the launcher refuses
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 2 and "Authlib, which Streamlit's st.login needs, is not installed" in err


def test_loopback_is_open(tmp_path: Path, stop: list[subprocess.Popen]) -> None:
    proc, port = launch(tmp_path, "127.0.0.1")
    stop.append(proc)
    assert healthy(port, proc)


def test_the_app_started_another_way_on_a_network_address_serves_only_the_refusal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARAREOP_DB", str(tmp_path / "m.sqlite"))
    monkeypatch.delenv("PARAREOP_READONLY", raising=False)
    before = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")
    try:
        at = AppTest.from_file(APP, default_timeout=60).run()
    finally:
        config.set_option("server.address", before)
    assert not at.exception
    assert [e.value for e in at.error][0].startswith("refusing to serve on 0.0.0.0")
    assert 'id="decision-banner"' not in "".join(h.value for h in at.html)
