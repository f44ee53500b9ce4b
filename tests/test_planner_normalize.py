"""planner.normalize on hand-computed labs: units, albumin-corrected calcium, CCCR, one value a day."""

from __future__ import annotations

import pytest

from planner.models import Case
from planner.normalize import normalize
from tests.planner_minicase import KN, case, lab


def _norm(*labs):
    return normalize(Case.model_validate(case(labs=list(labs))), KN)


def test_low_albumin_corrects_calcium_by_the_graphs_formula():
    """Corrected Ca = Ca + 0.8 x (4.0 - albumin) (graph: param_albumin_slope, param_albumin_reference)."""
    n = _norm(lab("calcium_total", 10.0, "mg/dL", 100, reference_high=10.2), lab("albumin", 3.0, "g/dL", 100))
    (pt,) = n.calcium
    assert pt.corrected and pt.value == pytest.approx(10.0 + 0.8 * (4.0 - 3.0))
    assert pt.status == "high"  # 10.8 > 10.2: a normal-looking calcium is high once corrected


def test_normal_albumin_leaves_calcium_as_measured():
    """Only albumin below the reference (4.0 g/dL) corrects calcium."""
    n = _norm(lab("calcium_total", 10.0, "mg/dL", 100, reference_high=10.2), lab("albumin", 4.2, "g/dL", 100))
    assert not n.calcium[0].corrected and n.calcium[0].value == 10.0 and n.calcium[0].status == "normal"


def test_mmol_calcium_and_its_reference_range_are_converted_to_mg_dl():
    """mmol/L x 4.008 = mg/dL (the graph's unit conversion); a given range converts with the value."""
    n = _norm(lab("calcium_total", 2.5, "mmol/L", 100, reference_low=2.1, reference_high=2.6))
    v = n.latest("calcium_total")
    assert v.unit == "mg/dL" and v.value == pytest.approx(10.02)
    assert v.high == pytest.approx(2.6 * 4.008) and v.high_source == "case"


def test_the_graphs_default_limit_is_used_only_without_a_case_range():
    """DESIGN: a reference range given with a lab value wins over the graph's default."""
    n = _norm(lab("pth_intact", 70, "pg/mL", 100), lab("pth_intact", 70, "pg/mL", 101, reference_high=80))
    default, given = n.series("pth_intact")
    assert (
        default.high_source.startswith("https://w3id.org/parareop/") and "pth_intact:upper" in n.defaults_used
    )
    assert given.high == 80 and given.high_source == "case" and given.status() == "normal"


def test_latest_is_the_last_day_whatever_the_list_order():
    """Labs are read as a series by day (DESIGN: time matters), not by their order in the case."""
    n = _norm(lab("pth_intact", 200, "pg/mL", 300), lab("pth_intact", 90, "pg/mL", 50))
    assert n.latest("pth_intact").value == 200 and [v.day for v in n.series("pth_intact")] == [50, 300]
    assert n.latest("pth_intact", after=400) is None


def test_same_day_repeats_become_their_median_and_a_wide_spread_is_flagged():
    """Same-day repeats: the median; a spread above the graph's tolerance (20%) is a conflict."""
    n = _norm(*(lab("pth_intact", v, "pg/mL", 100) for v in (100, 150, 300)))
    (one,) = n.series("pth_intact")
    assert one.value == 150
    (rep,) = n.repeats
    assert rep.conflicting and rep.spread == pytest.approx((300 - 100) / 150)


def test_cccr_is_computed_from_the_24h_urine_and_the_serum_values():
    """CCCR = (urine Ca x serum creatinine) / (serum Ca x urine creatinine), DESIGN step 2."""
    n = normalize(Case.model_validate(case()), KN)
    assert n.cccr == pytest.approx((380 * 0.8) / (11.2 * 1100)) and n.cccr_day == 240
