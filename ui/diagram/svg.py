"""The whole drawing: :func:`neck_svg` assembles the anatomy, the marks and the legend for a typography."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from ui.diagram.anatomy import STYLE, _anatomy, _defs
from ui.diagram.geometry import positions
from ui.diagram.marks import _legend
from ui.diagram.model import (
    _TYPE,
    ANATOMY_HEIGHT,
    DESK,
    LEGEND_HEIGHT,
    WIDTH,
    DiagramInput,
    S,
    SiteLike,
    Typography,
)
from ui.diagram.scene import compose
from ui.names import pct


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
    >>> from ui.diagram.model import BOARD, Candidate, S
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


def _svg(
    data: DiagramInput, sites: Mapping[str, SiteLike], legend: bool, pct_threshold: float, title: str
) -> str:
    height = ANATOMY_HEIGHT + (LEGEND_HEIGHT if legend else 0)
    summary = "; ".join(
        f"{c.rank}: {data.labels.get((c.site, c.side), c.site)} {pct(c.probability)}"
        for c in data.candidates[:5]
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
    shapes, names = _anatomy(data.removed)
    parts += shapes
    # faint reference dots at every position the graph knows (a ring where the site lies behind)
    for (code, _side), (x, y) in positions(sites).items():
        cls = "site-dot behind" if code in data.posterior else "site-dot"
        parts.append(f'<circle class="{cls}" cx="{x * S:.1f}" cy="{y * S:.1f}" r="{0.55 * S:.1f}"/>')
    parts += compose(data, sites, pct_threshold, names)
    if legend:
        parts += _legend(ANATOMY_HEIGHT / S)
    parts.append("</svg>")
    return "".join(parts)


def zoomable(svg: str) -> str:
    """The diagram as a page shows it at a desk: a click enlarges it to the window, a click closes it.

    Plain HTML (``<details>``/``<summary>``, styled by ``ui/assets/app.css``): no script, and
    Streamlit's markdown keeps it. A laptop's column draws the diagram's labels at 6-9 px;
    opened, the same SVG fills the window's height.

    >>> zoomable("<svg></svg>").startswith('<details class="pr-zoom">')
    True
    """
    return (
        '<details class="pr-zoom"><summary title="Click to enlarge; click again to close">'
        f'{svg}<span class="pr-zoom-hint pr-zoom-in">Click the diagram to enlarge it</span>'
        '<span class="pr-zoom-hint pr-zoom-out">Click anywhere to close</span></summary></details>'
    )
