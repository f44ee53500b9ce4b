"""The ``parareop`` command line.

Subcommands live in their own modules under ``ui/commands/``; each exposes
``register(subparsers)``, which adds its parser and sets ``handler`` (a function taking the
parsed arguments and returning the exit code). To add a command, write such a module and
append its name and module to ``COMMANDS``.

Every failure the user can act on is a ``ParaReopError``: it is printed as one line on
stderr and the exit code is 1 — never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from ontology.errors import ParaReopError

#: Each command's name and the module that registers it, in the order of ``--help``.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("ontology", "ui.commands.ontology_cmd"),
    ("plan", "ui.commands.plan_cmd"),
    ("import-fhir", "ui.commands.fhir_cmd"),
    ("audit", "ui.commands.audit_cmd"),
    ("meeting", "ui.commands.meeting_cmd"),
    ("cds-hooks", "ui.commands.cds_cmd"),
    ("sparql", "ui.commands.sparql_cmd"),
    ("serve", "ui.commands.serve_cmd"),
)
COMMAND_MODULES: tuple[str, ...] = tuple(module for _, module in COMMANDS)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The top-level parser: with only ``command``'s module when it names one (a one-case
    ``parareop plan`` need not import the other seven), else with every command (``--help``, a
    mistyped command: argparse then lists them all).

    >>> sorted(build_parser("plan")._subparsers._group_actions[0].choices)
    ['plan']
    >>> len(build_parser()._subparsers._group_actions[0].choices) == len(COMMANDS)
    True
    """
    parser = argparse.ArgumentParser(
        prog="parareop",
        description="ParaReop: knowledge graph and planner for reoperation in persistent "
        "or recurrent primary hyperparathyroidism.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    modules = [m for name, m in COMMANDS if name == command] or list(COMMAND_MODULES)
    for module in modules:
        importlib.import_module(module).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code.

    >>> main(["--help"])  # doctest: +SKIP
    """
    words = list(sys.argv[1:] if argv is None else argv)
    command = next((w for w in words if not w.startswith("-")), None)
    args = build_parser(command).parse_args(words)
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
