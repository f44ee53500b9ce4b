"""Building explanation chains: each link is a finding or a graph fact with its IRI and source.

Links are plain dicts ({"text", "iri", "source"}): the planner makes thousands per plan and
keeps only those of the items it shows, which pydantic turns into ``models.Fact`` then.
"""

from __future__ import annotations

from typing import TypedDict

from kg.knowledge import Evidence, Knowledge


class Link(TypedDict):
    """One link of an explanation chain, before it becomes a ``planner.models.Fact``."""

    text: str
    iri: str | None
    source: str | None


def finding(text: str) -> Link:
    """A fact taken from the case itself (no IRI, the case is the source)."""
    return {"text": text, "iri": None, "source": "case record"}


def graph(text: str, iri: str | None, source: str | None = None) -> Link:
    return {"text": text, "iri": iri, "source": source}


def evidence(text: str, ev: Evidence) -> Link:
    return {"text": text, "iri": ev.iri, "source": ev.cite()}


def coded(kn: Knowledge, scheme: str, code: str, text: str) -> Link:
    """A fact about a vocabulary entity, citing its IRI."""
    return {"text": text, "iri": kn.iri(scheme, code), "source": None}


def percent(p: float) -> str:
    """A probability as a percentage a room can read: '<1%' below one percent, '>99%' short of
    certain (the one rule the plan's text and the app share, ``ui.names.pct``).

    Rounding would show 0.9996 as "100%" and 0.004 as "0%", each claiming a certainty the
    model does not have; only exactly 0 and 1 are written as such.

    >>> percent(0.954), percent(0.004), percent(0.0), percent(0.9996), percent(1.0)
    ('95%', '<1%', '0%', '>99%', '100%')
    """
    if p <= 0:
        return "0%"
    if p < 0.01:
        return "<1%"
    if p >= 1:
        return "100%"
    if p >= 0.99:
        return ">99%"
    return f"{p:.0%}"
