"""Expected information gain of a next test, over the posterior on where the tissue is.

The question a test answers is *which places* hold hyperfunctioning tissue (the set of the
posterior's hypotheses, whatever the cause). For each test the outcomes and their probability
under each hypothesis come from the graph's figures for that test, per cause and per place:

* imaging: "a lesion at place L" (sensitivity at L if the hypothesis has tissue there, the
  false-positive rate otherwise) or "negative" (every place missed);
* venous sampling: "a gradient in the veins that drain region R", or none;
* FNA washout of one lesion, graft-arm sampling: positive or negative.

The gain is the entropy of the place-sets now minus its expected value after the test. A test
whose outcome is as likely under every hypothesis gains nothing: a PTH washout of a graft or a
remnant reads high in every hypothesis (the tissue is there whatever is overactive), so it scores
zero; venous sampling between two disagreeing studies gains the most.

>>> round(float(_eig(np.array([0.5, 0.5]), np.array([[0.9, 0.1], [0.1, 0.9]]), np.eye(2))), 3)
0.531
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kg.knowledge import Knowledge
from planner.likelihood import site_figures
from planner.places import Loc, at_any, loc_matches, svs_region
from planner.sources import SourcePosterior

#: Hypotheses kept for the expected-gain sums (speed, not clinical): the most probable, up to
#: this many, once they hold 99.9% of the probability.
GAIN_HYPOTHESES = 60
GAIN_MASS = 0.999


@dataclass(frozen=True)
class GainModel:
    """The leading hypotheses as arrays: membership of each candidate place, prior, cause."""

    places: tuple[Loc, ...]
    member: np.ndarray  # hypotheses x places, 1.0 where the hypothesis has tissue there
    prior: np.ndarray  # hypotheses, normalized
    causes: tuple[str, ...]  # the distinct causes
    cause_of: np.ndarray  # per hypothesis, its index in ``causes``
    groups: np.ndarray  # hypotheses x place-sets, one-hot (the entropy is over place-sets)


def gain_model(post: SourcePosterior) -> GainModel | None:
    """The arrays for the leading hypotheses of a posterior; ``None`` when it is empty."""
    ranked = sorted(post.weights.items(), key=lambda kv: -kv[1])
    kept, mass = [], 0.0
    for h, p in ranked:
        kept.append((h, p))
        mass += p
        if len(kept) >= GAIN_HYPOTHESES or mass >= GAIN_MASS:
            break
    if not kept:
        return None
    places = tuple(dict.fromkeys(loc for h, _ in kept for loc in h.places))
    index = {loc: i for i, loc in enumerate(places)}
    member = np.zeros((len(kept), len(places)))
    sets: dict[tuple[Loc, ...], int] = {}
    group_of = []
    for row, (h, _) in enumerate(kept):
        for loc in h.places:
            member[row, index[loc]] = 1.0
        group_of.append(sets.setdefault(h.places, len(sets)))
    groups = np.zeros((len(kept), len(sets)))
    groups[np.arange(len(kept)), group_of] = 1.0
    prior = np.array([p for _, p in kept])
    causes = tuple(sorted({h.cause for h, _ in kept}))
    cause_of = np.array([causes.index(h.cause) for h, _ in kept])
    return GainModel(places, member, prior / prior.sum(), causes, cause_of, groups)


def _entropy_rows(m: np.ndarray) -> np.ndarray:
    """Entropy in bits of each row of a non-negative matrix, after normalizing the row."""
    z = m.sum(axis=1, keepdims=True)
    p = m / np.where(z > 0, z, 1.0)
    entropy: np.ndarray = -(p * np.log2(np.where(p > 0, p, 1.0))).sum(axis=1)
    return entropy


def _eig(prior: np.ndarray, p_out: np.ndarray, groups: np.ndarray) -> float:
    """Expected gain of a test whose outcome o has probability ``p_out[h, o]`` under hypothesis h."""
    before = float(_entropy_rows((prior @ groups)[None, :])[0])
    joint = (p_out * prior[:, None]).T @ groups  # outcomes x place-sets
    after = float(joint.sum(axis=1) @ _entropy_rows(joint))
    return max(0.0, before - after)


def _detections(q: np.ndarray) -> np.ndarray:
    """Outcome probabilities from per-place detection probabilities ``q[h, place]``: "a lesion
    at that place" in proportion to each, or "negative" when every place is missed."""
    negative = np.prod(1 - q, axis=1, keepdims=True)
    return np.hstack([q * ((1 - negative) / q.sum(axis=1, keepdims=True)), negative])


def imaging_gain(kn: Knowledge, model: GainModel, modality: str, beds: frozenset[str] = frozenset()) -> float:
    """Expected gain of one more study of this modality (per-site, per-cause figures; ``beds``:
    where the case's grafts lie, which decides whether a neck study sees them)."""
    return imaging_gains(kn, model, [modality], beds)[modality]


def imaging_gains(
    kn: Knowledge, model: GainModel, modalities: list[str], beds: frozenset[str] = frozenset()
) -> dict[str, float]:
    """The expected gain of one more study of each modality, as one array computation (the
    ranking runs on every plan): outcomes "a lesion at place L" or "negative" (``_detections``).

    Between a gland on the left and one on the right, a 4D-CT (sensitivity 0.77) tells more than
    an ultrasound (0.23), and neither can reach the full bit:

    >>> from kg.knowledge import knowledge
    >>> from planner.sources import Hypothesis, SourcePosterior
    >>> post = SourcePosterior({Hypothesis("missed_single_gland", (("perrier_E", "left"),)): 0.5,
    ...                         Hypothesis("missed_single_gland", (("perrier_E", "right"),)): 0.5})
    >>> g = imaging_gains(knowledge(), gain_model(post), ["ct_4d", "ultrasound"])
    >>> 1 > g["ct_4d"] > g["ultrasound"] > 0
    True
    """
    if not modalities:
        return {}
    figures = np.array(
        [
            [
                [t[loc[0]] for loc in model.places]
                for t in (site_figures(kn, m, c, beds) for c in model.causes)
            ]
            for m in modalities
        ]
    )  # modalities x causes x places x (se, fp)
    se, fp = figures[..., 0][:, model.cause_of, :], figures[..., 1][:, model.cause_of, :]
    q = model.member * se + (1 - model.member) * fp  # modalities x hypotheses x places
    negative = np.prod(1 - q, axis=2, keepdims=True)
    p_out = np.concatenate([q * ((1 - negative) / q.sum(axis=2, keepdims=True)), negative], axis=2)
    joint = np.einsum("mho,h,hs->mos", p_out, model.prior, model.groups)  # per outcome and place-set
    p_o = joint.sum(axis=2, keepdims=True)
    share = joint / np.where(p_o > 0, p_o, 1.0)
    after = (p_o[..., 0] * -(share * np.log2(np.where(share > 0, share, 1.0))).sum(axis=2)).sum(axis=1)
    before = float(_entropy_rows((model.prior @ model.groups)[None, :])[0])
    return {m: max(0.0, before - float(a)) for m, a in zip(modalities, after, strict=True)}


def sampling_gain(kn: Knowledge, model: GainModel, test: str, graft: bool) -> float:
    """Expected gain of venous sampling: each distinct drained region is an outcome (a gradient
    there, with the test's sensitivity if a source drains into it, its false-positive rate if not)."""
    se, fp = kn.performance[test].sensitivity, kn.performance[test].false_positive_rate
    regions = list(dict.fromkeys(r for loc in model.places if (r := svs_region(kn, loc, graft))))
    if not regions:
        return 0.0
    inside = np.array([[1.0 if loc in r else 0.0 for r in regions] for loc in model.places])
    drains = (model.member @ inside) > 0  # hypotheses x regions: some source drains there
    q = np.where(drains, se, fp)
    return _eig(model.prior, _detections(q), model.groups)


def needle_gain(kn: Knowledge, model: GainModel, test: str, target: Loc, tissue: list[Loc]) -> float:
    """Expected gain of a positive-or-negative test at one place (an FNA washout of one lesion,
    graft-arm sampling at the graft). Where tissue is known to be whatever the cause (a graft, a
    remnant: ``tissue``), it reads positive under every hypothesis, so it gains nothing."""
    se, fp = kn.performance[test].sensitivity, kn.performance[test].false_positive_rate
    if at_any(kn, target, tissue):
        return 0.0
    at = np.array([1.0 if loc_matches(kn, loc, target[0], target[1]) else 0.0 for loc in model.places])
    has = (model.member @ at) > 0 if len(model.places) else np.zeros(len(model.prior), dtype=bool)
    q = np.where(has, se, fp)
    return _eig(model.prior, np.stack([q, 1 - q], axis=1), model.groups)
