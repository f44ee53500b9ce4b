"""The layout pass over one diagram: every mark and label placed in turn, none over another.

The order is the order of importance, so that what matters most keeps its own place: the side
letters; the candidates by rank (the first at its site, a later one beside it with a leader line
when the site is taken); the glands of the operation record; the side view; the percentages;
the findings' tags; the grafts; the venous gradients; a vocal-cord palsy; the anatomical names
(a plain name is left out where there is no room for it, a "removed" one moves with a leader).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape

from ui.diagram.anatomy import Label, _gland_glyph, _mark_size, _text, gland_offset, gland_radius
from ui.diagram.data import board_findings
from ui.diagram.depth import inset_size, inset_slots, inset_svg
from ui.diagram.geometry import site_position
from ui.diagram.layout import ASCENT, DESCENT, Box, Disc, Layout, leader, text_box, text_width
from ui.diagram.marks import (
    _candidate,
    _graft,
    _pct_text,
    _tags,
    candidate_radius,
    graft_extent,
    pct_size,
    tags_extent,
)
from ui.diagram.model import _TYPE, DESK, DiagramInput, Finding, S, SiteLike
from ui.diagram.veins import cords_svg, palsy_anchor, palsy_text, vein_anchor, vein_svg
from ui.names import pct

#: The anatomy's drawing area (diagram units): the legend starts below it.
AREA = Box(0.3, 0.3, 99.7, 103.7)
#: Clear space kept between any two marks or labels.
GAP = 0.35
#: A mark's percentage or tags keep this much more room from the other marks than from their own.
LABEL_MARGIN = 2.0


@dataclass
class Scene:
    """The drawing's layers, filled by the pass and written bottom to top.

    Mutable on purpose, like :class:`~ui.diagram.layout.Layout`: one pass appends to it.
    """

    under: list[str] = field(default_factory=list)  # sampled veins, cords
    leaders: list[str] = field(default_factory=list)
    marks: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    def parts(self) -> list[str]:
        return self.under + self.leaders + self.marks + self.labels


def _leader(scene: Scene, x: float, y: float, target: Box | Disc, min_length: float = 1.2) -> None:
    line = leader(x, y, target, min_length)
    if line:
        x0, y0, x1, y1 = line
        scene.leaders.append(
            f'<line class="leader" x1="{x0 * S:.1f}" y1="{y0 * S:.1f}" x2="{x1 * S:.1f}" y2="{y1 * S:.1f}"/>'
        )


def _side_letters(lay: Layout, scene: Scene) -> None:
    size = _mark_size(3.6)
    y = 4 + size - 3.6
    for x, body, anchor in ((3, "R", "start"), (97, "L", "end")):
        lay.reserve_box(text_box(x, y, body, size, anchor, bold=True))
        scene.labels.append(_text(x, y, body, size, "side-label", anchor))
    if _TYPE.get() is DESK:
        for x, body, anchor in ((3, "patient's right", "start"), (97, "patient's left", "end")):
            lay.reserve_box(text_box(x, 6.6, body, 1.6, anchor, bold=True))
            scene.labels.append(_text(x, 6.6, body, 1.6, "side-label", anchor))


def compose(
    data: DiagramInput, sites: Mapping[str, SiteLike], pct_threshold: float, names: list[Label]
) -> list[str]:
    """The marks and labels of one diagram, laid out (SVG parts, bottom layer first).

    >>> from kg.knowledge import knowledge
    >>> from ui.diagram.model import Candidate
    >>> two = DiagramInput((Candidate(1, "intrathyroidal", "left", 0.5),
    ...                     Candidate(2, "perrier_D", "left", 0.4)))
    >>> svg = "".join(compose(two, knowledge().sites, 0.01, []))
    >>> svg.count('class="candidate'), svg.count('class="leader"')   # the second moved off its site
    (2, 1)
    """
    lay = Layout(AREA, GAP)
    scene = Scene()
    _side_letters(lay, scene)
    discs = _candidates(data, sites, lay, scene)
    _glands(data, sites, lay, scene)
    _inset(data, sites, lay, scene)
    _percentages(data, discs, pct_threshold, lay, scene)
    _finding_tags(data, sites, discs, lay, scene)
    _grafts(data, sites, lay, scene)
    _gradients(data, lay, scene)
    _palsy(data, lay, scene)
    _names(names, lay, scene)
    return scene.parts()


def _candidates(
    data: DiagramInput, sites: Mapping[str, SiteLike], lay: Layout, scene: Scene
) -> dict[tuple[str, str | None], Disc]:
    """Candidates by rank: each at its site if free, else the nearest free place, with a leader.

    Drawn least likely first, so that where leaders cross, the leading marks are on top.
    """
    placed: dict[tuple[str, str | None], Disc] = {}
    drawn = []
    for c in sorted(data.candidates, key=lambda c: c.rank):
        if c.site not in sites:
            continue
        x, y = site_position(c.site, c.side, sites)
        out = 1 if x > 50 else -1  # when moved: away from the midline first
        r = candidate_radius(c)
        disc = lay.place_disc(x, y, r, [(x + out * (2 * r + GAP), y), (x, y + 2 * r + GAP)])
        placed[(c.site, c.side)] = disc
        _leader(scene, x, y, disc)
        label = data.labels.get((c.site, c.side), f"{c.site} {c.side or ''}".strip())
        drawn.append(_candidate(c, disc.cx, disc.cy, label, c.site in data.posterior) + ["</g>"])
    for parts in reversed(drawn):
        scene.marks += parts
    return placed


def _glands(data: DiagramInput, sites: Mapping[str, SiteLike], lay: Layout, scene: Scene) -> None:
    """The record's glands: above their site (the site itself holds the candidate), else beside it."""
    r = gland_radius()
    for g in data.glands:
        x, y = site_position(g.site, g.side, sites)
        up = gland_offset()
        disc = lay.place_disc(x, y - up, r, [(x, y), (x, y + up)])
        _leader(scene, x, y, disc, min_length=up - r + 0.3)
        scene.marks.append(_gland_glyph(g, disc.cx, disc.cy))


def _inset(data: DiagramInput, sites: Mapping[str, SiteLike], lay: Layout, scene: Scene) -> None:
    w, h = inset_size()
    for slot in inset_slots(w, h):
        if lay.box_free(slot):
            lay.reserve_box(slot)
            scene.labels += inset_svg(slot, data.candidates, sites, data.posterior, data.outside)
            return


def _percentages(
    data: DiagramInput,
    discs: Mapping[tuple[str, str | None], Disc],
    threshold: float,
    lay: Layout,
    scene: Scene,
) -> None:
    """Each shown candidate's percentage beside its mark: towards the midline, then outward, below, above."""
    size = pct_size()
    for c in sorted(data.candidates, key=lambda c: c.rank):
        disc = discs.get((c.site, c.side))
        if disc is None or c.probability < threshold:
            continue
        text = pct(c.probability)
        w = text_width(text, size, bold=True)
        h = (ASCENT + DESCENT) * size
        inward = 1 if disc.cx < 50 else -1
        y0 = disc.cy - disc.r * 0.55 - ASCENT * size
        slots = []
        for side in (inward, -inward):
            x0 = disc.cx + disc.r + 0.4 if side > 0 else disc.cx - disc.r - 0.4 - w
            slots.append(Box(x0, y0, x0 + w, y0 + h))
        below = disc.cy + disc.r + 0.3
        slots.append(Box(disc.cx - w / 2, below, disc.cx + w / 2, below + h))
        above = disc.cy - disc.r - 0.3 - h
        slots.append(Box(disc.cx - w / 2, above, disc.cx + w / 2, above + h))
        box = lay.place_box(disc.cx, disc.cy, w, h, slots, clear=disc.r, own=disc, margin=LABEL_MARGIN)
        if box is None:
            continue  # the ranked list beside the diagram gives it
        _leader(scene, disc.cx, disc.cy, box, min_length=disc.r + 1.5)
        scene.labels.append(
            f'<g class="pct-label" data-rank="{c.rank}" data-site="{escape(c.site)}" '
            f'data-side="{escape(c.side or "")}">{_pct_text(c, box.x0, box.y0 + ASCENT * size)}</g>'
        )


def _finding_tags(
    data: DiagramInput,
    sites: Mapping[str, SiteLike],
    discs: Mapping[tuple[str, str | None], Disc],
    lay: Layout,
    scene: Scene,
) -> None:
    """A site's findings as one row of tags: outward from the site first, then inward, below, above."""
    findings = board_findings(data.findings) if _TYPE.get() is not DESK else data.findings
    by_loc: dict[tuple[str, str | None], list[Finding]] = {}
    for f in findings:
        if f.site in sites:
            by_loc.setdefault((f.site, f.side), []).append(f)
    for (site, side), items in sorted(by_loc.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        x, y = site_position(site, side, sites)
        disc = discs.get((site, side))
        at_site = disc is not None and abs(disc.cx - x) + abs(disc.cy - y) < 0.01
        r = disc.r if disc is not None and at_site else 0.8
        w, h = tags_extent(items)
        outward = -1 if x < 50 else 1
        slots = []
        for way in (outward, -outward):
            x0 = x + r + 0.5 if way > 0 else x - r - 0.5 - w
            slots.append(Box(x0, y - h / 2, x0 + w, y + h / 2))
        slots.append(Box(x - w / 2, y + r + 0.5, x + w / 2, y + r + 0.5 + h))
        slots.append(Box(x - w / 2, y - r - 0.5 - h, x + w / 2, y - r - 0.5))
        own = disc if disc is not None and at_site else None
        box = lay.place_box(x, y, w, h, slots, clear=r, own=own, margin=LABEL_MARGIN)
        if box is None:
            continue
        _leader(scene, x, y, box, min_length=r + 1.5)
        scene.marks += _tags(items, box.x0, box.y0)


def _grafts(data: DiagramInput, sites: Mapping[str, SiteLike], lay: Layout, scene: Scene) -> None:
    if "autograft" not in sites:
        return
    for location, side in data.grafts:
        gx, gy = site_position("autograft", side or "right", sites)
        w, h, _ = graft_extent(location)
        left = min(max(gx - w / 2, AREA.x0), AREA.x1 - w)
        slots = [Box(left, gy - 5.5 - h, left + w, gy - 5.5), Box(left, gy + 5.5, left + w, gy + 5.5 + h)]
        box = lay.place_box(gx, gy, w, h, slots, clear=3.0)
        if box is None:
            continue
        scene.marks.append(_graft(location, box.x0, box.y0))


def _gradients(data: DiagramInput, lay: Layout, scene: Scene) -> None:
    """Each sampled vein traced, its ratio written on it (bold, framed, at or above the graph's cut-off).

    The board shows less: only the veins with a gradient.
    """
    size = max(1.6, _TYPE.get().min_text)
    for g in sorted(data.gradients, key=lambda g: -g.ratio):
        if _TYPE.get() is not DESK and not g.positive:
            continue
        scene.under.append(vein_svg(g))
        x, y = vein_anchor(g)
        w = text_width(g.text, size, bold=True) + 0.8
        h = (ASCENT + DESCENT) * size + 0.4
        box = lay.place_box(x, y, w, h, [Box(x - w / 2, y - h / 2, x + w / 2, y + h / 2)])
        if box is None:
            continue
        _leader(scene, x, y, box)
        cls = "vein-label vein-label-gradient" if g.positive else "vein-label"
        what = "gradient" if g.positive else "no gradient"
        scene.labels.append(
            f'<g class="{cls}" data-vein="{escape(g.vein)}" data-side="{escape(g.side or "")}">'
            f"<title>{escape(g.label)} {escape(g.side or '')}: PTH {escape(g.text)} peripheral "
            f"({what}; cut-off {g.threshold:g}×)</title>"
            f'<rect x="{box.x0 * S:.1f}" y="{box.y0 * S:.1f}" width="{box.w * S:.1f}" '
            f'height="{box.h * S:.1f}" '
            f'rx="{0.5 * S:.1f}"/>'
            + _text(box.cx, box.y0 + 0.2 + ASCENT * size, g.text, size, "vein-text", weight="bold")
            + "</g>"
        )


def _palsy(data: DiagramInput, lay: Layout, scene: Scene) -> None:
    if not data.palsy:
        return
    scene.under += cords_svg(data.palsy)
    x, y = palsy_anchor(data.palsy)
    size = max(1.7, _TYPE.get().min_text)
    text = palsy_text(data.palsy)
    w = text_width(text, size, bold=True)
    h = (ASCENT + DESCENT) * size
    # beside the larynx on the palsy's side, else above the larynx, else on the other side
    near = (57.5, 42.5 - w) if data.palsy == "left" else (42.5 - w, 57.5)
    slots = [Box(near[0], y - h / 2, near[0] + w, y + h / 2), Box(50 - w / 2, 16.2 - h, 50 + w / 2, 16.2)]
    slots.append(Box(near[1], y - h / 2, near[1] + w, y + h / 2))
    box = lay.place_box(x, y, w, h, slots, clear=1.0)
    if box is None:
        return
    _leader(scene, x, y, box)
    scene.labels.append(_text(box.x0, box.y0 + ASCENT * size, text, size, "palsy-label", "start", "bold"))


def _names(names: list[Label], lay: Layout, scene: Scene) -> None:
    """Anatomical names at their place if free, a little off it, or (one "removed") further, with a leader."""
    for lab in names:
        size = lab.drawn_size
        pitch = size * 1.2
        w = max(text_width(line, size, bold=lab.keep) for line in lab.lines)
        h = (ASCENT + DESCENT) * size + pitch * (len(lab.lines) - 1)
        x0 = {"start": lab.x, "end": lab.x - w}.get(lab.anchor, lab.x - w / 2)
        own = Box(x0, lab.y - ASCENT * size, x0 + w, lab.y - ASCENT * size + h)
        nudges = [own] + [
            Box(own.x0 + dx, own.y0 + dy, own.x1 + dx, own.y1 + dy)
            for dx, dy in ((0, -1.5), (0, 1.5), (-2, 0), (2, 0), (0, -3), (0, 3))
        ]
        box = lay.place_box(own.cx, own.cy, w, h, nudges, clear=0.5) if lab.keep else None
        if not lab.keep:
            box = next((b for b in nudges if lay.box_free(b)), None)
            if box is not None:
                lay.reserve_box(box)
        if box is None:
            continue
        if lab.at is not None and not own.overlaps(box):
            _leader(scene, lab.at[0], lab.at[1], box, min_length=1.5)
        for i, line in enumerate(lab.lines):
            scene.labels.append(
                _text(box.x0, box.y0 + ASCENT * size + i * pitch, line, lab.size, lab.cls, "start")
            )
