"""Refuse, before any engine sees it, a SPARQL text that would write or reach out over the network.

The knowledge graph is read-only and self-contained, so three things are refused in every
engine path (embedded Oxigraph, rdflib, the HTTP server, the app's console):

* any SPARQL Update (INSERT, DELETE, LOAD, CLEAR, CREATE, DROP, COPY, MOVE, ADD, WITH);
* ``SERVICE`` (federation: both pyoxigraph and rdflib would open an HTTP connection to any
  address named in the query, the machine's loopback included);
* ``LOAD`` (remote load; an update anyway).

The check *tokenizes* the text the way the SPARQL grammar does (strings, IRIs, comments,
variables, prefixed names, language tags, bare keywords) and looks only at bare keywords, so
``"SERVICE"`` in a string literal, ``prp:service`` or ``?service`` are not refused. A
tokenizer is used rather than rdflib's full parser because it costs ~0.1 ms where rdflib's
parser costs 15-75 ms per query (the server checks every request), and it errs on the side of
refusing: a token it cannot read is left as single characters, never swallowed. Codepoint
escapes (``\\u0053ERVICE``), which SPARQL allows anywhere, are decoded and checked too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from kg.errors import QueryRefusedError

#: Keywords that exist only in SPARQL Update.
UPDATE_ONLY = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)
#: Keywords that make the engine call another server.
FEDERATION = frozenset({"SERVICE"})

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''
             | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
             | '(?:[^'\\\n\r]|\\.)*'
             | "(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$]\w[\w\u00B7\u0300-\u036F\u203F-\u2040]*)
  | (?P<bnode>_:[\w\-.\u00B7]*)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<pname>(?:[^\W\d_][\w\-.\u00B7]*)?:(?:[\w\-:%\u00B7]|\\[_~.\-!$&'()*+,;=/?\#@%]|\.(?=[\w\-:%]))*)
  | (?P<word>[A-Za-z_]\w*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def keywords(query: str) -> Iterator[str]:
    """The bare keywords of ``query`` (upper-cased), in order; strings, IRIs, names skipped.

    Examples
    --------
    >>> list(keywords("SELECT ?service WHERE { ?s prp:service 'SERVICE' } # SERVICE"))
    ['SELECT', 'WHERE']
    >>> list(keywords("select * { service <http://h/> { ?s ?p ?o } }"))
    ['SELECT', 'SERVICE']
    """
    for match in _TOKEN.finditer(query):
        if match.lastgroup == "word":
            yield match.group().upper()


def _decoded(query: str) -> str:
    """``query`` with SPARQL codepoint escapes decoded (the grammar allows them anywhere)."""

    def one(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF else match.group()

    return _CODEPOINT.sub(one, query)


def _first_forbidden(query: str) -> str | None:
    """The first update or federation keyword of the text as written or with escapes decoded."""
    for text in dict.fromkeys((query, _decoded(query))):
        for word in keywords(text):
            if word in UPDATE_ONLY or word in FEDERATION:
                return word
    return None


def check_query(query: str, source: str = "the query") -> None:
    """Refuse updates, ``SERVICE`` and ``LOAD`` before the query reaches any engine.

    Raises
    ------
    QueryRefusedError
        ``query`` is an update or calls another server.

    Examples
    --------
    >>> check_query("SELECT * WHERE { ?s ?p 'SERVICE' }")
    >>> check_query("SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }")
    Traceback (most recent call last):
    ...
    kg.errors.QueryRefusedError: the query uses SERVICE (a federated call to another server), \
refused before it ran: a query here never reaches out over the network
    >>> check_query("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    Traceback (most recent call last):
    ...
    kg.errors.QueryRefusedError: the query is a SPARQL update (INSERT); the knowledge graph is read-only
    """
    word = _first_forbidden(query)
    if word is None:
        return
    if word in FEDERATION:
        raise QueryRefusedError(
            f"{source} uses {word} (a federated call to another server), refused before it ran: "
            "a query here never reaches out over the network"
        )
    raise QueryRefusedError(f"{source} is a SPARQL update ({word}); the knowledge graph is read-only")
