"""Dangling IRIs and unsupported datatypes, caught before the reasoner."""

from __future__ import annotations

from pathlib import Path

import pytest

from ontology.errors import OntologyBuildError
from ontology.lint import check_dangling, check_datatypes, dangling_iris
from ontology.namespaces import PRP
from ontology.sources import load_sources

HEAD = "@prefix prp: <https://w3id.org/parareop/> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"


def test_declared_iris_are_not_dangling(tmp_path: Path) -> None:
    (tmp_path / "a.ttl").write_text(HEAD + "prp:x a prp:C .\nprp:C a prp:Meta .\nprp:Meta a prp:Meta .\n")
    assert dangling_iris(load_sources(tmp_path)) == []


def test_dangling_iri_is_reported_with_each_using_file(tmp_path: Path) -> None:
    (tmp_path / "a.ttl").write_text(HEAD + "prp:C a prp:C .\nprp:x a prp:C ;\n  prp:C prp:typo .\n")
    (tmp_path / "b.ttl").write_text(HEAD + "prp:C a prp:C .\n\nprp:typo prp:C prp:C .\n")
    source = load_sources(tmp_path)
    assert dangling_iris(source) == [PRP.typo]
    with pytest.raises(OntologyBuildError) as caught:
        check_dangling(source)
    message = str(caught.value)
    assert "prp:typo" in message and "a.ttl:5" in message and "b.ttl:5" in message


def test_xsd_date_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.ttl").write_text(HEAD + 'prp:x a prp:C ;\n  prp:when "2020-01-01"^^xsd:date .\n')
    with pytest.raises(OntologyBuildError, match=r"a\.ttl:3.*xsd:date"):
        check_datatypes(load_sources(tmp_path))


def test_xsd_datetime_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "a.ttl").write_text(HEAD + 'prp:x a prp:C ; prp:when "2020-01-01T00:00:00"^^xsd:dateTime .\n')
    check_datatypes(load_sources(tmp_path))
