"""How much of the wall display fits one screen: text widths and line counts in the board's unit.

Every size on the tumour-board display is in ``--u`` (a hundredth of a 16:9 screen's height,
``ui/assets/board.css``), so 1920x1080, 1366x768 and 1280x720 wrap the same words onto the
same lines: one estimate in ``u`` serves every screen. The widths are the advance widths of
Source Sans (Streamlit's type) at 400 and 700 weight, in hundredths of an em, measured once in
Chromium; a character not in the table counts as a wide one. Nothing here decides what a
plan says: it only says how many lines some words take, so that the board can cut a list to
"+N more" (the full list stays on the case board) instead of scrolling.
"""

from __future__ import annotations

from collections.abc import Sequence

_CHARS = (
    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"
    "—·↑↓−…✕●<>%≥≤µé"  # (the last three again: the table was measured so)
)
_W400 = bytes.fromhex(
    "141d2b3232523d191e1e2a32191f19233232323232323232323219193232322a55363b393d35313e411a303a3149"
    "4142394239353640334f3330361e231e32323632372e37321d3236191931195337363737232a22362f482d2f2a1e"
    "181e3250193e3e325f543c32325232323832"
)
_W700 = bytes.fromhex(
    "142236353556431e22222e351e211e22353535353535353535351e1e3535352e5a393c3a3f373440431e333d344c"
    "42443c443d383842385139343622222235323735392f39342235391c1c371d5639373939282c2639344e33342e22"
    "1b2235501e3e3e3562543c35355635353b34"
)
_WIDTHS = {400: dict(zip(_CHARS, _W400, strict=True)), 700: dict(zip(_CHARS, _W700, strict=True))}
#: A character outside the table (an accent, a symbol): as wide as an "M", so that it never fits less.
_WIDE = 80
#: Estimates err on the long side by this much (the browser's kerning and rounding).
SLACK = 1.04


def text_em(text: str, *, bold: bool = False) -> float:
    """The width of ``text`` in em (one line, no wrapping).

    >>> round(text_em("OPERATE"), 2)
    4.1
    >>> text_em("ab", bold=True) > text_em("ab")
    True
    """
    table = _WIDTHS[700 if bold else 400]
    return sum(table.get(ch, _WIDE) for ch in text) / 100 * SLACK


def width(text: str, size: float, *, bold: bool = False) -> float:
    """The width of ``text`` at font size ``size`` (both in u)."""
    return text_em(text, bold=bold) * size


def lines(text: str, size: float, room: float, *, bold: bool = False, first: float = 0.0) -> int:
    """How many lines ``text`` takes, wrapped at spaces into a box ``room`` wide (sizes in u).

    ``first`` is how much of the first line is already taken (a bold label before the text).

    >>> lines("", 3, 40)
    0
    >>> lines("short", 3, 40)
    1
    >>> lines("a rather longer sentence that cannot fit on one line of a narrow column", 3, 40)
    3
    """
    if not text:
        return 0
    space = width(" ", size, bold=bold)
    n, used = 1, first
    for word in text.split():
        w = width(word, size, bold=bold)
        if used and used + space + w > room:
            n, used = n + 1, w
        else:
            used += (space if used else 0.0) + w
        while used > room:  # a word longer than the line breaks where it must
            n, used = n + 1, used - room
    return n


def boxes_rows(widths: Sequence[float], room: float, gap: float) -> int:
    """How many rows a run of unbreakable boxes takes (a flex row that wraps; sizes in u).

    >>> boxes_rows([10, 10, 10], 25, 1)
    2
    >>> boxes_rows([], 25, 1)
    0
    """
    rows, used = 0, 0.0
    for w in widths:
        if rows and used + gap + w <= room:
            used += gap + w
        else:
            rows, used = rows + 1, w
    return rows
