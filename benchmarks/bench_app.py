"""App speed: server start to a healthy /_stcore/health, and case-board reruns under AppTest.

Goals (issue 5): under 5 s from ``make run``'s server start to healthy; under 300 ms per rerun
of the case board after a changed input, with the graph cached. Also reported: the first
render of the case board in headless Chromium on a fresh server (when Chromium is installed),
and (issue 13) the step to the next case of a meeting on the wall in Chromium: → pressed to
the next case's banner and diagram drawn, goal under 300 ms.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._timing import Timing

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "ui" / "app.py"
STREAMLIT = Path(sys.executable).parent / "streamlit"
CHROMIUM = Path("/usr/bin/chromium")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(port: int, env: dict[str, str] | None = None) -> subprocess.Popen:
    """The same command as ``make run`` (on a free port)."""
    cmd = [str(STREAMLIT), "run", str(APP), "--server.address", "127.0.0.1", "--server.port", str(port),
           "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--client.toolbarMode", "minimal", "--server.fileWatcherType", "none"]  # fmt: skip
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if proc.poll() is not None:
            raise RuntimeError("streamlit exited")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
                if r.status == 200:
                    return time.perf_counter() - start
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.02)
    raise TimeoutError(url)


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def start_to_healthy(repeats: int = 5) -> Timing:
    seconds = []
    for _ in range(repeats):
        port = _port()
        started = time.perf_counter()
        proc = _serve(port)
        try:
            _healthy(f"http://127.0.0.1:{port}", proc)
            seconds.append(time.perf_counter() - started)
        finally:
            _stop(proc)
    return Timing("server start -> healthy /_stcore/health", tuple(seconds))


def _launch(port: int) -> subprocess.Popen:
    """The server as ``make run`` starts it: the launcher (access rule, warm-up), then Streamlit."""
    cmd = [str(ROOT / ".venv" / "bin" / "python"), "-m", "ui.meeting_access", "--address", "127.0.0.1",
           "--port", str(port), "--server.fileWatcherType", "none"]  # fmt: skip
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def first_render() -> tuple[float, float] | None:
    """A fresh server started as ``make run`` does, then the board display in Chromium: the time
    from navigation until the diagram is drawn, in a browser with an empty cache (the first time
    a screen opens the app: Streamlit's frontend then fetches its code, about a hundred files,
    from the server), then in a second tab of the same browser (the wall screen's browser, which
    has opened the app before)."""
    if not CHROMIUM.exists():
        return None
    from playwright.sync_api import sync_playwright

    port = _port()
    proc = _launch(port)
    try:
        _healthy(f"http://127.0.0.1:{port}", proc)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
            )
            context = browser.new_context(viewport={"width": 1920, "height": 1080})
            times = []
            for _ in range(2):
                page = context.new_page()
                started = time.perf_counter()
                page.goto(f"http://127.0.0.1:{port}/?display=board")
                page.wait_for_selector("#neck-diagram", timeout=60_000)
                times.append(time.perf_counter() - started)
                page.close()
            browser.close()
        return times[0], times[1]
    finally:
        _stop(proc)


#: The JavaScript that says the wall shows case ``k`` of the meeting: its position and its banner.
_SHOWS = (
    "([pos, cid]) => { const p = document.querySelector('#pr-meeting-pos');"
    " const c = document.querySelector('#decision-banner .pr-case');"
    " return p && c && p.innerText === pos && c.innerText === cid"
    " && !!document.querySelector('.pr-board-diagram svg'); }"
)


def meeting_steps(rounds: int = 2) -> Timing | None:
    """A meeting of every example in a fresh store; the wall in Chromium at 1920x1080, → pressed
    from the first case to the last (``rounds`` times), each step timed from the key press to the
    next case's banner and diagram on the screen."""
    if not CHROMIUM.exists():
        return None
    from datetime import date

    from playwright.sync_api import sync_playwright

    from clinical.meeting import intake
    from clinical.meeting.store import open_store
    from ui.cases import EXAMPLES_DIR

    tmp = tempfile.mkdtemp(prefix="parareop-bench-")
    db = os.path.join(tmp, "meetings.sqlite")
    store = open_store(db)
    mid = store.new_meeting(date.today(), "Benchmark board", by="bench")
    ids = store.add_cases(mid, intake.from_files([EXAMPLES_DIR]), by="bench")
    store.close()
    port = _port()
    proc = _serve(port, env=dict(os.environ, PARAREOP_DB=db, PYTHONPATH=str(ROOT)))
    seconds = []
    try:
        _healthy(f"http://127.0.0.1:{port}", proc)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            for _ in range(rounds):
                page.goto(f"http://127.0.0.1:{port}/?display=board&meeting={mid}&case={ids[0]}")
                page.wait_for_function(_SHOWS, arg=[f"Case 1 of {len(ids)}", ids[0]], timeout=60_000)
                page.wait_for_timeout(500)
                for k in range(2, len(ids) + 1):
                    started = time.perf_counter()
                    page.keyboard.press("ArrowRight")
                    page.wait_for_function(
                        _SHOWS, arg=[f"Case {k} of {len(ids)}", ids[k - 1]], timeout=30_000, polling="raf"
                    )
                    seconds.append(time.perf_counter() - started)
                    page.wait_for_timeout(150)  # let the run finish before the next key
            browser.close()
    finally:
        _stop(proc)
    return Timing(
        f"meeting on the wall: → to the next case drawn in Chromium ({len(ids)} cases)", tuple(seconds)
    )


def reruns(repeats: int = 30) -> tuple[Timing, Timing, Timing]:
    """Case-board reruns under AppTest: a typed IOPTH value, another example, display mode."""
    from streamlit.testing.v1 import AppTest

    from ui.cases import examples

    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["case"] = "ex-04-missing-left-inferior"
    started = time.perf_counter()
    at.run()
    cold = time.perf_counter() - started
    print(f"first AppTest run of the case board (graph and plan built): {cold:.3f} s")
    version = at.session_state["case_version"]
    typed = []
    for i in range(repeats):
        widget = at.number_input(key=f"iopth_10_{version}").set_value(40.0 + i)
        t = time.perf_counter()
        widget.run()
        typed.append(time.perf_counter() - t)
    ids = [e.case_id for e in examples()]
    switched = []
    for i in range(repeats):
        at.query_params["case"] = ids[i % len(ids)]
        t = time.perf_counter()
        at.run()
        switched.append(time.perf_counter() - t)
    assert not at.exception
    board = AppTest.from_file(str(APP), default_timeout=60)
    board.query_params["display"] = "board"
    board.run()
    display = []
    for i in range(repeats):
        board.query_params["case"] = ids[i % len(ids)]
        t = time.perf_counter()
        board.run()
        display.append(time.perf_counter() - t)
    return (
        Timing("case board rerun, IOPTH value typed (plan cached)", tuple(typed)),
        Timing("case board rerun, another example picked", tuple(switched)),
        Timing("tumour-board display rerun, another example picked", tuple(display)),
    )


def main() -> None:
    health = start_to_healthy()
    print(health.line() + "   [goal: < 5 s]")
    renders = [r for r in (first_render() for _ in range(3)) if r is not None]
    if renders:
        for label, k in (("empty browser cache", 0), ("browser cache warm", 1)):
            med = statistics.median(r[k] for r in renders)
            print(
                f"board's first render on a fresh `make run` server, navigation -> diagram drawn in headless "
                f"Chromium, {label}: median {med:.3f} s of {len(renders)} "
                f"(goal < 1.5 s: {'met' if med < 1.5 else 'NOT met'})"
            )
    steps = meeting_steps()
    if steps is not None:
        s = steps.seconds
        print(
            f"{steps.name}: median {statistics.median(s) * 1000:.0f} ms (min {min(s) * 1000:.0f}, "
            f"p90 {sorted(s)[int(0.9 * len(s))] * 1000:.0f}, max {max(s) * 1000:.0f}, n={len(s)})"
            "   [goal: < 300 ms]"
        )
    for timing in reruns():
        s = timing.seconds
        print(
            f"{timing.name}: median {statistics.median(s) * 1000:.0f} ms "
            f"(min {min(s) * 1000:.0f}, p90 {sorted(s)[int(0.9 * len(s))] * 1000:.0f}, "
            f"max {max(s) * 1000:.0f}, n={len(s)})   [goal: < 300 ms]"
        )


if __name__ == "__main__":
    main()
