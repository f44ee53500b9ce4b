"""Indication before localization: what must be settled before choosing the operation.

Two rules of DESIGN.md's "indication before localization", both read from the graph:

* a test whose result changes *which* operation is done (``prp:changesOperation``: germline
  testing, which turns the excision of the glands found into a subtotal parathyroidectomy with
  thymectomy in a carrier) ranks first when a feature indicates it (``prp:indicatedByFeature``)
  and no syndrome it tests for (``prp:testsFor``) is already known;
* the operation decides how much localization is needed: a four-gland operation for a cause that
  needs no per-gland localization (``prp:operableWithoutLocalizationFor``) may go ahead on the
  cause's evidence when a feature establishes the cause (``prp:establishedByFeature``: a
  hereditary syndrome, lithium), the cause leads, and a gland position remains that no
  operation explored.
"""

from __future__ import annotations

from kg.knowledge import Knowledge
from planner import explain as ex
from planner.explain import Link
from planner.models import Case
from planner.record import Record, normal_positions


def operation_changing_tests(
    case: Case, kn: Knowledge, feat: dict[str, Link]
) -> list[tuple[str, str, list[Link]]]:
    """The tests to do before any operation because their result changes which one."""
    known = set(case.patient.syndromes)
    out = []
    for test in sorted(kn.changes_operation):
        why = sorted(kn.test_indications.get(test, frozenset()) & feat.keys())
        if not why or known & kn.tests_for.get(test, frozenset()):
            continue
        label = kn.label("tests", test)
        reason = (
            f"{label} first: {', '.join(w.replace('_', ' ') for w in why)}. Its result changes which "
            "operation: a carrier needs a subtotal parathyroidectomy with thymectomy rather than the "
            "excision of the glands found."
        )
        facts = [feat[w] for w in why] + [
            ex.graph(f"{label} is indicated by {w.replace('_', ' ')}", kn.iri("tests", test) or "")
            for w in why
        ]
        out.append((test, reason, facts))
    return out


def _unexplored(kn: Knowledge, rec: Record) -> list[str]:
    return [pos for pos in normal_positions(kn) if rec.fate(pos).status == "not_explored"]


def cause_suffices(
    kn: Knowledge, causes: dict[str, float], rec: Record, feat: dict[str, Link]
) -> tuple[str, list[Link]] | None:
    """The leading cause, with the facts, when its evidence is enough to operate without
    per-gland localization; ``None`` otherwise."""
    lead = max(sorted(c for c in causes if c != "fhh"), key=lambda c: causes[c], default=None)
    if lead is None or causes[lead] < kn.param("multiglandular_leading_probability").v:
        return None
    if not any(lead in cs for cs in kn.no_localization_for.values()):
        return None
    setting = sorted(kn.established_by.get(lead, frozenset()) & feat.keys())
    open_glands = _unexplored(kn, rec)
    if not setting or not open_glands:
        return None
    facts = [feat[s] for s in setting] + [
        ex.finding(
            f"{', '.join(p.replace('_', ' ') for p in open_glands)} never explored: an operation on every "
            "gland reaches what no imaging has to find first"
        )
    ]
    return lead, facts
