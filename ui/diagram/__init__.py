"""The anatomical diagram: a front view of the neck and upper mediastinum, drawn as SVG.

:func:`neck_svg` is a pure function of a :class:`DiagramInput` and the site coordinates from
the knowledge graph (``Site.x``/``Site.y``, 0-100, for the patient's right side or the midline;
the left side mirrors as ``100 - x``). It draws

* every candidate location at its site and side, shaded *and* sized by its own chance of holding
  overactive tissue (several places can hold it at once: the marks are not shares of one whole),
  with its rank inside the mark and its percentage beside it;
* tissue already removed (a thyroid lobe, the cervical or mediastinal thymus) as a dashed,
  hatched outline labelled "removed";
* the glands of the operation record, each kind of tissue with its own mark (removed ✕,
  autografted G, biopsied B, seen normal N, not found ?, partly removed half-filled);
* each imaging or FNA finding at its site as a tag naming the modality, with ``+`` / ``?`` /
  ``−`` for positive / equivocal / negative (pale when the study predates the last operation);
* the sites behind the trachea (the graph's posterior sites) dashed, with a small side view of
  the neck and upper mediastinum that shows the leading places in front of or behind the airway;
* each venous sample on its vein with its ratio to the peripheral PTH (framed and bold at or
  above the graph's gradient cut-off), and a paralysed vocal cord.

A layout pass (:mod:`ui.diagram.scene`) gives every mark and label a free place, with a leader
line when it had to move off its site: nothing hides anything else. Nothing is carried by colour
alone: rank numbers, percentages, tags and a legend say it in words. :func:`diagram_input`
gathers the input from a case and its plan; what counts as removed comes from the plan's
``record`` (the planner's reading of the operation record). :func:`board_key` is the wall's
one-line key, naming the marks that one drawing has.
"""

from __future__ import annotations

from ui.diagram.data import board_findings, diagram_input, posterior_sites
from ui.diagram.geometry import luminance, positions, radius, shade, site_position
from ui.diagram.key import board_key
from ui.diagram.marks import tag_width
from ui.diagram.model import (
    BOARD,
    DESK,
    Candidate,
    DiagramInput,
    Finding,
    GlandMark,
    Gradient,
    SiteLike,
    Typography,
)
from ui.diagram.svg import neck_svg, zoomable

__all__ = [
    "BOARD",
    "Candidate",
    "DESK",
    "DiagramInput",
    "Finding",
    "GlandMark",
    "Gradient",
    "SiteLike",
    "Typography",
    "board_findings",
    "board_key",
    "diagram_input",
    "luminance",
    "neck_svg",
    "posterior_sites",
    "positions",
    "radius",
    "shade",
    "site_position",
    "tag_width",
    "zoomable",
]
