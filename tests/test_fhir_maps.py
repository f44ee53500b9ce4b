"""The FHIR import's code tables (clinical/data): consistent with the contract and the ontology."""

from __future__ import annotations

import json

from fhir.resources.R4B.codesystem import CodeSystem

from clinical.fhir_maps import DATA, LOINC, PROFILE, UCUM, maps, read_tsv, system
from kg.knowledge import knowledge
from ontology.namespaces import EXTERNAL_PREFIXES, PRP
from ontology.paths import MAPPINGS_FILE
from ontology.sssom import read_mapping_set
from planner.contract_files import load

VOCAB = load("vocabulary.json")
PLAIN_UNITS = {"mm", "mg", "min"}


def _sssom_loinc() -> dict[str, tuple[str, str]]:
    """LOINC code -> (ParaReop analyte notation, LOINC label) from the ontology's mapping set."""
    loinc, analyte = EXTERNAL_PREFIXES["loinc"], str(PRP) + "analyte_"
    return {
        row.object.removeprefix(loinc): (row.subject.removeprefix(analyte), row.object_label)
        for row in read_mapping_set(MAPPINGS_FILE).rows
        if row.object.startswith(loinc)
    }


def test_loinc_table_agrees_with_the_ontology_cross_references() -> None:
    table = maps().loinc
    onto = _sssom_loinc()
    assert onto, "the ontology has LOINC cross-references"
    for code, (analyte, label) in onto.items():
        assert code in table, f"LOINC {code} ({analyte}) is cross-referenced by the ontology but not mapped"
        assert table[code].analyte == analyte
        assert table[code].long_name == label


def test_loinc_table_rows_are_complete() -> None:
    analytes = set(VOCAB["analytes"])
    for row in maps().loinc.values():
        assert row.analyte in analytes
        assert row.long_name and row.source
        assert row.loinc.count("-") == 1 and row.loinc.split("-")[0].isdigit()
    # every analyte the issue names has at least one LOINC code
    wanted = analytes - {"cccr", "pthrp"}
    assert wanted <= {r.analyte for r in maps().loinc.values()}


def test_unit_table_targets_are_contract_units_allowed_by_the_graph() -> None:
    kn = knowledge()
    allowed = set().union(*kn.allowed_units.values())
    for row in maps().units.values():
        assert row.factor > 0 and row.long_name
        if row.target in PLAIN_UNITS:
            continue
        assert row.target in VOCAB["units"], row
        assert row.target in allowed, f"{row.ucum} -> {row.target} is no analyte's unit in the graph"
        assert row.factor == 1  # the planner converts between contract units, not the import
    # every contract unit can be written in UCUM
    assert set(VOCAB["units"]) <= {r.target for r in maps().units.values()}


def test_procedure_table_covers_every_prior_procedure_once() -> None:
    rows = [r for r in maps().procedures.values() if r.system == system("prior_procedures")]
    assert sorted(r.procedure for r in rows) == sorted(VOCAB["prior_procedures"])
    para = {r.procedure for r in rows if r.parathyroid_operation}
    assert "focused_parathyroidectomy" in para and "bilateral_exploration" in para
    assert "hemithyroidectomy" not in para and "cervical_thymectomy" not in para


CPT = "http://www.ama-assn.org/go/cpt"


def test_cpt_rows_never_guess_an_extent() -> None:
    """A CPT code that does not say the extent maps to the unspecified operation, with a warning."""
    m = maps()
    cpt = {r.code: r for r in m.procedures.values() if r.system == CPT}
    for code in ("60500", "60502", "60505", "60512"):
        assert cpt[code].procedure == "parathyroid_operation_unspecified" and cpt[code].parathyroid_operation
        assert cpt[code].warning, code
    assert cpt["60220"].procedure == cpt["60225"].procedure == "hemithyroidectomy"
    assert cpt["60240"].procedure == "total_thyroidectomy" and cpt["60520"].procedure == "cervical_thymectomy"
    assert not any(
        r.parathyroid_operation for c, r in cpt.items() if c in ("60220", "60225", "60240", "60520")
    )
    assert "60521" not in cpt and "60522" not in cpt  # sternal-split thymectomy: no contract procedure
    for r in m.procedures.values():
        assert r.procedure in VOCAB["prior_procedures"] and r.source, r


def test_icd10cm_rows() -> None:
    m = maps()
    icd = "http://hl7.org/fhir/sid/icd-10-cm"
    assert m.syndrome([{"system": icd, "code": "E31.21"}]) == "MEN1"
    assert m.syndrome([{"system": icd, "code": "E31.22"}]) == "MEN2A"
    for code, carried in (
        ("E21.0", "premise"),
        ("E83.52", "not_carried"),
        ("N18.4", "not_carried"),
        ("N18.31", "not_carried"),
        ("C75.0", "not_carried"),
    ):
        note = m.condition_note([{"system": icd, "code": code}])
        assert note is not None and note.carried == carried, code
        assert m.syndrome([{"system": icd, "code": code}]) is None  # never FHH from E83.52
    assert m.condition_note([{"system": icd, "code": "E21.3"}]) is None


def test_rxnorm_and_egfr_rows() -> None:
    m = maps()
    rx = "http://www.nlm.nih.gov/research/umls/rxnorm"
    want = {
        "5487": "thiazide",
        "2409": "thiazide",
        "6448": "lithium",
        "2418": "cholecalciferol",
        "77655": "bisphosphonate",
        "993449": "denosumab",
        "1897": "calcium_supplement",
    }
    for code, med in want.items():
        assert m.medication([{"system": rx, "code": code}]) == med
    assert m.medication([{"system": rx, "code": "54870"}]) is None  # exact match only
    for code in ("62238-1", "48642-3", "48643-1", "33914-3", "98979-8"):
        assert m.lab([{"system": LOINC, "code": code}]) == "egfr"


def test_body_site_laterality_medication_and_condition_targets_are_contract_codes() -> None:
    m = maps()
    for row in m.body_sites.values():
        if row.kind == "site":
            assert row.target in VOCAB["sites"]
        else:
            assert row.kind == "gland_level" and row.target in ("superior", "inferior")
    assert set(m.laterality.values()) <= set(VOCAB["sides"]) | {""}
    assert {r.medication for r in m.medications} <= set(VOCAB["medications"])
    assert set(m.conditions.values()) <= set(VOCAB["syndromes"])
    assert all(r.match in ("exact", "prefix") for r in m.medications)


def test_every_table_row_names_its_source() -> None:
    for name in ("loinc.tsv", "body_sites.tsv", "laterality.tsv", "medications.tsv", "conditions.tsv"):
        for row in read_tsv(name):
            assert row["source"].strip(), (name, row)


def test_profile_code_system_is_a_valid_fhir_codesystem() -> None:
    data = json.loads((DATA / "codesystem-observation.json").read_text())
    cs = CodeSystem.model_validate(data)
    assert cs.url == PROFILE
    codes = [c.code for c in cs.concept]
    assert len(codes) == len(set(codes))
    assert all(c.definition for c in cs.concept)


def test_lookups_never_guess() -> None:
    m = maps()
    assert m.lab([{"system": LOINC, "code": "17861-6"}]) == "calcium_total"
    assert m.lab([{"system": LOINC, "code": "718-7"}]) is None  # haemoglobin: not ours
    assert m.lab([{"system": system("analytes"), "code": "cccr"}]) == "cccr"
    assert m.lab([{"system": system("analytes"), "code": "calcium"}]) is None
    assert m.side([{"system": "http://snomed.info/sct", "code": "7771000"}]) == "left"
    assert m.side([{"system": "http://snomed.info/sct", "code": "51440002"}]) == ""
    assert m.site([{"system": "http://purl.obolibrary.org/obo/uberon.owl", "code": "UBERON:0002046"}]) is None
    assert m.medication([{"system": "http://www.whocc.no/atc", "code": "C03AA03"}]) == "thiazide"
    assert m.medication([{"system": "http://www.whocc.no/atc", "code": "C03CA01"}]) is None  # furosemide
    assert UCUM in {"http://unitsofmeasure.org"}


def test_icd10_pcs_parathyroid_resections_are_operations_of_unstated_extent() -> None:
    """ICD-10-PCS 0GTR0ZZ / 0GTQ0ZZ / 0GBR0ZZ make day 0 (a parathyroid operation) but name no extent."""
    pcs = {
        r.code: r
        for r in maps().procedures.values()
        if r.system == "http://www.cms.gov/Medicare/Coding/ICD10"
    }
    assert set(pcs) == {"0GTR0ZZ", "0GTQ0ZZ", "0GBR0ZZ"}
    for code, row in pcs.items():
        assert row.procedure == "parathyroid_operation_unspecified" and row.parathyroid_operation, code
        assert code in row.warning and "case editor" in row.warning
