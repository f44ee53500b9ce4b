"""The node-details named query: everything the graph says about one coded entity."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from kg.named_queries import get_named_query
from kg.sparql import run_named, run_text


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


# ---------------------------------------------------------------- which entity, and the old rows kept

#: The query as it was before it was rewritten for speed (issue 14), kept as the plain reference:
#: every property group a UNION branch under the code's entity, the evidence OPTIONALs inside.
OLD_NODE_DETAILS = """
PREFIX prp:  <https://w3id.org/parareop/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX obo:  <http://purl.obolibrary.org/obo/>
PREFIX oio:  <http://www.geneontology.org/formats/oboInOwl#>

SELECT ?node ?what ?value ?detail ?source ?grade
WHERE {
  ?n skos:notation ?node .
  {
    BIND ("label" AS ?what) ?n rdfs:label ?value
  } UNION {
    BIND ("definition" AS ?what) ?n obo:IAO_0000115 ?value
  } UNION {
    BIND ("type" AS ?what) ?n a ?t . ?t rdfs:label ?value
  } UNION {
    BIND ("xref" AS ?what)
    VALUES ?p { skos:exactMatch skos:closeMatch oio:hasDbXref prp:anatomicalEntity prp:diseaseClass }
    ?n ?p ?x .
    BIND (STR(?x) AS ?value)
    BIND (STR(?p) AS ?detail)
  } UNION {
    BIND ("evidence" AS ?what)
    ?e ?link ?n ; rdfs:label ?value .
    ?e a/rdfs:subClassOf* prp:EvidenceNode .
    OPTIONAL { ?e prp:value ?v }
    OPTIONAL { ?e prp:sensitivity ?se }
    OPTIONAL { ?e prp:source ?source }
    OPTIONAL { ?e prp:hasGrade/rdfs:label ?grade }
    BIND (COALESCE(?v, ?se) AS ?detail)
  }
  VALUES ?node { UNDEF }
}
ORDER BY ?node ?what ?value
"""
#: The same, saying which entity and scheme each row belongs to (what the new columns must hold).
OLD_WITH_ENTITY = OLD_NODE_DETAILS.replace(
    "SELECT ?node ?what ?value ?detail ?source ?grade",
    "SELECT ?node ?what ?value ?detail ?source ?grade (?n AS ?entity) ?scheme",
).replace("  VALUES ?node { UNDEF }", "  OPTIONAL { ?n skos:inScheme ?scheme }\n  VALUES ?node { UNDEF }")
OLD_COLUMNS = ("node", "what", "value", "detail", "source", "grade")
PRP = "https://w3id.org/parareop/"


def _bag(
    rows: list[dict[str, str]], columns: tuple[str, ...] | None = None
) -> Counter[tuple[tuple[str, str], ...]]:
    return Counter(
        tuple(sorted((k, v) for k, v in row.items() if columns is None or k in columns)) for row in rows
    )


def _by_code(rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        out[row["node"]].append(row)
    return out


@pytest.fixture(scope="module")
def old_rows() -> dict[str, list[dict[str, str]]]:
    """The old query's rows for every code (one unbound run)."""
    return _by_code(run_text(OLD_NODE_DETAILS).values())


@pytest.fixture(scope="module")
def reference() -> dict[str, list[dict[str, str]]]:
    """The old query's rows with their entity and scheme, for every code (one unbound run)."""
    return _by_code(run_text(OLD_WITH_ENTITY).values())


def test_the_new_columns_name_the_entity_and_its_scheme() -> None:
    query = get_named_query("node-details")
    assert "entity" in query.columns and "scheme" in query.columns
    result = run_named("node-details", {"node": "cinacalcet"})
    assert result.variables == (*OLD_COLUMNS, "entity", "scheme")
    rows = result.values()
    assert all(row.keys() >= {"entity", "scheme"} for row in rows)
    labels = {(r["entity"], r["scheme"]): r["value"] for r in rows if r["what"] == "label"}
    assert labels == {
        (PRP + "medication_cinacalcet", PRP + "scheme_medications"): "medication: cinacalcet",
        (PRP + "procedure_cinacalcet", PRP + "scheme_operations"): "cinacalcet therapy",
    }
    carcinoma = run_named("node-details", {"node": "carcinoma"}).values()
    assert {r["entity"] for r in carcinoma} == {PRP + "pathology_carcinoma", PRP + "cause_carcinoma"}
    # the evidence that cites the suspected cause is the cause's, not the histology's
    evidence = {r["entity"] for r in carcinoma if r["what"] == "evidence"}
    assert evidence == {PRP + "cause_carcinoma"}
    # one entity in two code lists (a modality that is also a test) answers once for each list
    ultrasound = run_named("node-details", {"node": "ultrasound"}).values()
    assert {r["entity"] for r in ultrasound} == {PRP + "modality_ultrasound"}
    per_scheme = defaultdict(list)
    for row in ultrasound:
        per_scheme[row["scheme"]].append(row)
    assert set(per_scheme) == {PRP + "scheme_modalities", PRP + "scheme_tests"}
    first, second = per_scheme.values()
    assert _bag(first, OLD_COLUMNS) == _bag(second, OLD_COLUMNS)


def test_every_code_gives_the_old_rows_with_entity_and_scheme(
    old_rows: dict[str, list[dict[str, str]]], reference: dict[str, list[dict[str, str]]]
) -> None:
    codes = run_text(
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT DISTINCT ?c WHERE { ?n skos:notation ?c }"
    ).column("c")
    assert len(codes) > 250 and set(codes) == set(reference) == set(old_rows)
    for code in codes:
        new = run_named("node-details", {"node": code}).values()
        assert _bag(new) == _bag(reference[code]), code
        # the six old columns hold the old rows (as a set: an entity in two lists answers twice)
        assert set(_bag(new, OLD_COLUMNS)) == set(_bag(old_rows[code])), code
        assert len(new) >= len(old_rows[code])


def test_unbound_gives_every_codes_rows(reference: dict[str, list[dict[str, str]]]) -> None:
    everything = run_named("node-details").values()
    assert _bag(everything) == _bag([row for rows in reference.values() for row in rows])
