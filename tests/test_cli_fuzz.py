"""Fuzz the real ``parareop plan`` command with batches of mutated example cases.

Whatever a file holds (a wrong type, NaN, deep nesting, a huge number, a duplicate key, odd
unicode, nothing at all), the batch must not die: no traceback, one entry per file in input
order, exit 2 when any input was refused, and every good case planned exactly as alone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.contract_files import shared_dir
from planner.pipeline import plan_dict

EXAMPLES = [json.loads(p.read_text()) for p in sorted((shared_dir() / "cases").glob("ex-*.json"))]
CLI = [sys.executable, "-m", "ui.cli"]
ROOT = Path(__file__).resolve().parent.parent


def _leaves(node: Any, path: tuple = ()) -> list[tuple]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _leaves(v, (*path, k))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _leaves(v, (*path, i))]
    return [path]


def _set(node: Any, path: tuple, value: Any) -> None:
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.just([]),
    st.just({}),
    st.just("\u202e\u0000\ud800"),
)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """One case file's text, broken in one of the ways real files break."""
    case = json.loads(json.dumps(draw(st.sampled_from(EXAMPLES))))
    kind = draw(st.sampled_from(["type", "nan", "deep", "huge", "duplicate", "unicode", "empty", "cut"]))
    leaves = _leaves(case)
    path = draw(st.sampled_from(leaves))
    if kind == "type":
        _set(case, path, draw(ODD_VALUES))
    elif kind == "unicode":
        _set(case, path, draw(st.text(min_size=1, max_size=50)))
    elif kind == "deep":
        _set(case, path, json.loads("[" * 120 + "1" + "]" * 120))
    elif kind == "huge":
        _set(case, path, "__HUGE__")
    text = json.dumps(case)
    if kind == "huge":
        text = text.replace('"__HUGE__"', "9" * draw(st.sampled_from([400, 5000])))
    elif kind == "nan":
        text = text.replace('"value": ', '"value": NaN, "x": ', 1) if '"value": ' in text else "NaN"
    elif kind == "duplicate":
        text = '{"id": "dup", ' + text[1:]
    elif kind == "empty":
        text = ""
    elif kind == "cut":
        text = text[: draw(st.integers(0, max(0, len(text) - 1)))]
    return text


def _run(folder: Path, fmt: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [*CLI, "plan", "--format", fmt, str(folder)], capture_output=True, text=True, env=env, timeout=120
    )


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bad=st.lists(mutated(), min_size=2, max_size=4), good=st.sampled_from(EXAMPLES))
def test_a_batch_survives_every_bad_file(tmp_path_factory, fmt: str, bad: list[str], good: dict) -> None:
    folder = tmp_path_factory.mktemp("batch")
    names = []
    for i, text in enumerate(bad):
        names.append(f"{i:02d}-bad.json")
        (folder / names[-1]).write_text(text, encoding="utf-8", errors="surrogatepass")
    names.append("99-good.json")
    (folder / names[-1]).write_text(json.dumps(good))
    done = _run(folder, fmt)
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    assert done.returncode in (0, 2), done.stderr
    entries = json.loads(done.stdout) if fmt == "json" else [json.loads(x) for x in done.stdout.splitlines()]
    assert len(entries) == len(names)
    for name, entry in zip(names, entries, strict=True):
        if "error" in entry:
            assert entry["case_file"].endswith(name)
            assert "internal" not in entry, entry["error"]  # a bad file is refused, never a planner fault
            assert len(entry["error"]) < 2000
    assert entries[-1] == plan_dict(json.loads(json.dumps(good))).to_json()
    assert done.returncode == (2 if any("error" in e for e in entries) else 0)
