"""The meeting store against the real thing: an SQLite file and a real PostgreSQL server.

Every test but the kill test runs on both backends (``db``: a fresh SQLite file, or a fresh
database on the server that ``pg_server`` starts for the session).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.orm.exc import StaleDataError

from clinical.meeting import intake
from clinical.meeting.minutes import markdown, to_html
from clinical.meeting.models import Base, MeetingCase
from clinical.meeting.records import Consensus, MeetingError, Outcome, StaleVersionError
from clinical.meeting.store import CaseItem, Store, database_url, open_store, upgrade
from tests.pg_server import fresh_database, pg_bin, shared_server

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "ui" / "examples"
DAY = dt.date(2026, 12, 2)


@pytest.fixture(scope="session")
def pg_server():
    if pg_bin() is None:
        pytest.skip("PostgreSQL server binaries not found: make setup installs Debian's postgresql")
    return shared_server()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path) -> str:
    """The URL of a fresh, empty database on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'meetings.sqlite'}"
    return fresh_database(request.getfixturevalue("pg_server"))


@pytest.fixture(scope="module")
def items() -> list[CaseItem]:
    """Three example cases, planned once for the module."""
    return intake.from_files(
        [
            EXAMPLES / f"{n}.json"
            for n in ("ex-04-missing-left-inferior", "ex-13-missing-left-superior", "ex-14-unfit-localized")
        ]
    )


def _meeting(store: Store, items: list[CaseItem]) -> int:
    mid = store.new_meeting(DAY, "Endocrine tumour board", by="chair")
    store.add_cases(mid, items, by="chair")
    return mid


FOLLOWS = Consensus(
    decision="operate",
    follows_plan=True,
    operation="cervical_thymectomy",
    targets=[{"site": "perrier_F", "side": "left"}],
    next_tests=["laryngoscopy"],
    note="agreed; frozen section on the thymic tissue",
    attendees=[{"role": "surgeon", "name": "A. Lee"}, {"role": "radiologist", "name": None}],
)


def test_meeting_flow_survives_reopening(db, items):
    store = open_store(db)
    mid = _meeting(store, items)
    assert store.decide(mid, "ex-04-missing-left-inferior", FOLLOWS, by="surgeon") == 2
    departs = Consensus(
        decision="investigate",
        follows_plan=False,
        next_tests=["fch_pet_ct"],
        departure_reason="wants a PET before a retro-oesophageal exploration",
    )
    store.decide(mid, "ex-13-missing-left-superior", departs, by="endocrinologist")
    store.record_outcome(
        mid,
        "ex-04-missing-left-inferior",
        Outcome("cervical_thymectomy", "perrier_F", "left", "adenoma", True),
        by="surgeon",
    )
    store.close()

    again = open_store(db)  # reopen: everything committed is there
    m = again.meeting(mid)
    assert [c["case_id"] for c in m["cases"]] == [i.case["id"] for i in items]
    first = m["cases"][0]
    assert first["version"] == 3 and first["consensus"]["attendees"][0] == {
        "role": "surgeon",
        "name": "A. Lee",
    }
    assert first["outcome"]["found_site"] == "perrier_F" and first["outcome"]["cured"] is True
    assert first["plan"] == items[0].plan and first["case"] == items[0].case
    assert [r["cases"] for r in again.meetings()] == [3]
    md, page = markdown(m), to_html(m)
    assert "DEPARTS from the plan: wants a PET" in md and "A. Lee" in md
    assert "OPERATE · persistent · transcervical thymectomy (Perrier F, left)" in md
    assert "not yet decided" in md and "cured at 6 months yes" in md
    assert page.startswith("<!DOCTYPE html>") and "retro-oesophageal" in page
    assert [r["case_id"] for r in again.recorded_outcomes()] == ["ex-04-missing-left-inferior"]


def test_a_stale_version_is_refused_and_the_first_write_survives(db, items):
    store = open_store(db)
    mid = _meeting(store, items)
    cid = "ex-04-missing-left-inferior"
    read = store.case(mid, cid)["version"]
    store.decide(mid, cid, FOLLOWS, by="surgeon A", expected_version=read)
    other = Consensus(decision="medical", follows_plan=False, departure_reason="frail")
    with pytest.raises(
        StaleVersionError, match=rf"case '{cid}' in meeting {mid} was changed by surgeon A at "
    ):
        open_store(db).decide(mid, cid, other, by="surgeon B", expected_version=read)
    kept = store.case(mid, cid)
    assert kept["consensus"]["decision"] == "operate" and kept["updated_by"] == "surgeon A"


def test_two_sessions_editing_one_case_never_lose_an_update(db, items):
    """Two long-lived sessions read version 1; the second write matches no row and is refused."""
    store = open_store(db)
    mid = _meeting(store, items)
    a = store._sessions()
    mine = a.scalars(select(MeetingCase).where(MeetingCase.meeting_id == mid)).first()
    a.commit()  # a keeps its object (version 1) and releases the database
    key = mine.id
    with store.transaction() as b:
        theirs = b.get(MeetingCase, key)
        theirs.note, theirs.updated_by = "theirs", "B"
    mine.note = "mine"
    with pytest.raises(StaleDataError):
        a.commit()
    a.rollback()
    a.close()
    with store.transaction() as s:
        row = s.get(MeetingCase, key)
        assert (row.note, row.version) == ("theirs", 2)


def test_refusals_name_what_is_wrong(db, items):
    store = open_store(db)
    mid = _meeting(store, items)
    cid = "ex-04-missing-left-inferior"
    with pytest.raises(MeetingError, match="no meeting 999"):
        store.meeting(999)
    with pytest.raises(MeetingError, match="no case 'nope' in meeting"):
        store.decide(mid, "nope", FOLLOWS, by="x")
    with pytest.raises(MeetingError, match="'operat' is not a contract decision code"):
        store.decide(mid, cid, Consensus(decision="operat", follows_plan=True), by="x")
    with pytest.raises(MeetingError, match="a departure from the plan needs a reason"):
        store.decide(mid, cid, Consensus(decision="defer", follows_plan=False, departure_reason=" "), by="x")
    with pytest.raises(MeetingError, match="already in meeting"):
        store.add_cases(mid, items[:1], by="x")
    with pytest.raises(MeetingError, match="histology: 'tumour' is not a contract pathology code"):
        store.record_outcome(mid, cid, Outcome(None, "perrier_F", None, "tumour", None), by="x")
    assert store.case(mid, cid)["version"] == 1  # nothing refused was written


def test_no_patient_identifier_is_stored(db, items):
    store = open_store(db)
    mid = store.new_meeting(DAY, "board", by="chair")
    named = dict(items[0].case, title="Mrs Smith, MRN 1234567")
    with pytest.raises(MeetingError, match="looks like a patient identifier"):
        store.add_cases(mid, [CaseItem(named, items[0].plan, "file")], by="chair")
    with pytest.raises(MeetingError, match="not added"):  # the contract has no identifier fields
        intake.planned(dict(items[0].case, name="Jane Smith"), "file", "named.json")
    with pytest.raises(MeetingError, match="looks like a patient identifier"):
        store.decide(
            mid, "x", Consensus(decision="operate", follows_plan=True, note="DOB 1961-03-04"), by="x"
        )
    columns = {c["name"] for c in inspect(store.engine).get_columns("meeting_case")}
    assert not {c for c in columns if any(w in c for w in ("name", "mrn", "birth", "dob", "address"))}
    assert store.meeting(mid)["cases"] == []


def test_migrations_are_idempotent_and_match_the_models(db):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    store = open_store(db)
    upgrade(store.engine)  # again: a no-op
    open_store(db).close()
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == ["0001"]
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
    assert diff == []


def test_database_url_defaults_under_the_user_data_directory(monkeypatch, tmp_path):
    monkeypatch.delenv("PARAREOP_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert database_url().database == str(tmp_path / "parareop" / "meetings.sqlite")
    monkeypatch.setenv("PARAREOP_DB", "postgresql://board:secret@db.example/parareop")
    assert database_url().drivername == "postgresql+psycopg"
    with pytest.raises(MeetingError, match="cannot open the meeting store sqlite:////proc/"):
        Store(database_url("/proc/no/such/dir/m.sqlite"))


CHILD = """
import sys
from datetime import date
from clinical.meeting.store import CaseItem, open_store
store = open_store(sys.argv[1])
mid = store.new_meeting(date(2026, 12, 2), "kill test", by="writer")
plan = {"case_id": "x", "decision": "defer", "notes": ["p" * 2000] * 20}
n = 0
while True:
    batch = [CaseItem({"id": f"case-{n:05d}-{k:02d}"}, plan, "file") for k in range(25)]
    store.add_cases(mid, batch, by="writer")
    n += 1
    print(n, flush=True)
"""


def test_a_kill_during_a_write_loses_nothing_committed(tmp_path):
    path = tmp_path / "meetings.sqlite"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT
    )
    committed = 0
    deadline = time.monotonic() + 30
    while committed < 5 and time.monotonic() < deadline:
        committed = int(child.stdout.readline())
    time.sleep(0.013)  # into the middle of the next transaction
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert committed >= 5
    store = open_store(str(path))
    cases = store.meeting(1)["cases"]
    assert len(cases) % 25 == 0 and len(cases) >= 25 * committed  # whole transactions only
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
def test_concurrent_writers_lose_no_update(db, items):
    """Two writers, each with its own connection, decide on one case at once: every write either
    commits (and bumps the version) or is refused as stale; none is lost, none fails otherwise."""
    import threading

    store = open_store(db)
    mid = _meeting(store, items[:1])
    cid = items[0].case["id"]
    done: list[str] = []

    def writer(name: str) -> None:
        mine = open_store(db)
        for n in range(8):
            note = f"{name} {n}"
            try:
                mine.decide(mid, cid, Consensus(decision="operate", follows_plan=True, note=note), by=name)
                done.append(note)
            except StaleVersionError:
                pass
        mine.close()

    threads = [threading.Thread(target=writer, args=(w,)) for w in ("A", "B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    final = store.case(mid, cid)
    assert final["version"] == 1 + len(done) and final["consensus"]["note"] in done
