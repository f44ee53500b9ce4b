"""Expected information gain over the posterior on where the tissue is (issue 11, principle 6).

A test is worth what it can change: one whose result is as likely under every hypothesis gains
nothing (a PTH washout of a graft reads high whichever source is overactive), and the test that
settles a disagreement between two studies gains the most.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from kg.knowledge import knowledge
from planner.gain import _eig, gain_model, needle_gain, sampling_gain
from planner.pipeline import plan_dict
from planner.sources import Hypothesis, SourcePosterior

SET_CASES = Path(__file__).parent / "fixtures" / "set_cases"


def _case(name: str) -> dict:
    return json.loads(next(SET_CASES.glob(f"{name}*.json")).read_text())


def test_an_outcome_equally_likely_under_every_hypothesis_gains_nothing():
    prior = np.array([0.5, 0.3, 0.2])
    same = np.array([[0.7, 0.3]] * 3)
    assert _eig(prior, same, np.eye(3)) == 0.0
    telling = np.array([[0.9, 0.1], [0.1, 0.9], [0.1, 0.9]])
    assert _eig(prior, telling, np.eye(3)) > 0.3


def test_a_washout_of_known_tissue_gains_nothing():
    kn = knowledge()
    post = SourcePosterior(
        {
            Hypothesis("graft_hyperfunction", (("autograft", "left"),)): 0.5,
            Hypothesis("supernumerary_gland", (("anterior_mediastinum", "midline"),)): 0.5,
        }
    )
    model = gain_model(post)
    assert model is not None
    graft = ("autograft", "left")
    assert needle_gain(kn, model, "fna_pth_washout", graft, tissue=[graft]) == 0.0
    # the same needle where no tissue is known would tell the two apart
    assert needle_gain(kn, model, "fna_pth_washout", graft, tissue=[]) > 0.5
    # graft-arm sampling reads function, not tissue: it does tell them apart
    assert sampling_gain(kn, model, "graft_arm_venous_sampling", graft=True) > 0.3


def test_graft_nodules_lead_to_arm_sampling_not_to_a_washout():
    """sc-12 (MEN1, forearm graft with nodules on ultrasound): the Casanova test first; an FNA of the
    graft is not proposed, since it is parathyroid tissue whatever is overactive."""
    plan = plan_dict(_case("sc-12"))
    tests = [t.test for t in plan.next_tests]
    assert tests[0] == "graft_arm_venous_sampling"
    assert "fna_pth_washout" not in tests


def test_venous_sampling_settles_two_disagreeing_studies():
    """sc-13: 4D-CT at the carotid sheath, choline PET in the thymus, each negative at the other's
    place. Neither is near-certain, and venous sampling (neck vs mediastinum) carries real gain,
    more than another imaging study, and ranks first (an FNA of the carotid-sheath nodule, not the
    leading place, ranks by its gain after the tests that could complete the localization)."""
    plan = plan_dict(_case("sc-13"))
    assert plan.locations[0].probability <= 0.8
    tests = plan.next_tests
    assert tests[0].test == "selective_venous_sampling"
    gains = {
        t.test: float(t.reason.split("gain ")[1].split(" bits")[0]) for t in tests if "gain " in t.reason
    }
    imaging = [v for k, v in gains.items() if k not in ("selective_venous_sampling", "fna_pth_washout")]
    assert gains["selective_venous_sampling"] >= 0.15
    assert gains["selective_venous_sampling"] > max(imaging)
