"""``parareop sparql``: run a SPARQL query (inline, from a file, or by name) and print the answer.

The query runs on the embedded Oxigraph store by default, on rdflib's engine with
``--engine rdflib``, or on any SPARQL 1.1 endpoint with ``--endpoint URL``. Heavy imports
happen inside the handler so that ``parareop --help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ontology.errors import ParaReopError


def register(subparsers: Any) -> None:
    """Add the ``sparql`` command to the top-level parser."""
    parser = subparsers.add_parser(
        "sparql",
        help="run a SPARQL query on the knowledge graph (inline, --file, or --name)",
        description="Run a SPARQL query on the knowledge graph and print the answer. Give the query "
        "inline, in a file (--file), or by name (--name descent-path; --list shows the names).",
    )
    parser.add_argument("query", nargs="?", help="the SPARQL text (quote it)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--file", type=Path, help="read the query from this file")
    source.add_argument("--name", help="run the named query kg/queries/<NAME>.rq")
    source.add_argument("--list", action="store_true", help="list the named queries and their parameters")
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a parameter of a named query (repeat for several; repeat a name for several values)",
    )
    parser.add_argument(
        "--endpoint", metavar="URL", help="a SPARQL 1.1 endpoint to query instead of the embedded store"
    )
    parser.add_argument(
        "--engine",
        choices=("oxigraph", "rdflib"),
        default="oxigraph",
        help="the embedded engine (default: %(default)s)",
    )
    parser.add_argument(
        "--cases",
        type=Path,
        metavar="DIR",
        help="also load the case files in DIR as named graphs (embedded engines only)",
    )
    parser.add_argument(
        "--format",
        choices=("table", "csv", "json"),
        default="table",
        help="output format (default: %(default)s)",
    )
    parser.add_argument(
        "--timeout-s",
        "--timeout",
        dest="timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="stop the query after this many seconds; an inline or --file query runs in a worker "
        "process that is killed at this deadline (default: %(default)s)",
    )
    parser.add_argument(
        "--memory-mb",
        type=int,
        default=1024,
        metavar="MIB",
        help="memory cap of the worker that runs an inline or --file query (default: %(default)s)",
    )
    parser.set_defaults(handler=_run)


def _params(pairs: list[str]) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ParaReopError(f"--param expects NAME=VALUE, got {pair!r}")
        params.setdefault(name.strip(), []).append(value.strip())
    return params


def _list_queries() -> int:
    from kg.named_queries import named_queries

    for query in named_queries().values():
        print(f"{query.name}\n  {query.question}")
        for param in query.parameters:
            print(f"  --param {param.name}=...  {param.description}")
    return 0


def _graphs(args: argparse.Namespace) -> dict[str, bytes]:
    from kg.cases import load_case_folder

    loaded = load_case_folder(args.cases)
    for path, reason in loaded.skipped:
        print(f"parareop: skipped {path.name}: {reason}", file=sys.stderr)
    return loaded.graphs()


def _sandboxed(args: argparse.Namespace) -> Any:
    """A one-worker pool for free text: the query is killed at --timeout-s or --memory-mb."""
    from kg.sandbox import SandboxBackend, WorkerPool
    from kg.sandbox_worker import WorkerSpec

    graphs = _graphs(args) if args.cases else {}
    spec = WorkerSpec(engine=args.engine, graphs=graphs, memory_mb=args.memory_mb)
    return SandboxBackend(WorkerPool(spec, size=1).wait_ready(), timeout_s=args.timeout)


def _backend(args: argparse.Namespace, free_text: bool) -> Any:
    if args.endpoint:
        if args.cases:
            raise ParaReopError(
                "--cases loads cases into the embedded store; for an endpoint, "
                "load them into the server (`parareop serve --cases DIR`)"
            )
        from kg.endpoint import EndpointBackend

        return EndpointBackend(args.endpoint, timeout=args.timeout)
    if free_text:
        return _sandboxed(args)
    if args.cases:  # a named query: bounded by construction, it runs in this process
        from kg.sparql import embedded_with_cases, rdflib_with_cases

        graphs = _graphs(args)
        return rdflib_with_cases(graphs) if args.engine == "rdflib" else embedded_with_cases(graphs)
    from kg.sparql import EmbeddedBackend, RdflibBackend

    return RdflibBackend() if args.engine == "rdflib" else EmbeddedBackend()


def _run(args: argparse.Namespace) -> int:
    if args.list:
        return _list_queries()
    given = [x for x in (args.query, args.file, args.name) if x is not None]
    if len(given) != 1:
        raise ParaReopError("give exactly one query: inline text, --file FILE, or --name NAME (see --list)")
    params = _params(args.param)
    if params and args.name is None:
        raise ParaReopError("--param applies to named queries (--name)")

    from kg.formatting import format_result
    from kg.named_queries import get_named_query

    if args.name is not None:
        text = get_named_query(args.name).render(params)
        source = f"query {args.name!r}"
    elif args.file is not None:
        try:
            text = args.file.read_text(encoding="utf-8")
        except OSError as exc:
            raise ParaReopError(f"cannot read the query file {args.file}: {exc.strerror or exc}") from None
        source = f"{args.file}"
    else:
        text = args.query
        source = "the inline query"
    if args.timeout <= 0 or args.memory_mb < 256:
        raise ParaReopError("--timeout-s must be positive and --memory-mb at least 256")
    from kg.sparql import check_read_only

    check_read_only(text, source)  # refused before any worker starts or any engine sees it
    backend = _backend(args, free_text=args.name is None)
    try:
        result = backend.run(text, timeout=args.timeout, source=source)
    finally:
        pool = getattr(backend, "pool", None)
        if pool is not None:
            pool.close()
    output = format_result(result, args.format)
    sys.stdout.write(output if output.endswith("\n") else output + "\n")
    return 0
