"""``parareop audit``: plan a folder of past cases and compare the plans with the outcomes.

Prints, per found site and overall, the top-1 and top-3 hit rates of the ranked locations,
the reliability table and the Brier score of the posteriors, and saves the reliability
diagram as a PNG (``--plot``, default ``calibration.png``). ``--json`` prints the audit as
JSON instead of tables. Definitions: ``clinical/audit.py`` and the README.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ui.commands.plan_cmd import collect_inputs, plan_file


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "audit",
        help="audit the plans of past cases against recorded outcomes (hit rates, calibration)",
    )
    p.add_argument("cases", type=Path, help="a folder of case files (or one case file)")
    p.add_argument(
        "--outcomes",
        type=Path,
        required=True,
        metavar="CSV",
        help="outcomes: columns case_id, found_site, found_side, cured",
    )
    p.add_argument("--plot", type=Path, default=Path("calibration.png"), metavar="PNG")
    p.add_argument("--json", action="store_true", help="print the audit as JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from clinical.audit import AuditError, audit, plot, read_outcomes, render

    outcomes = read_outcomes(args.outcomes)
    if not args.cases.exists():
        raise AuditError(f"{args.cases}: no such file or folder")
    files = collect_inputs([args.cases]).files
    progress = sys.stderr.isatty() and len(files) > 1
    plans = []
    for i, f in enumerate(files):
        plans.append(plan_file(f))
        if progress:
            done = int(30 * (i + 1) / len(files))
            print(f"\r[{'#' * done}{'.' * (30 - done)}] {i + 1}/{len(files)}", end="", file=sys.stderr)
    if progress:
        print(file=sys.stderr)
    result = audit(plans, outcomes)
    plot(result, args.plot)
    if args.json:
        print(json.dumps(result.to_json(), indent=1))
    else:
        print(render(result))
    print(f"parareop: calibration plot saved to {args.plot}", file=sys.stderr)
    for f in result.invalid:
        print(f"parareop: {f}: invalid case, not planned", file=sys.stderr)
    return 0
