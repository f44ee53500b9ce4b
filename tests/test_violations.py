"""Report lines and the summary."""

from __future__ import annotations

from ontology.violations import Level, Violation, format_report, has_errors

WARN = Violation(Level.WARN, "b_check", "https://w3id.org/parareop/Y", "minor")
ERROR = Violation(Level.ERROR, "z_check", "mappings.sssom.tsv:3", "bad row")


def test_errors_come_first_and_the_summary_counts() -> None:
    report = format_report([WARN, ERROR], checks_run=2).splitlines()
    assert report == [
        "ERROR  z_check  mappings.sssom.tsv:3  bad row",
        "WARN  b_check  prp:Y  minor",
        "2 checks: 1 error(s), 1 warning(s)",
    ]


def test_has_errors() -> None:
    assert has_errors([WARN, ERROR]) and not has_errors([WARN]) and not has_errors([])
