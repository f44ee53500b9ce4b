"""How each mark is drawn, once the layout pass has placed it: candidates, tags, grafts; and the legend."""

from __future__ import annotations

from html import escape

from ui.diagram.anatomy import _gland_glyph, _mark_size, _text
from ui.diagram.geometry import luminance, radius, shade
from ui.diagram.layout import text_width
from ui.diagram.model import (
    _TYPE,
    LEGEND_HEIGHT,
    WIDTH,
    Candidate,
    Finding,
    GlandMark,
    S,
)
from ui.names import pct

_RESULT_MARK = {"positive": "+", "equivocal": "?", "negative": "−", "sampled": ""}


TAG_TEXT = 1.85


def tag_width(text: str, size: float = TAG_TEXT) -> float:
    """Width of a finding tag in diagram units (bold sans at ``size`` units per em).

    >>> round(tag_width("US+"), 2), round(tag_width("US+", 3.7), 2)
    (5.4, 10.8)
    """
    return (1.3 * len(text) + 1.5) * size / TAG_TEXT


def tag_size() -> float:
    """The font size of a finding tag for the typography (diagram units)."""
    return max(TAG_TEXT, _TYPE.get().min_text, _TYPE.get().marks_text)


def tag_text(f: Finding) -> str:
    return f.tag + _RESULT_MARK.get(f.result, "")


def tags_extent(items: list[Finding]) -> tuple[float, float]:
    """Width and height of a row of tags (diagram units)."""
    size = tag_size()
    h = 2.9 * size / TAG_TEXT
    return sum(tag_width(tag_text(f), size) + 0.5 for f in items) - 0.5, h


def _tags(items: list[Finding], left: float, top: float) -> list[str]:
    """A row of finding tags from ``(left, top)``, in the order given."""
    out = []
    size = tag_size()
    h = 2.9 * size / TAG_TEXT
    cursor = left
    for f in items:
        text = tag_text(f)
        w = tag_width(text, size)
        cls = f"tag tag-{f.result}" + (" tag-old" if f.before_last_operation else "")
        day = "" if f.day is None else f", day {f.day}"
        out.append(
            f'<g class="{cls}" data-site="{escape(f.site)}" data-side="{escape(f.side or "")}">'
            f"<title>{escape(f.tag)} {escape(f.result)}{escape(day)}</title>"
            f'<rect x="{cursor * S:.1f}" y="{top * S:.1f}" width="{w * S:.1f}" height="{h * S:.1f}" '
            f'rx="{0.6 * S:.1f}"/>'
            + _text(cursor + w / 2, top + h / 2 + 0.35 * size, text, size, "tag-text", weight="bold")
            + "</g>"
        )
        cursor += w + 0.5
    return out


def candidate_radius(c: Candidate) -> float:
    """The drawn radius of a candidate's mark, with its outline (diagram units)."""
    return radius(c.probability) * _TYPE.get().mark + 0.2


def pct_size() -> float:
    return _mark_size(2.1)


def _candidate(c: Candidate, x: float, y: float, label: str, behind: bool) -> list[str]:
    """A candidate's mark at ``(x, y)``: shaded and sized by its chance, rank inside, dashed when behind."""
    fill = shade(c.probability)
    r = radius(c.probability) * _TYPE.get().mark
    text_cls = "rank-light" if luminance(fill) < 0.25 else "rank-dark"
    where = " (behind the trachea)" if behind else ""
    return [
        f'<g class="candidate{" behind" if behind else ""}" data-site="{escape(c.site)}" '
        f'data-side="{escape(c.side or "")}" '
        f'data-rank="{c.rank}" data-probability="{c.probability:.4f}" data-fill="{fill}">'
        f"<title>#{c.rank} {escape(label)}{where}: "
        f"{escape(pct(c.probability))} chance of overactive tissue</title>"
        f'<circle cx="{x * S:.1f}" cy="{y * S:.1f}" r="{r * S:.1f}" fill="{fill}" '
        f'class="cand-mark{" behind" if behind else ""}"/>',
        _text(
            x, y + r * 0.36, str(c.rank), max(1.9, r * 0.95, _TYPE.get().marks_text), text_cls, weight="bold"
        ),
    ]


def _pct_text(c: Candidate, box_x0: float, baseline: float) -> str:
    return _text(box_x0, baseline, pct(c.probability), pct_size(), "pct", "start", "bold")


def _legend(y0: float) -> list[str]:
    """The key (diagram units from y0): shading and rank, tags, depth, veins, cords; the record's glyphs."""
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
        _, h = tags_extent([f])
        out += _tags([f], tx, ty - h / 2)
        out.append(_text(tx + tag_width("US+") + 0.6, ty + 0.6, w, 1.6, "legend-text", "start"))
    # depth, veins, cords
    x = 77.0
    out.append(_text(x, 3.4, "Depth, veins, cords", 1.9, "legend-text", "start", "bold"))
    out.append(
        f'<circle cx="{(x + 1.4) * S:.1f}" cy="{7.4 * S:.1f}" r="{1.3 * S:.1f}" fill="{shade(0.2)}" '
        'class="cand-mark behind"/>'
    )
    out.append(_text(x + 3.6, 8.0, "behind the trachea", 1.6, "legend-text", "start"))
    out.append(f'<path class="vein-sampled vein-gradient" d="M{x * S:.1f},{11.6 * S:.1f} h{2.8 * S:.1f}"/>')
    out.append(_text(x + 3.6, 12.2, "3.1×: PTH gradient", 1.6, "legend-text", "start"))
    out.append(
        f'<line class="cord cord-palsy" x1="{x * S:.1f}" y1="{15.8 * S:.1f}" x2="{(x + 2.8) * S:.1f}" '
        f'y2="{15.8 * S:.1f}"/>'
    )
    out.append(_text(x + 3.6, 16.4, "paralysed vocal cord", 1.6, "legend-text", "start"))
    # the operation record: one row of glyphs
    out.append(f'<line x1="0" y1="{19.6 * S:.1f}" x2="{WIDTH}" y2="{19.6 * S:.1f}" class="legend-rule"/>')
    out.append(_text(1.5, 23.6, "Operation record", 1.9, "legend-text", "start", "bold"))
    gl = [
        ("removed", "removed"),
        ("autotransplanted", "grafted"),
        ("biopsied_normal", "biopsied"),
        ("identified_normal", "seen normal"),
        ("not_found", "not found"),
    ]
    gx = 22.0
    for status, w in gl:
        out.append(_gland_glyph(GlandMark("", status, "", None), gx, 23.0))
        out.append(_text(gx + 2.0, 23.6, w, 1.6, "legend-text", "start"))
        gx += 2.0 + text_width(w, 1.6) + 2.2
    out.append(
        f'<rect class="removed" x="{(gx - 1.3) * S:.1f}" y="{(23.0 - 1.3) * S:.1f}" '
        f'width="{2.6 * S:.1f}" height="{2.6 * S:.1f}"/>'
    )
    out.append(_text(gx + 2.0, 23.6, "tissue removed", 1.6, "legend-text", "start"))
    out.append("</g>")
    return out


def graft_extent(location: str) -> tuple[float, float, float]:
    """Width, height and font size of a graft's box (diagram units)."""
    size = max(1.7, _TYPE.get().min_text)
    return (1.15 * len(f"graft: {location}") + 2) * size / 1.7, 4 * size / 1.7, size


def _graft(location: str, left: float, top: float) -> str:
    w, h, size = graft_extent(location)
    return (
        f'<g class="graft"><rect x="{left * S:.1f}" y="{top * S:.1f}" width="{w * S:.1f}" '
        f'height="{h * S:.1f}" rx="{S:.1f}"/>'
        + _text(left + w / 2, top + h / 2 + 0.35 * size, f"graft: {location}", 1.7)
        + "</g>"
    )
