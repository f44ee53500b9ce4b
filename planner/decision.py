"""The decision after the gates: operate, investigate or medical, with the operations and the tests.

The guideline's rule (DESIGN.md): operate when the leading place is localized well enough
(:func:`planner.localization.adequate`), or when the leading cause's evidence is enough for an
operation on every gland (:func:`planner.indication.cause_suffices`), or when no remaining test
could change the plan; a test that changes *which* operation comes first
(:func:`planner.indication.operation_changing_tests`); otherwise investigate with the test that
could change the decision first. The graph's required tests (``prp:requiresTest``) follow.
"""

from __future__ import annotations

from kg.knowledge import Knowledge
from planner import explain as ex
from planner.explain import Link
from planner.findings import Finding
from planner.gates import GateOutcome, localization_gate
from planner.indication import cause_suffices, operation_changing_tests
from planner.localization import adequate
from planner.models import OperationItem, TestItem
from planner.next_tests import Candidate, Withheld, ranked_localization_tests
from planner.operations import medical_options, operations
from planner.places import Loc
from planner.record import Record
from planner.sources import SourcePosterior
from planner.state import Evidence


def decide(
    ev: Evidence, go: GateOutcome, warnings: list[str]
) -> tuple[str, list[OperationItem], list[TestItem]]:
    """The decision, the ranked operations and the next tests, after the gates: a gate's decision
    stands; an FHH screen that holds the plan investigates; a medical-only patient gets the medical
    options; otherwise :func:`_surgical` applies the guideline's rule."""
    kn, findings, locations = ev.kn, ev.findings, ev.locations
    tests: list[TestItem] = []

    def add_test(code: str, reason: str, facts: list[Link] | None = None) -> None:
        if all(t.test != code for t in tests):
            tests.append(TestItem(rank=len(tests) + 1, test=code, reason=reason, explanation=facts or []))

    for code, reason, facts in go.tests:
        add_test(code, reason, facts)
    if go.decision is not None:
        return go.decision, [], tests
    top = locations[0][0] if locations else None
    localized = top is not None and adequate(findings, kn, top)
    if go.block_surgery:
        # the FHH screen holds the plan: localization tests only where the localization is still open
        if not localized:
            ranking = ranked_localization_tests(kn, findings, locations, ev.post, ev.rec)
            warnings += [w.warning(kn) for w in ranking.withheld]
            for t in ranking.tests:
                add_test(t.test, t.reason, t.facts)
        localization_gate(kn, go, findings, locations, localized, held="the FHH screen")
        return "investigate", [], tests
    if go.medical_only:
        localization_gate(kn, go, findings, locations, localized)
        return "medical", medical_options(kn, locations, ev.causes, localized), tests
    decision, ops, more = _surgical(ev, go, warnings)
    for code, reason, facts in more:
        add_test(code, reason, facts)
    for code, reason, facts in _required_tests(kn, decision, ops):
        add_test(code, reason, facts)
    for i, item in enumerate(tests):
        item.rank = i + 1
    return decision, ops, tests


def _surgical(
    ev: Evidence, go: GateOutcome, warnings: list[str]
) -> tuple[str, list[OperationItem], list[tuple[str, str, list[Link]]]]:
    """Operate or investigate once every gate passed: localized enough (or the cause's evidence is
    enough for an operation on every gland, or no test would change the plan), and no test left
    that changes which operation. Returns the decision, the operations and the tests to add."""
    kn, findings, locations = ev.kn, ev.findings, ev.locations
    useful, closing, withheld = _useful_tests(kn, findings, locations, ev.post, ev.rec)
    top = locations[0][0] if locations else None
    localized = top is not None and adequate(findings, kn, top)
    if not localized:  # a localization test the suspected cause forbids is said where tests matter
        warnings += [w.warning(kn) for w in withheld]
    established = cause_suffices(kn, ev.causes, ev.rec, ev.feat) if locations else None
    decision = "operate" if localized or established or not useful else "investigate"
    if decision == "operate" and not localized and not established and locations:
        warnings.append(_best_available_warning(kn, closing, locations))
    localization_gate(kn, go, findings, locations, localized, established=established)
    tests = operation_changing_tests(ev.case, kn, ev.feat)
    if decision == "operate" and tests:
        decision = "investigate"  # indication before localization: the test decides which operation
    ops = operations(ev, decision == "operate", established is not None)
    if decision == "investigate" and not established and not localized:
        tests += [(t.test, t.reason, t.facts) for t in useful]
    return decision, ops, tests


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
        f"({kn.site_name(*locations[0][0])}, probability {locations[0][1]:.0%}); the uncertainty is real."
    )


def _required_tests(
    kn: Knowledge, decision: str, ops: list[OperationItem]
) -> list[tuple[str, str, list[Link]]]:
    """What the graph requires first (prp:requiresTest): of the first operation when operating; of
    the localization gate before any operation that may follow an investigation."""
    if not ops:
        return []
    if decision == "operate":
        op = kn.procedures[ops[0].operation]
        return [
            (
                req,
                f"{kn.definitions.get(kn.iri('tests', req) or '', req)} Required before the {op.label}.",
                [ex.graph(f"{op.label} requires {kn.label('tests', req)} first", op.iri)],
            )
            for req in sorted(op.requires)
        ]
    gate_iri = kn.gates["localization"][0]
    return [
        (
            req,
            kn.definitions.get(kn.iri("tests", req) or "", req),
            [ex.graph(f"Work-up before any reoperation: {kn.label('tests', req)}", gate_iri)],
        )
        for req in sorted(kn.requires.get(gate_iri, ()))
    ]
