"""A non-editable install still plans a case (issue 10, package data).

The wheel is built from the tree and installed, without dependencies, into a fresh folder;
the same interpreter (whose site-packages hold the dependencies) then plans an example case
from outside the repository with no shared folder, so the planner must find its own contract
copy, ontology release, queries and every subpackage in the wheel.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_an_installed_wheel_plans_a_case_without_the_repository(tmp_path: Path) -> None:
    dist, target = tmp_path / "dist", tmp_path / "site"
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    wheel = next(dist.glob("parareop-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for needed in (
        "planner/gates/biochemical.py",
        "planner/contract/case.schema.json",
        "ontology/parareop.nt",
        "kg/queries/planner/evidence.rq",
        "ui/diagram/svg.py",
    ):
        assert needed in names, needed
    assert not any(n.startswith("tests/") for n in names)  # the test helpers are not shipped
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    case = ROOT / "ui" / "examples" / "ex-04-missing-left-inferior.json"
    env = {**os.environ, "PYTHONPATH": str(target), "PARAREOP_SHARED": str(tmp_path / "no-shared")}
    code = (
        "import json, sys, planner; from planner.pipeline import plan_dict; "
        f"p = plan_dict(json.load(open({str(case)!r}))).to_json(); "
        "print(json.dumps({'file': planner.__file__, 'decision': p['decision']}))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120
    )
    assert run.returncode == 0, run.stderr[-2000:]
    out = json.loads(run.stdout)
    assert out["file"].startswith(str(target)), out  # the installed copy, not the tree
    assert out["decision"] == "operate"
