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

from ui.diagram.data import board_findings, diagram_input
from ui.diagram.geometry import luminance, positions, radius, shade, site_position
from ui.diagram.marks import tag_width
from ui.diagram.model import BOARD, DESK, Candidate, DiagramInput, Finding, GlandMark, SiteLike, Typography
from ui.diagram.svg import neck_svg

__all__ = [
    "BOARD",
    "Candidate",
    "DESK",
    "DiagramInput",
    "Finding",
    "GlandMark",
    "SiteLike",
    "Typography",
    "board_findings",
    "diagram_input",
    "luminance",
    "neck_svg",
    "positions",
    "radius",
    "shade",
    "site_position",
    "tag_width",
]
