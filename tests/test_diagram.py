"""The SVG neck diagram: positions for every site and side, shading by probability, removed tissue,
findings by modality, rank labels, and nothing said by colour alone."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import subprocess
import sys
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
    GlandMark,
    board_findings,
    board_key,
    diagram_input,
    luminance,
    neck_svg,
    positions,
    posterior_sites,
    radius,
    shade,
    site_position,
    zoomable,
)
from ui.diagram.key import KEY_ROOM_U, KEY_SIZE_U
from ui.diagram.layout import Box, Disc, text_box, text_width
from ui.diagram.model import WIDTH, S
from ui.diagram.veins import VEINS
from ui.fragments import shown_locations
from ui.wall_fit import width

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


def test_the_legend_is_legible() -> None:
    """The desk legend's texts and samples do not run into each other or off the drawing."""
    root = parse(neck_svg(DiagramInput(), knowledge().sites))
    legend = next(g for g in root.iter(f"{SVG}g") if "legend" in _cls(g))
    texts = [_text_box(t) for t in legend.iter(f"{SVG}text") if (t.text or "").strip() not in "?NBG"]
    assert all(b.x0 >= 0 and b.x1 <= WIDTH for b in texts)
    meets = [(a, b) for i, a in enumerate(texts) for b in texts[i + 1 :] if a.overlaps(b, -0.5)]
    assert not meets, meets


# ---------------------------------------------------------------- depth, tissue, veins, cords


def test_sites_behind_the_trachea_are_dashed_and_behind_in_the_side_view(sites) -> None:
    kn = knowledge()
    behind = posterior_sites(kn)
    assert {"perrier_B", "perrier_C", "retroesophageal", "posterior_mediastinum"} <= behind
    assert not behind & {"perrier_A", "perrier_E", "perrier_F", "intrathyroidal", "anterior_mediastinum"}
    data = DiagramInput(
        (Candidate(1, "retroesophageal", "left", 0.6), Candidate(2, "perrier_E", "left", 0.3)),
        posterior=behind,
    )
    root = parse(neck_svg(data, sites))
    marks = {m.get("data-site"): m for m in candidates(root)}
    assert "behind" in _cls(marks["retroesophageal"]) and "behind" not in _cls(marks["perrier_E"])
    assert "behind" in _cls(marks["retroesophageal"].find(f"{SVG}circle"))
    side_view = {m.get("data-site"): m.get("data-depth") for m in groups(root, "inset-mark")}
    assert side_view == {"retroesophageal": "behind", "perrier_E": "front"}


def test_the_side_view_leaves_out_a_forearm_graft(sites) -> None:
    kn = knowledge()
    case = load_example("ex-07-men1-forearm-graft")
    root = parse(neck_svg(diagram_input(case, plan_case(case).plan, kn), sites))
    assert groups(root, "inset") and "autograft" not in {
        m.get("data-site") for m in groups(root, "inset-mark")
    }


def inside_lobe(root: ET.Element, side: str, x: float, y: float) -> float:
    """How far a point lies from the lobe's centre towards its edge (0 centre, 1 edge)."""
    lobe = next(e for e in root.iter(f"{SVG}ellipse") if "lobe" in _cls(e) and e.get("data-side") == side)
    cx, cy, rx, ry = (float(lobe.get(k)) for k in ("cx", "cy", "rx", "ry"))
    tilt = math.radians(float(re.search(r"rotate\(([-0-9.]+)", lobe.get("transform")).group(1)))
    dx, dy = x - cx, y - cy
    u = dx * math.cos(tilt) + dy * math.sin(tilt)
    v = -dx * math.sin(tilt) + dy * math.cos(tilt)
    return math.hypot(u / rx, v / ry)


@pytest.mark.parametrize("side", ["left", "right"])
def test_an_intrathyroidal_site_lies_inside_its_lobe(sites, side: str) -> None:
    root = parse(neck_svg(DiagramInput((Candidate(1, "intrathyroidal", side, 0.5),)), sites))
    circle = candidates(root)[0].find(f"{SVG}circle")
    assert inside_lobe(root, side, float(circle.get("cx")), float(circle.get("cy"))) < 0.6
    other = "left" if side == "right" else "right"
    assert inside_lobe(root, other, float(circle.get("cx")), float(circle.get("cy"))) > 1


def test_removed_grafted_and_biopsied_glands_have_their_own_marks(sites) -> None:
    glands = tuple(
        GlandMark(pos, status, "perrier_E" if "inferior" in pos else "perrier_A", side)
        for (pos, side), status in zip(
            [("left_inferior", "left"), ("left_superior", "left"), ("right_inferior", "right"),
             ("right_superior", "right")],
            ["removed", "autotransplanted", "biopsied_normal", "identified_normal"],
            strict=True,
        )
    )  # fmt: skip
    root = parse(neck_svg(DiagramInput(glands=glands), sites, legend=False))
    drawn = {}
    for g in groups(root, "gland"):
        letters = [t.text for t in g.iter(f"{SVG}text")]
        crosses = [p for p in g.iter(f"{SVG}path") if "gland-x" in _cls(p)]
        drawn[g.get("data-status")] = (tuple(letters), len(crosses))
    assert drawn == {
        "removed": ((), 1),
        "autotransplanted": (("G",), 0),
        "biopsied_normal": (("B",), 0),
        "identified_normal": (("N",), 0),
    }


def test_the_forearm_graft_case_no_longer_draws_its_graft_as_removed() -> None:
    kn = knowledge()
    case = load_example("ex-07-men1-forearm-graft")
    root = parse(neck_svg(diagram_input(case, plan_case(case).plan, kn), kn.sites))
    grafted = [g for g in groups(root, "gland") if g.get("data-status") == "autotransplanted"]
    assert grafted and all(not list(g.iter(f"{SVG}path")) for g in grafted)
    assert [t.text for g in grafted for t in g.iter(f"{SVG}text")] == ["G"] * len(grafted)


def test_every_graph_vein_has_a_drawn_course() -> None:
    assert set(knowledge().veins) == set(VEINS)


def review_case(prefix: str) -> dict:
    path = next((FIXTURES / "review_cases").glob(f"{prefix}*.json"))
    return json.loads(path.read_text(encoding="utf-8"))


def test_venous_gradients_are_drawn_on_their_veins_against_the_graphs_cut_off() -> None:
    kn = knowledge()
    case = review_case("rv-05")
    cut = kn.param("svs_gradient_ratio").v
    (sampling,) = case["venous_sampling"]
    expected = {
        (s["vein"], s.get("side", "midline")): s["pth"] / sampling["peripheral_pth"] >= cut
        for s in sampling["samples"]
    }
    root = parse(neck_svg(diagram_input(case, plan_case(case).plan, kn), kn.sites, legend=False))
    labels = {(g.get("data-vein"), g.get("data-side")): g for g in groups(root, "vein-label")}
    traced = {(p.get("data-vein"), p.get("data-side")) for p in root.iter(f"{SVG}path") if p.get("data-vein")}
    assert set(labels) == set(expected) == traced
    for key, positive in expected.items():
        assert ("vein-label-gradient" in _cls(labels[key])) is positive, key
    # the left inferior thyroid vein carries the gradient: 430 against 130 peripheral
    assert labels[("inferior_thyroid_vein", "left")].find(f"{SVG}text").text == "3.3×"
    board = parse(neck_svg(board_data(case, kn), kn.sites, legend=False, typography=BOARD))
    assert [(g.get("data-vein"), g.get("data-side")) for g in groups(board, "vein-label")] == [
        ("inferior_thyroid_vein", "left")
    ]  # the wall shows only the gradients


def test_a_vocal_cord_palsy_is_drawn_on_its_side() -> None:
    kn = knowledge()
    case = load_example("ex-08-hard-mass-hoarse")
    assert case["patient"]["vocal_cord_paralysis"] == "left"
    root = parse(neck_svg(diagram_input(case, plan_case(case).plan, kn), kn.sites, legend=False))
    palsied = [e.get("data-side") for e in root.iter(f"{SVG}line") if "cord-palsy" in _cls(e)]
    assert palsied == ["left"]
    assert "left cord palsy" in [t.text for t in root.iter(f"{SVG}text")]
    quiet = load_example("ex-04-missing-left-inferior")
    quiet_root = parse(neck_svg(diagram_input(quiet, plan_case(quiet).plan, kn), kn.sites, legend=False))
    assert not [e for e in quiet_root.iter(f"{SVG}line") if "cord" in _cls(e)]


def test_the_board_key_names_what_is_drawn_on_one_line() -> None:
    kn = knowledge()
    for case_id, case in every_case():
        if plan_case(case).plan is None:
            continue
        data = board_data(case, kn)
        key = board_key(data)
        assert width(key, KEY_SIZE_U) <= KEY_ROOM_U, case_id
        statuses = {g.status for g in data.glands}
        assert ("G grafted" in key) == ("autotransplanted" in statuses), case_id
        assert ("✕ removed" in key) == ("removed" in statuses), case_id


def test_board_text_is_never_under_the_walls_minimum() -> None:
    """Every label, tag, rank and gradient on the wall's diagram, for every case, at or above the minimum."""
    kn = knowledge()
    for case_id, case in every_case():
        if plan_case(case).plan is None:
            continue
        svg = neck_svg(board_data(case, kn), kn.sites, legend=False, typography=BOARD, pct_threshold=2.0)
        sizes = [float(v) for v in re.findall(r'font-size="([0-9.]+)"', svg)]
        assert min(sizes) >= BOARD.min_text * S - 0.05, case_id


def test_the_drawing_is_the_same_in_every_process() -> None:
    """Deterministic: the same SVG under another hash seed (no set order leaks into the layout)."""
    script = (
        "import hashlib, json, sys; from pathlib import Path; from kg.knowledge import knowledge; "
        "from ui.cases import plan_case; from ui.diagram import diagram_input, neck_svg; "
        "case = json.loads(Path(sys.argv[1]).read_text()); kn = knowledge(); "
        "svg = neck_svg(diagram_input(case, plan_case(case).plan, kn), kn.sites); "
        "print(hashlib.sha256(svg.encode()).hexdigest())"
    )
    path = next((FIXTURES / "review_cases").glob("rv-05*.json"))
    runs = {
        subprocess.run(
            [sys.executable, "-c", script, str(path)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent.parent,
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert len(runs) == 1


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
