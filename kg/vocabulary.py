"""Find ontology individuals by code, and name them by code.

The contract's codes are ``skos:notation`` values in ``skos:inScheme prp:scheme_<category>``
(``ontology/src/00-core.ttl``). Code never spells an IRI: :func:`lookup` goes from
(category, code) to the IRI, :func:`node_id` from an IRI to the stable id used by the
networkx projection and by query parameters (the notation where it names the entity
uniquely in its scheme, else the IRI's local name, e.g. ``origin_third_pouch``).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from kg.oxigraph_view import oxigraph_store
from kg.release import resolve_release
from ontology.namespaces import PRP

PRP_NS: str = str(PRP)
SCHEME_PREFIX: str = f"{PRP_NS}scheme_"

_CODES = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?entity ?code ?scheme WHERE { ?entity skos:notation ?code ; skos:inScheme ?scheme . }
"""


@dataclass(frozen=True)
class CodeIndex:
    """Both directions between codes and IRIs, for one release."""

    by_code: dict[tuple[str, str], tuple[str, ...]]
    ids: dict[str, str]

    def lookup(self, category: str, code: str) -> str | None:
        """The IRI with ``code`` in ``prp:scheme_<category>``, or ``None`` (unknown or ambiguous)."""
        found = self.by_code.get((category, code), ())
        return found[0] if len(found) == 1 else None


def local_name(iri: str) -> str:
    """The part of a ParaReop IRI after the namespace (other IRIs are returned whole).

    Examples
    --------
    >>> local_name("https://w3id.org/parareop/origin_third_pouch")
    'origin_third_pouch'
    >>> local_name("http://purl.obolibrary.org/obo/UBERON_0001132")
    'http://purl.obolibrary.org/obo/UBERON_0001132'
    """
    return iri[len(PRP_NS) :] if iri.startswith(PRP_NS) and len(iri) > len(PRP_NS) else iri


@functools.lru_cache(maxsize=4)
def _index(release: Path) -> CodeIndex:
    grouped: dict[tuple[str, str], set[str]] = defaultdict(set)
    codes_of: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for solution in oxigraph_store(release).select(_CODES):
        scheme = solution["scheme"].value
        if not scheme.startswith(SCHEME_PREFIX):
            continue
        key = (scheme[len(SCHEME_PREFIX) :], solution["code"].value)
        entity = solution["entity"].value
        grouped[key].add(entity)
        codes_of[entity].add(key)
    by_code = {key: tuple(sorted(iris)) for key, iris in grouped.items()}
    ids: dict[str, str] = {}
    for entity, keys in codes_of.items():
        unique = sorted({key[1] for key in keys if len(by_code[key]) == 1})
        ids[entity] = unique[0] if len(unique) == 1 else local_name(entity)
    return CodeIndex(by_code=by_code, ids=ids)


def code_index(release: Path | str | None = None) -> CodeIndex:
    """The code index of a release, built once per process.

    Examples
    --------
    >>> code_index().lookup("sites", "perrier_F")
    'https://w3id.org/parareop/site_perrier_F'
    >>> code_index().lookup("sites", "perrier_Z") is None
    True
    """
    return _index(resolve_release(release))


def lookup(category: str, code: str, release: Path | str | None = None) -> str | None:
    """The IRI of ``code`` in the vocabulary category ``category``, or ``None``.

    Parameters
    ----------
    category : str
        A key of ``contract/vocabulary.json`` (``sites``, ``veins``, ``operations``, ...)
        or an internal scheme (``parameters``, ``features``, ``gates``).
    code : str
        The code (``skos:notation``).
    release : Path or str or None
        The release to look in.

    Returns
    -------
    str or None
        The IRI, or ``None`` when no entity or more than one entity has the code.

    Examples
    --------
    >>> lookup("veins", "thymic_vein")
    'https://w3id.org/parareop/vein_thymic_vein'
    >>> lookup("operations", "hemithyroidectomy")
    'https://w3id.org/parareop/procedure_hemithyroidectomy'
    """
    return code_index(release).lookup(category, code)


def node_id(iri: str, release: Path | str | None = None) -> str:
    """The stable id of an entity: its notation where unique in its scheme, else its local name.

    Examples
    --------
    >>> node_id("https://w3id.org/parareop/site_perrier_F")
    'perrier_F'
    >>> node_id("https://w3id.org/parareop/origin_third_pouch")
    'origin_third_pouch'
    """
    return code_index(release).ids.get(iri) or local_name(iri)
