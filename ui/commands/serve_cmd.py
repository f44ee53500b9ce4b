"""``parareop serve``: a read-only SPARQL endpoint over the knowledge graph, on 127.0.0.1.

Loads the release (and, with ``--cases DIR``, every case in DIR as a named graph, each
checked against the SHACL shapes first) into a warm pool of query workers (in memory: nothing
is written to disk), starts the HTTP front (:mod:`kg.front`), prints the endpoint URL, and on
Ctrl-C or SIGTERM stops the front and kills the workers. Each query is killed at
``--timeout-s``; the workers die with this process even when it is SIGKILLed.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any


def register(subparsers: Any) -> None:
    """Add the ``serve`` command to the top-level parser."""
    parser = subparsers.add_parser(
        "serve",
        help="serve the knowledge graph read-only over SPARQL (on 127.0.0.1)",
        description="Start a read-only SPARQL endpoint on 127.0.0.1 loaded with the ontology "
        "release and, optionally, case graphs. Updates, SERVICE and LOAD are refused; a query is "
        "killed at its deadline or memory cap. Ctrl-C stops it.",
    )
    parser.add_argument("--port", type=int, default=7878, help="TCP port (default: %(default)s)")
    parser.add_argument(
        "--cases", type=Path, metavar="DIR", help="also serve the case files in DIR, one named graph each"
    )
    parser.add_argument(
        "--timeout-s",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="kill a query's worker after this many seconds (default: %(default)s)",
    )
    parser.add_argument(
        "--workers", type=int, default=3, help="query worker processes (default: %(default)s)"
    )
    parser.add_argument(
        "--memory-mb",
        type=int,
        default=1024,
        metavar="MIB",
        help="address-space cap of each query worker (default: %(default)s)",
    )
    parser.set_defaults(handler=_run)


def _terminate(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _run(args: argparse.Namespace) -> int:
    from kg.errors import ServerError
    from kg.front import FrontServer
    from kg.server import DEFAULT_HOST, port_in_use

    if not 0 < args.port < 65536:
        raise ServerError(f"--port must be between 1 and 65535, not {args.port}")
    if args.timeout_s <= 0 or args.workers < 1 or args.memory_mb < 256:
        raise ServerError("--timeout-s must be positive, --workers at least 1, --memory-mb at least 256")
    if port_in_use(DEFAULT_HOST, args.port):
        raise ServerError(
            f"port {args.port} on {DEFAULT_HOST} is already in use (choose another with --port)"
        )
    graphs: dict[str, bytes] = {}
    if args.cases is not None:
        from kg.cases import load_case_folder

        loaded = load_case_folder(args.cases)
        for path, reason in loaded.skipped:
            print(f"parareop: skipped {path.name}: {reason}", file=sys.stderr)
        graphs = loaded.graphs()
    # Ctrl-C (SIGINT) and SIGTERM both stop the server cleanly; SIGINT is installed explicitly
    # because a shell may start a background job with SIGINT ignored.
    previous = {sig: signal.signal(sig, _terminate) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server = FrontServer(
            graphs=graphs,
            port=args.port,
            timeout_s=args.timeout_s,
            workers=args.workers,
            memory_mb=args.memory_mb,
        )
        with server:
            cases = f" and {len(graphs)} case graph(s)" if graphs else ""
            print(f"SPARQL endpoint (read-only): {server.query_url}", flush=True)
            print(
                f"serving the ParaReop ontology{cases}; each query stopped after {args.timeout_s:g} s "
                f"or {args.memory_mb} MiB ({args.workers} workers); Ctrl-C to stop",
                flush=True,
            )
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                print("stopping the SPARQL server", file=sys.stderr, flush=True)
                return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
