"""planner.gates.outcome: a gate's result is frozen and cites its graph node; the fold lists the gates
in the graph's order, the first gate that stops the plan decides, and a test is asked once."""

from __future__ import annotations

import dataclasses

import pytest

from planner.gates.outcome import GateOutcome, ask, gate_result, meds_acting_on
from planner.models import Case
from tests.planner_minicase import KN, case

FACT = {"text": "CCCR 0.03", "iri": None, "source": "case record"}


def test_a_gate_entry_starts_with_the_gates_graph_node():
    """DESIGN: every gate carries the chain of graph facts behind it, first its own IRI."""
    r = gate_result(KN, "fhh_screen", "pass", "ok", [FACT])
    assert (
        r.gate.explanation[0].iri == KN.gates["fhh_screen"].iri and r.gate.explanation[1].text == "CCCR 0.03"
    )
    assert r.order == KN.gates["fhh_screen"].order


def test_a_result_and_an_outcome_cannot_be_changed():
    """A gate cannot alter what another gate said: results and outcomes are frozen."""
    r = gate_result(KN, "confounders", "pass", "No confounder found.")
    go = GateOutcome().with_result(r)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.decision = "halt"
    with pytest.raises(dataclasses.FrozenInstanceError):
        go.results = ()
    with pytest.raises(TypeError):  # keyword-only: no positional mix-up of the flags
        type(r)(r.gate, r.order)


def test_with_result_leaves_the_outcome_it_started_from_unchanged():
    empty = GateOutcome()
    one = empty.with_result(gate_result(KN, "surgical_candidacy", "fail", "unfit", medical_only=True))
    assert empty.gates == () and not empty.medical_only
    assert [g.id for g in one.gates] == ["surgical_candidacy"] and one.medical_only


def test_gates_are_listed_in_the_graphs_order_whatever_order_they_ran_in():
    """Graph prp:gateOrder: data consistency, biochemical diagnosis, ..., localization."""
    ran = ["localization", "surgical_candidacy", "biochemical_diagnosis", "data_consistency", "fhh_screen"]
    go = GateOutcome()
    for key in ran:
        go = go.with_result(gate_result(KN, key, "pass", key))
    assert [g.id for g in go.gates] == sorted(ran, key=lambda k: KN.gates[k].order)


def test_the_first_gate_in_the_graphs_order_that_stops_the_plan_decides():
    """The data-consistency check runs last but stands first: its defer beats a later gate's halt."""
    halt = gate_result(KN, "fhh_screen", "fail", "FHH", decision="halt", diagnosis="fhh_suspected")
    defer = gate_result(KN, "data_consistency", "warn", "disagree", decision="defer")
    go = GateOutcome().with_result(halt).with_result(defer)
    assert go.decision == "defer"
    assert GateOutcome().with_result(halt).decision == "halt"
    assert GateOutcome().with_result(gate_result(KN, "confounders", "warn", "x")).decision is None


def test_the_diagnosis_is_the_last_one_given_in_the_order_the_gates_ran():
    """The biochemical gate makes it, the FHH screen refines it; a gate that gives none keeps it."""
    go = GateOutcome().with_result(
        gate_result(KN, "biochemical_diagnosis", "pass", "p", diagnosis="persistent")
    )
    assert go.diagnosis == "persistent"
    go = go.with_result(gate_result(KN, "fhh_screen", "fail", "f", diagnosis="fhh_suspected"))
    assert go.with_result(gate_result(KN, "confounders", "pass", "c")).diagnosis == "fhh_suspected"
    assert GateOutcome().diagnosis == "indeterminate"


def test_a_test_is_asked_once_with_its_first_reason():
    """Two gates asking for one test give one next test (the first reason kept), in the order asked."""
    go = GateOutcome().with_result(
        gate_result(KN, "fhh_screen", "unknown", "u", tests=[ask("urine_calcium_24h", "first")])
    )
    go = go.with_result(
        gate_result(
            KN,
            "confounders",
            "fail",
            "c",
            tests=[ask("repeat_biochemistry", "other"), ask("urine_calcium_24h", "second")],
        )
    )
    assert [(t.test, t.reason) for t in go.tests] == [
        ("urine_calcium_24h", "first"),
        ("repeat_biochemistry", "other"),
    ]


def test_a_doubtful_gate_turns_warn_and_flags_stand():
    """A gate resting on a disagreeing value turns warn; a flag raised by any gate stands."""
    bio = gate_result(KN, "biochemical_diagnosis", "pass", "p", diagnosis="persistent")
    check = gate_result(
        KN, "data_consistency", "warn", "d", block_surgery=True, doubtful={"biochemical_diagnosis"}
    )
    go = GateOutcome().with_result(bio).with_result(check)
    assert [(g.id, g.status) for g in go.gates] == [
        ("data_consistency", "warn"),
        ("biochemical_diagnosis", "warn"),
    ]
    assert bio.gate.status == "pass"  # the gate's own result is untouched
    assert go.block_surgery and not go.medical_only


def test_warnings_are_said_in_the_order_the_gates_ran():
    go = GateOutcome().with_result(gate_result(KN, "fhh_screen", "warn", "f", warnings=["one"]))
    go = go.with_result(gate_result(KN, "data_consistency", "pass", "d", warnings=["two", "three"]))
    assert go.warnings == ("one", "two", "three")


def test_meds_acting_on_reads_the_graphs_effects():
    """Graph: thiazide and lithium lower urine calcium; cinacalcet does not."""
    c = Case.model_validate(case(patient={"medications": ["cinacalcet", "thiazide", "lithium"]}))
    assert meds_acting_on(c, KN, "urine_calcium_24h", KN.med_lowers) == ["thiazide", "lithium"]
    assert meds_acting_on(c, KN, "calcium_total", KN.med_lowers) == ["cinacalcet"]
