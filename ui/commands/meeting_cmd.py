"""``parareop meeting``: the tumour-board meeting, recorded (new, list, show, add, decide, outcome,
minutes, report).

Every subcommand opens the store named by ``--db`` or ``$PARAREOP_DB`` (default: an SQLite file
under the user's data directory; ``postgresql://…`` for a shared server) and does one
transaction. A change of a case may name the version it was based on (``--version``, shown by
``meeting show``): when someone else changed the case since, the change is refused and the
message says who and when. Definitions: :mod:`clinical.meeting` and the README ("Running a
meeting").
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser("meeting", help="record a tumour-board meeting: cases, decisions, outcomes")
    group.add_argument(
        "--db", metavar="URL", help="database: a path or URL (default $PARAREOP_DB or the data dir)"
    )
    group.add_argument(
        "--by", metavar="NAME", help="who makes the change (default $PARAREOP_USER or the login)"
    )
    cmds = group.add_subparsers(dest="meeting_command", required=True, metavar="SUBCOMMAND")

    p = cmds.add_parser("new", help="create a meeting; prints its id")
    p.add_argument("--title", required=True)
    p.add_argument("--date", help="YYYY-MM-DD (default today)")
    p.set_defaults(handler=_new)

    p = cmds.add_parser("list", help="the meetings, newest first")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_list)

    p = cmds.add_parser("show", help="a meeting's cases (or one case) with their versions")
    p.add_argument("meeting")
    p.add_argument("case", nargs="?", help="a case id: show that case in full")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_show)

    p = cmds.add_parser("add", help="add cases (files, folders, or FHIR Bundles with --fhir), planned now")
    p.add_argument("meeting")
    p.add_argument("paths", nargs="+", type=Path)
    p.add_argument("--fhir", action="store_true", help="the files are FHIR R4 Bundles (clinical.fhir_import)")
    p.add_argument("--patient", metavar="ID", help="with --fhir: the patient of a Bundle that holds several")
    p.set_defaults(handler=_add)

    p = cmds.add_parser("decide", help="record the board's consensus on a case")
    p.add_argument("meeting")
    p.add_argument("case")
    p.add_argument("--decision", required=True, help="operate, investigate, defer, halt or medical")
    p.add_argument("--operation", help="an operation code (vocabulary.json)")
    p.add_argument("--target", action="append", default=[], metavar="SITE[:SIDE]")
    p.add_argument("--test", action="append", default=[], metavar="TEST", help="a next test (repeatable)")
    p.add_argument("--note")
    p.add_argument("--attendee", action="append", default=[], metavar="ROLE[=NAME]")
    p.add_argument("--departs", action="store_true", help="the board departs from the plan (needs --reason)")
    p.add_argument("--reason", help="why the board departs from the plan")
    p.add_argument("--version", type=int, help="the case version this change is based on")
    p.set_defaults(handler=_decide)

    p = cmds.add_parser("outcome", help="record the outcome of a case")
    p.add_argument("meeting")
    p.add_argument("case")
    p.add_argument("--operation", help="the operation done (an operation code)")
    p.add_argument("--site", help="the site found (a site code); omit when nothing was found")
    p.add_argument("--side", help="left, right or midline")
    p.add_argument(
        "--also", action="append", default=None, metavar="SITE[:SIDE]", help="a further gland found"
    )
    p.add_argument("--histology", help="a pathology code (adenoma, hyperplasia, carcinoma, ...)")
    p.add_argument("--cured", required=True, help="cured at six months: yes, no or unknown")
    p.add_argument("--version", type=int, help="the case version this change is based on")
    p.set_defaults(handler=_outcome)

    p = cmds.add_parser("minutes", help="the meeting as one Markdown, HTML or PDF document")
    p.add_argument("meeting")
    p.add_argument("--format", choices=("md", "html", "pdf"), default="md")
    p.add_argument("-o", "--output", type=Path, help="write to a file (default stdout; pdf needs it)")
    p.set_defaults(handler=_minutes)

    p = cmds.add_parser("report", help="a case's printable report with the board's decision (PDF or HTML)")
    p.add_argument("meeting")
    p.add_argument("case")
    p.add_argument("--format", choices=("pdf", "html"), default=None, help="default: from -o's suffix")
    p.add_argument("-o", "--output", type=Path, required=True, help="the report's file")
    p.add_argument("--no-appendix", action="store_true", help="leave out the explanation chains")
    p.set_defaults(handler=_report)


def _store(args: argparse.Namespace) -> Any:
    from clinical.meeting.store import open_store

    return open_store(args.db)


def _by(args: argparse.Namespace) -> str:
    return args.by or os.environ.get("PARAREOP_USER") or getpass.getuser()


def _meeting_id(text: str) -> int:
    from clinical.meeting.records import MeetingError

    try:
        return int(text)
    except ValueError:
        raise MeetingError(f"meeting id {text!r} is not a number (parareop meeting list)") from None


def _new(args: argparse.Namespace) -> int:
    from clinical.meeting.records import MeetingError

    try:
        on = dt.date.fromisoformat(args.date) if args.date else dt.date.today()
    except ValueError:
        raise MeetingError(f"--date {args.date!r} is not a date (YYYY-MM-DD)") from None
    mid = _store(args).new_meeting(on, args.title, by=_by(args))
    print(mid)
    return 0


def _list(args: argparse.Namespace) -> int:
    rows = _store(args).meetings()
    if args.json:
        print(json.dumps(rows, indent=1, default=str))
        return 0
    if not rows:
        print("no meetings yet (parareop meeting new --title ...)")
    for r in rows:
        print(
            f"{r['id']:>4}  {r['date']}  {r['title']}  ({r['cases']} cases, {r['decided']} decided, "
            f"{r['outcomes']} outcomes)"
        )
    return 0


def _show(args: argparse.Namespace) -> int:
    from clinical.meeting.minutes import case_lines
    from clinical.meeting.models import utc_text
    from clinical.meeting.records import plan_headline

    store = _store(args)
    mid = _meeting_id(args.meeting)
    if args.case:
        c = store.case(mid, args.case)
        if args.json:
            print(json.dumps(c, indent=1, default=str))
            return 0
        print(
            f"case {c['case_id']} (meeting {mid}, version {c['version']}, changed by {c['updated_by']} "
            f"at {utc_text(c['updated_at'])})"
        )
        for label, text in case_lines(c):
            print(f"  {label}: {text}")
        return 0
    m = store.meeting(mid)
    if args.json:
        print(json.dumps(m, indent=1, default=str))
        return 0
    print(f"meeting {m['id']}, {m['date']}: {m['title']} ({len(m['cases'])} cases)")
    for c in m["cases"]:
        k = c["consensus"]
        state = "undecided" if k is None else k["decision"] + ("" if k["follows_plan"] else " (departs)")
        state += ", outcome recorded" if c["outcome"] else ""
        print(f"{c['position']:>3}. {c['case_id']}  v{c['version']}  [{state}]  {plan_headline(c['plan'])}")
    return 0


def _add(args: argparse.Namespace) -> int:
    from clinical.meeting import intake

    store = _store(args)
    mid = _meeting_id(args.meeting)
    store.meeting(mid)  # an unknown meeting is named before any case is planned
    if args.fhir:
        pairs = intake.from_fhir(args.paths, patient=args.patient)
        items = [item for item, _ in pairs]
        for item, warnings in pairs:
            for w in warnings:
                print(f"parareop: {item.case['id']}: {w}", file=sys.stderr)
    else:
        items = intake.from_files(args.paths)
    if not items:
        from clinical.meeting.records import MeetingError

        raise MeetingError("no case files found in " + ", ".join(map(str, args.paths)))
    for cid in store.add_cases(mid, items, by=_by(args)):
        print(f"added {cid}")
    return 0


def _decide(args: argparse.Namespace) -> int:
    from clinical.meeting.records import Consensus, check_against_plan, parse_attendee, parse_place

    store = _store(args)
    mid = _meeting_id(args.meeting)
    consensus = Consensus(
        decision=args.decision,
        follows_plan=not args.departs,
        operation=args.operation,
        targets=[parse_place("target", t) for t in args.target],
        next_tests=list(args.test),
        note=args.note,
        attendees=[parse_attendee(a) for a in args.attendee],
        departure_reason=args.reason,
    )
    consensus.check()
    check_against_plan(store.case(mid, args.case)["plan"], consensus)
    version = store.decide(mid, args.case, consensus, by=_by(args), expected_version=args.version)
    print(f"recorded the board's decision on {args.case} (version {version})")
    return 0


def _outcome(args: argparse.Namespace) -> int:
    from clinical.meeting.records import CURED, MeetingError, Outcome, parse_place

    if args.cured.lower() not in CURED:
        raise MeetingError(f"--cured {args.cured!r}: write yes, no or unknown")
    outcome = Outcome(
        operation=args.operation,
        found_site=args.site,
        found_side=args.side,
        histology=args.histology,
        cured=CURED[args.cured.lower()],
        also_found=None if args.also is None else [parse_place("also found", a) for a in args.also],
    )
    version = _store(args).record_outcome(
        _meeting_id(args.meeting), args.case, outcome, by=_by(args), expected_version=args.version
    )
    print(f"recorded the outcome of {args.case} (version {version})")
    return 0


def _write(path: Path, data: bytes, what: str) -> None:
    from ontology.errors import ParaReopError

    try:
        path.write_bytes(data)
    except OSError as exc:
        raise ParaReopError(f"cannot write the {what} {path}: {exc.strerror or exc}") from None
    print(f"parareop: {what} written to {path}", file=sys.stderr)


def _report(args: argparse.Namespace) -> int:
    from kg.knowledge import knowledge
    from ui.report import report_html

    store = _store(args)
    mid = _meeting_id(args.meeting)
    m, row = store.meeting(mid), store.case(mid, args.case)
    fmt = args.format or ("html" if args.output.suffix.lower() in (".html", ".htm") else "pdf")
    html = report_html(
        row["case"],
        row["plan"],
        knowledge(),
        consensus=row["consensus"],
        meeting={"title": m["title"], "date": m["date"].isoformat()},
        appendix=not args.no_appendix,
    )
    if fmt == "html":
        _write(args.output, html.encode("utf-8"), "report")
    else:
        from ui.pdf import html_to_pdf

        _write(args.output, html_to_pdf(html), "report")
    return 0


def _minutes(args: argparse.Namespace) -> int:
    from clinical.meeting.minutes import markdown, to_html

    m = _store(args).meeting(_meeting_id(args.meeting))
    if args.format == "pdf":
        from clinical.meeting.records import MeetingError
        from ui.pdf import html_to_pdf

        if not args.output:
            raise MeetingError("--format pdf writes a file: name it with -o minutes.pdf")
        _write(args.output, html_to_pdf(to_html(m)), "minutes")
        return 0
    doc = to_html(m) if args.format == "html" else markdown(m)
    if args.output:
        args.output.write_text(doc, encoding="utf-8")
        print(f"parareop: minutes written to {args.output}", file=sys.stderr)
    else:
        print(doc, end="")
    return 0
