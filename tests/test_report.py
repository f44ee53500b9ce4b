"""The chart-ready report as HTML: self-contained, dated, versioned, no identifier, the board's
decision, and an appendix that explains exactly what the pages show."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html import escape
from html.parser import HTMLParser

import pytest

from kg.knowledge import knowledge
from ui.cases import examples, load_example, plan_case
from ui.names import name
from ui.report import report_html
from ui.report_parts import ID_FIELDS, Shown

WHEN = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
CONSENSUS = {
    "decision": "investigate",
    "operation": None,
    "targets": [],
    "next_tests": ["fch_pet_ct"],
    "note": "repeat calcium first",
    "attendees": [{"role": "surgeon", "name": "A. Lee"}, {"role": "radiologist"}],
    "follows_plan": False,
    "departure_reason": "a PET before a retro-oesophageal exploration",
    "decided_at": datetime(2026, 3, 14, 10, 5, tzinfo=UTC),
    "decided_by": "A. Lee",
}


class _Tags(HTMLParser):
    """Start tags with their attributes, and the text inside the identifier block."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.depth = 0
        self.id_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if a.get("id") == "rp-identifier" or self.depth:
            self.depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))  # a void element (<input/>): no depth

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.id_text.append(data)


def render(case_id: str, **kw) -> tuple[dict, dict, str]:
    case = load_example(case_id)
    plan = plan_case(case).plan
    assert plan is not None
    return case, plan, report_html(case, plan, knowledge(), planned_at=WHEN, **kw)


def explained(html: str) -> dict[str, set[str]]:
    """What the appendix explains: kind -> ids (gate ids, place ranks, operation and test codes)."""
    out: dict[str, set[str]] = {"gate": set(), "location": set(), "operation": set(), "test": set()}
    for kind, ident in re.findall(r'data-explains="(\w+)" data-id="([^"]+)"', html):
        out[kind].add(ident)
    return out


@pytest.mark.parametrize("case_id", [e.case_id for e in examples()])
def test_report_is_self_contained_and_explains_only_what_it_shows(case_id: str) -> None:
    case, plan, html = render(case_id)
    parser = _Tags()
    parser.feed(html)
    names = [t for t, _ in parser.tags]
    assert not {"script", "link", "iframe", "img", "object", "embed"} & set(names)
    assert not re.search(r"\bsrc\s*=", html) and not re.search(r"url\((?!#)", html)  # only in-page refs
    assert "@page" in html and "counter(pages)" in html  # page N of M on every printed page
    assert "2026-03-14 09:30 UTC" in html and plan["ontology_version"] in html
    assert 'id="decision-banner"' in html and f'data-decision="{plan["decision"]}"' in html
    assert 'id="neck-diagram"' in html and 'id="pr-summary"' in html
    shown = Shown.of(plan)
    assert explained(html) == {
        "gate": {g["id"] for g in plan["gates"]},
        "location": {str(loc["rank"]) for loc in shown.locations},
        "operation": {op["operation"] for op in shown.operations},
        "test": {t["test"] for t in shown.next_tests},
    }
    for loc in shown.locations:  # every shown place's chain, with its graph IRIs
        for fact in loc["explanation"]:
            if fact.get("iri"):
                assert fact["iri"] in html
    if plan.get("operations"):
        assert f'data-operation="{plan["operations"][0]["operation"]}"' in html
    if plan.get("iopth_plan"):
        assert 'id="rp-iopth"' in html
    # no free text that could name the patient (unless the planner itself quotes it as a reason)
    quoted = json.dumps(plan, ensure_ascii=False)
    for text in (case.get("title"), case.get("note"), (case.get("patient") or {}).get("note")):
        if text and text not in quoted:
            assert escape(text) not in html and text not in html


@pytest.mark.parametrize("case_id", ["ex-04-missing-left-inferior", "ex-12-negative-imaging"])
def test_the_identifier_block_is_blank_fields_the_app_never_fills(case_id: str) -> None:
    case, plan, html = render(case_id, consensus=CONSENSUS)
    parser = _Tags()
    parser.feed(html)
    inputs = [a for t, a in parser.tags if t == "input"]
    assert [a["id"] for a in inputs] == [fid for fid, _ in ID_FIELDS]
    assert all("value" not in a and a.get("autocomplete") == "off" for a in inputs)
    block = " ".join(parser.id_text)
    for _, label in ID_FIELDS:
        assert label in block
    assert case["id"] not in block and str(case["patient"].get("age")) not in block
    assert "never stores or writes" in block


def test_places_past_the_list_are_neither_shown_nor_explained() -> None:
    _, plan, html = render("ex-12-negative-imaging")
    shown = Shown.of(plan)
    assert len(plan["locations"]) > len(shown.locations)
    listed = [int(r) for r in re.findall(r'class="pr-loc" data-rank="(\d+)"', html)]
    assert listed == [loc["rank"] for loc in shown.locations]
    hidden = plan["locations"][len(shown.locations) :]
    seen = (*shown.gates, *shown.locations, *shown.operations, *shown.next_tests)
    only_hidden = {f["iri"] for loc in hidden for f in loc["explanation"] if f.get("iri")} - {
        f.get("iri") for item in seen for f in item.get("explanation") or []
    }
    for iri in only_hidden:
        assert iri not in html
    assert "Not listed:" in html  # the rest are counted


def test_the_appendix_lists_each_source_of_the_shown_chains_once() -> None:
    _, plan, html = render("ex-04-missing-left-inferior")
    shown = Shown.of(plan)
    sources = {
        f["source"]
        for item in (*shown.gates, *shown.locations, *shown.operations, *shown.next_tests)
        for f in item.get("explanation") or []
        if f.get("source") and f["source"] != "case record"
    }
    block = html.split("<h2>Sources</h2>")[1]
    for s in sources:
        assert block.count(f"<li>{escape(s)}</li>") == 1


def test_without_the_appendix_no_chain_is_printed() -> None:
    _, plan, html = render("ex-04-missing-left-inferior", appendix=False)
    assert 'id="rp-appendix"' not in html and explained(html) == {
        "gate": set(),
        "location": set(),
        "operation": set(),
        "test": set(),
    }
    assert 'id="rp-board"' in html and 'id="rp-identifier"' in html


def test_the_boards_decision_is_printed_with_attendees_and_a_signature_line() -> None:
    _, _, html = render("ex-12-negative-imaging", consensus=CONSENSUS,
                        meeting={"title": "Endocrine tumour board", "date": "2026-03-14"})  # fmt: skip
    board = html.split('id="rp-board"')[1].split("</section>")[0]
    assert 'data-recorded="yes"' in html
    assert "Endocrine tumour board, 2026-03-14" in board
    assert (
        "INVESTIGATE" in board
        and "DEPARTS from the plan: a PET before a retro-oesophageal exploration" in board
    )
    assert "surgeon (A. Lee), radiologist" in board and "repeat calcium first" in board
    assert name("tests", "fch_pet_ct", knowledge()) in board and "fch_pet_ct" not in board  # a label
    assert "Signature" in board and "2026-03-14 10:05 UTC" in board


def test_an_undecided_case_gets_lines_to_fill_in() -> None:
    _, _, html = render("ex-04-missing-left-inferior")
    board = html.split('id="rp-board"')[1].split("</section>")[0]
    assert 'data-recorded="no"' in html
    for label in ("Decision", "Operation and targets", "Next tests", "Attendees (role, name)", "Signature"):
        assert label in board


def test_a_hostile_case_id_cannot_leave_the_page_header() -> None:
    case = load_example("ex-04-missing-left-inferior")
    plan = dict(plan_case(case).plan, case_id='x"}</style><script>alert(1)</script>')
    html = report_html(case, plan, knowledge(), planned_at=WHEN)
    assert "<script" not in html
    style = html.split("<style>")[1].split("</style>")[0]
    assert "@top-left{content:" in style and '"}' not in style.split("@top-left{content:")[1][:40]
