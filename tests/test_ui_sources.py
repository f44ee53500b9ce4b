"""What a surgeon reads of the set-of-sources plan (issue 11): each place's own chance, the number
of separate sources, and the operations that go together as one plan — on the real fixtures."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from kg.knowledge import knowledge
from ui.board import KEY_TEXT, SEVERAL_FLAG, headline
from ui.cases import examples, load_example, plan_case
from ui.diagram import diagram_input, neck_svg
from ui.fragments import (
    LOCATIONS_NOTE,
    locations_html,
    operations_html,
    source_pct,
    sources_text,
    together_text,
)
from ui.names import words
from ui.report import report_html
from ui.text_report import render

SET_CASES = Path(__file__).parent / "fixtures" / "set_cases"
TWO_FOCI = "sc-01-double-adenoma-lower-pole-and-fna-intrathyroidal"
DISCORDANT = "sc-13-discordant-4dct-carotid-sheath-vs-choline-thymus"


@cache
def _planned(case_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    path = SET_CASES / f"{case_id}.json"
    case = json.loads(path.read_text(encoding="utf-8")) if path.exists() else load_example(case_id)
    plan = plan_case(case).plan
    assert plan is not None, case_id
    return case, plan


def planned(case_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    case, plan = _planned(case_id)
    return json.loads(json.dumps(case)), json.loads(json.dumps(plan))


def text(html: str) -> str:
    """The words of an HTML fragment, as read (no markup, no attributes)."""
    html = re.sub(r"<(title|style)>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&lt;", "<").replace("&gt;", ">")


def expected_sources(plan: dict[str, Any]) -> str:
    s = plan["sources"]
    return f"One source {source_pct(s['1'])} · two {source_pct(s['2'])} · three or more {source_pct(s['3+'])}"


def test_two_proven_foci_read_as_two_sources_and_several_glands() -> None:
    """sc-01: two separately localized foci; the chances add to far more than 100% and say so."""
    case, plan = planned(TWO_FOCI)
    src = plan["sources"]
    assert src["2"] + src["3+"] >= 0.5, src  # the fixture's meaning: mostly two or more sources
    assert sum(loc["probability"] for loc in plan["locations"]) > 1.5
    assert sources_text(plan) == expected_sources(plan)
    assert sources_text(plan).startswith("One source ") and " · two " in sources_text(plan)
    assert SEVERAL_FLAG in headline(plan, case, knowledge())


def test_one_source_leading_has_no_several_flag() -> None:
    """sc-13: two disagreeing studies, but one source still leads: no "several glands" flag."""
    case, plan = planned(DISCORDANT)
    assert plan["sources"]["1"] > 0.5
    assert SEVERAL_FLAG not in headline(plan, case, knowledge())
    assert sources_text(plan) == expected_sources(plan)


def test_shares_of_sources_never_read_certain() -> None:
    assert source_pct(1.0) == ">99%" and source_pct(0.0) == "<1%"
    _, plan = planned("ex-07-men1-forearm-graft")
    assert "100%" not in sources_text(plan) and " 0%" not in sources_text(plan)


def test_no_plan_sources_no_line() -> None:
    _, plan = planned("ex-01-low-urine-calcium-family")
    assert sources_text(plan) == ""


def test_together_with_reads_as_one_plan() -> None:
    """The leading operation and those that go with it: one sentence on the list, one item on the wall."""
    kn = knowledge()
    _, plan = planned(TWO_FOCI)
    lead = plan["operations"][0]
    assert lead["together_with"], lead
    sentence = together_text(lead, kn)
    assert re.match(r"^[A-Z].* together with .*: one sitting or staged$", sentence), sentence
    full = text(operations_html(plan, kn))
    assert f"One plan: {sentence}." in full
    partner = next(op for op in plan["operations"] if op["operation"] == lead["together_with"][0])
    assert f"goes with {lead['rank']}." in full and partner["rank"] != lead["rank"]
    wall = operations_html(plan, kn, limit=1, details=False)
    assert wall.count('<li class="pr-op') == 1  # one item: the one plan
    assert "one sitting or staged" in text(wall)
    for op in (lead, partner):  # each operation of the plan with its own targets
        assert kn.label("operations", op["operation"]).lower() in text(wall).lower()


def test_operation_alone_has_no_together_line() -> None:
    _, plan = planned("ex-04-missing-left-inferior")
    assert not any(op.get("together_with") for op in plan["operations"])
    html = operations_html(plan, knowledge())
    assert "One plan" not in html and "together with" not in html


@pytest.mark.parametrize("case_id", [TWO_FOCI, DISCORDANT, "ex-12-negative-imaging"])
def test_locations_are_chances_not_shares(case_id: str) -> None:
    """Each row says it is the place's own chance; no total, no "remaining", no share of one whole."""
    kn = knowledge()
    case, plan = planned(case_id)
    html = locations_html(plan, kn)
    rows = html.count('class="pr-loc"')
    assert html.count("chance that this place holds overactive tissue") == 2 * rows  # row title and gauge
    words_read = text(html)
    for bad in ("total", "remaining", "of the probability", "100% in all", "sum"):
        assert bad not in words_read.lower(), bad
    assert "add up" in LOCATIONS_NOTE and "100%" not in LOCATIONS_NOTE
    svg = neck_svg(diagram_input(case, plan, kn), kn.sites)
    assert "Chance of tissue here" in svg and "Probability:" not in svg
    assert "chance of tissue there" in KEY_TEXT


def test_cause_part_of_a_place_reads_as_that_places_chance() -> None:
    assert words("As multiglandular disease: 97% of the probability here") == (
        "As multiglandular disease: 97% of this place's chance"
    )


def test_report_shows_sources_and_the_one_plan() -> None:
    kn = knowledge()
    case, plan = planned(TWO_FOCI)
    html = report_html(case, plan, kn)
    read = text(html)
    assert f"How many sources: {expected_sources(plan)}" in read
    assert together_text(plan["operations"][0], kn) in read
    assert LOCATIONS_NOTE in read and "of the probability" not in read
    assert SEVERAL_FLAG in read
    assert html.count("<h2>Sources</h2>") == 1  # the citations keep their heading


def test_text_report_has_sources_and_together() -> None:
    _, plan = planned(TWO_FOCI)
    out = render(plan, knowledge())
    assert f"sources: {expected_sources(plan)}" in out
    assert "one plan with bilateral re-exploration: one sitting or staged" in out


@pytest.mark.parametrize("case_id", [e.case_id for e in examples()])
def test_every_example_reads_sources_in_words(case_id: str) -> None:
    _, plan = planned(case_id)
    assert bool(sources_text(plan)) == bool(plan.get("locations"))
