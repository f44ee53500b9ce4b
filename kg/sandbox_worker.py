"""The SPARQL sandbox's worker process (:mod:`kg.sandbox`): ``python -m kg.sandbox_worker FD PARENT``.

It receives its :class:`WorkerSpec` over the socket pair, caps its own memory and CPU time, dies
with its parent, loads its copy of the graph, and answers one query at a time. It is kept apart
from the parent's pool so that a worker imports only what it runs.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import os
import resource
import signal
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Literal

from kg.errors import KgError, QueryError

ROOT = Path(__file__).resolve().parent.parent


DEFAULT_MEMORY_MB = 1024


_PR_SET_PDEATHSIG = 1


Engine = Literal["oxigraph", "rdflib"]


@dataclass(frozen=True)
class WorkerSpec:
    """What a worker loads and how much it may use.

    Attributes
    ----------
    engine : {"oxigraph", "rdflib"}
        The SPARQL engine the worker runs.
    graphs : mapping of str to bytes
        Named graph IRI -> N-Triples, loaded next to the release (the default graph).
    release : str or None
        The N-Triples release (``None``: the project's release).
    memory_mb : int
        The worker's address-space cap in MiB.
    release_nt : bytes or None
        The release's N-Triples as the parent read them (Oxigraph only; ``None``: each worker
        reads ``release``). With them every worker, replacements included, serves the same
        graph however the file changes meanwhile, which the front's answer cache relies on.
    """

    engine: Engine = "oxigraph"
    graphs: Mapping[str, bytes] = field(default_factory=dict)
    release: str | None = None
    memory_mb: int = DEFAULT_MEMORY_MB
    release_nt: bytes | None = field(default=None, repr=False)


def _die_with_parent(parent: int) -> None:
    """Ask Linux to SIGKILL this worker when its parent dies; watch the parent pid as well."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(0)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.25)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _limit_memory(memory_mb: int) -> None:
    """Cap the worker's address space so that a runaway query fails instead of the machine."""
    cap = memory_mb * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (cap if hard == resource.RLIM_INFINITY else min(cap, hard), hard))


def _arm_cpu_limit(timeout_s: float) -> None:
    """Let this query use at most ``timeout_s`` + 1 s more CPU time (SIGXCPU kills past it)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(usage.ru_utime + usage.ru_stime + timeout_s) + 1
    _old, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _open_engine(spec: WorkerSpec) -> Any:
    """The backend the worker queries: a store or graph of its own."""
    from kg.sparql import EmbeddedBackend, RdflibBackend, embedded_with_cases, rdflib_with_cases

    if spec.engine == "rdflib":
        return rdflib_with_cases(spec.graphs) if spec.graphs else RdflibBackend()
    if spec.release_nt is not None:
        return EmbeddedBackend(_pinned_store(spec.release_nt, spec.graphs))
    if spec.graphs or spec.release:
        return embedded_with_cases(spec.graphs, spec.release)
    return EmbeddedBackend()


def _pinned_store(release_nt: bytes, graphs: Mapping[str, bytes]) -> Any:
    """A store of the release bytes the parent sent (default graph) and the named graphs."""
    import pyoxigraph

    from kg.oxigraph_view import ReadOnlyStore

    store = pyoxigraph.Store()
    for iri, data in (("", release_nt), *graphs.items()):
        try:
            into = pyoxigraph.NamedNode(iri) if iri else pyoxigraph.DefaultGraph()
            store.load(data, format=pyoxigraph.RdfFormat.N_TRIPLES, to_graph=into)
        except (SyntaxError, ValueError) as exc:
            raise KgError(f"cannot load {f'the graph <{iri}>' if iri else 'the release'}: {exc}") from None
    return ReadOnlyStore(store)


def _answer(backend: Any, job: tuple[Any, ...]) -> tuple[Any, ...]:
    """Run one job: ``("result", query, source)`` or ``("bytes", query, source, accept)``."""
    kind, query, source = job[0], job[1], job[2]
    try:
        if kind == "bytes":
            from kg.serialize import serialize_answer

            return ("bytes", *serialize_answer(backend.store, query, job[3], source))
        return ("result", backend.run(query, source=source))
    except MemoryError:
        return ("memory",)
    except QueryError as exc:
        return ("error", exc)
    except Exception as exc:  # noqa: BLE001 - the worker reports, the parent raises
        return ("error", QueryError(f"{source} failed: {' '.join(str(exc).split())[:300]}"))


def _worker_main(conn: Connection, parent: int) -> None:
    """The worker's loop: load the graph once, then answer one job at a time until EOF.

    Its stderr is /dev/null (set by the parent): an engine's abort message is not the user's line.
    """
    _die_with_parent(parent)
    spec: WorkerSpec = conn.recv()
    _limit_memory(spec.memory_mb)
    try:
        backend = _open_engine(spec)
    except (KgError, MemoryError, OSError) as exc:
        conn.send(("failed", str(exc)))
        return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        _arm_cpu_limit(float(job[-1]))
        conn.send(_answer(backend, job[:-1]))


if __name__ == "__main__":  # a worker: python -m kg.sandbox_worker FD PARENT_PID
    _worker_main(Connection(int(sys.argv[1])), int(sys.argv[2]))
