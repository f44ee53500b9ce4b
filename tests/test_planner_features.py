"""planner.features: the case features the causes are weighed on, recognized in small cases.

What a surgeon would name when reading the chart: lithium, a young patient, four glands seen
at the first operation, two studies agreeing on two separate places (not one place one Perrier
zone off), a negative sestamibi after the operation, a lesion above the carcinoma size, a graft
placed at the very operation that failed.
"""

from __future__ import annotations

from kg.knowledge import knowledge
from planner.features import features, localized_foci
from planner.findings import Finding
from planner.models import Case
from planner.normalize import normalize
from planner.record import read_record

KN = knowledge()


def _features(data, findings=(), diagnosis="persistent"):
    case = Case.model_validate({"id": "t", **data})
    return features(case, normalize(case, KN), read_record(case, KN), diagnosis, list(findings), KN)


def _study(modality, *places, day=10, expo=1.0, kind="imaging", **kw):
    return Finding(kind, modality, modality, [(p, expo) for p in places], [], False, day, **kw)


def test_lithium_and_young_onset():
    young = int(KN.param("hereditary_age_below").v) - 1
    assert {"lithium_use", "young_onset"} <= _features(
        {"patient": {"age": young, "medications": ["lithium"]}}
    ).keys()
    older = _features({"patient": {"age": young + 1}})
    assert "young_onset" not in older and "lithium_use" not in older


def test_four_glands_seen_before_are_all_accounted():
    seen = [
        {"position": p, "status": "identified_normal"}
        for p in ("left_superior", "left_inferior", "right_superior", "right_inferior")
    ]
    op = {"day": -400, "procedures": [], "glands": seen}
    assert "all_glands_accounted" in _features({"operations": [op]})
    op["glands"] = seen[:3] + [{"position": "right_inferior", "status": "not_found"}]
    assert "all_glands_accounted" not in _features({"operations": [op]})


def test_two_studies_agreeing_on_two_places_apart_are_two_foci():
    both = [
        _study("ct_4d", ("perrier_D", "left"), ("perrier_C", "left")),
        _study("sestamibi_spect", ("perrier_D", "left"), ("perrier_C", "left")),
    ]
    assert localized_foci(both, KN) == [("perrier_C", "left"), ("perrier_D", "left")]
    assert "two_separate_foci" in _features({}, both)


def test_two_neighbouring_zones_on_one_side_are_one_focus():
    near = [
        _study("ct_4d", ("perrier_D", "left"), ("perrier_E", "left")),
        _study("sestamibi_spect", ("perrier_D", "left"), ("perrier_E", "left")),
    ]
    assert localized_foci(near, KN) == [("perrier_D", "left")]
    assert "two_separate_foci" not in _features({}, near)


def test_a_midline_focus_and_a_lateral_neighbour_are_two_foci():
    """Kept as before the split (``places.apart``): the anterior mediastinum and the left Perrier F."""
    studies = [
        _study("ct_4d", ("anterior_mediastinum", "midline"), ("perrier_F", "left")),
        _study("sestamibi_spect", ("anterior_mediastinum", "midline"), ("perrier_F", "left")),
    ]
    assert len(localized_foci(studies, KN)) == 2


def test_a_focus_needs_two_studies_or_a_study_and_a_washout_at_full_weight():
    one = [_study("ct_4d", ("perrier_D", "left"))]
    assert localized_foci(one, KN) == []
    twice_same = one + [_study("ct_4d", ("perrier_D", "left"))]  # one study, listed twice
    assert localized_foci(twice_same, KN) == []
    washout = one + [_study("fna_pth_washout", ("perrier_D", "left"), kind="fna")]
    assert localized_foci(washout, KN) == [("perrier_D", "left")]
    equivocal = one + [_study("sestamibi_spect", ("perrier_D", "left"), expo=0.5)]
    assert localized_foci(equivocal, KN) == []
    gradient = one + [_study("selective_venous_sampling", ("perrier_D", "left"), kind="svs")]
    assert localized_foci(gradient, KN) == []


def test_a_negative_sestamibi_after_the_operation_is_a_feature_not_one_before():
    after = Finding("imaging", "sestamibi_spect", "MIBI", [], [], True, 30)
    assert "negative_sestamibi" in _features({}, [after])
    before = Finding("imaging", "sestamibi_spect", "MIBI", [], [], True, -30)
    assert "negative_sestamibi" not in _features({}, [before])
    ultrasound = Finding("imaging", "ultrasound", "US", [], [], True, 30)
    assert "negative_sestamibi" not in _features({}, [ultrasound])


def test_a_lesion_above_the_carcinoma_size():
    size = KN.param("carcinoma_size_above_mm").v
    big = _study("ultrasound", ("perrier_D", "left"), size_mm=size + 1)
    assert "lesion_larger_than_carcinoma_size" in _features({}, [big])
    at = _study("ultrasound", ("perrier_D", "left"), size_mm=size)
    assert "lesion_larger_than_carcinoma_size" not in _features({}, [at])


def test_a_graft_placed_at_the_operation_that_failed_is_new_there():
    graft = {
        "day": -200,
        "procedures": ["total_parathyroidectomy_autotransplant"],
        "autograft": {"location": "forearm", "side": "left"},
    }
    first = {"day": -900, "procedures": [], "glands": [{"position": "left_inferior", "status": "removed"}]}
    feat = _features({"operations": [first, graft]})
    assert {"has_autograft", "autograft_new_at_failed_operation"} <= feat.keys()
    assert "autograft_new_at_failed_operation" not in _features(
        {"operations": [first, graft]}, diagnosis="recurrent"
    )
    earlier = {**first, "autograft": {"location": "forearm", "side": "left"}}
    assert "autograft_new_at_failed_operation" not in _features({"operations": [earlier, graft]})


def test_a_vocal_cord_palsy_on_a_side_never_explored():
    left_only = {
        "day": -400,
        "procedures": [],
        "glands": [{"position": "left_inferior", "status": "removed"}],
    }
    assert "vocal_cord_paralysis_unoperated_side" in _features(
        {"patient": {"vocal_cord_paralysis": "right"}, "operations": [left_only]}
    )
    assert "vocal_cord_paralysis_unoperated_side" not in _features(
        {"patient": {"vocal_cord_paralysis": "left"}, "operations": [left_only]}
    )
