"""Run the real Oxigraph SPARQL server (``oxigraph serve-read-only``) over the release.

:func:`prepare_store` writes the release (default graph) and any case graphs (one named
graph each) into an Oxigraph store folder with the ``oxigraph load`` command; an
:class:`OxigraphServer` then serves that folder read-only on a loopback address, waits until
it answers, and stops it by its process. ``parareop serve`` and the server tests both use
this module, so the tests exercise exactly what users run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import httpx

from kg.errors import ServerError
from kg.release import release_bytes, resolve_release

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878


def oxigraph_executable() -> str:
    """The ``oxigraph`` command of the ``oxigraph`` package (next to this Python first).

    Raises
    ------
    ServerError
        The command is not installed.
    """
    beside = Path(sys.executable).parent / ("oxigraph.exe" if os.name == "nt" else "oxigraph")
    if beside.is_file():
        return str(beside)
    found = shutil.which("oxigraph")
    if found:
        return found
    raise ServerError("the `oxigraph` command is not installed (pip install oxigraph==0.5.13)")


def free_port(host: str = DEFAULT_HOST) -> int:
    """A TCP port on ``host`` that nothing listens on right now.

    Examples
    --------
    >>> 1024 < free_port() < 65536
    True
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_in_use(host: str, port: int) -> bool:
    """True when something already accepts connections on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def _nquads(release: Path, graphs: Mapping[str, bytes]) -> bytes:
    """The release's triples (default graph) and each graph's triples (named graph) as N-Quads."""
    parts = [release_bytes(release)]
    for iri, data in graphs.items():
        suffix = f" <{iri}> .".encode()
        for line in data.splitlines():
            line = line.strip()
            if line and not line.startswith(b"#"):
                if not line.endswith(b"."):
                    raise ServerError(f"graph <{iri}>: not an N-Triples line: {line[:80]!r}")
                parts.append(line[:-1].rstrip() + suffix)
    return b"\n".join(part.rstrip(b"\n") for part in parts) + b"\n"


def prepare_store(
    location: Path,
    *,
    graphs: Mapping[str, bytes] | None = None,
    release: Path | str | None = None,
) -> int:
    """Load the release and the named graphs into an Oxigraph store folder.

    Parameters
    ----------
    location : Path
        The store folder (created; it must be empty or absent).
    graphs : mapping of str to bytes, optional
        Named graph IRI -> N-Triples (e.g. :meth:`kg.cases.CaseFolder.graphs`).
    release : Path or str or None
        The release for the default graph.

    Returns
    -------
    int
        The number of quads written.

    Raises
    ------
    ServerError
        ``oxigraph load`` failed.
    """
    location.mkdir(parents=True, exist_ok=True)
    data = _nquads(resolve_release(release), graphs or {})
    with tempfile.TemporaryDirectory(prefix="parareop-load-") as tmp:
        source = Path(tmp) / "dataset.nq"
        source.write_bytes(data)
        done = subprocess.run(
            [oxigraph_executable(), "load", "--location", str(location), "--file", str(source)],
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        reason = " ".join((done.stderr or done.stdout).split())[:300]
        raise ServerError(f"`oxigraph load` into {location} failed: {reason}")
    return data.count(b"\n")


@dataclass
class OxigraphServer:
    """A running ``oxigraph serve-read-only`` process.

    Use as a context manager, or call :meth:`start` and :meth:`stop`.

    Parameters
    ----------
    location : Path
        A store folder prepared by :func:`prepare_store`.
    host : str
        Loopback address to bind (default ``127.0.0.1``).
    port : int
        TCP port (default 7878).
    timeout_s : int or None
        The server's own per-query timeout (``--timeout-s``), in seconds.
    log : Path or None
        Where the server's output goes (a file in the store's parent by default).
    """

    location: Path
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    timeout_s: int | None = None
    log: Path | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        """``http://host:port``."""
        return f"http://{self.host}:{self.port}"

    @property
    def query_url(self) -> str:
        """The SPARQL query endpoint, ``http://host:port/query``."""
        return f"{self.base_url}/query"

    def command(self) -> list[str]:
        """The command line that starts the server."""
        cmd = [
            oxigraph_executable(),
            "serve-read-only",
            "--location",
            str(self.location),
            "--bind",
            f"{self.host}:{self.port}",
        ]
        if self.timeout_s is not None:
            cmd += ["--timeout-s", str(int(self.timeout_s))]
        return cmd

    def start(self, wait: float = 15.0) -> OxigraphServer:
        """Start the server and wait until it answers a query.

        Raises
        ------
        ServerError
            The port is taken, the process exits, or it does not answer within ``wait`` s.
        """
        if port_in_use(self.host, self.port):
            raise ServerError(
                f"port {self.port} on {self.host} is already in use (choose another with --port)"
            )
        log = self.log or self.location.parent / f"oxigraph-{self.port}.log"
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(  # a fixed command of our own
                self.command(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                reason = self._log_tail()
                self.process = None
                raise ServerError(f"the Oxigraph server exited at start: {reason or 'no reason given'}")
            if self.answers():
                return self
            time.sleep(0.05)
        self.stop()
        raise ServerError(f"the Oxigraph server did not answer on {self.query_url} within {wait:g} s")

    def answers(self) -> bool:
        """True when the endpoint answers ``ASK {}``."""
        try:
            response = httpx.get(
                self.query_url,
                params={"query": "ASK {}"},
                headers={"Accept": "application/sparql-results+json"},
                timeout=1.0,
            )
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    def running(self) -> bool:
        """True while the server process is alive."""
        return self.process is not None and self.process.poll() is None

    def wait(self) -> int:
        """Block until the server process exits; its exit code."""
        if self.process is None:
            return 0
        return self.process.wait()

    def stop(self, grace: float = 5.0) -> None:
        """Stop the server process (SIGTERM, then SIGKILL after ``grace`` seconds)."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=grace)

    def _log_tail(self) -> str:
        if self.log is None or not self.log.is_file():
            return ""
        lines = [line.strip() for line in self.log.read_text(errors="replace").splitlines() if line.strip()]
        return " ".join(lines[-2:])[:300]

    def __enter__(self) -> OxigraphServer:
        return self if self.running() else self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


@contextlib.contextmanager
def served(
    *,
    graphs: Mapping[str, bytes] | None = None,
    release: Path | str | None = None,
    host: str = DEFAULT_HOST,
    port: int | None = None,
    timeout_s: int | None = None,
    workdir: Path | None = None,
) -> Iterator[OxigraphServer]:
    """Prepare a temporary store, serve it read-only, and clean everything up afterwards.

    Yields
    ------
    OxigraphServer
        The running server (``.query_url`` is the endpoint).

    Examples
    --------
    >>> from kg.endpoint import EndpointBackend
    >>> with served(port=free_port()) as server:
    ...     EndpointBackend(server.query_url).run("ASK { ?s ?p ?o }").boolean
    True
    """
    tmp = Path(tempfile.mkdtemp(prefix="parareop-serve-", dir=workdir))
    try:
        store = tmp / "store"
        prepare_store(store, graphs=graphs, release=release)
        server = OxigraphServer(
            store, host=host, port=port or DEFAULT_PORT, timeout_s=timeout_s, log=tmp / "oxigraph.log"
        )
        server.start()
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
