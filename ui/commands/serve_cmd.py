"""``parareop serve``: a real, read-only Oxigraph SPARQL server over the knowledge graph.

Loads the release (and, with ``--cases DIR``, every case in DIR as a named graph, each
checked against the SHACL shapes first) into a temporary store, starts ``oxigraph
serve-read-only`` on 127.0.0.1, prints the endpoint URL, and on Ctrl-C stops the server and
removes the temporary store.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Any


def register(subparsers: Any) -> None:
    """Add the ``serve`` command to the top-level parser."""
    parser = subparsers.add_parser(
        "serve",
        help="serve the knowledge graph read-only over SPARQL (a real Oxigraph server on 127.0.0.1)",
        description="Start a read-only Oxigraph SPARQL server on 127.0.0.1 loaded with the ontology "
        "release and, optionally, case graphs. Ctrl-C stops it.",
    )
    parser.add_argument("--port", type=int, default=7878, help="TCP port (default: %(default)s)")
    parser.add_argument(
        "--cases", type=Path, metavar="DIR", help="also serve the case files in DIR, one named graph each"
    )
    parser.add_argument(
        "--timeout-s",
        type=int,
        default=30,
        metavar="SECONDS",
        help="the server stops a query after this many seconds (default: %(default)s)",
    )
    parser.set_defaults(handler=_run)


def _terminate(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _run(args: argparse.Namespace) -> int:
    from kg.errors import ServerError
    from kg.server import DEFAULT_HOST, port_in_use, served

    if not 0 < args.port < 65536:
        raise ServerError(f"--port must be between 1 and 65535, not {args.port}")
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
        with served(graphs=graphs, port=args.port, timeout_s=args.timeout_s) as server:
            cases = f" and {len(graphs)} case graph(s)" if graphs else ""
            print(f"SPARQL endpoint (read-only): {server.query_url}", flush=True)
            print(
                f"serving the ParaReop ontology{cases}; YASGUI at {server.base_url}/ ; Ctrl-C to stop",
                flush=True,
            )
            try:
                code = server.wait()
            except KeyboardInterrupt:
                print("stopping the SPARQL server", file=sys.stderr, flush=True)
                return 0
            raise ServerError(f"the Oxigraph server stopped by itself (exit code {code})")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
