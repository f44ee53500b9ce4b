"""``parareop sparql`` run as a real subprocess: inline, --file and --name queries, the three
formats, case graphs, and one clear line (never a traceback) for every kind of bad input."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from kg.server import free_port
from ontology.paths import shared_dir

CASES = shared_dir() / "cases"


def sparql(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ui.cli", "sparql", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_descent_path_prints_the_two_paths() -> None:
    done = sparql("--name", "descent-path")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["path", "step", "kind", "site", "site_label", "branches_from"]
    inferior = [line.split()[3] for line in lines if line.startswith("path_inferior") and " main " in line]
    superior = [line.split()[3] for line in lines if line.startswith("path_superior") and " main " in line]
    assert inferior == [
        "undescended",
        "carotid_sheath",
        "perrier_E",
        "perrier_F",
        "anterior_mediastinum",
        "aortopulmonary_window",
    ]
    assert superior == ["perrier_A", "perrier_B", "perrier_C", "retroesophageal", "posterior_mediastinum"]
    assert lines[-1] == "(16 rows)"


def test_inline_and_file_queries(tmp_path: Path) -> None:
    query = (
        "PREFIX prp: <https://w3id.org/parareop/> "
        "SELECT ?vein WHERE { ?vein prp:drainsSite prp:site_anterior_mediastinum } ORDER BY ?vein"
    )
    inline = sparql(query)
    assert inline.returncode == 0 and "prp:vein_thymic_vein" in inline.stdout
    path = tmp_path / "q.rq"
    path.write_text(query, encoding="utf-8")
    from_file = sparql("--file", str(path))
    assert from_file.stdout == inline.stdout
    ask = sparql("PREFIX prp: <https://w3id.org/parareop/> ASK { prp:vein_thymic_vein prp:drainsSite ?site }")
    assert ask.stdout.strip() == "true"


def test_csv_and_json_formats() -> None:
    as_csv = sparql("--name", "vein-drainage", "--param", "vein=thymic_vein", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert sorted(r["site"] for r in rows) == ["anterior_mediastinum", "perrier_F"]
    as_json = json.loads(
        sparql("--name", "vein-drainage", "--param", "vein=thymic_vein", "--format", "json").stdout
    )
    assert as_json["head"]["vars"] == ["vein", "vein_label", "lateralizes", "site", "site_label"]
    sites = sorted(b["site"]["value"] for b in as_json["results"]["bindings"])
    assert sites == ["anterior_mediastinum", "perrier_F"]


def test_rdflib_engine_gives_the_same_table() -> None:
    assert (
        sparql("--name", "candidate-sites", "--engine", "rdflib").stdout
        == sparql("--name", "candidate-sites").stdout
    )


def test_case_graphs_from_a_folder() -> None:
    done = sparql(
        "--name",
        "cases-with-positive-finding",
        "--param",
        "site=perrier_F",
        "--cases",
        str(CASES),
        "--format",
        "csv",
    )
    assert done.returncode == 0, done.stderr
    cases = {row["case"] for row in csv.DictReader(io.StringIO(done.stdout))}
    assert cases == {"ex-04-missing-left-inferior", "ex-06-four-glands-seen"}
    assert "skipped expected.json" in done.stderr


def test_list_shows_every_query_with_its_question() -> None:
    done = sparql("--list")
    assert done.returncode == 0
    for name in ("descent-path", "candidate-sites", "vein-drainage", "thresholds", "gland-found-sites"):
        assert f"\n{name}\n" in f"\n{done.stdout}"
    assert "--param origin=" in done.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--name", "descent-pth"), "unknown query name 'descent-pth' (did you mean descent-path?)"),
        (("SELEC ?x WHERE { ?x ?p ?o }",), "SPARQL syntax error in the inline query: error at 1:"),
        (
            ("INSERT DATA { <urn:a> <urn:b> <urn:c> }",),
            "is a SPARQL update (INSERT); the knowledge graph is read-only",
        ),
        (("--endpoint", "http://127.0.0.1:{port}/query", "ASK {}"), "cannot reach the SPARQL endpoint"),
        (("--name", "vein-drainage", "--param", "site=x y"), "is not a code"),
        (("--name", "vein-drainage", "--param", "side=left"), "no parameter 'side'"),
        (("--name", "vein-drainage", "--param", "site"), "--param expects NAME=VALUE"),
        (("--file", "/nonexistent/query.rq"), "cannot read the query file"),
        (("ASK {}", "--param", "site=perrier_F"), "--param applies to named queries"),
        ((), "give exactly one query"),
        (("--endpoint", "http://127.0.0.1:1/query", "--cases", "cases", "ASK {}"), "--cases loads cases"),
        (("--cases", "/nonexistent", "ASK {}"), "case folder not found"),
    ],
)
def test_bad_input_is_one_clear_line(args: tuple[str, ...], expected: str) -> None:
    done = sparql(*(a.replace("{port}", str(free_port())) for a in args))
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("parareop: error: ") and expected in lines[0]
    assert "Traceback" not in done.stderr


def test_a_case_file_that_fails_its_shapes(tmp_path: Path) -> None:
    case = json.loads((CASES / "ex-04-missing-left-inferior.json").read_text(encoding="utf-8"))
    del case["labs"][0]["unit"]
    (tmp_path / "no-unit.json").write_text(json.dumps(case), encoding="utf-8")
    done = sparql("--name", "gland-found-sites", "--cases", str(tmp_path))
    assert done.returncode == 1
    line = done.stderr.strip()
    assert "\n" not in line and "Traceback" not in line
    assert "no-unit.json" in line and "lab/1> prp:unit: a value without a unit" in line
