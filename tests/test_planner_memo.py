"""planner.memo: one memo per name and per view of the graph, never shared between views."""

from __future__ import annotations

import dataclasses

from kg.knowledge import knowledge
from planner import memo
from planner.memo import graph_memo


def test_one_view_and_name_keep_one_memo():
    kn = knowledge()
    graph_memo("test_memo_a", kn)["k"] = 1
    assert graph_memo("test_memo_a", kn) == {"k": 1}
    assert "k" not in graph_memo("test_memo_b", kn)


def test_a_what_if_view_starts_empty():
    kn = knowledge()
    graph_memo("test_memo_c", kn)["k"] = 1
    assert graph_memo("test_memo_c", dataclasses.replace(kn)) == {}


def test_the_memos_are_bounded():
    kn = knowledge()
    views = [dataclasses.replace(kn) for _ in range(4 * memo._GRAPH_VIEWS)]
    for v in views:
        graph_memo("test_memo_d", v)["k"] = 1
    assert len(memo._MEMOS) <= 3 * memo._GRAPH_VIEWS


def test_a_reused_id_never_reads_another_views_memo():
    """A view freed and another made at the same address: the memo checks identity, not the id."""
    kn = knowledge()
    gone = dataclasses.replace(kn)
    memo._MEMOS[("test_memo_e", id(kn))] = (gone, {"stale": 1})  # as if ``gone`` had lived at kn's id
    assert graph_memo("test_memo_e", kn) == {}
