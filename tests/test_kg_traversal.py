"""Walks over the networkx projection: clinical facts, fixed order, clear errors."""

from __future__ import annotations

import pytest

from kg.networkx_view import traversal_graph
from kg.traversal import (
    adjacent_sites,
    candidate_sites,
    descent_path,
    operations_indicated_for,
    operations_reaching,
    origin_of,
    sites_drained_by,
    veins_draining,
)


def test_a_missing_inferior_gland_is_sought_along_the_third_pouch_path() -> None:
    g = traversal_graph()
    origin = origin_of(g, "left_inferior")
    assert origin == "origin_third_pouch"
    sites = [c.site for c in candidate_sites(g, origin)]
    assert "perrier_F" in sites and "anterior_mediastinum" in sites and "intrathyroidal" in sites
    assert (
        "perrier_A" not in sites and "retroesophageal" not in sites and "posterior_mediastinum" not in sites
    )


def test_a_missing_superior_gland_is_sought_along_the_fourth_pouch_path() -> None:
    g = traversal_graph()
    origin = origin_of(g, "right_superior")
    assert origin == "origin_fourth_pouch"
    sites = [c.site for c in candidate_sites(g, origin)]
    assert {"perrier_B", "perrier_C", "retroesophageal", "posterior_mediastinum"} <= set(sites)
    assert "perrier_F" not in sites and "anterior_mediastinum" not in sites


def test_supernumerary_glands_follow_the_inferior_path() -> None:
    g = traversal_graph()
    assert descent_path(g, origin_of(g, "supernumerary")) == descent_path(g, "path_inferior")


def test_branches_come_after_the_main_chain_with_their_parent() -> None:
    found = candidate_sites(traversal_graph(), "origin_third_pouch")
    main = [c for c in found if c.step is not None]
    assert [c.step for c in main] == [1, 2, 3, 4, 5, 6]
    branches = {c.site: c.branch_of for c in found if c.step is None}
    assert branches == {"intrathyroidal": "perrier_E", "perrier_D": "perrier_E"}


def test_drainage_both_ways() -> None:
    g = traversal_graph()
    assert sites_drained_by(g, "thymic_vein") == ["anterior_mediastinum", "perrier_F"]
    assert "thymic_vein" in veins_draining(g, "anterior_mediastinum")
    assert veins_draining(g, "autograft") == ["graft_arm_vein"]
    for vein in (
        "ijv_upper",
        "ijv_lower",
        "superior_thyroid_vein",
        "middle_thyroid_vein",
        "inferior_thyroid_vein",
    ):
        assert "anterior_mediastinum" not in sites_drained_by(g, vein)


def test_adjacency_is_symmetric() -> None:
    g = traversal_graph()
    for site in (n for n, kind in g.nodes(data="kind") if kind == "site"):
        for other in adjacent_sites(g, site):
            assert site in adjacent_sites(g, other)


def test_preferred_approaches_come_first() -> None:
    g = traversal_graph()
    assert operations_reaching(g, "intrathyroidal")[0] == ("hemithyroidectomy", True)
    assert operations_reaching(g, "perrier_F")[0] == ("cervical_thymectomy", True)
    assert operations_reaching(g, "autograft")[0] == ("autograft_excision", True)
    mediastinal = operations_reaching(g, "anterior_mediastinum")
    preferred = [op for op, pref in mediastinal if pref]
    assert "mediastinal_resection_thoracoscopic" in preferred
    assert ("cervical_thymectomy", True) not in mediastinal


def test_men1_calls_for_thymectomy_and_bilateral_reexploration() -> None:
    assert operations_indicated_for(traversal_graph(), "MEN1") == [
        "cervical_thymectomy",
        "bilateral_reexploration",
    ]
    assert operations_indicated_for(traversal_graph(), "carcinoma")[-1] == "en_bloc_resection"


def test_walks_are_deterministic() -> None:
    g = traversal_graph()
    assert candidate_sites(g, "origin_fourth_pouch") == candidate_sites(g, "origin_fourth_pouch")
    assert operations_reaching(g, "perrier_E") == operations_reaching(g, "perrier_E")


def test_wrong_ids_are_explicit_errors() -> None:
    g = traversal_graph()
    with pytest.raises(KeyError, match="perrier_Z"):
        veins_draining(g, "perrier_Z")
    with pytest.raises(ValueError, match="not a vein"):
        sites_drained_by(g, "perrier_F")
    with pytest.raises(KeyError):
        descent_path(g, "origin_fifth_pouch")
