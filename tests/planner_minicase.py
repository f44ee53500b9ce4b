"""A minimal hand-made case and the planner's steps run one by one, for the per-module tests.

The case: persistent PHPT (calcium 11.2 mg/dL, PTH 140 pg/mL on day 240, CCCR 0.027) after a
bilateral exploration on day 0 that did not find the left inferior gland; no imaging yet.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from kg.knowledge import knowledge
from planner.causes import cause_probabilities
from planner.consistency import gated
from planner.features import features
from planner.findings import Finding, collect
from planner.gates import SURGICAL, GateOutcome
from planner.locations import Located, locate
from planner.models import Case
from planner.normalize import Normalized, normalize
from planner.record import Record, read_record
from planner.state import Evidence

KN = knowledge()


def lab(analyte: str, value: float, unit: str, day: int, **ref: float) -> dict[str, Any]:
    return {"analyte": analyte, "value": value, "unit": unit, "day": day, **ref}


BASE: dict[str, Any] = {
    "id": "mini",
    "patient": {"age": 55, "sex": "female"},
    "operations": [
        {
            "day": 0,
            "procedures": ["bilateral_exploration"],
            "glands": [
                {"position": "right_superior", "status": "identified_normal"},
                {"position": "right_inferior", "status": "identified_normal"},
                {"position": "left_superior", "status": "identified_normal"},
                {"position": "left_inferior", "status": "not_found"},
            ],
        }
    ],
    "labs": [
        lab("calcium_total", 11.2, "mg/dL", 240, reference_low=8.5, reference_high=10.2),
        lab("pth_intact", 140, "pg/mL", 240, reference_low=15, reference_high=65),
        lab("albumin", 4.2, "g/dL", 240),
        lab("vitamin_d_25oh", 34, "ng/mL", 240),
        lab("creatinine", 0.8, "mg/dL", 240),
        lab("urine_calcium_24h", 380, "mg/24h", 240),
        lab("urine_creatinine_24h", 1100, "mg/24h", 240),
    ],
}


def case(**changes: Any) -> dict[str, Any]:
    """A deep copy of :data:`BASE` with top-level fields replaced (``patient`` is merged)."""
    out = copy.deepcopy(BASE)
    for key, value in changes.items():
        if key == "patient":
            out["patient"].update(value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def img(modality: str, site: str | None, side: str | None, day: int = 250, result: str = "positive"):
    return {"modality": modality, "result": result, "day": day, "site": site, "side": side}


@dataclass
class Steps:
    case: Case
    norm: Normalized
    rec: Record
    go: GateOutcome
    findings: list[Finding]
    dropped: list[Any]
    feat: dict[str, Any]
    causes: dict[str, float]
    where: Located | None

    @property
    def evidence(self) -> Evidence:
        w = self.where
        return Evidence(
            self.case,
            KN,
            self.rec,
            self.findings,
            self.feat,
            w.locations if w else [],
            w.causes if w else self.causes,
            w.post if w else None,
        )


def steps(data: dict[str, Any]) -> Steps:
    """The pipeline of :func:`planner.pipeline.plan` up to the decision, each step kept."""
    c = Case.model_validate(data)
    norm = normalize(c, KN)
    rec = read_record(c, KN)
    go = gated(c, norm, KN)
    findings, dropped = collect(c, norm, rec, go.diagnosis, KN)
    feat = features(c, norm, rec, go.diagnosis, findings, KN)
    causes, _ = cause_probabilities(feat, KN)
    where = locate(c, rec, KN, causes, findings) if go.diagnosis in SURGICAL and go.decision is None else None
    return Steps(c, norm, rec, go, findings, dropped, feat, causes, where)
