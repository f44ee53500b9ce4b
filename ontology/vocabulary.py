"""Compare the graph's codes with the contract's ``vocabulary.json``.

The planner and the UI find entities by code, never by IRI, so each code of each category
(every key but ``about``) must name exactly one entity: ``skos:notation "<code>"`` together
with ``skos:inScheme prp:scheme_<category>``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pyoxigraph

from ontology.errors import CheckSetupError
from ontology.namespaces import PRP, shorten
from ontology.store import select
from ontology.violations import Level, Violation

CHECK_NAME = "vocabulary_codes"
_NOT_CODES = frozenset({"about"})

_CODES_QUERY = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?entity ?code ?scheme WHERE {
  ?entity skos:notation ?code ; skos:inScheme ?scheme .
}
"""


def load_vocabulary(path: Path) -> dict[str, list[str]]:
    """category -> its codes, from ``vocabulary.json`` (the ``about`` key is skipped).

    Raises:
        CheckSetupError: the file is missing or not the expected JSON shape.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CheckSetupError(
            f"vocabulary not found: {path} (set PARAREOP_SHARED to the shared folder)"
        ) from None
    except (OSError, json.JSONDecodeError) as exc:
        raise CheckSetupError(f"cannot read the vocabulary {path}: {exc}") from None
    if not isinstance(data, dict):
        raise CheckSetupError(f"{path}: expected a JSON object of categories")
    vocabulary: dict[str, list[str]] = {}
    for category, codes in data.items():
        if category in _NOT_CODES:
            continue
        if not isinstance(codes, dict):
            raise CheckSetupError(f"{path}: category {category!r} is not an object of codes")
        vocabulary[category] = list(codes)
    return vocabulary


def scheme_iri(category: str) -> str:
    """The concept scheme of a vocabulary category.

    >>> scheme_iri("sites")
    'https://w3id.org/parareop/scheme_sites'
    """
    return f"{PRP}scheme_{category}"


def check_codes(store: pyoxigraph.Store, vocabulary_path: Path) -> list[Violation]:
    """ERROR for a code that maps to no entity or to several; WARN for an entity that
    carries a code its category does not have (a typo or a stale code)."""
    vocabulary = load_vocabulary(vocabulary_path)
    entities: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in select(store, _CODES_QUERY):
        entities[(row["scheme"], row["code"])].add(row["entity"])

    violations: list[Violation] = []
    for category, codes in vocabulary.items():
        scheme = scheme_iri(category)
        for code in codes:
            found = sorted(entities.get((scheme, code), set()))
            if not found:
                violations.append(
                    Violation(
                        Level.ERROR,
                        CHECK_NAME,
                        scheme,
                        f"code {code!r} of {category!r} maps to no entity "
                        f"(needs skos:notation {code!r} and skos:inScheme {shorten(scheme)})",
                    )
                )
            elif len(found) > 1:
                violations.append(
                    Violation(
                        Level.ERROR,
                        CHECK_NAME,
                        scheme,
                        f"code {code!r} of {category!r} maps to {len(found)} entities: "
                        + ", ".join(shorten(e) for e in found),
                    )
                )
        known = set(codes)
        for (row_scheme, code), ents in entities.items():
            if row_scheme == scheme and code not in known:
                for entity in sorted(ents):
                    violations.append(
                        Violation(
                            Level.WARN,
                            CHECK_NAME,
                            entity,
                            f"code {code!r} is not in the {category!r} list of vocabulary.json",
                        )
                    )
    return violations
