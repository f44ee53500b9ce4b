"""The board's one-line key, naming only the marks this diagram draws.

The wall's key must fit one line at 1280 px in the board's type; a key of every mark there is
would not (the gland glyphs, the depth and the veins were added), so it says what is drawn and
nothing else, most needed first, and leaves out the least needed parts if a line is full.
"""

from __future__ import annotations

from ui.diagram.model import DiagramInput
from ui.wall_fit import width

#: The key's type and its line on the board, in the board's unit (``ui/assets/board.css``:
#: 2.3u, one line of the 1280-px screen less the page's padding).
KEY_SIZE_U, KEY_ROOM_U = 2.3, 174.0

_GLANDS = (
    ("removed", "✕ removed"),
    ("autotransplanted", "G grafted"),
    ("biopsied_normal", "B biopsied"),
    ("partially_removed", "half-filled: part removed"),
    ("identified_normal", "N seen normal"),
    ("not_found", "? not found"),
)


def board_key(data: DiagramInput, *, room: float = KEY_ROOM_U) -> str:
    """The key for the board's diagram of ``data``: what its marks mean, on one line.

    >>> from ui.diagram.model import Candidate, GlandMark
    >>> board_key(DiagramInput((Candidate(1, "perrier_B", "left", 0.8),),
    ...     glands=(GlandMark("left_inferior", "autotransplanted", "perrier_E", "left"),),
    ...     posterior=frozenset({"perrier_B"})))
    'Key · ● shade, size: chance of tissue there · number: rank · G grafted · dashed: behind the trachea'
    """
    parts = ["Key", "● shade, size: chance of tissue there", "number: rank"]
    statuses = {g.status for g in data.glands}
    parts += [text for status, text in _GLANDS if status in statuses]
    if data.findings:
        parts.append("3+ / 1− / 1?: studies positive / negative / equivocal")
    if any(c.site in data.posterior for c in data.candidates):
        parts.append("dashed: behind the trachea")
    if any(g.positive for g in data.gradients):
        parts.append("n×: PTH gradient in that vein")
    if data.removed:
        parts.append("hatched: tissue removed")
    while len(parts) > 3 and width(" · ".join(parts), KEY_SIZE_U) > room:
        parts.pop()  # the least needed goes first; the case board's legend has them all
    return " · ".join(parts)
