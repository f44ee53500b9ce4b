"""Building explanation chains: each link is a finding or a graph fact with its IRI and source."""

from __future__ import annotations

from kg.knowledge import Evidence, Knowledge
from planner.models import Fact


def finding(text: str) -> Fact:
    """A fact taken from the case itself (no IRI, the case is the source)."""
    return Fact(text=text, iri=None, source="case record")


def graph(text: str, iri: str | None, source: str | None = None) -> Fact:
    return Fact(text=text, iri=iri, source=source)


def evidence(text: str, ev: Evidence) -> Fact:
    return Fact(text=text, iri=ev.iri, source=ev.cite())


def coded(kn: Knowledge, scheme: str, code: str, text: str) -> Fact:
    """A fact about a vocabulary entity, citing its IRI."""
    return Fact(text=text, iri=kn.iri(scheme, code), source=None)
