"""The node-details named query: everything the graph says about one coded entity."""

from __future__ import annotations

from kg.sparql import run_named


def test_node_details_of_the_thymic_site_show_definition_evidence_and_uberon():
    rows = run_named("node-details", {"node": "perrier_F"}).values()
    what = {r["what"] for r in rows}
    assert {"label", "definition", "type", "xref", "evidence"} <= what
    evidence = [r for r in rows if r["what"] == "evidence"]
    assert any("supernumerary" in r["value"] and r["source"] and r["grade"] for r in evidence)
    # the cervical part of the thymus: local, as UBERON's cervical thymus is a whole thymus in the neck
    assert any(r["value"].endswith("CervicalPartOfThymus") for r in rows if r["what"] == "xref")


def test_node_details_of_a_modality_list_its_performance():
    rows = run_named("node-details", {"node": "ct_4d"}).values()
    perf = [r for r in rows if r["what"] == "evidence" and r["value"].startswith("performance")]
    assert perf and float(perf[0]["detail"]) == 0.774
