"""planner.likelihood: what one finding says about tissue at one place, and at a set of places.

Hand-worked on the graph's own figures: a study that looked at a place and saw nothing there
says 1 - sensitivity; a lesion at the place says sensitivity over false-positive rate; a lesion
one Perrier zone away on the same side says the graph's adjacent share of that; one lesion
cannot be two glands. Also: the per-graph memo of modality performance never mixes two views.
"""

from __future__ import annotations

import dataclasses

from kg.knowledge import knowledge
from planner.findings import Finding
from planner.likelihood import Claims, claims, figure_cause, likelihood, se_fp, set_likelihood

KN = knowledge()
MISSED = "missed_single_gland"


def _imaging(modality, positives=(), negatives=(), whole_negative=False, expo=1.0):
    return Finding(
        "imaging", modality, modality, [(p, expo) for p in positives], list(negatives), whole_negative, 10
    )


def test_a_second_graph_view_gets_its_own_figures() -> None:
    """A what-if on the graph (here: an ultrasound twice as sensitive) must not read the first view's memo."""
    kn = knowledge()
    base = se_fp(kn, "ultrasound", "perrier_F", "missed_single_gland")[0]
    perf = kn.performance["ultrasound"]
    changed = dataclasses.replace(perf, sensitivity=perf.sensitivity / 2)
    other = dataclasses.replace(kn, performance={**kn.performance, "ultrasound": changed})
    assert se_fp(other, "ultrasound", "perrier_F", "missed_single_gland")[0] < base
    assert se_fp(kn, "ultrasound", "perrier_F", "missed_single_gland")[0] == base


def test_a_study_negative_at_a_place_says_one_minus_sensitivity_there():
    se, _, _ = se_fp(KN, "ultrasound", "perrier_D", MISSED)
    us = _imaging("ultrasound", negatives=[("perrier_D", "left")])
    assert likelihood(KN, us, ("perrier_D", "left"), MISSED) == 1 - se
    # it said nothing about the other side, nor about another site
    assert likelihood(KN, us, ("perrier_D", "right"), MISSED) == 1.0
    assert likelihood(KN, us, ("perrier_E", "left"), MISSED) == 1.0


def test_a_whole_field_negative_study_missed_every_place():
    ct = _imaging("ct_4d", whole_negative=True)
    for loc in [("perrier_D", "left"), ("anterior_mediastinum", "midline")]:
        assert likelihood(KN, ct, loc, MISSED) == 1 - se_fp(KN, "ct_4d", loc[0], MISSED)[0]


def test_a_lesion_at_the_place_reads_its_likelihood_ratio_an_equivocal_one_less():
    se, fp, _ = se_fp(KN, "ct_4d", "perrier_D", MISSED)
    assert (
        likelihood(KN, _imaging("ct_4d", [("perrier_D", "left")]), ("perrier_D", "left"), MISSED) == se / fp
    )
    weak = _imaging("ct_4d", [("perrier_D", "left")], expo=0.5)
    assert likelihood(KN, weak, ("perrier_D", "left"), MISSED) == (se / fp) ** 0.5


def test_a_neighbour_on_the_same_side_gets_the_adjacent_share():
    """A sestamibi lesion called at the left Perrier D may be the gland at the left Perrier E."""
    share = KN.param("adjacent_site_share").v
    se, fp, _ = se_fp(KN, "sestamibi_spect", "perrier_E", MISSED)
    assert share * se / fp > 1 - se  # here the shared ratio, not the miss, is the better read
    mibi = _imaging("sestamibi_spect", [("perrier_D", "left")])
    assert claims(KN, mibi, ("perrier_E", "left"), MISSED) == Claims(((0, share * se / fp),), 1 - se)
    # on the other side it explains nothing, and the study looked: a miss
    assert claims(KN, mibi, ("perrier_E", "right"), MISSED) == Claims((), 1 - se)


def test_a_neighbour_read_is_never_below_a_miss():
    share = KN.param("adjacent_site_share").v
    se, fp, _ = se_fp(KN, "ultrasound", "perrier_E", MISSED)
    assert share * se / fp < 1 - se
    us = _imaging("ultrasound", [("perrier_D", "left")])
    assert likelihood(KN, us, ("perrier_E", "left"), MISSED) == 1 - se


def test_set_likelihood_of_one_read_equals_likelihood():
    ct = _imaging("ct_4d", [("perrier_D", "left"), ("perrier_A", "right")], [("perrier_E", "right")])
    for loc in [
        ("perrier_D", "left"),
        ("perrier_E", "left"),
        ("perrier_E", "right"),
        ("carotid_sheath", "left"),
    ]:
        assert set_likelihood([claims(KN, ct, loc, MISSED)]) == likelihood(KN, ct, loc, MISSED)


def test_one_lesion_is_not_two_glands():
    """Two places that both could explain the one lesion: one takes it, the other was missed."""
    a = Claims(((0, 9.0),), 0.5)
    assert set_likelihood([a, a]) == 9.0 * 0.5
    two = Claims(((0, 9.0), (1, 4.0)), 0.5)
    assert set_likelihood([two, two]) == 9.0 * 4.0
    assert set_likelihood([a, Claims(((1, 4.0),), 0.5)]) == 9.0 * 4.0


def test_a_gradient_reads_for_the_places_its_veins_drain():
    svs = Finding(
        "svs",
        "selective_venous_sampling",
        "SVS",
        [(("perrier_E", "left"), 1.0)],
        [],
        False,
        10,
        covered={("perrier_E", "left"), ("perrier_E", "right")},
    )
    se, fp, _ = se_fp(KN, "selective_venous_sampling", "perrier_E", MISSED)
    assert likelihood(KN, svs, ("perrier_E", "left"), MISSED) == se / fp
    assert likelihood(KN, svs, ("perrier_E", "right"), MISSED) == 1 - se
    flat = dataclasses.replace(svs, positives=[], whole_negative=True)
    assert likelihood(KN, flat, ("perrier_E", "right"), MISSED) == 1 - se
    assert likelihood(KN, flat, ("anterior_mediastinum", "midline"), MISSED) == 1.0  # not sampled


def test_a_negative_washout_at_the_place_weighs_against_it():
    fna = Finding("fna", "fna_pth_washout", "FNA", [], [("perrier_D", "left")], False, 10)
    se, fp, _ = se_fp(KN, "fna_pth_washout", "perrier_D", MISSED)
    assert likelihood(KN, fna, ("perrier_D", "left"), MISSED) == (1 - se) / (1 - fp)
    assert likelihood(KN, fna, ("perrier_D", "right"), MISSED) == 1.0
    pos = Finding("fna", "fna_pth_washout", "FNA", [(("perrier_D", "left"), 1.0)], [], False, 10)
    assert likelihood(KN, pos, ("perrier_D", "left"), MISSED) == se / fp
    assert likelihood(KN, pos, ("perrier_E", "left"), MISSED) == 1.0  # a needle proves only its tip


def test_figures_are_read_once_for_causes_a_modality_does_not_name():
    assert figure_cause(KN, "ct_4d", MISSED) == ""
    named = {m.cause for m in KN.modifiers if "sestamibi_spect" in m.modalities and m.cause}
    for cause in named:
        assert figure_cause(KN, "sestamibi_spect", cause) == cause
    for cause in set(KN.cause_priors) - named:
        assert figure_cause(KN, "sestamibi_spect", cause) == ""
        assert (
            se_fp(KN, "sestamibi_spect", "perrier_D", cause)[:2]
            == se_fp(KN, "sestamibi_spect", "perrier_D", "")[:2]
        )
