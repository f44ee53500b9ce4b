"""The meeting in the app: the store, the meeting open in this session, the case on the board.

The store is the CLI's (``PARAREOP_DB``, default an SQLite file under the user's data
directory), opened once per server process and URL. The open meeting is ``?meeting=<id>`` in the
URL (kept in ``st.session_state["meeting_id"]`` too, since Streamlit drops query parameters a
page does not set), and the case presented is ``?case=<case id>``: a link to
``?display=board&meeting=3&case=ex-05`` opens the wall on that case of that meeting. A ``?case=``
that is not in the meeting shows that case on its own (the sidebar's picker), without the
meeting's strip. The board shows the case and the plan as they were recorded when the case was
added to the meeting: the plan the board reviews is the plan the record keeps.
"""

from __future__ import annotations

import getpass
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st

from clinical.meeting.records import MeetingError
from ui import meeting_access
from ui.cases import parse_case_bytes

if TYPE_CHECKING:  # the store (SQLAlchemy, Alembic) is imported when a meeting is first opened
    from clinical.meeting.store import CaseItem, Store

MEETING_PARAM = "meeting"
CASE_PARAM = "case"


@st.cache_resource(show_spinner=False)
def _store(url: str) -> Store:
    from clinical.meeting.store import Store, database_url

    return Store(database_url(url))


def store() -> Store:
    """The meeting store named by ``$PARAREOP_DB`` (read at each call: one server, one store)."""
    from clinical.meeting.store import database_url

    return _store(database_url().render_as_string(hide_password=False))


def store_label() -> str:
    """Where the record lives, as it may be shown (no password)."""
    from clinical.meeting.store import database_url, shown

    return shown(database_url())


def access() -> meeting_access.Access:
    """The access rule of this server (its ``server.address``, the secrets, ``PARAREOP_READONLY``),
    read at each run: two small files, and a changed secrets file takes effect at once."""
    return meeting_access.server_access(str(st.get_option("server.address") or "") or None)


def signed_in() -> bool:
    """Whether the user is signed in with ``st.login`` (False when no sign-in is configured)."""
    try:
        return bool(st.user.is_logged_in)
    except (AttributeError, KeyError):
        return False


def can_write() -> bool:
    """Whether this user may change the record now: open on loopback, signed in on the network."""
    rule = access()
    return rule.writable and (not rule.sign_in or signed_in())


def by() -> str:
    """Who makes a change: the signed-in user's e-mail or name, else the name typed on the meeting
    page, else ``$PARAREOP_USER``, else the login of the server's user."""
    if access().sign_in and signed_in():
        user = st.user
        return str(user.get("email") or user.get("name") or user.get("sub") or "signed-in user")
    typed = str(st.session_state.get("meeting_by") or "").strip()
    return typed or os.environ.get("PARAREOP_USER") or getpass.getuser()


# ------------------------------------------------------------------ the open meeting


def meeting_id() -> int | None:
    """The meeting open in this session: a changed ``?meeting=`` in the URL wins."""
    wanted = st.query_params.get(MEETING_PARAM)
    if wanted is not None and wanted != st.session_state.get("_last_query_meeting"):
        st.session_state["_last_query_meeting"] = wanted
        st.session_state["meeting_id"] = int(wanted) if str(wanted).isdigit() else None
    mid = st.session_state.get("meeting_id")
    if mid is not None and st.query_params.get(MEETING_PARAM) != str(mid):
        st.query_params[MEETING_PARAM] = str(mid)  # a page switch dropped it: put it back
        st.session_state["_last_query_meeting"] = str(mid)
    return int(mid) if mid is not None else None


def open_meeting(mid: int) -> None:
    """Open a meeting in this session (and in the URL, so that the link can be shared)."""
    st.session_state["meeting_id"] = mid
    st.session_state["_last_query_meeting"] = str(mid)
    st.query_params[MEETING_PARAM] = str(mid)


def close_meeting() -> None:
    """Leave the meeting: the board shows single cases again."""
    st.session_state["meeting_id"] = None
    st.session_state["_last_query_meeting"] = None
    if MEETING_PARAM in st.query_params:
        del st.query_params[MEETING_PARAM]


def go(case_id: str) -> None:
    """Present another case of the meeting (the board's previous / next, the list's "present").

    The sidebar's example picker is told the URL's case is already seen (``ui.state`` keeps it in
    ``_last_query_case``): otherwise it would open that example and re-create its own widget, and
    the browser's stale choice would then send the board back to the case first opened.
    """
    st.query_params[CASE_PARAM] = case_id
    st.session_state["_last_query_case"] = case_id


@dataclass(frozen=True)
class CaseView:
    """One case of the open meeting as the board shows it, with its place in the list."""

    meeting_id: int
    title: str
    ids: tuple[str, ...]
    index: int
    row: dict[str, Any]

    @property
    def case_id(self) -> str:
        return self.ids[self.index]

    @property
    def k(self) -> int:
        return self.index + 1

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def case(self) -> dict[str, Any]:
        return dict(self.row["case"])

    @property
    def plan(self) -> dict[str, Any]:
        return dict(self.row["plan"])

    @property
    def version(self) -> int:
        return int(self.row["version"])

    @property
    def previous_id(self) -> str | None:
        return self.ids[self.index - 1] if self.index > 0 else None

    @property
    def next_id(self) -> str | None:
        return self.ids[self.index + 1] if self.index + 1 < self.n else None

    @property
    def label(self) -> str:
        return f"meeting {self.meeting_id} ({self.title}), case {self.k} of {self.n}"


def case_state(row: dict[str, Any]) -> str:
    """A case's state in the list: planned, decided (and how), outcome recorded.

    >>> case_state({"consensus": None, "outcome": None})
    'planned'
    >>> case_state({"consensus": {"decision": "operate", "follows_plan": False}, "outcome": None})
    'decided: operate (departs from the plan)'
    """
    k = row.get("consensus")
    if k is None:
        text = "planned"
    else:
        text = f"decided: {k['decision']}" + ("" if k.get("follows_plan") else " (departs from the plan)")
    if row.get("outcome"):
        text += " · outcome recorded"
    return text


def meeting() -> dict[str, Any] | None:
    """The open meeting with its cases (None when none is open, or it is not in the store)."""
    mid = meeting_id()
    if mid is None:
        return None
    try:
        return store().meeting(mid)
    except MeetingError as exc:
        st.session_state["meeting_problem"] = str(exc)
        close_meeting()
        return None


def current(m: dict[str, Any] | None = None) -> CaseView | None:
    """The meeting's case named by ``?case=`` (the first one when none is named); None when no
    meeting is open, it has no cases, or ``?case=`` names a case outside it."""
    m = meeting() if m is None else m
    if not m or not m["cases"]:
        return None
    ids = tuple(str(c["case_id"]) for c in m["cases"])
    wanted = st.query_params.get(CASE_PARAM)
    if wanted is None:
        wanted = ids[0]
        st.query_params[CASE_PARAM] = wanted
    if wanted not in ids:
        return None
    i = ids.index(wanted)
    return CaseView(int(m["id"]), str(m["title"]), ids, i, m["cases"][i])


# ------------------------------------------------------------------ adding cases


def uploaded_items(files: list[Any]) -> list[CaseItem]:
    """Uploaded contract case files, read strictly and planned; the first bad file stops all."""
    from clinical.meeting import intake

    items = []
    for f in files:
        data, problems = parse_case_bytes(f.getvalue())
        if problems:
            path, message = problems[0]
            raise MeetingError(f"{f.name}: not added, {path}: {message}")
        if not isinstance(data, dict):
            raise MeetingError(f"{f.name}: not added, not a case (a JSON object)")
        items.append(intake.planned(data, "file", f.name))
    return items


def fhir_items(files: list[Any]) -> tuple[list[CaseItem], list[str]]:
    """Uploaded FHIR R4 Bundles imported and planned, with the import's warnings."""
    from clinical.meeting import intake

    items, warnings = [], []
    with tempfile.TemporaryDirectory(prefix="parareop-fhir-") as tmp:
        for f in files:
            path = Path(tmp) / Path(f.name).name
            path.write_bytes(f.getvalue())
            try:
                pairs = intake.from_fhir([path])
            except MeetingError as exc:  # named by the file uploaded, not the temporary copy
                raise MeetingError(str(exc).replace(str(path), f.name)) from None
            for item, said in pairs:
                items.append(item)
                warnings += [f"{item.case['id']}: {w}" for w in said]
    return items, warnings


def add(mid: int, items: list[CaseItem]) -> list[str]:
    """Append planned cases to the meeting (all or none), as the user making the change."""
    if not items:
        raise MeetingError("no cases chosen")
    return store().add_cases(mid, items, by=by())
