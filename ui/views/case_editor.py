"""Case editor: enter or edit a case with the contract's codes as choices, see each validation
error next to its field, download the case as JSON, and see its plan at once."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from ui import state
from ui.cases import case_json
from ui.editor_model import (
    Built,
    Column,
    Placed,
    case_to_tables,
    enum,
    route_problems,
    tables_spec,
    tables_to_case,
)
from ui.fragments import banner_html, gates_html, locations_html, next_tests_html, operations_html

TABLE_TITLES: dict[str, tuple[str, str]] = {
    "operations": ("Previous operations", "One row per operation, oldest first; the last one is day 0."),
    "glands": ("Gland record", "Each gland seen or sought, with the number of its operation (op)."),
    "iopth": ("IOPTH samples", "Minutes relative to the excision of the last gland (negative = baseline)."),
    "labs": ("Laboratory values", "With their unit and, where the lab gives one, its reference range."),
    "imaging": (
        "Imaging",
        "One row per study result; a negative study without a site covers the whole neck.",
    ),
    "venous_sessions": ("Venous sampling sessions", "Unit and peripheral PTH of each session."),
    "venous_samples": ("Venous samples", "Each vein sampled, with the number of its session."),
    "fna": ("FNA with PTH washout", "Washout and serum PTH in the same unit."),
}


def _key(name: str) -> str:
    return f"ed{st.session_state.get('editor_version', 0)}_{name}"


def load_into_editor(case: Any) -> None:
    """Start editing ``case`` (a raw dict): new widget keys, so every field shows the new values."""
    st.session_state["editor_case"] = case if isinstance(case, dict) else {}
    st.session_state["editor_version"] = int(st.session_state.get("editor_version", 0)) + 1


def _column_config(cols: tuple[Column, ...]) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for c in cols:
        label = c.key.replace("_", " ")
        if c.kind == "code":
            config[c.key] = st.column_config.SelectboxColumn(label, options=list(c.enum))
        elif c.kind == "list":
            config[c.key] = st.column_config.MultiselectColumn(label, options=list(c.enum))
        elif c.kind == "int":
            config[c.key] = st.column_config.NumberColumn(label, step=1, format="%d")
        elif c.kind == "float":
            config[c.key] = st.column_config.NumberColumn(label)
        elif c.kind == "bool":
            config[c.key] = st.column_config.CheckboxColumn(label)
        else:
            config[c.key] = st.column_config.TextColumn(label)
    return config


def _frame(rows: list[dict[str, Any]], cols: tuple[Column, ...]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=[c.key for c in cols])
    for c in cols:
        if c.kind in ("code", "str"):
            frame[c.key] = frame[c.key].astype("object")
        elif c.kind in ("int", "float"):
            frame[c.key] = pd.to_numeric(frame[c.key], errors="coerce")
        elif c.kind == "bool":
            frame[c.key] = frame[c.key].astype("boolean")
        elif c.kind == "list":
            frame[c.key] = pd.Series(
                [list(v) if isinstance(v, (list, tuple)) else [] for v in frame[c.key]], dtype="object"
            )
    return frame


def table_editor(name: str, rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], Any]:
    cols = tables_spec()[name]
    title, help_text = TABLE_TITLES[name]
    st.markdown(f"**{title}** — {help_text}")
    edited = st.data_editor(
        _frame(rows, cols),
        key=_key(f"table_{name}"),
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        column_config=_column_config(cols),
    )
    slot = st.container()
    return edited.to_dict("records"), slot


def _choice(label: str, options: tuple[str, ...], value: Any, key: str) -> Any:
    opts: list[Any] = [None, *options]
    if value is not None and value not in opts:
        opts.append(value)  # an invalid uploaded code stays visible (and its error next to it)
    return st.selectbox(
        label,
        opts,
        index=opts.index(value),
        key=_key(key),
        format_func=lambda v: "—" if v is None else str(v),
    )


def _multi(label: str, options: tuple[str, ...], value: Any, key: str) -> list[str]:
    current = [v for v in (value or []) if isinstance(v, str)]
    opts = list(options) + [v for v in current if v not in options]
    return st.multiselect(label, opts, default=current, key=_key(key))


def patient_form(case: dict[str, Any], slots: dict[str, Any]) -> dict[str, Any]:
    pat = case.get("patient") if isinstance(case.get("patient"), dict) else {}
    out: dict[str, Any] = {}
    a, b, c = st.columns(3)
    with a:
        age = pat.get("age")
        out["age"] = st.number_input(
            "Age",
            min_value=0,
            max_value=120,
            step=1,
            value=int(age) if isinstance(age, (int, float)) and 0 <= age <= 120 else None,
            key=_key("age"),
        )
        slots["patient.age"] = st.empty()
        out["sex"] = _choice("Sex", enum("patient", "sex"), pat.get("sex"), "sex")
        slots["patient.sex"] = st.empty()
        out["vocal_cord_paralysis"] = _choice(
            "Vocal cord paralysis (side)",
            enum("patient", "vocal_cord_paralysis"),
            pat.get("vocal_cord_paralysis"),
            "vcp",
        )
        slots["patient.vocal_cord_paralysis"] = st.empty()
    with b:
        out["syndromes"] = _multi(
            "Syndromes", enum("patient", "syndromes"), pat.get("syndromes"), "syndromes"
        )
        slots["patient.syndromes"] = st.empty()
        out["medications"] = _multi(
            "Medications", enum("patient", "medications"), pat.get("medications"), "meds"
        )
        slots["patient.medications"] = st.empty()
    with c:
        out["surgical_candidate"] = st.checkbox(
            "Surgical candidate (fit for and willing to have surgery)",
            value=pat.get("surgical_candidate", True) is not False,
            key=_key("candidate"),
        )
        out["family_history_hypercalcemia"] = st.checkbox(
            "Family history of hypercalcaemia",
            value=bool(pat.get("family_history_hypercalcemia")),
            key=_key("family"),
        )
        out["palpable_neck_mass"] = st.checkbox(
            "Palpable neck mass", value=bool(pat.get("palpable_neck_mass")), key=_key("mass")
        )
        out["note"] = st.text_input("Patient note", value=str(pat.get("note") or ""), key=_key("pnote"))
        slots["patient.note"] = st.empty()
    slots["patient"] = st.empty()
    return out


def show_placed(placed: list[Placed], slots: dict[str, Any], top: Any) -> None:
    by_slot: dict[str, list[Placed]] = {}
    for p in placed:
        by_slot.setdefault(p.slot if p.slot in slots else "(case)", []).append(p)
    for slot, items in by_slot.items():
        target = slots.get(slot, top)
        with target.container():
            for p in items:
                st.error(p.text() if slot != "(case)" else f"{p.slot}: {p.text()}", icon=":material/error:")


def main() -> None:
    kn = state.kn()
    if "editor_case" not in st.session_state or st.session_state.pop("editor_load", False):
        case, _, _ = state.current_case()
        load_into_editor(case)
    st.markdown("### Case editor")
    st.caption(
        "Codes come from the contract (shared/contract). Every change is validated and planned at once."
    )
    b1, b2, _ = st.columns([2, 2, 5])
    if b1.button("Load the case on the board", key="ed_load_board"):
        case, _, _ = state.current_case()
        load_into_editor(case)
        st.rerun()
    if b2.button("New blank case", key="ed_new"):
        load_into_editor({"id": "new-case"})
        st.rerun()
    source: dict[str, Any] = st.session_state["editor_case"]
    try:
        tables = case_to_tables(source)
    except (AttributeError, TypeError, KeyError) as exc:
        st.error(f"The case's structure cannot be shown in the editor ({exc}); starting from a blank case.")
        source, tables = {"id": "new-case"}, case_to_tables({"id": "new-case"})
    top = st.container()
    slots: dict[str, Any] = {}
    st.markdown("#### Case")
    c1, c2 = st.columns([1, 3])
    with c1:
        header = {
            "id": st.text_input(
                "Case id (no patient name)", value=str(source.get("id") or ""), key=_key("id")
            )
        }
        slots["id"] = st.empty()
    with c2:
        header["title"] = st.text_input("Title", value=str(source.get("title") or ""), key=_key("title"))
        slots["title"] = st.empty()
    st.markdown("#### Patient")
    patient = patient_form(source, slots)
    edited: dict[str, list[dict[str, Any]]] = {}
    st.markdown("#### Previous operations")
    for name in ("operations", "glands", "iopth"):
        edited[name], slots[name] = table_editor(name, tables[name])
    st.markdown("#### Laboratory values")
    edited["labs"], slots["labs"] = table_editor("labs", tables["labs"])
    st.markdown("#### Localization studies")
    for name in ("imaging", "venous_sessions", "venous_samples", "fna"):
        edited[name], slots[name] = table_editor(name, tables[name])
    header["note"] = st.text_area("Case note", value=str(source.get("note") or ""), key=_key("note"))
    slots["note"] = st.empty()

    built: Built = tables_to_case(header, patient, edited)
    outcome = state.plan(built.case)
    placed = route_problems(outcome.problems, built)
    show_placed(placed, slots, top)
    with top:
        if placed:
            st.error(
                f"{len(placed)} problem(s): each is shown next to its field below. Nothing is planned until "
                "they are fixed.",
                icon=":material/error:",
            )
        elif outcome.plan is not None:
            st.success("Valid case — planned below.", icon=":material/check_circle:")
    st.divider()
    d1, d2, _ = st.columns([2, 2, 5])
    d1.download_button(
        "Download case (JSON)",
        data=case_json(built.case),
        file_name=f"{built.case.get('id') or 'case'}.json",
        mime="application/json",
        icon=":material/download:",
        key="ed_download",
    )
    if d2.button("Show on the case board", key="ed_to_board", disabled=bool(placed)):
        state.set_case(built.case, "the case editor")
        st.switch_page("views/case_board.py")
    if outcome.plan is not None and not placed:
        plan = outcome.plan
        st.markdown("#### Plan")
        st.html(banner_html(plan, kn) + gates_html(plan, kn))
        left, right = st.columns(2)
        with left:
            st.html("<b>Ranked locations</b>" + locations_html(plan, kn, limit=6))
        with right:
            st.html(
                "<b>Operations</b>"
                + operations_html(plan, kn, limit=3, details=False)
                + "<b>Next tests</b>"
                + next_tests_html(plan, kn, limit=4)
            )


state.frame()
main()
