"""``parareop cds-hooks``: serve the CDS Hooks 1.x service on 127.0.0.1.

Discovery at ``http://127.0.0.1:PORT/cds-services``; one ``patient-view`` service
(``clinical/cds_hooks.py``). ``--port 0`` picks a free port; the first line on stdout says
where the service listens. Stop it with Ctrl-C.
"""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("cds-hooks", help="serve the CDS Hooks service (patient-view) on 127.0.0.1")
    p.add_argument(
        "--port", type=int, default=8610, help="TCP port on 127.0.0.1 (default 8610; 0 = any free)"
    )
    p.add_argument(
        "--board-url",
        default="http://127.0.0.1:8501",
        metavar="URL",
        help="the case board the cards link to (default http://127.0.0.1:8501)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="S",
        help="seconds a request may take to arrive and an idle connection may stay open (default 10)",
    )
    p.add_argument("--workers", type=int, default=None, help="connections served at once (default 8)")
    p.add_argument(
        "--waiting",
        type=int,
        default=None,
        help="connections that may wait for a worker; more get 503 (default 32)",
    )
    p.add_argument(
        "--fhir-server",
        action="append",
        default=[],
        metavar="URL",
        help="a FHIR server base URL the service may read a call's missing prefetch from, with the "
        "call's fhirAuthorization (repeatable; none by default: a missing prefetch is 412)",
    )
    p.add_argument("--verbose", action="store_true", help="log every request on stderr")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from clinical.cds_http import make_server
    from ontology.errors import ParaReopError

    try:
        limits = {
            k: getattr(args, k) for k in ("timeout", "workers", "waiting") if getattr(args, k) is not None
        }
        if any(v <= 0 for v in limits.values()):
            raise ParaReopError("--timeout, --workers and --waiting must be positive")
        server = make_server(
            args.port,
            board_url=args.board_url,
            quiet=not args.verbose,
            fhir_servers=tuple(args.fhir_server),
            **limits,
        )
    except OSError as exc:
        raise ParaReopError(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}") from exc
    port = server.server_address[1]
    print(f"ParaReop CDS Hooks service: http://127.0.0.1:{port}/cds-services", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("parareop: CDS Hooks service stopped", file=sys.stderr)
    finally:
        server.server_close()
    return 0
