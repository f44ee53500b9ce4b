"""``parareop cds-hooks``: serve the CDS Hooks 1.x service (127.0.0.1 and HTTP by default).

Discovery at ``http://127.0.0.1:PORT/cds-services``; one ``patient-view`` service
(``clinical/cds_hooks.py``). ``--port 0`` picks a free port; the first line on stdout says
where the service listens. Stop it with Ctrl-C.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "cds-hooks", help="serve the CDS Hooks service (patient-view), loopback HTTP by default"
    )
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
        "--case-dir",
        type=Path,
        metavar="DIR",
        help="save each imported case (no identifiers) here, and link each card to that case on the "
        "board; start the app with PARAREOP_CASE_DIR=DIR so that it opens them",
    )
    p.add_argument(
        "--smart-launch-url",
        metavar="URL",
        help="add a SMART app launch link (type 'smart', appContext = the case id) to each plan card",
    )
    p.add_argument(
        "--fhir-server",
        action="append",
        default=[],
        metavar="URL",
        help="a FHIR server base URL the service may read a call's missing prefetch from, with the "
        "call's fhirAuthorization (repeatable; none by default: a missing prefetch is 412)",
    )
    p.add_argument(
        "--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1: loopback only)"
    )
    p.add_argument("--tls-cert", type=Path, metavar="PEM", help="serve HTTPS with this certificate (chain)")
    p.add_argument("--tls-key", type=Path, metavar="PEM", help="the private key of --tls-cert")
    p.add_argument(
        "--jwt-issuer",
        action="append",
        default=[],
        metavar="ISS=JWKS_FILE",
        help="an EHR whose signed JWT a call must carry: its iss and the JWKS file of its public keys "
        "(repeatable; none: calls need no token, for local testing)",
    )
    p.add_argument(
        "--service-url",
        metavar="URL",
        help="the JWT audience: this service's URL as the EHR calls it (default the URL it listens on)",
    )
    p.add_argument("--verbose", action="store_true", help="log every request on stderr")
    p.set_defaults(handler=run)


def _security(args: argparse.Namespace) -> Any:
    from clinical.cds_auth import AuthConfigError, load_issuers
    from clinical.cds_http import Security
    from ontology.errors import ParaReopError

    if (args.tls_cert is None) != (args.tls_key is None):
        raise ParaReopError("--tls-cert and --tls-key go together")
    try:
        issuers = load_issuers(args.jwt_issuer)
    except AuthConfigError as exc:
        raise ParaReopError(str(exc)) from None
    return Security(issuers, args.service_url, args.tls_cert, args.tls_key)


def run(args: argparse.Namespace) -> int:
    from clinical.cds_cards import CardLinks
    from clinical.cds_http import make_server
    from ontology.errors import ParaReopError

    security = _security(args)
    try:
        limits = {
            k: getattr(args, k) for k in ("timeout", "workers", "waiting") if getattr(args, k) is not None
        }
        if any(v <= 0 for v in limits.values()):
            raise ParaReopError("--timeout, --workers and --waiting must be positive")
        server = make_server(
            args.port,
            links=CardLinks(args.board_url, args.case_dir, args.smart_launch_url),
            quiet=not args.verbose,
            fhir_servers=tuple(args.fhir_server),
            host=args.host,
            security=security,
            **limits,
        )
    except OSError as exc:  # ssl.SSLError (a bad certificate or key) included
        raise ParaReopError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from exc
    port = server.server_address[1]
    scheme = "https" if security.tls_cert else "http"
    print(f"ParaReop CDS Hooks service: {scheme}://{args.host}:{port}/cds-services", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("parareop: CDS Hooks service stopped", file=sys.stderr)
    finally:
        server.server_close()
    return 0
