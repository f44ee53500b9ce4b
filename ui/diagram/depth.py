"""Depth on a front view: the small side view (a lateral inset of the neck and upper mediastinum).

A front view puts Perrier B and C, the retroesophageal site and the posterior mediastinum on top
of the trachea, though they lie behind it; the main drawing marks them dashed (``behind``), and
this inset shows the leading places at their level and depth: in front of the airway, or behind
it in the plane of the oesophagus. Which sites lie behind comes from the graph
(:func:`ui.diagram.data.posterior_sites`); the inset's outline is drawing, not data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from html import escape

from ui.diagram.anatomy import _text
from ui.diagram.geometry import luminance, shade, site_position
from ui.diagram.layout import Box
from ui.diagram.model import _TYPE, DESK, THORACIC_INLET_Y, Candidate, S, SiteLike

#: Depth across the inset, front (0) to back (1): the plane a site is drawn in.
FRONT_DEPTH, BEHIND_DEPTH = 0.2, 0.53
#: Levels (front-view y) of the larynx, the lower end of the trachea, the drawing's foot.
LARYNX_TOP, CARINA, FOOT = 17.0, 91.0, 104.0


def inset_size() -> tuple[float, float]:
    """Width and height of the inset for the typography (diagram units)."""
    return (15.5, 46.0) if _TYPE.get() is DESK else (18.5, 46.0)


def inset_slots(width: float, height: float) -> list[Box]:
    """Where the inset may go, in this order: beside the head on the patient's left, then right.

    >>> [round(b.x0, 1) for b in inset_slots(15.5, 46)]
    [84.0, 0.5]
    """
    top = 9.0
    return [Box(99.5 - width, top, 99.5, top + height), Box(0.5, top, 0.5 + width, top + height)]


def _level(box: Box, y: float, pad: float) -> float:
    """A front-view level (0-104) mapped into the inset's drawing area."""
    return box.y0 + pad + (box.h - 2 * pad) * y / FOOT


def _depth(box: Box, d: float) -> float:
    return box.x0 + box.w * d


def inset_svg(
    box: Box,
    candidates: Sequence[Candidate],
    sites: Mapping[str, SiteLike],
    posterior: frozenset[str],
    outside: frozenset[str] = frozenset(),
) -> list[str]:
    """The side view in ``box``: outline, airway, oesophagus, spine, thyroid, sternum; the leading places."""
    desk = _TYPE.get() is DESK
    title = 2.0 if desk else max(2.0, _TYPE.get().min_text) + 0.2
    pad = title + 0.8

    def lv(y: float) -> float:
        return _level(box, y, pad)

    def dp(d: float) -> float:
        return _depth(box, d)

    out = [
        '<g class="inset" data-kind="side-view"><title>Side view: front to the left, back to the right; '
        "dashed places lie behind the trachea</title>",
        f'<rect class="inset-frame" x="{box.x0 * S:.1f}" y="{box.y0 * S:.1f}" width="{box.w * S:.1f}" '
        f'height="{box.h * S:.1f}" rx="{0.8 * S:.1f}"/>',
        # skin in front, the back of the neck, the spine's column of vertebrae
        f'<path class="inset-skin" d="M{dp(0.1) * S:.1f},{lv(0) * S:.1f} '
        f"L{dp(0.06) * S:.1f},{lv(60) * S:.1f} "
        f"L{dp(0.04) * S:.1f},{lv(FOOT) * S:.1f} M{dp(0.96) * S:.1f},{lv(0) * S:.1f} "
        f'L{dp(0.96) * S:.1f},{lv(FOOT) * S:.1f}"/>',
    ]
    v_top = lv(4)
    step = (lv(FOOT) - v_top) / 11
    for i in range(11):
        out.append(
            f'<rect class="inset-spine" x="{dp(0.7) * S:.1f}" y="{(v_top + i * step) * S:.1f}" '
            f'width="{box.w * 0.18 * S:.1f}" height="{step * 0.78 * S:.1f}" rx="{0.3 * S:.1f}"/>'
        )
    out += [
        f'<rect class="inset-oesophagus" x="{dp(0.46) * S:.1f}" y="{lv(26) * S:.1f}" '
        f'width="{box.w * 0.14 * S:.1f}" height="{(lv(FOOT) - lv(26)) * S:.1f}" rx="{0.4 * S:.1f}"/>',
        f'<rect class="inset-larynx" x="{dp(0.22) * S:.1f}" y="{lv(LARYNX_TOP) * S:.1f}" '
        f'width="{box.w * 0.2 * S:.1f}" height="{(lv(29) - lv(LARYNX_TOP)) * S:.1f}" rx="{0.4 * S:.1f}"/>',
        f'<rect class="inset-trachea" x="{dp(0.26) * S:.1f}" y="{lv(29) * S:.1f}" '
        f'width="{box.w * 0.16 * S:.1f}" height="{(lv(CARINA) - lv(29)) * S:.1f}" rx="{0.4 * S:.1f}"/>',
        f'<ellipse class="inset-thyroid" cx="{dp(0.2) * S:.1f}" cy="{lv(41.5) * S:.1f}" '
        f'rx="{box.w * 0.09 * S:.1f}" ry="{(lv(53) - lv(30)) / 2 * S:.1f}"/>',
        f'<rect class="inset-sternum" x="{dp(0.07) * S:.1f}" y="{lv(THORACIC_INLET_Y) * S:.1f}" '
        f'width="{box.w * 0.07 * S:.1f}" height="{(lv(FOOT) - lv(THORACIC_INLET_Y)) * S:.1f}" '
        f'rx="{0.3 * S:.1f}"/>',
        f'<line class="inset-inlet" x1="{dp(0.04) * S:.1f}" y1="{lv(THORACIC_INLET_Y) * S:.1f}" '
        f'x2="{dp(0.96) * S:.1f}" y2="{lv(THORACIC_INLET_Y) * S:.1f}"/>',
        _text(
            box.cx, box.y0 + title + 0.3, "side view" if desk else "side", title, "inset-title", weight="bold"
        ),
    ]
    if desk:
        out.append(_text(box.x0 + 0.5, box.y1 - 0.6, "front", 1.5, "inset-text", "start"))
        out.append(_text(box.x1 - 0.5, box.y1 - 0.6, "back", 1.5, "inset-text", "end"))
    inside = [c for c in candidates if c.site not in outside]
    out += _inset_marks(box, inside, sites, posterior, lv)
    out.append("</g>")
    return out


def _inset_marks(
    box: Box,
    candidates: Sequence[Candidate],
    sites: Mapping[str, SiteLike],
    posterior: frozenset[str],
    lv: Callable[[float], float],
) -> list[str]:
    """The leading places (at most three) at their level, in front of or behind the airway."""
    size = max(1.6, _TYPE.get().min_text)  # the wall's minimum, not its larger mark type: a small view
    r = size * 0.72
    placed: list[tuple[float, float]] = []
    out = []
    for c in sorted(candidates, key=lambda c: c.rank)[:3]:
        if c.site not in sites:
            continue
        behind = c.site in posterior
        x = _depth(box, BEHIND_DEPTH if behind else FRONT_DEPTH)
        x = min(max(x, box.x0 + r + 0.2), box.x1 - r - 0.2)
        y = lv(site_position(c.site, c.side, sites)[1])
        while any(abs(px - x) < 2 * r + 0.3 and abs(py - y) < 2 * r + 0.3 for px, py in placed):
            y += 0.5  # one below the other, never on top
        y = min(y, box.y1 - r - 0.2)
        placed.append((x, y))
        fill = shade(c.probability)
        text_cls = "rank-light" if luminance(fill) < 0.25 else "rank-dark"
        cls = "cand-mark behind" if behind else "cand-mark"
        out.append(
            f'<g class="inset-mark" data-site="{escape(c.site)}" data-side="{escape(c.side or "")}" '
            f'data-rank="{c.rank}" data-depth="{"behind" if behind else "front"}">'
            f'<circle class="{cls}" cx="{x * S:.1f}" cy="{y * S:.1f}" r="{r * S:.1f}" fill="{fill}"/>'
            + _text(x, y + size * 0.36, str(c.rank), size, text_cls, weight="bold")
            + "</g>"
        )
    return out
