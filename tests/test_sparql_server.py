"""The real read-only Oxigraph server (``oxigraph serve-read-only``), started on a free loopback
port for these tests and stopped by its process afterwards. Never skipped: the ``oxigraph``
command is a pinned dependency of the project."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kg.cases import load_case_folder
from kg.endpoint import EndpointBackend
from kg.errors import EndpointError, QueryError, QueryTimeoutError
from kg.named_queries import named_queries
from kg.server import OxigraphServer, free_port, oxigraph_executable, prepare_store, served
from kg.sparql import EmbeddedBackend, embedded_with_cases, run_named
from ontology.paths import shared_dir

CASES = shared_dir() / "cases"
SERVER_TIMEOUT_S = 2
#: A cross product of the whole graph with itself, three times: far more than seconds of work.
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
PRP = "https://w3id.org/parareop/"

@pytest.fixture(scope="session")
def case_graphs() -> dict[str, bytes]:
    return load_case_folder(CASES).graphs()


@pytest.fixture(scope="session")
def server(
    tmp_path_factory: pytest.TempPathFactory, case_graphs: dict[str, bytes]
) -> Iterator[OxigraphServer]:
    """A real ``oxigraph serve-read-only`` over the release and the example cases."""
    workdir = tmp_path_factory.mktemp("oxigraph")
    prepare_store(workdir / "store", graphs=case_graphs)
    srv = OxigraphServer(workdir / "store", port=free_port(), timeout_s=SERVER_TIMEOUT_S, log=workdir / "log")
    srv.start()
    process = srv.process
    assert process is not None
    yield srv
    srv.stop()
    assert process.poll() is not None


@pytest.fixture(scope="session")
def remote(server: OxigraphServer) -> EndpointBackend:
    return EndpointBackend(server.query_url, timeout=60)


@pytest.fixture(scope="session")
def local(case_graphs: dict[str, bytes]) -> EmbeddedBackend:
    return embedded_with_cases(case_graphs)


def test_the_server_is_the_real_oxigraph_read_only_server(server: OxigraphServer) -> None:
    assert Path(server.command()[0]) == Path(oxigraph_executable())
    assert server.command()[1] == "serve-read-only"
    assert server.host == "127.0.0.1" and server.running() and server.answers()


@pytest.mark.parametrize("name", sorted(named_queries()))
def test_every_named_query_gives_the_same_rows_as_the_embedded_store(
    name: str, remote: EndpointBackend, local: EmbeddedBackend
) -> None:
    for params in ({}, named_queries()[name].example):
        over_http = run_named(name, params, remote)
        embedded = run_named(name, params, local)
        assert over_http.variables == embedded.variables
        assert len(over_http) == len(embedded) > 0
        assert over_http.canonical() == embedded.canonical()


def test_the_thymic_vein_over_http(remote: EndpointBackend) -> None:
    rows = run_named("vein-drainage", {"vein": "thymic_vein"}, remote).values()
    assert sorted(r["site"] for r in rows) == ["anterior_mediastinum", "perrier_F"]


def test_an_update_is_refused(server: OxigraphServer, remote: EndpointBackend) -> None:
    insert = f"INSERT DATA {{ <{PRP}site_perrier_F> <{PRP}note> 'tampered' }}"
    by_update = httpx.post(
        f"{server.base_url}/update",
        content=insert,
        headers={"Content-Type": "application/sparql-update"},
        timeout=10,
    )
    assert by_update.status_code == 403 and "read-only" in by_update.text
    by_store = httpx.post(
        f"{server.base_url}/store?default",
        content=f"<{PRP}a> <{PRP}b> <{PRP}c> .",
        headers={"Content-Type": "application/n-triples"},
        timeout=10,
    )
    assert by_store.status_code == 403
    by_query = httpx.post(
        server.query_url, content=insert, headers={"Content-Type": "application/sparql-query"}, timeout=10
    )
    assert by_query.status_code == 400
    with pytest.raises(QueryError, match="read-only"):
        remote.run(insert)
    assert remote.run(f"ASK {{ <{PRP}site_perrier_F> <{PRP}note> ?x }}").boolean is False


def test_a_malformed_query_gets_a_clear_error(remote: EndpointBackend) -> None:
    with pytest.raises(QueryError) as info:
        remote.run("SELEC ?site WHERE { ?site a ?c }", source="the test query")
    message = str(info.value)
    assert "rejected the test query (HTTP 400)" in message and "error at 1:" in message
    assert "\n" not in message


def test_a_query_that_runs_too_long_is_stopped_by_the_server(
    server: OxigraphServer, remote: EndpointBackend
) -> None:
    started = time.monotonic()
    with pytest.raises(QueryTimeoutError, match="server's timeout"):
        remote.run(ENDLESS)
    assert time.monotonic() - started < 30
    assert server.answers()


def test_a_query_that_runs_too_long_is_stopped_by_the_client(server: OxigraphServer) -> None:
    started = time.monotonic()
    with pytest.raises(QueryTimeoutError, match="ran longer than 0.5 s"):
        EndpointBackend(server.query_url, timeout=0.5).run(ENDLESS)
    assert time.monotonic() - started < 5
    assert server.answers()


def test_plain_http_get_with_csv_like_curl(server: OxigraphServer) -> None:
    query = (
        f"SELECT ?vein WHERE {{ ?vein <{PRP}drainsSite> <{PRP}site_anterior_mediastinum> }} ORDER BY ?vein"
    )
    response = httpx.get(
        server.query_url, params={"query": query}, headers={"Accept": "text/csv"}, timeout=10
    )
    assert response.status_code == 200
    lines = response.text.split()
    assert lines[0] == "vein" and f"{PRP}vein_thymic_vein" in lines


def test_an_unreachable_endpoint_is_one_clear_error() -> None:
    with pytest.raises(EndpointError, match="cannot reach the SPARQL endpoint"):
        EndpointBackend(f"http://127.0.0.1:{free_port()}/query", timeout=5).run("ASK {}")
    with pytest.raises(EndpointError, match="not an http"):
        EndpointBackend("ftp://example.org/sparql")


def test_stopping_the_server_ends_its_process() -> None:
    with served(port=free_port()) as srv:
        process = srv.process
        assert process is not None and srv.answers()
        url = srv.query_url
    assert process.poll() is not None
    with pytest.raises(httpx.HTTPError):
        httpx.get(url, params={"query": "ASK {}"}, timeout=2)


def test_a_taken_port_is_one_clear_error(server: OxigraphServer, tmp_path: Path) -> None:
    from kg.errors import ServerError

    other = OxigraphServer(server.location, port=server.port)
    with pytest.raises(ServerError, match="already in use"):
        other.start()


# ---------------------------------------------------------------- parareop serve, as a user runs it


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "ui.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_parareop_serve_answers_curl_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = _cli("serve", "--port", str(port), "--cases", str(CASES), env=env)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        assert first == f"SPARQL endpoint (read-only): http://127.0.0.1:{port}/query"
        assert "14 case graph(s)" in proc.stdout.readline()
        endpoint = first.rsplit(" ", 1)[1]
        query = f"SELECT ?c WHERE {{ GRAPH ?g {{ ?c a <{PRP}Case> }} }} ORDER BY ?c"
        if shutil.which("curl"):  # as a user would; httpx where the machine has no curl
            answer = subprocess.run(
                ["curl", "-s", "-H", "Accept: text/csv", "--data-urlencode", f"query={query}", endpoint],
                capture_output=True,
                text=True,
                timeout=30,
                check=True,
            ).stdout
        else:
            answer = httpx.post(
                endpoint, data={"query": query}, headers={"Accept": "text/csv"}, timeout=30
            ).text
        assert f"{PRP}case/ex-04-missing-left-inferior" in answer
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert not any(tmp_path.iterdir())  # the store lives in the workers' memory: nothing on disk
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{port}/query", params={"query": "ASK {}"}, timeout=2)


def test_parareop_serve_refuses_a_case_that_fails_its_shapes(tmp_path: Path) -> None:
    bad = (
        (CASES / "ex-13-missing-left-superior.json")
        .read_text(encoding="utf-8")
        .replace('"retroesophageal"', '"retro_esophageal"', 1)
    )
    (tmp_path / "bad.json").write_text(bad, encoding="utf-8")
    proc = _cli("serve", "--port", str(free_port()), "--cases", str(tmp_path))
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("parareop: error: case 'ex-13-missing-left-superior'")
    assert "a finding at a site that does not exist" in lines[0] and "bad.json" in lines[0]


def test_parareop_serve_on_a_taken_port(server: OxigraphServer) -> None:
    proc = _cli("serve", "--port", str(server.port))
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert (
        err.strip()
        == f"parareop: error: port {server.port} on 127.0.0.1 is already in use (choose another with --port)"
    )


def test_parareop_sparql_against_the_server(server: OxigraphServer) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ui.cli",
            "sparql",
            "--endpoint",
            server.query_url,
            "--name",
            "cases-with-positive-finding",
            "--param",
            "site=retroesophageal",
            "--format",
            "csv",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "case,site,side,modality,day,size_mm"
    assert {line.split(",")[0] for line in done.stdout.splitlines()[1:]} == {"ex-13-missing-left-superior"}
    bad = subprocess.run(
        [sys.executable, "-m", "ui.cli", "sparql", "--endpoint", server.query_url, "SELEC ?x"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1
    assert "Traceback" not in bad.stderr and "HTTP 400" in bad.stderr
