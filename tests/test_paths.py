"""Where the shared folder is found."""

from __future__ import annotations

from pathlib import Path

import pytest

from ontology.paths import REPO_ROOT, shared_dir, vocabulary_file


def test_shared_folder_defaults_next_to_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PARAREOP_SHARED", raising=False)
    assert shared_dir() == (REPO_ROOT.parent / "shared").resolve()


def test_shared_folder_can_be_overridden(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PARAREOP_SHARED", str(tmp_path))
    assert vocabulary_file() == tmp_path.resolve() / "contract" / "vocabulary.json"
