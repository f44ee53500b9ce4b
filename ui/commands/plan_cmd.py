"""``parareop plan``: plan one or more cases (files or folders) and print the plans.

A halt or defer decision is still a plan (exit 0); an invalid case gets
``{"case_file": ..., "error": ..., "problems": [...]}`` in its place (an ``OperationOutcome``
with ``--format fhir``), the other cases are still planned (in every format), and the exit
code is 2. Each file is read by the strict
reader (:mod:`kg.strict_json`) and planned in isolation.

``--format html`` and ``--format pdf`` write the chart-ready report (:mod:`ui.report`: one or two
A4 pages, then the appendix of explanation chains unless ``--no-appendix``) to ``-o FILE`` for
one case, or ``-o FOLDER`` (one ``<case id>.html``/``.pdf`` each) for several; the PDF is printed
by headless Chromium (:mod:`ui.pdf`).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ontology.errors import InputError, ParaReopError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "plan", help="plan reoperation for case files (JSON, contract case.schema.json)"
    )
    p.add_argument("cases", nargs="+", type=Path, help="case files or folders of case files")
    p.add_argument(
        "--format",
        choices=("text", "json", "jsonl", "fhir", "html", "pdf"),
        default=None,
        help="text (default on a terminal for one case), json (array), jsonl, fhir (an array of "
        "FHIR R4 Bundles: RiskAssessment, ServiceRequest, CarePlan, Provenance; an OperationOutcome "
        "for a case that cannot be planned), or the printable report as html or pdf (needs -o)",
    )
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        help="with --format html|pdf: the report's file (one case) or a folder (several cases)",
    )
    p.add_argument(
        "--no-appendix",
        action="store_true",
        help="with --format html|pdf: leave out the appendix of explanation chains",
    )
    p.set_defaults(handler=run)


@dataclass(frozen=True)
class Inputs:
    """The case files a command line names, and what a folder held that is not one."""

    files: tuple[Path, ...]
    skipped: tuple[tuple[Path, str], ...]


def _folder(folder: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    files: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for f in sorted(folder.iterdir()):
        if f.is_dir():
            skipped.append((f, "a sub-folder (folders are not searched recursively; name it to plan it)"))
        elif f.suffix.lower() != ".json":
            skipped.append((f, "not a .json file"))
        elif f.name.lower() == "expected.json":
            skipped.append((f, "the answer key of the example cases, not a case"))
        else:
            files.append(f)
    return files, skipped


def collect_inputs(paths: list[Path]) -> Inputs:
    """Every case file named, folders expanded (``.json`` in any case); the rest listed as skipped.

    A file named on the command line is always planned (its error, if any, is its entry);
    only what a folder holds can be skipped, and each skip is reported with its reason.
    """
    files: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for p in paths:
        if p.is_dir():
            found, passed = _folder(p)
            files += found
            skipped += passed
        else:
            files.append(p)
    return Inputs(tuple(files), tuple(skipped))


def _error(path: Path, exc: InputError) -> dict[str, Any]:
    whole = len(exc.problems) == 1 and exc.problems[0][0] == "(document)"
    return {
        "case_file": str(path),
        "error": exc.problems[0][1] if whole else str(exc),
        "problems": [{"field": f, "message": m} for f, m in exc.problems],
    }


def plan_file(path: Path) -> dict[str, Any]:
    """Plan one file in isolation: whatever goes wrong becomes this file's error entry.

    A refused file (not strict JSON, over a limit, an invalid case) names each field; a fault
    inside the planner is reported as an internal error with the case file named. Nothing
    raised here can stop the other files of a batch.
    """
    from kg.strict_json import CASE_FILE, read_file
    from planner.pipeline import plan_dict

    try:
        parsed = read_file(path, CASE_FILE)
        plan = plan_dict(parsed.value).to_json()
        json.dumps(plan, allow_nan=False)  # a plan that cannot be written as strict JSON is a fault
    except InputError as exc:
        return _error(path, exc)
    except ParaReopError as exc:
        return {"case_file": str(path), "error": str(exc), "internal": True}
    except Exception as exc:  # noqa: BLE001 - the batch goes on; the fault is named, not hidden
        return {
            "case_file": str(path),
            "error": f"internal error ({type(exc).__name__}) while planning this file: please report it",
            "internal": True,
        }
    plan["warnings"] = [*plan["warnings"], *parsed.warnings]
    return plan


def _report_targets(files: list[Path], output: Path | None, fmt: str) -> list[Path]:
    """Where each case's report goes: the file ``-o`` names (one case) or ``FOLDER/<stem>.<fmt>``."""
    if output is None:
        raise InputError([("-o/--output", f"--format {fmt} writes a report file: name it with -o")])
    if len(files) == 1 and not output.is_dir():
        return [output]
    if not output.is_dir():
        raise InputError([("-o/--output", f"{output} is not a folder (several cases: one report each)")])
    return [output / f"{f.stem}.{fmt}" for f in files]


def _write_reports(
    files: list[Path], results: list[dict[str, Any]], targets: list[Path], args: argparse.Namespace
) -> None:
    """Each planned case's report, as HTML or printed to PDF in one browser; invalid cases have none."""
    from kg.knowledge import knowledge
    from kg.strict_json import CASE_FILE, read_file
    from ui.report import report_html

    kn = knowledge()
    pages: list[tuple[Path, str]] = []
    for f, result, target in zip(files, results, targets, strict=True):
        if "error" not in result:
            case = read_file(f, CASE_FILE).value
            pages.append((target, report_html(case, result, kn, appendix=not args.no_appendix)))
    if args.format == "html":
        for target, html in pages:
            _write(target, html.encode("utf-8"), "")
        return
    from ui.pdf import html_to_pdfs, page_count

    for (target, _), pdf in zip(pages, html_to_pdfs([html for _, html in pages]), strict=True):
        _write(target, pdf, f" ({page_count(pdf)} pages)")


def _write(target: Path, data: bytes, note: str) -> None:
    try:
        target.write_bytes(data)
    except OSError as exc:
        raise ParaReopError(f"cannot write the report {target}: {exc.strerror or exc}") from None
    print(f"parareop: report written to {target}{note}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    inputs = collect_inputs(args.cases)
    for path, why in inputs.skipped:
        print(f"parareop: skipped {path}: {why}", file=sys.stderr)
    files = list(inputs.files)
    fmt = args.format or ("text" if len(files) == 1 and sys.stdout.isatty() else "json")
    targets = _report_targets(files, args.output, fmt) if fmt in ("html", "pdf") else []
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
    elif fmt == "fhir":
        from clinical.fhir_plan import error_outcome, plan_bundle

        print(json.dumps([error_outcome(r) if "error" in r else plan_bundle(r) for r in results], indent=1))
    elif fmt in ("html", "pdf"):
        _write_reports(files, results, targets, args)
    elif fmt == "text":
        from ui.text_report import render

        for r in results:
            print(render(r))
    bad = [r for r in results if "error" in r]
    for r in bad:
        print(f"parareop: {r['case_file']}: {r['error']}", file=sys.stderr)
    return 2 if bad else 0
