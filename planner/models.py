"""Pydantic models mirroring the fixed contract (``contract/case.schema.json`` and
``contract/plan.schema.json``).

The JSON Schema stays the authority for what is valid (``planner.validate``);
these models give the planner typed access to a case that already passed it, and
give callers of the Python API a typed plan.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Side = Literal["left", "right", "midline"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Patient(_Strict):
    age: int | None = None
    sex: str | None = None
    surgical_candidate: bool = True
    syndromes: list[str] = Field(default_factory=list)
    family_history_hypercalcemia: bool = False
    palpable_neck_mass: bool = False
    vocal_cord_paralysis: Side | None = None
    medications: list[str] = Field(default_factory=list)
    note: str | None = None


class Gland(_Strict):
    position: str
    status: str
    pathology: str | None = None
    weight_mg: float | None = None
    site: str | None = None
    side: Side | None = None


class Autograft(_Strict):
    location: str
    side: Literal["left", "right"] | None = None


class IopthSample(_Strict):
    minute: float
    value: float


class Iopth(_Strict):
    unit: str
    samples: list[IopthSample]


class Operation(_Strict):
    day: int
    procedures: list[str]
    glands: list[Gland] = Field(default_factory=list)
    thyroid_removed: list[Literal["left", "right"]] = Field(default_factory=list)
    thymectomy: Literal["none", "cervical", "complete"] = "none"
    capsule_rupture: bool = False
    autograft: Autograft | None = None
    iopth: Iopth | None = None
    note: str | None = None


class Lab(_Strict):
    analyte: str
    value: float
    unit: str
    day: int
    reference_low: float | None = None
    reference_high: float | None = None


class Imaging(_Strict):
    modality: str
    result: Literal["positive", "equivocal", "negative", "unstructured"]
    day: int | None = None
    site: str | None = None
    side: Side | None = None
    size_mm: float | None = None
    foci: int | None = None
    appearance: str | None = None
    note: str | None = None


class VenousSample(_Strict):
    vein: str
    pth: float
    side: Side | None = None


class VenousSampling(_Strict):
    unit: str
    peripheral_pth: float
    samples: list[VenousSample]
    day: int | None = None


class Fna(_Strict):
    site: str
    unit: str
    pth_washout: float
    day: int | None = None
    side: Side | None = None
    serum_pth: float | None = None
    cytology: str | None = None


class Case(_Strict):
    id: str
    title: str | None = None
    patient: Patient = Field(default_factory=Patient)
    operations: list[Operation] = Field(default_factory=list)
    labs: list[Lab] = Field(default_factory=list)
    imaging: list[Imaging] = Field(default_factory=list)
    venous_sampling: list[VenousSampling] = Field(default_factory=list)
    fna: list[Fna] = Field(default_factory=list)
    note: str | None = None


# ---------------------------------------------------------------------- plan


class Fact(BaseModel):
    """One link of an explanation chain: what, the IRI it rests on, its source."""

    model_config = ConfigDict(extra="allow")
    text: str
    iri: str | None = None
    source: str | None = None


class Gate(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    status: Literal["pass", "fail", "warn", "unknown"]
    message: str
    explanation: list[Fact] = Field(default_factory=list)


class CauseItem(BaseModel):
    model_config = ConfigDict(extra="allow")
    cause: str
    probability: float
    explanation: list[Fact] = Field(default_factory=list)


class Target(BaseModel):
    site: str
    side: Side | None = None


class LocationItem(BaseModel):
    model_config = ConfigDict(extra="allow")
    rank: int
    site: str
    side: Side | None
    probability: float
    explanation: list[Fact] = Field(default_factory=list)


class OperationItem(BaseModel):
    model_config = ConfigDict(extra="allow")
    rank: int
    operation: str
    site: str | None = None
    side: Side | None = None
    targets: list[Target] = Field(default_factory=list)
    adjuncts: list[str] = Field(default_factory=list)
    explanation: list[Fact] = Field(default_factory=list)
    #: Operations that go with this one (one sitting or staged) because it alone does not reach
    #: every place likely to hold tissue; each is also listed with its own targets.
    together_with: list[str] = Field(default_factory=list)


class TestItem(BaseModel):
    model_config = ConfigDict(extra="allow")
    __test__ = False  # not a pytest class
    rank: int
    test: str
    reason: str
    explanation: list[Fact] = Field(default_factory=list)


class Plan(BaseModel):
    model_config = ConfigDict(extra="allow")
    case_id: str
    decision: Literal["operate", "investigate", "defer", "halt", "medical"]
    diagnosis: str
    gates: list[Gate]
    suspected_causes: list[CauseItem]
    locations: list[LocationItem]
    operations: list[OperationItem]
    next_tests: list[TestItem]
    warnings: list[str] = Field(default_factory=list)
    iopth_plan: dict[str, Any] | None = None
    record: dict[str, Any] | None = None
    ontology_version: str | None = None
    #: The posterior on the number of separate hyperfunctioning sources, {"1", "2", "3+"}: it sums
    #: to one, while each location's probability is that place's own chance of holding tissue.
    sources: dict[str, float] | None = None

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=False)
