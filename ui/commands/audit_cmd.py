"""``parareop audit``: plan a folder of past cases and compare the plans with the outcomes.

Prints, per found site and overall, the top-1 and top-3 hit rates of the ranked locations,
the reliability table and the Brier score of the posteriors, and saves the reliability
diagram as a PNG (``--plot``, default ``calibration.png``). ``--json`` prints the audit as
JSON instead of tables. Definitions: ``clinical/audit.py`` and the README.

``--db`` reads the outcomes recorded in the meeting store (``parareop meeting outcome``;
``--db`` alone: ``$PARAREOP_DB`` or the default store) instead of an outcomes file; without a
cases folder the cases are the ones recorded with those outcomes, planned again now
(``--as-planned``: the plans as they were at the meeting).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ui.commands.plan_cmd import collect_inputs, plan_file


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "audit",
        help="audit the plans of past cases against recorded outcomes (hit rates, calibration)",
    )
    p.add_argument(
        "cases", type=Path, nargs="?", help="a folder of case files (or one case file); with --db optional"
    )
    p.add_argument(
        "--outcomes",
        type=Path,
        metavar="CSV",
        help="outcomes: columns case_id, found_site, found_side, cured",
    )
    p.add_argument(
        "--db",
        nargs="?",
        const="",
        metavar="URL",
        help="read the outcomes recorded in the meeting store (default $PARAREOP_DB)",
    )
    p.add_argument(
        "--as-planned", action="store_true", help="with --db: audit the plans recorded at the meetings"
    )
    p.add_argument("--plot", type=Path, default=Path("calibration.png"), metavar="PNG")
    p.add_argument("--json", action="store_true", help="print the audit as JSON")
    p.set_defaults(handler=run)


def _inputs(args: argparse.Namespace) -> tuple[dict[str, Any], list[dict[str, Any]] | None]:
    """The outcomes, and the plans when they come from the store (None: plan the cases folder)."""
    from clinical.audit import AuditError
    from clinical.audit_outcomes import read_outcomes

    if (args.outcomes is None) == (args.db is None):
        raise AuditError(
            "give the outcomes either as a file (--outcomes CSV) or from the meeting store (--db)"
        )
    if args.db is None:
        if args.cases is None:
            raise AuditError("--outcomes needs a folder of case files")
        return read_outcomes(args.outcomes), None
    from clinical.meeting.audit_source import store_audit_inputs

    outcomes, plans = store_audit_inputs(args.db or None, as_planned=args.as_planned)
    return outcomes, None if args.cases is not None else plans


def run(args: argparse.Namespace) -> int:
    from clinical.audit import AuditError, audit

    outcomes, stored = _inputs(args)
    if stored is not None:
        result = audit(stored, outcomes)
        return _report(args, result)
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
    return _report(args, audit(plans, outcomes))


def _report(args: argparse.Namespace, result: Any) -> int:
    from clinical.audit_report import plot, render

    plot(result, args.plot)
    if args.json:
        print(json.dumps(result.to_json(), indent=1))
    else:
        print(render(result))
    print(f"parareop: calibration plot saved to {args.plot}", file=sys.stderr)
    for f in result.invalid:
        print(f"parareop: {f}: invalid case, not planned", file=sys.stderr)
    return 0
