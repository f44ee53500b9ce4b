"""The ``parareop`` command line.

Subcommands live in their own modules under ``ui/commands/``; each exposes
``register(subparsers)``, which adds its parser and sets ``handler`` (a function taking the
parsed arguments and returning the exit code). To add a command, write such a module and
append its name to ``COMMAND_MODULES``.

Every failure the user can act on is a ``ParaReopError``: it is printed as one line on
stderr and the exit code is 1 — never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from ontology.errors import ParaReopError

#: The command modules, in the order their commands appear in ``--help``.
COMMAND_MODULES: tuple[str, ...] = (
    "ui.commands.ontology_cmd",
    "ui.commands.plan_cmd",
    "ui.commands.fhir_cmd",
    "ui.commands.audit_cmd",
    "ui.commands.meeting_cmd",
    "ui.commands.cds_cmd",
    "ui.commands.sparql_cmd",
    "ui.commands.serve_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="parareop",
        description="ParaReop: knowledge graph and planner for reoperation in persistent "
        "or recurrent primary hyperparathyroidism.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code.

    >>> main(["--help"])  # doctest: +SKIP
    """
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except ParaReopError as exc:
        print(f"parareop: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("parareop: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
