"""The ``parareop`` command line, run as a real subprocess (as a user runs it)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import CHECK_FIXTURES, MINI_CONTEXT, MINI_TTL

CONTEXT_ARGS = ["--vocabulary", str(MINI_CONTEXT.vocabulary), "--mappings", str(MINI_CONTEXT.mappings)]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ui.cli", *args], capture_output=True, text=True, timeout=300, check=False
    )


def _mini_src(tmp_path: Path, *plants: str) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    shutil.copyfile(MINI_TTL, src / "mini.ttl")
    for plant in plants:
        shutil.copyfile(CHECK_FIXTURES / "plants" / f"{plant}.ttl", src / f"plant-{plant}.ttl")
    return src


def test_help_lists_the_ontology_command() -> None:
    result = _run("--help")
    assert result.returncode == 0 and "ontology" in result.stdout


def test_build_prints_what_it_built(tmp_path: Path) -> None:
    result = _run(
        "ontology", "build", "--src", str(_mini_src(tmp_path)), "--out", str(tmp_path / "out"), *CONTEXT_ARGS
    )
    assert result.returncode == 0, result.stderr
    for needle in (
        "classes: 18",
        "object properties: 11",
        "evidence nodes: 3",
        "triples:",
        "reasoner (HermiT)",
    ):
        assert needle in result.stdout
    assert (tmp_path / "out" / "parareop.owl").is_file() and (tmp_path / "out" / "parareop.nt").is_file()


def test_build_error_is_one_line_without_traceback(tmp_path: Path) -> None:
    src = _mini_src(tmp_path)
    (src / "bad.ttl").write_text("@prefix prp: <https://w3id.org/parareop/> .\nprp:x a ;\n")
    result = _run("ontology", "build", "--src", str(src), "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("parareop: error: ")
    assert "bad.ttl:2" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_build_with_check_errors_prints_the_report(tmp_path: Path) -> None:
    src = _mini_src(tmp_path, "missing_label")
    result = _run("ontology", "build", "--src", str(src), "--out", str(tmp_path / "out"), *CONTEXT_ARGS)
    assert result.returncode == 1
    assert "ERROR  missing_label  prp:NoLabel" in result.stdout
    assert "quality check error" in result.stderr and "Traceback" not in result.stderr


def test_check_passes_on_the_mini_fixture(tmp_path: Path) -> None:
    result = _run("ontology", "check", "--release", str(MINI_TTL), *CONTEXT_ARGS)
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip().endswith("0 error(s), 0 warning(s)")


def test_check_reports_violations_and_fails_on_errors(tmp_path: Path) -> None:
    src = _mini_src(tmp_path, "missing_label", "modality_performance_incomplete")
    result = _run("ontology", "check", "--src", str(src), *CONTEXT_ARGS)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert "ERROR  missing_label  prp:NoLabel  has no English rdfs:label" in lines
    assert any(
        line.startswith("WARN  modality_performance_incomplete  prp:performance_no_fpr") for line in lines
    )
    assert lines[-1].endswith("1 error(s), 1 warning(s)")


def test_check_with_only_warnings_succeeds(tmp_path: Path) -> None:
    src = _mini_src(tmp_path, "modality_performance_incomplete")
    assert _run("ontology", "check", "--src", str(src), *CONTEXT_ARGS).returncode == 0


def test_missing_release_is_one_line(tmp_path: Path) -> None:
    result = _run("ontology", "check", "--release", str(tmp_path / "parareop.nt"), *CONTEXT_ARGS)
    assert result.returncode == 1 and result.stderr.count("\n") == 1 and "ontology build" in result.stderr


def test_ui_package_import_is_light() -> None:
    code = "import sys, ui, ui.cli; print('streamlit' in sys.modules, 'owlready2' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]


def test_each_command_is_registered_by_the_module_the_cli_names() -> None:
    """``parareop plan`` imports only plan's module: that works only if every name in
    ``ui.cli.COMMANDS`` is the command its module registers (else a command would vanish)."""
    from ui.cli import COMMANDS, build_parser

    for name, _ in COMMANDS:
        choices = build_parser(name)._subparsers._group_actions[0].choices  # type: ignore[union-attr]
        assert list(choices) == [name]
    assert list(build_parser()._subparsers._group_actions[0].choices) == [n for n, _ in COMMANDS]  # type: ignore[union-attr]
