"""Where things live, computed from this file's location so that the tools work from any
working directory and from an editable install.

The shared folder (the fixed contract, reference notes, example cases) sits next to the
repository as ``<repo>/../shared``; ``PARAREOP_SHARED`` overrides it (CI, other checkouts).
"""

from __future__ import annotations

import os
from pathlib import Path

ONTOLOGY_DIR: Path = Path(__file__).resolve().parent
REPO_ROOT: Path = ONTOLOGY_DIR.parent
SRC_DIR: Path = ONTOLOGY_DIR / "src"
CHECKS_DIR: Path = ONTOLOGY_DIR / "checks"
MAPPINGS_FILE: Path = ONTOLOGY_DIR / "mappings.sssom.tsv"
RELEASE_STEM: str = "parareop"
RELEASE_OWL: Path = ONTOLOGY_DIR / f"{RELEASE_STEM}.owl"
RELEASE_NT: Path = ONTOLOGY_DIR / f"{RELEASE_STEM}.nt"


def shared_dir() -> Path:
    """The shared folder: ``$PARAREOP_SHARED`` if set, else ``<repo>/../shared``.

    Read at call time (not import time) so tests and CI can point it elsewhere.

    >>> isinstance(shared_dir(), Path)
    True
    """
    override = os.environ.get("PARAREOP_SHARED")
    return Path(override).resolve() if override else (REPO_ROOT.parent / "shared").resolve()


def vocabulary_file() -> Path:
    """The contract's code lists, ``<shared>/contract/vocabulary.json``."""
    return shared_dir() / "contract" / "vocabulary.json"


def release_paths(out_dir: Path) -> tuple[Path, Path]:
    """The two release files (RDF/XML, N-Triples) inside ``out_dir``.

    >>> [p.name for p in release_paths(Path("/tmp"))]
    ['parareop.owl', 'parareop.nt']
    """
    return out_dir / f"{RELEASE_STEM}.owl", out_dir / f"{RELEASE_STEM}.nt"
