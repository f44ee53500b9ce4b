"""Places: where tissue can be, as (site, side), and the one home of how places relate.

Every step of the planner asks the same few questions of two places: is a report at this place
(same site, and a side that does not contradict it), is it at a neighbour on the same side
(imaging often misplaces the Perrier letter by one zone), which sides a site has, and which
places a sampled vein drains. The rules are written here once, so the findings, the likelihood,
the localization gate, the next tests and the operations all read them alike. Which sites are
lateralized, which are neighbours and which veins drain them are read from the graph.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import overload

from kg.knowledge import Knowledge, Vein
from planner.memo import graph_memo

Loc = tuple[str, str | None]  # (site, side): side "left", "right", "midline", or None (not stated)


@overload
def side_of(kn: Knowledge, site: str, side: str) -> str: ...
@overload
def side_of(kn: Knowledge, site: str, side: str | None) -> str | None: ...
def side_of(kn: Knowledge, site: str, side: str | None) -> str | None:
    """The side a report at ``site`` names: "midline" at a midline site whatever was written,
    else the reported side (``None`` when not stated). A site the graph does not know keeps it.

    >>> from kg.knowledge import knowledge
    >>> kn = knowledge()
    >>> side_of(kn, "anterior_mediastinum", "left"), side_of(kn, "perrier_D", "left"), side_of(kn, "perrier_D", None)
    ('midline', 'left', None)
    """
    s = kn.sites.get(site)
    if s is not None and not s.lateralized:
        return "midline"
    return side


def site_sides(kn: Knowledge, site: str, side: str | None) -> list[str]:
    """The places' sides a site stands for: "midline" once at a midline site, the side when it is
    known (left or right), both sides when it is not.

    >>> from kg.knowledge import knowledge
    >>> kn = knowledge()
    >>> site_sides(kn, "anterior_mediastinum", "left")
    ['midline']
    >>> site_sides(kn, "perrier_D", "right"), site_sides(kn, "perrier_D", None)
    (['right'], ['left', 'right'])
    """
    if not kn.sites[site].lateralized:
        return ["midline"]
    if side in ("left", "right"):
        return [side]
    return ["left", "right"]


def loc_matches(kn: Knowledge, loc: Loc, site: str, side: str | None) -> bool:
    """Is a report at (``site``, ``side``) a report at the place ``loc``? The same site, and at a
    lateralized site a side that does not contradict it: a report without a side, or on the
    midline, matches either side; a place of unknown side matches any report there.

    >>> from kg.knowledge import knowledge
    >>> kn = knowledge()
    >>> loc_matches(kn, ("perrier_D", "right"), "perrier_D", "left")
    False
    >>> loc_matches(kn, ("perrier_D", "right"), "perrier_D", "midline"), loc_matches(kn, ("perrier_D", "right"), "perrier_D", None)
    (True, True)
    >>> loc_matches(kn, ("perrier_D", "right"), "perrier_C", "right")
    False
    """
    if loc[0] != site:
        return False
    if not kn.sites[site].lateralized or side in (None, "midline") or loc[1] is None:
        return True
    return loc[1] == side


def same_place(kn: Knowledge, a: Loc, b: Loc) -> bool:
    """Do two places name the same tissue, read either way round (``loc_matches`` of ``a`` at
    ``b`` or of ``b`` at ``a``)? A needle at a graft or a remnant is at that known tissue.

    >>> from kg.knowledge import knowledge
    >>> kn = knowledge()
    >>> same_place(kn, ("autograft", None), ("autograft", "left")), same_place(kn, ("perrier_D", "left"), ("perrier_D", "right"))
    (True, False)
    """
    return loc_matches(kn, a, b[0], b[1]) or loc_matches(kn, b, a[0], a[1])


def at_any(kn: Knowledge, loc: Loc, places: Iterable[Loc]) -> bool:
    """Is ``loc`` the same place (``same_place``) as any of ``places``?

    >>> from kg.knowledge import knowledge
    >>> at_any(knowledge(), ("perrier_B", "left"), [("perrier_B", None), ("perrier_D", "left")])
    True
    """
    return any(same_place(kn, loc, p) for p in places)


def same_side(a: str | None, b: str | None) -> bool:
    """Can two sides be one side? Equal, or either unknown (``None``) or on the midline.

    >>> same_side("left", "left"), same_side("left", None), same_side("midline", "right"), same_side("left", "right")
    (True, True, True, False)
    """
    return b in (None, "midline") or a in (None, "midline", b)


def neighbours(kn: Knowledge, site: str, other: str) -> bool:
    """Are two sites neighbours in the graph (``prp:adjacentTo``; the same site is not its own)?

    >>> from kg.knowledge import knowledge
    >>> kn = knowledge()
    >>> neighbours(kn, "perrier_D", "perrier_E"), neighbours(kn, "perrier_D", "perrier_C"), neighbours(kn, "perrier_D", "perrier_D")
    (True, False, False)
    """
    return other in kn.adjacency.get(site, ())


def adjacent(kn: Knowledge, loc: Loc, site: str, side: str | None) -> bool:
    """Is a report at (``site``, ``side``) at a neighbour of ``loc`` on the same side
    (``same_side``)? Imaging misplaces the Perrier letter by a zone, so such a report may be
    the tissue at ``loc``.

    >>> from kg.knowledge import knowledge
    >>> kn = knowledge()
    >>> adjacent(kn, ("perrier_D", "left"), "perrier_E", "left"), adjacent(kn, ("perrier_D", "left"), "perrier_E", "right")
    (True, False)
    >>> adjacent(kn, ("perrier_D", "left"), "perrier_D", "left")
    False
    """
    return neighbours(kn, loc[0], site) and same_side(loc[1], side)


def near(kn: Knowledge, loc: Loc, site: str, side: str | None) -> bool:
    """The report names this place or a neighbour on the same side (``loc_matches`` or
    ``adjacent``): two studies one zone apart on one side are concordant for the surgeon.

    >>> from kg.knowledge import knowledge
    >>> kn = knowledge()
    >>> near(kn, ("perrier_D", "right"), "perrier_D", None), near(kn, ("perrier_D", "right"), "perrier_E", "right"), near(kn, ("perrier_D", "right"), "perrier_C", "right")
    (True, True, False)
    """
    return loc_matches(kn, loc, site, side) or adjacent(kn, loc, site, side)


def apart(kn: Knowledge, a: Loc, b: Loc) -> bool:
    """Are two foci separate places, not one focus read twice? Different sites that are not
    neighbours on one side. Here a side is one side only when both are stated and equal or one
    is unknown: a midline focus is apart from a lateral neighbour (unlike ``same_side``, where
    the midline goes with either side).

    >>> from kg.knowledge import knowledge
    >>> kn = knowledge()
    >>> apart(kn, ("perrier_D", "left"), ("perrier_E", "left")), apart(kn, ("perrier_D", "left"), ("perrier_E", "right"))
    (False, True)
    >>> apart(kn, ("perrier_F", "left"), ("anterior_mediastinum", "midline"))
    True
    """
    if a[0] == b[0]:
        return False
    return not (neighbours(kn, a[0], b[0]) and (a[1] == b[1] or None in (a[1], b[1])))


def record_key(loc: Loc) -> tuple[str, str]:
    """The key under which the record files what earlier operations did at a place
    (``Record.explored``, ``Record.removed_factor``): a place whose side is not known is looked up
    under "midline", the key the record also sets at every site a procedure explored or removed
    from, whatever the side (``record._read_procedures``).

    >>> record_key(("perrier_D", "left")), record_key(("perrier_D", None))
    (('perrier_D', 'left'), ('perrier_D', 'midline'))
    """
    return (loc[0], loc[1] or "midline")


def vein_region(kn: Knowledge, vein: Vein, side: str | None) -> set[Loc]:
    """The places whose blood a vein carries: every site it drains, on the sampled side for a
    paired vein, on both sides when the side is unknown or the vein is single; a midline site once.

    The one rule of "drained region", read by the findings (a gradient) and by the expected gain
    of venous sampling alike (``svs_region``).

    >>> from kg.knowledge import knowledge
    >>> kn = knowledge()
    >>> sorted(vein_region(kn, kn.veins["superior_thyroid_vein"], "left"))
    [('intrathyroidal', 'left'), ('operative_bed', 'left'), ('perrier_A', 'left'), ('perrier_B', 'left')]
    >>> sorted(vein_region(kn, kn.veins["thymic_vein"], "left"))
    [('anterior_mediastinum', 'midline'), ('perrier_F', 'left'), ('perrier_F', 'right')]
    """
    return {(site, s) for site in vein.drains for s in site_sides(kn, site, side if vein.paired else None)}


def svs_region(kn: Knowledge, loc: Loc, graft: bool = False) -> frozenset[Loc]:
    """The places a gradient would point to if the tissue were at ``loc``: every site drained by
    the veins that drain ``loc``, on its side for paired veins (the rule of ``vein_region``).
    ``graft`` reads the graft-arm vein only (graft-arm sampling), otherwise every other vein.
    Memoized per graph view (``memo.graph_memo``).

    >>> from kg.knowledge import knowledge
    >>> sorted(svs_region(knowledge(), ("autograft", "left"), graft=True))
    [('autograft', 'left')]
    """
    memo = graph_memo("svs_region", kn)
    hit: frozenset[Loc] | None = memo.get((loc, graft))
    if hit is None:
        out: set[Loc] = set()
        for vein in kn.veins.values():
            if (vein.code == "graft_arm_vein") == graft and loc[0] in vein.drains:
                out |= vein_region(kn, vein, loc[1])
        hit = memo[(loc, graft)] = frozenset(out)
    return hit
