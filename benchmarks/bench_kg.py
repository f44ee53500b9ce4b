"""Benchmark: the knowledge-graph views and the named SPARQL queries.

Prints (median and spread over repeated runs):

* the time to load the release into each view, built cold (caches cleared): the embedded
  Oxigraph store, the rdflib graph, the networkx projection, the owlready2 world, and all
  the views the planner uses together;
* for every named query (kg/queries/*.rq, with the example cases loaded as named graphs):
  the median latency on the embedded store, on rdflib's engine over the same triples, and
  over HTTP to a real ``oxigraph serve-read-only`` on a loopback port, with the ratio
  rdflib / embedded.

Goals (issue 3): all views load in well under a second; embedded median under 5 ms per
named query; the embedded store at least 20x faster than rdflib on the path queries.
Speed is reported here, never asserted in tests. Run with ``make bench`` or
``python benchmarks/bench_kg.py``.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable

from _timing import measure

from kg import networkx_view, oxigraph_view, rdflib_view, release, vocabulary
from kg.cases import load_case_folder
from kg.endpoint import EndpointBackend
from kg.named_queries import named_queries
from kg.owl_view import _cached_world, owl_world
from kg.server import free_port, served
from kg.sparql import SparqlBackend, embedded_with_cases, rdflib_with_cases
from ontology.paths import shared_dir

LOAD_REPEATS = 7
EMBEDDED_REPEATS = 100
HTTP_REPEATS = 30
RDFLIB_REPEATS = 7
PATH_QUERIES = ("descent-path", "candidate-sites")
EMBEDDED_GOAL_MS = 5.0
RATIO_GOAL = 20.0


def _cold(*clear: Callable[[], None]) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """Wrap an action so that the given caches are cleared before each run."""

    def wrap(action: Callable[[], object]) -> Callable[[], object]:
        def run() -> object:
            for c in clear:
                c()
            return action()

        return run

    return wrap


def load_times() -> None:
    clear_release = release._read.cache_clear
    clear_store = oxigraph_view._cached_store.cache_clear
    clear_graph = rdflib_view._cached_graph.cache_clear
    clear_index = vocabulary._index.cache_clear
    clear_nx = networkx_view._cached_projection.cache_clear
    print("load the release into each view (cold, caches cleared before each run):")
    oxigraph_view.oxigraph_store()
    rows = [
        measure("  read the N-Triples file", _cold(clear_release)(release.release_bytes), LOAD_REPEATS),
        measure("  embedded Oxigraph store", _cold(clear_store)(oxigraph_view.oxigraph_store), LOAD_REPEATS),
        measure("  rdflib graph", _cold(clear_graph)(rdflib_view.rdflib_graph), LOAD_REPEATS),
        measure(
            "  networkx projection (store already loaded)",
            _cold(clear_index, clear_nx)(networkx_view.traversal_graph),
            LOAD_REPEATS,
        ),
        measure(
            "  all three views from the file",
            _cold(clear_release, clear_store, clear_graph, clear_index, clear_nx)(
                lambda: (rdflib_view.rdflib_graph(), networkx_view.traversal_graph())
            ),
            LOAD_REPEATS,
        ),
        measure("  owlready2 world (on demand)", _cold(_cached_world.cache_clear)(owl_world), LOAD_REPEATS),
    ]
    for timing in rows:
        print(timing.line())


def latencies(backend: SparqlBackend, text: str, repeats: int) -> list[float]:
    """Seconds per run; like ``timeit``, the garbage collector is paused while timing."""
    backend.run(text)  # warm up (parsing caches, connection)
    gc.collect()
    gc.disable()
    try:
        out = []
        for _ in range(repeats):
            started = time.perf_counter()
            backend.run(text)
            out.append(time.perf_counter() - started)
    finally:
        gc.enable()
    return out


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:8.2f} ({min(values) * 1000:.2f}-{max(values) * 1000:.2f})"


def query_times() -> None:
    graphs = load_case_folder(shared_dir() / "cases").graphs()
    embedded = embedded_with_cases(graphs)
    reference = rdflib_with_cases(graphs)
    queries = named_queries()
    with served(graphs=graphs, port=free_port()) as server:
        http = EndpointBackend(server.query_url)
        print(
            f"\nnamed queries: median ms (min-max) over {EMBEDDED_REPEATS} embedded / {RDFLIB_REPEATS} "
            f"rdflib / {HTTP_REPEATS} HTTP runs; release + {len(graphs)} case graphs"
        )
        header = (
            f"{'query':30} {'rows':>5} {'embedded':>22} {'rdflib':>24} {'HTTP (Oxigraph server)':>24} "
            f"{'rdflib/emb':>10}"
        )
        print(header)
        print("-" * len(header))
        worst_embedded = 0.0
        path_ratios = []
        for name, query in queries.items():
            text = query.render()
            rows = len(embedded.run(text))
            emb = latencies(embedded, text, EMBEDDED_REPEATS)
            ref = latencies(reference, text, RDFLIB_REPEATS)
            net = latencies(http, text, HTTP_REPEATS)
            ratio = statistics.median(ref) / statistics.median(emb)
            worst_embedded = max(worst_embedded, statistics.median(emb) * 1000)
            if name in PATH_QUERIES:
                path_ratios.append(ratio)
            print(f"{name:30} {rows:5d} {_ms(emb):>22} {_ms(ref):>24} {_ms(net):>24} {ratio:9.0f}x")
    print(
        f"\ngoal: embedded median < {EMBEDDED_GOAL_MS:g} ms per named query -> worst {worst_embedded:.2f} ms "
        f"({'met' if worst_embedded < EMBEDDED_GOAL_MS else 'MISSED'})"
    )
    least = min(path_ratios)
    print(
        f"goal: embedded >= {RATIO_GOAL:g}x faster than rdflib on the path queries "
        f"({', '.join(PATH_QUERIES)}) -> least {least:.0f}x ({'met' if least >= RATIO_GOAL else 'MISSED'})"
    )


def main() -> None:
    load_times()
    query_times()


if __name__ == "__main__":
    main()
