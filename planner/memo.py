"""The per-graph memo: figures derived from one view of the graph alone, computed once per view.

A what-if edits a copy of the graph, so a memo keyed by anything less than the view itself would
hand one view's figures to another; this module is the one place that rule is kept.
"""

from __future__ import annotations

from typing import Any

from kg.knowledge import Knowledge

_GRAPH_VIEWS = 4  # graph views memoized at once (not clinical: bounds the memos' memory)
_MEMOS: dict[tuple[str, int], tuple[Knowledge, dict[Any, Any]]] = {}


def graph_memo(name: str, kn: Knowledge) -> dict[Any, Any]:
    """The memo named ``name`` for one view of the graph (figures derived from it alone).

    It holds the ``Knowledge`` it was made for and is checked by identity, so a second view of
    the graph (a what-if, a test) never reads another view's figures, even if the first one's
    ``id`` is reused; only the last few views are kept. The one home of the planner's per-graph
    memos (``likelihood.se_fp``, ``likelihood.site_figures``, ``places.svs_region``, ...).

    >>> from kg.knowledge import knowledge
    >>> kn = knowledge()
    >>> graph_memo("example", kn)["x"] = 1
    >>> graph_memo("example", kn)
    {'x': 1}
    >>> import dataclasses
    >>> graph_memo("example", dataclasses.replace(kn))
    {}
    """
    entry = _MEMOS.get((name, id(kn)))
    if entry is None or entry[0] is not kn:
        if len(_MEMOS) >= 3 * _GRAPH_VIEWS:
            _MEMOS.clear()
        entry = _MEMOS[(name, id(kn))] = (kn, {})
    return entry[1]
