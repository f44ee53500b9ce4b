"""What one gate says, and what the gates say together.

Each gate is a pure function of its inputs returning a frozen :class:`GateResult`: its entry
(status, message, the chain of graph facts behind it), the diagnosis it makes, the decision it
forces, the tests it asks for, its warnings and its flags. :class:`GateOutcome` is the fold of
those results; it never changes, :meth:`GateOutcome.with_result` returns a new one. So a gate
run twice on one input says the same thing, and no gate can change what another has said.

The rules of the fold (DESIGN.md, planner step 3):

* the gates are listed in the graph's order (``prp:gateOrder``), whatever order they ran in;
* the decision is that of the first gate in that order which forces one;
* the diagnosis is the last one given, in the order the gates ran: the biochemical gate makes it,
  the FHH screen may turn it to FHH suspected, the data-consistency check to indeterminate;
* the tests are asked in the order the gates ran, each test once with the first reason given;
* the warnings are said in the order the gates ran; a flag raised by one gate stands.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from kg.knowledge import Knowledge
from planner import explain as ex
from planner.explain import Link
from planner.models import Case, Gate

SURGICAL = ("persistent", "recurrent")

GateStatus = Literal["pass", "fail", "warn", "unknown"]


@dataclass(frozen=True, kw_only=True)
class RequestedTest:
    """A test a gate (or the decision) asks for, with why and the facts behind it.

    >>> t = RequestedTest(test="urine_calcium_24h", reason="FHH must be excluded.")
    >>> t.test, t.facts
    ('urine_calcium_24h', ())
    """

    test: str
    reason: str
    facts: tuple[Link, ...] = ()


def ask(test: str, reason: str, facts: Sequence[Link] = ()) -> RequestedTest:
    """A requested test, its facts frozen as they stand.

    >>> ask("repeat_biochemistry", "Repeat calcium and PTH.", [ex.finding("PTH 80 pg/mL")]).facts[0]["text"]
    'PTH 80 pg/mL'
    """
    return RequestedTest(test=test, reason=reason, facts=tuple(facts))


@dataclass(frozen=True, kw_only=True)
class GateResult:
    """What one gate says. ``order`` is the gate's place in the graph's gate order.

    ``doubtful`` names gates whose outcome depends on which of two disagreeing same-day values is
    believed: in the fold they turn ``warn`` (:mod:`planner.consistency`).
    """

    gate: Gate
    order: int
    diagnosis: str | None = None
    decision: str | None = None  # set when the gate stops the plan
    tests: tuple[RequestedTest, ...] = ()
    warnings: tuple[str, ...] = ()
    block_surgery: bool = False  # e.g. FHH grey zone: investigate but rank no operation
    medical_only: bool = False
    doubtful: frozenset[str] = frozenset()


def gate_result(
    kn: Knowledge,
    key: str,
    status: GateStatus,
    message: str,
    facts: Sequence[Link] = (),
    *,
    diagnosis: str | None = None,
    decision: str | None = None,
    tests: Sequence[RequestedTest] = (),
    warnings: Sequence[str] = (),
    block_surgery: bool = False,
    medical_only: bool = False,
    doubtful: Iterable[str] = (),
) -> GateResult:
    """The result of gate ``key``: its entry cites the gate's graph node first, then ``facts``.

    >>> from kg.knowledge import knowledge
    >>> r = gate_result(knowledge(), "fhh_screen", "pass", "FHH is unlikely.")
    >>> r.gate.explanation[0].text, r.order == knowledge().gates["fhh_screen"].order
    ('Gate: gate: FHH screen', True)
    """
    node = kn.gates[key]
    return GateResult(
        gate=Gate(
            id=key,
            status=status,
            message=message,
            explanation=[ex.graph(f"Gate: {node.label}", node.iri), *facts],
        ),
        order=node.order,
        diagnosis=diagnosis,
        decision=decision,
        tests=tuple(tests),
        warnings=tuple(warnings),
        block_surgery=block_surgery,
        medical_only=medical_only,
        doubtful=frozenset(doubtful),
    )


@dataclass(frozen=True, kw_only=True)
class GateOutcome:
    """The gates' results folded together (the rules are in the module's docstring).

    >>> GateOutcome().diagnosis, GateOutcome().decision, GateOutcome().gates
    ('indeterminate', None, ())
    >>> from kg.knowledge import knowledge
    >>> kn = knowledge()
    >>> bio = gate_result(kn, "biochemical_diagnosis", "pass", "Persistent.", diagnosis="persistent")
    >>> fhh = gate_result(kn, "fhh_screen", "fail", "Known FHH.", diagnosis="fhh_suspected", decision="halt")
    >>> go = GateOutcome().with_result(fhh).with_result(bio)  # ran out of order: listed in graph order
    >>> [g.id for g in go.gates], go.decision, go.diagnosis
    (['biochemical_diagnosis', 'fhh_screen'], 'halt', 'persistent')
    """

    results: tuple[GateResult, ...] = ()

    def with_result(self, result: GateResult) -> GateOutcome:
        """A new outcome with one more gate's result; this one is unchanged."""
        return GateOutcome(results=(*self.results, result))

    @property
    def gates(self) -> tuple[Gate, ...]:
        """The gate entries in the graph's order; a gate named doubtful by a result turns ``warn``."""
        doubtful = frozenset().union(*(r.doubtful for r in self.results))
        ordered = sorted(self.results, key=lambda r: r.order)
        return tuple(
            r.gate.model_copy(update={"status": "warn"}) if r.gate.id in doubtful else r.gate for r in ordered
        )

    @property
    def decision(self) -> str | None:
        """The decision of the first gate, in the graph's order, that forces one."""
        return next((r.decision for r in sorted(self.results, key=lambda r: r.order) if r.decision), None)

    @property
    def diagnosis(self) -> str:
        """The last diagnosis given, in the order the gates ran."""
        return next((r.diagnosis for r in reversed(self.results) if r.diagnosis), "indeterminate")

    @property
    def tests(self) -> tuple[RequestedTest, ...]:
        """The tests asked for, in the order the gates ran, each once with its first reason."""
        return first_of_each(t for r in self.results for t in r.tests)

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(w for r in self.results for w in r.warnings)

    @property
    def block_surgery(self) -> bool:
        return any(r.block_surgery for r in self.results)

    @property
    def medical_only(self) -> bool:
        return any(r.medical_only for r in self.results)


def first_of_each(tests: Iterable[RequestedTest]) -> tuple[RequestedTest, ...]:
    """Each test once, where it was first asked for, with that first reason.

    >>> [t.reason for t in first_of_each([ask("a", "first"), ask("b", "other"), ask("a", "second")])]
    ['first', 'other']
    """
    seen: dict[str, RequestedTest] = {}
    for t in tests:
        seen.setdefault(t.test, t)
    return tuple(seen.values())


def meds_acting_on(case: Case, kn: Knowledge, analyte: str, table: dict[str, frozenset[str]]) -> list[str]:
    """The patient's medications that act on an analyte (``table``: the graph's effects)."""
    return [m for m in case.patient.medications if analyte in table.get(m, frozenset())]
