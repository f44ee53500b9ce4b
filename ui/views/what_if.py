"""What if: add a hypothetical finding to the current case and see the plan change, next to the
current one — the surgeon's way to judge which test is worth doing.

The form starts on a study the case does not have yet (the plan's first suggested one). The two
plans stand side by side in full: the decision, the ranking, the operation and its targets, the
next tests and the warnings, above them a list of what the finding changes; a test the graph
contraindicates for this case (an FNA of a suspected carcinoma) is said so before its result is
imagined."""

from __future__ import annotations

from html import escape
from typing import Any

import streamlit as st

from kg.traversal import veins_draining
from planner.next_tests import contraindicated
from planner.places import side_of
from ui import state
from ui.diagram import diagram_input, neck_svg
from ui.editor_model import enum
from ui.fragments import (
    LOCATIONS_NOTE,
    banner_html,
    gate_rows_html,
    locations_html,
    next_tests_html,
    operations_html,
    sources_html,
    targets_text,
    warnings_html,
)
from ui.names import MODALITY_TAGS, name, pct, where, words
from ui.whatif import (
    add_fna,
    add_imaging,
    add_venous_sampling,
    compare,
    default_kind,
    default_modality,
    done_studies,
    latest_pth,
    plan_change,
)

KINDS = {
    "imaging": "Imaging result",
    "venous_sampling": "Venous-sampling gradient",
    "fna": "FNA with PTH washout",
}


def _site_side(
    prefix: str, default_site: str | None, default_side: str | None, *, needle: bool = False
) -> tuple[str, str | None]:
    kn = state.kn()
    sites = [
        s
        for s in enum("imaging", "[]", "site")
        if not needle or (s in kn.sites and kn.sites[s].needle_reachable)
    ]
    site = st.selectbox(
        "Site",
        sites,
        index=sites.index(default_site) if default_site in sites else 0,
        key=f"{prefix}_site",
        format_func=lambda s: f"{name('sites', s, kn)} ({s})",
    )
    if side_of(kn, site, None) == "midline":
        st.caption("A site without sides: one candidate, midline.")
        return site, "midline"
    sides = ["left", "right"]
    side = st.radio(
        "Side",
        sides,
        index=sides.index(default_side) if default_side in sides else 0,
        key=f"{prefix}_side",
        horizontal=True,
    )
    return site, side


def fresh(case: dict[str, Any]) -> None:
    """A new case starts the form afresh: its defaults are studies that case has not had."""
    cid = str(case.get("id", ""))
    if st.session_state.get("wi_case") != cid:
        for key in [k for k in st.session_state if str(k).startswith("wi_")]:
            del st.session_state[key]
        st.session_state["wi_case"] = cid


def sensitivities(modalities: list[str]) -> dict[str, float]:
    """Each modality's sensitivity from the graph (to start a what-if on the most telling study)."""
    perf = state.kn().performance
    return {m: float(perf[m].sensitivity) for m in modalities if m in perf}


def _contraindication(plan: dict[str, Any], test: str) -> None:
    """The planner's own rule: a suspected cause that withholds this test (an FNA of a suspected
    carcinoma seeds the needle's tract) is said before its result is imagined."""
    kn = state.kn()
    causes = {c["cause"]: c["probability"] for c in plan.get("suspected_causes", [])}
    withheld = contraindicated(kn, test, causes)
    if withheld is not None:
        st.warning(withheld.warning(kn), icon="⚠️")


def hypothetical(case: dict[str, Any], plan: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The form; returns the case with the finding and a sentence naming the finding."""
    kn = state.kn()
    fresh(case)
    top = (plan.get("locations") or [{}])[0]
    modalities = list(enum("imaging", "[]", "modality"))
    done = done_studies(case)
    kinds = list(KINDS)
    label = st.radio(
        "Hypothetical finding",
        list(KINDS.values()),
        index=kinds.index(default_kind(case, plan, modalities)),
        key="wi_kind",
        horizontal=True,
    )
    kind = kinds[list(KINDS.values()).index(label)]
    if done:
        st.caption("Already in the case: " + ", ".join(name("tests", t, kn) for t in sorted(done)) + ".")
    pth = latest_pth(case) or (100.0, "pg/mL")
    if kind == "imaging":
        a, b = st.columns(2)
        with a:
            modality = st.selectbox(
                "Modality",
                modalities,
                index=modalities.index(default_modality(case, plan, modalities, sensitivities(modalities))),
                key="wi_modality",
                format_func=lambda m: name("modalities", m, kn) + (" (already done)" if m in done else ""),
            )
            _contraindication(plan, modality)
            result = st.radio(
                "Result", list(enum("imaging", "[]", "result")), key="wi_result", horizontal=True
            )
        with b:
            site, side = _site_side("wi_im", top.get("site"), top.get("side"))
        return (
            add_imaging(case, modality, result, site, side),
            f"{name('modalities', modality, kn)} {result} at {where(site, side, kn)}",
        )
    if kind == "venous_sampling":
        _contraindication(plan, "selective_venous_sampling")
        veins = list(enum("venous_sampling", "[]", "samples", "[]", "vein"))
        drained = veins_draining(state.graph(), top["site"]) if top.get("site") in kn.sites else []
        midline = top.get("side") not in ("left", "right")
        fitting = [v for v in drained if v in kn.veins and kn.veins[v].paired != midline]
        default_vein = (fitting or drained or veins)[0]
        ratio = kn.param("svs_gradient_ratio").v
        a, b = st.columns(2)
        with a:
            vein = st.selectbox(
                "Vein",
                veins,
                index=veins.index(default_vein),
                key="wi_vein",
                format_func=lambda v: name("veins", v, kn),
            )
            paired = vein in kn.veins and kn.veins[vein].paired
            sides = ["left", "right"] if paired else ["midline", "left", "right"]
            side = st.radio(
                "Side",
                sides,
                key=f"wi_vside_{'paired' if paired else 'single'}",
                horizontal=True,
                index=sides.index(top["side"]) if top.get("side") in sides else 0,
            )
        with b:
            unit = pth[1] if pth[1] in enum("venous_sampling", "[]", "unit") else "pg/mL"
            peripheral = st.number_input(
                f"Peripheral PTH ({unit})", min_value=0.1, value=pth[0], key="wi_periph"
            )
            vein_pth = st.number_input(
                f"PTH in the vein ({unit})",
                min_value=0.0,
                value=round(peripheral * ratio * 1.5, 1),
                key="wi_vpth",
                help=f"Default: 1.5 × the graph's gradient threshold ({ratio:g} × peripheral).",
            )
        return (
            add_venous_sampling(case, vein, side, vein_pth, peripheral, unit),
            f"venous sampling: {name('veins', vein, kn)} ({side}) {vein_pth:g} vs peripheral {peripheral:g} "
            f"(× {vein_pth / peripheral:.1f})",
        )
    _contraindication(plan, "fna_pth_washout")
    a, b = st.columns(2)
    with a:
        reachable = [
            loc
            for loc in plan.get("locations", [])
            if loc["site"] in kn.sites and kn.sites[loc["site"]].needle_reachable
        ]
        first = reachable[0] if reachable else {}
        site, side = _site_side("wi_fna", first.get("site"), first.get("side"), needle=True)
        st.caption("Only sites a neck needle can reach (the graph's needle-reachable sites).")
    with b:
        unit = pth[1] if pth[1] in enum("fna", "[]", "unit") else "pg/mL"
        serum = st.number_input(f"Serum PTH ({unit})", min_value=0.0, value=pth[0], key="wi_serum")
        washout = st.number_input(
            f"Washout PTH ({unit})",
            min_value=0.0,
            value=round(serum * 10, 1),
            key="wi_washout",
            help="Default: ten times the serum PTH.",
        )
        cytology = st.selectbox(
            "Cytology",
            [None, *enum("fna", "[]", "cytology")],
            key="wi_cyto",
            format_func=lambda c: "—" if c is None else c,
        )
    return (
        add_fna(case, site, side, washout, serum, unit, cytology),
        f"FNA washout {washout:g} (serum {serum:g}) at {where(site, side, kn)}",
    )


def sweep(case: dict[str, Any], plan: dict[str, Any]) -> list[dict[str, str]]:
    """A positive result of each imaging test not yet done at each of the three leading sites."""
    kn = state.kn()
    done = {im.get("modality") for im in case.get("imaging", [])}
    rows = []
    for m in enum("imaging", "[]", "modality"):
        if m in done or m not in {t["test"] for t in plan.get("next_tests", [])}:
            continue
        row = {"test (positive)": name("modalities", m, kn)}
        for loc in plan.get("locations", [])[:3]:
            out = state.plan(add_imaging(case, m, "positive", loc["site"], loc.get("side"))).plan
            if out is None:
                continue
            lead = out["locations"][0] if out.get("locations") else None
            row[f"at {where(loc['site'], loc.get('side'), kn)}"] = (
                f"{out['decision'].upper()} · lead {where(lead['site'], lead.get('side'), kn)} "
                f"{pct(float(lead['probability']))} chance"
                if lead
                else out["decision"].upper()
            )
        rows.append(row)
    return rows


def side(case: dict[str, Any], plan: dict[str, Any], which: str) -> None:
    """One plan in full: the decision, the gates that do not pass, the warnings, the number of
    sources and the ranking, the operation (as on the wall: one plan with its targets), the next
    tests; then its diagram."""
    kn = state.kn()
    stopping = [g for g in plan.get("gates", []) if g.get("status") != "pass"]
    parts = [
        banner_html(plan, kn),
        gate_rows_html(stopping, kn),
        warnings_html(plan),
        sources_html(plan),  # "" when the plan has no locations
        locations_html(plan, kn, limit=6),
        '<h4 class="wi-head">Operation</h4>',
        operations_html(plan, kn, limit=3, details=False),
        '<h4 class="wi-head">Next tests</h4>',
        next_tests_html(plan, kn, limit=4),
    ]
    st.html(f'<div class="wi-plan" data-plan="{which}">{"".join(parts)}</div>')
    svg = neck_svg(diagram_input(case, plan, kn), kn.sites, legend=False)
    st.markdown(f'<div class="pr-diagram">{svg}</div>', unsafe_allow_html=True)


def change_lines(now: dict[str, Any], then: dict[str, Any]) -> list[str]:
    """What the finding changes beyond the ranking, in the graph's words (the board acts on these)."""
    kn = state.kn()
    c = plan_change(now, then)
    lines = []
    if c.decision:
        lines.append(f"Decision: {c.decision[0].upper()} → {c.decision[1].upper()}")
    if c.operation:
        a, b = (name("operations", x, kn) if x else "none" for x in c.operation)
        lines.append(f"Operation: {a} → {b}")
    if c.targets_changed:
        lines.append(
            f"Targets: {targets_text(now['operations'][0], kn)} → {targets_text(then['operations'][0], kn)}"
        )
    if c.tests_added:
        lines.append("New next tests: " + ", ".join(name("tests", t, kn) for t in c.tests_added))
    if c.tests_dropped:
        lines.append("No longer needed: " + ", ".join(name("tests", t, kn) for t in c.tests_dropped))
    lines += [f"New warning: {words(w)}" for w in c.warnings_added]
    return lines


def changes_html(now: dict[str, Any], then: dict[str, Any]) -> str:
    """The list of changes, or a line saying the operation and tests stay as they are."""
    lines = change_lines(now, then)
    if not lines:
        return (
            '<div class="wi-changes" data-changes="0"><b>What changes:</b> the decision, the operation '
            "and its targets, and the next tests stay as they are (the ranking may still move).</div>"
        )
    items = "".join(f"<li>{escape(line)}</li>" for line in lines)
    return f'<div class="wi-changes" data-changes="{len(lines)}"><b>What changes:</b><ul>{items}</ul></div>'


def main() -> None:
    kn = state.kn()
    st.markdown("### What if")
    st.caption(
        "Add one hypothetical finding to the current case: the planner re-plans and the two plans "
        "(decision, ranking, operation, next tests, warnings) stand side by side. A test is worth "
        "doing when its result would change the plan."
    )
    case, label, problems = state.current_case()
    outcome = state.plan(case) if not problems else None
    if outcome is None or outcome.plan is None:
        st.error("The current case cannot be planned; fix it in the case editor first.")
        return
    plan = outcome.plan
    st.caption(f"Current case: {label}")
    new_case, sentence = hypothetical(case, plan)
    then = state.plan(new_case)
    if then.plan is None:
        for path, message in then.problems:
            st.error(f"**{path}** — {message}")
        return
    changed = then.plan["decision"] != plan["decision"]
    msg = f"With {sentence}: decision {plan['decision'].upper()} → {then.plan['decision'].upper()}"
    (st.warning if changed else st.info)(msg + (" — the plan changes." if changed else " — same decision."))
    st.html(changes_html(plan, then.plan))
    now_col, then_col = st.columns(2, gap="large")
    with now_col:
        st.markdown("#### Now")
        side(case, plan, "now")
    with then_col:
        st.markdown(f"#### With {sentence}")
        side(new_case, then.plan, "then")
    st.markdown("#### Change in the ranking")
    st.caption(LOCATIONS_NOTE)
    st.dataframe(
        [
            {
                "location": where(c.site, c.side, kn),
                "rank now": c.rank_now,
                "rank with finding": c.rank_then,
                "movement": c.movement,
                "chance now": pct(c.p_now),
                "chance with finding": pct(c.p_then),
                "change (points)": f"{c.delta * 100:+.1f}",
            }
            for c in compare(plan, then.plan)
        ],
        hide_index=True,
        width="stretch",
    )
    with st.expander("Sweep: a positive result of each suggested imaging test at each leading site"):
        rows = sweep(case, plan)
        if rows:
            st.dataframe(rows, hide_index=True, width="stretch")
        else:
            st.caption("No imaging test is among the plan's next tests.")
    st.caption(
        "Tags on the diagrams: "
        + ", ".join(
            f"{v} = {name('modalities', k, kn) if k != 'fna' else 'FNA with PTH washout'}"
            for k, v in MODALITY_TAGS.items()
        )
    )


state.frame()
main()
