"""planner.gates.carcinoma: warn naming each red flag (graph likelihood ratio > 1 for carcinoma); pass without."""

from __future__ import annotations

from planner.gates.carcinoma import carcinoma_red_flags, red_flags
from tests.planner_minicase import BASE, KN, case, img, lab, steps


def _gate(s):
    """The gate's entry, and the gates' outcome with it folded in."""
    go = s.go.with_result(carcinoma_red_flags(KN, s.feat))
    return next(g for g in go.gates if g.id == "carcinoma_red_flags"), go


def test_no_red_flag_passes():
    """The minimal case has no feature the graph weighs towards carcinoma."""
    gate, _ = _gate(steps(case()))
    assert gate.status == "pass" and gate.message == "No carcinoma red flag."


def test_warn_names_each_red_flag_with_its_fact():
    """Graph: palpable_neck_mass, pth_above_strong_multiple and lesion_larger_than_carcinoma_size have LR > 1."""
    labs = [*BASE["labs"][:1], lab("pth_intact", 900, "pg/mL", 240, reference_high=65), *BASE["labs"][2:]]
    lesion = {**img("ultrasound", "perrier_F", "left"), "size_mm": 40}
    s = steps(case(patient={"palpable_neck_mass": True}, labs=labs, imaging=[lesion]))
    gate, _ = _gate(s)
    assert gate.status == "warn"
    for flag in ("palpable neck mass", "pth above strong multiple", "lesion larger than carcinoma size"):
        assert flag in gate.message
    assert len(gate.explanation) == 1 + 3  # the gate's own IRI, then one fact per flag


def test_a_feature_weighed_towards_another_cause_is_not_a_red_flag():
    """Graph: syndrome_MEN1 has LR 10 for multiglandular disease, none for carcinoma: not a red flag."""
    s = steps(case(patient={"palpable_neck_mass": True, "syndromes": ["MEN1"]}))
    assert {"syndrome_MEN1", "cccr_above_phpt"} <= s.feat.keys()
    assert red_flags(KN, s.feat) == ["palpable_neck_mass"]


def test_the_gate_takes_its_place_in_the_graphs_gate_order():
    """Graph prp:gateOrder: carcinoma red flags come after confounders and before surgical candidacy."""
    s = steps(case())
    _, go = _gate(s)
    ids = [g.id for g in go.gates]
    assert "carcinoma_red_flags" not in [
        g.id for g in s.go.gates
    ]  # the outcome it was folded into is unchanged
    assert ids.index("confounders") < ids.index("carcinoma_red_flags") < ids.index("surgical_candidacy")
