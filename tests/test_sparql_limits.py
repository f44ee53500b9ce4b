"""Free-text SPARQL is stoppable and cannot reach out: real processes, real sockets, no mocks.

* a runaway query (a three-way cross join) is stopped at its deadline in the CLI, the app's
  console and ``parareop serve``, its worker is killed (the pid is gone, no CPU is burnt
  afterwards) and other clients are answered meanwhile;
* a query that would take all the memory (ORDER BY over a cross join) is stopped at the
  worker's memory cap;
* ``SERVICE`` to a listener started here is refused in every engine path and no connection
  ever arrives; a string literal "SERVICE" is not refused;
* the server answers only its own ``Host``; SIGKILL of ``serve`` leaves no process and no file.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kg.errors import QueryMemoryError, QueryRefusedError, QueryTimeoutError
from kg.guard import check_query
from kg.sandbox import WorkerPool
from kg.sandbox_worker import WorkerSpec
from kg.server import free_port
from kg.sparql import EmbeddedBackend, RdflibBackend

DEADLINE_S = 1
#: Three copies of every triple joined with each other: hours of work.
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
#: Every pair of triples, sorted: tens of millions of rows held in memory at once.
MEMORY_BOMB = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?a ?f ?c"
LITERAL_SERVICE = "SELECT ?x WHERE { BIND('SERVICE <http://127.0.0.1:1/> { }' AS ?x) }"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pid: int) -> int:
    """User + system CPU time of ``pid`` in clock ticks (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def workers_of(parent: int) -> list[int]:
    """The query workers started by ``parent`` (their command line ends with its pid)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"kg.sandbox_worker" in argv and argv[-2:-1] == [str(parent).encode()] and alive(int(entry.name)):
            found.append(int(entry.name))
    return sorted(found)


class Listener:
    """A TCP listener on loopback that counts the connections it receives."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = int(self.sock.getsockname()[1])
        self.connections = 0
        self._stop = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def _accept(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop = True
        self._thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def sparql(*args: str, timeout: float = 60) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "ui.cli", "sparql", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return done, time.monotonic() - started


def one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 1 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert lines[0].startswith("parareop: error: ")
    return lines[0]


# ------------------------------------------------------------------------------ the refusal


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }",
        "select * where { service silent <http://127.0.0.1:1/> { ?s ?p ?o } }",
        "PREFIX s: <urn:x#> SELECT * WHERE { ?s ?p ?o . SERVICE ?endpoint { ?s ?p ?o } }",
        "SELECT * WHERE { FILTER EXISTS { SERVICE<http://127.0.0.1:1/>{?s ?p ?o} } }",
        "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }",
        "# a comment\nLOAD <http://127.0.0.1:1/data.ttl>",
        "DELETE WHERE { ?s ?p ?o }",
        "PREFIX prp: <https://w3id.org/parareop/> INSERT DATA { prp:a prp:b prp:c }",
    ],
)
def test_federation_loads_and_updates_are_refused(query: str) -> None:
    with pytest.raises(QueryRefusedError, match="SERVICE|update"):
        check_query(query)


@pytest.mark.parametrize(
    "query",
    [
        LITERAL_SERVICE,
        "SELECT ?service WHERE { ?service <urn:x#SERVICE> ?o } LIMIT 1",
        "PREFIX service: <urn:x#> SELECT * WHERE { ?s service:load ?o } # SERVICE <http://x/>",
        'SELECT * WHERE { ?s ?p """a long string: SERVICE <http://x/> { }""" }',
        "SELECT * WHERE { ?s ?p ?o FILTER(?o = 'delete'@en) }",
    ],
)
def test_the_words_in_strings_names_and_comments_are_not_refused(query: str) -> None:
    check_query(query)


def test_service_never_reaches_the_network_in_process(listener: Listener) -> None:
    query = f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"
    for backend in (EmbeddedBackend(), RdflibBackend()):
        with pytest.raises(QueryRefusedError, match="SERVICE"):
            backend.run(query)
    rows = RdflibBackend().run(f"SELECT * FROM <{listener.url}> WHERE {{ ?s ?p ?o }} LIMIT 1")
    assert len(rows) <= 1
    time.sleep(0.3)
    assert listener.connections == 0


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_service_in_the_cli_is_one_line_and_no_request(engine: str, listener: Listener) -> None:
    done, _ = sparql("--engine", engine, f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}")
    assert "uses SERVICE (a federated call to another server), refused" in one_error_line(done)
    fine, _ = sparql("--engine", engine, LITERAL_SERVICE)
    assert fine.returncode == 0 and "SERVICE <http" in fine.stdout, fine.stderr
    time.sleep(0.3)
    assert listener.connections == 0


# ------------------------------------------------------------------------------ the deadline


def test_the_pool_kills_a_runaway_query_at_its_deadline_and_replaces_the_worker() -> None:
    with WorkerPool(WorkerSpec(), size=1) as pool:
        (victim,) = pool.pids()
        started = time.monotonic()
        with pytest.raises(QueryTimeoutError, match=f"stopped after {DEADLINE_S} s"):
            pool.run(ENDLESS, timeout_s=DEADLINE_S, source="the runaway")
        assert time.monotonic() - started < DEADLINE_S + 2
        assert not alive(victim)  # killed: it burns no CPU any more
        assert pool.run("ASK { ?s ?p ?o }", timeout_s=30).boolean is True
        assert pool.pids() and victim not in pool.pids()


def test_the_pool_stops_a_query_at_its_memory_cap() -> None:
    with WorkerPool(WorkerSpec(memory_mb=512), size=1) as pool:
        started = time.monotonic()
        with pytest.raises(QueryMemoryError, match=r"stopped: memory limit \(512 MiB"):
            pool.run(MEMORY_BOMB, timeout_s=30)
        assert time.monotonic() - started < 15
        assert pool.run("ASK { ?s ?p ?o }", timeout_s=30).boolean is True


def test_the_cli_stops_a_runaway_query_in_one_line() -> None:
    _, startup = sparql("ASK { ?s ?p ?o }")  # the CLI's own start, worker included
    done, elapsed = sparql("--timeout-s", str(DEADLINE_S), ENDLESS)
    assert one_error_line(done).endswith(f"the inline query was stopped after {DEADLINE_S} s "
                                         "(the query deadline; see --timeout-s)")  # fmt: skip
    assert elapsed < startup + DEADLINE_S + 2


def test_the_cli_rdflib_engine_is_stopped_too() -> None:
    done, _ = sparql("--engine", "rdflib", "--timeout-s", str(DEADLINE_S), ENDLESS)
    assert f"stopped after {DEADLINE_S} s" in one_error_line(done)


def test_the_cli_reports_the_memory_limit() -> None:
    done, _ = sparql("--memory-mb", "512", MEMORY_BOMB)
    assert "was stopped: memory limit (512 MiB per query worker) reached" in one_error_line(done)


def test_the_app_console_stops_a_runaway_query() -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).parent.parent / "ui" / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("views/sparql_console.py").run()
    at.number_input(key="sq_deadline").set_value(DEADLINE_S).run()
    at.text_area(key="sq_text").set_value(ENDLESS).run()
    started = time.monotonic()
    at.button(key="sq_run").click().run()
    assert time.monotonic() - started < DEADLINE_S + 2 + 10  # + the first warm-up of the pool
    assert not at.exception
    assert any(f"stopped after {DEADLINE_S} s" in e.value for e in at.error), [e.value for e in at.error]


# ------------------------------------------------------------------------------ parareop serve


class Serve:
    """``parareop serve`` as a user runs it, on a free port."""

    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        env = {**os.environ, "TMPDIR": str(tmp)}
        command = ["serve", "--port", str(self.port), "--timeout-s", str(DEADLINE_S), "--workers", "2"]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ui.cli", *command],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert self.proc.stdout is not None
        first = self.proc.stdout.readline().strip()
        assert first == f"SPARQL endpoint (read-only): http://127.0.0.1:{self.port}/query", first
        self.url = first.rsplit(" ", 1)[1]

    def post(self, query: str, timeout: float = 30, **headers: str) -> httpx.Response:
        return httpx.post(
            self.url,
            content=query,
            headers={"Content-Type": "application/sparql-query", **headers},
            timeout=timeout,
        )

    def stop(self) -> None:
        """Ctrl-C as a user would; a server that does not stop in time is killed (never left behind)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.communicate(timeout=15)


@pytest.fixture(scope="module")
def serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    server = Serve(tmp_path_factory.mktemp("serve"))
    yield server
    server.stop()


def test_the_server_stops_a_runaway_query_and_keeps_serving_the_others(serve: Serve) -> None:
    before = workers_of(serve.proc.pid)
    assert len(before) == 2
    others: list[int] = []
    stop = threading.Event()

    def other_client() -> None:
        with httpx.Client() as client:
            while not stop.is_set():
                answer = client.post(
                    serve.url,
                    content="ASK { ?s ?p ?o }",
                    headers={"Content-Type": "application/sparql-query"},
                    timeout=10,
                )
                others.append(answer.status_code)

    thread = threading.Thread(target=other_client)
    thread.start()
    started = time.monotonic()
    try:
        answer = serve.post(ENDLESS)
    finally:
        elapsed = time.monotonic() - started
        stop.set()
        thread.join(timeout=15)
    assert answer.status_code == 503 and answer.headers["X-ParaReop-Stopped"] == "timeout"
    assert f"stopped after {DEADLINE_S} s" in answer.text
    assert elapsed < DEADLINE_S + 2
    assert len(others) > 10 and set(others) == {200}  # answered all the while
    victims = [pid for pid in before if not alive(pid)]
    assert len(victims) == 1  # the worker that ran it was killed, not left running
    time.sleep(1.5)  # its replacement is warm
    now = workers_of(serve.proc.pid)
    ticks = {pid: cpu_ticks(pid) for pid in now}
    time.sleep(1.0)
    assert all(cpu_ticks(pid) - ticks[pid] < 0.1 * CLK_TCK for pid in now)  # nobody still burning


def test_the_server_stops_a_memory_bomb(serve: Serve) -> None:
    answer = serve.post(MEMORY_BOMB)
    assert answer.status_code == 503 and answer.headers["X-ParaReop-Stopped"] in ("memory", "timeout")
    assert "stopped" in answer.text
    assert serve.post("ASK { ?s ?p ?o }").status_code == 200


def test_the_server_refuses_service_before_running_it(serve: Serve, listener: Listener) -> None:
    answer = serve.post(f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}")
    assert answer.status_code == 400 and "uses SERVICE" in answer.text
    by_get = httpx.get(serve.url, params={"query": f"ASK {{ SERVICE <{listener.url}> {{ }} }}"}, timeout=10)
    assert by_get.status_code == 400
    assert serve.post(LITERAL_SERVICE).status_code == 200
    time.sleep(0.3)
    assert listener.connections == 0


def test_the_server_answers_only_its_own_host(serve: Serve) -> None:
    for host in ("evil.example", f"evil.example:{serve.port}", f"127.0.0.1:{serve.port + 1}", ""):
        refused = serve.post("ASK {}", Host=host)
        assert refused.status_code == 421 and "DNS-rebinding" in refused.text, host
    for host in (f"127.0.0.1:{serve.port}", f"localhost:{serve.port}"):
        assert serve.post("ASK {}", Host=host).status_code == 200


def test_sigkill_of_serve_leaves_no_process_and_no_file(tmp_path: Path) -> None:
    server = Serve(tmp_path)
    assert server.post("ASK { ?s ?p ?o }").status_code == 200
    workers = workers_of(server.proc.pid)
    assert len(workers) == 2
    server.proc.kill()
    server.proc.communicate(timeout=10)
    deadline = time.monotonic() + 3
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in workers)
    assert not any(tmp_path.iterdir())
    with pytest.raises(httpx.HTTPError):
        httpx.get(server.url, params={"query": "ASK {}"}, timeout=2)


# ------------------------------------------------------------------------------ doctests
