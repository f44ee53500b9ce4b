"""planner.iopth: the Miami criterion and the expected PTH decay, hand-computed from the graph's figures."""

from __future__ import annotations

import pytest

from planner.iopth import expected_decay, iopth_plan, miami_check
from planner.models import Case
from planner.normalize import normalize
from tests.planner_minicase import KN, case, lab


def _norm(*extra):
    c = case()
    c["labs"] += list(extra)
    return normalize(Case.model_validate(c), KN)


def test_the_plans_threshold_is_the_graphs_drop_from_the_baseline():
    """threshold_miami_drop_fraction (50%) at threshold_miami_minutes (10): 140 pg/mL -> 70 pg/mL."""
    p = iopth_plan(_norm(), KN)
    assert p["drop_fraction"] == KN.param("miami_drop_fraction").v == 0.5
    assert p["baseline_pth"] == 140 and p["threshold_pth"] == pytest.approx(70.0)
    assert p["minutes"] == 10 and KN.param("miami_drop_fraction").iri in p["iris"]


def test_the_expected_decay_follows_the_graphs_half_lives():
    """PTH half-life 3-5 min (threshold_pth_half_life): after 15 min 140 x 2^-5 and 140 x 2^-3."""
    p = iopth_plan(_norm(), KN)
    i = p["expected"]["minutes"].index(15)
    assert p["expected"]["fast"][i] == pytest.approx(140 / 32, abs=0.05)
    assert p["expected"]["slow"][i] == pytest.approx(140 / 8, abs=0.05)
    assert expected_decay(100, 5, [0, 5, 10]) == [100.0, 50.0, 25.0]


def test_reduced_renal_function_adds_the_delayed_sample_note():
    """eGFR below param ckd_egfr_below: PTH falls more slowly, so a later sample is read."""
    assert "renal_note" not in iopth_plan(_norm(lab("egfr", 80, "mL/min/1.73m2", 240)), KN)
    assert "eGFR 25" in iopth_plan(_norm(lab("egfr", 25, "mL/min/1.73m2", 240)), KN)["renal_note"]


def test_miami_is_judged_from_the_highest_baseline():
    """Miami: a 50% fall from the highest pre-excision value (200, not 120), read at 10 minutes."""
    r = miami_check([120, 200], {10: 90}, KN)
    assert r["met"] is True and r["baseline"] == 200 and r["threshold"] == 100.0
    assert miami_check([120, 200], {10: 110}, KN)["met"] is False


def test_miami_reads_the_first_sample_at_or_after_the_decision_minute():
    """A 5-minute fall does not count; the 10-minute (or later) sample decides."""
    assert miami_check([200], {5: 60, 10: 120}, KN)["met"] is False
    assert miami_check([200], {5: 60}, KN)["met"] is None
    assert miami_check([], {10: 50}, KN)["met"] is None
