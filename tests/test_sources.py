"""Reading and merging the Turtle modules."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import URIRef

from ontology.errors import OntologyBuildError
from ontology.namespaces import PRP
from ontology.sources import load_sources, parse_module

TTL = """@prefix prp: <https://w3id.org/parareop/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

prp:a a prp:B ;
    rdfs:label "a"@en .
<https://w3id.org/parareop/c> a prp:B .
"""


def test_modules_are_merged_in_name_order(tmp_path: Path) -> None:
    (tmp_path / "20-second.ttl").write_text(TTL.replace("prp:a", "prp:z"))
    (tmp_path / "10-first.ttl").write_text(TTL)
    source = load_sources(tmp_path)
    assert [m.path.name for m in source.modules] == ["10-first.ttl", "20-second.ttl"]
    assert (PRP.a, None, None) in source.graph and (PRP.z, None, None) in source.graph
    assert source.prefixes()["prp"] == str(PRP)


def test_line_of_finds_prefixed_and_full_iris(tmp_path: Path) -> None:
    (tmp_path / "m.ttl").write_text(TTL)
    module = parse_module(tmp_path / "m.ttl")
    assert module.line_of(PRP.a) == 4
    assert module.line_of(PRP.c) == 6
    assert module.line_of(URIRef("https://w3id.org/parareop/absent")) is None
    assert module.where(PRP.a).endswith("m.ttl:4")


def test_syntax_error_is_one_line_with_file_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "bad.ttl").write_text(TTL + 'prp:d a prp:B ;\n  rdfs:label "open .\n')
    with pytest.raises(OntologyBuildError) as caught:
        parse_module(tmp_path / "bad.ttl")
    message = str(caught.value)
    assert "bad.ttl:8:" in message and "Turtle syntax error" in message and "\n" not in message


def test_unbound_prefix_is_a_syntax_error(tmp_path: Path) -> None:
    (tmp_path / "bad.ttl").write_text("prp:a a prp:B .\n")
    with pytest.raises(OntologyBuildError, match=r"bad\.ttl:1:.*prp"):
        parse_module(tmp_path / "bad.ttl")


def test_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(OntologyBuildError, match="not found"):
        load_sources(tmp_path / "nowhere")
