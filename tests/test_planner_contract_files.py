"""planner.contract_files: the shared contract wins; the packaged copy is the fallback."""

from __future__ import annotations

from planner import contract_files as cf


def test_the_shared_folder_is_read_from_the_environment(monkeypatch, tmp_path):
    """$PARAREOP_SHARED names the shared folder."""
    monkeypatch.setenv("PARAREOP_SHARED", str(tmp_path))
    assert cf.shared_dir() == tmp_path


def test_without_a_shared_contract_the_packaged_copy_is_used(monkeypatch, tmp_path):
    """An installed ParaReop works without the shared folder (the packaged verbatim copy)."""
    monkeypatch.setenv("PARAREOP_SHARED", str(tmp_path))
    assert cf.contract_dir() == cf.PACKAGED and (cf.PACKAGED / "case.schema.json").exists()


def test_a_shared_contract_takes_precedence(monkeypatch, tmp_path):
    """The contract is owned by shared/contract/: when present it is the one read."""
    (tmp_path / "contract").mkdir()
    (tmp_path / "contract" / "case.schema.json").write_text("{}")
    monkeypatch.setenv("PARAREOP_SHARED", str(tmp_path))
    assert cf.contract_dir() == tmp_path / "contract"


def test_load_parses_the_contract_files():
    """load() gives the parsed schema and vocabulary."""
    assert cf.load("case.schema.json")["type"] == "object"
    assert "required" in cf.load("plan.schema.json")
    assert isinstance(cf.load("vocabulary.json"), dict)
