"""Planner speed: warm time per case (examples and 10,000 synthetic cases) and the cold CLI.

Goals (issues 4 and 11, with the location model over sets of sources): warm median at most
2 ms and p90 at most 5 ms per case; 10,000 cases in at most 30 s on this 2-core machine; the cold
`parareop plan` of one case under 1.5 s, and (issue 10) its CPU at most 5x that of a plain
one-file Python run by the same interpreter. Issue 9: the strict reader (kg.strict_json) costs
under 0.2 ms per example case over plain ``json.loads``.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._timing import measure
from kg.knowledge import knowledge
from kg.strict_json import CASE_FILE, loads
from planner.pipeline import plan_dict
from tests.synthetic import example_cases, synthetic_cases

ROOT = Path(__file__).resolve().parent.parent


def warm_per_case(cases: list[dict], repeats: int) -> list[float]:
    kn = knowledge()
    for c in cases:
        plan_dict(c, kn)
    out = []
    for _ in range(repeats):
        for c in cases:
            t = time.perf_counter()
            plan_dict(c, kn)
            out.append(time.perf_counter() - t)
    return out


def reader_overhead(repeats: int = 200) -> list[float]:
    """Per example case file: strict read minus ``json.loads``, median over ``repeats`` (seconds)."""
    folder = ROOT.parent / "shared" / "cases"
    if not folder.exists():
        folder = ROOT / "ui" / "examples"
    out = []
    for path in sorted(folder.glob("ex-*.json")):
        data = path.read_bytes()
        strict, plain = [], []
        for _ in range(repeats):
            t = time.perf_counter()
            loads(data, CASE_FILE)
            strict.append(time.perf_counter() - t)
            t = time.perf_counter()
            json.loads(data)
            plain.append(time.perf_counter() - t)
        out.append(statistics.median(strict) - statistics.median(plain))
    return out


def _goal(value: float, goal: float) -> str:
    return f"goal <= {goal:g}: {'met' if value <= goal else 'NOT met'}"


def main() -> None:
    over = reader_overhead()
    worst = max(over) * 1000
    print(
        f"strict reader overhead per example case: median {statistics.median(over) * 1000:.3f} ms, "
        f"worst {worst:.3f} ms (goal < 0.2 ms: {'met' if worst < 0.2 else 'NOT met'})"
    )
    examples = example_cases()
    t = warm_per_case(examples, 20)
    med, p90 = statistics.median(t) * 1000, sorted(t)[int(0.9 * len(t))] * 1000
    print(
        f"warm plan, example cases: median {med:.2f} ms ({_goal(med, 2)}), "
        f"p90 {p90:.2f} ms ({_goal(p90, 5)}), max {max(t) * 1000:.2f}, n={len(t)}"
    )
    synthetic = list(synthetic_cases(10_000, seed=7))
    kn = knowledge()
    started = time.perf_counter()
    per = []
    for c in synthetic:
        s = time.perf_counter()
        plan_dict(c, kn)
        per.append(time.perf_counter() - s)
    total = time.perf_counter() - started
    med, p90 = statistics.median(per) * 1000, sorted(per)[9000] * 1000
    print(
        f"warm plan, 10,000 synthetic cases: total {total:.1f} s ({_goal(total, 30)}), "
        f"median {med:.2f} ms ({_goal(med, 2)}), p90 {p90:.2f} ms ({_goal(p90, 5)}), "
        f"max {max(per) * 1000:.1f}"
    )
    case = ROOT.parent / "shared" / "cases" / "ex-04-missing-left-inferior.json"
    if not case.exists():
        case = ROOT / "ui" / "examples" / "ex-04-missing-left-inferior.json"
    exe = ROOT / ".venv" / "bin" / "parareop"
    cold = measure(
        "cold `parareop plan` of one case",
        lambda: subprocess.run(
            [str(exe), "plan", "--format", "json", str(case)], check=True, capture_output=True
        ),
        repeats=5,
    )
    print(cold.line())
    plain = [sys.executable, "-c", f"import json; json.load(open({str(case)!r}))"]
    cli = [str(exe), "plan", "--format", "json", str(case)]
    ratio = statistics.median(_cpu(cli) for _ in range(5)) / statistics.median(_cpu(plain) for _ in range(5))
    print(
        f"cold start CPU: `parareop plan` / a plain one-file Python run = {ratio:.1f}x "
        f"(goal <= 5: {'met' if ratio <= 5 else 'NOT met'})"
    )


def _cpu(argv: list[str]) -> float:
    """User + system CPU seconds of one run of ``argv`` (the child's own rusage)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


if __name__ == "__main__":
    main()
