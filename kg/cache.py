"""A per-user cache of what a process would otherwise rebuild on every start.

A ``parareop plan`` of one case spends most of its time building things that depend only on
files that rarely change: the planner's view of the graph (25 SPARQL queries over the release)
and the compiled case-schema validator. Both are stored here under a name that carries a digest
of everything they are built from, so a changed release, query, schema or library version can
never be served a stale entry: it simply has another name.

Where: ``$PARAREOP_CACHE_DIR``, else ``$XDG_CACHE_HOME/parareop``, else ``~/.cache/parareop``.
``PARAREOP_CACHE=off`` turns the cache off. An entry that cannot be read, or a cache folder that
cannot be written (a read-only home), only costs the rebuild: nothing here raises.
Writes are atomic (a temporary file, then ``os.replace``), so two processes starting at once
and a process killed mid-write leave either a whole entry or none.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

ENV_DIR = "PARAREOP_CACHE_DIR"
ENV_SWITCH = "PARAREOP_CACHE"


def cache_dir() -> Path | None:
    """The cache folder, or ``None`` when the cache is turned off.

    >>> import os
    >>> os.environ[ENV_DIR] = "/tmp/parareop-cache-example"
    >>> str(cache_dir())
    '/tmp/parareop-cache-example'
    >>> os.environ[ENV_SWITCH] = "off"; print(cache_dir())
    None
    >>> del os.environ[ENV_DIR], os.environ[ENV_SWITCH]
    """
    if os.environ.get(ENV_SWITCH, "").lower() in ("off", "0", "no", "false"):
        return None
    if explicit := os.environ.get(ENV_DIR):
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "parareop"


def digest(parts: Iterable[bytes]) -> str:
    """A short digest of the inputs an entry is built from (its name's unique part).

    >>> digest([b"release", b"query"]) == digest([b"release", b"query"]) != digest([b"releasequery"])
    True
    """
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()[:24]


def read(name: str) -> bytes | None:
    """The entry's bytes, or ``None`` when it is absent, unreadable or the cache is off."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        return (folder / name).read_bytes()
    except OSError:
        return None


def write(name: str, data: bytes) -> bool:
    """Store an entry atomically; ``False`` (and nothing written) when the folder is not writable.

    >>> import os, tempfile
    >>> os.environ[ENV_DIR] = tempfile.mkdtemp()
    >>> write("example.bin", b"abc"), read("example.bin")
    (True, b'abc')
    >>> del os.environ[ENV_DIR]
    """
    folder = cache_dir()
    if folder is None:
        return False
    tmp = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, folder / name)
        return True
    except OSError:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        return False


def prune(prefix: str, keep: str) -> None:
    """Remove the entries named ``prefix…`` other than ``keep`` (left by an older release or
    schema), so the folder holds one of each; a file another process still reads is left alone.

    >>> import os, tempfile
    >>> os.environ[ENV_DIR] = tempfile.mkdtemp()
    >>> _ = write("view-old.bin", b"1"), write("view-new.bin", b"2"), write("other.bin", b"3")
    >>> prune("view-", keep="view-new.bin")
    >>> sorted(p.name for p in cache_dir().iterdir())
    ['other.bin', 'view-new.bin']
    >>> del os.environ[ENV_DIR]
    """
    folder = cache_dir()
    if folder is None:
        return
    try:
        stale = [p for p in folder.glob(f"{prefix}*") if p.name != keep]
    except OSError:
        return
    for path in stale:
        try:
            path.unlink()
        except OSError:
            continue
