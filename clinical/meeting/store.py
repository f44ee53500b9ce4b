"""The meeting store: one database, opened by URL, migrated on open, one transaction per write.

``PARAREOP_DB`` names the database: a path (an SQLite file) or a SQLAlchemy URL
(``sqlite:///…``, ``postgresql://…``, which is read with psycopg 3). Unset, it is the SQLite file
``$XDG_DATA_HOME/parareop/meetings.sqlite`` (``~/.local/share/parareop/meetings.sqlite``).

- Every open runs the Alembic migrations to ``head`` (a no-op when up to date; PostgreSQL takes
  an advisory lock first, so two processes opening a new database do not race).
- SQLite runs in WAL mode with ``synchronous=FULL``: a process killed during a write loses only
  the transaction it had not committed. Each transaction starts with ``BEGIN IMMEDIATE``, so two
  writers are serialised instead of failing half-way (``busy_timeout`` 10 s).
- Every change of a case checks its version (:mod:`clinical.meeting.models`): a write based on a
  stale version, or one overtaken by a concurrent write, is refused with
  :class:`StaleVersionError`, which names the case and who changed it, and when.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from clinical.meeting.models import Meeting, MeetingCase, utc_text, utcnow
from clinical.meeting.records import Consensus, MeetingError, Outcome, StaleVersionError, refuse_identifiers

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
ENV = "PARAREOP_DB"
#: PostgreSQL advisory-lock key held while migrating ("PRRP").
MIGRATION_LOCK = 0x50525250


def default_path() -> Path:
    """The default SQLite file, under the user's data directory (XDG).

    >>> default_path().name
    'meetings.sqlite'
    """
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "parareop" / "meetings.sqlite"


def database_url(value: str | None = None) -> URL:
    """The URL of the store: ``value``, else ``$PARAREOP_DB``, else :func:`default_path`.

    A plain path is an SQLite file; ``postgresql://`` is read with psycopg 3.

    >>> database_url("/tmp/m.sqlite").render_as_string()
    'sqlite:////tmp/m.sqlite'
    >>> database_url("postgresql://board@db/parareop").drivername
    'postgresql+psycopg'
    """
    raw = value or os.environ.get(ENV) or str(default_path())
    if "://" not in raw:
        return make_url("sqlite:///" + str(Path(raw).expanduser().resolve()))
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise MeetingError(f"{ENV}: {raw!r} is neither a file path nor a database URL") from exc
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def shown(url: URL) -> str:
    """The URL as it may be printed (the password hidden)."""
    return url.render_as_string(hide_password=True)


def _sqlite_engine(url: URL) -> Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 10})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def upgrade(engine: Engine) -> None:
    """Run the migrations to ``head`` in one transaction (idempotent)."""
    from alembic import command
    from alembic.config import Config
    from alembic.util import CommandError

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
        cfg.attributes["connection"] = conn
        try:
            command.upgrade(cfg, "head")
        except CommandError as exc:
            raise MeetingError(f"the meeting store cannot be migrated: {exc}") from exc


@dataclass(frozen=True)
class CaseItem:
    """A case to add to a meeting: the contract case, its plan, and where it came from."""

    case: dict[str, Any]
    plan: dict[str, Any]
    source: str  # "file" or "fhir"


def check_case(case: dict[str, Any]) -> None:
    """Refuse a case whose id or free text looks like a patient identifier."""
    cid = str(case.get("id", ""))
    refuse_identifiers(f"case {cid!r}: id", cid)
    refuse_identifiers(f"case {cid!r}: title", case.get("title"))
    refuse_identifiers(f"case {cid!r}: patient.note", (case.get("patient") or {}).get("note"))


class Store:
    """The meeting record in one database; every method is one transaction.

    >>> import tempfile
    >>> st = Store(database_url(tempfile.mkdtemp() + "/m.sqlite"))
    >>> mid = st.new_meeting(date(2026, 12, 2), "Endocrine tumour board", by="doctest")
    >>> [m["title"] for m in st.meetings()]
    ['Endocrine tumour board']
    """

    def __init__(self, url: URL) -> None:
        self.url = url
        try:
            if url.get_backend_name() == "sqlite":
                self.engine = _sqlite_engine(url)
            else:
                self.engine = create_engine(url, pool_pre_ping=True)
            upgrade(self.engine)
        except (SQLAlchemyError, OSError, ImportError) as exc:
            raise MeetingError(f"cannot open the meeting store {shown(url)}: {_reason(exc)}") from exc
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One session and transaction: committed on success, rolled back on any error."""
        try:
            with self._sessions.begin() as session:
                yield session
        except (MeetingError, StaleDataError):
            raise
        except IntegrityError as exc:
            raise MeetingError(f"refused by the meeting store: {_reason(exc)}") from exc
        except SQLAlchemyError as exc:
            raise MeetingError(f"the meeting store {shown(self.url)} failed: {_reason(exc)}") from exc

    # ------------------------------------------------------------------ meetings

    def new_meeting(self, on: date, title: str, by: str) -> int:
        """Create a meeting; returns its id."""
        refuse_identifiers("title", title)
        if not title.strip():
            raise MeetingError("a meeting needs a title")
        with self.transaction() as s:
            m = Meeting(date=on, title=title.strip(), created_by=by, created_at=utcnow())
            s.add(m)
            s.flush()
            return m.id

    def meetings(self) -> list[dict[str, Any]]:
        """Every meeting, newest first, with its counts of cases, decisions and outcomes."""
        with self.transaction() as s:
            c = MeetingCase
            rows = s.execute(
                select(
                    Meeting.id,
                    Meeting.date,
                    Meeting.title,
                    func.count(c.id),
                    func.count(c.decision),
                    func.count(c.outcome_at),
                )
                .outerjoin(c, c.meeting_id == Meeting.id)
                .group_by(Meeting.id, Meeting.date, Meeting.title)
                .order_by(Meeting.date.desc(), Meeting.id.desc())
            ).all()
        keys = ("id", "date", "title", "cases", "decided", "outcomes")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def meeting(self, meeting_id: int) -> dict[str, Any]:
        """One meeting with its cases in order (:func:`case_view` each)."""
        with self.transaction() as s:
            m = self._meeting(s, meeting_id)
            return {
                "id": m.id,
                "date": m.date,
                "title": m.title,
                "created_by": m.created_by,
                "cases": [case_view(c) for c in m.cases],
            }

    # ------------------------------------------------------------------ cases

    def add_cases(self, meeting_id: int, items: list[CaseItem], by: str) -> list[str]:
        """Append cases to a meeting, all or none; returns their case ids.

        A case already in the meeting is refused (its plan as planned at the meeting stays).
        """
        for item in items:
            check_case(item.case)
        ids = [str(i.case["id"]) for i in items]
        twice = sorted({x for x in ids if ids.count(x) > 1})
        if twice:
            raise MeetingError(f"case {twice[0]!r} is given twice")
        with self.transaction() as s:
            m = self._meeting(s, meeting_id)
            present = {c.case_id for c in m.cases}
            for cid in ids:
                if cid in present:
                    raise MeetingError(f"case {cid!r} is already in meeting {meeting_id}")
            start = max((c.position for c in m.cases), default=0)
            for n, item in enumerate(items, start=1):
                s.add(
                    MeetingCase(
                        meeting_id=m.id,
                        position=start + n,
                        case_id=str(item.case["id"]),
                        source=item.source,
                        case_json=item.case,
                        plan_json=item.plan,
                        updated_at=utcnow(),
                        updated_by=by,
                    )
                )
        return ids

    def case(self, meeting_id: int, case_id: str) -> dict[str, Any]:
        """One case of a meeting (:func:`case_view`)."""
        with self.transaction() as s:
            return case_view(self._case(s, meeting_id, case_id))

    def decide(
        self,
        meeting_id: int,
        case_id: str,
        consensus: Consensus,
        by: str,
        expected_version: int | None = None,
    ) -> int:
        """Record (or replace) the board's consensus on a case; returns the new version."""
        consensus.check()
        refuse_identifiers(
            "attendees", "; ".join(f"{a['role']}={a.get('name') or ''}" for a in consensus.attendees)
        )

        def write(row: MeetingCase) -> None:
            row.decision = consensus.decision
            row.operation = consensus.operation
            row.targets = consensus.targets
            row.next_tests = consensus.next_tests
            row.note = consensus.note
            row.attendees = consensus.attendees
            row.follows_plan = consensus.follows_plan
            row.departure_reason = consensus.departure_reason
            row.decided_at = row.updated_at
            row.decided_by = by

        return self._update(meeting_id, case_id, by, expected_version, write)

    def record_outcome(
        self, meeting_id: int, case_id: str, outcome: Outcome, by: str, expected_version: int | None = None
    ) -> int:
        """Record (or replace) the outcome of a case; returns the new version."""
        outcome.check()

        def write(row: MeetingCase) -> None:
            row.outcome_operation = outcome.operation
            row.found_site = outcome.found_site
            row.found_side = outcome.found_side
            row.also_found = outcome.also_found
            row.histology = outcome.histology
            row.cured_6m = outcome.cured
            row.outcome_at = row.updated_at
            row.outcome_by = by

        return self._update(meeting_id, case_id, by, expected_version, write)

    def recorded_outcomes(self) -> list[dict[str, Any]]:
        """Every case with an outcome (:func:`case_view`), the latest outcome of each case id."""
        with self.transaction() as s:
            rows = s.scalars(
                select(MeetingCase)
                .where(MeetingCase.outcome_at.is_not(None))
                .order_by(MeetingCase.outcome_at)
            ).all()
            latest = {r.case_id: case_view(r) for r in rows}
        return list(latest.values())

    # ------------------------------------------------------------------ internals

    def _meeting(self, s: Session, meeting_id: int) -> Meeting:
        m = s.get(Meeting, meeting_id)
        if m is None:
            raise MeetingError(f"no meeting {meeting_id} in {shown(self.url)} (parareop meeting list)")
        return m

    def _case(self, s: Session, meeting_id: int, case_id: str) -> MeetingCase:
        self._meeting(s, meeting_id)
        row = s.scalars(
            select(MeetingCase).where(MeetingCase.meeting_id == meeting_id, MeetingCase.case_id == case_id)
        ).one_or_none()
        if row is None:
            raise MeetingError(f"no case {case_id!r} in meeting {meeting_id}")
        return row

    def _update(self, meeting_id: int, case_id: str, by: str, expected: int | None, write: Any) -> int:
        try:
            with self.transaction() as s:
                row = self._case(s, meeting_id, case_id)
                if expected is not None and row.version != expected:
                    raise _stale(row, expected)
                read = row.version
                row.updated_at = utcnow()
                row.updated_by = by
                write(row)
                s.flush()
                return row.version
        except StaleDataError:
            pass
        # a concurrent write committed between our read and our write: nothing of ours was written
        with self.transaction() as s:
            raise _stale(self._case(s, meeting_id, case_id), read)


def _stale(row: MeetingCase, expected: int) -> StaleVersionError:
    when = utc_text(row.updated_at)
    return StaleVersionError(
        f"case {row.case_id!r} in meeting {row.meeting_id} was changed by {row.updated_by} at {when} "
        f"(version {row.version}, yours was {expected}): show it again and re-enter your change"
    )


def _reason(exc: BaseException) -> str:
    """The first line of a driver error, without SQLAlchemy's background link."""
    orig = getattr(exc, "orig", None)
    msg = str(orig if orig is not None else exc).strip().splitlines()
    return msg[0] if msg else type(exc).__name__


def case_view(row: MeetingCase) -> dict[str, Any]:
    """A case row as plain data (what ``meeting show`` and the minutes print)."""
    return {
        "case_id": row.case_id,
        "position": row.position,
        "version": row.version,
        "source": row.source,
        "updated_at": row.updated_at,
        "updated_by": row.updated_by,
        "case": row.case_json,
        "plan": row.plan_json,
        "consensus": None
        if row.decision is None
        else {
            "decision": row.decision,
            "operation": row.operation,
            "targets": row.targets or [],
            "next_tests": row.next_tests or [],
            "note": row.note,
            "attendees": row.attendees or [],
            "follows_plan": row.follows_plan,
            "departure_reason": row.departure_reason,
            "decided_at": row.decided_at,
            "decided_by": row.decided_by,
        },
        "outcome": None
        if row.outcome_at is None
        else {
            "operation": row.outcome_operation,
            "found_site": row.found_site,
            "found_side": row.found_side,
            "also_found": row.also_found,
            "histology": row.histology,
            "cured": row.cured_6m,
            "recorded_at": row.outcome_at,
            "recorded_by": row.outcome_by,
        },
    }


def open_store(value: str | None = None) -> Store:
    """Open (creating and migrating if needed) the store named by ``value`` or ``$PARAREOP_DB``."""
    return Store(database_url(value))
