"""The planner's view of the graph as plain, frozen records (what :mod:`kg.planner_view` fills).

Why records and not graph access: the planner reads the same few hundred figures for every
case, so they are read from the release once and kept as typed, read-only values keyed by
vocabulary notations (``perrier_F``, ``ct_4d``) or parameter keys (``too_early_days``). The
planner never spells an IRI or a clinical number; each figure is an :class:`Evidence` that
carries the IRI, source and grade its explanations cite.

Every record is frozen and built with keywords only, so a field added to the graph view can
never be filled into the wrong slot, and a what-if (``dataclasses.replace``) is the only way
to see a different graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from kg.errors import KnowledgeError

__all__ = [
    "Evidence",
    "Gate",
    "Knowledge",
    "KnowledgeError",
    "Modifier",
    "Performance",
    "Procedure",
    "Site",
    "Vein",
]


@dataclass(frozen=True, kw_only=True)
class Evidence:
    """One evidence node: a figure with the provenance an explanation cites.

    >>> ev = Evidence(iri="https://w3id.org/parareop/x", label="x", value=0.5, source="Smith 2020", grade="B")
    >>> ev.v, ev.cite()
    (0.5, 'Smith 2020 [B]')
    """

    iri: str
    label: str
    value: float | None = None
    lower: float | None = None
    upper: float | None = None
    unit: str | None = None
    source: str | None = None
    grade: str | None = None

    @property
    def v(self) -> float:
        """The node's value; a missing value is a broken release, not a default."""
        if self.value is None:
            raise KnowledgeError(f"evidence node {self.iri} has no value")
        return self.value

    def cite(self) -> str:
        """Source with its grade, as shown next to a fact.

        >>> Evidence(iri="urn:x", label="x").cite()
        'no source'
        """
        src = self.source or "no source"
        return f"{src} [{self.grade}]" if self.grade else src


@dataclass(frozen=True, kw_only=True)
class Site:
    """An anatomical site a gland can lie at: its side rule, needle reach and diagram place.

    ``lateralized`` is false for the midline sites (``UnlateralizedSite``), which a surgeon
    names without a side; ``x``/``y`` place it on the neck diagram (percent of the figure).
    """

    code: str
    iri: str
    label: str
    lateralized: bool
    needle_reachable: bool
    classes: frozenset[str]
    x: float
    y: float


@dataclass(frozen=True, kw_only=True)
class Procedure:
    """An operation, ablation, medical therapy or adjunct, with the sites it reaches and removes.

    ``reaches`` includes ``preferred`` (a procedure reaches the sites it is preferred for);
    ``classes`` holds every class the procedure is an instance of, up the class tree, so the
    ``is_*`` properties ask the graph's classification and not a list of codes.
    """

    code: str
    iri: str
    label: str
    classes: frozenset[str]
    invasiveness: int
    reaches: frozenset[str]
    preferred: frozenset[str]
    indicated: frozenset[str]
    contraindicated: frozenset[str]
    explores: frozenset[str]
    removes: frozenset[str]
    adjuncts: tuple[str, ...]
    risks: tuple[Evidence, ...]
    requires: frozenset[str]
    min_glands_in_situ: int = 0
    one_side: bool = False

    @property
    def is_operation(self) -> bool:
        """An open operation (``prp:Operation``)."""
        return "Operation" in self.classes

    @property
    def is_ablation(self) -> bool:
        """A percutaneous ablation (``prp:AblativeProcedure``)."""
        return "AblativeProcedure" in self.classes

    @property
    def is_medical(self) -> bool:
        """A medical therapy (``prp:MedicalTherapy``)."""
        return "MedicalTherapy" in self.classes

    @property
    def is_adjunct(self) -> bool:
        """An intraoperative adjunct (``prp:AdjunctProcedure``)."""
        return "AdjunctProcedure" in self.classes


@dataclass(frozen=True, kw_only=True)
class Performance:
    """A localization modality's sensitivity and false-positive rate before any modifier."""

    modality: str
    sensitivity: float
    false_positive_rate: float
    evidence: Evidence


@dataclass(frozen=True, kw_only=True)
class Modifier:
    """A factor on a modality's figure (``target``: sensitivity, false_positive_rate, visibility
    or appearance_exponent), limited to some sites, a cause, an appearance or graft beds.

    An empty ``sites`` (or ``graft_beds``) means every site (every bed); ``cause`` and
    ``appearance`` are ``None`` when the modifier does not depend on them.
    """

    target: str
    value: float
    modalities: frozenset[str]
    sites: frozenset[str]
    cause: str | None
    appearance: str | None
    evidence: Evidence
    graft_beds: frozenset[str] = frozenset()


@dataclass(frozen=True, kw_only=True)
class Vein:
    """A vein venous sampling can draw from, and the sites it drains (``paired``: one per side)."""

    code: str
    iri: str
    label: str
    paired: bool
    drains: frozenset[str]


class Gate(NamedTuple):
    """One of the planner's gates, in the order they run.

    A named tuple rather than a dataclass: the planner reads gates by position
    (``kn.gates[key][0]``) as well as by name, and both must keep working.

    >>> Gate(iri="urn:g", label="Localization", order=3, tests=frozenset()).order
    3
    """

    iri: str
    label: str
    order: int
    tests: frozenset[str]


@dataclass(frozen=True, kw_only=True)
class Knowledge:
    """Everything the planner reads, indexed by notation.

    Sets are frozensets; dict and list order is the order :mod:`kg.planner_view` reads (the
    planner sorts what it shows). Fields keyed by IRI rather than code say so.
    """

    version: str  # a short digest of the release
    iris: dict[tuple[str, str], str]  # (scheme, code) -> IRI
    labels: dict[str, str]  # IRI -> rdfs:label
    short_labels: dict[str, str]  # IRI -> prp:shortLabel
    definitions: dict[str, str]  # IRI -> IAO definition
    sites: dict[str, Site]
    adjacency: dict[str, frozenset[str]]  # site -> sites next to it (both ways)
    positions: dict[str, tuple[str, str | None]]  # gland position -> (origin, side)
    origin_iris: dict[str, str]
    origin_path: dict[str, tuple[str, str]]  # origin -> (descent path IRI, its label)
    usual_site: dict[str, str]  # origin -> site
    priors: dict[str, dict[str, Evidence]]  # origin -> site -> prior share
    cause_priors: dict[str, Evidence]
    status_weights: dict[str, Evidence]
    site_factors: dict[tuple[str, str], Evidence]  # (procedure, site) -> factor
    params: dict[str, Evidence]
    conversions: dict[tuple[str, str], Evidence]  # (analyte, unit) -> factor to canonical
    canonical_unit: dict[str, str]
    allowed_units: dict[str, frozenset[str]]
    performance: dict[str, Performance]
    modifiers: tuple[Modifier, ...]
    likelihood_ratios: dict[str, list[tuple[str, Evidence]]]  # feature -> (cause, LR)
    procedures: dict[str, Procedure]
    veins: dict[str, Vein]
    gates: dict[str, Gate]
    med_raises: dict[str, frozenset[str]]  # medication -> analytes it raises
    med_lowers: dict[str, frozenset[str]]
    requires: dict[str, frozenset[str]]  # IRI (not code) -> tests it requires
    dictating_causes: frozenset[str]
    dictating_from_sources: dict[str, int]  # cause -> least sources
    test_indications: dict[str, frozenset[str]]  # test -> features
    tests_for: dict[str, frozenset[str]]  # germline test -> syndromes
    changes_operation: frozenset[str]  # tests whose result changes which operation
    no_localization_for: dict[str, frozenset[str]]  # operation -> causes
    established_by: dict[str, frozenset[str]]  # cause -> setting features
    every_gland_syndromes: frozenset[str]  # syndromes involving every gland
    seen_statuses: frozenset[str]
    gone_statuses: frozenset[str]
    cause_requires: dict[str, frozenset[str]]  # cause -> features it needs
    subsumed_by: dict[str, frozenset[str]]  # feature -> features that explain it
    stoppable: frozenset[str]  # medications that may be stopped
    family: dict[str, frozenset[str]]  # modality -> same-family modalities (both ways)
    ends_workup: frozenset[str]
    proves_tissue: frozenset[str]  # tests whose positive result proves tissue there
    refuting_histology: frozenset[str]  # pathologies showing the tissue taken was not the gland
    both_sides: frozenset[str]  # previous-procedure codes that explore both sides by nature
    adjunct_needs: dict[str, frozenset[str]]  # adjunct -> modalities seeing it
    negative_study_features: dict[str, frozenset[str]]  # feature -> modalities
    #: test -> (cause, node): the test is withheld once the cause's probability reaches the node's value
    test_contraindications: dict[str, tuple[tuple[str, Evidence], ...]]

    # ------------------------------------------------------------------ lookups
    def iri(self, scheme: str, code: str) -> str | None:
        """IRI of the entity with this notation in this scheme, or None.

        >>> from kg.knowledge import knowledge
        >>> knowledge().iri("sites", "perrier_F")
        'https://w3id.org/parareop/site_perrier_F'
        >>> knowledge().iri("sites", "nowhere") is None
        True
        """
        return self.iris.get((scheme, code))

    def label(self, scheme: str, code: str) -> str:
        """The entity's label, or the code itself when the graph has none (never fails).

        >>> from kg.knowledge import knowledge
        >>> knowledge().label("sites", "nowhere")
        'nowhere'
        """
        iri = self.iri(scheme, code)
        return self.labels.get(iri, code) if iri else code

    def site_name(self, site: str, side: str | None = None) -> str:
        """How a surgeon names a candidate: 'Perrier F, left', 'anterior mediastinum'.

        >>> from kg.knowledge import knowledge
        >>> knowledge().site_name("anterior_mediastinum", "left")
        'anterior mediastinum'
        """
        s = self.sites.get(site)
        name = self.short_labels.get(s.iri, site) if s else site
        return f"{name}, {side}" if side in ("left", "right") and (s is None or s.lateralized) else name

    def param(self, key: str) -> Evidence:
        """A planner parameter; a missing one is a broken release (:class:`KnowledgeError`).

        >>> from kg.knowledge import knowledge
        >>> try:
        ...     knowledge().param("no_such_parameter")
        ... except KnowledgeError as exc:
        ...     print(exc)
        the graph has no parameter 'no_such_parameter'
        """
        try:
            return self.params[key]
        except KeyError as exc:
            raise KnowledgeError(f"the graph has no parameter '{key}'") from exc

    def reference_limit(self, analyte: str, which: str) -> Evidence | None:
        """The reference limit (``which``: ``lower`` or ``upper``) of an analyte, if the graph has one."""
        return self.params.get(f"reference_{which}:{analyte}")

    def plausible_range(self, analyte: str) -> Evidence | None:
        """The physiologically plausible range of an analyte (input checking), if any."""
        return self.params.get(f"plausible:{analyte}")

    def modifiers_for(self, target: str, modality: str) -> list[Modifier]:
        """The modifiers of one figure of one modality, in the view's (IRI) order."""
        return [m for m in self.modifiers if m.target == target and modality in m.modalities]

    def gate_order(self) -> list[str]:
        """The gate codes in the order the planner runs them.

        >>> from kg.knowledge import knowledge
        >>> order = knowledge().gate_order()
        >>> [knowledge().gates[g].order for g in order] == sorted(g.order for g in knowledge().gates.values())
        True
        """
        return sorted(self.gates, key=lambda k: self.gates[k].order)
