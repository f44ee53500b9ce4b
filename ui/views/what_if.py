"""What if: add a hypothetical finding to the current case and see the ranking change, next to the
current one — the surgeon's way to judge which test is worth doing."""

from __future__ import annotations

from typing import Any

import streamlit as st

from kg.traversal import veins_draining
from planner.next_tests import contraindicated
from planner.places import side_of
from ui import state
from ui.diagram import diagram_input, neck_svg
from ui.editor_model import enum
from ui.fragments import LOCATIONS_NOTE, banner_html, locations_html, sources_html
from ui.names import MODALITY_TAGS, name, pct, where
from ui.whatif import add_fna, add_imaging, add_venous_sampling, compare, latest_pth

KINDS = ("Imaging result", "Venous-sampling gradient", "FNA with PTH washout")


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


def hypothetical(case: dict[str, Any], plan: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The form; returns the case with the finding and a sentence naming the finding."""
    kn = state.kn()
    top = (plan.get("locations") or [{}])[0]
    kind = st.radio("Hypothetical finding", KINDS, key="wi_kind", horizontal=True)
    pth = latest_pth(case) or (100.0, "pg/mL")
    if kind == KINDS[0]:
        modalities = list(enum("imaging", "[]", "modality"))
        suggested = next((t["test"] for t in plan.get("next_tests", []) if t["test"] in modalities), "ct_4d")
        a, b = st.columns(2)
        with a:
            modality = st.selectbox(
                "Modality",
                modalities,
                index=modalities.index(suggested),
                key="wi_modality",
                format_func=lambda m: name("modalities", m, kn),
            )
            result = st.radio(
                "Result", list(enum("imaging", "[]", "result")), key="wi_result", horizontal=True
            )
        with b:
            site, side = _site_side("wi_im", top.get("site"), top.get("side"))
        return (
            add_imaging(case, modality, result, site, side),
            f"{name('modalities', modality, kn)} {result} at {where(site, side, kn)}",
        )
    if kind == KINDS[1]:
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
    causes = {c["cause"]: c["probability"] for c in plan.get("suspected_causes", [])}
    withheld = contraindicated(kn, "fna_pth_washout", causes)
    if withheld is not None:  # the planner's own rule: it would not offer this test today
        st.warning(withheld.warning(kn), icon="⚠️")
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


def main() -> None:
    kn = state.kn()
    st.markdown("### What if")
    st.caption(
        "Add one hypothetical finding to the current case: the planner re-plans and the two rankings "
        "stand side by side. A test is worth doing when its result would change the plan."
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
    now_col, then_col = st.columns(2, gap="large")
    with now_col:
        st.markdown("#### Now")
        st.html(banner_html(plan, kn))
        if line := sources_html(plan):  # none when the plan has no locations
            st.html(line)
        st.html(locations_html(plan, kn, limit=6))
        st.markdown(
            f'<div class="pr-diagram">{neck_svg(diagram_input(case, plan, kn), kn.sites, legend=False)}'
            "</div>",
            unsafe_allow_html=True,
        )
    with then_col:
        st.markdown(f"#### With {sentence}")
        st.html(banner_html(then.plan, kn))
        if line := sources_html(then.plan):  # none when the plan has no locations
            st.html(line)
        st.html(locations_html(then.plan, kn, limit=6))
        svg = neck_svg(diagram_input(new_case, then.plan, kn), kn.sites, legend=False)
        st.markdown(f'<div class="pr-diagram">{svg}</div>', unsafe_allow_html=True)
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
