"""Contract cases as RDF: one named graph per case, individuals typed by the case model,
linked to the ontology's individuals by code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import RDF, XSD, Graph, Literal, URIRef

from kg.case_rdf import (
    CASE_BASE,
    case_iri,
    case_to_rdf,
    describe_unknown,
    load_case_file,
    unknown_code_iri,
)
from kg.cases import load_case_folder
from kg.errors import CaseConversionError
from kg.paths import CASE_MODEL_FILE
from kg.vocabulary import lookup
from ontology.paths import shared_dir

PRP = "https://w3id.org/parareop/"
CASES = shared_dir() / "cases"


def p(name: str) -> URIRef:
    return URIRef(PRP + name)


def test_each_case_gets_its_own_graph_iri() -> None:
    case = load_case_file(CASES / "ex-04-missing-left-inferior.json")
    assert case.iri == CASE_BASE + "ex-04-missing-left-inferior" == case_iri(case.case_id)
    assert (URIRef(case.iri), RDF.type, p("Case")) in case.graph
    assert (URIRef(case.iri), p("caseId"), Literal("ex-04-missing-left-inferior")) in case.graph
    for s in case.graph.subjects():
        assert str(s).startswith(case.iri)


def test_findings_link_to_ontology_sites_modalities_and_results() -> None:
    case = load_case_file(CASES / "ex-04-missing-left-inferior.json")
    g = case.graph
    findings = sorted(g.objects(URIRef(case.iri), p("hasImagingFinding")))
    assert len(findings) == 3
    for finding in findings:
        assert (finding, RDF.type, p("ImagingFinding")) in g
        assert g.value(finding, p("locatedAt")) == URIRef(lookup("sites", "perrier_F"))
        assert g.value(finding, p("onSide")) == URIRef(lookup("sides", "left"))
        assert g.value(finding, p("imagingResult")) == URIRef(lookup("imaging_results", "positive"))
    modalities = {g.value(f, p("modality")) for f in findings}
    assert URIRef(lookup("modalities", "ct_4d")) in modalities


def test_operations_carry_their_gland_records() -> None:
    case = load_case_file(CASES / "ex-04-missing-left-inferior.json")
    g = case.graph
    (op,) = g.objects(URIRef(case.iri), p("hasOperation"))
    assert (op, RDF.type, p("PreviousOperation")) in g
    assert g.value(op, p("day")) == Literal(0, datatype=XSD.integer)
    assert g.value(op, p("usedProcedure")) == URIRef(lookup("prior_procedures", "bilateral_exploration"))
    records = {
        g.value(r, p("glandPosition")): g.value(r, p("glandStatus"))
        for r in g.objects(op, p("hasGlandRecord"))
    }
    assert records[URIRef(lookup("gland_positions", "left_inferior"))] == URIRef(
        lookup("gland_status", "not_found")
    )
    assert len(records) == 4
    iopth = g.value(op, p("hasIopth"))
    assert g.value(iopth, p("unit")) == URIRef(lookup("units", "pg/mL"))
    assert len(list(g.objects(iopth, p("hasSample")))) == 4


def test_labs_keep_value_unit_day_and_reference_range() -> None:
    case = load_case_file(CASES / "ex-04-missing-left-inferior.json")
    g = case.graph
    labs = list(g.objects(URIRef(case.iri), p("hasLabResult")))
    assert len(labs) == len(json.loads((CASES / "ex-04-missing-left-inferior.json").read_text())["labs"])
    first = URIRef(case.iri + "/lab/1")
    assert g.value(first, p("analyte")) == URIRef(lookup("analytes", "calcium_total"))
    assert g.value(first, p("quantityValue")) == Literal("11.3", datatype=XSD.decimal)
    assert g.value(first, p("unit")) == URIRef(lookup("units", "mg/dL"))
    assert g.value(first, p("day")) == Literal(-30, datatype=XSD.integer)
    assert g.value(first, p("referenceHigh")) == Literal("10.2", datatype=XSD.decimal)


def test_graft_venous_sampling_syndromes_and_thymectomy() -> None:
    case = load_case_file(CASES / "ex-07-men1-forearm-graft.json")
    g = case.graph
    root = URIRef(case.iri)
    assert g.value(root, p("hasSyndrome")) == URIRef(lookup("syndromes", "MEN1"))
    (study,) = g.objects(root, p("hasVenousSampling"))
    veins = {g.value(s, p("vein")) for s in g.objects(study, p("hasSample"))}
    assert URIRef(lookup("veins", "graft_arm_vein")) in veins
    (op,) = g.objects(root, p("hasOperation"))
    assert g.value(op, p("thymectomyExtent")) == Literal("cervical")
    assert g.value(op, p("thymectomyProcedure")) == URIRef(lookup("prior_procedures", "cervical_thymectomy"))
    assert g.value(op, p("autograftLocation")) == Literal("forearm")


def test_every_example_case_converts_and_uses_only_known_codes() -> None:
    loaded = load_case_folder(CASES, check=False)
    assert len(loaded.cases) == len(list(CASES.glob("ex-*.json")))
    for case in loaded.cases:
        unknown = [o for o in case.graph.objects() if isinstance(o, URIRef) and describe_unknown(str(o))]
        assert unknown == [], case.case_id


def test_the_case_model_declares_every_class_and_property_a_case_uses() -> None:
    model = Graph().parse(CASE_MODEL_FILE, format="turtle")
    declared = set(model.subjects(RDF.type, None))
    for case in load_case_folder(CASES, check=False).cases:
        for _s, pred, o in case.graph:
            if pred == RDF.type:
                assert o in declared, o
            else:
                assert pred in declared, pred


def test_unknown_codes_and_wrong_types_are_kept_for_the_shapes() -> None:
    case = case_to_rdf(
        {
            "id": "odd",
            "imaging": [
                {
                    "modality": "xray",
                    "result": "positive",
                    "site": "perrier_Z",
                    "day": "yesterday",
                    "size_mm": True,
                }
            ],
        }
    )
    g = case.graph
    finding = URIRef(case.iri + "/imaging/1")
    assert g.value(finding, p("locatedAt")) == URIRef(unknown_code_iri("sites", "perrier_Z"))
    assert describe_unknown(str(g.value(finding, p("modality")))) == "unknown modalities code 'xray'"
    assert g.value(finding, p("day")) == Literal("yesterday")
    assert g.value(finding, p("sizeMm")) == Literal("true")


def test_ids_are_escaped_in_iris() -> None:
    case = case_to_rdf({"id": "Dr. Müller's case #1"})
    assert case.iri == CASE_BASE + "Dr.%20M%C3%BCller%27s%20case%20%231"
    assert (URIRef(case.iri), p("caseId"), Literal("Dr. Müller's case #1")) in case.graph


def test_ntriples_are_sorted_and_stable() -> None:
    a = load_case_file(CASES / "ex-07-men1-forearm-graft.json").ntriples()
    b = load_case_file(CASES / "ex-07-men1-forearm-graft.json").ntriples()
    assert a == b
    lines = a.decode().splitlines()
    assert lines == sorted(lines)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ([], "must be a JSON object"),
        ({"title": "no id"}, "non-empty string 'id'"),
        ({"id": 7}, "non-empty string 'id'"),
        ({"id": "x", "imaging": {"modality": "ct_4d"}}, "imaging must be a list"),
        ({"id": "x", "operations": [{"day": 0, "glands": "all"}]}, "glands must be a list"),
    ],
)
def test_input_that_is_not_a_case_is_one_clear_error(case: object, message: str) -> None:
    with pytest.raises(CaseConversionError, match=message):
        case_to_rdf(case)  # type: ignore[arg-type]


def test_a_file_that_is_not_json(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"id": "x",', encoding="utf-8")
    with pytest.raises(CaseConversionError, match="not valid JSON"):
        load_case_file(bad)
    with pytest.raises(CaseConversionError, match="not found"):
        load_case_file(tmp_path / "missing.json")


def test_a_folder_skips_the_answer_key_and_rejects_duplicate_ids(tmp_path: Path) -> None:
    loaded = load_case_folder(CASES)
    assert [path.name for path, _ in loaded.skipped] == ["expected.json"]
    (tmp_path / "a.json").write_text(json.dumps({"id": "same"}), encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps({"id": "same"}), encoding="utf-8")
    with pytest.raises(CaseConversionError, match="also used by"):
        load_case_folder(tmp_path)
