"""What the gates have found so far, shared by every gate: the outcome a gate adds its entry to.

Each gate is one module of this package; :func:`planner.gates.run_gates` runs them in the
order the graph gives (``prp:gateOrder``), and the decision follows from the first that fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kg.knowledge import Knowledge
from planner import explain as ex
from planner.explain import Link
from planner.models import Case, Gate

SURGICAL = ("persistent", "recurrent")


@dataclass
class GateOutcome:
    gates: list[Gate] = field(default_factory=list)
    diagnosis: str = "indeterminate"
    decision: str | None = None  # set when a gate stops the plan
    tests: list[tuple[str, str, list[Link]]] = field(default_factory=list)  # (test, reason, facts)
    warnings: list[str] = field(default_factory=list)
    block_surgery: bool = False  # e.g. FHH grey zone: investigate but rank no operation
    medical_only: bool = False

    def gate(self, kn: Knowledge, key: str, status: str, message: str, facts: list[Link]) -> None:
        iri = kn.gates[key][0]
        self.gates.append(
            Gate(
                id=key,
                status=status,
                message=message,
                explanation=[ex.graph(f"Gate: {kn.gates[key][1]}", iri), *facts],
            )
        )

    def ask(self, test: str, reason: str, facts: list[Link] | None = None) -> None:
        if all(t[0] != test for t in self.tests):
            self.tests.append((test, reason, facts or []))


def meds_acting_on(case: Case, kn: Knowledge, analyte: str, table: dict[str, frozenset[str]]) -> list[str]:
    """The patient's medications that act on an analyte (``table``: the graph's effects)."""
    return [m for m in case.patient.medications if analyte in table.get(m, frozenset())]
