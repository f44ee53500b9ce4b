"""The drawn anatomy: SVG primitives, the neck and upper mediastinum, removed tissue, the record's glands."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from pathlib import Path

from ui.diagram.model import (
    _TYPE,
    ANATOMY_HEIGHT,
    CERVICAL_THYMUS_SITE,
    MEDIASTINAL_THYMUS_SITE,
    THORACIC_INLET_Y,
    THYROID_SITE,
    WIDTH,
    GlandMark,
    S,
)


def _p(x: float, y: float) -> str:
    return f"{x * S:.1f},{y * S:.1f}"


def _mirror_path(points: Iterable[tuple[str, float, float]]) -> tuple[str, str]:
    """A path given as (command, x, y) on the right side, and its mirror on the left."""
    right, left = [], []
    for cmd, x, y in points:
        right.append(f"{cmd}{_p(x, y)}")
        left.append(f"{cmd}{_p(100 - x, y)}")
    return " ".join(right), " ".join(left)


def _text(
    x: float, y: float, body: str, size: float, cls: str = "", anchor: str = "middle", weight: str = "normal"
) -> str:
    size = max(size, _TYPE.get().min_text)
    return (
        f'<text x="{x * S:.1f}" y="{y * S:.1f}" font-size="{size * S:.1f}" text-anchor="{anchor}" '
        f'font-weight="{weight}" class="{cls}">{escape(body)}</text>'
    )


def _mark_size(size: float) -> float:
    """The size of a text the board must read (a rank, a percentage, a tag, a gland's letter)."""
    return max(size, _TYPE.get().marks_text)


@dataclass(frozen=True)
class Label:
    """A name on the anatomy, drawn where the layout finds room (its own place first).

    ``lines`` are drawn one under the other from the baseline ``y``; ``keep``: a label the
    drawing must show (removed tissue), moved if its place is taken (with a leader line to
    ``at``, the tissue it names), where a plain anatomical name is left out instead.
    """

    x: float
    y: float
    lines: tuple[str, ...]
    size: float
    cls: str = "anat"
    anchor: str = "middle"
    keep: bool = False
    at: tuple[float, float] | None = None

    @property
    def drawn_size(self) -> float:
        return max(self.size, _TYPE.get().min_text)


#: The thyroid lobes (right side; the left mirrors): centre, radii and tilt, in diagram units.
#: Wide enough that the graph's intrathyroidal site lies well inside the lobe, not on its edge.
LOBE_CX, LOBE_CY, LOBE_RX, LOBE_RY, LOBE_TILT = 36.0, 41.5, 8.5, 12.5, 8.0


def _anat(
    x: float, y: float, body: str, size: float, cls: str = "anat", anchor: str = "middle"
) -> list[Label]:
    """An anatomical label, unless the typography keeps fewer (the board shows less, larger)."""
    keep = _TYPE.get().labels
    return [Label(x, y, (body,), size, cls, anchor)] if keep is None or body in keep else []


def _rect(cls: str, x: float, y: float, w: float, h: float, rx: float) -> str:
    return (
        f'<rect class="{cls}" x="{x * S:.1f}" y="{y * S:.1f}" width="{w * S:.1f}" height="{h * S:.1f}" '
        f'rx="{rx * S:.1f}"/>'
    )


def _anatomy(removed: frozenset[tuple[str, str]]) -> tuple[list[str], list[Label]]:
    """The drawn anatomy (shapes) and its names (placed later by the layout pass)."""
    out: list[str] = []
    names: list[Label] = []
    # body silhouette and the jaw line
    out.append(
        f'<path class="skin" d="M{_p(13, 0)} L{_p(19, 14)} L{_p(18, 56)} Q{_p(10, 61)} {_p(0, 64)} '
        f"L{_p(0, 104)} L{_p(100, 104)} L{_p(100, 64)} Q{_p(90, 61)} {_p(82, 56)} L{_p(81, 14)} "
        f'L{_p(87, 0)} Z"/>'
    )
    face = f"M{_p(13, 0)} Q{_p(20, 13)} {_p(50, 15.5)} Q{_p(80, 13)} {_p(87, 0)} Z"
    out.append(f'<path class="face" d="{face}"/>')
    names.extend(_anat(50, 7, "mandible", 1.7, "anat"))
    # great vessels: internal jugular veins, carotid arteries, brachiocephalic veins, arch
    for x in (21.0, 79.0):
        out.append(f'<path class="vein" d="M{_p(x, 2)} L{_p(x, 67)}"/>')
    out.append(f'<path class="vein" d="M{_p(21, 67)} Q{_p(30, 71)} {_p(44, 79)}"/>')
    out.append(f'<path class="vein" d="M{_p(79, 67)} Q{_p(66, 70)} {_p(44, 79)}"/>')
    out.append(f'<path class="vein" d="M{_p(44, 79)} L{_p(44, 104)}"/>')
    for x, dx in ((25.0, 1), (75.0, -1)):
        out.append(
            f'<path class="artery" d="M{_p(x - 2 * dx, 3)} L{_p(x, 13)} L{_p(x + 2 * dx, 3)} '
            f'M{_p(x, 13)} L{_p(x, 66)} Q{_p(x + 6 * dx, 80)} {_p(50, 86)}"/>'
        )
    out.append(
        f'<path class="artery arch" d="M{_p(44, 104)} C{_p(44, 91)} {_p(49, 86.5)} {_p(55, 86.5)} '
        f'C{_p(62, 86.5)} {_p(66, 92)} {_p(66, 104)}"/>'
    )
    names.extend(_anat(68.5, 101, "aortic arch", 1.6, "anat", "start"))
    names.extend(_anat(17.5, 36, "IJV", 1.5, "anat", "end"))
    names.extend(_anat(26.2, 20, "carotid", 1.5, "anat", "start"))
    # oesophagus (behind the trachea), trachea with rings, larynx
    out.append(_rect("oesophagus", 47.5, 29, 10.5, 75, 3))
    out.append(_rect("trachea", 45.5, 30.5, 9, 61, 2))
    rings = " ".join(f"M{_p(45.8, y)} L{_p(54.2, y)}" for y in [31.5 + 2.6 * i for i in range(23)])
    out.append(f'<path class="ring" d="{rings}"/>')
    out.append(f'<path class="trachea" d="M{_p(46.5, 91)} L{_p(41, 104)} M{_p(53.5, 91)} L{_p(59, 104)}"/>')
    out.append(
        f'<path class="larynx" d="M{_p(43, 17)} L{_p(57, 17)} L{_p(55.5, 25)} L{_p(50, 28)} '
        f'L{_p(44.5, 25)} Z"/>'
    )
    out.append(_rect("larynx", 45, 28, 10, 2.6, 1))
    names.extend(_anat(50, 22.5, "larynx", 1.5, "anat"))
    names.extend(_anat(50, 71.5, "trachea", 1.5, "anat vertical"))
    # clavicles and manubrium (outline only: the thymus lies behind it)
    out.append(
        f'<path class="bone" d="M{_p(44, 66)} Q{_p(28, 60)} {_p(5, 63)} M{_p(56, 66)} '
        f'Q{_p(72, 60)} {_p(95, 63)}"/>'
    )
    out.append(_rect("sternum", 41.5, 65.5, 17, 38, 2))
    names.extend(_anat(8, 61, "clavicle", 1.5, "anat", "start"))
    # thyroid lobes and isthmus
    lobes = {"right": (LOBE_CX, LOBE_TILT), "left": (100 - LOBE_CX, -LOBE_TILT)}
    if not any((THYROID_SITE, s) in removed for s in lobes):
        out.append(_rect("thyroid", 44, 43.5, 12, 5, 1.5))
    for side, (cx, rot) in lobes.items():
        gone = (THYROID_SITE, side) in removed
        cls = "removed" if gone else "thyroid"
        out.append(
            f'<ellipse class="{cls} lobe" data-side="{side}" cx="{cx * S}" cy="{LOBE_CY * S}" '
            f'rx="{LOBE_RX * S}" ry="{LOBE_RY * S}" transform="rotate({rot} {cx * S} {LOBE_CY * S})"/>'
        )
        if gone:
            names.append(Label(cx, 43, ("lobe", "removed"), 1.8, "removed-label", keep=True, at=(cx, 47)))
    names.extend(_anat(50, 46.9, "thyroid", 1.5, "anat"))
    # thymus: the cervical part (above the thoracic inlet) and the mediastinal part
    right, left = _mirror_path(
        [
            ("M", 44, 56),
            ("C", 40, 60),
            ("", 38, 72),
            ("", 41, 84),
            ("C", 43, 88),
            ("", 48, 88),
            ("", 49.6, 84),
            ("L", 49.6, 64),
            ("C", 49, 60),
            ("", 46, 57),
            ("", 44, 56),
        ]
    )
    cervical_gone = any((CERVICAL_THYMUS_SITE, s) in removed for s in ("left", "right", "midline"))
    mediastinal_gone = any((MEDIASTINAL_THYMUS_SITE, s) in removed for s in ("left", "right", "midline"))
    for part, gone in (("cervical", cervical_gone), ("mediastinal", mediastinal_gone)):
        cls = "removed" if gone else "thymus"
        out.append(
            f'<g clip-path="url(#clip-{part})"><path class="{cls}" d="{right} Z"/>'
            f'<path class="{cls}" d="{left} Z"/></g>'
        )
    if cervical_gone:
        names.append(
            Label(34, 59.2, ("cervical thymus", "removed"), 1.6, "removed-label", "end", True, (42, 61))
        )
    if mediastinal_gone:
        names.append(Label(36, 80, ("thymus", "removed"), 1.6, "removed-label", "end", True, (41, 78)))
    if not (cervical_gone or mediastinal_gone):
        names.extend(_anat(36.5, 80, "thymus", 1.5, "anat", "end"))
    return out, names


#: The letter inside a gland glyph, by the record's status (``removed`` is a cross, and
#: ``partially_removed`` a half-filled ring): each kind of tissue has its own mark.
GLAND_LETTERS = {"autotransplanted": "G", "biopsied_normal": "B", "identified_normal": "N", "not_found": "?"}


def gland_radius() -> float:
    """The radius of a gland glyph for the typography (diagram units, with its stroke)."""
    return 1.45 * _TYPE.get().glyph


def gland_offset() -> float:
    """How far above its site a gland glyph is drawn when the site is free (diagram units)."""
    return 4.2 * (1 + (_TYPE.get().glyph - 1) * 0.5)


def _gland_glyph(g: GlandMark, gx: float, gy: float) -> str:
    """A gland of the record at ``(gx, gy)``: ✕ removed, G grafted, B biopsied, N seen, ? not found."""
    k = _TYPE.get().glyph
    r = 1.35 * S * k
    title = f"<title>{escape(g.position.replace('_', ' '))}: {escape(g.status.replace('_', ' '))}</title>"
    cx, cy = f"{gx * S:.1f}", f"{gy * S:.1f}"
    if g.status == "removed":
        d = 1.1 * S * k
        body = (
            f'<circle cx="{cx}" cy="{cy}" r="{r:.1f}" class="gland-bg"/>'
            f'<path class="gland-x" d="M{gx * S - d:.1f},{gy * S - d:.1f} L{gx * S + d:.1f},{gy * S + d:.1f} '
            f'M{gx * S - d:.1f},{gy * S + d:.1f} L{gx * S + d:.1f},{gy * S - d:.1f}"/>'
        )
    elif g.status == "partially_removed":
        body = (
            f'<circle cx="{cx}" cy="{cy}" r="{r:.1f}" class="gland-ring"/>'
            f'<path class="gland-half" d="M{cx},{gy * S - r:.1f} A{r:.1f},{r:.1f} 0 0 1 '
            f'{cx},{gy * S + r:.1f} Z"/>'
        )
    else:
        ring = {"not_found": "gland-ring dashed", "autotransplanted": "gland-ring grafted"}.get(
            g.status, "gland-ring"
        )
        letter = GLAND_LETTERS.get(g.status, "N")
        body = f'<circle cx="{cx}" cy="{cy}" r="{r:.1f}" class="{ring}"/>' + _text(
            gx, gy + 0.62 * k, letter, _mark_size(1.7), "gland-letter", weight="bold"
        )
    data = f'data-position="{escape(g.position)}" data-status="{escape(g.status)}"'
    return f'<g class="gland" {data}>{title}{body}</g>'


def _defs() -> str:
    return (
        "<defs>"
        '<pattern id="hatch" width="12" height="12" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        '<line x1="0" y1="0" x2="0" y2="12" stroke="#8a8a8a" stroke-width="3"/></pattern>'
        f'<clipPath id="clip-cervical"><rect x="0" y="0" width="{WIDTH}" '
        f'height="{THORACIC_INLET_Y * S}"/></clipPath>'
        f'<clipPath id="clip-mediastinal"><rect x="0" y="{THORACIC_INLET_Y * S}" width="{WIDTH}" '
        f'height="{ANATOMY_HEIGHT}"/></clipPath>'
        "</defs>"
    )


#: The diagram's stylesheet, embedded in each SVG so that the SVG stands alone.
STYLE = (Path(__file__).resolve().parent.parent / "assets" / "diagram.css").read_text(encoding="utf-8")
