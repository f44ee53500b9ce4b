"""The HTML report: self-contained, complete, dated, versioned, without the patient's free text."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html import escape
from html.parser import HTMLParser

import pytest

from kg.knowledge import knowledge
from ui.cases import examples, load_example, plan_case
from ui.report import report_html

WHEN = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def render(case_id: str) -> tuple[dict, dict, str]:
    case = load_example(case_id)
    plan = plan_case(case).plan
    assert plan is not None
    return case, plan, report_html(case, plan, knowledge(), planned_at=WHEN)


@pytest.mark.parametrize("case_id", [e.case_id for e in examples()])
def test_report_is_self_contained_and_complete(case_id: str) -> None:
    case, plan, html = render(case_id)
    parser = _Tags()
    parser.feed(html)
    names = [t for t, _ in parser.tags]
    assert "script" not in names and "link" not in names and "iframe" not in names and "img" not in names
    assert not re.search(r"\bsrc\s*=", html)
    assert "@media print" in html and "@page" in html
    assert "2026-03-14 09:30 UTC" in html
    assert f"ontology version <b>{plan['ontology_version']}</b>" in html
    assert 'id="decision-banner"' in html and f'data-decision="{plan["decision"]}"' in html
    assert 'id="neck-diagram"' in html
    for gate in plan["gates"]:
        assert f'data-gate="{gate["id"]}"' in html
    for op in plan["operations"]:
        assert f'data-operation="{op["operation"]}"' in html
    for loc in plan["locations"]:
        for fact in loc["explanation"]:
            if fact.get("iri"):
                assert fact["iri"] in html
    # no free text that could name the patient (unless the planner itself quotes it as a reason)
    quoted = json.dumps(plan, ensure_ascii=False)
    for text in (case.get("title"), case.get("note"), (case.get("patient") or {}).get("note")):
        if text and text not in quoted:
            assert escape(text) not in html and text not in html


def test_report_lists_every_source_once() -> None:
    _, plan, html = render("ex-04-missing-left-inferior")
    sources = {
        f["source"]
        for loc in plan["locations"]
        for f in loc["explanation"]
        if f.get("source") and f["source"] != "case record"
    }
    block = html.split("<h2>Sources</h2>")[1]
    for s in sources:
        assert block.count(f"<li>{escape(s)}</li>") == 1


def test_report_orders_locations_as_the_plan() -> None:
    _, plan, html = render("ex-12-negative-imaging")
    ranks = [int(r) for r in re.findall(r'class="pr-loc" data-rank="(\d+)"', html)]
    assert ranks == [loc["rank"] for loc in plan["locations"]]
