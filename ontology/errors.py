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
