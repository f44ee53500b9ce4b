"""The diagram's model: its units and typography (desk and board), and the input records it draws."""

from __future__ import annotations

import contextvars
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

#: SVG units per diagram unit (site coordinates are 0-100).
S = 10.0


WIDTH = 1000


ANATOMY_HEIGHT = 1040


LEGEND_HEIGHT = 265


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
class Gradient:
    """One venous sample against the peripheral PTH: ``ratio`` is vein PTH / peripheral PTH.

    ``threshold`` is the graph's gradient cut-off for that kind of sampling (neck and mediastinal
    veins, or the graft arm), so the diagram says "gradient" exactly where the planner does.

    >>> Gradient("ijv_lower", "left", 3.04, 2.0).text, Gradient("ijv_lower", "left", 1.2, 2.0).positive
    ('3.0×', False)
    """

    vein: str
    side: str | None
    ratio: float
    threshold: float
    day: int | None = None
    label: str = ""

    @property
    def positive(self) -> bool:
        return self.ratio >= self.threshold

    @property
    def text(self) -> str:
        return f"{self.ratio:.1f}×"


@dataclass(frozen=True)
class DiagramInput:
    """What one diagram draws.

    ``posterior`` names the sites that lie behind the plane of the trachea (drawn dashed, and
    behind the airway in the side view); :func:`~ui.diagram.data.diagram_input` reads them from
    the graph. ``outside`` names the sites outside the neck and chest (a forearm graft bed), left
    out of the side view. ``palsy`` is the side of a paralysed vocal cord (the case's laryngoscopy).
    """

    candidates: tuple[Candidate, ...] = ()
    findings: tuple[Finding, ...] = ()
    removed: frozenset[tuple[str, str]] = frozenset()
    glands: tuple[GlandMark, ...] = ()
    grafts: tuple[tuple[str, str | None], ...] = ()
    labels: Mapping[tuple[str, str | None], str] = field(default_factory=dict)
    gradients: tuple[Gradient, ...] = ()
    palsy: str | None = None
    posterior: frozenset[str] = frozenset()
    outside: frozenset[str] = frozenset()
