"""The result type of every quality check, and the report format.

Kept apart from the check runner so that the SPARQL checks and the Python checks
(vocabulary codes, mapping table) produce the same rows without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ontology.namespaces import shorten


class Level(StrEnum):
    """How bad a violation is: an ERROR fails ``parareop ontology check``; a WARN does not."""

    ERROR = "ERROR"
    WARN = "WARN"


@dataclass(frozen=True, order=True)
class Violation:
    """One failed expectation: which check, about which entity, and what is wrong."""

    level: Level
    check: str
    entity: str
    message: str

    def line(self) -> str:
        """One report line: level, check, entity (as a CURIE when possible), message.

        >>> Violation(Level.ERROR, "missing_label", "https://w3id.org/parareop/X", "no label").line()
        'ERROR  missing_label  prp:X  no label'
        """
        entity = shorten(self.entity) if "://" in self.entity else self.entity
        return f"{self.level.value}  {self.check}  {entity}  {self.message}"


def sort_key(v: Violation) -> tuple[int, str, str, str]:
    """Errors first, then by check, entity and message (a stable report order)."""
    return (0 if v.level is Level.ERROR else 1, v.check, v.entity, v.message)


def format_report(violations: list[Violation], checks_run: int) -> str:
    """The whole report: one line per violation, then a summary line."""
    ordered = sorted(violations, key=sort_key)
    errors = sum(v.level is Level.ERROR for v in ordered)
    warnings = len(ordered) - errors
    lines = [v.line() for v in ordered]
    lines.append(f"{checks_run} checks: {errors} error(s), {warnings} warning(s)")
    return "\n".join(lines)


def has_errors(violations: list[Violation]) -> bool:
    """True when any violation is at level ERROR."""
    return any(v.level is Level.ERROR for v in violations)
