"""CDS Hooks service: hypothesis-generated bad requests never get a 5xx (issue 9).

Each mutated body (a field removed, replaced by junk, a NaN, an over-long number, deep nesting
or a repeated key planted in the raw bytes) is sent to the real ``parareop cds-hooks`` process;
the answer is a 4xx with a message, or a well-formed card list, never a server error.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_cds_hooks import _post, _prefetch, _request, _with

SCALARS = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
JSON = st.recursive(
    SCALARS | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
VALID = _request(_prefetch("ex-12-negative-imaging"))
PATHS = [
    ("hook",),
    ("hookInstance",),
    ("context",),
    ("context", "patientId"),
    ("prefetch",),
    ("prefetch", "observations"),
    ("prefetch", "procedures"),
    ("prefetch", "patient"),
    ("prefetch", "observations", "entry"),
    ("prefetch", "procedures", "entry"),
    ("prefetch", "observations", "type"),
    ("fhirServer",),
]


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    """The valid request with one to three fields deleted or replaced by arbitrary JSON."""
    body = copy.deepcopy(VALID)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        node: Any = body
        for key in path[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            continue
        if draw(st.booleans()):
            node.pop(path[-1], None)
        else:
            node[path[-1]] = draw(JSON)
    if draw(st.booleans()):  # and maybe break one resource of the prefetch
        pre = body.get("prefetch")
        obs = pre.get("observations") if isinstance(pre, dict) else None
        entries = obs.get("entry") if isinstance(obs, dict) else None
        if isinstance(entries, list) and entries:
            i = draw(st.integers(0, len(entries) - 1))
            entries[i] = {"resource": draw(JSON)} if draw(st.booleans()) else draw(JSON)
    return body


BAD_LITERALS = st.sampled_from(
    [
        "NaN",
        "Infinity",
        "-Infinity",
        "1e999",
        "9" * 5000,
        "-0." + "1" * 60,
        "[" * 49 + "]" * 49,
        '{"a": ' * 60 + "1" + "}" * 60,
    ]
)


@st.composite
def not_strict(draw: st.DrawFn) -> dict[str, bytes]:
    """A mutated request whose text breaks the strict reader: a bad literal somewhere, or a repeated key."""
    body = draw(mutated())
    text = json.dumps(body)
    if draw(st.booleans()):
        key = draw(st.sampled_from(['"resourceType"', '"hook"', '"status"', '"value"', '"code"']))
        i = text.find(key + ": ")
        if i >= 0:
            return {"__raw__": (text[:i] + key + ': "x", ' + text[i:]).encode(), "__bad__": b"1"}
    path = draw(st.sampled_from(PATHS))
    node: Any = body
    for key in path[:-1]:
        node = node.get(key) if isinstance(node, dict) else None
    if not isinstance(node, dict):
        return {"__raw__": text.encode()}
    return {"__raw__": _with(body, path, draw(BAD_LITERALS)), "__bad__": b"1"}


@settings(max_examples=160, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.one_of(
        mutated(),
        JSON,
        st.binary(max_size=64).map(lambda b: {"__raw__": b}),
        not_strict(),
    )
)
def test_bad_requests_never_get_a_5xx(service: str, body: Any) -> None:
    if isinstance(body, dict) and "__raw__" in body:
        r = _post(service, None, raw=body["__raw__"])
        if "__bad__" in body:  # a planted NaN, long number, deep nesting or repeated key
            assert r.status_code == 400, r.text
    else:
        r = _post(service, body)
    assert r.status_code < 500, r.text
    payload = r.json()
    if r.status_code >= 400:
        assert isinstance(payload.get("error"), str) and payload["error"]
    else:
        assert isinstance(payload["cards"], list)
        for card in payload["cards"]:
            assert len(card["summary"]) < 140 and card["indicator"] in ("info", "warning", "critical")
