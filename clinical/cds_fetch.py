"""The prefetch the EHR did not send, fetched from its FHIR server: only an allowed one, bounded.

CDS Hooks lets a client leave prefetch out and send ``fhirServer`` with ``fhirAuthorization``
instead; the service then reads the record itself. A service that follows any ``fhirServer`` a
caller names can be made to send the EHR's token to a stranger, or to probe the hospital's
network, so this one fetches only from a server on its configured allow-list
(``parareop cds-hooks --fhir-server URL``, repeatable; none by default). Anything else, and any
fetch that fails, is the specification's ``412 Precondition Failed``.

A fetch follows the searchset's ``next`` links on the same server only, never a redirect,
within a number of pages, of resources and of seconds (``FetchLimits``). When a bound stops it,
the merged Bundle keeps a ``next`` link, so the import says the record is incomplete and the
plan carries that warning instead of planning on a silent part of the record.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from clinical.cds_request import RequestError
from kg.strict_json import FHIR_BUNDLE, JsonInputError, loads


@dataclass(frozen=True)
class FetchLimits:
    """Bounds on one call's fetch (operational limits, not clinical figures)."""

    pages: int = 20  # searchset pages read per resource kind
    resources: int = 5000  # resources read in all
    seconds: float = 5.0  # for the whole fetch; the EHR waits on the answer


@dataclass(frozen=True)
class FhirFetcher:
    """The allow-list and the limits the service fetches under."""

    servers: tuple[str, ...] = ()
    limits: FetchLimits = FetchLimits()

    def allowed(self, server: str) -> str | None:
        """The allowed base URL a ``fhirServer`` names, compared without a trailing slash; else None.

        >>> FhirFetcher(("https://ehr.example/fhir/",)).allowed("https://ehr.example/fhir")
        'https://ehr.example/fhir'
        >>> FhirFetcher(("https://ehr.example/fhir",)).allowed("https://ehr.example/fhir/../admin") is None
        True
        """
        want = server.rstrip("/")
        return next((s.rstrip("/") for s in self.servers if s.rstrip("/") == want), None)


def _token(authorization: Any) -> str | None:
    """The bearer token of a ``fhirAuthorization`` object (CDS Hooks 1.0: ``access_token``)."""
    if isinstance(authorization, Mapping) and isinstance(authorization.get("access_token"), str):
        return authorization["access_token"]
    return None


def _url(base: str, template: str, pid: str) -> str:
    return f"{base}/{template.replace('{{context.patientId}}', quote(pid, safe=''))}"


@dataclass
class _Run:
    """One fetch: the client, the deadline, and what has been read."""

    client: httpx.Client
    base: str
    deadline: float
    limits: FetchLimits
    read: int = 0

    def get(self, url: str) -> dict[str, Any]:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise RequestError(412, f"the FHIR server did not answer within {self.limits.seconds:g} s")
        try:
            r = self.client.get(url, timeout=left)
        except httpx.HTTPError as exc:
            raise RequestError(
                412, f"cannot read the record from the FHIR server: {type(exc).__name__}"
            ) from None
        if r.status_code != 200:
            raise RequestError(412, f"the FHIR server answered {r.status_code} to a read of the record")
        try:
            value = loads(r.content, FHIR_BUNDLE).value
        except JsonInputError as exc:
            raise RequestError(412, f"the FHIR server sent what is not a FHIR resource: {exc}") from None
        if not isinstance(value, dict) or not isinstance(value.get("resourceType"), str):
            raise RequestError(412, "the FHIR server sent what is not a FHIR resource")
        return value

    def same_server(self, url: str) -> bool:
        """A ``next`` link stays on the allowed server (scheme, host, port and base path)."""
        a, b = urlsplit(url), urlsplit(self.base)
        return (a.scheme, a.netloc) == (b.scheme, b.netloc) and (a.path + "/").startswith(
            b.path.rstrip("/") + "/"
        )

    def search(self, url: str) -> dict[str, Any]:
        """A searchset with its pages merged; a ``next`` link is kept when a bound stopped the read."""
        first = self.get(url)
        if first.get("resourceType") != "Bundle":
            self.read += 1
            return first
        entries = list(first.get("entry") or [])
        page, nxt = first, _next(first)
        for _ in range(self.limits.pages - 1):
            if nxt is None or not self.same_server(nxt) or len(entries) + self.read >= self.limits.resources:
                break
            page = self.get(nxt)
            entries += list(page.get("entry") or [])
            nxt = _next(page)
        entries = entries[: max(0, self.limits.resources - self.read)]
        self.read += len(entries)
        out: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "entry": entries}
        if nxt is not None:
            out["link"] = [{"relation": "next", "url": nxt}]
        return out


def _next(bundle: Mapping[str, Any]) -> str | None:
    for link in bundle.get("link") or []:
        if isinstance(link, Mapping) and link.get("relation") == "next" and isinstance(link.get("url"), str):
            return str(link["url"])
    return None


def fetch(
    fetcher: FhirFetcher, server: Any, authorization: Any, pid: str, templates: Mapping[str, str]
) -> dict[str, Any]:
    """The prefetch values of ``templates`` read from ``server`` (on the allow-list), else 412.

    The EHR's token goes only to the allowed server; the requests accept FHIR JSON only.
    """
    base = fetcher.allowed(server) if isinstance(server, str) else None
    if base is None:
        raise RequestError(
            412,
            "required prefetch missing, and the fhirServer sent is not on this service's allow-list "
            "(parareop cds-hooks --fhir-server), so it is not contacted",
        )
    headers = {"Accept": "application/fhir+json"}
    token = _token(authorization)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    with httpx.Client(headers=headers, follow_redirects=False, trust_env=False) as client:
        run = _Run(client, base, time.monotonic() + fetcher.limits.seconds, fetcher.limits)
        return {key: run.search(_url(base, template, pid)) for key, template in sorted(templates.items())}
