"""The board's consensus and the later outcome of one case, as forms over the meeting store.

The rules are the record's own (:mod:`clinical.meeting.records`): the codes, a departure needs
a reason, a decision or operation other than the plan's is a departure, identifier-like free
text is refused. The forms only collect the fields and show the record's message when it
refuses. Each form remembers the version of the case it was shown with: a save after someone
else changed the case is refused by the store (optimistic version check), and the message names
who changed it and when; "Show the current record" loads their version.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import streamlit as st

from clinical.meeting.models import utc_text
from clinical.meeting.records import (
    CURED,
    Consensus,
    MeetingError,
    Outcome,
    StaleVersionError,
    check_against_plan,
    parse_attendee,
)
from kg.knowledge import Knowledge
from ui import meeting_state
from ui.meeting_state import CaseView
from ui.names import name, vocabulary_codes, where

#: The board's members, by role (what the record keeps of who was there).
ROLES = (
    "surgeon",
    "endocrinologist",
    "radiologist",
    "nuclear medicine physician",
    "pathologist",
    "geneticist",
    "specialist nurse",
)
FOLLOWS, DEPARTS = "follows the plan", "departs from the plan"
_CLI_HINT = re.compile(r"\s*\((?:use )?--[a-z][^)]*\)")


def app_message(exc: MeetingError) -> str:
    """The record's message without the CLI's option hints, with the app's way to act on it.

    >>> app_message(MeetingError("a departure from the plan needs a reason (--reason)"))
    'a departure from the plan needs a reason'
    >>> print(app_message(MeetingError("decision 'halt' is not the plan's 'operate': "
    ...     "record it as a departure (--departs --reason ...)")))
    decision 'halt' is not the plan's 'operate': record it as a departure: choose "departs from the plan" \
and give the reason
    """
    text = _CLI_HINT.sub("", str(exc))
    if text.endswith("record it as a departure"):
        text += ': choose "departs from the plan" and give the reason'
    return text


def _seen_key(v: CaseView) -> str:
    return f"mtg_seen_{v.meeting_id}_{v.case_id}"


def seen_version(v: CaseView) -> int:
    """The version of the case this session's forms were filled from."""
    return int(st.session_state.setdefault(_seen_key(v), v.version))


def reload_case(v: CaseView) -> None:
    """Forget the version seen: the forms show the record as it is now."""
    st.session_state.pop(_seen_key(v), None)


def _flash(v: CaseView, text: str) -> None:
    st.session_state[f"mtg_flash_{v.meeting_id}_{v.case_id}"] = text


def pop_flash(v: CaseView) -> str | None:
    """The confirmation of the last save of this case, once."""
    text = st.session_state.pop(f"mtg_flash_{v.meeting_id}_{v.case_id}", None)
    return str(text) if text else None


def show_flash(v: CaseView) -> None:
    """The confirmation of the last save of this case, as a success line (once)."""
    if text := pop_flash(v):
        st.success(text, icon=":material/check_circle:")


def _save(v: CaseView, write: Callable[[int], int], what: str) -> None:
    """One write with the version the form was shown with; the store's refusal is shown."""
    try:
        version = write(seen_version(v))
    except StaleVersionError as exc:
        st.error(app_message(exc), icon=":material/sync_problem:")
        st.button("Show the current record", key=f"mtg_reload_{what}", on_click=reload_case, args=(v,))
        return
    except MeetingError as exc:
        st.error(app_message(exc), icon=":material/error:")
        return
    st.session_state[_seen_key(v)] = version
    _flash(v, f"Recorded the {what} on {v.case_id} (version {version}, by {meeting_state.by()}).")
    st.rerun()


def _plan_places(plan: dict[str, Any]) -> list[str]:
    """The places the plan names: its operations' targets, then its ranked locations (site:side)."""
    out: list[str] = []
    for op in plan.get("operations") or []:
        out += [_place_code(t) for t in op.get("targets") or []]
    out += [_place_code(loc) for loc in plan.get("locations") or []]
    return list(dict.fromkeys(out))


def _place(text: str) -> dict[str, str | None]:
    site, _, side = text.partition(":")
    return {"site": site, "side": side or None}


def _place_name(text: str, kn: Knowledge) -> str:
    p = _place(text)
    return where(p["site"], p["side"], kn)


def _first_then_rest(first: list[str], category: str) -> list[str]:
    return list(dict.fromkeys([*first, *vocabulary_codes(category)]))


def _attendees(roles: list[str], names: str) -> list[dict[str, Any]]:
    """Roles ticked, with the names typed as ``role=name; role=name`` (a named role counts as there)."""
    named = [parse_attendee(part) for part in names.split(";") if part.strip()]
    by_role = {a["role"]: a for a in named}
    out = [{"role": r, "name": (by_role.pop(r, {}) or {}).get("name")} for r in roles]
    return out + list(by_role.values())


def consensus_summary(v: CaseView, kn: Knowledge) -> list[tuple[str, str]]:
    """The recorded consensus in clinical words (label, text); empty when not decided."""
    k = v.row.get("consensus")
    if not k:
        return []
    board = k["decision"].upper()
    if k.get("operation"):
        board += " · " + name("operations", k["operation"], kn)
        places = ", ".join(where(t.get("site"), t.get("side"), kn) for t in k.get("targets") or [])
        board += f" ({places})" if places else ""
    lines = [("Board", board)]
    if k.get("next_tests"):
        lines.append(("Next tests", ", ".join(name("tests", t, kn) for t in k["next_tests"])))
    lines.append(
        ("Against the plan", FOLLOWS if k["follows_plan"] else f"DEPARTS: {k.get('departure_reason')}")
    )
    if k.get("note"):
        lines.append(("Note", str(k["note"])))
    people = "; ".join(a["role"] + (f" ({a['name']})" if a.get("name") else "") for a in k["attendees"])
    lines.append(("Attendees", people or "not recorded"))
    lines.append(("Recorded", f"by {k.get('decided_by')}, {utc_text(k.get('decided_at'))}"))
    return lines


def _place_code(t: dict[str, Any]) -> str:
    return f"{t['site']}:{t.get('side') or ''}"


def _defaults(k: dict[str, Any], plan: dict[str, Any]) -> tuple[str, list[str]]:
    """The operation and targets the form starts with: the record's, else the plan's first
    operation (when the plan operates or treats), else none."""
    if k:
        return str(k.get("operation") or ""), [_place_code(t) for t in k.get("targets") or []]
    ops = plan.get("operations") or []
    if not ops or plan.get("decision") not in ("operate", "medical"):
        return "", []
    return str(ops[0]["operation"]), [_place_code(t) for t in ops[0].get("targets") or []]


def consensus_form(v: CaseView, kn: Knowledge, where_: str = "page") -> None:
    """The board's consensus on the case: saved through the store with the version it was shown with."""
    seen = seen_version(v)
    k = v.row.get("consensus") or {}
    plan = v.plan
    ops = [str(o["operation"]) for o in plan.get("operations") or []]
    tests = [str(t["test"]) for t in plan.get("next_tests") or []]
    places = _plan_places(plan)
    prefix = f"mtg_dec_{where_}_{v.meeting_id}_{v.case_id}_{seen}"
    decisions = list(vocabulary_codes("decisions"))
    decision0 = k.get("decision") or plan.get("decision") or decisions[0]
    op0, targets0 = _defaults(k, plan)
    rank = {c: i + 1 for i, c in enumerate(ops)}
    with st.form(key=prefix, border=True):
        decision = st.selectbox(
            "Decision",
            decisions,
            index=decisions.index(decision0) if decision0 in decisions else 0,
            format_func=lambda c: c.upper() + (" (the plan's)" if c == plan.get("decision") else ""),
            key=f"{prefix}_decision",
        )
        op_options = ["", *_first_then_rest(ops, "operations")]
        operation = st.selectbox(
            "Operation",
            op_options,
            index=op_options.index(op0) if op0 in op_options else 0,
            format_func=lambda c: (
                "(none)"
                if not c
                else name("operations", c, kn) + (f" (plan #{rank[c]})" if c in rank else "")
            ),
            key=f"{prefix}_operation",
        )
        place_options = list(dict.fromkeys([*places, *targets0]))
        targets = st.multiselect(
            "Targets",
            place_options,
            default=[t for t in targets0 if t in place_options],
            format_func=lambda t: _place_name(t, kn),
            key=f"{prefix}_targets",
        )
        test_options = _first_then_rest(tests, "tests")
        next_tests = st.multiselect(
            "Next tests",
            test_options,
            default=[t for t in (k.get("next_tests") if k else tests) or [] if t in test_options],
            format_func=lambda c: name("tests", c, kn),
            key=f"{prefix}_tests",
        )
        note = st.text_area("Note", value=k.get("note") or "", key=f"{prefix}_note", height=80)
        people = k.get("attendees") or []
        roles = st.multiselect(
            "Attendees (roles present)",
            list(dict.fromkeys([*ROLES, *(a["role"] for a in people)])),
            default=[a["role"] for a in people],
            key=f"{prefix}_roles",
        )
        names = st.text_input(
            "Names, if the board records them (role=name; role=name)",
            value="; ".join(f"{a['role']}={a['name']}" for a in people if a.get("name")),
            key=f"{prefix}_names",
        )
        follows = st.radio(
            "Against the plan",
            [FOLLOWS, DEPARTS],
            index=0 if k.get("follows_plan", True) else 1,
            horizontal=True,
            key=f"{prefix}_follows",
        )
        reason = st.text_area(
            "Reason for departing (required when the board departs)",
            value=k.get("departure_reason") or "",
            key=f"{prefix}_reason",
            height=68,
        )
        writable = meeting_state.can_write()
        if not writable:
            st.caption("Read-only here: sign in (Meeting page) to record the board's decision.")
        saved = st.form_submit_button("Save the board's decision", type="primary", disabled=not writable)
    if saved:

        def write(expected: int) -> int:
            consensus = Consensus(
                decision=decision,
                follows_plan=follows == FOLLOWS,
                operation=operation or None,
                targets=[_place(t) for t in targets],
                next_tests=list(next_tests),
                note=note.strip() or None,
                attendees=_attendees(roles, names),
                departure_reason=(reason.strip() or None) if follows == DEPARTS else None,
            )
            consensus.check()
            check_against_plan(plan, consensus)
            return meeting_state.store().decide(
                v.meeting_id, v.case_id, consensus, by=meeting_state.by(), expected_version=expected
            )

        _save(v, write, "board's decision")


def outcome_form(v: CaseView, kn: Knowledge) -> None:
    """The outcome, recorded after the operation: done, found where, histology, cured at six months."""
    seen = seen_version(v)
    o = v.row.get("outcome") or {}
    prefix = f"mtg_out_{v.meeting_id}_{v.case_id}_{seen}"
    ops = ["", *vocabulary_codes("operations")]
    sites = ["", *vocabulary_codes("sites")]
    sides = ["", *vocabulary_codes("sides")]
    pathologies = ["", *vocabulary_codes("pathologies")]
    cured_words = list(CURED)
    cured0 = next((w for w, b in CURED.items() if b == o.get("cured")), "unknown")

    def idx(options: list[str], value: Any) -> int:
        return options.index(value) if value in options else 0

    with st.form(key=prefix, border=True):
        operation = st.selectbox(
            "Operation done",
            ops,
            index=idx(ops, o.get("operation")),
            format_func=lambda c: name("operations", c, kn) if c else "(not recorded)",
            key=f"{prefix}_op",
        )
        site = st.selectbox(
            "Site found",
            sites,
            index=idx(sites, o.get("found_site")),
            format_func=lambda c: name("sites", c, kn) if c else "(nothing found)",
            key=f"{prefix}_site",
        )
        side = st.selectbox(
            "Side", sides, index=idx(sides, o.get("found_side")), format_func=lambda c: c or "(none)",
            key=f"{prefix}_side",
        )  # fmt: skip
        histology = st.selectbox(
            "Histology",
            pathologies,
            index=idx(pathologies, o.get("histology")),
            format_func=lambda c: name("pathologies", c, kn) if c else "(not recorded)",
            key=f"{prefix}_hist",
        )
        cured = st.radio(
            "Cured at six months", cured_words, index=cured_words.index(cured0), horizontal=True,
            key=f"{prefix}_cured",
        )  # fmt: skip
        saved = st.form_submit_button("Save the outcome", disabled=not meeting_state.can_write())
    if saved:
        outcome = Outcome(
            operation=operation or None,
            found_site=site or None,
            found_side=side or None,
            histology=histology or None,
            cured=CURED[cured],
            also_found=o.get("also_found"),
        )
        _save(
            v,
            lambda expected: meeting_state.store().record_outcome(
                v.meeting_id, v.case_id, outcome, by=meeting_state.by(), expected_version=expected
            ),
            "outcome",
        )
