"""planner.causes: P(cause | features), hand-worked on small graphs.

Each cause's share at reoperation times the likelihood ratio of every feature present,
normalized; a feature another present feature explains is weighed once; a cause that needs
tissue the case does not have (a graft, a remnant) is impossible; FHH never leads.
"""

from __future__ import annotations

import dataclasses

import pytest

from kg.knowledge import knowledge
from planner import explain as ex
from planner.causes import cause_probabilities, leading_cause

KN = knowledge()
_EV = next(iter(KN.cause_priors.values()))


def _ev(v):
    return dataclasses.replace(_EV, value=v)


def _kn(lrs=None, requires=None, subsumed=None):
    """A graph with two causes, a (60%) and b (40%), and the given likelihood ratios."""
    return dataclasses.replace(
        KN,
        cause_priors={"a": _ev(0.6), "b": _ev(0.4)},
        likelihood_ratios={f: [(c, _ev(v)) for c, v in pairs] for f, pairs in (lrs or {}).items()},
        cause_requires=requires or {},
        subsumed_by=subsumed or {},
    )


def _feat(*keys):
    return {k: ex.finding(k) for k in keys}


def test_without_features_the_causes_keep_their_shares():
    causes, facts = cause_probabilities({}, _kn())
    assert causes == pytest.approx({"a": 0.6, "b": 0.4})
    assert all(len(facts[c]) == 1 for c in ("a", "b"))  # the prior share, and nothing else


def test_a_feature_multiplies_its_cause_by_its_likelihood_ratio():
    kn = _kn({"x": [("a", 2.0)]})
    assert cause_probabilities(_feat("x"), kn)[0] == pytest.approx({"a": 1.2 / 1.6, "b": 0.4 / 1.6})


def test_features_multiply():
    kn = _kn({"x": [("a", 2.0)], "y": [("a", 3.0)]})
    assert cause_probabilities(_feat("x", "y"), kn)[0]["a"] == pytest.approx(3.6 / 4.0)


def test_an_explained_feature_is_weighed_once():
    """x (x10 for b) is explained by y (x2 for a): with both present only y weighs."""
    kn = _kn({"x": [("b", 10.0)], "y": [("a", 2.0)]}, subsumed={"x": frozenset({"y"})})
    causes, facts = cause_probabilities(_feat("x", "y"), kn)
    assert causes["a"] == pytest.approx(0.75)
    assert any("already explained by y" in (f["text"] or "") for f in facts["b"])
    assert cause_probabilities(_feat("x"), kn)[0]["b"] == pytest.approx(4.0 / 4.6)


def test_a_cause_needing_an_absent_feature_is_impossible():
    kn = _kn({"graft": [("b", 1.0)]}, requires={"b": frozenset({"graft"})})
    assert cause_probabilities({}, kn)[0] == {"a": 1.0, "b": 0.0}
    assert cause_probabilities(_feat("graft"), kn)[0] == pytest.approx({"a": 0.6, "b": 0.4})


def test_on_the_real_graph_no_graft_means_no_graft_hyperfunction():
    causes, _ = cause_probabilities({}, KN)
    assert causes["graft_hyperfunction"] == 0.0 and causes["remnant_hyperfunction"] == 0.0
    assert sum(causes.values()) == pytest.approx(1.0)


def test_on_the_real_graph_lithium_multiplies_the_odds_of_multiglandular_disease():
    (lr,) = [lr.v for c, lr in KN.likelihood_ratios["lithium_use"] if c == "multiglandular_disease"]
    before = cause_probabilities({}, KN)[0]
    after = cause_probabilities(_feat("lithium_use"), KN)[0]
    odds_after = after["multiglandular_disease"] / after["missed_single_gland"]
    odds_before = before["multiglandular_disease"] / before["missed_single_gland"]
    assert odds_after == pytest.approx(lr * odds_before)


def test_the_leading_cause_is_never_fhh_and_ties_go_by_name():
    assert (
        leading_cause({"fhh": 0.9, "carcinoma": 0.04, "missed_single_gland": 0.06}) == "missed_single_gland"
    )
    assert (
        leading_cause({"supernumerary_gland": 0.5, "multiglandular_disease": 0.5}) == "multiglandular_disease"
    )
