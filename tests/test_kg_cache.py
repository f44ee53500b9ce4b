"""The start-up cache (:mod:`kg.cache`): a snapshot of the planner's view of the graph and the
compiled case-schema validator. What a surgeon cares about: a plan read from the cache is the
plan built from the graph, and a damaged, foreign or unwritable cache never changes a plan or
lets an invalid case through.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from kg import cache
from kg.knowledge import knowledge, snapshot_name
from kg.release import release_bytes

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "ui" / "examples").glob("ex-*.json"))
CASE = next(p for p in EXAMPLES if p.name.startswith("ex-04"))


def _plan(case: Path, cache_dir: Path | None, *, fmt: str = "json") -> subprocess.CompletedProcess[str]:
    """``parareop plan`` in a fresh process (the cache matters only at a process's start)."""
    env = dict(os.environ)
    env.pop(cache.ENV_DIR, None)
    if cache_dir is None:
        env[cache.ENV_SWITCH] = "off"
    else:
        env[cache.ENV_DIR] = str(cache_dir)
        env.pop(cache.ENV_SWITCH, None)
    return subprocess.run(
        [sys.executable, "-m", "ui.cli", "plan", "--format", fmt, str(case)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
        cwd=ROOT,
    )


@pytest.fixture(scope="module")
def uncached_plan() -> str:
    result = _plan(CASE, None)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _snapshot(folder: Path) -> Path:
    return folder / snapshot_name(release_bytes())


def test_a_cold_start_writes_the_snapshot_and_a_warm_start_plans_the_same(
    tmp_path: Path, uncached_plan: str
) -> None:
    first = _plan(CASE, tmp_path)
    assert first.returncode == 0, first.stderr
    assert _snapshot(tmp_path).is_file() and list(tmp_path.glob("case-schema-*.marshal"))
    second = _plan(CASE, tmp_path)
    assert second.returncode == 0, second.stderr
    assert first.stdout == second.stdout == uncached_plan


def test_the_snapshot_holds_exactly_the_view_the_store_gives() -> None:
    kn = knowledge()
    assert pickle.loads(pickle.dumps(kn)) == kn


def test_a_damaged_snapshot_is_rebuilt_not_half_read(tmp_path: Path, uncached_plan: str) -> None:
    _snapshot(tmp_path).write_bytes(b"\x80\x05 not a pickle at all")
    result = _plan(CASE, tmp_path)
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert result.stdout == uncached_plan
    assert pickle.loads(_snapshot(tmp_path).read_bytes()).version == knowledge().version


def test_a_snapshot_of_another_release_is_never_used(tmp_path: Path, uncached_plan: str) -> None:
    """A view with a changed threshold, stored under this release's name but built from another
    release (its version differs), must not reach the plan."""
    kn = knowledge()
    params = dict(kn.params)
    key = "localization_min_concordant"
    params[key] = dataclasses.replace(params[key], value=params[key].v + 5)
    foreign = dataclasses.replace(kn, params=params, version="0" * 12)
    _snapshot(tmp_path).write_bytes(pickle.dumps(foreign))
    result = _plan(CASE, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == uncached_plan
    # the same view with this release's version is read, and would change the plan: the version
    # check above is what kept it out
    _snapshot(tmp_path).write_bytes(pickle.dumps(dataclasses.replace(foreign, version=kn.version)))
    assert _plan(CASE, tmp_path).stdout != uncached_plan


def test_an_unwritable_cache_only_costs_the_rebuild(tmp_path: Path, uncached_plan: str) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("a file where the cache folder would be")
    result = _plan(CASE, blocked)
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout == uncached_plan


def test_a_damaged_schema_cache_still_refuses_an_invalid_case(tmp_path: Path) -> None:
    assert _plan(CASE, tmp_path).returncode == 0
    for entry in tmp_path.glob("case-schema-*.marshal"):
        entry.write_bytes(b"garbage")
    bad = json.loads(CASE.read_text())
    bad["labs"][0]["value"] = "high"
    case = tmp_path / "bad.json"
    case.write_text(json.dumps(bad))
    result = _plan(case, tmp_path)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "labs[0].value" in result.stderr
