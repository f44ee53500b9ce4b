"""The SVG neck diagram: positions for every site and side, shading by probability, removed tissue,
findings by modality, rank labels, and nothing said by colour alone."""

from __future__ import annotations

import dataclasses
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

from kg.knowledge import knowledge
from ui.cases import examples, load_example, plan_case
from ui.diagram import (
    BOARD,
    Candidate,
    DiagramInput,
    Finding,
    diagram_input,
    luminance,
    neck_svg,
    positions,
    radius,
    shade,
    site_position,
)
from ui.diagram.layout import Box, Disc, text_box
from ui.diagram.model import WIDTH
from ui.fragments import shown_locations

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def sites():
    return knowledge().sites


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def groups(root: ET.Element, cls: str) -> list[ET.Element]:
    """The ``<g>`` elements of one class (among others)."""
    return [g for g in root.iter(f"{SVG}g") if cls in (g.get("class") or "").split()]


def candidates(root: ET.Element) -> list[ET.Element]:
    return groups(root, "candidate")


def test_every_site_code_has_a_position_on_each_of_its_sides(sites) -> None:
    pos = positions(sites)
    for code, site in sites.items():
        if site.lateralized:
            right, left = pos[(code, "right")], pos[(code, "left")]
            assert right == (site.x, site.y)
            assert left == (pytest.approx(100 - site.x), site.y), code
            assert (code, "midline") not in pos
        else:
            assert pos[(code, "midline")] == (site.x, site.y)
            # a site without sides stays put whatever side is asked for
            assert site_position(code, "left", sites) == site_position(code, "right", sites)
        for xy in pos.get((code, "right")) or pos[(code, "midline")], pos.get((code, "left")) or (50, 50):
            assert 0 <= xy[0] <= 100 and 0 <= xy[1] <= 100


def test_every_vocabulary_site_is_drawable(sites) -> None:
    from ui.names import vocabulary_codes

    assert set(vocabulary_codes("sites")) <= set(sites)


def test_unknown_site_is_an_error(sites) -> None:
    with pytest.raises(KeyError):
        site_position("perrier_Z", "left", sites)


def test_shade_darkens_and_marks_grow_with_probability() -> None:
    ps = [0.0, 0.001, 0.01, 0.05, 0.2, 0.5, 0.9, 1.0]
    lum = [luminance(shade(p)) for p in ps]
    assert lum == sorted(lum, reverse=True) and len(set(lum)) == len(lum)
    assert [radius(p) for p in ps] == sorted(radius(p) for p in ps)


def test_candidate_shading_follows_probability(sites) -> None:
    data = DiagramInput(
        (
            Candidate(1, "perrier_F", "left", 0.7),
            Candidate(2, "anterior_mediastinum", "midline", 0.2),
            Candidate(3, "perrier_E", "right", 0.08),
            Candidate(4, "intrathyroidal", "left", 0.02),
        )
    )
    marks = candidates(parse(neck_svg(data, sites)))
    assert [m.get("data-rank") for m in marks] == ["4", "3", "2", "1"]  # the leading one drawn last, on top
    by_p = sorted(marks, key=lambda m: float(m.get("data-probability")))
    lum = [luminance(m.get("data-fill")) for m in by_p]
    assert lum == sorted(lum, reverse=True)
    for m in marks:
        circle = m.find(f"{SVG}circle")
        assert circle.get("fill") == m.get("data-fill")


def test_candidates_sit_at_their_site_and_side(sites) -> None:
    data = DiagramInput((Candidate(1, "perrier_F", "left", 0.6), Candidate(2, "perrier_F", "right", 0.4)))
    marks = {m.get("data-side"): m.find(f"{SVG}circle") for m in candidates(parse(neck_svg(data, sites)))}
    assert float(marks["left"].get("cx")) == pytest.approx(10 * (100 - sites["perrier_F"].x))
    assert float(marks["right"].get("cx")) == pytest.approx(10 * sites["perrier_F"].x)


def test_rank_and_percentage_are_written_not_only_coloured(sites) -> None:
    data = DiagramInput((Candidate(1, "perrier_F", "left", 0.954), Candidate(2, "perrier_E", "left", 0.004)))
    root = parse(neck_svg(data, sites))
    texts = {m.get("data-rank"): [t.text for t in m.iter(f"{SVG}text")] for m in candidates(root)}
    pcts = {g.get("data-rank"): g.find(f"{SVG}text").text for g in groups(root, "pct-label")}
    assert texts == {"1": ["1"], "2": ["2"]}
    assert pcts == {"1": "95%"}  # below the threshold: the rank only, the list gives "<1%"


def test_findings_are_tagged_by_modality_and_result(sites) -> None:
    data = DiagramInput(
        findings=(
            Finding("perrier_F", "left", "4D-CT", "positive", 10),
            Finding("perrier_F", "left", "US", "equivocal", 5),
            Finding("perrier_E", "right", "MIBI", "negative", -20),
        )
    )
    root = parse(neck_svg(data, sites, legend=False))
    tags = [g for g in root.iter(f"{SVG}g") if "tag" in (g.get("class") or "").split()]
    assert {t.find(f"{SVG}text").text for t in tags} == {"4D-CT+", "US?", "MIBI−"}
    assert all(t.find(f"{SVG}title").text for t in tags)
    old = [t for t in tags if "tag-old" in t.get("class")]
    assert len(old) == 1 and old[0].get("data-site") == "perrier_E"


def test_removed_tissue_is_drawn_removed(sites) -> None:
    svg = neck_svg(
        DiagramInput(removed=frozenset({("perrier_F", "left"), ("intrathyroidal", "right")})), sites
    )
    assert "cervical thymus" in svg and svg.count('class="removed"') >= 3
    intact = neck_svg(DiagramInput(), sites)
    assert 'class="removed"' not in intact.split('<g class="legend"')[0]


def test_example_with_cervical_thymectomy_and_removed_glands() -> None:
    kn = knowledge()
    case = load_example("ex-07-men1-forearm-graft")
    data = diagram_input(case, plan_case(case).plan, kn)
    assert any(site == "perrier_F" for site, _ in data.removed)
    assert {g.status for g in data.glands} >= {"removed", "autotransplanted"}
    assert data.grafts == (("forearm", "left"),)
    svg = neck_svg(data, kn.sites)
    assert "graft: forearm" in svg and 'data-status="removed"' in svg


@pytest.mark.parametrize("case_id", [e.case_id for e in examples()])
def test_every_example_draws_a_well_formed_svg(case_id: str) -> None:
    kn = knowledge()
    case = load_example(case_id)
    plan = plan_case(case).plan
    svg = neck_svg(diagram_input(case, plan, kn), kn.sites)
    root = parse(svg)
    assert root.get("id") == "neck-diagram" and root.get("role") == "img"
    assert "<script" not in svg and not re.search(r'(href|src)="https?:', svg)
    ranks = [int(m.get("data-rank")) for m in candidates(root)]
    assert sorted(ranks) == [loc["rank"] for loc in plan["locations"]]


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


def test_the_legend_is_legible() -> None:
    """The desk legend's texts and samples do not run into each other or off the drawing."""
    root = parse(neck_svg(DiagramInput(), knowledge().sites))
    legend = next(g for g in root.iter(f"{SVG}g") if "legend" in _cls(g))
    texts = [_text_box(t) for t in legend.iter(f"{SVG}text") if (t.text or "").strip() not in "?NBG"]
    assert all(b.x0 >= 0 and b.x1 <= WIDTH for b in texts)
    meets = [(a, b) for i, a in enumerate(texts) for b in texts[i + 1 :] if a.overlaps(b, -0.5)]
    assert not meets, meets
