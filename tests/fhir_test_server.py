"""A small FHIR R4 server on the standard library, for the CDS Hooks fetch tests.

It serves the resources of one collection Bundle over the FHIR REST API as the tests need it:
``GET [base]/Patient/<id>``, ``GET [base]/<Type>?patient=<id>[&code=a,b,system|c]`` as a paged
searchset (``_count`` or ``--page-size`` per page, absolute ``next`` links), ``GET
[base]/metadata``. With ``--token`` every request needs ``Authorization: Bearer <token>`` (else
401). Each request line is appended to ``--log`` so that a test can see which requests the
service made, and which it did not. ``--next-host`` writes the ``next`` links with another host
name (a link that leaves the server, which the service must not follow).

Run: ``python tests/fhir_test_server.py --bundle B.json --port 0``; the first stdout line is
``FHIR test server: http://127.0.0.1:PORT/fhir``.
"""

from __future__ import annotations

import argparse
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

BASE_PATH = "/fhir"


def _subject(res: dict[str, Any]) -> str | None:
    for key in ("subject", "patient"):
        ref = res.get(key)
        if isinstance(ref, dict) and isinstance(ref.get("reference"), str):
            return ref["reference"]
    return None


def _codes(res: dict[str, Any]) -> set[str]:
    out: set[str] = set()
    for c in (res.get("code") or {}).get("coding") or []:
        code, system = c.get("code"), c.get("system")
        if code:
            out |= {code, f"{system}|{code}"}
        if system:
            out.add(f"{system}|")
    return out


class Handler(BaseHTTPRequestHandler):
    entries: list[dict[str, Any]] = []  # the Bundle's entries, each served with its own fullUrl
    token: str | None = None
    log: Path | None = None
    page_size = 2
    next_host: str | None = None

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # http.server's naming
        if self.log is not None:
            with self.log.open("a", encoding="utf-8") as f:
                f.write(f"{self.path} auth={self.headers.get('Authorization')}\n")
        if self.token is not None and self.headers.get("Authorization") != f"Bearer {self.token}":
            self._send(
                401, {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "login"}]}
            )
            return
        url = urlsplit(self.path)
        if not url.path.startswith(BASE_PATH + "/"):
            self._send(
                404,
                {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "not-found"}]},
            )
            return
        parts = url.path[len(BASE_PATH) + 1 :].split("/")
        if parts == ["metadata"]:
            self._send(200, {"resourceType": "CapabilityStatement", "status": "active", "kind": "instance"})
        elif len(parts) == 2:
            self._read(*parts)
        else:
            self._search(parts[0], parse_qs(url.query))

    def _read(self, rtype: str, rid: str) -> None:
        hit = next(
            (
                e["resource"]
                for e in self.entries
                if e["resource"]["resourceType"] == rtype and e["resource"].get("id") == rid
            ),
            None,
        )
        if hit is None:
            self._send(
                404,
                {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "not-found"}]},
            )
        else:
            self._send(200, hit)

    def _search(self, rtype: str, query: dict[str, list[str]]) -> None:
        patient = (query.get("patient") or [""])[0]
        codes = {c for v in query.get("code", []) for c in v.split(",") if c}
        matches = [
            e
            for e in self.entries
            if e["resource"]["resourceType"] == rtype
            and _subject(e["resource"]) in (f"Patient/{patient}", patient)
            and (not codes or _codes(e["resource"]) & codes)
        ]
        size = int((query.get("_count") or [str(self.page_size)])[0])
        page = int((query.get("_page") or ["1"])[0])
        chunk = matches[(page - 1) * size : page * size]
        bundle: dict[str, Any] = {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(matches),
            "entry": [
                {
                    "fullUrl": e.get("fullUrl") or f"{rtype}/{e['resource']['id']}",
                    "resource": e["resource"],
                    "search": {"mode": "match"},
                }
                for e in chunk
            ],
        }
        if page * size < len(matches):
            host = self.next_host or self.headers.get("Host", "127.0.0.1")
            port = self.server.server_address[1]
            params = {k: v[0] for k, v in query.items() if k != "_page"} | {"_page": str(page + 1)}
            host = host.split(":")[0]
            bundle["link"] = [
                {"relation": "next", "url": f"http://{host}:{port}{BASE_PATH}/{rtype}?{urlencode(params)}"}
            ]
        self._send(200, bundle)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bundle", type=Path, required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--token")
    p.add_argument("--log", type=Path)
    p.add_argument("--page-size", type=int, default=2)
    p.add_argument("--next-host")
    args = p.parse_args()
    bundle = json.loads(args.bundle.read_text())
    attrs = {
        "entries": list(bundle.get("entry", [])),
        "token": args.token,
        "log": args.log,
        "page_size": args.page_size,
        "next_host": args.next_host,
    }
    server = ThreadingHTTPServer(("127.0.0.1", args.port), type("H", (Handler,), attrs))
    print(f"FHIR test server: http://127.0.0.1:{server.server_address[1]}{BASE_PATH}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
