"""What the planner knows about a case once the gates and the posterior have run.

One frozen record handed from step to step (the decision, the operations, the next tests), so
each step reads the same facts by name instead of a long list of positional arguments.
"""

from __future__ import annotations

from dataclasses import dataclass

from kg.knowledge import Knowledge
from planner.explain import Link
from planner.findings import Finding
from planner.models import Case
from planner.places import Loc
from planner.record import Record
from planner.sources import SourcePosterior


@dataclass(frozen=True)
class Evidence:
    """The case and the graph, the record read from it, the findings and the cause features, and
    where the tissue is: the ranked places, P(cause), and the set posterior (``None`` before the
    gates found surgical disease)."""

    case: Case
    kn: Knowledge
    rec: Record
    findings: list[Finding]
    feat: dict[str, Link]
    locations: list[tuple[Loc, float]]
    causes: dict[str, float]
    post: SourcePosterior | None

    @property
    def posterior(self) -> SourcePosterior:
        """The set posterior, empty when there is none."""
        return self.post or SourcePosterior({})
