"""The tables of the meeting record (SQLAlchemy 2.x declarative models).

A *meeting* (a date and a title) holds its *cases* in the order they are presented. Each
case row holds the contract case (``case_json``) and the plan as it was at the meeting
(``plan_json``), then the board's consensus and, later, the outcome. The case is kept by the
contract's pseudonymous ``case_id``: no table has a column for a name, a record number or a
birth date, and the contract case itself has no identifier fields.

``version`` is SQLAlchemy's optimistic version counter (``version_id_col``): every UPDATE of
a case row says ``WHERE version = <the version read>``, so of two sessions that read one
version and both write, the second writes nothing and is refused (no lost update).

The schema is created and upgraded by the Alembic migrations in ``migrations/``, never by
``create_all``; ``tests/test_meeting_store.py`` checks that the two agree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> dt.datetime:
    """The current time in UTC (timezone-aware)."""
    return dt.datetime.now(dt.UTC)


def utc_text(t: dt.datetime | None) -> str:
    """A stored time as ``YYYY-MM-DD HH:MM UTC`` (SQLite returns naive UTC, PostgreSQL aware times).

    >>> utc_text(dt.datetime(2026, 12, 2, 9, 30))
    '2026-12-02 09:30 UTC'
    """
    if t is None:
        return "?"
    if t.tzinfo is not None:
        t = t.astimezone(dt.UTC)
    return t.strftime("%Y-%m-%d %H:%M UTC")


class Base(DeclarativeBase):
    """The declarative base of the meeting record."""


class Meeting(Base):
    """One tumour-board meeting: its date, title and cases."""

    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100), nullable=False)
    cases: Mapped[list[MeetingCase]] = relationship(
        back_populates="meeting", order_by="MeetingCase.position", cascade="all, delete-orphan"
    )


class MeetingCase(Base):
    """One case presented at one meeting: the case, its plan, the consensus, the outcome."""

    __tablename__ = "meeting_case"
    __table_args__ = (UniqueConstraint("meeting_id", "case_id", name="uq_meeting_case"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    case_id: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    source: Mapped[str] = mapped_column(String(20), nullable=False)  # file | fhir
    case_json: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    plan_json: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100), nullable=False)

    # the board's consensus (all null until decided)
    decision: Mapped[str | None] = mapped_column(String(20))
    operation: Mapped[str | None] = mapped_column(String(60))
    targets: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    next_tests: Mapped[list[str] | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    attendees: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    follows_plan: Mapped[bool | None] = mapped_column(Boolean)
    departure_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(100))

    # the outcome, recorded later (all null until then)
    outcome_operation: Mapped[str | None] = mapped_column(String(60))
    found_site: Mapped[str | None] = mapped_column(String(60))
    found_side: Mapped[str | None] = mapped_column(String(20))
    also_found: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    histology: Mapped[str | None] = mapped_column(String(40))
    cured_6m: Mapped[bool | None] = mapped_column(Boolean)
    outcome_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    outcome_by: Mapped[str | None] = mapped_column(String(100))

    meeting: Mapped[Meeting] = relationship(back_populates="cases")

    __mapper_args__ = {"version_id_col": version}
