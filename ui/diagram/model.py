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
