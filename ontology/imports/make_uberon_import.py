"""Make ``uberon_import.ttl``: UBERON's own labels and definitions of the terms ParaReop uses.

An ODK-style slim import (``uberon_terms.txt`` is the seed list) extracted from a dated UBERON
release. The release file is the UBERON JSON that the PyPI package cellxgene-ontology-guide
ships (its ``data/ontology_info.json`` names the UBERON release it was built from, and the
wheel is pinned here by version and SHA-256), so no network beyond PyPI is needed::

    pip download cellxgene-ontology-guide==1.11.1 --no-deps -d /tmp/cxg
    WHEEL=/tmp/cxg/cellxgene_ontology_guide-1.11.1-py3-none-any.whl
    python ontology/imports/make_uberon_import.py --wheel $WHEEL
    python ontology/imports/make_uberon_import.py --wheel $WHEEL --check   # the checked-in file is current

(``PARAREOP_CXG_WHEEL=$WHEEL pytest tests/test_uberon_import.py`` runs the same check.)

A seed term missing from the release or deprecated there is an error (IDs are verified, not
guessed). Each term gets ``rdfs:label`` and, where UBERON has one, ``obo:IAO_0000115`` from
the release, and ``obo:IAO_0000412`` (imported from) the dated release IRI. The output is
sorted and deterministic. The import has no ``owl:Ontology`` header of its own: the build
merges it into the one ParaReop ontology (``ontology/sources.py``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = HERE / "uberon_terms.txt"
OUTPUT = HERE / "uberon_import.ttl"

#: The pinned source: package, version, wheel digest, and the ontology_info.json release key.
PACKAGE = "cellxgene-ontology-guide"
PACKAGE_VERSION = "1.11.1"
WHEEL_SHA256 = "621276831bc021aab348f4d6119fad033282dff3126a8f2dbe8b293fbce68aca"
SCHEMA_KEY = "7.1.0"
#: The UBERON release that schema key names; checked against the wheel's ontology_info.json.
UBERON_VERSION = "v2026-04-01"

OBO = "http://purl.obolibrary.org/obo/"


def _release_iri(version: str) -> str:
    return f"{OBO}uberon/releases/{version.removeprefix('v')}/uberon.owl"


def read_seed(path: Path = SEED) -> list[str]:
    """The CURIEs of the seed list (comments and blank lines skipped), sorted, unique."""
    terms = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            if not line.startswith("UBERON:"):
                raise SystemExit(f"{path}: not a UBERON CURIE: {line!r}")
            terms.add(line)
    return sorted(terms)


def _decompress_zstd(data: bytes) -> bytes:
    try:
        import zstandard  # type: ignore[import-not-found]
    except ImportError:
        zstd = shutil.which("zstd")
        if zstd is None:
            raise SystemExit("need the zstandard module or the zstd program to read the release") from None
        return subprocess.run([zstd, "-dc"], input=data, capture_output=True, check=True).stdout
    return bytes(zstandard.ZstdDecompressor().stream_reader(data).read())


def load_release(wheel: Path) -> tuple[str, dict[str, dict[str, object]]]:
    """The UBERON version and its terms (CURIE -> record) from the pinned wheel."""
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise SystemExit(f"{wheel}: SHA-256 {digest} is not the pinned {PACKAGE} {PACKAGE_VERSION} wheel")
    with zipfile.ZipFile(wheel) as archive:
        info = json.loads(archive.read("cellxgene_ontology_guide/data/ontology_info.json"))
        version = info[SCHEMA_KEY]["ontologies"]["UBERON"]["version"]
        if version != UBERON_VERSION:
            raise SystemExit(f"the wheel's UBERON release is {version}, expected {UBERON_VERSION}")
        raw = archive.read(f"cellxgene_ontology_guide/data/UBERON-ontology-{version}.json.zst")
    return version, json.loads(_decompress_zstd(raw))


def _literal(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"@en'


def render(version: str, terms: dict[str, dict[str, object]], seed: list[str]) -> str:
    """The Turtle text of the import (deterministic)."""
    problems = []
    for curie in seed:
        record = terms.get(curie)
        if record is None:
            problems.append(f"{curie} is not in UBERON {version}")
        elif record.get("deprecated"):
            problems.append(f"{curie} ({record.get('label')}) is deprecated in UBERON {version}")
    if problems:
        raise SystemExit("; ".join(problems))
    release = _release_iri(version)
    lines = [
        "# ParaReop ontology — UBERON import (generated: do not edit; run make_uberon_import.py).",
        f"# Source: UBERON {version} ({release}), as shipped in the PyPI package",
        f"# {PACKAGE} {PACKAGE_VERSION} (wheel SHA-256 {WHEEL_SHA256}).",
        f"# Seed: ontology/imports/uberon_terms.txt ({len(seed)} terms). "
        "Labels and definitions are UBERON's;",
        "# ParaReop's own axioms about these terms are in ontology/src/15-bridge-uberon.ttl.",
        "",
        "@prefix owl:  <http://www.w3.org/2002/07/owl#> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        "@prefix obo:  <http://purl.obolibrary.org/obo/> .",
        "",
        'obo:IAO_0000412 a owl:AnnotationProperty ; rdfs:label "imported from"@en ;',
        '    obo:IAO_0000115 "The ontology release a term and its label and definition were imported from '
        '(IAO)."@en .',
        "",
    ]
    for curie in seed:
        record = terms[curie]
        iri = "obo:UBERON_" + curie.split(":", 1)[1]
        parts = [f"{iri} a owl:Class", f"rdfs:label {_literal(str(record['label']))}"]
        description = record.get("description")
        if description:
            parts.append(f"obo:IAO_0000115 {_literal(str(description))}")
        parts.append(f"obo:IAO_0000412 <{release}>")
        lines.append(" ;\n    ".join(parts) + " .")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--wheel", type=Path, required=True, help=f"the {PACKAGE} {PACKAGE_VERSION} wheel")
    parser.add_argument("--out", type=Path, default=OUTPUT)
    parser.add_argument(
        "--check", action="store_true", help="fail when --out differs from what would be made"
    )
    args = parser.parse_args(argv)
    version, terms = load_release(args.wheel)
    text = render(version, terms, read_seed())
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.is_file() else ""
        if current != text:
            print(f"{args.out} is stale: run make_uberon_import.py", file=sys.stderr)
            return 1
        print(f"{args.out} is current (UBERON {version})")
        return 0
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}: {len(read_seed())} UBERON {version} terms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
