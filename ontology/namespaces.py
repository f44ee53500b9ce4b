"""The namespaces the build and the checks need, in one place.

The IRIs themselves are data of the ontology; these constants only let the machinery
recognise which IRIs belong to ParaReop and which come from a reference ontology.
"""

from __future__ import annotations

from rdflib import Namespace

PRP = Namespace("https://w3id.org/parareop/")
OBO = Namespace("http://purl.obolibrary.org/obo/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
OIO = Namespace("http://www.geneontology.org/formats/oboInOwl#")
DCTERMS = Namespace("http://purl.org/dc/terms/")

#: prefix -> namespace, used for the release's RDF/XML prefixes and for short report lines.
KNOWN_PREFIXES: dict[str, str] = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": str(SKOS),
    "obo": str(OBO),
    "oio": str(OIO),
    "dcterms": str(DCTERMS),
    "prp": str(PRP),
}

#: External IRI prefixes, spelt and expanded as bioregistry does. Each external term the
#: graph uses needs its label from an import (``ontology/imports``: UBERON) or a row of
#: ``ontology/mappings.sssom.tsv`` (MONDO, HP, LOINC); NCIT is cited only as xref strings.
#: LOINC's concept IRIs are ``http://loinc.org/rdf/<code>`` (LOINC Users' Guide 12.7.2).
EXTERNAL_PREFIXES: dict[str, str] = {
    "UBERON": "http://purl.obolibrary.org/obo/UBERON_",
    "MONDO": "http://purl.obolibrary.org/obo/MONDO_",
    "HP": "http://purl.obolibrary.org/obo/HP_",
    "NCIT": "http://purl.obolibrary.org/obo/NCIT_",
    "loinc": "http://loinc.org/rdf/",
}

#: IRI starts that count as external too (other spellings of LOINC IRIs, so that one is
#: reported instead of passing unseen).
EXTERNAL_IRI_STARTS: tuple[str, ...] = (
    *EXTERNAL_PREFIXES.values(),
    "http://loinc.org/",
    "https://loinc.org/",
)

#: The prefixes a mapping set may declare, as bioregistry (the SSSOM default prefix map)
#: spells and expands them, plus ParaReop's own; tests/test_sssom.py compares them with the
#: copy of bioregistry's map that sssom-py ships.
SSSOM_PREFIXES: dict[str, str] = {
    **EXTERNAL_PREFIXES,
    "skos": str(SKOS),
    "semapv": "https://w3id.org/semapv/vocab/",
    "prp": str(PRP),
}


def shorten(iri: str) -> str:
    """A CURIE for ``iri`` when a known prefix matches, else ``<iri>``.

    >>> shorten("https://w3id.org/parareop/Site")
    'prp:Site'
    >>> shorten("http://purl.obolibrary.org/obo/UBERON_0001132")
    'UBERON:0001132'
    >>> shorten("http://example.org/x")
    '<http://example.org/x>'
    """
    for prefix, ns in (*EXTERNAL_PREFIXES.items(), *KNOWN_PREFIXES.items()):
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return f"<{iri}>"
