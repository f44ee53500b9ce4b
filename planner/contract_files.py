"""Where the fixed contract lives.

The contract is owned by ``shared/contract/`` (other tools read it). The package
carries a verbatim copy so that an installed ParaReop works without the shared
folder; a test proves the copy is identical whenever the shared folder is present.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

PACKAGED = Path(__file__).resolve().parent / "contract"


def shared_dir() -> Path:
    """The shared folder: ``$PARAREOP_SHARED`` or ``<repo>/../shared``."""
    env = os.environ.get("PARAREOP_SHARED")
    return Path(env) if env else Path(__file__).resolve().parent.parent.parent / "shared"


def contract_dir() -> Path:
    shared = shared_dir() / "contract"
    return shared if (shared / "case.schema.json").exists() else PACKAGED


@cache
def load(name: str) -> dict[str, Any]:
    """One contract file, parsed (``case.schema.json``, ``plan.schema.json``, ``vocabulary.json``)."""
    data: dict[str, Any] = json.loads((contract_dir() / name).read_text())  # parsed JSON: Any inside
    return data
