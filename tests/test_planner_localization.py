"""planner.localization.adequate on tiny Finding lists: when is the leading place localized enough?"""

from __future__ import annotations

from planner.findings import Finding
from planner.localization import adequate, support
from tests.planner_minicase import KN

TOP = ("perrier_F", "left")


def _study(modality, site, side, day=250, exponent=1.0):
    return Finding("imaging", modality, modality, [((site, side), exponent)], [], False, day)


def _svs(site, side):
    return Finding(
        "svs", "selective_venous_sampling", "svs", [((site, side), 1.0)], [], False, 250, confirmatory=True
    )


def _fna(site, side, positive=True):
    pos = [((site, side), 1.0)] if positive else []
    neg = [] if positive else [(site, side)]
    return Finding("fna", "fna_pth_washout", "fna", pos, neg, False, 250, confirmatory=positive)


def test_two_concordant_studies_at_neighbouring_perrier_zones_on_one_side_are_adequate():
    """DESIGN: two concordant studies; neighbouring Perrier zones on one side count (E next to F)."""
    assert adequate(
        [_study("ultrasound", "perrier_E", "left"), _study("ct_4d", "perrier_F", "left")], KN, TOP
    )


def test_one_study_alone_is_not_adequate():
    """Graph param_localization_min_concordant = 2: one positive study is not enough."""
    assert not adequate([_study("ct_4d", "perrier_F", "left")], KN, TOP)


def test_the_same_modality_twice_on_one_day_is_one_study():
    """A study is a modality on a day: two foci from one scan are not two concordant studies."""
    f = [_study("ct_4d", "perrier_F", "left"), _study("ct_4d", "perrier_E", "left")]
    assert support(f, KN, TOP) == (1, False) and not adequate(f, KN, TOP)


def test_studies_on_the_other_side_or_far_away_do_not_concord():
    """Concordance is at the leading place: the other side, or a distant zone (B), does not count."""
    f = [_study("ultrasound", "perrier_F", "right"), _study("ct_4d", "perrier_B", "left")]
    assert not adequate([_study("mri_4d", "perrier_F", "left"), *f], KN, TOP)


def test_an_equivocal_study_does_not_count_towards_concordance():
    """Only a positive result (exponent 1) counts; an equivocal one is weaker evidence."""
    f = [_study("ultrasound", "perrier_F", "left"), _study("ct_4d", "perrier_F", "left", exponent=0.5)]
    assert not adequate(f, KN, TOP)


def test_one_study_plus_a_positive_venous_gradient_is_adequate():
    """DESIGN: one study confirmed by venous sampling is enough to operate."""
    assert adequate([_study("ct_4d", "perrier_F", "left"), _svs("perrier_F", "left")], KN, TOP)
    assert not adequate([_svs("perrier_F", "left")], KN, TOP)


def test_a_positive_washout_alone_is_adequate_and_a_negative_one_is_not():
    """DESIGN: a positive PTH washout proves tissue at its needle's tip on its own."""
    assert adequate([_fna("perrier_F", "left")], KN, TOP)
    assert not adequate([_fna("perrier_F", "left", positive=False)], KN, TOP)
