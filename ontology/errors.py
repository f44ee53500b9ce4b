"""Error types that carry a message meant for the user.

``ParaReopError`` lives in the lowest layer so that every package (``kg``, ``planner``,
``ui``) can subclass it; the CLI catches exactly this type and prints its message as one
line, so anything raised as a ``ParaReopError`` must already say what went wrong and where.
"""

from __future__ import annotations


class ParaReopError(Exception):
    """A failure the user can act on; ``str(error)`` is the whole message (no traceback)."""


class OntologyBuildError(ParaReopError):
    """The ontology build stopped: bad Turtle, a dangling IRI, an inconsistency, ...

    The previous release files are left untouched whenever this is raised.
    """


class CheckSetupError(ParaReopError):
    """A quality check could not run (missing vocabulary, unreadable mapping table, bad query)."""


class InputError(ParaReopError):
    """Input that ParaReop refuses: ``problems`` lists (field path, message) pairs.

    The one error type for bad input at every entry point (a case file, ``plan_dict``, a FHIR
    Bundle, a CDS Hooks request): the message names each field and what is wrong with it.
    """

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p}: {m}" for p, m in problems))
