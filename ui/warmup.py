"""Warm the app's server before the first browser arrives.

Streamlit imports a page's modules and reads the graph only when the first session runs the
script, so the first person to open the board (the wall screen, at the start of a meeting) waited
for all of it. ``make run``'s launcher (:mod:`ui.meeting_access`) runs the server in its own
process and calls :func:`start` first: a background thread imports the planner, the board's
modules and the graph's view (from its snapshot, :mod:`kg.cache`) and plans one example, so the
first board is drawn as fast as any later one. Nothing it does changes what a session shows: the
imports and the graph are the same ones a session would load, only earlier.
"""

from __future__ import annotations

import importlib
import threading

#: The library modules the case board imports (the pages themselves run at import: not these).
MODULES = (
    "planner.pipeline",
    "ui.state",
    "ui.board",
    "ui.summary",
    "ui.fragments",
    "ui.diagram",
    "ui.iopth_view",
    "ui.meeting_board",
)


def warm() -> None:
    """Import the board's modules, read the graph and plan the first example (a few hundred ms).

    >>> warm()
    """
    for name in MODULES:
        importlib.import_module(name)
    from kg.knowledge import knowledge
    from planner.pipeline import plan_dict
    from ui.cases import examples, load_example

    kn = knowledge()
    first = next(iter(examples()), None)
    if first is not None:
        plan_dict(load_example(first.case_id), kn)


def start() -> threading.Thread:
    """Run :func:`warm` in a daemon thread (the server starts at once; a failure only costs the
    warm-up, which the first session then does itself)."""

    def run() -> None:
        try:
            warm()
        except Exception:  # noqa: BLE001 - a warm-up never stops the app; the session reports errors
            return

    thread = threading.Thread(target=run, name="parareop-warmup", daemon=True)
    thread.start()
    return thread
