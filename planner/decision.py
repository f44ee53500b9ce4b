"""The decision after the gates: operate, investigate or medical, with the operations and the tests.

The guideline's rule (DESIGN.md): operate when the leading place is localized well enough
(:func:`planner.localization.adequate`), or when the leading cause's evidence is enough for an
operation on every gland (:func:`planner.indication.cause_suffices`), or when no remaining test
could change the plan; a test that changes *which* operation comes first
(:func:`planner.indication.operation_changing_tests`); otherwise investigate with the test that
could change the decision first. The graph's required tests (``prp:requiresTest``) follow.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kg.knowledge import Knowledge
from planner import explain as ex
from planner.findings import Finding
from planner.gates import GateOutcome, RequestedTest, ask, first_of_each, localization_gate
from planner.indication import cause_suffices, operation_changing_tests
from planner.localization import adequate
from planner.models import OperationItem, TestItem
from planner.next_tests import Candidate, Withheld, ranked_localization_tests
from planner.operations import medical_options, operations
from planner.places import Loc
from planner.record import Record
from planner.sources import SourcePosterior
from planner.state import Evidence


@dataclass(frozen=True, kw_only=True)
class Decision:
    """What the decision step concludes: the decision, the ranked operations and next tests, the
    gates with the localization gate folded in, and the warnings said on the way (a test a
    suspected cause withholds, an operation on the best localization there is)."""

    decision: str
    operations: tuple[OperationItem, ...]
    tests: tuple[TestItem, ...]
    gates: GateOutcome
    warnings: tuple[str, ...] = ()


def numbered(tests: Iterable[RequestedTest]) -> tuple[TestItem, ...]:
    """The next tests, each once (its first reason) and ranked in the order asked.

    >>> [(t.rank, t.test, t.reason) for t in numbered([ask("a", "first"), ask("b", "x"), ask("a", "again")])]
    [(1, 'a', 'first'), (2, 'b', 'x')]
    """
    return tuple(
        TestItem(rank=i + 1, test=t.test, reason=t.reason, explanation=list(t.facts))
        for i, t in enumerate(first_of_each(tests))
    )


def decide(ev: Evidence, go: GateOutcome) -> Decision:
    """The decision, the ranked operations and the next tests, after the gates: a gate's decision
    stands; an FHH screen that holds the plan investigates; a medical-only patient gets the medical
    options; otherwise :func:`_surgical` applies the guideline's rule. The gates' tests come first.

    >>> from kg.knowledge import knowledge
    >>> from planner.gates import gate_result
    >>> from planner.models import Case
    >>> from planner.record import read_record
    >>> kn, case = knowledge(), Case.model_validate({"id": "x"})
    >>> ev = Evidence(case, kn, read_record(case, kn), [], {}, [], {}, None)
    >>> stop = gate_result(kn, "biochemical_diagnosis", "fail", "Too early.", decision="defer",
    ...                    tests=[ask("repeat_biochemistry", "Repeat later.")])
    >>> d = decide(ev, GateOutcome().with_result(stop))
    >>> d.decision, d.operations, [(t.rank, t.test) for t in d.tests]
    ('defer', (), [(1, 'repeat_biochemistry')])
    """
    kn, findings, locations = ev.kn, ev.findings, ev.locations
    if go.decision is not None:
        return Decision(decision=go.decision, operations=(), tests=numbered(go.tests), gates=go)
    top = locations[0][0] if locations else None
    localized = top is not None and adequate(findings, kn, top)
    if go.block_surgery:
        # the FHH screen holds the plan: localization tests only where the localization is still open
        asked, warnings = list(go.tests), []
        if not localized:
            ranking = ranked_localization_tests(kn, findings, locations, ev.post, ev.rec)
            warnings = [w.warning(kn) for w in ranking.withheld]
            asked += [ask(t.test, t.reason, t.facts) for t in ranking.tests]
        gate = localization_gate(kn, findings, locations, localized, held="the FHH screen")
        return Decision(
            decision="investigate",
            operations=(),
            tests=numbered(asked),
            gates=go.with_result(gate),
            warnings=tuple(warnings),
        )
    if go.medical_only:
        return Decision(
            decision="medical",
            operations=tuple(medical_options(kn, locations, ev.causes, localized)),
            tests=numbered(go.tests),
            gates=go.with_result(localization_gate(kn, findings, locations, localized)),
        )
    return _surgical(ev, go)


def _surgical(ev: Evidence, go: GateOutcome) -> Decision:
    """Operate or investigate once every gate passed: localized enough (or the cause's evidence is
    enough for an operation on every gland, or no test would change the plan), and no test left
    that changes which operation. The gates' tests come first, then the operation-changing and
    localization tests, then what the graph requires first."""
    kn, findings, locations = ev.kn, ev.findings, ev.locations
    top = locations[0][0] if locations else None
    localized = top is not None and adequate(findings, kn, top)
    warnings: list[str] = []
    useful: list[Candidate] = []
    closing: list[Finding] = []
    if not localized:  # the localization tests matter (and are ranked) only while it is open
        useful, closing, withheld = _useful_tests(kn, findings, locations, ev.post, ev.rec)
        warnings += [w.warning(kn) for w in withheld]  # a test the suspected cause forbids
    established = cause_suffices(kn, ev.causes, ev.rec, ev.feat) if locations else None
    decision = "operate" if localized or established or not useful else "investigate"
    if decision == "operate" and not localized and not established and locations:
        warnings.append(_best_available_warning(kn, closing, locations))
    gate = localization_gate(kn, findings, locations, localized, established=established)
    tests = [
        ask(code, reason, facts) for code, reason, facts in operation_changing_tests(ev.case, kn, ev.feat)
    ]
    if decision == "operate" and tests:
        decision = "investigate"  # indication before localization: the test decides which operation
    ops = operations(ev, decision == "operate", established is not None)
    if decision == "investigate" and not established and not localized:
        tests += [ask(t.test, t.reason, t.facts) for t in useful]
    return Decision(
        decision=decision,
        operations=tuple(ops),
        tests=numbered([*go.tests, *tests, *_required_tests(kn, decision, ops)]),
        gates=go.with_result(gate),
        warnings=tuple(warnings),
    )


def _useful_tests(
    kn: Knowledge,
    findings: list[Finding],
    locations: list[tuple[Loc, float]],
    post: SourcePosterior | None,
    rec: Record,
) -> tuple[list[Candidate], list[Finding], list[Withheld]]:
    """The localization tests worth doing (enough expected gain, or able to change the decision),
    the findings of the sequence's last test that localized (then only a confirming FNA remains),
    and the tests a suspected cause withholds."""
    ranking = ranked_localization_tests(kn, findings, locations, post, rec)
    useful = [t for t in ranking.tests if t.gain >= kn.param("min_useful_information_gain").v or t.changes]
    closing = [x for x in findings if x.modality in kn.ends_workup and x.confirmatory]
    if closing:
        useful = [t for t in useful if t.test == "fna_pth_washout"]
    return useful, closing, ranking.withheld


def _best_available_warning(kn: Knowledge, closing: list[Finding], locations: list[tuple[Loc, float]]) -> str:
    why = (
        f"{kn.label('tests', closing[0].modality)}, the last test of the localization sequence, has localized"
        if closing
        else "No remaining test is likely to change the plan"
    )
    return (
        f"{why}: operating on the best localization there is "
        f"({kn.site_name(*locations[0][0])}, probability {ex.percent(locations[0][1])}); the uncertainty is real."
    )


def _required_tests(kn: Knowledge, decision: str, ops: list[OperationItem]) -> list[RequestedTest]:
    """What the graph requires first (prp:requiresTest): of the first operation when operating; of
    the localization gate before any operation that may follow an investigation."""
    if not ops:
        return []
    if decision == "operate":
        op = kn.procedures[ops[0].operation]
        return [
            ask(
                req,
                f"{kn.definitions.get(kn.iri('tests', req) or '', req)} Required before the {op.label}.",
                [ex.graph(f"{op.label} requires {kn.label('tests', req)} first", op.iri)],
            )
            for req in sorted(op.requires)
        ]
    gate_iri = kn.gates["localization"].iri
    return [
        ask(
            req,
            kn.definitions.get(kn.iri("tests", req) or "", req),
            [ex.graph(f"Work-up before any reoperation: {kn.label('tests', req)}", gate_iri)],
        )
        for req in sorted(kn.requires.get(gate_iri, ()))
    ]
