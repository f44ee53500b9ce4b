"""The planner's view of the graph (kg.planner_view) against the graph itself.

The graph side of each check is read with rdflib triple patterns, not with the planner's
SPARQL files, so a query that silently drops rows (a misspelt property, a join that needs a
missing triple) fails here instead of changing a plan.
"""

from __future__ import annotations

import dataclasses
import re

import pytest
from rdflib import Literal, Namespace, URIRef
from rdflib.namespace import RDF, SKOS

from kg.errors import KgError, KnowledgeError
from kg.knowledge import Gate, Knowledge, knowledge
from kg.knowledge_model import Evidence
from kg.named_queries import named_queries, parse_named_query
from kg.oxigraph_view import oxigraph_store
from kg.paths import PLANNER_QUERIES_DIR
from kg.planner_view import _Reader, planner_queries, read_knowledge
from kg.rdflib_view import rdflib_graph
from kg.sparql import EmbeddedBackend, RdflibBackend
from ontology.errors import ParaReopError

PRP = Namespace("https://w3id.org/parareop/")
FILES = sorted(PLANNER_QUERIES_DIR.glob("*.rq"))


@pytest.fixture(scope="module")
def kn() -> Knowledge:
    return knowledge()


def _code(graph: object, node: object) -> str:
    """The notation of a node (as the view keys it), read with rdflib."""
    notation = graph.value(node, SKOS.notation)  # type: ignore[attr-defined]
    return str(notation) if notation is not None else str(node).removeprefix(str(PRP))


# ---------------------------------------------------------------- the files


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_each_planner_query_parses_has_a_header_and_returns_rows(path) -> None:  # type: ignore[no-untyped-def]
    query = parse_named_query(path)
    assert query.name == path.stem
    assert query.question.endswith("?") and len(query.question) > 40
    assert query.columns
    assert re.search(r"^# example:", query.text, re.MULTILINE)
    assert not query.parameters and not query.example  # the planner binds nothing
    result = oxigraph_store().select(query.text)
    declared = [v.value for v in result.variables]
    assert declared and all(col in query.columns for col in declared)
    assert len(list(result)) > 0


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_rdflib_gives_the_same_rows(path) -> None:  # type: ignore[no-untyped-def]
    """Plain SPARQL 1.1: another engine reads the same planner view (numbers compared by value)."""
    text = path.read_text(encoding="utf-8")
    ours, theirs = EmbeddedBackend().run(text), RdflibBackend().run(text)
    assert ours.variables == theirs.variables
    assert sorted(map(repr, ours.canonical())) == sorted(map(repr, theirs.canonical()))


def test_the_view_reads_every_planner_query_and_no_other(monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[str] = []
    rows = _Reader.rows

    def recording(self: _Reader, name: str) -> list[dict[str, str | None]]:
        read.append(name)
        return rows(self, name)

    monkeypatch.setattr(_Reader, "rows", recording)
    read_knowledge(oxigraph_store(), "test")
    assert sorted(set(read)) == sorted(p.stem for p in FILES) == sorted(planner_queries())


def test_an_unknown_planner_query_is_a_knowledge_error() -> None:
    with pytest.raises(KnowledgeError, match="no planner query 'nope'"):
        _Reader(oxigraph_store()).rows("nope")


def test_planner_queries_are_not_named_queries() -> None:
    """A deliberate split: ``parareop sparql --list``, the server cache and the protocol tests
    cover the competency questions; the planner's read-set is run by file."""
    assert set(planner_queries()).isdisjoint(named_queries())


# ---------------------------------------------------------------- the view against the graph


def test_every_modality_performance_is_in_the_view_with_its_figures(kn: Knowledge) -> None:
    g = rdflib_graph()
    nodes = list(g.subjects(RDF.type, PRP.ModalityPerformance))
    assert len(nodes) >= 8
    for node in nodes:
        modality = _code(g, g.value(node, PRP.forModality))
        perf = kn.performance[modality]
        assert perf.evidence.iri == str(node)
        assert perf.sensitivity == pytest.approx(float(g.value(node, PRP.sensitivity)))
        assert perf.false_positive_rate == pytest.approx(float(g.value(node, PRP.falsePositiveRate)))
        assert perf.evidence.source == str(g.value(node, PRP.source))
    assert len(kn.performance) == len({g.value(n, PRP.forModality) for n in nodes})


def test_every_modifier_is_read_with_its_scope(kn: Knowledge) -> None:
    g = rdflib_graph()
    nodes = sorted(g.subjects(RDF.type, PRP.PerformanceModifier))
    by_iri = {m.evidence.iri: m for m in kn.modifiers}
    assert [m.evidence.iri for m in kn.modifiers] == sorted(by_iri)  # IRI order, as the planner reads them
    assert set(by_iri) == {str(n) for n in nodes}
    for node in nodes:
        m = by_iri[str(node)]
        assert m.target == str(g.value(node, PRP.modifies))
        assert m.value == pytest.approx(float(g.value(node, PRP.value)))
        assert m.modalities == {_code(g, x) for x in g.objects(node, PRP.forModality)}
        assert m.sites == {_code(g, x) for x in g.objects(node, PRP.forSite)}
        assert m.graft_beds == {_code(g, x) for x in g.objects(node, PRP.forGraftBed)}
        cause = g.value(node, PRP.forCause)
        assert m.cause == (_code(g, cause) if cause is not None else None)


def test_known_modifiers_keep_their_cause_sites_and_beds(kn: Knowledge) -> None:
    by_name = {m.evidence.iri.rsplit("/", 1)[1]: m for m in kn.modifiers}
    graft = by_name["modifier_neck_studies_graft"]
    assert graft.sites == {"autograft"} and graft.graft_beds == {"forearm", "other"}
    assert graft.target == "visibility" and "ultrasound" in graft.modalities
    hyperplasia = by_name["modifier_mibi_hyperplasia"]
    assert hyperplasia.cause == "multiglandular_disease" and not hyperplasia.sites
    assert kn.modifiers_for("sensitivity", "ultrasound") == [by_name["modifier_us_posterior"]]


def test_sites_veins_and_procedures_match_the_graph(kn: Knowledge) -> None:
    g = rdflib_graph()
    sites = {_code(g, s) for s in g.subjects(SKOS.inScheme, PRP.scheme_sites)}
    assert set(kn.sites) == sites
    assert not kn.sites["anterior_mediastinum"].lateralized and kn.sites["perrier_F"].lateralized
    for vein in kn.veins.values():
        assert vein.drains == {_code(g, s) for s in g.objects(URIRef(vein.iri), PRP.drainsSite)}
    for proc in kn.procedures.values():
        assert proc.preferred <= proc.reaches
        assert proc.requires == {_code(g, t) for t in g.objects(URIRef(proc.iri), PRP.requiresTest)}
        assert list(proc.adjuncts) == sorted(proc.adjuncts)
    assert any(p.is_operation for p in kn.procedures.values())
    assert any(p.one_side for p in kn.procedures.values())
    stoppable = {_code(g, x) for x in g.subjects(PRP.stoppable, Literal(True))}
    assert kn.stoppable == stoppable and stoppable


def test_adjacency_is_symmetric_and_family_both_ways(kn: Knowledge) -> None:
    for site, near in kn.adjacency.items():
        for other in near:
            assert site in kn.adjacency[other]
    for modality, kin in kn.family.items():
        for other in kin:
            assert modality in kn.family[other]


def test_gates_are_named_and_still_read_by_position(kn: Knowledge) -> None:
    gate = kn.gates["localization"]
    assert isinstance(gate, Gate)
    assert (gate[0], gate[1], gate[2]) == (gate.iri, gate.label, gate.order)
    assert [kn.gates[g].order for g in kn.gate_order()] == sorted(g.order for g in kn.gates.values())
    assert gate.tests == kn.requires.get(gate.iri, frozenset())


# ---------------------------------------------------------------- the records


def test_the_view_built_twice_from_one_release_is_equal(kn: Knowledge) -> None:
    again = read_knowledge(oxigraph_store(), kn.version)
    assert again == kn and again is not kn
    ultrasound = dataclasses.replace(kn.performance["ultrasound"], sensitivity=0.01)
    assert dataclasses.replace(kn, performance={**kn.performance, "ultrasound": ultrasound}) != kn


def test_records_are_frozen_and_keyword_only(kn: Knowledge) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        kn.version = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Evidence("urn:x", "x")  # type: ignore[misc]
    with pytest.raises(TypeError):
        Knowledge(*(getattr(kn, f.name) for f in dataclasses.fields(Knowledge)))  # type: ignore[misc]
    assert Knowledge(**{f.name: getattr(kn, f.name) for f in dataclasses.fields(Knowledge)}) == kn


def test_a_missing_parameter_is_a_project_error(kn: Knowledge) -> None:
    assert issubclass(KnowledgeError, KgError) and issubclass(KnowledgeError, ParaReopError)
    with pytest.raises(KnowledgeError, match="no parameter 'nope'"):
        kn.param("nope")
    with pytest.raises(KnowledgeError, match="has no value"):
        _ = Evidence(iri="urn:x", label="x").v
