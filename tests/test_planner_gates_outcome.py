"""planner.gates.outcome.GateOutcome: each gate entry cites its graph node; a test is asked once."""

from __future__ import annotations

from planner.gates.outcome import GateOutcome, meds_acting_on
from planner.models import Case
from tests.planner_minicase import KN, case


def test_a_gate_entry_starts_with_the_gates_graph_node():
    """DESIGN: every gate carries the chain of graph facts behind it, first its own IRI."""
    go = GateOutcome()
    go.gate(KN, "fhh_screen", "pass", "ok", [{"text": "CCCR 0.03", "iri": None, "source": "case record"}])
    (gate,) = go.gates
    assert gate.explanation[0].iri == KN.gates["fhh_screen"][0] and gate.explanation[1].text == "CCCR 0.03"


def test_a_test_is_asked_once_with_its_first_reason():
    """Two gates asking for one test give one next test (the first reason kept)."""
    go = GateOutcome()
    go.ask("urine_calcium_24h", "first")
    go.ask("urine_calcium_24h", "second")
    assert go.tests == [("urine_calcium_24h", "first", [])]


def test_meds_acting_on_reads_the_graphs_effects():
    """Graph: thiazide and lithium lower urine calcium; cinacalcet does not."""
    c = Case.model_validate(case(patient={"medications": ["cinacalcet", "thiazide", "lithium"]}))
    assert meds_acting_on(c, KN, "urine_calcium_24h", KN.med_lowers) == ["thiazide", "lithium"]
    assert meds_acting_on(c, KN, "calcium_total", KN.med_lowers) == ["cinacalcet"]
