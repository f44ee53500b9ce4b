"""The planner's typed, read-only view of the knowledge graph, read once per process.

The planner never spells an IRI or a clinical number: it asks this view for the figures and
edges it needs, keyed by vocabulary notations (``perrier_F``, ``ct_4d``) or by parameter keys
(``too_early_days``). The records are in :mod:`kg.knowledge_model`; what fills them is the
SPARQL in ``kg/queries/planner/*.rq``, run by :mod:`kg.planner_view`. This module is the one
entry point the rest of the code imports: :func:`knowledge` and the record types.
"""

from __future__ import annotations

import functools
import hashlib
import pickle
import sys
from pathlib import Path

from kg import cache
from kg.errors import KnowledgeError
from kg.knowledge_model import Evidence, Gate, Knowledge, Modifier, Performance, Procedure, Site, Vein
from kg.paths import PLANNER_QUERIES_DIR
from kg.release import release_bytes

__all__ = [
    "Evidence",
    "Gate",
    "Knowledge",
    "KnowledgeError",
    "Modifier",
    "Performance",
    "Procedure",
    "Site",
    "Vein",
    "knowledge",
    "snapshot_name",
]

#: The modules whose code decides what the view holds: a change to any of them renames the snapshot.
_VIEW_MODULES = ("knowledge_model.py", "planner_view.py", "named_queries.py", "knowledge.py")


@functools.lru_cache(maxsize=1)
def knowledge() -> Knowledge:
    """The process-wide knowledge view, built on first use from the embedded store.

    Cached because every plan reads it and the release does not change while a process runs;
    its ``version`` is a short digest of the release bytes, which every plan records. A fresh
    process reads it from a snapshot (:mod:`kg.cache`) named by a digest of the release, the
    planner's queries and this code, and builds it from the store (then saves the snapshot) only
    when there is none: the start of a ``parareop plan`` costs a pickle load, not 25 queries.

    Examples
    --------
    >>> kn = knowledge()
    >>> kn is knowledge() and len(kn.version) == 12
    True
    >>> kn.param("too_early_days").v > 0
    True
    """
    release = release_bytes()
    version = hashlib.sha256(release).hexdigest()[:12]
    name = snapshot_name(release)
    kn = _from_snapshot(name, version)
    if kn is None:
        kn = _build(version)
        if cache.write(name, pickle.dumps(kn, protocol=pickle.HIGHEST_PROTOCOL)):
            cache.prune("knowledge-", keep=name)
    return kn


def snapshot_name(release: bytes) -> str:
    """The snapshot's file name: a digest of the release, the planner's ``.rq`` files, the code
    that turns their rows into the view, and the interpreter (pickles are not shared across
    Python versions here).

    >>> snapshot_name(b"a") != snapshot_name(b"b") and snapshot_name(b"a").startswith("knowledge-")
    True
    """
    here = Path(__file__).resolve().parent
    parts = [release, sys.version.encode()]
    parts += [(here / m).read_bytes() for m in _VIEW_MODULES]
    parts += [p.read_bytes() for p in sorted(PLANNER_QUERIES_DIR.glob("*.rq"))]
    return f"knowledge-{cache.digest(parts)}.pickle"


def _from_snapshot(name: str, version: str) -> Knowledge | None:
    """The snapshot's view, or ``None`` when there is none or it does not hold this release's view
    (a damaged file, a foreign object): then the view is rebuilt, never half-read."""
    data = cache.read(name)
    if data is None:
        return None
    try:
        kn = pickle.loads(data)  # the user's own cache, named by what it was built from
    except Exception:  # noqa: BLE001 - any damage to the file means "no snapshot"
        return None
    return kn if isinstance(kn, Knowledge) and kn.version == version else None


def _build(version: str) -> Knowledge:
    """The view from the embedded store (imported here: a snapshot start never loads Oxigraph)."""
    from kg.oxigraph_view import oxigraph_store
    from kg.planner_view import read_knowledge

    return read_knowledge(oxigraph_store(), version)
