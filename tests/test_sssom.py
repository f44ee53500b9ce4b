"""The mapping set ontology/mappings.sssom.tsv is valid SSSOM, checked by sssom-py and by
ParaReop's own reader: the metadata a reuser needs (id, version tied to the ontology release,
date, creator, licence), bioregistry's prefixes, a justification on every row, no self-map.
A planted bad file fails."""

from __future__ import annotations

import csv
import functools
import json
import logging
import shutil
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ontology.build import build
from ontology.namespaces import SSSOM_PREFIXES
from ontology.paths import MAPPINGS_FILE, ONTOLOGY_DIR
from ontology.sssom import read_mapping_set
from ontology.versioning import read_releases, releases_bytes
from tests.conftest import MINI_CONTEXT, MINI_TTL

with warnings.catch_warnings():  # linkml and pandas warn about their own deprecations at import
    warnings.simplefilter("ignore")
    import yaml
    from linkml.validator import Validator
    from linkml.validator.plugins import JsonschemaValidationPlugin
    from sssom.constants import EXTENDED_PREFIX_MAP, SCHEMA_YAML, SchemaValidationType
    from sssom.parsers import parse_sssom_table
    from sssom.validators import validate

#: sssom-py 0.4.21 calls pandas in ways pandas 3.1 deprecates; that is theirs to fix, not a finding
pytestmark = pytest.mark.filterwarnings("ignore:::sssom")

TEXT = MAPPINGS_FILE.read_text(encoding="utf-8")
PMH_MONDO = "prp:PrimaryHyperparathyroidism\tprimary hyperparathyroidism\tskos:exactMatch\tMONDO:0010837"


@pytest.fixture(scope="module")
def schema_validator() -> Validator:
    """The SSSOM schema (as sssom-py ships it) as a closed JSON Schema: unknown slots fail too."""
    return Validator(schema=str(SCHEMA_YAML), validation_plugins=[JsonschemaValidationPlugin(closed=True)])


@functools.cache
def bioregistry() -> dict[str, str]:
    """Prefix -> URI prefix, and each synonym -> its preferred prefix's ``"= <prefix>"``, from the
    extended prefix map of bioregistry that sssom-py ships (``sssom/obo.epm.json``; read as
    JSON: sssom-py's own converter takes some 17 s to build from it)."""
    out: dict[str, str] = {}
    for record in json.loads(Path(EXTENDED_PREFIX_MAP).read_text(encoding="utf-8")):
        out[record["prefix"]] = record["uri_prefix"]
        for synonym in record.get("prefix_synonyms", []):
            out.setdefault(synonym, f"= {record['prefix']}")
    return out


def _as_written(path: Path) -> dict[str, Any]:
    """The file as an SSSOM mapping set document, without the defaults sssom-py's parser adds
    (it invents a licence and an id when they are missing)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    meta = yaml.safe_load("\n".join(line[1:] for line in lines if line.startswith("#"))) or {}
    body = [line for line in lines if line and not line.startswith("#")]
    rows = [{k: v for k, v in row.items() if v} for row in csv.DictReader(body, delimiter="\t")]
    return {**meta, "mappings": rows}


def sssom_py_problems(path: Path, schema_validator: Validator) -> list[str]:
    """What sssom-py and the SSSOM schema find wrong with ``path``, and every prefix that is
    not spelt or expanded as in bioregistry's prefix map (sssom-py's bundled copy)."""
    problems = [r.message for r in schema_validator.validate(_as_written(path), "mapping set").results]
    logging.disable(logging.ERROR)  # sssom-py logs each missing prefix before raising
    try:
        msdf = parse_sssom_table(path)
        checks = [
            SchemaValidationType.JsonSchema,
            SchemaValidationType.PrefixMapCompleteness,
            SchemaValidationType.StrictCurieFormat,
        ]
        validate(msdf, checks, fail_on_error=True)
    except Exception as exc:  # noqa: BLE001 - sssom-py raises jsonschema, pandas or its own errors
        problems.append(f"sssom-py: {exc}")
    finally:
        logging.disable(logging.NOTSET)
    declared = _as_written(path).get("curie_map") or {}
    for prefix, iri in declared.items():
        if prefix != "prp" and bioregistry().get(prefix) != iri:
            problems.append(f"{prefix}: {iri} is not bioregistry's ({bioregistry().get(prefix, 'unknown')})")
    return problems


def test_repository_set_passes_sssom_py_and_the_schema(schema_validator: Validator) -> None:
    assert sssom_py_problems(MAPPINGS_FILE, schema_validator) == []
    assert read_mapping_set(MAPPINGS_FILE).problems == ()


def test_our_prefix_table_is_bioregistry_s() -> None:
    for prefix, iri in SSSOM_PREFIXES.items():
        if prefix != "prp":
            assert bioregistry().get(prefix) == iri, prefix
    assert bioregistry()["LOINC"] == "= loinc"  # bioregistry's preferred spelling is loinc


def test_metadata_says_which_release_when_who_and_licence() -> None:
    table = read_mapping_set(MAPPINGS_FILE)
    meta = table.metadata
    assert table.version() == read_releases(ONTOLOGY_DIR / "releases.tsv")[-1]
    assert meta["mapping_set_id"] == "https://w3id.org/parareop/mappings.sssom.tsv"
    assert isinstance(meta["mapping_date"], str) and meta["mapping_date"] <= str(table.version())
    assert meta["creator_id"] == ("prp:project",) and meta["creator_label"] == ("ParaReop project",)
    # the same licence as the ontology's header
    assert meta["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert (
        "<https://creativecommons.org/licenses/by/4.0/>" in (ONTOLOGY_DIR / "src" / "00-core.ttl").read_text()
    )


def test_our_reader_reads_the_metadata_as_yaml_does() -> None:
    as_yaml = _as_written(MAPPINGS_FILE)
    ours = read_mapping_set(MAPPINGS_FILE).metadata
    assert {k: tuple(v) if isinstance(v, list) else v for k, v in as_yaml.items() if k != "mappings"} == ours


def test_no_uberon_self_maps_left() -> None:
    table = read_mapping_set(MAPPINGS_FILE)
    assert table.rows and all(r.subject != r.object for r in table.rows)
    assert not any("UBERON" in r.object for r in table.rows), "UBERON terms are imported, not mapped"
    assert set(table.curie_map) == {"HP", "MONDO", "loinc", "prp", "semapv", "skos"}


def _drop_line(start: str) -> Callable[[str], str]:
    return lambda text: "\n".join(ln for ln in text.splitlines() if not ln.startswith(start)) + "\n"


#: name -> (how the repository's file is spoilt, what ParaReop's reader says, caught by sssom-py too)
PLANTS: dict[str, tuple[Callable[[str], str], str, bool]] = {
    "self-map": (
        lambda t: t.replace(
            PMH_MONDO, "MONDO:0010837\tprimary hyperparathyroidism\tskos:exactMatch\tMONDO:0010837"
        ),
        "MONDO:0010837 is mapped to itself",
        False,
    ),
    "no licence": (_drop_line("# license:"), "the metadata needs license", True),
    "no mapping set id": (_drop_line("# mapping_set_id:"), "the metadata needs mapping_set_id", True),
    "no version": (_drop_line("# mapping_set_version:"), "the metadata needs mapping_set_version", False),
    "no date": (_drop_line("# mapping_date:"), "the metadata needs mapping_date", False),
    "undeclared prefix": (
        lambda t: t.replace("\tMONDO:0010837\t", "\tNOPE:0010837\t"),
        "object_id 'NOPE:0010837' is not a CURIE with a prefix of the curie_map",
        True,
    ),
    "LOINC spelt differently": (
        lambda t: t.replace("#   loinc: http://loinc.org/rdf/", "#   LOINC: https://loinc.org/").replace(
            "\tloinc:", "\tLOINC:"
        ),
        "unknown prefix 'LOINC' in curie_map",
        True,
    ),
    "unused prefix": (
        lambda t: t.replace(
            "# curie_map:\n", "# curie_map:\n#   NCIT: http://purl.obolibrary.org/obo/NCIT_\n"
        ),
        "prefix NCIT is declared in curie_map but never used",
        False,
    ),
    "no justification": (
        lambda t: t.replace(
            PMH_MONDO + "\tprimary hyperparathyroidism\tsemapv:ManualMappingCuration",
            PMH_MONDO + "\tprimary hyperparathyroidism\t",
        ),
        "mapping_justification '' is not a CURIE",
        True,
    ),
}


@pytest.mark.parametrize("name", sorted(PLANTS))
def test_a_planted_bad_file_fails(tmp_path: Path, name: str, schema_validator: Validator) -> None:
    spoil, message, sssom_py_sees_it = PLANTS[name]
    path = tmp_path / "mappings.sssom.tsv"
    path.write_text(spoil(TEXT), encoding="utf-8")
    assert path.read_text(encoding="utf-8") != TEXT, "the plant changed nothing"
    problems = read_mapping_set(path).problems
    assert any(message in p.message for p in problems), [p.message for p in problems]
    assert all(p.level == "ERROR" for p in problems)
    if sssom_py_sees_it:
        assert sssom_py_problems(path, schema_validator), f"sssom-py accepts the planted {name}"


def test_a_release_stamps_its_version_on_the_mapping_set(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    shutil.copyfile(MINI_TTL, src / "mini.ttl")
    (tmp_path / "releases.tsv").write_bytes(releases_bytes(["2026-01-05"]))
    beside = tmp_path / "mappings.sssom.tsv"
    shutil.copyfile(MINI_CONTEXT.mappings, beside)
    before = beside.read_text(encoding="utf-8")
    build(src, tmp_path / "out", context=MINI_CONTEXT)  # a plain build records nothing
    assert beside.read_text(encoding="utf-8") == before
    build(src, tmp_path / "out", context=MINI_CONTEXT, release="2026-02-01")
    stamped = read_mapping_set(beside)
    assert stamped.version() == "2026-02-01" and stamped.problems == ()
    assert beside.read_text(encoding="utf-8") == before.replace(
        'mapping_set_version: "2026-01-05"', 'mapping_set_version: "2026-02-01"'
    )
