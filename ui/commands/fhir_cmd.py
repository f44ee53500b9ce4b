"""``parareop import-fhir``: a FHIR R4 Bundle (searchset or collection) -> a contract case.

The case goes to stdout (or ``--out FILE``), every warning (what could not be mapped) to
stderr, one line each, and with ``--warnings FILE`` also as JSON (the case schema allows no
extra field, so they travel beside the case, not in it). ``--plan`` plans the imported case
at once and prints the plan instead: one command from an EHR export to a plan; with
``--format fhir`` the plan goes back as FHIR R4 (``clinical.fhir_plan``), citing the Patient and
the Observations it was built from. A bundle that
cannot become a case (not FHIR, no parathyroid Procedure, ...) is a one-line error, exit 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "import-fhir",
        help="turn a FHIR R4 Bundle (JSON) into a contract case (README: 'FHIR import')",
        description="Read a FHIR R4 Bundle (searchset or collection) and write a contract case: "
        "labs by LOINC with UCUM units, operations from parathyroid Procedures (day 0 = the most "
        "recent), imaging, venous sampling and FNA washouts from the ParaReop profile. No names, "
        "birth dates or calendar dates go into the case.",
    )
    p.add_argument("bundle", type=Path, help="the Bundle, as FHIR JSON")
    p.add_argument("--patient", metavar="ID", help="the Patient's logical id, when the Bundle holds several")
    p.add_argument("--case-id", metavar="ID", help="the case id (default: a hash of the imported content)")
    p.add_argument("--out", "-o", type=Path, metavar="FILE", help="write the case here instead of stdout")
    p.add_argument("--plan", action="store_true", help="plan the imported case and print the plan instead")
    p.add_argument(
        "--format",
        choices=("json", "fhir"),
        default="json",
        help="with --plan: the plan as contract JSON (default) or as a FHIR R4 Bundle citing the "
        "Patient and the Observations it was built from",
    )
    p.add_argument(
        "--warnings",
        type=Path,
        metavar="FILE",
        help="also write the import warnings here as JSON ({case_id, warnings}), beside the case",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from clinical.fhir_import import import_file

    result = import_file(args.bundle, patient=args.patient, case_id=args.case_id)
    for w in result.warnings:
        print(f"parareop: warning: {w}", file=sys.stderr)
    if args.warnings:
        report = {"case_id": result.case["id"], "warnings": result.warnings}
        args.warnings.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    out = result.case
    if args.plan:
        from clinical.fhir_planning import plan_imported
        from ontology.errors import ParaReopError

        try:
            out = plan_imported(result)
        except ParaReopError as exc:
            print(f"parareop: error: the imported case cannot be planned: {exc}", file=sys.stderr)
            return 2
        if args.format == "fhir":
            from clinical.fhir_plan import Origin, plan_bundle

            out = plan_bundle(out, Origin(result.subject, tuple(result.basis)))
    elif args.format == "fhir":
        print("parareop: error: --format fhir writes a plan: add --plan", file=sys.stderr)
        return 2
    text = json.dumps(out, indent=1)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0
