"""Who may call the CDS service: the JWT the EHR signs (CDS Hooks 1.0, "Trusting CDS Clients").

When the service is configured with trusted issuers (``parareop cds-hooks --jwt-issuer
ISS=JWKS_FILE``, repeatable), every ``POST`` to the service and to its feedback endpoint must
carry ``Authorization: Bearer <JWT>``, and the token is refused with ``401`` unless:

- its ``iss`` is a configured issuer, and its signature verifies with a key of that issuer's
  JWKS file (by ``kid``; the file is read at start, never fetched from a URL a token names, so a
  forged ``jku`` cannot bring its own key);
- its algorithm is one the specification names (``ES384``, ``RS384``) or their 256/512 siblings;
  ``none`` and HMAC are refused;
- ``aud`` is this service's URL (``--service-url``), ``exp`` has not passed, ``iat`` is given;
- its ``jti`` has not been seen before while the token is valid (a replayed call is refused).

Without configured issuers the service takes calls without a token, as for local testing;
the README says so. Discovery stays open: it describes the service and holds no patient data.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from jwt import PyJWKSet

from clinical.cds_request import RequestError

ALGORITHMS = ("ES384", "RS384", "ES256", "RS256", "ES512", "RS512")
LEEWAY_S = 30.0  # clock skew allowed between the EHR and the service (operational, not clinical)


class AuthConfigError(ValueError):
    """A trusted-issuer setting that cannot be used (bad ``ISS=FILE``, unreadable JWKS)."""


def load_issuers(specs: list[str]) -> dict[str, PyJWKSet]:
    """``ISS=JWKS_FILE`` settings as the issuers' key sets; ``AuthConfigError`` names a bad one.

    >>> load_issuers([])
    {}
    >>> load_issuers(["no-equals-sign"])
    Traceback (most recent call last):
    ...
    clinical.cds_auth.AuthConfigError: --jwt-issuer needs ISS=JWKS_FILE, not 'no-equals-sign'
    """
    out: dict[str, PyJWKSet] = {}
    for spec in specs:
        iss, sep, path = spec.rpartition("=")
        if not sep or not iss or not path:
            raise AuthConfigError(f"--jwt-issuer needs ISS=JWKS_FILE, not {spec!r}")
        try:
            out[iss] = PyJWKSet.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
        except (OSError, ValueError, jwt.PyJWTError) as exc:
            raise AuthConfigError(f"--jwt-issuer {iss}: cannot read the JWKS in {path}: {exc}") from None
    return out


def _refuse(why: str) -> RequestError:
    return RequestError(401, f"the call's authorization is refused: {why}")


@dataclass
class JwtVerifier:
    """The trusted issuers, the audience (this service's URL) and the ``jti`` values seen."""

    issuers: Mapping[str, PyJWKSet]
    audience: str
    _seen: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def enabled(self) -> bool:
        return bool(self.issuers)

    def verify(self, authorization: str | None) -> dict[str, Any]:
        """The verified claims of the call's bearer token, else ``RequestError(401)``."""
        if not authorization or not authorization.startswith("Bearer "):
            raise _refuse("no bearer token (Authorization: Bearer <JWT>)")
        token = authorization.removeprefix("Bearer ").strip()
        try:
            header = jwt.get_unverified_header(token)
            iss = jwt.decode(token, options={"verify_signature": False}).get("iss")
        except jwt.PyJWTError:
            raise _refuse("not a JWT") from None
        if header.get("alg") not in ALGORITHMS:
            raise _refuse(f"the alg {str(header.get('alg'))[:20]!r} is not allowed ({', '.join(ALGORITHMS)})")
        keys = self.issuers.get(iss) if isinstance(iss, str) else None
        if keys is None:
            raise _refuse(f"issuer {str(iss)[:80]!r} is not trusted")
        key = _key(keys, header.get("kid"))
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=list(ALGORITHMS),
                audience=self.audience,
                issuer=iss,
                leeway=LEEWAY_S,
                options={"require": ["exp", "iat", "jti", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise _refuse(str(exc)) from None
        self._once(str(claims["jti"]), float(claims["exp"]))
        return claims

    def _once(self, jti: str, exp: float) -> None:
        """Refuse a ``jti`` already used while its token is valid; forget expired ones."""
        now = time.time()
        with self._lock:
            for k in [k for k, t in self._seen.items() if t + LEEWAY_S < now]:
                del self._seen[k]
            if jti in self._seen:
                raise _refuse("the token was already used (jti)")
            self._seen[jti] = exp


def _key(keys: PyJWKSet, kid: Any) -> Any:
    if kid is None and len(keys.keys) == 1:
        return keys.keys[0]
    for k in keys.keys:
        if k.key_id == kid:
            return k
    raise _refuse(f"no key {str(kid)[:40]!r} in the issuer's JWKS")
