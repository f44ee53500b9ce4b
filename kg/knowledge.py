"""The planner's typed, read-only view of the knowledge graph.

The planner never spells an IRI or a clinical number: it asks this view for the
figures and edges it needs, keyed by vocabulary notations (``perrier_F``,
``ct_4d``) or by parameter keys (``too_early_days``). Everything is read once
from the released ontology with SPARQL (pyoxigraph) and cached per process, so a
plan costs no graph I/O.

Each figure comes back as an :class:`Evidence` that carries its IRI, source and
grade, which is what the planner's explanations cite.
"""

from __future__ import annotations

import functools
import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypedDict

import pyoxigraph as ox

from kg.errors import KgError
from kg.oxigraph_view import ReadOnlyStore, oxigraph_store
from kg.release import release_bytes

PRP = "https://w3id.org/parareop/"

_PREFIXES = """
PREFIX prp: <https://w3id.org/parareop/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX obo: <http://purl.obolibrary.org/obo/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
"""


class KnowledgeError(KgError):
    """The graph lacks something the planner needs (a broken release, not bad input)."""


@dataclass(frozen=True)
class Evidence:
    """One evidence node: a figure with the provenance an explanation cites."""

    iri: str
    label: str
    value: float | None = None
    lower: float | None = None
    upper: float | None = None
    unit: str | None = None
    source: str | None = None
    grade: str | None = None
    population: str | None = None
    reasoning: str | None = None

    @property
    def v(self) -> float:
        """The node's value; a missing value is a broken release, not a default."""
        if self.value is None:
            raise KnowledgeError(f"evidence node {self.iri} has no value")
        return self.value

    def cite(self) -> str:
        """Source with its grade, as shown next to a fact."""
        src = self.source or "no source"
        return f"{src} [{self.grade}]" if self.grade else src


@dataclass(frozen=True)
class Site:
    code: str
    iri: str
    label: str
    lateralized: bool
    needle_reachable: bool
    classes: frozenset[str]
    x: float
    y: float


@dataclass(frozen=True)
class Procedure:
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
        return "Operation" in self.classes

    @property
    def is_ablation(self) -> bool:
        return "AblativeProcedure" in self.classes

    @property
    def is_medical(self) -> bool:
        return "MedicalTherapy" in self.classes

    @property
    def is_adjunct(self) -> bool:
        return "AdjunctProcedure" in self.classes


@dataclass(frozen=True)
class Performance:
    modality: str
    sensitivity: float
    false_positive_rate: float
    evidence: Evidence


@dataclass(frozen=True)
class Modifier:
    target: str
    value: float
    modalities: frozenset[str]
    sites: frozenset[str]
    cause: str | None
    appearance: str | None
    evidence: Evidence
    graft_beds: frozenset[str] = frozenset()  # only for grafts in these beds (empty: any)


@dataclass(frozen=True)
class Vein:
    code: str
    iri: str
    label: str
    paired: bool
    drains: frozenset[str]


@dataclass
class Knowledge:
    """Everything the planner reads, indexed by notation."""

    version: str
    iris: dict[tuple[str, str], str]
    labels: dict[str, str]
    sites: dict[str, Site]
    positions: dict[str, tuple[str, str | None]]
    origin_paths: dict[str, tuple[str, ...]]
    origin_labels: dict[str, str]
    origin_iris: dict[str, str]
    usual_site: dict[str, str]
    priors: dict[str, dict[str, Evidence]]
    cause_priors: dict[str, Evidence]
    status_weights: dict[str, Evidence]
    site_factors: dict[tuple[str, str], Evidence]
    params: dict[str, Evidence]
    conversions: dict[tuple[str, str], Evidence]
    canonical_unit: dict[str, str]
    allowed_units: dict[str, frozenset[str]]
    performance: dict[str, Performance]
    modifiers: list[Modifier]
    likelihood_ratios: dict[str, list[tuple[str, Evidence]]]
    procedures: dict[str, Procedure]
    veins: dict[str, Vein]
    adjacency: dict[str, frozenset[str]]
    gates: dict[str, tuple[str, str, int, frozenset[str]]]
    features: dict[str, str]
    med_raises: dict[str, frozenset[str]]
    med_lowers: dict[str, frozenset[str]]
    requires: dict[str, frozenset[str]] = field(default_factory=dict)
    syndrome_causes: dict[str, frozenset[str]] = field(default_factory=dict)
    definitions: dict[str, str] = field(default_factory=dict)
    dictating_causes: frozenset[str] = frozenset()
    dictating_from_sources: dict[str, int] = field(default_factory=dict)  # cause -> least sources
    test_indications: dict[str, frozenset[str]] = field(default_factory=dict)  # test -> features
    tests_for: dict[str, frozenset[str]] = field(default_factory=dict)  # germline test -> syndromes
    changes_operation: frozenset[str] = frozenset()  # tests whose result changes which operation
    no_localization_for: dict[str, frozenset[str]] = field(default_factory=dict)  # operation -> causes
    established_by: dict[str, frozenset[str]] = field(default_factory=dict)  # cause -> setting features
    every_gland_syndromes: frozenset[str] = frozenset()  # syndromes involving every gland
    seen_statuses: frozenset[str] = frozenset()
    origin_path: dict[str, tuple[str, str]] = field(default_factory=dict)
    cause_requires: dict[str, frozenset[str]] = field(default_factory=dict)
    short_labels: dict[str, str] = field(default_factory=dict)
    subsumed_by: dict[str, frozenset[str]] = field(default_factory=dict)
    stoppable: frozenset[str] = frozenset()
    family: dict[str, frozenset[str]] = field(default_factory=dict)
    ends_workup: frozenset[str] = frozenset()
    proves_tissue: frozenset[str] = frozenset()  # tests whose positive result proves tissue there
    gone_statuses: frozenset[str] = frozenset()
    refuting_histology: frozenset[str] = frozenset()  # pathologies showing the tissue taken was not the gland
    both_sides: frozenset[str] = frozenset()  # previous-procedure codes that explore both sides by nature
    adjunct_needs: dict[str, frozenset[str]] = field(default_factory=dict)  # adjunct -> modalities seeing it
    negative_study_features: dict[str, frozenset[str]] = field(default_factory=dict)  # feature -> modalities

    # ------------------------------------------------------------------ lookups
    def iri(self, scheme: str, code: str) -> str | None:
        """IRI of the entity with this notation in this scheme, or None."""
        return self.iris.get((scheme, code))

    def label(self, scheme: str, code: str) -> str:
        iri = self.iri(scheme, code)
        return self.labels.get(iri, code) if iri else code

    def site_name(self, site: str, side: str | None = None) -> str:
        """How a surgeon names a candidate: 'Perrier F, left', 'anterior mediastinum'."""
        s = self.sites.get(site)
        name = self.short_labels.get(s.iri, site) if s else site
        return f"{name}, {side}" if side in ("left", "right") and (s is None or s.lateralized) else name

    def param(self, key: str) -> Evidence:
        try:
            return self.params[key]
        except KeyError as exc:
            raise KnowledgeError(f"the graph has no parameter '{key}'") from exc

    def reference_limit(self, analyte: str, which: str) -> Evidence | None:
        return self.params.get(f"reference_{which}:{analyte}")

    def plausible_range(self, analyte: str) -> Evidence | None:
        return self.params.get(f"plausible:{analyte}")

    def modifiers_for(self, target: str, modality: str) -> list[Modifier]:
        return [m for m in self.modifiers if m.target == target and modality in m.modalities]

    def gate_order(self) -> list[str]:
        return sorted(self.gates, key=lambda k: self.gates[k][2])


def _local(iri: str) -> str:
    return iri[len(PRP) :] if iri.startswith(PRP) else iri


def _val(term: ox.Literal | ox.NamedNode | None) -> str | None:
    return None if term is None else term.value


def _num(term: ox.Literal | ox.NamedNode | None) -> float | None:
    return None if term is None else float(term.value)


def _load_store() -> tuple[ReadOnlyStore, str]:
    """The process's embedded store of the release, and a short digest of the release as its version."""
    return oxigraph_store(), hashlib.sha256(release_bytes()).hexdigest()[:12]


class _Reader:
    def __init__(self, store: ReadOnlyStore) -> None:
        self.store = store

    def rows(self, query: str) -> list[dict[str, ox.Literal | ox.NamedNode | None]]:
        res = self.store.select(_PREFIXES + query)
        names = [v.value for v in res.variables]
        return [{n: sol[n] for n in names} for sol in res]

    def evidence(self, where: str, var: str = "e") -> dict[str, Evidence]:
        q = f"""SELECT ?{var} ?label ?value ?lower ?upper ?unit ?source ?grade ?pop ?why WHERE {{
            {where}
            OPTIONAL {{ ?{var} rdfs:label ?label }}
            OPTIONAL {{ ?{var} prp:value ?value }} OPTIONAL {{ ?{var} prp:lowerValue ?lower }}
            OPTIONAL {{ ?{var} prp:upperValue ?upper }} OPTIONAL {{ ?{var} prp:unitCode ?unit }}
            OPTIONAL {{ ?{var} prp:source ?source }} OPTIONAL {{ ?{var} prp:population ?pop }}
            OPTIONAL {{ ?{var} prp:reasoning ?why }}
            OPTIONAL {{ ?{var} prp:hasGrade ?g . ?g rdfs:label ?grade }}
        }}"""
        out: dict[str, Evidence] = {}
        for r in self.rows(q):
            iri = _val(r[var])
            assert iri is not None
            out[iri] = Evidence(
                iri=iri,
                label=_val(r["label"]) or _local(iri),
                value=_num(r["value"]),
                lower=_num(r["lower"]),
                upper=_num(r["upper"]),
                unit=_val(r["unit"]),
                source=_val(r["source"]),
                grade=_val(r["grade"]),
                population=_val(r["pop"]),
                reasoning=_val(r["why"]),
            )
        return out

    def literals(self, prop: str) -> dict[str, str]:
        """IRI -> the literal value of ``prop`` (a prefixed name such as ``rdfs:label``)."""
        return {
            _val(r["x"]) or "": _val(r["v"]) or ""
            for r in self.rows(f"SELECT ?x ?v WHERE {{ ?x {prop} ?v }}")
        }

    def flagged(self, prop: str) -> frozenset[str]:
        """IRIs of the entities whose boolean ``prp:<prop>`` is true."""
        true = '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>'
        rows = self.rows(f"SELECT ?x WHERE {{ ?x prp:{prop} {true} }}")
        return frozenset(_val(r["x"]) or "" for r in rows)

    def pairs(self, query: str, a: str, b: str) -> dict[str, set[str]]:
        out: dict[str, set[str]] = defaultdict(set)
        for r in self.rows(query):
            out[_val(r[a]) or ""].add(_val(r[b]) or "")
        return out


class _RecordRules(TypedDict):
    """The :class:`Knowledge` fields :func:`_record_rules` reads (passed on as keywords)."""

    refuting_histology: frozenset[str]
    both_sides: frozenset[str]
    adjunct_needs: dict[str, frozenset[str]]
    negative_study_features: dict[str, frozenset[str]]


class _TestRules(TypedDict):
    """The :class:`Knowledge` fields :func:`_test_rules` reads (passed on as keywords)."""

    test_indications: dict[str, frozenset[str]]
    tests_for: dict[str, frozenset[str]]
    changes_operation: frozenset[str]
    no_localization_for: dict[str, frozenset[str]]
    established_by: dict[str, frozenset[str]]
    every_gland_syndromes: frozenset[str]


def _record_rules(rd: _Reader, code: Callable[[str | None], str]) -> _RecordRules:
    """How the record is read: histology that refutes a removal, operations that explore both
    sides, and the study each adjunct needs (the Knowledge fields of the same names)."""
    return {
        "refuting_histology": frozenset(
            code(_val(r["s"]))
            for r in rd.rows("SELECT ?s WHERE { ?s a/rdfs:subClassOf* prp:NonParathyroidHistology }")
        ),
        "both_sides": frozenset(code(x) for x in rd.flagged("exploresBothSides")),
        "adjunct_needs": {
            code(k): frozenset(code(x) for x in v)
            for k, v in rd.pairs("SELECT ?a ?m WHERE { ?a prp:needsPositiveStudy ?m }", "a", "m").items()
        },
        "negative_study_features": {
            code(k): frozenset(code(x) for x in v)
            for k, v in rd.pairs("SELECT ?f ?m WHERE { ?f prp:raisedByNegativeStudyOf ?m }", "f", "m").items()
        },
    }


def _notations(rd: _Reader) -> tuple[dict[tuple[str, str], str], dict[str, str]]:
    """(scheme, code) -> IRI, and IRI -> code: the vocabulary's codes as the graph holds them."""
    iris: dict[tuple[str, str], str] = {}
    code_of: dict[str, str] = {}
    for r in rd.rows("SELECT ?x ?n ?s WHERE { ?x skos:notation ?n ; skos:inScheme ?s }"):
        scheme = _local(_val(r["s"]) or "").removeprefix("scheme_")
        iris[(scheme, _val(r["n"]) or "")] = _val(r["x"]) or ""
        code_of[_val(r["x"]) or ""] = _val(r["n"]) or ""
    return iris, code_of


def _sites(
    rd: _Reader,
    code: Callable[[str | None], str],
    classes: Callable[[str], frozenset[str]],
    labels: dict[str, str],
) -> dict[str, Site]:
    """Every anatomical site with its side rule, needle reach, classes and diagram position."""
    sites: dict[str, Site] = {}
    for r in rd.rows("""SELECT ?s ?needle ?x ?y WHERE { ?s skos:inScheme prp:scheme_sites .
            OPTIONAL { ?s prp:needleReachable ?needle }
            OPTIONAL { ?s prp:svgX ?x } OPTIONAL { ?s prp:svgY ?y } }"""):
        iri = _val(r["s"]) or ""
        cl = classes(iri)
        sites[code(iri)] = Site(
            code(iri),
            iri,
            labels.get(iri, code(iri)),
            "UnlateralizedSite" not in cl,
            _val(r["needle"]) == "true",
            cl,
            _num(r["x"]) or 50.0,
            _num(r["y"]) or 50.0,
        )
    return sites


def _test_rules(rd: _Reader, code: Callable[[str | None], str]) -> _TestRules:
    """What indicates a test, what a germline test settles, which tests change the operation, and
    which operations need no per-gland localization for a cause (issue 11, principles 2 and 8)."""

    def links(prop: str) -> dict[str, frozenset[str]]:
        rows = rd.pairs(f"SELECT ?a ?b WHERE {{ ?a prp:{prop} ?b }}", "a", "b")
        return {code(k): frozenset(code(x) for x in v) for k, v in rows.items()}

    return {
        "test_indications": links("indicatedByFeature"),
        "tests_for": links("testsFor"),
        "changes_operation": frozenset(code(x) for x in rd.flagged("changesOperation")),
        "no_localization_for": links("operableWithoutLocalizationFor"),
        "established_by": links("establishedByFeature"),
        "every_gland_syndromes": frozenset(code(x) for x in rd.flagged("involvesEveryGland")),
    }


def _build(store: ReadOnlyStore, version: str) -> Knowledge:
    rd = _Reader(store)
    iris, code_of = _notations(rd)
    labels = rd.literals("rdfs:label")
    definitions = rd.literals("obo:IAO_0000115")

    def code(iri: str | None) -> str:
        return code_of.get(iri or "", _local(iri or ""))

    types = rd.pairs("SELECT ?x ?t WHERE { ?x rdf:type ?t }", "x", "t")

    def classes(iri: str) -> frozenset[str]:
        return frozenset(_local(t) for t in types.get(iri, ()))

    sites = _sites(rd, code, classes, labels)
    adjacency = {
        code(k): frozenset(code(x) for x in v)
        for k, v in rd.pairs(
            "SELECT ?a ?b WHERE { { ?a prp:adjacentSite ?b } UNION { ?b prp:adjacentSite ?a } }", "a", "b"
        ).items()
    }
    # origins, paths, positions
    origin_paths: dict[str, tuple[str, ...]] = {}
    usual: dict[str, str] = {}
    origin_labels: dict[str, str] = {}
    origin_path: dict[str, tuple[str, str]] = {}
    origin_iris: dict[str, str] = {}
    for r in rd.rows(
        "SELECT ?o ?p ?u WHERE { ?o a prp:GlandOrigin ; prp:hasDescentPath ?p ; prp:usualSite ?u }"
    ):
        o = _local(_val(r["o"]) or "")
        origin_iris[o] = _val(r["o"]) or ""
        origin_labels[o] = labels.get(origin_iris[o], o)
        path_iri = _val(r["p"]) or ""
        origin_path[o] = (path_iri, labels.get(path_iri, path_iri))
        usual[o] = code(_val(r["u"]))
        steps = rd.rows(f"""SELECT ?site ?i ?from WHERE {{
            ?st prp:onPath <{_val(r["p"])}> ; prp:atSite ?site .
            OPTIONAL {{ ?st prp:stepIndex ?i }} OPTIONAL {{ ?st prp:branchesFrom/prp:stepIndex ?from }} }}""")
        main = sorted(
            (int(float(_val(s["i"]) or 0)), code(_val(s["site"]))) for s in steps if s["i"] is not None
        )
        branches = sorted(
            (float(_val(s["from"]) or 0) + 0.5, code(_val(s["site"]))) for s in steps if s["i"] is None
        )
        origin_paths[o] = tuple(c for _, c in sorted(main + branches))
    positions: dict[str, tuple[str, str | None]] = {}
    for r in rd.rows("""SELECT ?p ?o ?side WHERE { ?p a prp:GlandPosition ; prp:hasOrigin ?o .
            OPTIONAL { ?p prp:hasSide ?side } }"""):
        positions[code(_val(r["p"]))] = (
            _local(_val(r["o"]) or ""),
            code(_val(r["side"])) if r["side"] else None,
        )
    # evidence
    priors: dict[str, dict[str, Evidence]] = defaultdict(dict)
    prior_ev = rd.evidence("?e a prp:PriorShare .")
    for r in rd.rows("SELECT ?e ?o ?s WHERE { ?e a prp:PriorShare ; prp:forOrigin ?o ; prp:forSite ?s }"):
        priors[_local(_val(r["o"]) or "")][code(_val(r["s"]))] = prior_ev[_val(r["e"]) or ""]

    def keyed(cls: str, prop: str) -> dict[str, Evidence]:
        ev = rd.evidence(f"?e a prp:{cls} .")
        return {
            code(_val(r["t"])): ev[_val(r["e"]) or ""]
            for r in rd.rows(f"SELECT ?e ?t WHERE {{ ?e a prp:{cls} ; prp:{prop} ?t }}")
        }

    cause_priors = keyed("CausePrior", "forCause")
    status_weights = keyed("StatusWeight", "forStatus")
    sf_ev = rd.evidence("?e a prp:SiteFactor .")
    site_factors = {
        (code(_val(r["p"])), code(_val(r["s"]))): sf_ev[_val(r["e"]) or ""]
        for r in rd.rows(
            "SELECT ?e ?p ?s WHERE { ?e a prp:SiteFactor ; prp:forProcedure ?p ; prp:forSite ?s }"
        )
    }
    all_ev = rd.evidence("?e a ?c . ?c rdfs:subClassOf* prp:EvidenceNode .")
    params = {
        (_val(r["n"]) or ""): all_ev[_val(r["e"]) or ""]
        for r in rd.rows("SELECT ?e ?n WHERE { ?e skos:inScheme prp:scheme_parameters ; skos:notation ?n }")
        if (_val(r["e"]) or "") in all_ev
    }
    conversions = {
        (code(_val(r["a"])), code(_val(r["u"]))): all_ev[_val(r["e"]) or ""]
        for r in rd.rows(
            "SELECT ?e ?a ?u WHERE { ?e a prp:UnitConversion ; prp:forAnalyte ?a ; prp:forUnit ?u }"
        )
    }
    canonical = {
        code(_val(r["a"])): code(_val(r["u"]))
        for r in rd.rows("SELECT ?a ?u WHERE { ?a prp:canonicalUnit ?u }")
    }
    allowed = {
        code(k): frozenset(code(x) for x in v)
        for k, v in rd.pairs("SELECT ?a ?u WHERE { ?a prp:allowedUnit ?u }", "a", "u").items()
    }
    performance: dict[str, Performance] = {}
    for r in rd.rows("""SELECT ?e ?m ?se ?fp WHERE { ?e a prp:ModalityPerformance ; prp:forModality ?m ;
            prp:sensitivity ?se ; prp:falsePositiveRate ?fp }"""):
        performance[code(_val(r["m"]))] = Performance(
            code(_val(r["m"])),
            float(_val(r["se"]) or 0),
            float(_val(r["fp"]) or 0),
            all_ev[_val(r["e"]) or ""],
        )
    mod_mods = rd.pairs("SELECT ?e ?m WHERE { ?e a prp:PerformanceModifier ; prp:forModality ?m }", "e", "m")
    mod_sites = rd.pairs("SELECT ?e ?s WHERE { ?e a prp:PerformanceModifier ; prp:forSite ?s }", "e", "s")
    mod_beds = rd.pairs("SELECT ?e ?b WHERE { ?e a prp:PerformanceModifier ; prp:forGraftBed ?b }", "e", "b")
    modifiers: list[Modifier] = []
    for r in rd.rows("""SELECT ?e ?target ?c ?ap WHERE { ?e a prp:PerformanceModifier ; prp:modifies ?target .
            OPTIONAL { ?e prp:forCause ?c } OPTIONAL { ?e prp:forAppearance ?ap } } ORDER BY ?e"""):
        e = _val(r["e"]) or ""
        modifiers.append(
            Modifier(
                _val(r["target"]) or "",
                all_ev[e].v,
                frozenset(code(m) for m in mod_mods.get(e, ())),
                frozenset(code(s) for s in mod_sites.get(e, ())),
                code(_val(r["c"])) if r["c"] else None,
                code(_val(r["ap"])) if r["ap"] else None,
                all_ev[e],
                frozenset(code(b) for b in mod_beds.get(e, ())),
            )
        )
    lrs: dict[str, list[tuple[str, Evidence]]] = defaultdict(list)
    for (
        r
    ) in rd.rows("""SELECT ?e ?f ?c WHERE { ?e a prp:LikelihoodRatio ; prp:forFeature ?f ; prp:forCause ?c }
            ORDER BY ?e"""):
        lrs[code(_val(r["f"]))].append((code(_val(r["c"])), all_ev[_val(r["e"]) or ""]))

    # procedures
    def rel(prop: str) -> dict[str, set[str]]:
        return rd.pairs(
            f"SELECT ?p ?x WHERE {{ ?p a/rdfs:subClassOf* prp:Procedure ; prp:{prop} ?x }}", "p", "x"
        )

    reach, pref, ind, contra = (
        rel("reachesSite"),
        rel("preferredFor"),
        rel("indicatedFor"),
        rel("contraindicatedFor"),
    )
    expl, rem, adj, risk, req = (
        rel("exploresSite"),
        rel("removesTissueAt"),
        rel("usesAdjunct"),
        rel("hasRisk"),
        rel("requiresTest"),
    )
    inv = {
        _val(r["p"]) or "": int(float(_val(r["i"]) or 0))
        for r in rd.rows("SELECT ?p ?i WHERE { ?p prp:invasiveness ?i }")
    }
    one_side = rd.flagged("oneSide")
    min_glands = {
        _val(r["p"]) or "": int(float(_val(r["n"]) or 0))
        for r in rd.rows("SELECT ?p ?n WHERE { ?p prp:minGlandsInSitu ?n }")
    }
    procedures: dict[str, Procedure] = {}
    for r in rd.rows("SELECT DISTINCT ?p WHERE { ?p a/rdfs:subClassOf* prp:Procedure ; skos:notation ?n }"):
        p = _val(r["p"]) or ""

        def codes(d: dict[str, set[str]], p: str = p) -> frozenset[str]:
            return frozenset(code(x) for x in d.get(p, ()))

        procedures[code(p)] = Procedure(
            code(p),
            p,
            labels.get(p, code(p)),
            classes(p) | _ancestors(rd, p),
            inv.get(p, 9),
            codes(reach) | codes(pref),
            codes(pref),
            codes(ind),
            codes(contra),
            codes(expl),
            codes(rem),
            tuple(sorted(codes(adj))),
            tuple(all_ev[x] for x in sorted(risk.get(p, ()))),
            codes(req),
            min_glands.get(p, 0),
            p in one_side,
        )
    veins: dict[str, Vein] = {}
    drains = rd.pairs("SELECT ?v ?s WHERE { ?v prp:drainsSite ?s }", "v", "s")
    for v, ss in drains.items():
        veins[code(v)] = Vein(
            code(v), v, labels.get(v, code(v)), "PairedVein" in classes(v), frozenset(code(s) for s in ss)
        )
    gates = {}
    greq = rd.pairs("SELECT ?g ?t WHERE { ?g a prp:Gate ; prp:requiresTest ?t }", "g", "t")
    for r in rd.rows("SELECT ?g ?o WHERE { ?g a prp:Gate ; prp:gateOrder ?o }"):
        g = _val(r["g"]) or ""
        gates[code(g)] = (
            g,
            labels.get(g, code(g)),
            int(float(_val(r["o"]) or 0)),
            frozenset(code(t) for t in greq.get(g, ())),
        )
    features = {
        code(_val(r["f"])): _val(r["f"]) or "" for r in rd.rows("SELECT ?f WHERE { ?f a prp:CaseFeature }")
    }
    raises = {
        code(k): frozenset(code(x) for x in v)
        for k, v in rd.pairs("SELECT ?m ?a WHERE { ?m prp:raisesAnalyte ?a }", "m", "a").items()
    }
    lowers = {
        code(k): frozenset(code(x) for x in v)
        for k, v in rd.pairs("SELECT ?m ?a WHERE { ?m prp:lowersAnalyte ?a }", "m", "a").items()
    }
    requires = {
        k: frozenset(code(x) for x in v)
        for k, v in rd.pairs("SELECT ?x ?t WHERE { ?x prp:requiresTest ?t }", "x", "t").items()
    }
    syn = {
        code(k): frozenset(code(x) for x in v)
        for k, v in rd.pairs(
            "SELECT ?s ?c WHERE { ?s a prp:Syndrome ; prp:suggestsCause ?c }", "s", "c"
        ).items()
    }
    dictating = frozenset(code(x) for x in rd.flagged("dictatesApproach"))
    dictating_from = {code(k): int(v) for k, v in rd.literals("prp:dictatesApproachFromSources").items()}
    test_rules = _test_rules(rd, code)

    seen = frozenset(
        code(_val(r["s"])) for r in rd.rows("SELECT ?s WHERE { ?s a/rdfs:subClassOf* prp:GlandSeenStatus }")
    )
    gone = frozenset(
        code(_val(r["s"])) for r in rd.rows("SELECT ?s WHERE { ?s a/rdfs:subClassOf* prp:TissueGoneStatus }")
    )
    cause_requires = {
        code(k): frozenset(code(x) for x in v)
        for k, v in rd.pairs("SELECT ?c ?f WHERE { ?c prp:requiresFeature ?f }", "c", "f").items()
    }
    short_labels = {
        _val(r["x"]) or "": _val(r["l"]) or "" for r in rd.rows("SELECT ?x ?l WHERE { ?x prp:shortLabel ?l }")
    }
    subsumed_by = {
        code(k): frozenset(code(x) for x in v)
        for k, v in rd.pairs("SELECT ?f ?g WHERE { ?f prp:subsumedBy ?g }", "f", "g").items()
    }
    stoppable = frozenset(code(x) for x in rd.flagged("stoppable"))
    ends_workup = frozenset(code(x) for x in rd.flagged("endsWorkUp"))
    proves_tissue = frozenset(code(x) for x in rd.flagged("provesTissue"))
    family = {
        code(k): frozenset(code(x) for x in v)
        for k, v in rd.pairs(
            "SELECT ?a ?b WHERE { { ?a prp:sameFamilyAs ?b } UNION { ?b prp:sameFamilyAs ?a } }", "a", "b"
        ).items()
    }
    return Knowledge(
        version,
        iris,
        labels,
        sites,
        positions,
        origin_paths,
        origin_labels,
        origin_iris,
        usual,
        dict(priors),
        cause_priors,
        status_weights,
        site_factors,
        params,
        conversions,
        canonical,
        allowed,
        performance,
        modifiers,
        dict(lrs),
        procedures,
        veins,
        adjacency,
        gates,
        features,
        raises,
        lowers,
        requires,
        syn,
        definitions=definitions,
        dictating_causes=dictating,
        dictating_from_sources=dictating_from,
        **test_rules,
        seen_statuses=seen,
        gone_statuses=gone,
        **_record_rules(rd, code),
        origin_path=origin_path,
        cause_requires=cause_requires,
        short_labels=short_labels,
        subsumed_by=subsumed_by,
        stoppable=stoppable,
        family=family,
        ends_workup=ends_workup,
        proves_tissue=proves_tissue,
    )


def _ancestors(rd: _Reader, iri: str) -> frozenset[str]:
    rows = rd.rows(f"SELECT ?c WHERE {{ <{iri}> a/rdfs:subClassOf* ?c }}")
    return frozenset(_local(_val(r["c"]) or "") for r in rows)


@functools.lru_cache(maxsize=1)
def knowledge() -> Knowledge:
    """The process-wide knowledge view, built on first use."""
    store, version = _load_store()
    return _build(store, version)
