"""``parareop meeting`` and ``parareop audit --db`` on the same store, on both backends.

Run in process (``ui.cli.main``); every refusal is one line on stderr, never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_meeting_store import EXAMPLES, db, pg_server  # noqa: F401 - the backend fixtures
from ui.cli import main

CASE = "ex-04-missing-left-inferior"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def meeting(db, tmp_path, capsys, monkeypatch) -> str:  # noqa: F811 - db is the fixture
    """A meeting with two example cases, in the store named by $PARAREOP_DB."""
    monkeypatch.setenv("PARAREOP_DB", db)
    monkeypatch.setenv("PARAREOP_USER", "chair")
    folder = tmp_path / "cases"
    folder.mkdir()
    for name in (CASE, "ex-13-missing-left-superior"):
        (folder / f"{name}.json").write_text((EXAMPLES / f"{name}.json").read_text())
    code, out, _ = _run(capsys, "meeting", "new", "--title", "Endocrine tumour board", "--date", "2026-12-02")
    assert code == 0
    mid = out.strip()
    assert _run(capsys, "meeting", "add", mid, str(folder))[1].count("added ") == 2
    return mid


def test_a_meeting_from_new_to_minutes(meeting, capsys, tmp_path):
    code, out, _ = _run(capsys, "meeting", "show", meeting)
    assert code == 0 and f"{CASE}  v1  [undecided]  OPERATE" in out
    code, out, _ = _run(
        capsys,
        "meeting",
        "--by",
        "A. Lee",
        "decide",
        meeting,
        CASE,
        "--decision",
        "operate",
        "--operation",
        "cervical_thymectomy",
        "--target",
        "perrier_F:left",
        "--test",
        "laryngoscopy",
        "--attendee",
        "surgeon=A. Lee",
        "--attendee",
        "radiologist",
        "--note",
        "frozen section",
        "--version",
        "1",
    )
    assert (code, out.strip()) == (0, f"recorded the board's decision on {CASE} (version 2)")
    assert (
        _run(
            capsys,
            "meeting",
            "decide",
            meeting,
            "ex-13-missing-left-superior",
            "--decision",
            "investigate",
            "--departs",
            "--reason",
            "a PET first",
            "--test",
            "fch_pet_ct",
        )[0]
        == 0
    )
    code, out, _ = _run(
        capsys,
        "meeting",
        "outcome",
        meeting,
        CASE,
        "--operation",
        "cervical_thymectomy",
        "--site",
        "perrier_F",
        "--side",
        "left",
        "--histology",
        "adenoma",
        "--cured",
        "yes",
    )
    assert code == 0 and "(version 3)" in out
    code, out, _ = _run(capsys, "meeting", "show", meeting, CASE)
    assert "version 3" in out and "surgeon (A. Lee), radiologist" in out
    code, out, _ = _run(capsys, "meeting", "list")
    assert "Endocrine tumour board  (2 cases, 2 decided, 1 outcomes)" in out
    code, out, _ = _run(capsys, "meeting", "minutes", meeting)
    assert out.startswith("# Endocrine tumour board") and "- ex-13-missing-left-superior: a PET first" in out
    html = tmp_path / "minutes.html"
    assert _run(capsys, "meeting", "minutes", meeting, "--format", "html", "-o", str(html))[0] == 0
    assert "<h1>Endocrine tumour board</h1>" in html.read_text() and 'class="departs"' in html.read_text()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("show", "42"), "no meeting 42 in "),
        (("show", "first"), "meeting id 'first' is not a number"),
        (
            ("decide", "{m}", CASE, "--decision", "operat"),
            "decision: 'operat' is not a contract decision code",
        ),
        (
            ("decide", "{m}", CASE, "--decision", "medical", "--departs"),
            "a departure from the plan needs a reason",
        ),
        (
            ("decide", "{m}", CASE, "--decision", "medical"),
            "is not the plan's 'operate': record it as a departure",
        ),
        (
            ("decide", "{m}", CASE, "--decision", "operate", "--note", "MRN 12345678"),
            "looks like a patient identifier",
        ),
        (("outcome", "{m}", CASE, "--cured", "maybe"), "--cured 'maybe': write yes, no or unknown"),
        (("outcome", "{m}", "nope", "--cured", "no"), "no case 'nope' in meeting"),
        (("add", "{m}", "/no/such/file.json"), "/no/such/file.json: no such file or folder"),
    ],
)
def test_refusals_are_one_line(meeting, capsys, argv, message):
    code, _, err = _run(capsys, "meeting", *(a.format(m=meeting) for a in argv))
    assert code == 1 and err.count("\n") == 1 and err.startswith("parareop: error: ") and message in err


def test_cases_from_fhir_bundles(meeting, capsys):
    fhir = Path(__file__).parent / "fixtures" / "fhir"
    code, out, _ = _run(
        capsys, "meeting", "add", meeting, "--fhir", str(fhir / "uscore-radiology-reports.json")
    )
    assert code == 0 and out.startswith("added fhir-")
    code, _, err = _run(
        capsys, "meeting", "add", meeting, "--fhir", str(fhir / "uscore-searchset-two-patients.json")
    )
    assert code == 1 and err.count("\n") == 1 and "holds data of 2 patients" in err
    code, out, _ = _run(capsys, "meeting", "show", meeting)
    assert out.count("\n") == 4 and "  3. fhir-" in out


def test_a_stale_version_names_who_changed_the_case(meeting, capsys):
    argv = ("meeting", "decide", meeting, CASE, "--decision", "operate", "--version", "1")
    assert _run(capsys, "meeting", "--by", "surgeon A", *argv[1:])[0] == 0
    code, _, err = _run(capsys, "meeting", "--by", "surgeon B", *argv[1:])
    assert code == 1 and err.count("\n") == 1
    assert f"case '{CASE}' in meeting {meeting} was changed by surgeon A at " in err and "(version 2" in err


def test_an_unreachable_store_is_one_line(capsys, monkeypatch):
    monkeypatch.setenv("PARAREOP_DB", "postgresql://board@/parareop?host=/nonexistent-socket-dir")
    code, _, err = _run(capsys, "meeting", "list")
    assert code == 1 and err.count("\n") == 1 and "cannot open the meeting store postgresql+psycopg://" in err


def test_audit_reads_the_outcomes_recorded_in_the_store(meeting, capsys, tmp_path, db):  # noqa: F811
    for case, site, side in (
        (CASE, "perrier_F", "left"),
        ("ex-13-missing-left-superior", "retroesophageal", "left"),
    ):
        assert (
            _run(
                capsys, "meeting", "outcome", meeting, case, "--site", site, "--side", side, "--cured", "yes"
            )[0]
            == 0
        )
    png = tmp_path / "cal.png"
    for extra in ((), ("--as-planned",)):
        code, out, _ = _run(capsys, "audit", "--db", db, "--json", "--plot", str(png), *extra)
        result = json.loads(out)
        assert code == 0 and result["overall"]["n"] == 2 and result["overall"]["top1"] == 2
    assert _run(capsys, "audit", "--db", "--json", "--plot", str(png))[0] == 0  # $PARAREOP_DB
    code, _, err = _run(capsys, "audit", "--plot", str(png))
    assert code == 1 and "either as a file (--outcomes CSV) or from the meeting store (--db)" in err
    assert Path(png).exists()
