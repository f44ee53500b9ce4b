"""The diagram's layout pass: on every case nothing hides anything, nothing is dropped for room, the
legend is legible, the estimated text widths hold in Chromium, and a click enlarges the diagram."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from kg.knowledge import knowledge
from ui.cases import examples, load_example, plan_case
from ui.diagram import (
    BOARD,
    DiagramInput,
    board_findings,
    diagram_input,
    neck_svg,
    site_position,
    zoomable,
)
from ui.diagram.layout import Box, Disc, text_box, text_width
from ui.diagram.model import WIDTH, S
from ui.fragments import shown_locations

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def groups(root: ET.Element, cls: str) -> list[ET.Element]:
    """The ``<g>`` elements of one class (among others)."""
    return [g for g in root.iter(f"{SVG}g") if cls in (g.get("class") or "").split()]


# ---------------------------------------------------------------- the layout: nothing hides anything

FIXTURES = Path(__file__).parent / "fixtures"
#: Groups drawn as one mark (their text is inside them) and as one label box.
MARK_GROUPS = ("candidate", "gland")
BOX_GROUPS = ("tag", "graft", "vein-label", "inset")
BOLD_CLASSES = {"side-label", "removed-label"}


def every_case() -> list[tuple[str, dict]]:
    """The examples, the set cases and the review cases, each as (id, case)."""
    out = [(e.case_id, load_example(e.case_id)) for e in examples()]
    for folder in ("set_cases", "review_cases"):
        for path in sorted((FIXTURES / folder).glob("*.json")):
            case = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(case, dict) and "id" in case:
                out.append((path.stem, case))
    return out


@dataclass(frozen=True)
class Shape:
    """A drawn label (a box) or mark (a disc), in SVG units, with the element it belongs to."""

    kind: str
    owner: str
    box: Box | None = None
    disc: Disc | None = None


def _cls(el: ET.Element) -> set[str]:
    return set((el.get("class") or "").split())


def _text_box(t: ET.Element) -> Box:
    size = float(t.get("font-size"))
    bold = t.get("font-weight") == "bold" or bool(_cls(t) & BOLD_CLASSES)
    return text_box(float(t.get("x")), float(t.get("y")), t.text or "", size, t.get("text-anchor"), bold=bold)


def shapes(svg: str) -> list[Shape]:
    """Every label box and mark disc of the anatomy (not the legend), measured from the SVG itself."""
    root = parse(svg)
    out: list[Shape] = []

    def walk(el: ET.Element, path: str) -> None:
        cls = _cls(el)
        tag = el.tag.removeprefix(SVG)
        if tag == "g" and "legend" in cls:
            return
        if tag == "g" and cls & set(MARK_GROUPS):
            c = el.find(f"{SVG}circle")
            cx, cy, r = (float(c.get(k)) for k in ("cx", "cy", "r"))
            out.append(Shape("mark", path, disc=Disc(cx, cy, r)))
            return
        if tag == "g" and cls & set(BOX_GROUPS):
            rect = el.find(f"{SVG}rect")
            x, y, w, h = (float(rect.get(k)) for k in ("x", "y", "width", "height"))
            out.append(Shape("label", path, box=Box(x, y, x + w, y + h)))
            return
        if tag == "text":
            out.append(Shape("label", path, box=_text_box(el)))
            return
        for i, child in enumerate(el):
            walk(child, f"{path}/{i}")

    walk(root, "")
    return out


def collisions(svg: str) -> list[str]:
    """Pairs that meet: two labels, a label on a mark, or two marks (none is the answer)."""
    items = shapes(svg)
    out = []
    for i, a in enumerate(items):
        for b in items[i + 1 :]:
            if a.box and b.box and a.box.overlaps(b.box, -0.5):
                out.append(f"label {a.owner} {a.box} on label {b.owner} {b.box}")
            elif a.disc and b.disc and a.disc.overlaps(b.disc, -0.5):
                out.append(f"mark {a.owner} on mark {b.owner}")
            elif (
                a.box and b.disc and a.box.hits(b.disc, -0.5) or a.disc and b.box and b.box.hits(a.disc, -0.5)
            ):
                out.append(f"label on mark: {a.owner} {b.owner}")
    return out


def board_data(case: dict, kn) -> DiagramInput:
    """What the wall draws: the three leading places (``ui/views/case_board.py``)."""
    plan = plan_case(case).plan
    data = diagram_input(case, plan, kn)
    ranks = {loc["rank"] for loc in shown_locations(plan, limit=3)}
    return dataclasses.replace(data, candidates=tuple(c for c in data.candidates if c.rank in ranks))


def test_no_mark_or_label_hides_another_on_any_case() -> None:
    """Every example, set case and review case, at the desk (all places) and on the board (three)."""
    kn = knowledge()
    problems = []
    for case_id, case in every_case():
        outcome = plan_case(case)
        if outcome.plan is None:
            continue
        desk = neck_svg(diagram_input(case, outcome.plan, kn), kn.sites)
        board = neck_svg(board_data(case, kn), kn.sites, legend=False, typography=BOARD, pct_threshold=2.0)
        for where, svg in (("desk", desk), ("board", board)):
            problems += [f"{case_id} {where}: {p}" for p in collisions(svg)]
    assert not problems, "\n".join(problems[:20])


def test_the_layout_drops_nothing_for_room_on_any_case() -> None:
    """Every finding's tag, every shown percentage, gradient, graft, palsy and the side view are drawn."""
    kn = knowledge()
    short = []
    for case_id, case in every_case():
        plan = plan_case(case).plan
        if plan is None:
            continue
        desk = diagram_input(case, plan, kn)
        board = board_data(case, kn)
        for where, data, kw in (
            ("desk", desk, {}),
            ("board", board, {"typography": BOARD, "pct_threshold": 2.0}),
        ):
            root = parse(neck_svg(data, kn.sites, legend=False, **kw))
            tags = data.findings if where == "desk" else board_findings(data.findings)
            shown = 0.01 if where == "desk" else 2.0
            want = (
                len(tags),
                sum(c.probability >= shown for c in data.candidates),
                sum(where == "desk" or g.positive for g in data.gradients),
                len(data.grafts),
                1,
                int(bool(data.palsy)),
            )
            got = (
                len(groups(root, "tag")),
                len(groups(root, "pct-label")),
                len(groups(root, "vein-label")),
                len(groups(root, "graft")),
                len(groups(root, "inset")),
                sum("cord palsy" in (t.text or "") for t in root.iter(f"{SVG}text")),
            )
            if got != want:
                short.append(f"{case_id} {where}: drawn {got}, expected {want}")
    assert not short, "\n".join(short)


def test_a_mark_moved_off_its_site_has_a_leader_line_back_to_it() -> None:
    """Where the layout moved a candidate off its site, a leader line starts at the site."""
    kn = knowledge()
    unlinked = []
    moved = 0
    for case_id, case in every_case():
        plan = plan_case(case).plan
        if plan is None:
            continue
        for svg in (
            neck_svg(diagram_input(case, plan, kn), kn.sites, legend=False),
            neck_svg(board_data(case, kn), kn.sites, legend=False, typography=BOARD, pct_threshold=2.0),
        ):
            root = parse(svg)
            starts = {
                (round(float(e.get("x1"))), round(float(e.get("y1"))))
                for e in root.iter(f"{SVG}line")
                if "leader" in _cls(e)
            }
            for g in groups(root, "candidate"):
                c = g.find(f"{SVG}circle")
                x, y = site_position(g.get("data-site"), g.get("data-side"), kn.sites)
                off = math.hypot(float(c.get("cx")) - x * S, float(c.get("cy")) - y * S)
                if off > float(c.get("r")):  # its own site is outside its mark: it was moved
                    moved += 1
                    if (round(x * S), round(y * S)) not in starts:
                        unlinked.append(f"{case_id}: #{g.get('data-rank')} {g.get('data-site')}")
    assert moved > 0 and not unlinked, unlinked[:10]


def test_the_legend_is_legible() -> None:
    """The desk legend's texts and samples do not run into each other or off the drawing."""
    root = parse(neck_svg(DiagramInput(), knowledge().sites))
    legend = next(g for g in root.iter(f"{SVG}g") if "legend" in _cls(g))
    texts = [_text_box(t) for t in legend.iter(f"{SVG}text") if (t.text or "").strip() not in "?NBG"]
    assert all(b.x0 >= 0 and b.x1 <= WIDTH for b in texts)
    meets = [(a, b) for i, a in enumerate(texts) for b in texts[i + 1 :] if a.overlaps(b, -0.5)]
    assert not meets, meets


# ---------------------------------------------------------------- the layout's text widths, in Chromium

CHROMIUM = Path(os.environ.get("PARAREOP_CHROMIUM", "/usr/bin/chromium"))
#: Each drawn text's advance width as Chromium lays it out, with the layout's estimate of it.
WIDTHS_JS = """() => [...document.querySelectorAll('svg text')].filter(t => !t.closest('.legend')).map(t => {
  const s = parseFloat(t.getAttribute('font-size'));
  const bold = t.getAttribute('font-weight') === 'bold' || getComputedStyle(t).fontWeight >= 600;
  return [t.textContent, s, bold, t.getComputedTextLength()];
})"""


def test_the_layouts_text_widths_are_never_short_of_chromiums() -> None:
    """The layout keeps labels apart by estimated widths: in Chromium no text is wider than its estimate.

    Every case's desk and board diagram is opened in Debian's Chromium (the board's browser);
    each text's rendered advance width (``getComputedTextLength``) is compared with the layout's.
    """
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: `make setup` installs Debian's chromium"
    kn = knowledge()
    svgs = []
    for _case_id, case in every_case():
        plan = plan_case(case).plan
        if plan is None:
            continue
        svgs.append(neck_svg(diagram_input(case, plan, kn), kn.sites, legend=False))
        svgs.append(
            neck_svg(board_data(case, kn), kn.sites, legend=False, typography=BOARD, pct_threshold=2.0)
        )
    short = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox"])
        page = browser.new_page()
        for i in range(0, len(svgs), 16):  # sixteen drawings a page
            page.set_content("<html><body>" + "".join(svgs[i : i + 16]) + "</body></html>")
            for text, size, bold, real in page.evaluate(WIDTHS_JS):
                estimate = text_width(text, size, bold=bold)
                if real > estimate + 0.5:
                    short.append(f"{text!r} at {size}: {real:.1f} > {estimate:.1f}")
        browser.close()
    assert not short, sorted(set(short))[:10]


def test_a_click_enlarges_the_desk_diagram_to_the_window_and_a_click_closes_it() -> None:
    """At 1366x768 the case board's column draws the diagram small; opened, it takes the window's height."""
    from playwright.sync_api import sync_playwright

    from ui.state import APP_CSS

    kn = knowledge()
    case = load_example("ex-07-men1-forearm-graft")
    svg = neck_svg(diagram_input(case, plan_case(case).plan, kn), kn.sites)
    page_html = f'<style>{APP_CSS}</style><div class="pr-diagram" style="width:380px">{zoomable(svg)}</div>'
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox"])
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.set_content(page_html)
        small = page.locator("#neck-diagram").bounding_box()
        page.locator("#neck-diagram").click()
        big = page.locator("#neck-diagram").bounding_box()
        assert page.evaluate("() => document.querySelector('details.pr-zoom').open")
        assert small["width"] <= 381 and big["height"] >= 0.9 * 768 and big["y"] >= 0
        assert page.get_by_text("Click anywhere to close").is_visible()
        page.mouse.click(5, 5)
        assert not page.evaluate("() => document.querySelector('details.pr-zoom').open")
        browser.close()
