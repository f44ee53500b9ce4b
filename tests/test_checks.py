"""Each quality check catches a violation planted in the mini fixture; the mini fixture
and the real release pass."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ontology.build import BuildResult
from ontology.checks import CheckContext, check_names, load_checks, parse_check, run_checks
from ontology.errors import CheckSetupError
from ontology.namespaces import OBO, PRP
from ontology.store import open_store
from ontology.violations import Level, Violation
from tests.conftest import CHECK_FIXTURES, MINI_CONTEXT, mini_store

PLANTS = sorted((CHECK_FIXTURES / "plants").glob("*.ttl"))


def _planted_entity(plant: Path) -> str:
    match = re.search(r"^# plants: (\w+):(\S+)", plant.read_text(encoding="utf-8"), re.MULTILINE)
    assert match, f"{plant} needs a '# plants: prefix:name' header"
    return {"prp": str(PRP), "obo": str(OBO)}[match.group(1)] + match.group(2)


def test_mini_fixture_passes_every_check() -> None:
    run = run_checks(mini_store(), MINI_CONTEXT)
    assert run.violations == []
    assert run.checks_run == len(check_names())


def test_every_check_has_a_planted_violation() -> None:
    assert sorted(p.stem for p in PLANTS) == check_names()


@pytest.mark.parametrize("plant", PLANTS, ids=lambda p: p.stem)
def test_check_catches_its_planted_violation(plant: Path) -> None:
    run = run_checks(mini_store(plant), MINI_CONTEXT)
    caught = {v.entity for v in run.violations if v.check == plant.stem}
    assert _planted_entity(plant) in caught, f"{plant.stem} did not report {_planted_entity(plant)}"


def test_check_headers_give_level_and_description() -> None:
    for check in load_checks():
        assert check.level in (Level.ERROR, Level.WARN)
        assert len(check.description) > 20


def test_check_without_level_is_a_setup_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.rq"
    bad.write_text("# checks: something\nSELECT ?entity WHERE { ?entity ?p ?o }\n", encoding="utf-8")
    with pytest.raises(CheckSetupError, match="level"):
        parse_check(bad)


def test_query_without_entity_column_is_a_setup_error(tmp_path: Path) -> None:
    (tmp_path / "bad.rq").write_text(
        "# level: ERROR\n# checks: a query that forgets ?entity\nSELECT ?s WHERE { ?s ?p ?o } LIMIT 1\n",
        encoding="utf-8",
    )
    with pytest.raises(CheckSetupError, match=r"\?entity"):
        run_checks(mini_store(), MINI_CONTEXT, checks_dir=tmp_path)


@pytest.fixture(scope="module")
def release_errors(fresh_build: BuildResult) -> list[Violation]:
    """The ERROR-level violations of a fresh build of the real source (checked once)."""
    run = run_checks(open_store(fresh_build.nt_path), CheckContext.default())
    return [v for v in run.violations if v.level is Level.ERROR]


@pytest.mark.parametrize("check", check_names())
def test_real_release_passes_error_level_check(release_errors: list[Violation], check: str) -> None:
    errors = [v for v in release_errors if v.check == check]
    assert errors == [], "\n".join(v.line() for v in errors)
