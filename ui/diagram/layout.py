"""The diagram's layout pass: every mark and label gets a free place, in a fixed order.

Why a pass and not fixed offsets: the graph's sites lie a few units apart (Perrier D and the
intrathyroidal site, the two retroesophageal sides), and the board draws everything larger, so
marks, tags and percentages placed at fixed offsets hid each other. Here each item is placed in
turn, most important first (the candidates by rank, then the glands of the record, the
percentages, the tags, the grafts, the veins, the anatomical names); each goes to the first free
slot of its own list of preferred slots, then to the nearest free slot on growing rings around
its anchor. An item moved away from its anchor gets a leader line back to it. The search is
plain arithmetic in a fixed order, so the same input always gives the same drawing.

Text is measured with the advance widths of DejaVu Sans (the diagram's first font, and wider than
its fallbacks), in hundredths of an em, read once from the font files.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_CHARS = (
    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"
    "−✕·×→<>%…≥≤é'’"
)
_REGULAR = bytes.fromhex(
    "20282e54405f4e1b272732542024202240404040404040404040222254545435644445464d3f3a4d4b1d1d423856"
    "4b4f3c4f453f3d494463453d452722275432323d3f373f3e233f3f1c1c3a1c613f3d3f3f2934273f3b523b3b3440"
    "224054545420545454545f6454543e1b20"
)
_BOLD = bytes.fromhex(
    "232e34544664571f2e2e3454262a26254646464646464646464628285454543a644d4c49534444525425254d4064"
    "545549554d4844514d6e4d48492e252e54323243483b48442c4847222243226847454848313c3047415c41413a47"
    "2547545454265454545464645454441f26"
)
_WIDTHS = {False: dict(zip(_CHARS, _REGULAR, strict=True)), True: dict(zip(_CHARS, _BOLD, strict=True))}
#: A character outside the table counts as a wide one.
_WIDE = 100
#: Estimates err on the long side by this much (rounding, and a heavier fallback font).
SLACK = 1.04
#: Above the baseline (caps, digits, ascenders) and below it (descenders), in em.
ASCENT, DESCENT = 0.78, 0.24


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """The advance width of ``text`` at font size ``size`` (same unit).

    >>> round(text_width("12%", 2.0, bold=True), 2)
    4.99
    >>> text_width("MM", 1.0) > text_width("ii", 1.0)
    True
    """
    table = _WIDTHS[bold]
    return sum(table.get(ch, _WIDE) for ch in text) / 100 * size * SLACK


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle in diagram units (a label, a tag, an inset)."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def w(self) -> float:
        return self.x1 - self.x0

    @property
    def h(self) -> float:
        return self.y1 - self.y0

    def overlaps(self, other: Box, gap: float = 0.0) -> bool:
        """Whether the boxes meet (closer than ``gap``).

        >>> Box(0, 0, 2, 2).overlaps(Box(2.5, 0, 3, 1)), Box(0, 0, 2, 2).overlaps(Box(2.5, 0, 3, 1), 1)
        (False, True)
        """
        return not (
            self.x1 + gap <= other.x0
            or other.x1 + gap <= self.x0
            or self.y1 + gap <= other.y0
            or other.y1 + gap <= self.y0
        )

    def distance(self, x: float, y: float) -> float:
        """From a point to the nearest point of the box (0 inside)."""
        dx = max(self.x0 - x, 0.0, x - self.x1)
        dy = max(self.y0 - y, 0.0, y - self.y1)
        return math.hypot(dx, dy)

    def nearest(self, x: float, y: float) -> tuple[float, float]:
        return min(max(x, self.x0), self.x1), min(max(y, self.y0), self.y1)

    def hits(self, disc: Disc, gap: float = 0.0) -> bool:
        """Whether the box meets a disc (closer than ``gap``)."""
        return self.distance(disc.cx, disc.cy) < disc.r + gap

    def inside(self, bounds: Box) -> bool:
        return bounds.x0 <= self.x0 and self.x1 <= bounds.x1 and bounds.y0 <= self.y0 and self.y1 <= bounds.y1


@dataclass(frozen=True)
class Disc:
    """A round mark in diagram units (a candidate, a gland glyph)."""

    cx: float
    cy: float
    r: float

    def overlaps(self, other: Disc, gap: float = 0.0) -> bool:
        return math.hypot(self.cx - other.cx, self.cy - other.cy) < self.r + other.r + gap

    @property
    def box(self) -> Box:
        return Box(self.cx - self.r, self.cy - self.r, self.cx + self.r, self.cy + self.r)


def text_box(
    x: float, y: float, text: str, size: float, anchor: str = "middle", *, bold: bool = False
) -> Box:
    """The box of one line of SVG text drawn at baseline ``(x, y)`` with ``text-anchor`` ``anchor``.

    >>> b = text_box(10, 10, "ab", 2, "start")
    >>> (b.x0, round(b.y0, 2), round(b.y1, 2))
    (10, 8.44, 10.48)
    """
    w = text_width(text, size, bold=bold)
    x0 = {"start": x, "end": x - w}.get(anchor, x - w / 2)
    return Box(x0, y - ASCENT * size, x0 + w, y + DESCENT * size)


#: Directions tried around an anchor, in this order: right, left, below, above, then the diagonals.
_ANGLES = (0, 180, 90, 270, 30, 150, 330, 210, 60, 120, 300, 240)


class Layout:
    """The canvas as it fills: the boxes of the labels and the discs of the marks placed so far.

    A mutable accumulator on purpose: one pass places the items one by one, each against all
    before it. ``gap`` is the clear space kept between any two items.

    >>> lay = Layout(Box(0, 0, 100, 100), gap=0.5)
    >>> a = lay.place_disc(50, 50, 3)
    >>> b = lay.place_disc(51, 50, 3)   # the same spot is taken: the second moves beside it
    >>> (a.cx, a.cy), not a.overlaps(b, 0.5)
    ((50, 50), True)
    """

    def __init__(self, bounds: Box, gap: float = 0.4) -> None:
        self.bounds = bounds
        self.gap = gap
        self.boxes: list[Box] = []
        self.discs: list[Disc] = []

    def box_free(self, box: Box, own: Disc | None = None, margin: float = 0.0) -> bool:
        """Whether ``box`` fits: inside the canvas, clear of every box, and ``margin`` further from
        every mark but its ``own`` (so that a label reads as its own mark's, not a neighbour's)."""
        return (
            box.inside(self.bounds)
            and not any(box.overlaps(b, self.gap) for b in self.boxes)
            and not any(box.hits(d, self.gap + (0.0 if d is own else margin)) for d in self.discs)
        )

    def disc_free(self, disc: Disc) -> bool:
        return (
            disc.box.inside(self.bounds)
            and not any(disc.overlaps(d, self.gap) for d in self.discs)
            and not any(b.hits(disc, self.gap) for b in self.boxes)
        )

    def reserve_box(self, box: Box) -> Box:
        self.boxes.append(box)
        return box

    def reserve_disc(self, disc: Disc) -> Disc:
        self.discs.append(disc)
        return disc

    def place_disc(self, x: float, y: float, r: float, first: Iterable[tuple[float, float]] = ()) -> Disc:
        """The first free disc of radius ``r``: at ``(x, y)``, at a ``first`` centre, or on a ring."""
        tries = [(x, y), *first]
        for cx, cy in tries:
            d = Disc(cx, cy, r)
            if self.disc_free(d):
                return self.reserve_disc(d)
        for ring in _rings(r * 2 + self.gap):
            for a in _ANGLES:
                d = Disc(x + ring * _cos(a), y + ring * _sin(a), r)
                if self.disc_free(d):
                    return self.reserve_disc(d)
        return self.reserve_disc(Disc(x, y, r))  # a full canvas: at its own place

    def place_box(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        first: Sequence[Box] = (),
        *,
        clear: float = 0.0,
        own: Disc | None = None,
        margin: float = 0.0,
    ) -> Box | None:
        """The first free ``w`` x ``h`` box: one of ``first``, else beside the anchor ``(x, y)`` on rings.

        ``clear`` is the anchor's own radius (a mark's): ring slots start outside it. ``own`` and
        ``margin``: see :meth:`box_free` (a slot that keeps the margin is taken first, then one that
        only keeps the gap). None when the canvas has no room (the caller drops what it can).
        """
        for m in (margin, 0.0) if margin else (0.0,):
            for b in first:
                if self.box_free(b, own, m):
                    return self.reserve_box(b)
            for ring in _rings(clear + self.gap):
                if m and ring > clear + 12:
                    break  # no slot near the mark keeps the margin: keep only the gap
                for a in _ANGLES:
                    cx = x + _cos(a) * (ring + w / 2)
                    cy = y + _sin(a) * (ring + h / 2)
                    b = Box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
                    if self.box_free(b, own, m):
                        return self.reserve_box(b)
        return None


def _rings(start: float) -> Iterable[float]:
    """Ring distances: close steps first, then wider ones, out to the size of the canvas."""
    d = start
    while d < 60:
        yield d
        d += 0.8 if d < start + 8 else 2.0


def _cos(deg: int) -> float:
    return round(math.cos(math.radians(deg)), 6)


def _sin(deg: int) -> float:
    return round(math.sin(math.radians(deg)), 6)


def leader(
    x: float, y: float, target: Box | Disc, min_length: float = 1.2
) -> tuple[float, float, float, float] | None:
    """A line from an anchor to a moved item's edge, or None when the item sits at its anchor.

    >>> leader(0, 0, Disc(10, 0, 2))
    (0, 0, 8.0, 0.0)
    >>> leader(0, 0, Disc(0.5, 0, 2)) is None
    True
    """
    if isinstance(target, Disc):
        dist = math.hypot(target.cx - x, target.cy - y)
        if dist - target.r < min_length:
            return None
        k = (dist - target.r) / dist
        return x, y, round(x + (target.cx - x) * k, 3), round(y + (target.cy - y) * k, 3)
    if target.distance(x, y) < min_length:
        return None
    ex, ey = target.nearest(x, y)
    return x, y, ex, ey
