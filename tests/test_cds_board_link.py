"""A card's link opens that patient's case on the board (issue 12), and a SMART launch when configured.

The real service, started with ``--case-dir`` and ``--smart-launch-url``, saves the imported case
(identifier-free) and links the card to ``?case=<id>&display=board``; the app, pointed at the same
folder by ``$PARAREOP_CASE_DIR``, opens exactly that case. Without ``--case-dir`` the link opens
the board's start page, never another case's id.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from ontology.paths import REPO_ROOT
from tests.test_cds_hooks import _card, _post, _prefetch, _request, _start, _stop
from ui.cases import CASE_DIR_ENV, examples

SMART = "https://ehr.example.org/smart/launch?app=parareop"


def test_the_card_links_to_the_saved_case_and_the_smart_launch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    proc, base = _start("--case-dir", str(tmp_path), "--smart-launch-url", SMART)
    try:
        card = _card(_post(base, _request(_prefetch("ex-04-missing-left-inferior"))))
    finally:
        _stop(proc)
    board, smart = card["links"]
    case_id = parse_qs(urlsplit(board["url"]).query)["case"][0]
    assert parse_qs(urlsplit(board["url"]).query)["display"] == ["board"]
    saved = tmp_path / f"{case_id}.json"
    text = saved.read_text()
    assert json.loads(text)["id"] == case_id and "pat-1" not in text  # no identifier of the patient
    assert smart == {"label": "Launch ParaReop (SMART)", "url": SMART, "type": "smart", "appContext": case_id}

    monkeypatch.setenv(CASE_DIR_ENV, str(tmp_path))
    assert case_id in [e.case_id for e in examples()]
    at = AppTest.from_file(str(REPO_ROOT / "ui" / "app.py"), default_timeout=60)
    at.query_params["case"] = case_id
    at.run()
    assert not at.exception
    assert at.session_state["case"]["id"] == case_id  # that very case, not the default example


def test_without_a_case_folder_the_link_names_no_case() -> None:
    proc, base = _start()
    try:
        card = _card(_post(base, _request(_prefetch("ex-04-missing-left-inferior"))))
    finally:
        _stop(proc)
    assert [x["type"] for x in card["links"]] == ["absolute"]
    assert "case=" not in card["links"][0]["url"]


def test_a_broken_file_in_the_case_folder_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "half.json").write_text('{"id": "x", ')
    (tmp_path / "list.json").write_text("[1, 2]")
    (tmp_path / "ex-04-missing-left-inferior.json").write_text('{"id": "ex-04-missing-left-inferior"}')
    monkeypatch.setenv(CASE_DIR_ENV, str(tmp_path))
    ids = [e.case_id for e in examples()]
    assert "x" not in ids and ids.count("ex-04-missing-left-inferior") == 1
    assert next(e for e in examples() if e.case_id == "ex-04-missing-left-inferior").path.parent != tmp_path
