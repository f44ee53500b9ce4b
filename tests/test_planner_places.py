"""planner.places: the one home of "same place", "neighbour", "same side" and "drained region".

A surgeon reads a report against a place: a lesion on the left is not the right-sided gland;
a report without a side, or on the midline, could be either; a midline site (the anterior
mediastinum) has no sides at all; imaging misplaces the Perrier letter by one zone on one side.
"""

from __future__ import annotations

from kg.knowledge import knowledge
from planner.places import (
    adjacent,
    apart,
    at_any,
    loc_matches,
    near,
    neighbours,
    record_key,
    same_place,
    same_side,
    side_of,
    site_sides,
    svs_region,
    vein_region,
)

KN = knowledge()


def test_a_left_report_does_not_match_the_right_place_of_a_lateralized_site():
    assert KN.sites["perrier_D"].lateralized
    assert not loc_matches(KN, ("perrier_D", "right"), "perrier_D", "left")
    assert loc_matches(KN, ("perrier_D", "left"), "perrier_D", "left")


def test_a_midline_or_unsided_report_matches_either_side():
    for side in ("left", "right"):
        assert loc_matches(KN, ("perrier_D", side), "perrier_D", "midline")
        assert loc_matches(KN, ("perrier_D", side), "perrier_D", None)


def test_a_place_of_unknown_side_matches_a_report_on_any_side():
    assert loc_matches(KN, ("perrier_D", None), "perrier_D", "right")


def test_another_site_never_matches_whatever_the_side():
    assert not loc_matches(KN, ("perrier_D", "left"), "perrier_E", "left")


def test_a_midline_site_ignores_the_reported_side():
    assert not KN.sites["anterior_mediastinum"].lateralized
    assert loc_matches(KN, ("anterior_mediastinum", "midline"), "anterior_mediastinum", "left")
    assert side_of(KN, "anterior_mediastinum", "right") == "midline"
    assert side_of(KN, "perrier_D", "right") == "right"
    assert side_of(KN, "no_such_site", "left") == "left"


def test_the_sides_a_site_stands_for():
    assert site_sides(KN, "anterior_mediastinum", "left") == ["midline"]
    assert site_sides(KN, "perrier_E", "left") == ["left"]
    assert site_sides(KN, "perrier_E", None) == ["left", "right"]
    assert site_sides(KN, "perrier_E", "midline") == ["left", "right"]


def test_same_place_reads_either_way_round():
    """A washout at a graft of unknown side is at the left-arm graft, and the other way round."""
    assert same_place(KN, ("autograft", None), ("autograft", "left"))
    assert same_place(KN, ("autograft", "left"), ("autograft", None))
    assert not same_place(KN, ("autograft", "left"), ("autograft", "right"))
    assert at_any(KN, ("perrier_E", "left"), [("autograft", "left"), ("perrier_E", None)])
    assert not at_any(KN, ("perrier_E", "left"), [("perrier_E", "right")])
    assert not at_any(KN, ("perrier_E", "left"), [])


def test_sides_agree_when_equal_unknown_or_midline():
    assert same_side("left", "left") and same_side(None, "right") and same_side("left", None)
    assert same_side("midline", "left") and same_side("right", "midline")
    assert not same_side("left", "right") and not same_side("right", "left")


def test_neighbours_come_from_the_graph_and_a_site_is_not_its_own():
    assert "perrier_E" in KN.adjacency["perrier_D"]
    assert neighbours(KN, "perrier_D", "perrier_E") and neighbours(KN, "perrier_E", "perrier_D")
    assert "perrier_C" not in KN.adjacency["perrier_D"]
    assert not neighbours(KN, "perrier_D", "perrier_C")
    assert not neighbours(KN, "perrier_D", "perrier_D")


def test_a_neighbour_on_the_same_side_is_adjacent_not_one_on_the_other():
    assert adjacent(KN, ("perrier_D", "left"), "perrier_E", "left")
    assert adjacent(KN, ("perrier_D", "left"), "perrier_E", None)
    assert not adjacent(KN, ("perrier_D", "left"), "perrier_E", "right")
    assert not adjacent(KN, ("perrier_D", "left"), "perrier_C", "left")  # not neighbours
    # the same site is a match, not a neighbour
    assert not adjacent(KN, ("perrier_D", "left"), "perrier_D", "left")


def test_a_midline_neighbour_is_adjacent_to_either_side():
    """The thymic tongue (Perrier F) borders the anterior mediastinum, a midline site."""
    assert adjacent(KN, ("perrier_F", "left"), "anterior_mediastinum", "midline")
    assert adjacent(KN, ("anterior_mediastinum", "midline"), "perrier_F", "right")


def test_near_is_the_place_or_a_neighbour_on_its_side():
    assert near(KN, ("perrier_D", "right"), "perrier_D", "right")
    assert near(KN, ("perrier_D", "right"), "perrier_E", "right")
    assert not near(KN, ("perrier_D", "right"), "perrier_E", "left")
    assert not near(KN, ("perrier_D", "right"), "perrier_C", "right")


def test_two_foci_are_apart_unless_one_site_or_neighbours_on_one_side():
    assert not apart(KN, ("perrier_D", "left"), ("perrier_D", "right"))  # one site: one focus
    assert not apart(KN, ("perrier_D", "left"), ("perrier_E", "left"))
    assert not apart(KN, ("perrier_D", "left"), ("perrier_E", None))
    assert apart(KN, ("perrier_D", "left"), ("perrier_E", "right"))
    assert apart(KN, ("perrier_D", "left"), ("perrier_C", "left"))


def test_a_midline_focus_is_apart_from_a_lateral_neighbour():
    """Unlike ``adjacent``, two foci count as one side only when both sides are stated alike or
    one is unknown: this keeps the two-separate-foci feature as it was before the split."""
    assert apart(KN, ("perrier_F", "left"), ("anterior_mediastinum", "midline"))
    assert not apart(KN, ("perrier_F", None), ("anterior_mediastinum", "midline"))


def test_a_paired_vein_drains_its_side_a_single_vein_both():
    left = vein_region(KN, KN.veins["inferior_thyroid_vein"], "left")
    assert KN.veins["inferior_thyroid_vein"].paired
    assert left == {(s, "left") for s in KN.veins["inferior_thyroid_vein"].drains}
    unknown = vein_region(KN, KN.veins["inferior_thyroid_vein"], None)
    assert unknown == {(s, d) for s in KN.veins["inferior_thyroid_vein"].drains for d in ("left", "right")}
    thymic = vein_region(KN, KN.veins["thymic_vein"], "left")
    assert not KN.veins["thymic_vein"].paired
    assert thymic == {("anterior_mediastinum", "midline"), ("perrier_F", "left"), ("perrier_F", "right")}


def test_a_gradient_from_a_left_inferior_gland_points_to_the_left_neck_veins_only():
    region = svs_region(KN, ("perrier_E", "left"))
    assert ("perrier_E", "left") in region and ("perrier_E", "right") not in region
    assert ("autograft", "left") not in region
    assert svs_region(KN, ("autograft", "left"), graft=True) == frozenset({("autograft", "left")})
    assert svs_region(KN, ("perrier_E", "left"), graft=True) == frozenset()


def test_a_place_of_unknown_side_is_filed_under_midline_in_the_record():
    assert record_key(("perrier_D", "left")) == ("perrier_D", "left")
    assert record_key(("perrier_D", None)) == ("perrier_D", "midline")
