"""Deterministic serialization and the all-or-nothing write of the release."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph

from ontology.errors import ParaReopError
from ontology.release import canonical, load_graph, same_graph, to_ntriples, to_rdfxml, write_atomically

TTL = """@prefix ex: <http://example.org/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:A a owl:Class ; rdfs:label "A"@en, "A"@fr ; ex:n 3 .
ex:B a owl:Class ; rdfs:subClassOf [ a owl:Restriction ; owl:onProperty ex:p ; owl:someValuesFrom ex:A ] .
[] a owl:AllDisjointClasses ; owl:members ( ex:A ex:B ex:C ) .
"""


def _parsed() -> Graph:
    """A fresh parse: new, random blank-node labels each time."""
    return Graph().parse(data=TTL, format="turtle")


def test_ntriples_are_sorted_and_independent_of_blank_node_labels() -> None:
    first, second = to_ntriples(canonical(_parsed())), to_ntriples(canonical(_parsed()))
    assert first == second
    lines = first.decode().splitlines()
    assert lines == sorted(lines) and len(lines) == len(_parsed())


def test_rdfxml_is_stable_and_round_trips(tmp_path: Path) -> None:
    first = to_rdfxml(canonical(_parsed()), {"ex": "http://example.org/"})
    assert first == to_rdfxml(canonical(_parsed()), {"ex": "http://example.org/"})
    assert b'xmlns:ex="http://example.org/"' in first
    (tmp_path / "x.owl").write_bytes(first)
    assert same_graph(load_graph(tmp_path / "x.owl"), _parsed())


def test_write_atomically_writes_all_files(tmp_path: Path) -> None:
    write_atomically({tmp_path / "a": b"1", tmp_path / "sub" / "b": b"2"})
    assert (tmp_path / "a").read_bytes() == b"1" and (tmp_path / "sub" / "b").read_bytes() == b"2"


def test_write_atomically_restores_everything_when_one_file_fails(tmp_path: Path) -> None:
    (tmp_path / "a.owl").write_bytes(b"old owl")
    (tmp_path / "b.nt").mkdir()  # a directory where a file must go: the rename fails
    with pytest.raises(ParaReopError, match="cannot write the release"):
        write_atomically({tmp_path / "a.owl": b"new owl", tmp_path / "b.nt": b"new nt"})
    assert (tmp_path / "a.owl").read_bytes() == b"old owl"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.owl", "b.nt"]


def test_load_graph_names_a_missing_release(tmp_path: Path) -> None:
    with pytest.raises(ParaReopError, match="ontology build"):
        load_graph(tmp_path / "parareop.nt")


def test_serialization_does_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    (tmp_path / "in.ttl").write_text(TTL)
    code = (
        "import sys; from pathlib import Path; from rdflib import Graph;"
        "from ontology.release import canonical, to_ntriples, to_rdfxml;"
        "g = canonical(Graph().parse(sys.argv[1], format='turtle'));"
        "sys.stdout.buffer.write(to_ntriples(g) + to_rdfxml(g, {}))"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code, str(tmp_path / "in.ttl")],
            capture_output=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1
