"""What if: a hypothetical finding is written in the contract's shape and moves the plan; the page
shows both plans in full, starts on a study not yet done, and warns against a contraindicated test."""

from __future__ import annotations

import re
from html import escape

import pytest
from streamlit.testing.v1 import AppTest

from kg.knowledge import knowledge
from ontology.paths import REPO_ROOT
from planner.next_tests import contraindicated
from ui.cases import examples, load_example, plan_case
from ui.editor_model import enum
from ui.names import name, words
from ui.whatif import (
    KIND_TESTS,
    add_fna,
    add_imaging,
    add_venous_sampling,
    compare,
    default_kind,
    default_modality,
    done_studies,
    last_day,
    latest_pth,
    plan_change,
)

APP = str(REPO_ROOT / "ui" / "app.py")


def test_positive_study_at_a_site_raises_it() -> None:
    case = load_example("ex-12-negative-imaging")
    now = plan_case(case).plan
    target = now["locations"][2]
    then_case = add_imaging(case, "fch_pet_ct", "positive", target["site"], target["side"])
    assert then_case["imaging"][-1]["day"] == last_day(case) + 1
    then = plan_case(then_case).plan
    assert then is not None
    change = next(c for c in compare(now, then) if (c.site, c.side) == (target["site"], target["side"]))
    assert change.p_then > change.p_now and change.rank_then < change.rank_now
    assert change.movement.startswith("▲")
    assert case == load_example("ex-12-negative-imaging")  # the current case is untouched


def test_every_hypothetical_finding_is_a_valid_case() -> None:
    case = load_example("ex-04-missing-left-inferior")
    value, unit = latest_pth(case)
    for new in (
        add_venous_sampling(case, "thymic_vein", "midline", value * 3, value, unit),
        add_fna(case, "perrier_F", "left", value * 10, value, unit, "parathyroid"),
        add_imaging(case, "mri_4d", "negative", None, None),
    ):
        assert plan_case(new).ok


# ------------------------------------------------------------------ defaults: a study not yet done

MODALITIES = list(enum("imaging", "[]", "modality"))
SENSITIVITY = {m: knowledge().performance[m].sensitivity for m in MODALITIES if m in knowledge().performance}


@pytest.mark.parametrize("case_id", [e.case_id for e in examples()])
def test_the_default_finding_is_a_study_the_case_does_not_have(case_id: str) -> None:
    case = load_example(case_id)
    plan = plan_case(case).plan
    done = done_studies(case)
    kind = default_kind(case, plan, MODALITIES)
    modality = default_modality(case, plan, MODALITIES, SENSITIVITY)
    if any(m not in done for m in MODALITIES):
        assert modality not in done, (case_id, modality)
    if kind != "imaging":
        assert KIND_TESTS[kind] not in done
    suggested = [t["test"] for t in plan["next_tests"] if t["test"] in MODALITIES and t["test"] not in done]
    if suggested:  # the plan's own suggestion first
        assert modality == suggested[0]


def test_with_nothing_suggested_the_most_sensitive_study_left_is_the_default() -> None:
    case = load_example("ex-08-hard-mass-hoarse")  # ultrasound, SPECT/CT and 4D-CT done
    plan = plan_case(case).plan
    left = [m for m in MODALITIES if m not in done_studies(case)]
    assert default_modality(case, plan, MODALITIES, SENSITIVITY) == max(left, key=lambda m: SENSITIVITY[m])


# ------------------------------------------------------------------ the page, under AppTest


def what_if(case_id: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    at.switch_page("views/what_if.py").run()
    at.query_params["case"] = case_id
    return at.run()


def plan_block(at: AppTest, which: str) -> str:
    blocks = [h.value for h in at.html if f'data-plan="{which}"' in h.value]
    assert len(blocks) == 1, which
    return blocks[0]


def test_both_plans_stand_side_by_side_with_operations_tests_and_warnings() -> None:
    at = what_if("ex-12-negative-imaging")
    assert not at.exception, [e.value for e in at.exception]
    case = load_example("ex-12-negative-imaging")
    plan = plan_case(case).plan
    # the form opens on the plan's first suggested study that the case does not have
    assert default_kind(case, plan, MODALITIES) == "venous_sampling"
    assert at.radio(key="wi_kind").value == "Venous-sampling gradient"
    for which in ("now", "then"):
        block = plan_block(at, which)
        assert 'id="decision-banner"' in block and 'id="pr-ranked-locations"' in block
        assert 'id="pr-ranked-operations"' in block and 'id="pr-next-tests"' in block
    now = plan_block(at, "now")
    assert f'data-operation="{plan["operations"][0]["operation"]}"' in now
    for t in plan["next_tests"]:
        assert f'data-test="{t["test"]}"' in now
    # an imaging study: the default is one not done, and the new plan is the planner's for that case
    at.radio(key="wi_kind").set_value("Imaging result").run()
    modality = at.selectbox(key="wi_modality").value
    assert modality not in done_studies(case) and modality == "methionine_pet"
    at.radio(key="wi_result").set_value("positive").run()
    top = plan["locations"][0]
    then = plan_case(add_imaging(case, modality, "positive", top["site"], top["side"])).plan
    block = plan_block(at, "then")
    for op in then["operations"][:3]:
        assert f'data-operation="{op["operation"]}"' in block
    assert [t["test"] for t in then["next_tests"][:4]] == re.findall(r'data-test="(\w+)"', block)
    for w in then["warnings"]:
        assert escape(words(w)) in block
    changes = next(h.value for h in at.html if "wi-changes" in h.value)
    expected = plan_change(plan, then)
    assert expected.any and int(re.search(r'data-changes="(\d+)"', changes).group(1)) >= 1
    for t in expected.tests_dropped:
        assert f"No longer needed: {escape(name('tests', t, knowledge()))}" in changes
    if expected.targets_changed:
        assert "Targets: " in changes


def test_an_fna_of_a_suspected_carcinoma_is_warned_against() -> None:
    at = what_if("ex-08-hard-mass-hoarse")
    assert not at.exception, [e.value for e in at.exception]
    assert at.radio(key="wi_kind").value == "Imaging result"  # never an FNA by default
    assert not any("needle" in w.value for w in at.warning)
    at.radio(key="wi_kind").set_value("FNA with PTH washout").run()
    plan = plan_case(load_example("ex-08-hard-mass-hoarse")).plan
    kn = knowledge()
    withheld = contraindicated(
        kn, "fna_pth_washout", {c["cause"]: c["probability"] for c in plan["suspected_causes"]}
    )
    assert withheld is not None
    assert withheld.warning(kn) in [w.value for w in at.warning]
    assert "seed" in withheld.warning(kn)  # the graph's reason: a needle can seed a carcinoma
