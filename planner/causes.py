"""P(cause | features): which of the mutually exclusive causes of a failed operation it is.

Each cause's share at reoperation times the likelihood ratio of every feature present (both read
from the graph), normalized; correlated features are weighed once (``prp:subsumedBy``), and a
cause that needs tissue the case does not have (a graft, a remnant) is impossible.
"""

from __future__ import annotations

from kg.knowledge import Knowledge
from planner import explain as ex
from planner.explain import Link


def cause_probabilities(
    feat: dict[str, Link], kn: Knowledge
) -> tuple[dict[str, float], dict[str, list[Link]]]:
    """P(cause | features): each cause's share at reoperation times the likelihood ratio of every
    feature present, normalized over the mutually exclusive causes. A cause whose required
    feature is absent (a graft, a remnant) is impossible.

    >>> from kg.knowledge import knowledge
    >>> kn = knowledge()
    >>> causes, facts = cause_probabilities({}, kn)
    >>> causes["graft_hyperfunction"], round(sum(causes.values()), 9)
    (0.0, 1.0)
    >>> graft = {"has_autograft": ex.finding("Autotransplanted parathyroid tissue")}
    >>> cause_probabilities(graft, kn)[0]["graft_hyperfunction"] > 0
    True
    """
    weight: dict[str, float] = {}
    facts: dict[str, list[Link]] = {}
    for cause, prior in sorted(kn.cause_priors.items()):
        weight[cause] = prior.v
        facts[cause] = [
            ex.evidence(f"Prior share of {cause.replace('_', ' ')} at reoperation: {prior.v:.1%}", prior)
        ]
    for key, fact in sorted(feat.items()):
        explained_by = kn.subsumed_by.get(key, frozenset()) & feat.keys()
        if explained_by:  # correlated evidence: the explaining feature is weighed instead
            for cause in kn.cause_priors:
                facts[cause].append(
                    ex.finding(
                        f"{key.replace('_', ' ')}: already explained by {', '.join(sorted(explained_by))}"
                    )
                )
            continue
        for cause, lr in kn.likelihood_ratios.get(key, []):
            weight[cause] *= lr.v
            facts[cause].append(fact)
            facts[cause].append(ex.evidence(f"{key.replace('_', ' ')}: x {lr.v:g}", lr))
    for cause, needed in kn.cause_requires.items():
        if not needed <= feat.keys():
            weight[cause] = 0.0
    total = sum(weight.values())
    return {c: w / total for c, w in weight.items()}, facts


def leading_cause(causes: dict[str, float]) -> str:
    """The most probable cause other than FHH (which the gates handle), ties broken by name.

    >>> leading_cause({"fhh": 0.9, "missed_single_gland": 0.06, "carcinoma": 0.04})
    'missed_single_gland'
    """
    return max(sorted(causes), key=lambda c: causes[c] if c != "fhh" else -1)
