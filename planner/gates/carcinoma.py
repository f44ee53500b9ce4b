"""The carcinoma red-flags gate: features the graph gives a likelihood ratio above one for carcinoma
(calcium, PTH, a palpable mass, vocal cord paralysis, lesion size, histology).

It runs once the case's cause features are known (:mod:`planner.pipeline`), on surgical disease
only, and warns: a red flag changes the operation (en bloc), not whether to operate.
"""

from __future__ import annotations

from kg.knowledge import Knowledge
from planner.explain import Link
from planner.gates.outcome import GateResult, gate_result

KEY = "carcinoma_red_flags"


def red_flags(kn: Knowledge, feat: dict[str, Link]) -> list[str]:
    """The case's features that the graph weighs towards carcinoma (a likelihood ratio above one).

    >>> from kg.knowledge import knowledge
    >>> red_flags(knowledge(), {"syndrome_MEN1": {}, "palpable_neck_mass": {}})  # MEN1 weighs to multiglandular
    ['palpable_neck_mass']
    """
    flags = {
        f for f, lrs in kn.likelihood_ratios.items() if any(c == "carcinoma" and lr.v > 1 for c, lr in lrs)
    }
    return [k for k in feat if k in flags]


def carcinoma_red_flags(kn: Knowledge, feat: dict[str, Link]) -> GateResult:
    """``warn`` naming each red flag the case's features (``feat``, with their facts) show, else ``pass``.

    >>> from kg.knowledge import knowledge
    >>> from planner import explain as ex
    >>> r = carcinoma_red_flags(knowledge(), {"palpable_neck_mass": ex.finding("A palpable neck mass")})
    >>> r.gate.status, r.gate.message, r.gate.explanation[-1].text
    ('warn', 'Carcinoma red flags: palpable neck mass.', 'A palpable neck mass')
    >>> carcinoma_red_flags(knowledge(), {}).gate.status
    'pass'
    """
    red = sorted(red_flags(kn, feat))
    if not red:
        return gate_result(kn, KEY, "pass", "No carcinoma red flag.")
    return gate_result(
        kn,
        KEY,
        "warn",
        "Carcinoma red flags: " + ", ".join(k.replace("_", " ") for k in red) + ".",
        [feat[k] for k in red],
    )
