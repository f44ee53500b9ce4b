"""Shared fixtures: the mini check fixture, a copy of the real source folder, and one
fresh build of the real source (session-scoped: HermiT runs once for all tests that only
read the result)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph
import pytest

from ontology.build import BuildResult, build
from ontology.checks import CheckContext
from ontology.paths import SRC_DIR
from ontology.store import open_store

FIXTURES = Path(__file__).parent / "fixtures"
CHECK_FIXTURES = FIXTURES / "checks"
MINI_TTL = CHECK_FIXTURES / "mini.ttl"
MINI_CONTEXT = CheckContext(
    vocabulary=CHECK_FIXTURES / "mini-vocabulary.json",
    mappings=CHECK_FIXTURES / "mini-mappings.sssom.tsv",
)


def mini_store(*extra: Path) -> pyoxigraph.Store:
    """The mini fixture (plus any extra Turtle files) in a pyoxigraph store."""
    return open_store(MINI_TTL, *extra)


@pytest.fixture
def src_copy(tmp_path: Path) -> Path:
    """A private copy of the real ``ontology/src`` that a test may break."""
    target = tmp_path / "src"
    shutil.copytree(SRC_DIR, target)
    if (SRC_DIR.parent / "imports").is_dir():  # the generated imports, merged with the modules
        shutil.copytree(SRC_DIR.parent / "imports", tmp_path / "imports")
    return target


@pytest.fixture(scope="session")
def fresh_build(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The real source built (reasoned, checks skipped) into a temporary folder."""
    return build(SRC_DIR, tmp_path_factory.mktemp("fresh-build"), quality_checks=False)


@pytest.fixture(scope="module")
def service() -> Iterator[str]:
    """The CDS Hooks service as a real process on a free port of 127.0.0.1; yields its base URL
    (shared by the CDS test modules; a module that starts it with options defines its own)."""
    from tests.test_cds_hooks import _start, _stop

    proc, base = _start()
    try:
        yield base
    finally:
        _stop(proc)
