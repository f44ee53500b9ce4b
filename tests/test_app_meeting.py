"""The meeting in the app under AppTest, on a real SQLite store in a temporary folder.

A new meeting, the examples added, the board stepping to the next case, the board's decision
recorded and still there after a reload (a new session), a stale version refused with the name
of who changed the case, a departure without a reason and identifier-like text refused with the
record's own message, the outcome recorded; and read-only mode.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from clinical.meeting.records import Consensus
from clinical.meeting.store import open_store
from ontology.paths import REPO_ROOT
from ui.board import headline

APP = str(REPO_ROOT / "ui" / "app.py")
CASES = ["ex-04-missing-left-inferior", "ex-01-low-urine-calcium-family", "ex-02-three-weeks-postop"]


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh store for each test (never the user's): PARAREOP_DB and XDG_DATA_HOME in tmp."""
    path = tmp_path / "meetings.sqlite"
    monkeypatch.setenv("PARAREOP_DB", str(path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("PARAREOP_USER", "A. Lee")
    monkeypatch.delenv("PARAREOP_READONLY", raising=False)
    return path


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def html_of(at: AppTest) -> str:
    return "\n".join(h.value for h in at.html) + "\n".join(m.value for m in at.markdown)


def button(at: AppTest, label: str):
    found = [b for b in at.button if b.label == label]
    assert found, (label, [b.label for b in at.button])
    return found[0]


def meeting_page(**query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    at.switch_page("views/meeting.py").run()
    no_exception(at)
    return at


def new_meeting_with_cases(at: AppTest) -> int:
    """Create a meeting on the page and add three examples to it; returns its id."""
    at.text_input(key="meeting_new_title").set_value("Endocrine tumour board")
    button(at, "Create the meeting").click().run()
    no_exception(at)
    at.multiselect(key="meeting_pick_examples").set_value(CASES).run()
    at.button(key="meeting_add_chosen").click().run()
    no_exception(at)
    assert [s.value for s in at.success] == [f"Added 3 case(s): {', '.join(sorted(CASES))}."]
    return int(at.query_params["meeting"])


def board(mid: int, case: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["display"] = "board"
    at.query_params["meeting"] = str(mid)
    at.query_params["case"] = case
    at.run()
    no_exception(at)
    return at


def position(at: AppTest) -> str:
    found = re.findall(r"Case \d+ of \d+", html_of(at))
    return found[0] if found else ""


def shown_case(at: AppTest) -> str:
    return re.findall(r'class="pr-case">([^<]*)<', html_of(at))[0]


def decide_form(at: AppTest) -> dict[str, object]:
    """The page's consensus form widgets, by field."""
    fields = {}
    for kind in ("selectbox", "multiselect", "text_area", "text_input", "radio"):
        for w in getattr(at, kind):
            if w.key and w.key.startswith("mtg_dec_page_"):
                fields[w.key.rsplit("_", 1)[1]] = w
    return fields


def test_new_meeting_lists_the_cases_in_order_with_their_state(db: Path) -> None:
    at = meeting_page()
    mid = new_meeting_with_cases(at)
    m = open_store(str(db)).meeting(mid)
    ids = sorted(CASES)  # the examples are added in their folder's order
    assert [c["case_id"] for c in m["cases"]] == ids
    table = at.dataframe[0].value
    assert list(table["case"]) == ids and list(table["state"]) == ["planned"] * 3
    assert list(table["#"]) == [1, 2, 3]
    assert list(table["plan"]) == [" · ".join(headline(c["plan"], c["case"])) for c in m["cases"]]
    assert not any("_" in p for p in table["plan"])  # the board's words, never contract codes


def test_board_steps_to_the_next_case_and_back(db: Path) -> None:
    mid = new_meeting_with_cases(meeting_page())
    ids = sorted(CASES)
    at = board(mid, ids[0])
    assert position(at) == "Case 1 of 3" and shown_case(at) == ids[0]
    assert at.button(key="meeting_prev").disabled
    at.button(key="meeting_next").click().run()
    no_exception(at)
    assert position(at) == "Case 2 of 3" and shown_case(at) == ids[1]
    assert at.query_params["case"] == ids[1]
    at.button(key="meeting_next").click().run()
    assert position(at) == "Case 3 of 3" and at.button(key="meeting_next").disabled
    at.button(key="meeting_prev").click().run()
    assert position(at) == "Case 2 of 3"


def test_a_decision_recorded_is_there_after_a_reload(db: Path) -> None:
    mid = new_meeting_with_cases(meeting_page())
    case = "ex-04-missing-left-inferior"
    at = meeting_page(meeting=str(mid), case=case)
    f = decide_form(at)
    assert f["decision"].value == "operate"  # the plan's decision is offered first
    f["note"].set_value("frozen section; re-explore left")
    f["roles"].set_value(["surgeon", "radiologist"])
    f["names"].set_value("surgeon=A. Lee")
    button(at, "Save the board's decision").click().run()
    no_exception(at)
    assert not at.error, [e.value for e in at.error]
    assert any("Recorded the board's decision on " + case in s.value for s in at.success)
    k = open_store(str(db)).case(mid, case)["consensus"]
    assert k["decision"] == "operate" and k["follows_plan"] and k["decided_by"] == "A. Lee"
    assert k["attendees"] == [{"role": "surgeon", "name": "A. Lee"}, {"role": "radiologist", "name": None}]
    # a reload: a new session, nothing kept but the URL
    again = meeting_page(meeting=str(mid), case=case)
    assert "**Board:** OPERATE" in html_of(again)
    assert decide_form(again)["note"].value == "frozen section; re-explore left"
    wall = board(mid, case)
    assert wall.button(key="meeting_decide").label == "Decided: OPERATE ✓"
    listed = meeting_page(meeting=str(mid)).dataframe[0].value
    assert list(listed["state"])[sorted(CASES).index(case)] == "decided: operate"


def test_a_stale_version_names_who_changed_the_case(db: Path) -> None:
    mid = new_meeting_with_cases(meeting_page())
    case = "ex-04-missing-left-inferior"
    at = meeting_page(meeting=str(mid), case=case)  # the form is shown with version 1
    open_store(str(db)).decide(mid, case, Consensus("operate", True, note="theirs"), by="B. Other")
    decide_form(at)["note"].set_value("mine")
    button(at, "Save the board's decision").click().run()
    no_exception(at)
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "was changed by B. Other" in errors[0] and "re-enter your change" in errors[0]
    assert open_store(str(db)).case(mid, case)["consensus"]["note"] == "theirs"  # theirs is kept
    at.button(key="mtg_reload_board's decision").click().run()
    assert decide_form(at)["note"].value == "theirs"
    decide_form(at)["note"].set_value("mine, after reading theirs")
    button(at, "Save the board's decision").click().run()
    assert (
        not at.error
        and open_store(str(db)).case(mid, case)["consensus"]["note"] == "mine, after reading theirs"
    )


def test_a_departure_needs_a_reason_and_identifiers_are_refused(db: Path) -> None:
    mid = new_meeting_with_cases(meeting_page())
    case = "ex-04-missing-left-inferior"
    at = meeting_page(meeting=str(mid), case=case)
    f = decide_form(at)
    f["decision"].set_value("investigate")
    f["follows"].set_value("departs from the plan")
    button(at, "Save the board's decision").click().run()
    assert [e.value for e in at.error] == ["a departure from the plan needs a reason"]
    f = decide_form(at)
    f["follows"].set_value("follows the plan")
    button(at, "Save the board's decision").click().run()
    [msg] = [e.value for e in at.error]
    assert "is not the plan's 'operate': record it as a departure" in msg and "departs from the plan" in msg
    f = decide_form(at)
    f["follows"].set_value("departs from the plan")
    f["reason"].set_value("a PET first: MRN 12345678")
    button(at, "Save the board's decision").click().run()
    assert [e.value for e in at.error] == [
        "reason: looks like a patient identifier (a record-number label); the record keeps no "
        "identifiers, only the pseudonymous case id"
    ]
    assert open_store(str(db)).case(mid, case)["consensus"] is None  # nothing refused was written
    decide_form(at)["reason"].set_value("a PET before a re-exploration")
    button(at, "Save the board's decision").click().run()
    k = open_store(str(db)).case(mid, case)["consensus"]
    assert k["decision"] == "investigate" and not k["follows_plan"]
    assert k["departure_reason"] == "a PET before a re-exploration"


def test_the_outcome_is_recorded_later(db: Path) -> None:
    mid = new_meeting_with_cases(meeting_page())
    case = "ex-04-missing-left-inferior"
    at = meeting_page(meeting=str(mid), case=case)
    key = next(w.key for w in at.selectbox if w.key and w.key.endswith("_site"))
    at.selectbox(key=key).set_value("perrier_F")
    at.selectbox(key=key.replace("_site", "_side")).set_value("left")
    at.selectbox(key=key.replace("_site", "_hist")).set_value("adenoma")
    at.selectbox(key=key.replace("_site", "_op")).set_value("focused_reexploration")
    at.radio(key=key.replace("_site", "_cured")).set_value("yes")
    button(at, "Save the outcome").click().run()
    no_exception(at)
    o = open_store(str(db)).case(mid, case)["outcome"]
    assert (o["found_site"], o["found_side"], o["histology"], o["cured"]) == (
        "perrier_F",
        "left",
        "adenoma",
        True,
    )


def test_read_only_shows_the_record_and_writes_nothing(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_store(str(db))
    mid = store.new_meeting(date(2026, 12, 2), "Board", by="setup")
    monkeypatch.setenv("PARAREOP_READONLY", "1")
    at = meeting_page(meeting=str(mid))
    assert any("Read-only" in i.value for i in at.info)
    assert button(at, "Create the meeting").disabled
    assert not any(b.key == "meeting_add_chosen" for b in at.button)


def test_the_desk_case_board_shows_the_meeting_and_its_form(db: Path) -> None:
    mid = new_meeting_with_cases(meeting_page())
    ids = sorted(CASES)
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["meeting"] = str(mid)
    at.query_params["case"] = ids[1]
    at.run()
    no_exception(at)
    assert position(at) == "Case 2 of 3" and f"**Meeting {mid} · Endocrine tumour board**" in html_of(at)
    assert any(e.label == "Record decision" for e in at.expander)
    assert 'id="pr-summary"' in html_of(at)  # the full board under the strip
    at.button(key="meeting_next").click().run()
    assert position(at) == "Case 3 of 3"
    at.button(key="meeting_close").click().run()
    no_exception(at)
    assert position(at) == "" and "meeting" not in at.query_params


FHIR = REPO_ROOT / "tests" / "fixtures" / "fhir"


def test_cases_from_uploaded_files_and_fhir_bundles(db: Path) -> None:
    at = meeting_page()
    at.text_input(key="meeting_new_title").set_value("Board")
    button(at, "Create the meeting").click().run()
    mid = int(at.query_params["meeting"])
    good = (REPO_ROOT / "ui" / "examples" / f"{CASES[0]}.json").read_bytes()
    bad = b'{"id": "x", "patient": {"age": 50, "age": 60}}'
    at.file_uploader(key="meeting_up").set_value([("bad.json", bad, "application/json")]).run()
    at.button(key="meeting_add_files").click().run()
    no_exception(at)
    assert [e.value for e in at.error] == [
        "bad.json: not added, patient.age: key 'age' appears more than once in one object"
    ]
    at.file_uploader(key="meeting_up").set_value([("case.json", good, "application/json")]).run()
    at.button(key="meeting_add_files").click().run()
    assert [s.value for s in at.success] == [f"Added 1 case(s): {CASES[0]}."]
    two = (FHIR / "uscore-searchset-two-patients.json").read_bytes()
    at.file_uploader(key="meeting_fhir").set_value([("two.json", two, "application/json")]).run()
    at.button(key="meeting_add_fhir").click().run()
    [msg] = [e.value for e in at.error]
    assert msg.startswith("two.json: not added")
    assert "holds data of 2 patients" in msg
    one = (FHIR / "uscore-radiology-reports.json").read_bytes()
    at.file_uploader(key="meeting_fhir").set_value([("radiology.json", one, "application/json")]).run()
    at.button(key="meeting_add_fhir").click().run()
    no_exception(at)
    cases = open_store(str(db)).meeting(mid)["cases"]
    assert [c["case_id"] for c in cases][0] == CASES[0] and cases[1]["case_id"].startswith("fhir-")
    assert cases[1]["source"] == "fhir"
