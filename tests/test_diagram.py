"""The SVG neck diagram: positions for every site and side, shading by probability, removed tissue,
findings by modality, rank labels, and nothing said by colour alone; depth (dashed, the side view),
the intrathyroidal site inside its lobe, each kind of tissue's mark, venous gradients, a cord
palsy, the board's key and type. The layout pass is tested in ``test_diagram_layout.py``."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from kg.knowledge import knowledge
from tests.test_diagram_layout import FIXTURES, _cls, board_data, every_case
from ui.cases import examples, load_example, plan_case
from ui.diagram import (
    BOARD,
    Candidate,
    DiagramInput,
    Finding,
    GlandMark,
    board_key,
    diagram_input,
    luminance,
    neck_svg,
    positions,
    posterior_sites,
    radius,
    shade,
    site_position,
)
from ui.diagram.key import KEY_ROOM_U, KEY_SIZE_U
from ui.diagram.model import S
from ui.diagram.veins import VEINS
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
