"""planner.explain: each link of an explanation chain says where it comes from (the case or a graph IRI)."""

from __future__ import annotations

from planner import explain as ex
from planner.models import Fact
from tests.planner_minicase import KN


def test_a_finding_cites_the_case_record_and_no_iri():
    """DESIGN step 8: a fact taken from the case has the case as its source."""
    assert ex.finding("PTH 140 pg/mL") == {"text": "PTH 140 pg/mL", "iri": None, "source": "case record"}


def test_an_evidence_link_cites_the_graph_node_and_its_source():
    """Evidence nodes carry their IRI and citation (threshold_miami_drop_fraction)."""
    ev = KN.param("miami_drop_fraction")
    link = ex.evidence("Miami 50%", ev)
    assert link["iri"] == ev.iri == "https://w3id.org/parareop/threshold_miami_drop_fraction"
    assert link["source"] == ev.cite() and link["source"]


def test_a_coded_link_cites_the_vocabulary_entitys_iri():
    """DESIGN: the planner finds things by notation; the link names the entity's IRI."""
    link = ex.coded(KN, "suspected_causes", "carcinoma", "carcinoma suspected")
    assert link["iri"] == KN.iri("suspected_causes", "carcinoma") and link["iri"].startswith(
        "https://w3id.org/"
    )


def test_a_graph_link_keeps_its_iri_and_becomes_a_plan_fact():
    """Links become the plan's Fact items unchanged."""
    link = ex.graph("Gate: localization", KN.gates["localization"][0])
    fact = Fact.model_validate(link)
    assert (fact.text, fact.iri, fact.source) == ("Gate: localization", KN.gates["localization"][0], None)
