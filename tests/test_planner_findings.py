"""planner.findings on hand-made studies: negatives, washouts, venous gradients, time since the operation."""

from __future__ import annotations

from tests.planner_minicase import case, img, steps


def _findings(**changes):
    s = steps(case(**changes))
    return s.findings, s.dropped


def test_a_negative_study_without_a_site_is_whole_field_negative():
    """DESIGN: a negative result counts; with no site it is negative over the whole field."""
    (f,), _ = _findings(imaging=[img("sestamibi_spect_ct", None, None, result="negative")])
    assert f.whole_negative and not f.positives and not f.negatives


def test_a_negative_at_a_stated_site_is_negative_there_only():
    """DESIGN: a negative result at a stated site counts at that site."""
    (f,), _ = _findings(imaging=[img("ultrasound", "perrier_F", "left", result="negative")])
    assert f.negatives == [("perrier_F", "left")] and not f.whole_negative


def test_a_washout_above_serum_pth_is_positive_at_its_site():
    """FNA washout / serum PTH above the graph's ratio (threshold_fna_washout_ratio 1.0) proves tissue."""
    fna = [
        {
            "site": "perrier_D",
            "side": "left",
            "unit": "pg/mL",
            "pth_washout": 500,
            "serum_pth": 140,
            "day": 250,
        }
    ]
    (f,), _ = _findings(fna=fna)
    assert f.kind == "fna" and f.confirmatory and f.positives == [(("perrier_D", "left"), 1.0)]


def test_a_washout_below_serum_pth_is_negative_at_its_site():
    """A washout under the serum PTH clears its site (threshold_fna_washout_ratio)."""
    fna = [
        {
            "site": "perrier_D",
            "side": "left",
            "unit": "pg/mL",
            "pth_washout": 40,
            "serum_pth": 140,
            "day": 250,
        }
    ]
    (f,), _ = _findings(fna=fna)
    assert not f.confirmatory and not f.positives and f.negatives == [("perrier_D", "left")]


def test_a_washout_without_serum_pth_is_read_against_the_nearest_lab():
    """Without its own serum PTH the washout is compared with the case's PTH (140 pg/mL on day 240)."""
    fna = [{"site": "perrier_D", "side": "left", "unit": "pg/mL", "pth_washout": 150, "day": 240}]
    (f,), _ = _findings(fna=fna)
    assert f.confirmatory  # 150 / 140 > 1


def test_a_focus_seen_before_the_operation_at_a_site_it_explored_is_not_counted():
    """DESIGN (time matters): a pre-operative focus at a site explored since no longer counts."""
    found, dropped = _findings(imaging=[img("ultrasound", "perrier_B", "right", day=-30)])
    assert found == []
    assert "explored or removed since" in dropped[0]["text"]


def test_a_focus_seen_before_the_operation_at_an_unexplored_site_still_counts():
    """Only a site that the later operation explored loses its pre-operative focus."""
    (f,), dropped = _findings(imaging=[img("ultrasound", "anterior_mediastinum", "midline", day=-30)])
    assert f.positives and f.day == -30 and not dropped


def test_a_venous_gradient_above_the_graphs_ratio_is_a_confirming_positive():
    """SVS: a sample >= 2x peripheral PTH (threshold_svs_gradient_ratio) is positive where the vein drains."""
    vs = [
        {
            "unit": "pg/mL",
            "peripheral_pth": 100,
            "day": 250,
            "samples": [{"vein": "inferior_thyroid_vein", "side": "left", "pth": 250}],
        }
    ]
    (f,), _ = _findings(venous_sampling=vs)
    assert f.kind == "svs" and f.confirmatory and f.positives
    assert all(loc in f.covered for loc, _ in f.positives)
    vs[0]["samples"][0]["pth"] = 150
    (g,), _ = _findings(venous_sampling=vs)
    assert not g.positives and g.whole_negative
