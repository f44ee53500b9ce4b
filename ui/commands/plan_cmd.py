"""``parareop plan``: plan one or more cases (files or folders) and print the plans.

A halt or defer decision is still a plan (exit 0); an invalid case gets
``{"case_file": ..., "error": ...}`` in its place, the other cases are still
planned, and the exit code is 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "plan", help="plan reoperation for case files (JSON, contract case.schema.json)"
    )
    p.add_argument("cases", nargs="+", type=Path, help="case files or folders of case files")
    p.add_argument(
        "--format",
        choices=("text", "json", "jsonl"),
        default=None,
        help="text (default on a terminal for one case), json (array) or jsonl",
    )
    p.set_defaults(handler=run)


def _files(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += sorted(f for f in p.glob("*.json") if f.name != "expected.json")
        else:
            out.append(p)
    return out


def plan_file(path: Path) -> dict[str, Any]:
    """Plan one file; an unreadable or invalid case becomes an error entry."""
    from planner.core import plan_dict
    from planner.validate import CaseError

    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {"case_file": str(path), "error": "file not found"}
    except (OSError, UnicodeDecodeError) as exc:
        return {"case_file": str(path), "error": f"cannot read the file: {exc}"}
    except json.JSONDecodeError as exc:
        return {
            "case_file": str(path),
            "error": f"not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}",
        }
    try:
        return plan_dict(data).to_json()
    except CaseError as exc:
        return {
            "case_file": str(path),
            "error": str(exc),
            "problems": [{"field": f, "message": m} for f, m in exc.problems],
        }


def run(args: argparse.Namespace) -> int:
    files = _files(args.cases)
    fmt = args.format or ("text" if len(files) == 1 and sys.stdout.isatty() else "json")
    progress = sys.stderr.isatty() and len(files) > 1
    results = []
    for i, f in enumerate(files):
        results.append(plan_file(f))
        if progress:
            done = int(30 * (i + 1) / len(files))
            print(f"\r[{'#' * done}{'.' * (30 - done)}] {i + 1}/{len(files)}", end="", file=sys.stderr)
        if fmt == "jsonl":
            print(json.dumps(results[-1]), flush=True)
    if progress:
        print(file=sys.stderr)
    if fmt == "json":
        print(json.dumps(results, indent=1))
    elif fmt == "text":
        from ui.text_report import render

        for r in results:
            print(render(r))
    bad = [r for r in results if "error" in r]
    for r in bad:
        print(f"parareop: {r['case_file']}: {r['error']}", file=sys.stderr)
    return 2 if bad else 0
