"""Read the released ontology (sorted N-Triples) once per process.

Every view (Oxigraph, rdflib, networkx) is built from these same bytes, so they hold the
same triples by construction.
"""

from __future__ import annotations

import functools
from pathlib import Path

from kg.errors import ReleaseNotFoundError
from kg.paths import DEFAULT_RELEASE


def resolve_release(path: Path | str | None = None) -> Path:
    """The absolute path of the release to load (``path``, else the default release).

    Parameters
    ----------
    path : Path or str or None
        An N-Triples file; ``None`` means ``ontology/parareop.nt``.

    Returns
    -------
    Path
        The resolved path (not checked for existence).

    Examples
    --------
    >>> resolve_release().name
    'parareop.nt'
    """
    return Path(path).resolve() if path is not None else DEFAULT_RELEASE


@functools.lru_cache(maxsize=4)
def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ReleaseNotFoundError(
            f"release not found: {path} (run `parareop ontology build` first)"
        ) from None
    except OSError as exc:
        raise ReleaseNotFoundError(f"cannot read the release {path}: {exc.strerror or exc}") from None


def release_bytes(path: Path | str | None = None) -> bytes:
    """The N-Triples of the release, read once per process and path.

    Parameters
    ----------
    path : Path or str or None
        The release file; ``None`` means the default release.

    Returns
    -------
    bytes
        UTF-8 N-Triples, one triple per line.

    Raises
    ------
    ReleaseNotFoundError
        The file does not exist or cannot be read.

    Examples
    --------
    >>> release_bytes().count(b"\\n") > 1000
    True
    """
    return _read(resolve_release(path))
