"""Free-text SPARQL runs in a warm pool of worker processes that can be killed at their deadline.

Neither pyoxigraph nor rdflib can be interrupted from Python, and a query such as a cross join
of every triple with ORDER BY runs for hours and takes all the memory it can. So a query the
user typed runs in a separate process (``python -m kg.sandbox_worker``, spoken to over a socket pair
with ``multiprocessing.connection``, so it never re-imports the caller's ``__main__``) that:

* holds its own copy of the graph (the release, plus any case graphs);
* may use at most ``memory_mb`` of address space (``RLIMIT_AS``): past it, the allocation
  fails and the worker dies, and the caller hears "stopped: memory limit";
* gets a CPU-time limit (``RLIMIT_CPU``) re-armed before every query at the deadline plus one
  second, a backstop should the parent fail to kill it;
* dies with its parent (``PR_SET_PDEATHSIG`` on Linux, and a thread that watches the parent
  pid), so no worker outlives the CLI, the app or the server.

The parent waits for the answer until the deadline, then kills the worker (SIGKILL, so no CPU
stays burnt) and starts a replacement in the background; other queries are answered meanwhile
by the other workers. A worker still busy after ``SLOW_AFTER_S`` seconds is demoted to
``SCHED_IDLE`` (it runs only on CPU time nobody else wants; nice 19 where that is not
available) and a stand-in worker is started at once, so that the queries of other users keep
the CPU and the full pool while the slow one is waiting to be stopped (the pool shrinks back
afterwards).

Named queries with bound parameters and the planner's own reads stay in process: they are
bounded by construction.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from kg.errors import KgError, QueryError, QueryMemoryError, QueryTimeoutError
from kg.sandbox_worker import Engine, WorkerSpec

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_POOL_SIZE = 2
#: Seconds after which a running query's worker is demoted to SCHED_IDLE (probably a runaway).
SLOW_AFTER_S = 0.25
#: Niceness of every worker: its start-up (loading the graph) and its queries yield to the
#: front's request threads; a runaway drops further, to SCHED_IDLE.
WORKER_NICE = 5
START_WAIT_S = 60.0
ROOT = Path(__file__).resolve().parent.parent
_MEMORY_DEATHS = (-signal.SIGABRT, -signal.SIGKILL, -signal.SIGSEGV, -signal.SIGBUS)


# ----------------------------------------------------------------------------- in the parent


@dataclass
class _Worker:
    process: subprocess.Popen[bytes]
    conn: Connection
    pid: int
    slow: bool = False  # busy past SLOW_AFTER_S: demoted, a stand-in started, retired when done


def _launch(spec: WorkerSpec) -> tuple[subprocess.Popen[bytes], Connection]:
    """Start ``python -m kg.sandbox_worker FD`` with one end of a socket pair as FD; send it the spec."""
    ours, theirs = socket.socketpair()
    path = os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))
    env = {**os.environ, "PYTHONPATH": path}
    with ours, theirs:
        process = subprocess.Popen(  # our own module, no shell
            [sys.executable, "-m", "kg.sandbox_worker", str(theirs.fileno()), str(os.getpid())],
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        conn = Connection(os.dup(ours.fileno()))
    with contextlib.suppress(OSError):  # a worker yields to the front that serves the other clients
        os.setpriority(os.PRIO_PROCESS, process.pid, WORKER_NICE)
    conn.send(spec)
    return process, conn


class WorkerPool:
    """A warm pool of query workers; :meth:`run` answers within the deadline or kills the worker.

    Parameters
    ----------
    spec : WorkerSpec
        What every worker loads, and its memory cap.
    size : int
        Number of workers (each answers one query at a time).

    Examples
    --------
    >>> with WorkerPool(WorkerSpec(), size=1) as pool:
    ...     pool.run("ASK { ?s ?p ?o }", timeout_s=10).boolean
    True
    """

    def __init__(self, spec: WorkerSpec | None = None, size: int = DEFAULT_POOL_SIZE) -> None:
        if size < 1:
            raise KgError(f"a query pool needs at least one worker, not {size}")
        self.spec = spec or WorkerSpec()
        self.size = size
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._spawns: queue.Queue[int | None] = queue.Queue()
        self._workers: dict[int, _Worker] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._failure: str | None = None
        self._pending = 0  # spawns ordered and not finished
        # Every worker is started by this one long-lived thread: PR_SET_PDEATHSIG fires when the
        # *thread* that started a worker ends, and request threads come and go.
        self._supervisor = threading.Thread(target=self._supervise, name="sparql-pool", daemon=True)
        self._supervisor.start()
        for _ in range(size):
            self._order_spawn()

    # -- lifecycle

    def _supervise(self) -> None:
        while (order := self._spawns.get()) is not None:
            if not self._closed:
                self._start_one()
            del order

    def _start_one(self) -> None:
        try:
            self._start_worker()
        finally:
            with self._lock:
                self._pending -= 1

    def _start_worker(self) -> None:
        process, parent_end = _launch(self.spec)
        reply: tuple[Any, ...] = ("failed", "the worker did not start")
        with contextlib.suppress(EOFError, OSError):
            if parent_end.poll(START_WAIT_S):
                reply = parent_end.recv()
        if reply[0] != "ready":
            self._failure = str(reply[1])
            _kill(process)
            return
        worker = _Worker(process, parent_end, int(reply[1]))
        with self._lock:
            if self._closed:
                _kill(process)
                return
            self._workers[worker.pid] = worker
        self._idle.put(worker)

    def wait_ready(self, timeout: float = START_WAIT_S) -> WorkerPool:
        """Block until every worker is up (the pool is warm); raise if one could not start."""
        deadline = time.monotonic() + timeout
        while len(self._workers) < self.size and time.monotonic() < deadline:
            if self._failure:
                raise KgError(f"a SPARQL query worker could not start: {self._failure}")
            time.sleep(0.02)
        return self

    def pids(self) -> list[int]:
        """The process ids of the live workers (for tests and diagnostics)."""
        with self._lock:
            return sorted(self._workers)

    def close(self) -> None:
        """Stop every worker and the supervisor thread."""
        with self._lock:
            self._closed = True
            workers, self._workers = list(self._workers.values()), {}
        self._spawns.put(None)
        for worker in workers:
            _kill(worker.process)
            worker.conn.close()

    def __enter__(self) -> WorkerPool:
        return self.wait_ready()

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- queries

    def run(
        self,
        query: str,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        source: str = "the query",
        accept: str | None = None,
    ) -> Any:
        """Answer ``query`` in a worker within ``timeout_s`` seconds, waiting for a free one included.

        Returns a :class:`kg.results.QueryResult`, or with ``accept`` (an HTTP Accept header) the
        pair (serialized bytes, media type).

        Raises
        ------
        QueryTimeoutError
            The deadline passed (the worker was killed, or none became free in time).
        QueryMemoryError
            The worker reached its memory cap.
        QueryError
            The engine refused or failed the query.
        """
        deadline = time.monotonic() + timeout_s
        worker = self._take(deadline, timeout_s, source)
        job = ("result", query, source) if accept is None else ("bytes", query, source, accept)
        try:
            worker.conn.send((*job, timeout_s))
            answered = self._wait(worker, deadline)
            reply = worker.conn.recv() if answered else None
        except (EOFError, OSError):
            self._discard(worker)
            raise self._death(worker, source, timeout_s) from None
        except BaseException:  # interrupted (Ctrl-C): the worker may still be busy
            self._discard(worker)
            raise
        if reply is None:
            self._discard(worker)
            raise QueryTimeoutError(_stopped(source, timeout_s))
        self._give_back(worker)
        return self._unpack(reply, source)

    def _take(self, deadline: float, timeout_s: float, source: str) -> _Worker:
        if self._closed:
            raise KgError("the SPARQL query pool is closed")
        while True:
            try:
                return self._idle.get(timeout=max(0.0, min(1.0, deadline - time.monotonic())))
            except queue.Empty:
                if self._failure and not self._workers:
                    raise KgError(f"a SPARQL query worker could not start: {self._failure}") from None
                if time.monotonic() >= deadline:
                    raise QueryTimeoutError(
                        f"{_stopped(source, timeout_s)}; every query worker was busy"
                    ) from None

    def _wait(self, worker: _Worker, deadline: float) -> bool:
        """Wait for the answer until the deadline.

        A worker still busy after ``SLOW_AFTER_S`` is probably running away: it is demoted
        (:func:`_demote`) and a stand-in is started at once, so the other clients keep ``size``
        workers meanwhile.
        """
        if worker.conn.poll(max(0.0, min(SLOW_AFTER_S, deadline - time.monotonic()))):
            return True
        _demote(worker.pid)
        worker.slow = True
        self._order_spawn()
        return worker.conn.poll(max(0.0, deadline - time.monotonic()))

    def _order_spawn(self) -> None:
        """Start a worker when fewer than ``size`` healthy ones (not slow) are alive or on their way."""
        with self._lock:
            healthy = sum(not w.slow for w in self._workers.values())
            if self._closed or healthy + self._pending >= self.size:
                return
            self._pending += 1
        self._spawns.put(1)

    def _give_back(self, worker: _Worker) -> None:
        """Return a worker to the idle queue; a slow one (demoted, its stand-in running) retires."""
        if worker.slow:
            self._discard(worker)
        else:
            self._idle.put(worker)

    def _discard(self, worker: _Worker) -> None:
        """Kill a worker (busy past its deadline, or dead) and order its replacement."""
        _kill(worker.process)
        worker.conn.close()
        with self._lock:
            self._workers.pop(worker.pid, None)
        self._order_spawn()

    def _death(self, worker: _Worker, source: str, timeout_s: float) -> QueryError:
        code = worker.process.returncode
        if code == -signal.SIGXCPU:
            return QueryTimeoutError(_stopped(source, timeout_s))
        if code in _MEMORY_DEATHS:
            return QueryMemoryError(_out_of_memory(source, self.spec.memory_mb))
        return QueryError(f"{source} crashed its query worker (exit code {code})")

    def _unpack(self, reply: tuple[Any, ...], source: str) -> Any:
        kind = reply[0]
        if kind == "result":
            return reply[1]
        if kind == "bytes":
            return reply[1], reply[2]
        if kind == "memory":
            raise QueryMemoryError(_out_of_memory(source, self.spec.memory_mb))
        raise reply[1]


def _demote(pid: int) -> None:
    """Let a probable runaway run only on CPU time nobody else wants.

    ``SCHED_IDLE`` (Linux) ranks below every normal process, nice 19 included, so the front's
    request threads and the other workers preempt it at once; elsewhere nice 19.
    """
    with contextlib.suppress(OSError, AttributeError):
        os.sched_setscheduler(pid, os.SCHED_IDLE, os.sched_param(0))
        return
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, pid, 19)


def _stopped(source: str, timeout_s: float) -> str:
    return f"{source} was stopped after {timeout_s:g} s (the query deadline; see --timeout-s)"


def _out_of_memory(source: str, memory_mb: int) -> str:
    return f"{source} was stopped: memory limit ({memory_mb} MiB per query worker) reached"


def _kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL and reap: a runaway query burns no CPU after this returns.

    A demoted worker gets its normal class back first (where permitted), so that it is not
    left waiting for idle CPU to run its own exit on a busy machine.
    """
    if process.poll() is None:
        with contextlib.suppress(OSError, AttributeError):
            os.sched_setscheduler(process.pid, os.SCHED_OTHER, os.sched_param(0))
        process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


class SandboxBackend:
    """A :class:`kg.sparql.SparqlBackend` whose queries run in a :class:`WorkerPool`.

    Examples
    --------
    >>> with WorkerPool(size=1) as pool:
    ...     SandboxBackend(pool).run("ASK { ?s ?p ?o }", timeout=10).boolean
    True
    """

    name = "sandboxed"

    def __init__(self, pool: WorkerPool, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.pool = pool
        self.timeout_s = timeout_s

    def run(self, query: str, *, timeout: float | None = None, source: str = "the query") -> Any:
        from kg.sparql import check_read_only

        check_read_only(query, source)
        return self.pool.run(query, timeout_s=timeout or self.timeout_s, source=source)


@functools.lru_cache(maxsize=2)
def shared_pool(engine: Engine = "oxigraph", release: Path | str | None = None) -> WorkerPool:
    """One warm pool per process for the app's console (closed at exit)."""
    pool = WorkerPool(WorkerSpec(engine, release=str(release) if release else None))
    atexit.register(pool.close)
    return pool
