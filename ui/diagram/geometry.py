"""Where a site is drawn, and how a probability looks: the mark's shade and radius."""

from __future__ import annotations

import math
from collections.abc import Mapping

from ui.diagram.model import HIGH_SHADE, LOW_SHADE, SiteLike


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
