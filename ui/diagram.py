"""The anatomical diagram: a front view of the neck and upper mediastinum, drawn as SVG.

:func:`neck_svg` is a pure function of a :class:`DiagramInput` and the site coordinates from
the knowledge graph (``Site.x``/``Site.y``, 0-100, for the patient's right side or the midline;
the left side mirrors as ``100 - x``). It draws

* every candidate location at its site and side, shaded *and* sized by its own chance of holding
  overactive tissue (several places can hold it at once: the marks are not shares of one whole),
  with its rank inside the mark and its percentage beside it;
* tissue already removed (a thyroid lobe, the cervical or mediastinal thymus) as a dashed,
  hatched outline labelled "removed";
* the glands of the operation record (removed ✕, seen normal N, not found ?);
* each imaging or FNA finding at its site as a tag naming the modality, with ``+`` / ``?`` /
  ``−`` for positive / equivocal / negative (pale when the study predates the last operation).

Nothing is carried by colour alone: rank numbers, percentages, tags and a legend say it in
words. :func:`diagram_input` gathers the input from a case and its plan; what counts as removed
comes from the plan's ``record`` (the planner's reading of the operation record).
"""

from __future__ import annotations

import contextvars
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any, Protocol

from kg.knowledge import Knowledge
from planner.places import side_of
from ui.names import MODALITY_TAGS, pct, where

#: SVG units per diagram unit (site coordinates are 0-100).
S = 10.0
WIDTH = 1000
ANATOMY_HEIGHT = 1040
LEGEND_HEIGHT = 190


@dataclass(frozen=True)
class Typography:
    """Sizes of the drawing for where it is read: at a desk, or on the wall screen of a tumour board.

    ``min_text`` is the smallest font size in diagram units (the board's is chosen so that, at
    the size its stylesheet gives the SVG, no label is under 24 CSS px at 1920x1080); ``mark``
    and ``glyph`` enlarge the candidate marks and the gland glyphs to hold that text; ``labels``
    names the anatomical labels kept (None: all); ``marks_text`` is the smallest size of what
    the board reads (ranks, percentages, tags, gland letters, sides), larger than the labels.
    """

    min_text: float = 0.0
    mark: float = 1.0
    glyph: float = 1.0
    labels: frozenset[str] | None = None
    marks_text: float = 0.0


DESK = Typography()
BOARD = Typography(3.8, 1.55, 2.3, frozenset({"thyroid", "thymus", "trachea"}), 5.0)
_TYPE: contextvars.ContextVar[Typography] = contextvars.ContextVar("diagram_type", default=DESK)

LOW_SHADE = (0xDE, 0xEB, 0xF7)
HIGH_SHADE = (0x08, 0x30, 0x6B)

#: The tissue shapes that a removed (site, side) stands for.
THYROID_SITE = "intrathyroidal"
CERVICAL_THYMUS_SITE = "perrier_F"
MEDIASTINAL_THYMUS_SITE = "anterior_mediastinum"
THORACIC_INLET_Y = 66.0


class SiteLike(Protocol):
    """What the diagram needs of a site (``kg.knowledge.Site`` has it)."""

    x: float
    y: float
    lateralized: bool


@dataclass(frozen=True)
class Candidate:
    rank: int
    site: str
    side: str | None
    probability: float


@dataclass(frozen=True)
class Finding:
    """One study's result at a site: ``tag`` names the modality (``US``, ``4D-CT``, ``FNA``)."""

    site: str
    side: str | None
    tag: str
    result: str
    day: int | None = None

    @property
    def before_last_operation(self) -> bool:
        return self.day is not None and self.day < 0


@dataclass(frozen=True)
class GlandMark:
    """A gland of the operation record, drawn at the site where it is (or was)."""

    position: str
    status: str
    site: str
    side: str | None


@dataclass(frozen=True)
class DiagramInput:
    candidates: tuple[Candidate, ...] = ()
    findings: tuple[Finding, ...] = ()
    removed: frozenset[tuple[str, str]] = frozenset()
    glands: tuple[GlandMark, ...] = ()
    grafts: tuple[tuple[str, str | None], ...] = ()
    labels: Mapping[tuple[str, str | None], str] = field(default_factory=dict)


# ---------------------------------------------------------------- geometry and shading


def site_position(code: str, side: str | None, sites: Mapping[str, SiteLike]) -> tuple[float, float]:
    """Diagram coordinates (0-100) of a site on one side.

    The graph gives each site on the patient's right (viewer's left in this front view) or on
    the midline; the left side mirrors. A site without sides stays where it is whatever side
    is asked for.

    >>> from kg.knowledge import knowledge
    >>> sites = knowledge().sites
    >>> site_position("perrier_F", "right", sites), site_position("perrier_F", "left", sites)
    ((42.0, 60.0), (58.0, 60.0))
    >>> site_position("anterior_mediastinum", "midline", sites)
    (50.0, 76.0)
    """
    if code not in sites:
        raise KeyError(f"no site {code!r} in the knowledge graph")
    s = sites[code]
    if s.lateralized and side == "left":
        return 100.0 - s.x, s.y
    return s.x, s.y


def positions(sites: Mapping[str, SiteLike]) -> dict[tuple[str, str], tuple[float, float]]:
    """Every (site, side) the diagram can draw: both sides of a lateralized site, else midline."""
    out: dict[tuple[str, str], tuple[float, float]] = {}
    for code in sorted(sites):
        sides = ("right", "left") if sites[code].lateralized else ("midline",)
        for side in sides:
            out[(code, side)] = site_position(code, side, sites)
    return out


def shade(probability: float) -> str:
    """Fill colour for a probability: light blue at 0 to dark navy at 1 (monotone in lightness).

    The square root spreads the small probabilities apart so that 2 % and 10 % differ visibly.

    >>> shade(0.0), shade(1.0)
    ('#deebf7', '#08306b')
    """
    t = math.sqrt(min(1.0, max(0.0, probability)))
    rgb = [round(lo + (hi - lo) * t) for lo, hi in zip(LOW_SHADE, HIGH_SHADE, strict=True)]
    return "#" + "".join(f"{c:02x}" for c in rgb)


def luminance(hex_colour: str) -> float:
    """Relative luminance (WCAG) of ``#rrggbb``.

    >>> round(luminance("#ffffff"), 3), round(luminance("#000000"), 3)
    (1.0, 0.0)
    """
    vals = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in vals]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def radius(probability: float) -> float:
    """Mark radius in diagram units: larger for a likelier site (size repeats the shading)."""
    return 2.3 + 2.4 * math.sqrt(min(1.0, max(0.0, probability)))


# ---------------------------------------------------------------- input from a case and plan


def diagram_input(case: Mapping[str, Any], plan: Mapping[str, Any], kn: Knowledge) -> DiagramInput:
    """Gather what the diagram shows from a valid case and its plan (contract dicts)."""
    candidates = tuple(
        Candidate(int(loc["rank"]), loc["site"], loc.get("side"), float(loc["probability"]))
        for loc in plan.get("locations", [])
        if loc.get("site") in kn.sites
    )
    findings: list[Finding] = []
    for im in case.get("imaging", []):
        if im.get("site") in kn.sites:
            side = side_of(kn, im["site"], im.get("side"))
            tag = MODALITY_TAGS.get(im["modality"], im["modality"])
            findings.append(Finding(im["site"], side, tag, im["result"], im.get("day")))
    for f in case.get("fna", []):
        if f.get("site") in kn.sites:
            side = side_of(kn, f["site"], f.get("side"))
            findings.append(Finding(f["site"], side, MODALITY_TAGS["fna"], "sampled", f.get("day")))
    record = plan.get("record") or {}
    removed = frozenset(
        (r["site"], r["side"]) for r in record.get("removed_tissue", []) if r.get("remaining_factor", 1) < 1
    )
    glands: list[GlandMark] = []
    for g in record.get("glands", []):
        if g["status"] == "not_explored":
            continue
        if g["position"] == "supernumerary":
            if g.get("site") in kn.sites:
                glands.append(GlandMark("supernumerary", g["status"], g["site"], g.get("side")))
            continue
        if g["position"] not in kn.positions:
            continue
        origin, side = kn.positions[g["position"]]
        site = g.get("site") or kn.usual_site.get(origin)
        if site in kn.sites:
            glands.append(GlandMark(g["position"], g["status"], site, g.get("side") or side))
    grafts: list[tuple[str, str | None]] = []
    for op in case.get("operations", []):
        graft = op.get("autograft")
        if graft:
            grafts.append((graft["location"], graft.get("side")))
    labels = {(c.site, c.side): where(c.site, c.side, kn) for c in candidates}
    return DiagramInput(tuple(candidates), tuple(findings), removed, tuple(glands), tuple(grafts), labels)


# ---------------------------------------------------------------- drawing


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


def _anat(x: float, y: float, body: str, size: float, cls: str = "anat", anchor: str = "middle") -> str:
    """An anatomical label, unless the typography keeps fewer (the board shows less, larger)."""
    keep = _TYPE.get().labels
    return _text(x, y, body, size, cls, anchor) if keep is None or body in keep else ""


def _rect(cls: str, x: float, y: float, w: float, h: float, rx: float) -> str:
    return (
        f'<rect class="{cls}" x="{x * S:.1f}" y="{y * S:.1f}" width="{w * S:.1f}" height="{h * S:.1f}" '
        f'rx="{rx * S:.1f}"/>'
    )


def _anatomy(removed: frozenset[tuple[str, str]]) -> list[str]:
    out: list[str] = []
    # body silhouette and the jaw line
    out.append(
        f'<path class="skin" d="M{_p(13, 0)} L{_p(19, 14)} L{_p(18, 56)} Q{_p(10, 61)} {_p(0, 64)} '
        f"L{_p(0, 104)} L{_p(100, 104)} L{_p(100, 64)} Q{_p(90, 61)} {_p(82, 56)} L{_p(81, 14)} "
        f'L{_p(87, 0)} Z"/>'
    )
    face = f"M{_p(13, 0)} Q{_p(20, 13)} {_p(50, 15.5)} Q{_p(80, 13)} {_p(87, 0)} Z"
    out.append(f'<path class="face" d="{face}"/>')
    out.append(_anat(50, 7, "mandible", 1.7, "anat"))
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
    out.append(_anat(68.5, 101, "aortic arch", 1.6, "anat", "start"))
    out.append(_anat(17.5, 36, "IJV", 1.5, "anat", "end"))
    out.append(_anat(26.2, 20, "carotid", 1.5, "anat", "start"))
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
    out.append(_anat(50, 22.5, "larynx", 1.5, "anat"))
    out.append(_anat(50, 71.5, "trachea", 1.5, "anat vertical"))
    # clavicles and manubrium (outline only: the thymus lies behind it)
    out.append(
        f'<path class="bone" d="M{_p(44, 66)} Q{_p(28, 60)} {_p(5, 63)} M{_p(56, 66)} '
        f'Q{_p(72, 60)} {_p(95, 63)}"/>'
    )
    out.append(_rect("sternum", 41.5, 65.5, 17, 38, 2))
    out.append(_anat(8, 61, "clavicle", 1.5, "anat", "start"))
    # thyroid lobes and isthmus
    lobes = {"right": (38.5, 10), "left": (61.5, -10)}
    if not any((THYROID_SITE, s) in removed for s in lobes):
        out.append(_rect("thyroid", 44, 43.5, 12, 5, 1.5))
    for side, (cx, rot) in lobes.items():
        gone = (THYROID_SITE, side) in removed
        cls = "removed" if gone else "thyroid"
        out.append(
            f'<ellipse class="{cls}" cx="{cx * S}" cy="{41.5 * S}" rx="{7.5 * S}" ry="{12 * S}" '
            f'transform="rotate({rot} {cx * S} {41.5 * S})"/>'
        )
        if gone:
            out.append(_text(cx, 43, "lobe", 1.8, "removed-label"))
            out.append(_text(cx, 45.4, "removed", 1.8, "removed-label"))
    out.append(_anat(50, 46.9, "thyroid", 1.5, "anat"))
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
        out.append(_text(34, 59.2, "cervical thymus", 1.6, "removed-label", "end"))
        out.append(_text(34, 61.4, "removed", 1.6, "removed-label", "end"))
    if mediastinal_gone:
        out.append(_text(36, 80, "thymus", 1.6, "removed-label", "end"))
        out.append(_text(36, 82.2, "removed", 1.6, "removed-label", "end"))
    if not (cervical_gone or mediastinal_gone):
        out.append(_anat(36.5, 80, "thymus", 1.5, "anat", "end"))
    return out


def _gland_glyph(g: GlandMark, x: float, y: float) -> str:
    k = _TYPE.get().glyph
    gx, gy = x, y - 4.2 * (1 + (k - 1) * 0.5)
    r = 1.35 * S * k
    title = f"<title>{escape(g.position.replace('_', ' '))}: {escape(g.status.replace('_', ' '))}</title>"
    if g.status in ("removed", "autotransplanted"):
        d = 1.1 * S * k
        body = (
            f'<circle cx="{gx * S:.1f}" cy="{gy * S:.1f}" r="{r:.1f}" class="gland-bg"/>'
            f'<path class="gland-x" d="M{gx * S - d:.1f},{gy * S - d:.1f} L{gx * S + d:.1f},{gy * S + d:.1f} '
            f'M{gx * S - d:.1f},{gy * S + d:.1f} L{gx * S + d:.1f},{gy * S - d:.1f}"/>'
        )
    elif g.status == "partially_removed":
        body = (
            f'<circle cx="{gx * S:.1f}" cy="{gy * S:.1f}" r="{r:.1f}" class="gland-ring"/>'
            f'<path class="gland-half" d="M{gx * S:.1f},{gy * S - r:.1f} A{r:.1f},{r:.1f} 0 0 1 '
            f'{gx * S:.1f},{gy * S + r:.1f} Z"/>'
        )
    elif g.status == "not_found":
        body = f'<circle cx="{gx * S:.1f}" cy="{gy * S:.1f}" r="{r:.1f}" class="gland-ring dashed"/>' + _text(
            gx, gy + 0.65 * k, "?", _mark_size(1.9), "gland-letter", weight="bold"
        )
    else:  # seen and left in situ
        body = f'<circle cx="{gx * S:.1f}" cy="{gy * S:.1f}" r="{r:.1f}" class="gland-ring"/>' + _text(
            gx, gy + 0.62 * k, "N", _mark_size(1.7), "gland-letter", weight="bold"
        )
    data = f'data-position="{escape(g.position)}" data-status="{escape(g.status)}"'
    return f'<g class="gland" {data}>{title}{body}</g>'


_RESULT_MARK = {"positive": "+", "equivocal": "?", "negative": "−", "sampled": ""}


TAG_TEXT = 1.85


def tag_width(text: str, size: float = TAG_TEXT) -> float:
    """Width of a finding tag in diagram units (bold sans at ``size`` units per em).

    >>> round(tag_width("US+"), 2), round(tag_width("US+", 3.7), 2)
    (5.4, 10.8)
    """
    return (1.3 * len(text) + 1.5) * size / TAG_TEXT


def _tags(items: list[Finding], x: float, y: float, outward: int, r: float) -> list[str]:
    out = []
    size = max(TAG_TEXT, _TYPE.get().min_text, _TYPE.get().marks_text)
    h = 2.9 * size / TAG_TEXT
    total = sum(tag_width(f.tag + _RESULT_MARK.get(f.result, ""), size) + 0.5 for f in items)
    if not 0.5 <= x + outward * (r + 0.8 + total) <= 99.5:
        outward = -outward  # no room towards the edge: put the tags on the other side
    cursor = x + outward * (r + 0.8)
    for f in items:
        text = f.tag + _RESULT_MARK.get(f.result, "")
        w = tag_width(text, size)
        left = cursor if outward > 0 else cursor - w
        cls = f"tag tag-{f.result}" + (" tag-old" if f.before_last_operation else "")
        day = "" if f.day is None else f", day {f.day}"
        out.append(
            f'<g class="{cls}" data-site="{escape(f.site)}" data-side="{escape(f.side or "")}">'
            f"<title>{escape(f.tag)} {escape(f.result)}{escape(day)}</title>"
            f'<rect x="{left * S:.1f}" y="{(y - h / 2) * S:.1f}" width="{w * S:.1f}" height="{h * S:.1f}" '
            f'rx="{0.6 * S:.1f}"/>'
            + _text(left + w / 2, y + 0.35 * size, text, size, "tag-text", weight="bold")
            + "</g>"
        )
        cursor += outward * (w + 0.5)
    return out


def _candidate(c: Candidate, x: float, y: float, inward: int, show_pct: bool, label: str) -> list[str]:
    fill = shade(c.probability)
    r = radius(c.probability) * _TYPE.get().mark
    text_cls = "rank-light" if luminance(fill) < 0.25 else "rank-dark"
    out = [
        f'<g class="candidate" data-site="{escape(c.site)}" data-side="{escape(c.side or "")}" '
        f'data-rank="{c.rank}" data-probability="{c.probability:.4f}" data-fill="{fill}">'
        f"<title>#{c.rank} {escape(label)}: "
        f"{escape(pct(c.probability))} chance of overactive tissue</title>"
        f'<circle cx="{x * S:.1f}" cy="{y * S:.1f}" r="{r * S:.1f}" fill="{fill}" class="cand-mark"/>',
        _text(
            x, y + r * 0.36, str(c.rank), max(1.9, r * 0.95, _TYPE.get().marks_text), text_cls, weight="bold"
        ),
    ]
    if show_pct:
        if inward == 0:  # near the midline: below the mark, so left and right labels never meet
            out.append(
                _text(
                    x,
                    y + r + _mark_size(2.1),
                    pct(c.probability),
                    _mark_size(2.1),
                    "pct",
                    "middle",
                    "bold",
                )
            )
        else:
            anchor = "start" if inward > 0 else "end"
            px = x + inward * (r + 0.6)
            out.append(_text(px, y - r * 0.55, pct(c.probability), _mark_size(2.1), "pct", anchor, "bold"))
    out.append("</g>")
    return out


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
STYLE = (Path(__file__).resolve().parent / "assets" / "diagram.css").read_text(encoding="utf-8")


def _legend(y0: float) -> list[str]:
    """The key: shading scale, rank, tags, gland glyphs, removed tissue (diagram units from y0)."""
    out = [f'<g class="legend" transform="translate(0,{y0 * S:.1f})">']
    out.append(f'<rect x="0" y="0" width="{WIDTH}" height="{LEGEND_HEIGHT}" fill="#ffffff"/>')
    out.append(f'<line x1="0" y1="0" x2="{WIDTH}" y2="0" stroke="#b5a395" stroke-width="3"/>')
    # shading and size scale
    # each mark is that place's own chance (several glands at once), not a share of the others
    out.append(_text(1.5, 3.4, "Chance of tissue here: shade, size", 1.9, "legend-text", "start", "bold"))
    out.append(
        _text(1.5, 17.2, "Each place on its own; the number is its rank.", 1.6, "legend-text", "start")
    )
    cx = 1.5
    for p in (0.01, 0.05, 0.2, 0.5, 1.0):
        r = radius(p)
        cx += r
        out.append(
            f'<circle cx="{cx * S:.1f}" cy="{8.6 * S:.1f}" r="{r * S:.1f}" fill="{shade(p)}" '
            'class="cand-mark"/>'
        )
        out.append(_text(cx, 14.6, pct(p), 1.7, "legend-text"))
        cx += r + 1.6
    # tags
    x = 45.0
    out.append(_text(x, 3.4, "Findings at a site", 1.9, "legend-text", "start", "bold"))
    samples = [
        (Finding("", None, "US", "positive"), "positive"),
        (Finding("", None, "US", "equivocal"), "equivocal"),
        (Finding("", None, "US", "negative"), "negative"),
        (Finding("", None, "US", "positive", -30), "before last op"),
    ]
    for i, (f, w) in enumerate(samples):
        ty = 7.4 + (i % 2) * 4.4
        tx = x + (i // 2) * 14
        out += _tags([f], tx, ty, 1, -0.8)
        out.append(_text(tx + tag_width("US+") + 0.6, ty + 0.6, w, 1.6, "legend-text", "start"))
    # glands and tissue
    x = 76.0
    out.append(_text(x, 3.4, "Operation record", 1.9, "legend-text", "start", "bold"))
    gl = [
        ("removed", "gland removed"),
        ("identified_normal", "gland seen normal"),
        ("not_found", "not found"),
    ]
    for i, (status, w) in enumerate(gl):
        gy = 6.6 + i * 2.9
        out.append(_gland_glyph(GlandMark("", status, "", None), x + 1.4, gy + 4.2))
        out.append(_text(x + 3.4, gy + 0.6, w, 1.6, "legend-text", "start"))
    out.append(
        f'<rect class="removed" x="{(x + 0.2) * S:.1f}" y="{(6.6 + 3 * 2.9 - 1.3) * S:.1f}" '
        f'width="{2.6 * S:.1f}" height="{2.6 * S:.1f}"/>'
    )
    out.append(_text(x + 3.4, 6.6 + 3 * 2.9 + 0.6, "tissue removed", 1.6, "legend-text", "start"))
    out.append("</g>")
    return out


def neck_svg(
    data: DiagramInput,
    sites: Mapping[str, SiteLike],
    *,
    legend: bool = True,
    pct_threshold: float = 0.01,
    title: str = "Front view of the neck and upper mediastinum",
    typography: Typography = DESK,
) -> str:
    """The diagram as a standalone SVG string (no scripts, no external resources).

    Parameters
    ----------
    data : DiagramInput
        Candidates, findings, removed tissue, glands and grafts.
    sites : mapping of site code -> Site
        The graph's sites with their coordinates (``knowledge().sites``).
    legend : bool
        Draw the key below the anatomy.
    pct_threshold : float
        Candidates at or above this probability get their percentage written beside them.
    title : str
        The accessible title.
    typography : Typography
        :data:`DESK` (the default) or :data:`BOARD`: larger type and marks, fewer anatomical
        labels, and one tag per site counting its studies by result.

    Examples
    --------
    >>> from kg.knowledge import knowledge
    >>> svg = neck_svg(DiagramInput((Candidate(1, "perrier_F", "left", 0.9),)), knowledge().sites)
    >>> svg.startswith("<svg") and 'data-site="perrier_F"' in svg
    True
    >>> import re
    >>> board = neck_svg(DiagramInput((Candidate(1, "perrier_F", "left", 0.9),)), knowledge().sites,
    ...                  legend=False, typography=BOARD)
    >>> min(float(v) for v in re.findall(r'font-size="([0-9.]+)"', board)) >= BOARD.min_text * S
    True
    """
    token = _TYPE.set(typography)
    try:
        return _svg(data, sites, legend, pct_threshold, title)
    finally:
        _TYPE.reset(token)


def board_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """One tag per site and result for the wall screen: "3+" is three positive studies there.

    A board reads concordance at a glance; the modalities are in the summary strip.

    >>> [f.tag + f.result[:3] for f in board_findings([Finding("perrier_F", "left", "US", "positive", 250),
    ...     Finding("perrier_F", "left", "4D-CT", "positive", 260),
    ...     Finding("perrier_E", "left", "FNA", "sampled")])]
    ['2pos', 'FNAsam']
    """
    groups: dict[tuple[str, str | None, str], list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.site, f.side, f.result), []).append(f)
    out = []
    for (site, side, result), items in groups.items():
        tag = "FNA" if result == "sampled" else str(len(items))
        days = [f.day for f in items if f.day is not None]
        out.append(Finding(site, side, tag, result, max(days) if days else None))
    return tuple(out)


def _grafts(data: DiagramInput, sites: Mapping[str, SiteLike]) -> list[str]:
    out = []
    size = max(1.7, _TYPE.get().min_text)
    for location, side in data.grafts:
        if "autograft" not in sites:
            continue
        gx, gy = site_position("autograft", side or "right", sites)
        w = (1.15 * len(f"graft: {location}") + 2) * size / 1.7
        h = 4 * size / 1.7
        left = min(max(gx - w / 2, 0.5), 99.5 - w)
        out.append(
            f'<g class="graft"><rect x="{left * S:.1f}" y="{(gy - 5.5 - h) * S:.1f}" width="{w * S:.1f}" '
            f'height="{h * S:.1f}" rx="{S:.1f}"/>'
            + _text(left + w / 2, gy - 5.5 - h / 2 + 0.35 * size, f"graft: {location}", 1.7)
            + "</g>"
        )
    return out


def _finding_tags(data: DiagramInput, sites: Mapping[str, SiteLike]) -> list[str]:
    """Findings as tags, outward from each site (below a midline site)."""
    findings = board_findings(data.findings) if _TYPE.get() is not DESK else data.findings
    by_loc: dict[tuple[str, str | None], list[Finding]] = {}
    for f in findings:
        if f.site in sites:
            by_loc.setdefault((f.site, f.side), []).append(f)
    cand_r = {(c.site, c.side): radius(c.probability) * _TYPE.get().mark for c in data.candidates}
    out: list[str] = []
    for (site, side), items in sorted(by_loc.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        x, y = site_position(site, side, sites)
        outward = -1 if (side == "right" and sites[site].lateralized) else 1
        r = cand_r.get((site, side), 1.0)
        below = r + 2.2 * max(1.0, _TYPE.get().min_text / TAG_TEXT)
        out += _tags(items, x, y + (below if side not in ("left", "right") else 0), outward, r)
    return out


def _candidates(data: DiagramInput, sites: Mapping[str, SiteLike], pct_threshold: float) -> list[str]:
    """Candidates, least likely first so that the leading ones are drawn on top."""
    out: list[str] = []
    for c in sorted(data.candidates, key=lambda c: -c.rank):
        if c.site not in sites:
            continue
        x, y = site_position(c.site, c.side, sites)
        inward = 1 if (c.side == "right" and sites[c.site].lateralized) else -1
        if c.side not in ("left", "right"):
            inward = -1
        elif abs(x - 50) < 10:
            inward = 0
        label = data.labels.get((c.site, c.side), f"{c.site} {c.side or ''}".strip())
        out += _candidate(c, x, y, inward, c.probability >= pct_threshold, label)
    return out


def _svg(
    data: DiagramInput, sites: Mapping[str, SiteLike], legend: bool, pct_threshold: float, title: str
) -> str:
    height = ANATOMY_HEIGHT + (LEGEND_HEIGHT if legend else 0)
    summary = "; ".join(
        f"{c.rank}: {c.site} {c.side or ''} {pct(c.probability)}" for c in data.candidates[:5]
    )
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" class="nd" id="neck-diagram" '
        f'viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-label="{escape(title)}. Ranked places, each with its own chance of holding '
        f'overactive tissue: {escape(summary)}" '
        'preserveAspectRatio="xMidYMin meet">',
        f"<title>{escape(title)}</title>",
        f"<style>{STYLE}</style>",
        _defs(),
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>',
    ]
    parts += _anatomy(data.removed)
    desk = _TYPE.get() is DESK
    parts.append(_text(3, 4 + _mark_size(3.6) - 3.6, "R", _mark_size(3.6), "side-label", "start"))
    parts.append(_text(97, 4 + _mark_size(3.6) - 3.6, "L", _mark_size(3.6), "side-label", "end"))
    if desk:
        parts.append(_text(3, 6.6, "patient's right", 1.6, "side-label", "start"))
        parts.append(_text(97, 6.6, "patient's left", 1.6, "side-label", "end"))
    # faint reference dots at every position the graph knows
    for (_code, _side), (x, y) in positions(sites).items():
        parts.append(f'<circle class="site-dot" cx="{x * S:.1f}" cy="{y * S:.1f}" r="{0.55 * S:.1f}"/>')
    parts += _grafts(data, sites)
    for g in data.glands:
        x, y = site_position(g.site, g.side, sites)
        parts.append(_gland_glyph(g, x, y))
    parts += _finding_tags(data, sites)
    parts += _candidates(data, sites, pct_threshold)
    if legend:
        parts += _legend(ANATOMY_HEIGHT / S)
    parts.append("</svg>")
    return "".join(parts)
