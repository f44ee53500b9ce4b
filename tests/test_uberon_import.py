"""The UBERON import (ontology/imports/uberon_import.ttl): UBERON's own labels and
definitions of every UBERON term ParaReop uses, from a dated release; ParaReop's own axioms
about those terms live in the bridge module, never as a second label or definition."""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path
from types import ModuleType

import pytest
from rdflib import RDFS, Graph, URIRef

from ontology.namespaces import OBO
from ontology.paths import SRC_DIR
from ontology.sources import import_files, load_sources

IMPORTS = SRC_DIR.parent / "imports"
IMPORT_TTL = IMPORTS / "uberon_import.ttl"
DEFINITION = OBO["IAO_0000115"]
IMPORTED_FROM = OBO["IAO_0000412"]
RELEASE = URIRef("http://purl.obolibrary.org/obo/uberon/releases/2026-04-01/uberon.owl")
UBERON = str(OBO) + "UBERON_"
#: The two terms UBERON v2026-04-01 leaves undefined: the bridge gives ParaReop's definition.
UNDEFINED_IN_RELEASE = {OBO["UBERON_0006749"], OBO["UBERON_0006755"]}


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_uberon_import", IMPORTS / "make_uberon_import.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def imported() -> Graph:
    g = Graph()
    g.parse(IMPORT_TTL, format="turtle")
    return g


def _uberon_used_in_modules() -> set[URIRef]:
    used: set[URIRef] = set()
    for path in sorted(SRC_DIR.glob("*.ttl")):
        text = path.read_text(encoding="utf-8")
        used |= {OBO[f"UBERON_{n}"] for n in re.findall(r"obo:UBERON_(\d{7})", text)}
    return used


def test_the_build_merges_the_import() -> None:
    assert IMPORT_TTL in import_files(SRC_DIR)


def test_every_uberon_term_used_is_imported_from_the_dated_release(imported: Graph) -> None:
    used = _uberon_used_in_modules()
    assert used, "the modules use no UBERON term?"
    seed = {OBO["UBERON_" + c.split(":")[1]] for c in _script().read_seed()}
    assert used <= seed, f"not in uberon_terms.txt: {sorted(used - seed)}"
    for term in sorted(seed):
        assert imported.value(term, RDFS.label) is not None, f"{term} has no UBERON label in the import"
        assert imported.value(term, IMPORTED_FROM) == RELEASE


def test_modules_give_uberon_terms_no_label_and_no_second_definition(imported: Graph) -> None:
    for path in sorted(SRC_DIR.glob("*.ttl")):
        g = Graph()
        g.parse(path, format="turtle")
        for s, p, _ in g:
            if isinstance(s, URIRef) and str(s).startswith(UBERON):
                assert p != RDFS.label, f"{path.name}: a local label on {s} (labels come from UBERON)"
                if p == DEFINITION:
                    assert s in UNDEFINED_IN_RELEASE, f"{path.name}: a local definition on {s}"
                    assert imported.value(s, DEFINITION) is None, f"{s} would have two definitions"


def test_merged_uberon_terms_have_one_label_and_one_definition() -> None:
    g = load_sources(SRC_DIR).graph
    terms = {s for s in g.subjects() if isinstance(s, URIRef) and str(s).startswith(UBERON)}
    for term in sorted(terms):
        assert len(list(g.objects(term, RDFS.label))) == 1, term
        assert len(list(g.objects(term, DEFINITION))) == 1, term


def test_render_refuses_unknown_and_deprecated_ids() -> None:
    script = _script()
    terms = {
        "UBERON:0000001": {"label": "kept", "description": "A term."},
        "UBERON:0000002": {"label": "old", "deprecated": True},
    }
    text = script.render("v2000-01-01", terms, ["UBERON:0000001"])
    assert 'obo:UBERON_0000001 a owl:Class ;\n    rdfs:label "kept"@en ;' in text
    assert "<http://purl.obolibrary.org/obo/uberon/releases/2000-01-01/uberon.owl>" in text
    with pytest.raises(SystemExit, match="UBERON:0000003 is not in UBERON"):
        script.render("v2000-01-01", terms, ["UBERON:0000003"])
    with pytest.raises(SystemExit, match="deprecated"):
        script.render("v2000-01-01", terms, ["UBERON:0000002"])


WHEEL = os.environ.get("PARAREOP_CXG_WHEEL", "")


@pytest.mark.skipif(not Path(WHEEL).is_file(), reason="set PARAREOP_CXG_WHEEL to the pinned wheel")
def test_checked_in_import_is_what_the_script_makes_from_the_pinned_release() -> None:
    assert _script().main(["--wheel", WHEEL, "--check"]) == 0
