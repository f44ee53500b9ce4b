"""The planner's view of the graph: :class:`~kg.knowledge_model.Knowledge` read from named files.

Why files: what the planner believes should be checkable without reading Python. Each concern
(sites, performance, modifiers, procedures, gates, ...) is one SPARQL file in
``kg/queries/planner/`` with the same header as the competency queries (``# name:``,
``# question:``, ``# columns:``), so an informatician runs exactly what the planner reads
(``parareop sparql --file kg/queries/planner/performance.rq``, or any SPARQL client). This
module only turns those rows into records: it spells no SPARQL of its own.

Why they are not among the named queries (``kg/queries/*.rq``, ``parareop sparql --list``,
the server's answer cache): those are the project's public competency questions, answered by
code with labels and parameters, and kept stable for clients and tests; these are the
planner's internal read-set, keyed by IRI, with no parameters, and they change whenever the
planner needs a new fact. :func:`planner_queries` reads them with the same header parser.

Rows come back in the store's order and are put into dicts in that order (a query's shape is
kept when the order of what it fills matters); where the planner needs an order it is an
``ORDER BY`` in the file (modifiers, likelihood ratios) or a sort here (adjuncts, risks).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from kg.errors import KnowledgeError
from kg.knowledge_model import Evidence, Gate, Knowledge, Modifier, Performance, Procedure, Site, Vein
from kg.named_queries import NamedQuery, named_queries
from kg.oxigraph_view import ReadOnlyStore
from kg.paths import PLANNER_QUERIES_DIR

PRP = "https://w3id.org/parareop/"

#: The flags ``flags.rq`` reads (each a boolean ``prp:`` property), all of them in the view.
_FLAGS = (
    "changesOperation dictatesApproach endsWorkUp exploresBothSides involvesEveryGland provesTissue stoppable"
)
#: One solution: variable name -> the term's lexical value (IRI or literal text), or None.
Row = dict[str, str | None]
#: IRI -> the IRIs it links to (first-seen key order).
Links = dict[str, set[str]]


def planner_queries() -> dict[str, NamedQuery]:
    """The planner's queries (``kg/queries/planner/*.rq``) by name, headers checked.

    Examples
    --------
    >>> queries = planner_queries()
    >>> "performance" in queries and not queries["performance"].parameters
    True
    >>> queries["modifiers"].question.startswith("Which performance modifiers")
    True
    """
    return named_queries(PLANNER_QUERIES_DIR)


def local(iri: str) -> str:
    """The part of a ParaReop IRI after the namespace (other IRIs unchanged).

    >>> local("https://w3id.org/parareop/site_perrier_F"), local("urn:x")
    ('site_perrier_F', 'urn:x')
    """
    return iri[len(PRP) :] if iri.startswith(PRP) else iri


class _Reader:
    """Runs the planner's queries by name on one store and maps IRIs to codes."""

    def __init__(self, store: ReadOnlyStore) -> None:
        self.store = store
        self.queries = planner_queries()
        self.code_of: dict[str, str] = {}

    def rows(self, name: str) -> list[Row]:
        """The solutions of the planner query ``name`` as rows of lexical values."""
        query = self.queries.get(name)
        if query is None:
            raise KnowledgeError(f"no planner query {name!r} in {PLANNER_QUERIES_DIR}")
        result = self.store.select(query.text)
        names = [v.value for v in result.variables]
        return [
            {n: None if term is None else term.value for n, term in zip(names, sol, strict=True)}
            for sol in result
        ]

    def code(self, iri: str | None) -> str:
        """The entity's notation, or its local name when it has none."""
        return self.code_of.get(iri or "", local(iri or ""))

    def codes(self, iris: Iterable[str]) -> frozenset[str]:
        """The codes of several entities."""
        return frozenset(self.code(x) for x in iris)

    def coded(self, links: Links) -> dict[str, frozenset[str]]:
        """Links keyed and valued by code instead of IRI (key order kept)."""
        return {self.code(k): self.codes(v) for k, v in links.items()}


def _s(row: Row, name: str) -> str:
    """A column that the query always binds (IRI or literal)."""
    return row[name] or ""


def _num(value: str | None) -> float | None:
    return None if value is None else float(value)


def _links(rows: Iterable[Row], a: str, b: str) -> Links:
    out: Links = defaultdict(set)
    for r in rows:
        out[_s(r, a)].add(_s(r, b))
    return out


class _Groups(dict[str, Links]):
    """Links per value of a query's ``kind`` column (a rule, an effect, a scope kind).

    A kind with no rows reads as empty, as a release may hold none of it; a kind the query
    does not even name is a misspelling here and fails the load (:class:`KnowledgeError`)
    instead of silently reading as empty.
    """

    def __init__(self, query: str, text: str) -> None:
        super().__init__()
        self.query, self.text = query, text

    def __missing__(self, kind: str) -> Links:
        if f'"{kind}"' not in self.text and f"prp:{kind}" not in self.text:
            raise KnowledgeError(
                f"planner query {self.query!r} has no {kind!r} rows: it does not name {kind}"
            )
        return {}


def _grouped(rd: _Reader, name: str, kind: str, a: str, b: str) -> _Groups:
    """The rows of planner query ``name`` as links from column ``a`` to ``b``, per ``kind``.

    >>> from kg.oxigraph_view import oxigraph_store
    >>> meds = _grouped(_Reader(oxigraph_store()), "medications", "effect", "medication", "analyte")
    >>> sorted(meds), meds["lowers"] is meds["lowers"]
    (['lowers', 'raises'], True)
    >>> meds["neither"]
    Traceback (most recent call last):
    ...
    kg.errors.KnowledgeError: planner query 'medications' has no 'neither' rows: it does not name neither
    """
    out = _Groups(name, rd.queries[name].text)
    for r in rd.rows(name):
        out.setdefault(_s(r, kind), defaultdict(set))[_s(r, a)].add(_s(r, b))
    return out


def _of_kind(rows: Iterable[Row], kind: str, value: str) -> list[Row]:
    return [r for r in rows if r[kind] == value]


# ---------------------------------------------------------------- vocabulary and texts


def _notations(rd: _Reader) -> dict[tuple[str, str], str]:
    """(scheme, code) -> IRI; also fills the reader's IRI -> code map."""
    iris: dict[tuple[str, str], str] = {}
    for r in rd.rows("notations"):
        scheme = local(_s(r, "scheme")).removeprefix("scheme_")
        iris[(scheme, _s(r, "notation"))] = _s(r, "entity")
        rd.code_of[_s(r, "entity")] = _s(r, "notation")
    return iris


def _texts(rd: _Reader) -> dict[str, dict[str, str]]:
    """``label``, ``short_label`` and ``definition``: IRI -> text each."""
    out: dict[str, dict[str, str]] = {"label": {}, "short_label": {}, "definition": {}}
    for r in rd.rows("labels"):
        out[_s(r, "what")][_s(r, "entity")] = _s(r, "text")
    return out


def _classes(rd: _Reader) -> dict[str, frozenset[str]]:
    """IRI -> local names of its classes (asserted for sites and veins, all for procedures)."""
    return {
        k: frozenset(local(c) for c in v) for k, v in _links(rd.rows("classes"), "entity", "class").items()
    }


def _test_contraindications(
    rd: _Reader, ev: dict[str, Evidence]
) -> dict[str, tuple[tuple[str, Evidence], ...]]:
    """Per test, the suspected causes under which it is withheld, each with its node (the value is
    the probability of the cause from which it is)."""
    out: dict[str, list[tuple[str, Evidence]]] = {}
    for r in rd.rows("test-contraindications"):
        out.setdefault(rd.code(_s(r, "test")), []).append((rd.code(_s(r, "cause")), ev[_s(r, "evidence")]))
    return {k: tuple(v) for k, v in out.items()}


def _evidence(rd: _Reader) -> dict[str, Evidence]:
    """Every evidence node by IRI."""
    return {
        _s(r, "evidence"): Evidence(
            iri=_s(r, "evidence"),
            label=r["label"] or local(_s(r, "evidence")),
            value=_num(r["value"]),
            lower=_num(r["lower"]),
            upper=_num(r["upper"]),
            unit=r["unit"],
            source=r["source"],
            grade=r["grade"],
        )
        for r in rd.rows("evidence")
    }


# ---------------------------------------------------------------- anatomy


def _sites(rd: _Reader, classes: dict[str, frozenset[str]], labels: dict[str, str]) -> dict[str, Site]:
    """Every anatomical site with its side rule, needle reach, classes and diagram position."""
    sites: dict[str, Site] = {}
    for r in rd.rows("sites"):
        iri = _s(r, "site")
        cl = classes.get(iri, frozenset())
        sites[rd.code(iri)] = Site(
            code=rd.code(iri),
            iri=iri,
            label=labels.get(iri, rd.code(iri)),
            lateralized="UnlateralizedSite" not in cl,
            needle_reachable=r["needle"] == "true",
            classes=cl,
            x=_num(r["x"]) or 50.0,
            y=_num(r["y"]) or 50.0,
        )
    return sites


def _origins(
    rd: _Reader, labels: dict[str, str]
) -> tuple[dict[str, str], dict[str, tuple[str, str]], dict[str, str]]:
    """Origin (local name) -> its IRI, its descent path (IRI, label), and its usual site."""
    iris: dict[str, str] = {}
    paths: dict[str, tuple[str, str]] = {}
    usual: dict[str, str] = {}
    for r in rd.rows("origins"):
        o = local(_s(r, "origin"))
        iris[o] = _s(r, "origin")
        paths[o] = (_s(r, "path"), labels.get(_s(r, "path"), _s(r, "path")))
        usual[o] = rd.code(r["usual_site"])
    return iris, paths, usual


def _positions(rd: _Reader) -> dict[str, tuple[str, str | None]]:
    """Gland position -> (origin local name, side code or None)."""
    return {
        rd.code(r["position"]): (local(_s(r, "origin")), rd.code(r["side"]) if r["side"] else None)
        for r in rd.rows("positions")
    }


def _veins(rd: _Reader, classes: dict[str, frozenset[str]], labels: dict[str, str]) -> dict[str, Vein]:
    """Veins by code with the sites they drain."""
    return {
        rd.code(v): Vein(
            code=rd.code(v),
            iri=v,
            label=labels.get(v, rd.code(v)),
            paired="PairedVein" in classes.get(v, frozenset()),
            drains=rd.codes(ss),
        )
        for v, ss in _links(rd.rows("veins"), "vein", "site").items()
    }


# ---------------------------------------------------------------- figures


def _priors(
    rd: _Reader, ev: dict[str, Evidence]
) -> tuple[dict[str, dict[str, Evidence]], dict[str, Evidence], dict[str, Evidence]]:
    """Prior share by origin and site, prior by cause, weight by recorded status."""
    rows = rd.rows("priors")
    shares: dict[str, dict[str, Evidence]] = defaultdict(dict)
    for r in _of_kind(rows, "kind", "prior_share"):
        shares[local(_s(r, "origin"))][rd.code(r["site"])] = ev[_s(r, "evidence")]
    causes = {rd.code(r["cause"]): ev[_s(r, "evidence")] for r in _of_kind(rows, "kind", "cause_prior")}
    statuses = {rd.code(r["status"]): ev[_s(r, "evidence")] for r in _of_kind(rows, "kind", "status_weight")}
    return dict(shares), causes, statuses


def _units(
    rd: _Reader, ev: dict[str, Evidence]
) -> tuple[dict[tuple[str, str], Evidence], dict[str, str], dict[str, frozenset[str]]]:
    """Conversion factors by (analyte, unit), the canonical unit and the allowed units of each analyte."""
    rows = rd.rows("units")
    conversions = {
        (rd.code(r["analyte"]), rd.code(r["unit"])): ev[_s(r, "evidence")]
        for r in _of_kind(rows, "kind", "conversion")
    }
    canonical = {rd.code(r["analyte"]): rd.code(r["unit"]) for r in _of_kind(rows, "kind", "canonical")}
    allowed = rd.coded(_links(_of_kind(rows, "kind", "allowed"), "analyte", "unit"))
    return conversions, canonical, allowed


def _performance(rd: _Reader, ev: dict[str, Evidence]) -> dict[str, Performance]:
    """Each modality's figures before any modifier."""
    return {
        rd.code(r["modality"]): Performance(
            modality=rd.code(r["modality"]),
            sensitivity=float(r["sensitivity"] or 0),
            false_positive_rate=float(r["false_positive_rate"] or 0),
            evidence=ev[_s(r, "evidence")],
        )
        for r in rd.rows("performance")
    }


def _modifiers(rd: _Reader, ev: dict[str, Evidence]) -> tuple[Modifier, ...]:
    """Every performance modifier, in IRI order, with the modalities, sites and beds it is for."""
    scopes = _grouped(rd, "modifier-scopes", "kind", "modifier", "scope")
    out: list[Modifier] = []
    for r in rd.rows("modifiers"):
        e = _s(r, "modifier")
        out.append(
            Modifier(
                target=_s(r, "target"),
                value=ev[e].v,
                modalities=rd.codes(scopes["modality"].get(e, ())),
                sites=rd.codes(scopes["site"].get(e, ())),
                cause=rd.code(r["cause"]) if r["cause"] else None,
                appearance=rd.code(r["appearance"]) if r["appearance"] else None,
                evidence=ev[e],
                graft_beds=rd.codes(scopes["graft_bed"].get(e, ())),
            )
        )
    return tuple(out)


def _likelihood_ratios(rd: _Reader, ev: dict[str, Evidence]) -> dict[str, list[tuple[str, Evidence]]]:
    """Feature -> (cause, likelihood ratio), in evidence IRI order."""
    out: dict[str, list[tuple[str, Evidence]]] = defaultdict(list)
    for r in rd.rows("likelihood-ratios"):
        out[rd.code(r["feature"])].append((rd.code(r["cause"]), ev[_s(r, "evidence")]))
    return dict(out)


# ---------------------------------------------------------------- what the planner can do


def _procedures(
    rd: _Reader,
    classes: dict[str, frozenset[str]],
    labels: dict[str, str],
    ev: dict[str, Evidence],
    requires: Links,
) -> dict[str, Procedure]:
    """Every coded procedure with its sites, indications, adjuncts, risks and required tests."""
    links = _grouped(rd, "procedure-links", "link", "procedure", "target")
    procedures: dict[str, Procedure] = {}
    for r in rd.rows("procedures"):
        p = _s(r, "procedure")

        def codes(link: str, p: str = p) -> frozenset[str]:
            return rd.codes(links[link].get(p, ()))

        procedures[rd.code(p)] = Procedure(
            code=rd.code(p),
            iri=p,
            label=labels.get(p, rd.code(p)),
            classes=classes.get(p, frozenset()),
            invasiveness=int(float(r["invasiveness"])) if r["invasiveness"] is not None else 9,
            reaches=codes("reachesSite") | codes("preferredFor"),
            preferred=codes("preferredFor"),
            indicated=codes("indicatedFor"),
            contraindicated=codes("contraindicatedFor"),
            explores=codes("exploresSite"),
            removes=codes("removesTissueAt"),
            adjuncts=tuple(sorted(codes("usesAdjunct"))),
            risks=tuple(ev[x] for x in sorted(links["hasRisk"].get(p, ()))),
            requires=rd.codes(requires.get(p, ())),
            min_glands_in_situ=int(float(r["min_glands_in_situ"] or 0)),
            one_side=r["one_side"] == "true",
        )
    return procedures


def _gates(rd: _Reader, labels: dict[str, str]) -> dict[str, Gate]:
    """The gates by code, with their order and required tests."""
    rows = rd.rows("gates")
    tests = _links((r for r in rows if r["test"] is not None), "gate", "test")
    gates: dict[str, Gate] = {}
    for r in rows:
        g = _s(r, "gate")
        gates[rd.code(g)] = Gate(
            iri=g,
            label=labels.get(g, rd.code(g)),
            order=int(float(_s(r, "order") or 0)),
            tests=rd.codes(tests.get(g, ())),
        )
    return gates


def _statuses(rd: _Reader) -> dict[str, frozenset[str]]:
    """``seen``, ``gone`` and ``non_parathyroid``: the codes of each kind of status."""
    rows = rd.rows("statuses")
    return {
        k: rd.codes(_s(r, "status") for r in _of_kind(rows, "kind", k))
        for k in ("seen", "gone", "non_parathyroid")
    }


def _flags(rd: _Reader) -> dict[str, frozenset[str]]:
    """Flag (``prp:`` property) -> codes of the entities that carry it as true."""
    groups = _grouped(rd, "flags", "flag", "entity", "entity")
    return {flag: rd.codes(groups[flag]) for flag in _FLAGS.split()}


def read_knowledge(store: ReadOnlyStore, version: str) -> Knowledge:
    """Everything the planner reads, from the planner queries on ``store``.

    ``version`` names the release (the planner writes it into every plan).

    Examples
    --------
    >>> from kg.oxigraph_view import oxigraph_store
    >>> kn = read_knowledge(oxigraph_store(), "test")
    >>> kn.version, kn.sites["perrier_F"].lateralized, "ct_4d" in kn.performance
    ('test', True, True)
    >>> read_knowledge(oxigraph_store(), "test") == kn
    True
    """
    rd = _Reader(store)
    iris = _notations(rd)
    texts = _texts(rd)
    labels = texts["label"]
    classes = _classes(rd)
    ev = _evidence(rd)
    origin_iris, origin_path, usual = _origins(rd, labels)
    priors, cause_priors, status_weights = _priors(rd, ev)
    conversions, canonical, allowed = _units(rd, ev)
    rules = _grouped(rd, "rules", "rule", "subject", "object")
    meds = _grouped(rd, "medications", "effect", "medication", "analyte")
    flags = _flags(rd)
    statuses = _statuses(rd)
    return Knowledge(
        version=version,
        iris=iris,
        labels=labels,
        short_labels=texts["short_label"],
        definitions=texts["definition"],
        sites=_sites(rd, classes, labels),
        adjacency=rd.coded(_links(rd.rows("adjacency"), "site", "next_to")),
        positions=_positions(rd),
        origin_iris=origin_iris,
        origin_path=origin_path,
        usual_site=usual,
        priors=priors,
        cause_priors=cause_priors,
        status_weights=status_weights,
        site_factors={
            (rd.code(r["procedure"]), rd.code(r["site"])): ev[_s(r, "evidence")]
            for r in rd.rows("site-factors")
        },
        params={
            _s(r, "key"): ev[_s(r, "evidence")] for r in rd.rows("parameters") if _s(r, "evidence") in ev
        },
        conversions=conversions,
        canonical_unit=canonical,
        allowed_units=allowed,
        performance=_performance(rd, ev),
        modifiers=_modifiers(rd, ev),
        likelihood_ratios=_likelihood_ratios(rd, ev),
        procedures=_procedures(rd, classes, labels, ev, rules["requiresTest"]),
        veins=_veins(rd, classes, labels),
        gates=_gates(rd, labels),
        med_raises=rd.coded(meds["raises"]),
        med_lowers=rd.coded(meds["lowers"]),
        requires={k: rd.codes(v) for k, v in rules["requiresTest"].items()},
        dictating_causes=flags["dictatesApproach"],
        dictating_from_sources={
            rd.code(k): int(next(iter(v))) for k, v in rules["dictatesApproachFromSources"].items()
        },
        test_indications=rd.coded(rules["indicatedByFeature"]),
        tests_for=rd.coded(rules["testsFor"]),
        changes_operation=flags["changesOperation"],
        no_localization_for=rd.coded(rules["operableWithoutLocalizationFor"]),
        established_by=rd.coded(rules["establishedByFeature"]),
        every_gland_syndromes=flags["involvesEveryGland"],
        seen_statuses=statuses["seen"],
        gone_statuses=statuses["gone"],
        cause_requires=rd.coded(rules["requiresFeature"]),
        subsumed_by=rd.coded(rules["subsumedBy"]),
        stoppable=flags["stoppable"],
        family=rd.coded(rules["sameFamilyAs"]),
        ends_workup=flags["endsWorkUp"],
        proves_tissue=flags["provesTissue"],
        refuting_histology=statuses["non_parathyroid"],
        both_sides=flags["exploresBothSides"],
        adjunct_needs=rd.coded(rules["needsPositiveStudy"]),
        negative_study_features=rd.coded(rules["raisedByNegativeStudyOf"]),
        test_contraindications=_test_contraindications(rd, ev),
    )
