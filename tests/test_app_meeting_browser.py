"""A meeting on the wall, in a real headless Chromium: the board opened on a meeting's case by
its URL, → and ← stepping through the cases (the keys, not the buttons), the decision recorded
in the board's dialog, and still there after a reload. The strip keeps the wall's type sizes and
the board still fits one screen. Offline: every request leaving the machine is blocked and
recorded. Screenshots: ``tests/artifacts/meeting-board-*.png``."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from clinical.meeting import intake
from clinical.meeting.store import open_store
from ontology.paths import REPO_ROOT
from tests.test_app_browser import (
    BOARD_VIEWPORTS,
    FULL_HD,
    MIN_PX,
    TEXT_SIZES_JS,
    browser,  # noqa: F401  (fixtures)
    free_port,
    open_page,
    outside,  # noqa: F401
    playwright,  # noqa: F401
    settle,
    shot,
    wait_healthy,
)
from ui.cases import EXAMPLES_DIR

#: Three examples in the order presented: an operation, a halt, a localization by washout.
CASES = ["ex-04-missing-left-inferior", "ex-01-low-urine-calcium-family", "ex-05-thyroid-nodule-washout"]


def _examples() -> list[Path]:
    return [EXAMPLES_DIR / f"{c}.json" for c in CASES]


@pytest.fixture(scope="module")
def meeting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int, list[str], Path]]:
    """A meeting of three examples in a store of its own, and the app serving it."""
    tmp = tmp_path_factory.mktemp("meeting")
    db = tmp / "meetings.sqlite"
    store = open_store(str(db))
    mid = store.new_meeting(date(2026, 12, 2), "Endocrine tumour board", by="setup")
    ids = store.add_cases(mid, intake.from_files(_examples()), by="setup")
    store.close()
    port = free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "ui" / "app.py"),
        "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
        "--client.toolbarMode", "minimal",
    ]  # fmt: skip
    env = dict(os.environ, PARAREOP_DB=str(db), XDG_DATA_HOME=str(tmp / "xdg"), PARAREOP_USER="A. Lee",
               PYTHONPATH=str(REPO_ROOT))  # fmt: skip
    env.pop("PARAREOP_READONLY", None)
    with (tmp / "server.log").open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=tmp, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, proc)
            yield url, mid, ids, db
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def position(page: Page) -> str:
    return page.locator("#pr-meeting-pos").inner_text()


def shown_case(page: Page) -> str:
    return page.locator("#decision-banner .pr-case").inner_text()


def wait_case(page: Page, k: int, n: int, case_id: str) -> None:
    page.wait_for_function(
        "([pos, cid]) => { const p = document.querySelector('#pr-meeting-pos');"
        " const c = document.querySelector('#decision-banner .pr-case');"
        " return p && c && p.innerText === pos && c.innerText === cid; }",
        arg=[f"Case {k} of {n}", case_id],
        timeout=30_000,
    )
    settle(page, "#decision-banner", pause=300)


def test_the_wall_steps_through_the_meeting_with_the_arrow_keys_and_keeps_the_decision(
    browser: Browser,  # noqa: F811
    meeting: tuple[str, int, list[str], Path],
    outside: list[str],  # noqa: F811
) -> None:
    url, mid, ids, db = meeting
    page = open_page(browser, url, f"?display=board&meeting={mid}&case={ids[0]}", outside, viewport=FULL_HD)
    settle(page, "#pr-meeting-pos")
    assert position(page) == "Case 1 of 3" and shown_case(page) == ids[0]
    # the strip at the wall's sizes, and the board still one screen
    m = page.evaluate(TEXT_SIZES_JS)
    assert m["min"] >= MIN_PX * 0.99, m["smallest"]
    assert max(m["docScroll"], m["mainScroll"]) <= FULL_HD["height"] + 1, m
    for sel in (
        ".st-key-meeting_prev button",
        ".st-key-meeting_next button",
        ".st-key-meeting_decide button",
    ):
        box = page.locator(sel).first.bounding_box()
        assert box and box["y"] + box["height"] <= FULL_HD["height"], (sel, box)
    shot(page, "meeting-board-1")

    page.keyboard.press("ArrowRight")
    wait_case(page, 2, 3, ids[1])
    assert f"case={ids[1]}" in page.url and f"meeting={mid}" in page.url
    page.keyboard.press("ArrowRight")
    wait_case(page, 3, 3, ids[2])
    page.keyboard.press("ArrowLeft")
    wait_case(page, 2, 3, ids[1])
    shot(page, "meeting-board-2")

    decide = page.locator(".st-key-meeting_decide button").first
    assert decide.inner_text().strip() == "Record decision"
    decide.click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for(state="visible", timeout=30_000)
    shot(page, "meeting-board-dialog")
    assert position(page) == "Case 2 of 3" and f"case={ids[1]}" in page.url
    note = dialog.get_by_label("Note")
    note.fill("agreed at the board")
    note.press("ArrowRight")  # typing in a field: the arrow moves the caret, not the meeting
    page.wait_for_timeout(500)
    assert position(page) == "Case 2 of 3"
    shot(page, "meeting-board-decision")
    dialog.get_by_role("button", name="Save the board's decision").click()
    dialog.wait_for(state="hidden", timeout=30_000)
    page.wait_for_function(
        "() => (document.querySelector('.st-key-meeting_decide button') || {})"
        ".innerText?.startsWith('Decided:')",
        timeout=30_000,
    )
    k = open_store(str(db)).case(mid, ids[1])["consensus"]
    assert k is not None and k["note"] == "agreed at the board" and k["decided_by"] == "A. Lee"

    page.reload()
    settle(page, "#pr-meeting-pos")
    assert position(page) == "Case 2 of 3" and shown_case(page) == ids[1]
    label = page.locator(".st-key-meeting_decide button").first.inner_text().strip()
    assert label == f"Decided: {k['decision'].upper()} ✓"
    shot(page, "meeting-board-decided")
    assert not outside, outside
    page.context.close()


@pytest.mark.parametrize("viewport", BOARD_VIEWPORTS, ids=lambda v: f"{v['width']}x{v['height']}")
def test_every_case_of_the_meeting_fits_the_wall_with_its_strip(
    browser: Browser,  # noqa: F811
    meeting: tuple[str, int, list[str], Path],
    outside: list[str],  # noqa: F811
    viewport: dict[str, int],
) -> None:
    """The strip takes room from the right column: each case still fits one screen, the text at
    the wall's minimum (scaled with the screen, as the board's own test), the steps on screen."""
    url, mid, ids, _ = meeting
    scale = min(viewport["width"] / 1920, viewport["height"] / 1080)
    page = open_page(browser, url, f"?display=board&meeting={mid}&case={ids[0]}", outside, viewport=viewport)
    settle(page, "#pr-meeting-pos")
    for k, case_id in enumerate(ids, start=1):
        if k > 1:
            page.keyboard.press("ArrowRight")
            wait_case(page, k, len(ids), case_id)
        m = page.evaluate(TEXT_SIZES_JS)
        where = f"{case_id} at {viewport['width']}x{viewport['height']}"
        assert m["min"] >= MIN_PX * scale * 0.99, (where, m["smallest"])
        assert max(m["docScroll"], m["mainScroll"]) <= viewport["height"] + 1, (where, m)
        box = page.locator(".st-key-meeting_decide button").first.bounding_box()
        assert box and box["y"] + box["height"] <= viewport["height"], (where, box)
    assert not outside, outside
    page.context.close()


def test_the_meeting_page_presents_a_case_on_the_wall(
    browser: Browser,  # noqa: F811
    meeting: tuple[str, int, list[str], Path],
    outside: list[str],  # noqa: F811
) -> None:
    url, mid, ids, _ = meeting
    page = open_page(browser, url, f"meeting?meeting={mid}&case={ids[2]}", outside, viewport=FULL_HD)
    settle(page, "text=Present on the board")
    assert page.get_by_text("Endocrine tumour board · 2026-12-02").is_visible()
    page.get_by_role("button", name="Present on the board").click()
    wait_case(page, 3, 3, ids[2])
    assert "display=board" in page.url and f"meeting={mid}" in page.url
    assert page.locator(".st-key-meeting_next button").first.is_disabled()  # the last case
    assert not outside, outside
    page.context.close()
