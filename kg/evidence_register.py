"""The evidence register: every number of the graph with its statistic and grade, counted.

The rows come from the named query ``kg/queries/evidence-register.rq``; :func:`register_table`
renders the counts (numbers by statistic and grade, and how many nodes give a setting, an n
and an identifier) as the Markdown block the README shows between the
``<!-- evidence-register -->`` markers. ``python -m kg.evidence_register`` prints it;
``tests/test_evidence_register.py`` fails when the README's block differs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from kg.sparql import EmbeddedBackend, SparqlBackend, run_named

GRADES = ("verified", "unverified", "assumption")
START = "<!-- evidence-register:start -->"
END = "<!-- evidence-register:end -->"


def register_rows(backend: SparqlBackend | None = None) -> list[dict[str, str]]:
    """One row per number (the named query ``evidence-register`` with no parameter bound)."""
    return run_named("evidence-register", backend=backend or EmbeddedBackend()).values()


def register_table(rows: Sequence[Mapping[str, str]]) -> str:
    """The README block: numbers by statistic (rows) and grade (columns), then node counts."""
    counts = Counter((row["statistic"], row["grade"]) for row in rows)
    statistics = sorted(
        {row["statistic"] for row in rows}, key=lambda s: (-sum(counts[s, g] for g in GRADES), s)
    )
    lines = [
        "| statistic | " + " | ".join(GRADES) + " | numbers |",
        "|---|" + "---:|" * (len(GRADES) + 1),
    ]
    for statistic in statistics:
        cells = [counts[statistic, g] for g in GRADES]
        lines.append(f"| {statistic} | " + " | ".join(str(c) for c in cells) + f" | {sum(cells)} |")
    totals = [sum(counts[s, g] for s in statistics) for g in GRADES]
    lines.append("| **all** | " + " | ".join(f"**{t}**" for t in totals) + f" | **{sum(totals)}** |")
    nodes = {row["evidence"]: row for row in rows}
    identifiers = {i for row in nodes.values() for i in row.get("identifiers", "").split()}
    pubmed = sum("pubmed" in i for i in identifiers)
    share = 100 * totals[GRADES.index("assumption")] / max(sum(totals), 1)
    lines += [
        "",
        f"{sum(totals)} numbers on {len(nodes)} evidence nodes; {share:.0f}% of the numbers are assumptions. "
        f"{sum('setting' in r for r in nodes.values())} nodes state an operative setting, "
        f"{sum('disease' in r for r in nodes.values())} a disease setting and "
        f"{sum('n' in r for r in nodes.values())} an n; "
        f"{sum('identifiers' in r for r in nodes.values())} cite {len(identifiers)} distinct identifiers "
        f"({pubmed} PubMed, {len(identifiers) - pubmed} DOI).",
    ]
    return "\n".join(lines)


def readme_block(readme: str) -> str:
    """The text between the README's evidence-register markers (stripped)."""
    return readme.split(START, 1)[1].split(END, 1)[0].strip()


if __name__ == "__main__":  # pragma: no cover - a maintenance command
    print(START)
    print(register_table(register_rows()))
    print(END)
