"""The named competency queries (kg/queries/*.rq) on the embedded store: each answers its
clinical question correctly, rdflib's engine gives the same rows, parameters are safe."""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal

import pytest

from kg.case_rdf import case_to_rdf
from kg.cases import load_case_folder
from kg.errors import QueryParameterError, UnknownQueryError
from kg.named_queries import get_named_query, named_queries
from kg.results import QueryResult, Term
from kg.sparql import (
    EmbeddedBackend,
    RdflibBackend,
    embedded_with_cases,
    rdflib_with_cases,
    run_named,
    run_text,
)
from ontology.paths import shared_dir

COMPETENCY_QUERIES = {
    "descent-path",
    "candidate-sites",
    "vein-drainage",
    "operations-for-site",
    "modality-performance",
    "thresholds",
    "cause-implications",
    "cases-with-positive-finding",
    "gland-found-sites",
}
CASE_QUERIES = {"cases-with-positive-finding", "gland-found-sites"}

#: A case whose missed gland was finally found and removed in the anterior mediastinum.
ECTOPIC_CASE = {
    "id": "synthetic-mediastinal-adenoma",
    "operations": [
        {
            "day": -400,
            "procedures": ["bilateral_exploration"],
            "glands": [
                {"position": "left_inferior", "status": "not_found"},
                {"position": "right_inferior", "status": "identified_normal"},
            ],
        },
        {
            "day": 0,
            "procedures": ["mediastinal_resection_thoracoscopic"],
            "glands": [
                {
                    "position": "left_inferior",
                    "status": "removed",
                    "pathology": "adenoma",
                    "site": "anterior_mediastinum",
                    "side": "midline",
                }
            ],
        },
    ],
    "imaging": [
        {
            "modality": "sestamibi_spect_ct",
            "day": -30,
            "result": "positive",
            "site": "anterior_mediastinum",
            "side": "midline",
        }
    ],
}


@pytest.fixture(scope="module")
def case_graphs() -> dict[str, bytes]:
    graphs = load_case_folder(shared_dir() / "cases").graphs()
    extra = case_to_rdf(ECTOPIC_CASE)
    graphs[extra.iri] = extra.ntriples()
    return graphs


@pytest.fixture(scope="module")
def with_cases(case_graphs: dict[str, bytes]) -> EmbeddedBackend:
    return embedded_with_cases(case_graphs)


def rows(name: str, backend: EmbeddedBackend | None = None, **params: str) -> list[dict[str, str]]:
    return run_named(name, params, backend).values()


# ---------------------------------------------------------------- the files themselves


def test_every_competency_question_has_a_named_query() -> None:
    assert set(named_queries()) >= COMPETENCY_QUERIES


@pytest.mark.parametrize("name", sorted(named_queries()))
def test_each_query_states_its_question_and_parameters(name: str) -> None:
    query = get_named_query(name)
    assert query.path.name == f"{name}.rq"
    assert query.question.endswith("?") and len(query.question) > 40
    assert query.columns
    for param in query.parameters:
        assert re.search(rf"VALUES\s+\?{param.name}\s*\{{\s*UNDEF\s*\}}", query.text)
        assert param.description


# ---------------------------------------------------------------- 1. descent paths


def test_descent_paths_in_order_with_branches() -> None:
    found = rows("descent-path")
    main = defaultdict(list)
    branches = defaultdict(dict)
    for row in found:
        if row["kind"] == "main":
            main[row["path"]].append((int(row["step"]), row["site"]))
        else:
            branches[row["path"]][row["site"]] = row["branches_from"]
    assert [s for _, s in main["path_inferior"]] == [
        "undescended",
        "carotid_sheath",
        "perrier_E",
        "perrier_F",
        "anterior_mediastinum",
        "aortopulmonary_window",
    ]
    assert [s for _, s in main["path_superior"]] == [
        "perrier_A",
        "perrier_B",
        "perrier_C",
        "retroesophageal",
        "posterior_mediastinum",
    ]
    assert branches["path_inferior"] == {"intrathyroidal": "perrier_E", "perrier_D": "perrier_E"}
    assert branches["path_superior"] == {
        "intrathyroidal": "perrier_A",
        "perrier_D": "perrier_A",
        "carotid_sheath": "perrier_A",
    }


def test_the_thymus_lies_on_the_inferior_path_not_the_superior() -> None:
    sites_by_path = defaultdict(set)
    for row in rows("descent-path"):
        sites_by_path[row["path"]].add(row["site"])
    assert "perrier_F" in sites_by_path["path_inferior"]
    assert "anterior_mediastinum" in sites_by_path["path_inferior"]
    assert "perrier_F" not in sites_by_path["path_superior"]
    assert "anterior_mediastinum" not in sites_by_path["path_superior"]
    assert "retroesophageal" in sites_by_path["path_superior"] - sites_by_path["path_inferior"]


def test_descent_path_parameter_selects_one_path() -> None:
    found = rows("descent-path", path="path_superior")
    assert {r["path"] for r in found} == {"path_superior"} and len(found) == 8


# ---------------------------------------------------------------- 2. candidate sites and priors


def test_prior_shares_of_each_origin_sum_to_one() -> None:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows("candidate-sites"):
        totals[row["origin"]] += Decimal(row["share"])
    assert set(totals) == {"origin_third_pouch", "origin_fourth_pouch", "origin_supernumerary"}
    for origin, total in totals.items():
        assert total == Decimal("1"), origin


def test_missed_inferior_glands_lie_mostly_at_the_lower_pole_then_the_thymus() -> None:
    found = rows("candidate-sites", origin="origin_third_pouch")
    assert [r["site"] for r in found[:2]] == ["perrier_E", "perrier_F"]
    assert Decimal(found[0]["share"]) == Decimal("0.45") and Decimal(found[1]["share"]) == Decimal("0.2")
    assert all(r["source"] and r["grade"] in {"verified", "unverified", "assumption"} for r in found)


def test_supernumerary_glands_lie_mostly_in_the_thymus() -> None:
    found = rows("candidate-sites", origin="origin_supernumerary")
    assert found[0]["site"] == "perrier_F"


def test_every_prior_site_lies_on_its_origins_descent_path() -> None:
    for row in rows("candidate-sites"):
        assert row["on_path"] != "off path", row
    fourth = {r["site"] for r in rows("candidate-sites", origin="origin_fourth_pouch")}
    assert "perrier_F" not in fourth and "anterior_mediastinum" not in fourth


# ---------------------------------------------------------------- 3. venous drainage


def test_the_thymic_vein_drains_the_thymus_sites() -> None:
    found = rows("vein-drainage", vein="thymic_vein")
    assert sorted(r["site"] for r in found) == ["anterior_mediastinum", "perrier_F"]
    assert {r["lateralizes"] for r in found} == {"false"}


def test_veins_draining_the_cervical_thymus() -> None:
    found = rows("vein-drainage", site="perrier_F")
    assert sorted(r["vein"] for r in found) == [
        "brachiocephalic_vein",
        "inferior_thyroid_vein",
        "thymic_vein",
    ]


def test_both_parameters_together() -> None:
    assert len(rows("vein-drainage", site="perrier_F", vein="thymic_vein")) == 1
    assert rows("vein-drainage", site="perrier_A", vein="thymic_vein") == []


# ---------------------------------------------------------------- 4. operations for a site


def test_hemithyroidectomy_is_the_preferred_approach_for_intrathyroidal() -> None:
    found = rows("operations-for-site", site="intrathyroidal")
    assert found[0]["operation"] == "hemithyroidectomy" and found[0]["preferred"] == "true"
    assert [r["operation"] for r in found if r["preferred"] == "true"] == ["hemithyroidectomy"] * sum(
        1 for r in found if r["operation"] == "hemithyroidectomy"
    )
    rln = [
        r
        for r in found
        if r["operation"] == "hemithyroidectomy" and r.get("risk") == "risk_rln_injury_reoperation"
    ]
    assert len(rln) == 1 and Decimal(rln[0]["rate"]) == Decimal("0.019") and rln[0]["risk_source"]


def test_mediastinal_glands_are_reached_through_the_chest() -> None:
    found = rows("operations-for-site", site="anterior_mediastinum")
    preferred = {r["operation"] for r in found if r["preferred"] == "true"}
    assert "mediastinal_resection_thoracoscopic" in preferred
    assert "focused_reexploration" not in {r["operation"] for r in found}


def test_needle_ablation_does_not_reach_behind_the_esophagus() -> None:
    ops = {r["operation"] for r in rows("operations-for-site", site="retroesophageal")}
    assert "focused_reexploration" in ops
    assert "ethanol_ablation" not in ops and "thermal_ablation" not in ops


# ---------------------------------------------------------------- 5. modality performance


def _perf(modality: str, site: str) -> dict[str, str]:
    found = [
        r for r in rows("modality-performance", modality=modality, site=site) if r["row"] == "performance"
    ]
    assert len(found) == 1, found
    return found[0]


def test_ultrasound_cannot_see_behind_the_sternum() -> None:
    at_neck = _perf("ultrasound", "perrier_E")
    assert Decimal(at_neck["effective_sensitivity"]) == Decimal("0.385")
    assert at_neck["grade"] == "assumption" and "Hamidi" in at_neck["source"]
    mediastinum = _perf("ultrasound", "anterior_mediastinum")
    assert Decimal(mediastinum["sensitivity"]) == Decimal("0.385")
    assert Decimal(mediastinum["effective_sensitivity"]) == Decimal("0.0385")
    modifiers = [
        r
        for r in rows("modality-performance", modality="ultrasound", site="anterior_mediastinum")
        if r["row"] == "modifier"
    ]
    assert "modifier_us_behind_air_bone" in {r["modifier"] for r in modifiers}
    assert all(r["site"] == "anterior_mediastinum" for r in modifiers)


def test_4d_ct_keeps_its_sensitivity_behind_the_esophagus() -> None:
    ct = _perf("ct_4d", "retroesophageal")
    us = _perf("ultrasound", "retroesophageal")
    assert Decimal(ct["effective_sensitivity"]) == Decimal("0.774")
    assert Decimal(ct["effective_sensitivity"]) > 10 * Decimal(us["effective_sensitivity"])


def test_sestamibi_false_positives_double_in_the_thyroid() -> None:
    inside = _perf("sestamibi_spect_ct", "intrathyroidal")
    outside = _perf("sestamibi_spect_ct", "perrier_E")
    assert Decimal(inside["effective_false_positive_rate"]) == 2 * Decimal(
        outside["effective_false_positive_rate"]
    )


def test_cause_modifiers_apply_at_every_site() -> None:
    found = rows("modality-performance", modality="sestamibi_planar", site="perrier_B")
    hyperplasia = [r for r in found if r.get("modifier") == "modifier_mibi_hyperplasia"]
    assert len(hyperplasia) == 1
    assert hyperplasia[0]["condition"] == "cause multiglandular_disease"
    assert Decimal(hyperplasia[0]["factor"]) == Decimal("0.41") and hyperplasia[0]["grade"] == "verified"


def test_one_performance_row_per_modality_and_site() -> None:
    found = [r for r in rows("modality-performance") if r["row"] == "performance"]
    pairs = [(r["modality"], r["site"]) for r in found]
    assert len(pairs) == len(set(pairs)) == 11 * 15


# ---------------------------------------------------------------- 6. thresholds


def test_fhh_and_phpt_cccr_cut_offs() -> None:
    found = {r["key"]: r for r in rows("thresholds")}
    assert Decimal(found["cccr_fhh_below"]["value"]) == Decimal("0.01")
    assert Decimal(found["cccr_phpt_above"]["value"]) == Decimal("0.02")
    assert found["cccr_fhh_below"]["unit"] == "1" and found["cccr_fhh_below"]["analyte"] == "cccr"
    assert Decimal(found["miami_drop_fraction"]["value"]) == Decimal("0.5")
    assert Decimal(found["miami_minutes"]["value"]) == 10 and found["miami_minutes"]["unit"] == "min"
    assert Decimal(found["too_early_days"]["value"]) == 42 and found["too_early_days"]["unit"] == "d"
    assert Decimal(found["persistence_days"]["value"]) == 182
    assert Decimal(found["svs_gradient_ratio"]["value"]) == 2
    half_life = found["pth_half_life_minutes"]
    assert (Decimal(half_life["lower"]), Decimal(half_life["upper"])) == (3, 5)


def test_no_threshold_is_left_out_and_each_has_unit_and_source() -> None:
    everything = run_text("""
        PREFIX prp: <https://w3id.org/parareop/>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT DISTINCT ?key WHERE {
          VALUES ?class { prp:Threshold prp:ReferenceLimit prp:PlausibleRange prp:Score prp:PlannerParameter
                          prp:SiteFactor }
          ?t a ?class ; skos:inScheme prp:scheme_parameters ; skos:notation ?key .
        }""").column("key")
    found = rows("thresholds")
    assert sorted(r["key"] for r in found) == sorted(everything)
    assert all(r["unit"] and r["source"] and r["grade"] for r in found)
    assert all("value" in r or ("lower" in r and "upper" in r) for r in found)


# ---------------------------------------------------------------- 7. syndromes and causes


def _implications(condition: str) -> dict[str, set[tuple[str, str]]]:
    out: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for row in rows("cause-implications", condition=condition):
        out[row["implication"]].add((row["via"], row["target"]))
    return out


def test_men1_means_bilateral_exploration_with_cervical_thymectomy() -> None:
    men1 = _implications("MEN1")
    assert {("MEN1", "cervical_thymectomy"), ("MEN1", "bilateral_reexploration")} <= men1["indicated"]
    assert ("MEN1", "genetic_testing_men1") in men1["requires test"]
    assert men1["suggests cause"] == {("MEN1", "multiglandular_disease")}
    via_mgd = {t for v, t in men1["indicated"] if v == "multiglandular_disease"}
    assert {"subtotal_parathyroidectomy", "total_parathyroidectomy_autotransplant"} <= via_mgd
    assert {"ethanol_ablation", "thermal_ablation"} <= {t for _, t in men1["contraindicated"]}


def test_carcinoma_means_en_bloc_never_a_focused_excision() -> None:
    carcinoma = _implications("carcinoma")
    assert ("carcinoma", "en_bloc_resection") in carcinoma["indicated"]
    contraindicated = {t for _, t in carcinoma["contraindicated"]}
    assert {"focused_reexploration", "ethanol_ablation", "thermal_ablation"} <= contraindicated


def test_a_hyperfunctioning_graft_is_excised_after_arm_sampling() -> None:
    graft = _implications("graft_hyperfunction")
    assert ("graft_hyperfunction", "autograft_excision") in graft["indicated"]
    assert ("graft_hyperfunction", "graft_arm_venous_sampling") in graft["requires test"]


def test_fhh_implies_no_operation() -> None:
    fhh = _implications("FHH")
    assert fhh["suggests cause"] == {("FHH", "fhh")}
    assert not fhh["indicated"]


# ---------------------------------------------------------------- 8. over case graphs


def test_cases_with_a_positive_finding_in_the_cervical_thymus(with_cases: EmbeddedBackend) -> None:
    found = rows("cases-with-positive-finding", with_cases, site="perrier_F")
    assert {r["case"] for r in found} == {"ex-04-missing-left-inferior", "ex-06-four-glands-seen"}
    ex04 = [r for r in found if r["case"] == "ex-04-missing-left-inferior"]
    assert {r["modality"] for r in ex04} == {"ultrasound", "ct_4d", "sestamibi_spect_ct"}
    assert {r["side"] for r in ex04} == {"left"}


def test_negative_and_equivocal_findings_are_not_positive(with_cases: EmbeddedBackend) -> None:
    found = rows("cases-with-positive-finding", with_cases)
    assert {r["case"] for r in found if r["site"] == "retroesophageal"} == {"ex-13-missing-left-superior"}
    assert {r["case"] for r in found if r["site"] == "autograft"} == {"ex-07-men1-forearm-graft"}
    assert not [r for r in found if r["case"] == "ex-12-negative-imaging"]
    # ex-01's only finding is an equivocal sestamibi
    assert not [r for r in found if r["case"] == "ex-01-low-urine-calcium-family"]


def test_sites_where_glands_were_found_counted(with_cases: EmbeddedBackend) -> None:
    found = {r["site"]: r for r in rows("gland-found-sites", with_cases)}
    assert found["anterior_mediastinum"]["glands"] == "1" and found["anterior_mediastinum"]["cases"] == "1"
    # removed glands without a recorded site count at their usual site: inferior -> E, superior -> A
    assert int(found["perrier_E"]["glands"]) >= int(found["perrier_E"]["cases"]) >= 5
    assert int(found["perrier_A"]["glands"]) >= 4
    assert set(found) == {"perrier_E", "perrier_A", "anterior_mediastinum"}


def test_without_case_graphs_the_case_queries_are_empty() -> None:
    assert rows("cases-with-positive-finding") == []
    assert rows("gland-found-sites") == []


# ---------------------------------------------------------------- engines agree


#: Every named query, with its ``# example:`` binding and unbound.
BINDINGS = [
    pytest.param(name, binding, id=f"{name}-{binding}")
    for name in sorted(named_queries())
    for binding in ("example", "unbound")
]


@pytest.mark.parametrize(("name", "binding"), BINDINGS)
def test_rdflib_gives_the_same_rows(
    name: str, binding: str, case_graphs: dict[str, bytes], with_cases: EmbeddedBackend
) -> None:
    """Oxigraph and rdflib's engine give the same rows, as multisets with numbers compared by
    value (:meth:`kg.results.QueryResult.bag`).

    The one difference between the engines is an engine quirk, not a query bug: Oxigraph
    stores a decimal in canonical form, so the graph's ``"4.0"^^xsd:decimal`` comes back as
    ``"4"`` where rdflib keeps ``"4.0"`` (thresholds, modality-performance, evidence-register
    and node-details unbound; ``1.0`` factors likewise). Compared as numbers they agree, and so
    does every other term; the ORDER BY of each query gives the same order on both engines.
    """
    query = get_named_query(name)
    params = dict(query.example) if binding == "example" else {}
    if binding == "example":
        assert params or not query.parameters, f"{name} has parameters but no '# example:' line"
    if name in CASE_QUERIES:
        embedded, reference = with_cases, rdflib_with_cases(case_graphs)
    else:
        embedded, reference = EmbeddedBackend(), RdflibBackend()
    ours = run_named(name, params, backend=embedded)
    theirs = run_named(name, params, backend=reference)
    assert ours.variables == theirs.variables
    assert len(ours) > 0
    assert ours.bag() == theirs.bag(), (ours.bag() - theirs.bag(), theirs.bag() - ours.bag())
    assert ours.same_rows(theirs)


def test_numbers_compare_by_value_not_by_datatype() -> None:
    dec, integer = "http://www.w3.org/2001/XMLSchema#decimal", "http://www.w3.org/2001/XMLSchema#integer"
    oxigraph = QueryResult("select", ("n",), ({"n": Term.literal("4", integer)},))
    rdflib = QueryResult("select", ("n",), ({"n": Term.literal("4.0", dec)},))
    assert oxigraph.same_rows(rdflib) and oxigraph.canonical() == rdflib.canonical()
    assert not oxigraph.same_rows(QueryResult("select", ("n",), ({"n": Term.literal("4")},)))
    assert not oxigraph.same_rows(QueryResult("select", ("n",), ({"n": Term.literal("4.5", dec)},)))
    # a row twice is not the same as once
    twice = QueryResult("select", ("n",), (oxigraph.rows[0], oxigraph.rows[0]))
    assert not twice.same_rows(oxigraph)


# ---------------------------------------------------------------- parameters


def test_parameter_values_are_literals_never_sparql() -> None:
    query = get_named_query("vein-drainage")
    for bad in ('x" } ?s ?p ?o {', "a b", "", "<urn:x>", "perrier_F;DROP"):
        with pytest.raises(QueryParameterError):
            query.render({"site": bad})


def test_unknown_parameter_and_unknown_name() -> None:
    with pytest.raises(QueryParameterError, match="no parameter 'side'"):
        get_named_query("vein-drainage").render({"side": "left"})
    with pytest.raises(UnknownQueryError, match="did you mean descent-path"):
        get_named_query("descent_path")


def test_several_values_give_the_union() -> None:
    both = rows("vein-drainage", vein=["thymic_vein", "graft_arm_vein"])  # type: ignore[arg-type]
    assert sorted(r["site"] for r in both) == ["anterior_mediastinum", "autograft", "perrier_F"]
