"""planner.gates.biochemical on hand-made lab series (test_planner_gates covers too early and suppressed PTH).

The gate is a pure function: it returns its result (the diagnosis, any decision, the tests it asks for)."""

from __future__ import annotations

import dataclasses

import pytest

from planner.gates.biochemical import biochemical, disease_free_interval
from planner.models import Case
from planner.normalize import normalize
from tests.planner_minicase import KN, case, lab

REF = {"reference_low": 8.5, "reference_high": 10.2}
PTH = {"reference_low": 15, "reference_high": 65}


def _run(labs, **patient):
    c = Case.model_validate(case(labs=labs, patient=patient))
    return biochemical(c, normalize(c, KN), KN)


def test_a_normal_interval_longer_than_six_months_makes_it_recurrent():
    """Graph persistence_days (182): normal calcium that long, then hypercalcemia, is recurrence."""
    labs = [lab("calcium_total", 9.5, "mg/dL", d, **REF) for d in (60, 300)]
    labs += [lab("calcium_total", 11.0, "mg/dL", 500, **REF), lab("pth_intact", 120, "pg/mL", 500, **PTH)]
    out = _run(labs)
    assert out.diagnosis == "recurrent" and out.decision is None and out.gate.status == "pass"


def test_a_short_normal_interval_is_still_persistent():
    """Normal for fewer than persistence_days: the disease never remitted."""
    labs = [lab("calcium_total", 9.5, "mg/dL", 60, **REF), lab("calcium_total", 11.0, "mg/dL", 120, **REF)]
    out = _run([*labs, lab("pth_intact", 120, "pg/mL", 120, **PTH)])
    assert out.diagnosis == "persistent"


def test_the_disease_free_interval_is_the_normal_run_before_the_current_episode():
    """The normal run just before the trailing high run; from day 0 when it opens the series."""
    assert disease_free_interval([(50, "high"), (100, "normal"), (400, "normal"), (450, "high")]) == (
        100,
        400,
        450,
    )
    assert disease_free_interval([(100, "normal"), (450, "high")]) == (0, 100, 450)
    assert disease_free_interval([(100, "high"), (450, "normal")]) is None


def test_normal_calcium_on_cinacalcet_is_not_a_cure():
    """DESIGN (medications): normal calcium on a calcimimetic is read as active disease."""
    labs = [lab("calcium_total", 9.8, "mg/dL", 200, **REF), lab("pth_intact", 120, "pg/mL", 200, **PTH)]
    assert _run(labs).diagnosis == "normocalcemic_pth_elevation"
    out = _run(labs, medications=["cinacalcet"])
    assert out.diagnosis == "persistent" and any("cinacalcet" in w for w in out.warnings)


def test_raised_pth_with_normal_calcium_and_low_egfr_is_secondary():
    """Graph ckd_egfr_below: raised PTH with normal calcium and reduced renal function is secondary HPT."""
    labs = [lab("calcium_total", 9.4, "mg/dL", 200, **REF), lab("pth_intact", 160, "pg/mL", 200, **PTH)]
    out = _run([*labs, lab("egfr", 25, "mL/min/1.73m2", 200)])
    assert out.diagnosis == "secondary_hyperparathyroidism" and out.decision == "halt"


def test_raised_pth_with_normal_calcium_and_low_vitamin_d_is_replete_and_repeat():
    """Graph vitamin_d_deficiency_below: vitamin D deficiency explains a raised PTH; defer and replete."""
    labs = [lab("calcium_total", 9.4, "mg/dL", 200, **REF), lab("pth_intact", 160, "pg/mL", 200, **PTH)]
    out = _run([*labs, lab("vitamin_d_25oh", 12, "ng/mL", 200)])
    assert out.diagnosis == "normocalcemic_pth_elevation" and out.decision == "defer"
    assert out.tests[0].test == "vitamin_d_repletion"


def test_calcium_and_pth_not_both_known_after_the_operation_defers():
    """Both are needed, at least too_early_days after the operation."""
    out = _run([lab("calcium_total", 11.0, "mg/dL", 200, **REF), lab("pth_intact", 120, "pg/mL", -10, **PTH)])
    assert out.diagnosis == "indeterminate" and out.decision == "defer" and out.gate.status == "unknown"


def test_the_gate_says_the_same_thing_twice_and_its_result_is_frozen():
    """A pure function: the same case gives an equal result, and nothing can change it afterwards."""
    labs = [lab("calcium_total", 11.0, "mg/dL", 200, **REF), lab("pth_intact", 120, "pg/mL", 200, **PTH)]
    first, second = _run(labs), _run(labs)
    assert first == second and first is not second
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.diagnosis = "recurrent"


def test_without_any_reading_after_the_operation_the_diagnosis_is_unknown_and_deferred():
    """No calcium or PTH after the last operation: measure them too_early_days or more after it."""
    out = _run([lab("calcium_total", 11.0, "mg/dL", -10, **REF)])
    assert out.gate.status == "unknown" and out.diagnosis == "indeterminate" and out.decision == "defer"
    assert f"{KN.param('too_early_days').v:g} days" in out.tests[0].reason
