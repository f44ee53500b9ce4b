"""The front keeps named-query answers, never free-text ones; a runaway worker runs at SCHED_IDLE.

Real worker processes and a real HTTP front; the only instrumentation is a counter around the
pool's ``run`` (how many queries reached a worker).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from kg.errors import QueryError, QueryTimeoutError
from kg.front import Answer, AnswerCache, FrontServer, NamedQueryTexts
from kg.named_queries import get_named_query, named_queries
from kg.sandbox import SLOW_AFTER_S, WorkerPool
from kg.sandbox_worker import WorkerSpec
from kg.server import free_port

ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
JSON = {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"}


@pytest.fixture(scope="module")
def front() -> Iterator[tuple[FrontServer, list[str]]]:
    """A front with one worker; the list collects every query text that reached the pool."""
    server = FrontServer(port=free_port(), workers=1, timeout_s=5).start()
    assert server.pool is not None
    pool_run = server.pool.run
    reached: list[str] = []

    def counted(query: str, **kwargs: object) -> object:
        reached.append(query)
        return pool_run(query, **kwargs)  # type: ignore[arg-type]

    server.pool.run = counted  # type: ignore[method-assign]
    try:
        yield server, reached
    finally:
        server.stop()


def test_every_named_query_text_is_recognized_bound_or_not() -> None:
    texts = NamedQueryTexts()
    for query in named_queries().values():
        assert query.text in texts
        for param in query.parameters:
            assert query.render({param.name: "perrier_F"}) in texts
            assert query.render({param.name: ["a", "b:c", "mL/min/1.73m2"]}) in texts


@pytest.mark.parametrize(
    "edit",
    [
        lambda t: t + "\nLIMIT 1",
        lambda t: t.replace("SELECT", "SELECT (RAND() AS ?r)", 1),
        lambda t: t.replace("WHERE {", "WHERE { ?s ?p ?o .", 1),
        lambda t: t.replace("{ UNDEF }", '{ "x" } ?a ?b ?c . ?d ?e ?f . VALUES ?z { UNDEF }', 1),
        lambda t: t.replace("{ UNDEF }", '{ "x\\" } ?q ?r ?s { " }', 1),
    ],
)
def test_a_changed_named_query_is_free_text(edit: object) -> None:
    text = get_named_query("vein-drainage").text
    changed = edit(text)  # type: ignore[operator]
    assert changed != text and changed not in NamedQueryTexts()


def test_a_named_query_is_answered_by_a_worker_once(front: tuple[FrontServer, list[str]]) -> None:
    server, reached = front
    query = get_named_query("descent-path").render({"path": "path_inferior"})
    with httpx.Client() as client:
        answers = [client.post(server.query_url, content=query, headers=JSON) for _ in range(3)]
        csv = client.post(server.query_url, content=query, headers={**JSON, "Accept": "text/csv"})
    assert {a.status_code for a in answers} == {200} and csv.status_code == 200
    assert answers[0].content == answers[1].content == answers[2].content
    assert "path_inferior" in answers[0].text and csv.headers["content-type"].startswith("text/csv")
    assert reached.count(query) == 2  # once per Accept, then kept


def test_free_text_and_failures_always_reach_a_worker(front: tuple[FrontServer, list[str]]) -> None:
    server, reached = front
    free = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    broken = get_named_query("thresholds").text.replace("SELECT", "SELEC", 1)
    with httpx.Client() as client:
        for _ in range(2):
            assert client.post(server.query_url, content=free, headers=JSON).status_code == 200
            assert client.post(server.query_url, content=broken, headers=JSON).status_code == 400
    assert reached.count(free) == 2 and reached.count(broken) == 2


def test_the_cache_drops_the_least_recently_used_past_its_size() -> None:
    cache = AnswerCache(max_bytes=4000)
    for i in range(5):
        cache.put((f"q{i}", "*/*"), Answer(200, b"x" * 900))
        cache.get(("q0", "*/*"))  # q0 stays in use
    assert cache.get(("q0", "*/*")) is not None and cache.get(("q4", "*/*")) is not None
    assert cache.get(("q1", "*/*")) is None  # the oldest unused one went first
    cache.put(("big", "*/*"), Answer(200, b"x" * 1001))  # over a quarter: not kept
    assert cache.get(("big", "*/*")) is None


def test_a_runaway_worker_runs_at_sched_idle_until_it_is_killed() -> None:
    with WorkerPool(WorkerSpec(), size=1) as pool:
        pid = pool.pids()[0]
        assert os.sched_getscheduler(pid) == os.SCHED_OTHER
        outcome: list[BaseException] = []

        def runaway() -> None:
            try:
                pool.run(ENDLESS, timeout_s=SLOW_AFTER_S + 1.5)
            except QueryTimeoutError as exc:
                outcome.append(exc)

        thread = threading.Thread(target=runaway)
        thread.start()
        time.sleep(SLOW_AFTER_S + 0.5)
        assert os.sched_getscheduler(pid) == os.SCHED_IDLE
        thread.join(timeout=10)
        assert outcome and not os.path.exists(f"/proc/{pid}/stat")
        assert pool.wait_ready().run("ASK { ?s ?p ?o }", timeout_s=10).boolean  # the stand-in


def test_every_worker_serves_the_release_bytes_the_parent_read() -> None:
    nt = b'<https://w3id.org/parareop/x> <http://www.w3.org/2000/01/rdf-schema#label> "pinned" .\n'
    ask = "ASK { ?s ?p 'pinned' } "
    with WorkerPool(WorkerSpec(release_nt=nt), size=1) as pool:
        assert pool.run(ask, timeout_s=10).boolean
        assert not pool.run("ASK { ?s a ?class }", timeout_s=10).boolean  # not the release file
        os.kill(pool.pids()[0], signal.SIGKILL)
        with pytest.raises(QueryError):
            pool.run(ask, timeout_s=10)
        # its replacement loads the same bytes, not the file
        assert pool.wait_ready().run(ask, timeout_s=10).boolean
