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

from kg.errors import KnowledgeError
from kg.knowledge_model import Evidence, Gate, Knowledge, Modifier, Performance, Procedure, Site, Vein
from kg.oxigraph_view import oxigraph_store
from kg.planner_view import PRP, read_knowledge
from kg.release import release_bytes

__all__ = [
    "PRP",
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
]


@functools.lru_cache(maxsize=1)
def knowledge() -> Knowledge:
    """The process-wide knowledge view, built on first use from the embedded store.

    Cached because every plan reads it and the release does not change while a process runs;
    its ``version`` is a short digest of the release bytes, which every plan records.

    Examples
    --------
    >>> kn = knowledge()
    >>> kn is knowledge() and len(kn.version) == 12
    True
    >>> kn.param("too_early_days").v > 0
    True
    """
    version = hashlib.sha256(release_bytes()).hexdigest()[:12]
    return read_knowledge(oxigraph_store(), version)
