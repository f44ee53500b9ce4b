"""planner.locations.locate on hand-made cases: where the missing gland's tissue is, ranked, with its facts."""

from __future__ import annotations

import pytest

from planner.locations import gland_count
from tests.planner_minicase import BASE, KN, case, img, steps


def _where(**changes):
    return steps(case(**changes)).where


def _p(where, loc):
    return dict(where.locations).get(loc, 0.0)


def test_a_missing_left_inferior_gland_is_looked_for_along_the_third_pouch_path_on_the_left():
    """DESIGN: a missing inferior gland's candidates are found by walking the third-pouch path (thymus, F)."""
    w = _where()
    assert w.locations[0][0] == ("perrier_F", "left")
    assert _p(w, ("perrier_F", "left")) > _p(w, ("perrier_F", "right"))


def test_a_complete_thymectomy_all_but_rules_out_the_thymic_sites():
    """Graph sitefactor_complete_thymectomy_perrier_F (x 0.1): removed tissue makes its site unlikely."""
    before = _where()
    w = _where(operations=[{**BASE["operations"][0], "thymectomy": "complete"}])
    for loc in (("perrier_F", "left"), ("anterior_mediastinum", "midline")):
        assert _p(w, loc) < 0.2 * _p(before, loc)
    assert w.locations[0][0] == ("perrier_E", "left")  # the search moves up the third-pouch path


def test_a_positive_study_raises_its_place_to_the_top():
    """DESIGN property: a new positive finding at a site never lowers that site's posterior."""
    loc = ("intrathyroidal", "left")
    before, after = _where(), _where(imaging=[img("ct_4d", *loc)])
    assert _p(after, loc) > _p(before, loc) and after.locations[0][0] == loc


def test_a_site_without_a_side_is_one_midline_candidate():
    """DESIGN: sites without a side (vocabulary sites_without_side) are one candidate, side midline."""
    sites = {
        s: {d for (t, d), _ in _where().locations if t == s} for s in ("anterior_mediastinum", "perrier_F")
    }
    assert sites["anterior_mediastinum"] == {"midline"} and sites["perrier_F"] == {"left", "right"}


def test_the_number_of_sources_sums_to_one_and_the_leading_place_says_what_its_probability_means():
    """DESIGN property: the distribution over the number of sources sums to 1."""
    w = _where()
    assert sum(w.post.sources().values()) == pytest.approx(1.0)
    assert "Separate sources" in w.facts[w.locations[0][0]][-1]["text"]
    assert sum(w.causes.values()) == pytest.approx(1.0)


def test_gland_count_counts_what_is_in_situ_and_what_was_removed_diseased():
    """Glands in situ and removed-not-normal set how many sources can remain (graph gone_statuses)."""
    c = case()
    c["operations"][0]["glands"][0].update(status="removed", pathology="hyperplasia")
    s = steps(c)
    g = gland_count(KN, s.rec, s.case)
    assert (g.in_situ, g.removed, g.every) == (3, 1, False)
    s = steps(case(patient={"syndromes": ["MEN1"]}))
    assert gland_count(KN, s.rec, s.case).every  # graph: MEN1 involves every gland
