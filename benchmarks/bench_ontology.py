"""Benchmark: the ontology build (with its reasoner time) and loading the release into
each store (rdflib, pyoxigraph, owlready2).

Builds into a temporary folder (the committed release is never touched), then loads the
files just built. Run with ``make bench`` or ``python benchmarks/bench_ontology.py``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import owlready2
from _timing import measure, report
from rdflib import Graph

from ontology.build import build
from ontology.checks import run_checks
from ontology.store import open_store

REPEATS = 5


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="parareop-bench-") as tmp:
        out = Path(tmp)
        results = []
        timings = measure(
            "build (no checks)", lambda: results.append(build(out_dir=out, quality_checks=False)), REPEATS
        )
        last = results[-1]
        print(
            f"release: {last.stats.triples} triples, {last.stats.classes} classes, "
            f"{last.stats.individuals} individuals, {last.stats.evidence_nodes} evidence nodes"
        )
        print(timings.line())
        print(report("  of which HermiT", [r.reasoner_seconds for r in results]).line())
        store = open_store(last.nt_path)
        print(measure("quality checks (pyoxigraph)", lambda: run_checks(store), REPEATS).line())

        def load_owlready2() -> None:
            world = owlready2.World()
            world.get_ontology(last.owl_path.as_uri()).load()
            world.close()

        print(
            measure("load .nt into rdflib", lambda: Graph().parse(last.nt_path, format="nt"), REPEATS).line()
        )
        print(
            measure(
                "load .owl into rdflib", lambda: Graph().parse(last.owl_path, format="xml"), REPEATS
            ).line()
        )
        print(measure("load .nt into pyoxigraph", lambda: open_store(last.nt_path), REPEATS).line())
        print(measure("load .owl into owlready2", load_owlready2, REPEATS).line())


if __name__ == "__main__":
    main()
