"""Who may call the CDS service (issue 12): the EHR's signed JWT, and HTTPS.

The real ``parareop cds-hooks`` process, started with a trusted issuer's JWKS file (an ES384
key and an RS384 key, made here), answers a call that carries a valid token and refuses with
401 every token a hospital's security review would try: none, another issuer, a key not in the
JWKS, the wrong audience, an expired one, HMAC or ``alg: none``, a replayed ``jti``. With a
certificate and key it serves HTTPS, and a plain-HTTP client gets nowhere.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from clinical.cds_hooks import SERVICE_ID
from tests.test_cds_hooks import _prefetch, _request, _start, _stop

ISS = "https://ehr.example.org"
AUD = f"https://cds.example.org/cds-services/{SERVICE_ID}"
EC_KEY = ec.generate_private_key(ec.SECP384R1())
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = ec.generate_private_key(ec.SECP384R1())


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("jwks")
    keys = [
        {**json.loads(ECAlgorithm.to_jwk(EC_KEY.public_key())), "kid": "ec-1", "alg": "ES384", "use": "sig"},
        {
            **json.loads(RSAAlgorithm.to_jwk(RSA_KEY.public_key())),
            "kid": "rsa-1",
            "alg": "RS384",
            "use": "sig",
        },
    ]
    (folder / "jwks.json").write_text(json.dumps({"keys": keys}))
    proc, base = _start("--jwt-issuer", f"{ISS}={folder / 'jwks.json'}", "--service-url", AUD)
    try:
        yield base
    finally:
        _stop(proc)


def _token(key: Any = EC_KEY, alg: str = "ES384", kid: str = "ec-1", **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": ISS, "aud": AUD, "iat": now, "exp": now + 300, "jti": str(uuid.uuid4())} | claims
    return jwt.encode(
        {k: v for k, v in body.items() if v is not None}, key, algorithm=alg, headers={"kid": kid}
    )


def _call(base: str, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = _request(_prefetch("ex-04-missing-left-inferior"))
    return httpx.post(f"{base}/cds-services/{SERVICE_ID}", json=body, headers=headers, timeout=30)


def test_a_call_with_a_valid_token_is_answered(service: str) -> None:
    for token in (_token(), _token(RSA_KEY, "RS384", "rsa-1")):
        r = _call(service, token)
        assert r.status_code == 200 and r.json()["cards"], r.text


def _none_token() -> str:
    import base64

    def part(d: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()

    now = int(time.time())
    claims = {"iss": ISS, "aud": AUD, "iat": now, "exp": now + 300, "jti": "x"}
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda: None, "no bearer token"),
        (lambda: "not-a-jwt", "not a JWT"),
        (lambda: _token(iss="https://evil.example.org"), "not trusted"),
        (lambda: _token(OTHER_KEY), "Signature verification failed"),
        (lambda: _token(kid="unknown"), "no key"),
        (lambda: _token(aud="https://other.example.org/cds-services/x"), "audience"),
        (lambda: _token(exp=int(time.time()) - 3600, iat=int(time.time()) - 7200), "expired"),
        (lambda: _token(jti=None), "jti"),
        (
            lambda: jwt.encode(
                {"iss": ISS, "aud": AUD, "exp": int(time.time()) + 60, "iat": 0, "jti": "h"},
                "k" * 32,
                algorithm="HS256",
                headers={"kid": "ec-1"},
            ),
            "alg",
        ),
        (_none_token, "alg"),
    ],
    ids=[
        "none",
        "garbage",
        "issuer",
        "signature",
        "kid",
        "audience",
        "expired",
        "no-jti",
        "hmac",
        "alg-none",
    ],
)
def test_every_bad_token_is_401(service: str, make: Any, why: str) -> None:
    r = _call(service, make())
    assert r.status_code == 401, r.text
    assert why.lower() in r.json()["error"].lower()
    assert r.headers["www-authenticate"].startswith("Bearer")


def test_a_replayed_token_is_refused(service: str) -> None:
    token = _token()
    assert _call(service, token).status_code == 200
    r = _call(service, token)
    assert r.status_code == 401 and "already used" in r.json()["error"]


def test_discovery_needs_no_token(service: str) -> None:
    r = httpx.get(f"{service}/cds-services", timeout=10)
    assert r.status_code == 200 and r.json()["services"][0]["id"] == SERVICE_ID


def _certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file


def test_https_with_a_certificate_and_key(tmp_path: Path) -> None:
    cert, key = _certificate(tmp_path)
    proc, base = _start("--tls-cert", str(cert), "--tls-key", str(key))
    try:
        assert base.startswith("https://127.0.0.1:")
        ctx = ssl.create_default_context(cafile=str(cert))
        r = httpx.post(
            f"{base}/cds-services/{SERVICE_ID}",
            json=_request(_prefetch("ex-04-missing-left-inferior")),
            verify=ctx,
            timeout=30,
        )
        assert r.status_code == 200 and r.json()["cards"]
        with pytest.raises(httpx.HTTPError):  # plain HTTP to the TLS port gets no answer
            httpx.get(base.replace("https://", "http://") + "/cds-services", timeout=5)
        assert httpx.get(f"{base}/cds-services", verify=ctx, timeout=10).status_code == 200  # still serving
    finally:
        _stop(proc)


def test_a_bad_tls_setting_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "bad.pem").write_text("not a certificate")
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "ui.cli",
            "cds-hooks",
            "--port",
            "0",
            "--tls-cert",
            str(tmp_path / "bad.pem"),
            "--tls-key",
            str(tmp_path / "bad.pem"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode != 0 and "Traceback" not in r.stderr and "cannot listen" in r.stderr
    r = subprocess.run(
        [sys.executable, "-m", "ui.cli", "cds-hooks", "--port", "0", "--jwt-issuer", "no-file"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode != 0 and "Traceback" not in r.stderr and "ISS=JWKS_FILE" in r.stderr
