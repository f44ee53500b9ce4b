"""Who may write the meeting record from the app, and the launcher that refuses an open record.

On loopback (``make run``'s default, 127.0.0.1) the app is one person's desk or the board room's
own machine: the record is open. Bound to any other address the app is on the hospital network,
and the record a board relies on must not be writable by whoever reaches the port: it is
writable only by users signed in with Streamlit's OIDC sign-in (``st.login``, configured in
``.streamlit/secrets.toml`` ``[auth]``), or nobody (``PARAREOP_READONLY=1``). An address other
than loopback with a writable record and no sign-in configured is refused before the server
starts (``python -m ui.meeting_access``, which ``make run`` calls), and again by the app itself
when it was started another way (``streamlit run --server.address …``).
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

READONLY_ENV = "PARAREOP_READONLY"
#: What Streamlit's ``st.login`` needs in ``[auth]`` and in the provider's section.
AUTH_KEYS = ("redirect_uri", "cookie_secret")
PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")
APP = Path(__file__).resolve().parent / "app.py"


def is_loopback(address: str | None) -> bool:
    """Whether the server listens only on this machine (no address: Streamlit's loopback default
    under ``make run``; a host name other than ``localhost`` counts as the network).

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("::1")
    (True, True, True)
    >>> is_loopback("0.0.0.0"), is_loopback("10.1.2.3"), is_loopback("board-pc")
    (False, False, False)
    """
    if not address:
        return True
    if address.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


def readonly(env: Mapping[str, str] | None = None) -> bool:
    """``PARAREOP_READONLY=1`` (or true/yes): the record is shown and never written.

    >>> readonly({"PARAREOP_READONLY": "1"}), readonly({})
    (True, False)
    """
    value = (os.environ if env is None else env).get(READONLY_ENV, "")
    return value.strip().lower() in ("1", "true", "yes", "on")


def auth_problem(auth: Mapping[str, Any] | None) -> str | None:
    """What is missing for ``st.login`` in a secrets ``[auth]`` section (None: nothing).

    >>> auth_problem(None)
    'no [auth] section in .streamlit/secrets.toml'
    >>> auth_problem({"redirect_uri": "https://board/oauth2callback", "cookie_secret": "s",
    ...     "client_id": "c", "client_secret": "x", "server_metadata_url": "https://idp/.well-known"})
    >>> auth_problem({"redirect_uri": "u", "cookie_secret": "s", "hospital": {"client_id": "c"}})
    '[auth.hospital] lacks client_secret, server_metadata_url'
    """
    if not auth:
        return "no [auth] section in .streamlit/secrets.toml"
    if isinstance(auth.get("unreadable"), str):
        return str(auth["unreadable"])
    missing = [k for k in AUTH_KEYS if not auth.get(k)]
    if missing:
        return "[auth] lacks " + ", ".join(missing)
    providers = {k: v for k, v in auth.items() if isinstance(v, Mapping)}
    sections = providers or {"": auth}  # the default provider's keys may sit in [auth] itself
    problems = []
    for label, section in sections.items():
        lacking = [k for k in PROVIDER_KEYS if not section.get(k)]
        if not lacking:
            return None
        problems.append(f"[auth{'.' + label if label else ''}] lacks " + ", ".join(lacking))
    return "; ".join(problems)


def providers(auth: Mapping[str, Any]) -> list[str]:
    """The provider names to pass to ``st.login`` ("default" when ``[auth]`` holds the keys itself).

    >>> providers({"redirect_uri": "u", "hospital": {"client_id": "c"}})
    ['hospital']
    """
    named = [k for k, v in auth.items() if isinstance(v, Mapping)]
    return named or ["default"]


def secrets_files() -> list[Path]:
    """Where Streamlit reads secrets (its ``secrets.files`` option: the user's, then the folder's)."""
    from streamlit import config

    return [Path(p) for p in config.get_option("secrets.files") or []]


def read_auth(files: Sequence[Path]) -> dict[str, Any] | None:
    """The ``[auth]`` section Streamlit would see (later files override earlier ones), or None."""
    merged: dict[str, Any] = {}
    for f in files:
        try:
            data = tomllib.loads(f.read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ValueError(f"{f} cannot be read: {exc}") from None
        if isinstance(data.get("auth"), dict):
            merged.update(data["auth"])
    return merged or None


def authlib_installed() -> bool:
    """Whether Authlib, which ``st.login`` needs, is importable."""
    try:
        import authlib  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(frozen=True)
class Access:
    """How the meeting record may be used from this server.

    ``writable``: some user may write it (each still has to be signed in when ``sign_in``);
    ``refused``: the reason the server must not serve the app at all (else empty).
    """

    writable: bool
    sign_in: bool
    refused: str = ""
    providers: tuple[str, ...] = ()


def access(address: str | None, auth: Mapping[str, Any] | None, *, ro: bool, authlib: bool) -> Access:
    """The access rule.

    >>> access("127.0.0.1", None, ro=False, authlib=False)
    Access(writable=True, sign_in=False, refused='', providers=())
    >>> access("0.0.0.0", None, ro=True, authlib=False).writable
    False
    >>> print(access("0.0.0.0", None, ro=False, authlib=False).refused)  # doctest: +ELLIPSIS
    refusing to serve on 0.0.0.0 (not loopback) with a writable meeting record and no sign-in: ...
    """
    if ro:
        return Access(writable=False, sign_in=False)
    if is_loopback(address):
        return Access(writable=True, sign_in=False)
    problem = auth_problem(auth)
    if problem is None and not authlib:
        problem = "Authlib, which Streamlit's st.login needs, is not installed (pip install Authlib)"
    if problem is not None:
        return Access(
            writable=False,
            sign_in=False,
            refused=f"refusing to serve on {address} (not loopback) with a writable meeting record and "
            f"no sign-in: {problem}. Configure OIDC sign-in in .streamlit/secrets.toml [auth] (Streamlit's "
            f"st.login), or run read-only with {READONLY_ENV}=1, or bind to 127.0.0.1.",
        )
    return Access(writable=True, sign_in=True, providers=tuple(providers(auth or {})))


def server_access(address: str | None) -> Access:
    """The rule for a server bound to ``address``, from the environment and the secrets files
    (an unreadable secrets file counts as no sign-in configured, and says so)."""
    try:
        auth = read_auth(secrets_files())
    except ValueError as exc:
        auth = {"unreadable": str(exc)}
    return access(address, auth, ro=readonly(), authlib=authlib_installed())


def main(argv: Sequence[str] | None = None) -> int:
    """``make run``'s launcher: check the access rule, then run the app (the same flags as before)."""
    parser = argparse.ArgumentParser(
        prog="python -m ui.meeting_access", description="Start the ParaReop app, refusing an open record."
    )
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8501)
    args, extra = parser.parse_known_args(argv)
    rule = server_access(args.address)
    if rule.refused:
        print(f"parareop: {rule.refused}", file=sys.stderr)
        return 2
    mode = "read-only" if not rule.writable else "writable by signed-in users" if rule.sign_in else "open"
    print(f"parareop: meeting record {mode} on {args.address}", file=sys.stderr, flush=True)
    flags = ["run", str(APP),
             "--server.address", args.address, "--server.port", str(args.port),
             "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--client.toolbarMode", "minimal", *extra]  # fmt: skip
    from streamlit.web import cli as streamlit_cli

    from ui import warmup

    warmup.start()  # the server runs in this process: the first board finds the graph read
    return int(streamlit_cli.main.main(args=flags, prog_name="streamlit", standalone_mode=False) or 0)


if __name__ == "__main__":
    sys.exit(main())
