"""Run the ontology's quality checks (in the manner of ROBOT ``verify`` / ``report``).

Each ``checks/*.rq`` file is a SPARQL SELECT that must return no rows; every row is a
violation. Its header comment says what it checks and at which level::

    # level: ERROR
    # checks: every class, property and named individual has an English rdfs:label

A query returns ``?entity`` and, optionally, ``?message``. Checks that need data outside
the graph (the contract's vocabulary, the mapping table) are Python functions listed in
``PYTHON_CHECKS``. Adding a check means adding a ``.rq`` file (and a planted violation
under ``tests/fixtures/checks/``), nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph

from ontology import mappings, vocabulary
from ontology.errors import CheckSetupError
from ontology.paths import CHECKS_DIR, MAPPINGS_FILE, vocabulary_file
from ontology.store import select
from ontology.violations import Level, Violation, sort_key

_HEADER = re.compile(r"^#\s*(level|checks)\s*:\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class CheckContext:
    """The files outside the graph that some checks compare it with."""

    vocabulary: Path
    mappings: Path

    @classmethod
    def default(cls) -> CheckContext:
        """The contract's vocabulary and the repository's mapping table."""
        return cls(vocabulary=vocabulary_file(), mappings=MAPPINGS_FILE)


@dataclass(frozen=True)
class SparqlCheck:
    """One ``.rq`` check: its name (the file stem), level, description and query text."""

    name: str
    level: Level
    description: str
    query: str

    def run(self, store: pyoxigraph.Store) -> list[Violation]:
        """The violations this check finds in ``store`` (one per distinct row)."""
        try:
            rows = select(store, self.query)
        except (SyntaxError, OSError, ValueError) as exc:
            raise CheckSetupError(f"check {self.name}: the query failed: {exc}") from None
        found = set()
        for row in rows:
            if "entity" not in row:
                raise CheckSetupError(f"check {self.name}: a row has no ?entity: {row}")
            found.add(Violation(self.level, self.name, row["entity"], row.get("message", self.description)))
        return sorted(found, key=sort_key)


def parse_check(path: Path) -> SparqlCheck:
    """Read one ``.rq`` file and its ``# level:`` / ``# checks:`` header.

    Raises:
        CheckSetupError: the header lacks a valid level or a description.
    """
    text = path.read_text(encoding="utf-8")
    header = {key.lower(): value for key, value in _HEADER.findall(text)}
    level = header.get("level", "").upper()
    if level not in Level.__members__:
        raise CheckSetupError(f"{path}: the header needs '# level: ERROR' or '# level: WARN'")
    if "checks" not in header:
        raise CheckSetupError(f"{path}: the header needs '# checks: <what the query checks>'")
    return SparqlCheck(name=path.stem, level=Level(level), description=header["checks"], query=text)


def load_checks(checks_dir: Path = CHECKS_DIR) -> list[SparqlCheck]:
    """Every ``*.rq`` check in ``checks_dir``, in file-name order."""
    checks = [parse_check(p) for p in sorted(checks_dir.glob("*.rq"))]
    if not checks:
        raise CheckSetupError(f"no checks (*.rq) in {checks_dir}")
    return checks


#: Checks written in Python because they read files besides the graph.
PYTHON_CHECKS: tuple[tuple[str, Callable[[pyoxigraph.Store, CheckContext], list[Violation]]], ...] = (
    (vocabulary.CHECK_NAME, lambda store, ctx: vocabulary.check_codes(store, ctx.vocabulary)),
    (mappings.CHECK_NAME, lambda store, ctx: mappings.check_mappings(store, ctx.mappings)),
)


@dataclass(frozen=True)
class CheckRun:
    """The outcome of running all checks: the violations and how many checks ran."""

    violations: list[Violation]
    checks_run: int


def run_checks(
    store: pyoxigraph.Store,
    context: CheckContext | None = None,
    checks_dir: Path = CHECKS_DIR,
) -> CheckRun:
    """Run every SPARQL and Python check over ``store``.

    Raises:
        CheckSetupError: a check cannot run (bad query header, missing vocabulary, ...).
    """
    ctx = context or CheckContext.default()
    violations: list[Violation] = []
    sparql = load_checks(checks_dir)
    for check in sparql:
        violations.extend(check.run(store))
    for _name, python_check in PYTHON_CHECKS:
        violations.extend(python_check(store, ctx))
    return CheckRun(violations=sorted(violations, key=sort_key), checks_run=len(sparql) + len(PYTHON_CHECKS))


def check_names(checks_dir: Path = CHECKS_DIR) -> list[str]:
    """The names of all checks (SPARQL file stems and Python check names), sorted."""
    return sorted([c.name for c in load_checks(checks_dir)] + [name for name, _ in PYTHON_CHECKS])
