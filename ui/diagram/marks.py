"""The marks on the anatomy: the candidates, the findings' tags, the grafts, and the legend."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from ui.diagram.anatomy import _gland_glyph, _mark_size, _text
from ui.diagram.data import board_findings
from ui.diagram.geometry import luminance, radius, shade, site_position
from ui.diagram.model import (
    _TYPE,
    DESK,
    LEGEND_HEIGHT,
    WIDTH,
    Candidate,
    DiagramInput,
    Finding,
    GlandMark,
    S,
    SiteLike,
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
