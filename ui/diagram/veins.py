"""Where the graph's sampled veins run on the drawing, and the vocal cords in the larynx.

The graph names the veins venous sampling draws from (``30-veins.ttl``) and the sites each
drains; it says nothing of where to draw them, which is the drawing's business, like the
thyroid's outline. Each vein is a path on the patient's right (the left mirrors) with the point
its gradient is written at. The internal jugular, brachiocephalic veins and the superior vena
cava are always drawn (``anatomy.py``); the thyroid, thymic and vertebral veins only when
sampled, so the unsampled neck stays quiet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from ui.diagram.model import Gradient, S


@dataclass(frozen=True)
class VeinPath:
    """A vein on the drawing: ``points`` as (command, x, y) on the right side; ``at``: its label's anchor.

    ``left`` is the left side's path when it is not the mirror image (the left brachiocephalic
    vein crosses to join the right one); ``behind``: it runs behind the airway (dashed).
    """

    points: tuple[tuple[str, float, float], ...]
    at: tuple[float, float]
    left: tuple[tuple[str, float, float], ...] | None = None
    left_at: tuple[float, float] | None = None
    behind: bool = False


VEINS: dict[str, VeinPath] = {
    "ijv_upper": VeinPath((("M", 21, 8), ("L", 21, 38)), (21, 22)),
    "ijv_lower": VeinPath((("M", 21, 42), ("L", 21, 66)), (21, 56)),
    "superior_thyroid_vein": VeinPath((("M", 31, 31), ("Q", 26, 27), ("", 21, 26.5)), (26, 28)),
    "middle_thyroid_vein": VeinPath((("M", 28.5, 43), ("L", 21, 44)), (25, 43.5)),
    "inferior_thyroid_vein": VeinPath((("M", 40, 53), ("Q", 42, 65), ("", 44, 78)), (42, 64)),
    "thymic_vein": VeinPath((("M", 47, 68), ("L", 52, 76)), (49.5, 72)),
    "vertebral_vein": VeinPath((("M", 31, 16), ("L", 31, 71)), (31, 62), behind=True),
    "brachiocephalic_vein": VeinPath(
        (("M", 21, 67), ("Q", 30, 71), ("", 44, 79)),
        (32, 72.5),
        left=(("M", 79, 67), ("Q", 66, 70), ("", 44, 79)),
        left_at=(64, 72),
    ),
    "superior_vena_cava": VeinPath((("M", 44, 79), ("L", 44, 102)), (44, 92)),
    "graft_arm_vein": VeinPath((("M", 4, 66), ("L", 4, 80)), (4, 74)),
}


def vein_anchor(g: Gradient) -> tuple[float, float]:
    """Where a vein's gradient is written (its side's point).

    >>> vein_anchor(Gradient("ijv_lower", "left", 3.0, 2.0))
    (79, 56)
    """
    v = VEINS[g.vein]
    if g.side == "left":
        return v.left_at or (100 - v.at[0], v.at[1])
    return v.at


def _path(points: Sequence[tuple[str, float, float]]) -> str:
    return " ".join(f"{cmd}{x * S:.1f},{y * S:.1f}" for cmd, x, y in points)


def vein_svg(g: Gradient) -> str:
    """The sampled vein, traced over the anatomy: heavy where its PTH is at or above the gradient cut-off.

    >>> vein_svg(Gradient("thymic_vein", "midline", 2.6, 2.0)).split(" d=")[0]
    '<path class="vein-sampled vein-gradient" data-vein="thymic_vein" data-side="midline"'
    """
    v = VEINS[g.vein]
    pts = v.points
    if g.side == "left":
        pts = v.left or tuple((cmd, 100 - x, y) for cmd, x, y in v.points)
    cls = "vein-sampled" + (" vein-gradient" if g.positive else "") + (" behind" if v.behind else "")
    data = f'data-vein="{escape(g.vein)}" data-side="{escape(g.side or "")}"'
    return f'<path class="{cls}" {data} d="{_path(pts)}"/>'


#: The vocal cords in the front view's larynx: from the front commissure back to each arytenoid.
CORDS = {"right": ((49.4, 19.5), (46.2, 25.2)), "left": ((50.6, 19.5), (53.8, 25.2))}


def cords_svg(palsy: str | None) -> list[str]:
    """Both vocal cords, the paralysed one heavy and dashed (drawn only when a palsy is recorded).

    >>> [line.split('"')[1] for line in cords_svg("left")], cords_svg(None)
    (['cord', 'cord cord-palsy'], [])
    """
    if not palsy:
        return []
    out = []
    for side, ((x0, y0), (x1, y1)) in CORDS.items():
        cls = "cord cord-palsy" if palsy in (side, "midline") else "cord"
        out.append(
            f'<line class="{cls}" data-side="{side}" x1="{x0 * S:.1f}" y1="{y0 * S:.1f}" '
            f'x2="{x1 * S:.1f}" y2="{y1 * S:.1f}"/>'
        )
    return out


def palsy_text(palsy: str) -> str:
    """The palsy's label.

    >>> palsy_text("left"), palsy_text("midline")
    ('left cord palsy', 'cord palsy (midline)')
    """
    return f"{palsy} cord palsy" if palsy in ("left", "right") else f"cord palsy ({palsy})"


def palsy_anchor(palsy: str) -> tuple[float, float]:
    (x0, y0), (x1, y1) = CORDS["left" if palsy == "left" else "right"]
    return (x0 + x1) / 2, (y0 + y1) / 2
