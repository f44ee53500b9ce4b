"""The app's "Export report" is the chart-ready report, in a real browser against a real store.

A Streamlit server runs on a temporary SQLite meeting store (``PARAREOP_DB``) holding one meeting
whose first case the board has decided. The case board's download of that case, opened as a case
of the meeting, carries the board's decision, attendees and signature line; the same example
opened on its own gets the blank lines; both print to PDF in Chromium with the report proper on
one or two pages and no identifier typed in. Debian's Chromium (``make setup``) is required.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from clinical.meeting.records import Consensus
from clinical.meeting.store import CaseItem, open_store
from ontology.paths import REPO_ROOT
from tests.test_app_browser import CHROMIUM, CHROMIUM_ARGS, free_port, settle, wait_healthy
from tests.test_report_pdf import page_texts, squeeze
from ui.cases import EXAMPLES_DIR, plan_case
from ui.pdf import page_count

DECIDED = "ex-04-missing-left-inferior"
OTHER = "ex-12-negative-imaging"


@pytest.fixture(scope="module")
def meeting_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    db = tmp_path_factory.mktemp("store") / "meetings.sqlite"
    store = open_store(str(db))
    mid = store.new_meeting(dt.date(2026, 3, 14), "Endocrine tumour board", by="chair")
    items = []
    for cid in (DECIDED, OTHER):
        case = json.loads((EXAMPLES_DIR / f"{cid}.json").read_text(encoding="utf-8"))
        items.append(CaseItem(case, plan_case(case).plan, "file"))
    store.add_cases(mid, items, by="chair")
    plan = store.case(mid, DECIDED)["plan"]
    store.decide(
        mid,
        DECIDED,
        Consensus(
            decision=plan["decision"],
            follows_plan=True,
            operation=plan["operations"][0]["operation"],
            attendees=[{"role": "surgeon", "name": "A. Lee"}, {"role": "endocrinologist"}],
        ),
        by="A. Lee",
    )
    store.close()
    return db, mid


@pytest.fixture(scope="module")
def server(meeting_db: tuple[Path, int], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "ui" / "app.py"),
        "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
        "--client.toolbarMode", "minimal",
    ]  # fmt: skip
    env = {**os.environ, "PARAREOP_DB": str(meeting_db[0])}
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT, env=env)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, proc)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: `make setup` installs Debian's chromium"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def print_pdf(browser: Browser, html: str) -> bytes:
    """The page printed as ui.pdf prints it (its own @page rules), in this module's browser."""
    page = browser.new_page()
    page.set_content(html, wait_until="load")
    page.emulate_media(media="print")
    data = page.pdf(prefer_css_page_size=True, print_background=True)
    page.close()
    return data


def download(browser: Browser, url: str, target: Path, button: str = "Export report (HTML)") -> bytes:
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.goto(url)
    settle(page, "#neck-diagram")
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name=button).first.click()
    info.value.save_as(target)
    context.close()
    return target.read_bytes()


def download_report(browser: Browser, url: str, tmp_path: Path) -> str:
    return download(browser, url, tmp_path / "report.html").decode("utf-8")


def test_a_case_of_the_meeting_downloads_with_the_boards_decision(
    browser: Browser, server: str, meeting_db: tuple[Path, int], tmp_path: Path
) -> None:
    html = download_report(browser, f"{server}/?meeting={meeting_db[1]}&case={DECIDED}", tmp_path)
    assert 'id="rp-identifier"' in html and 'id="pr-summary"' in html and 'id="rp-appendix"' in html
    board = html.split('id="rp-board"')[1].split("</section>")[0]
    assert 'data-recorded="yes"' in html and "Endocrine tumour board" in board
    assert "surgeon (A. Lee), endocrinologist" in board and "follows the plan" in board
    assert "Signature" in board
    short = html.replace('<section class="rp-appendix"', '<section hidden class="rp-appendix"')
    full, main = (print_pdf(browser, h) for h in (html, short))
    assert 1 <= page_count(main) <= 2 < page_count(full)


def test_a_case_outside_a_meeting_gets_lines_to_fill_in(
    browser: Browser, server: str, tmp_path: Path
) -> None:
    html = download_report(browser, f"{server}/?case={OTHER}", tmp_path)
    assert 'data-recorded="no"' in html and "Attendees (role, name)" in html
    assert (
        "<script" not in html and "value=" not in html.split('id="rp-identifier"')[1].split("</section>")[0]
    )


def test_the_board_also_downloads_the_report_as_pdf(
    browser: Browser, server: str, meeting_db: tuple[Path, int], tmp_path: Path
) -> None:
    url = f"{server}/?meeting={meeting_db[1]}&case={DECIDED}"
    data = download(browser, url, tmp_path / "report.pdf", "Export report (PDF)")
    assert data.startswith(b"%PDF") and page_count(data) >= 3  # one or two pages, then the appendix
    text = "".join(page_texts(data))
    assert squeeze("surgeon (A. Lee), endocrinologist") in text and squeeze(f"case {DECIDED}") in text
