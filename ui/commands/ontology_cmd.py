"""``parareop ontology build`` and ``parareop ontology check``.

The heavy imports (owlready2, pyoxigraph) happen inside the handlers, so ``parareop
--help`` and other commands start fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ontology.paths import MAPPINGS_FILE, ONTOLOGY_DIR, RELEASE_NT, SRC_DIR, vocabulary_file


def register(subparsers: Any) -> None:
    """Add the ``ontology`` command group to the top-level parser."""
    group = subparsers.add_parser("ontology", help="build and check the OWL ontology")
    commands = group.add_subparsers(dest="ontology_command", required=True, metavar="SUBCOMMAND")

    build = commands.add_parser(
        "build",
        help="merge src/*.ttl, reason with HermiT, run the checks, write parareop.owl and parareop.nt",
    )
    build.add_argument(
        "--src", type=Path, default=SRC_DIR, help="folder of Turtle modules (default: %(default)s)"
    )
    build.add_argument(
        "--out", type=Path, default=ONTOLOGY_DIR, help="folder for the release (default: %(default)s)"
    )
    build.add_argument("--no-checks", action="store_true", help="skip the quality checks (while editing)")
    build.add_argument(
        "--new-version",
        nargs="?",
        const="today",
        default=None,
        metavar="YYYY-MM-DD",
        help="record a new release version (default: today, UTC) in releases.tsv next to --src and stamp it "
        "(what `make release` runs); without it the last recorded version is stamped",
    )
    _add_context_arguments(build)
    build.set_defaults(handler=_build)

    check = commands.add_parser("check", help="run the quality checks and print the report")
    source = check.add_mutually_exclusive_group()
    source.add_argument(
        "--release", type=Path, default=None, help=f"release file to check (default: {RELEASE_NT})"
    )
    source.add_argument(
        "--src", type=Path, default=None, help="check the merged Turtle modules instead (no reasoning)"
    )
    _add_context_arguments(check)
    check.set_defaults(handler=_check)


def _add_context_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--vocabulary",
        type=Path,
        default=None,
        help="contract vocabulary.json (default: $PARAREOP_SHARED/contract/vocabulary.json or ../shared/...)",
    )
    parser.add_argument(
        "--mappings", type=Path, default=MAPPINGS_FILE, help="SSSOM mapping table (default: %(default)s)"
    )


def _context(args: argparse.Namespace) -> Any:
    from ontology.checks import CheckContext

    return CheckContext(vocabulary=args.vocabulary or vocabulary_file(), mappings=args.mappings)


def _build(args: argparse.Namespace) -> int:
    from ontology.build import QualityCheckError, build
    from ontology.versioning import today
    from ontology.violations import format_report

    release = today() if args.new_version == "today" else args.new_version
    try:
        result = build(
            args.src, args.out, quality_checks=not args.no_checks, context=_context(args), release=release
        )
    except QualityCheckError as exc:
        print(format_report(exc.run.violations, exc.run.checks_run))
        raise
    print(result.summary())
    return 0


def _check(args: argparse.Namespace) -> int:
    from ontology.checks import run_checks
    from ontology.sources import display_path, load_sources
    from ontology.store import open_store, store_from_graph
    from ontology.violations import format_report, has_errors

    if args.src is not None:
        store = store_from_graph(load_sources(args.src).graph)
        what = f"the merged modules of {display_path(args.src)} (asserted axioms only)"
    else:
        release = args.release or RELEASE_NT
        store = open_store(release)
        what = display_path(release)
    run = run_checks(store, _context(args))
    print(f"checked {what}")
    print(format_report(run.violations, run.checks_run))
    sys.stdout.flush()
    return 1 if has_errors(run.violations) else 0
