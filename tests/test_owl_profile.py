"""The release is OWL 2 DL, checked by the OWL API's ``OWL2DLProfile`` (not by owlready2,
which accepts much that is outside the profile).

``ontology/tools/ProfileCheck.java`` is compiled once per session with ``javac`` against
Debian's ``libowlapi-java`` (``/usr/share/java``; ``make setup`` installs it and the JDK
when missing) and run on the tracked release and on small fixtures that must fail, so a
checker that silently accepts everything cannot pass.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import OWL, RDF, URIRef

from ontology.paths import ONTOLOGY_DIR, RELEASE_OWL
from ontology.release import load_graph

JAVA_DIR = Path("/usr/share/java")
#: The OWL API modules needed to parse RDF/XML and Turtle and check profiles (not the rdf4j
#: "rio" parsers), then their runtime dependencies, as Debian names the jars.
JARS = (
    "owlapi-api",
    "owlapi-impl",
    "owlapi-parsers",
    "owlapi-apibinding",
    "guava",
    "caffeine",
    "commons-io",
    "commons-rdf-api",
    "hppcrt",
    "xz",
    "atinject-jsr330-api",
    "slf4j-api",
    "slf4j-nop",
)
SOURCE = ONTOLOGY_DIR / "tools" / "ProfileCheck.java"
FIXTURES = Path(__file__).parent / "fixtures" / "owl_profile"
_SUMMARY = re.compile(r": (\d+) OWL 2 DL violation\(s\), (\d+) axioms$")


@dataclass(frozen=True)
class Report:
    """One file's result: the violation lines and the number of axioms the OWL API loaded."""

    violations: list[str]
    axioms: int
    returncode: int


@pytest.fixture(scope="session")
def classpath(tmp_path_factory: pytest.TempPathFactory) -> str:
    """ProfileCheck compiled into a temporary folder, followed by the OWL API jars."""
    missing = [name for name in JARS if not (JAVA_DIR / f"{name}.jar").is_file()]
    if missing or shutil.which("javac") is None or shutil.which("java") is None:
        absent = ", ".join(missing) or "javac/java"
        pytest.fail(
            f"the OWL 2 DL check needs a JDK and libowlapi-java (missing: {absent}): run `make setup`"
        )
    jars = [str(JAVA_DIR / f"{name}.jar") for name in JARS]
    classes = tmp_path_factory.mktemp("profile-check")
    subprocess.run(
        ["javac", "-nowarn", "-d", str(classes), "-cp", ":".join(jars), str(SOURCE)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return ":".join([str(classes), *jars])


def check(classpath: str, path: Path) -> Report:
    """Run ProfileCheck on one file and parse what it printed."""
    done = subprocess.run(
        ["java", "-cp", classpath, "ProfileCheck", str(path)], capture_output=True, text=True, timeout=120
    )
    lines = [line.removeprefix(f"{path}: ") for line in done.stdout.splitlines()]
    assert lines, f"ProfileCheck printed nothing (exit {done.returncode}): {done.stderr[-2000:]}"
    summary = _SUMMARY.search(done.stdout.splitlines()[-1])
    assert summary is not None, (
        f"cannot read ProfileCheck's output: {done.stdout[-2000:]} {done.stderr[-2000:]}"
    )
    return Report(violations=lines[:-1], axioms=int(summary.group(2)), returncode=done.returncode)


def test_release_is_owl2_dl(classpath: str) -> None:
    report = check(classpath, RELEASE_OWL)
    assert report.violations == [] and report.returncode == 0, "\n".join(report.violations)
    # the whole release was read, not an empty ontology: at least one axiom per declared entity
    graph = load_graph(RELEASE_OWL)
    declared = {
        s for s, _, o in graph.triples((None, RDF.type, None)) if isinstance(s, URIRef) and o != OWL.Ontology
    }
    assert report.axioms >= len(declared) > 500


def test_checker_reports_an_undeclared_annotation_property(classpath: str) -> None:
    report = check(classpath, FIXTURES / "undeclared_annotation.ttl")
    assert report.returncode == 1 and len(report.violations) == 1
    assert "undeclared annotation property" in report.violations[0]
    assert "http://example.org/profile-fixture/note" in report.violations[0]


def test_checker_reports_a_functional_transitive_property(classpath: str) -> None:
    report = check(classpath, FIXTURES / "non_simple_functional.ttl")
    assert report.returncode == 1 and len(report.violations) == 1
    assert "non-simple property" in report.violations[0] and "partOf" in report.violations[0]


def test_checker_accepts_the_fixed_fixture(classpath: str) -> None:
    report = check(classpath, FIXTURES / "in_profile.ttl")
    assert report.violations == [] and report.returncode == 0 and report.axioms == 3
