"""Cases for the app: the bundled examples, uploaded files, and planning one case.

The example cases are bundled in ``ui/examples/`` so that a fresh install works without the
shared folder; a test keeps them identical to ``shared/cases`` whenever that folder exists.
Planning is the planner's: :func:`plan_case` only calls :func:`planner.pipeline.plan_dict` and
turns a refused case (:class:`ontology.errors.InputError`) into a list of field problems.
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg import strict_json
from ontology.errors import InputError, ParaReopError
from planner.pipeline import plan_dict

EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"
CASE_DIR_ENV = "PARAREOP_CASE_DIR"
"""A folder of cases to open beside the examples: where ``parareop cds-hooks --case-dir`` saves
the cases it imported, so that a card's link opens that very case (``?case=<id>``)."""


def case_folders() -> list[Path]:
    """The bundled examples, then the folder named by ``$PARAREOP_CASE_DIR`` when it exists."""
    extra = os.environ.get(CASE_DIR_ENV)
    return [EXAMPLES_DIR, *([Path(extra)] if extra and Path(extra).is_dir() else [])]


@dataclass(frozen=True)
class Example:
    """One bundled example case."""

    case_id: str
    title: str
    path: Path

    @property
    def label(self) -> str:
        return f"{self.case_id} — {self.title}" if self.title else self.case_id


def examples(folder: Path | None = None) -> list[Example]:
    """The cases the app offers, sorted by file name per folder: the bundled examples, then the
    cases saved in ``$PARAREOP_CASE_DIR`` (an id already taken, or a file that is not a JSON
    object, is left out: the folder is written by another process).

    >>> [e.case_id for e in examples()][:2]
    ['ex-01-low-urine-calcium-family', 'ex-02-three-weeks-postop']
    """
    out: list[Example] = []
    for place in [folder] if folder is not None else case_folders():
        for path in sorted(place.glob("*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if not isinstance(data, dict):
                continue
            cid = str(data.get("id", path.stem))
            if all(e.case_id != cid for e in out):
                out.append(Example(cid, str(data.get("title", "")), path))
    return out


def load_example(case_id: str, folder: Path | None = None) -> dict[str, Any]:
    """The raw case dict of one example, by its id.

    >>> load_example("ex-04-missing-left-inferior")["patient"]["age"]
    52
    """
    for ex in examples(folder):
        if ex.case_id == case_id:
            return json.loads(ex.path.read_text(encoding="utf-8"))
    raise KeyError(f"no example case {case_id!r}")


@dataclass
class Outcome:
    """The result of planning one case: the plan (contract dict) or the problems that stopped it."""

    case: Any
    plan: dict[str, Any] | None = None
    problems: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.plan is not None


def parse_case_bytes(data: bytes) -> tuple[Any, list[tuple[str, str]]]:
    """Parse an uploaded file with the strict reader; a file it refuses gives its problems.

    A NaN, a duplicate key, nesting too deep or a number too long refuses the whole file, with
    the field path; a problem of the file as a whole is reported at ``(file)``.

    >>> parse_case_bytes(b'{"id": "x"}')
    ({'id': 'x'}, [])
    >>> parse_case_bytes(b'{"id": ')[1][0][0]
    '(file)'
    >>> parse_case_bytes(b'{"id": "x", "patient": {"age": 50, "age": 60}}')[1]
    [('patient.age', "key 'age' appears more than once in one object")]
    """
    try:
        return strict_json.loads(data, strict_json.CASE_FILE).value, []
    except InputError as exc:
        return None, [(p.replace("(document)", "(file)"), m) for p, m in exc.problems]


def plan_case(case: Any) -> Outcome:
    """Plan a raw case dict with the planner; an invalid case returns its field problems.

    >>> plan_case({"id": "x", "labs": [{"analyte": "calcium_total"}]}).problems[0][0]
    'labs[0]'
    >>> plan_case(load_example("ex-01-low-urine-calcium-family")).plan["decision"]
    'halt'
    """
    try:
        strict_json.check_value(case)
        # the planner's validator fills schema defaults into the dict it is given: give it a copy
        return Outcome(case, plan_dict(copy.deepcopy(case)).to_json())
    except InputError as exc:
        return Outcome(case, None, list(exc.problems))
    except ParaReopError as exc:  # a fault inside the planner: shown as such, never a traceback
        return Outcome(case, None, [("(case)", str(exc))])


def case_json(case: Any) -> str:
    """A case as the contract's JSON text (what the editor's download gives)."""
    return json.dumps(case, indent=1, ensure_ascii=False) + "\n"
