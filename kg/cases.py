"""Load a folder of contract cases as checked case graphs, ready for a store.

Every ``*.json`` file that holds a case (a JSON object with an ``id``) is converted
(:mod:`kg.case_rdf`) and checked against the SHACL shapes (:mod:`kg.case_shapes`); a JSON
object without an ``id`` (such as the answer key ``expected.json`` next to the examples) is
skipped and reported as skipped. The first case that fails its shapes stops the load with a
one-line :class:`kg.errors.CaseShapeError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kg.case_rdf import CaseGraph, load_case_file
from kg.case_shapes import check_case
from kg.errors import CaseConversionError
from kg.strict_json import CASE_FILE, JsonInputError, read_file


@dataclass(frozen=True)
class CaseFolder:
    """The cases read from one folder."""

    folder: Path
    cases: tuple[CaseGraph, ...]
    skipped: tuple[tuple[Path, str], ...]

    def graphs(self) -> dict[str, bytes]:
        """Graph IRI -> sorted N-Triples, in case-id order."""
        return {case.iri: case.ntriples() for case in sorted(self.cases, key=lambda c: c.case_id)}


def _is_case(path: Path) -> bool:
    try:
        data = read_file(path, CASE_FILE).value
    except JsonInputError:
        return True  # let load_case_file give the precise error
    return not (isinstance(data, dict) and "id" not in data)


def load_case_folder(
    folder: Path | str, *, release: Path | str | None = None, check: bool = True
) -> CaseFolder:
    """Convert and check every case in ``folder``.

    Parameters
    ----------
    folder : Path or str
        A folder of case JSON files (``*.json``, not recursive).
    release : Path or str or None
        The release the cases link into.
    check : bool
        Check each case against the shapes (default); ``False`` only converts.

    Returns
    -------
    CaseFolder
        The cases in file-name order, and the files skipped with the reason.

    Raises
    ------
    CaseConversionError
        The folder does not exist, or a file is not valid JSON or not a case.
    CaseShapeError
        A case fails its shapes (the message names the file, the focus node and the problem).

    Examples
    --------
    >>> from ontology.paths import shared_dir
    >>> loaded = load_case_folder(shared_dir() / "cases")
    >>> len(loaded.cases) >= 14, [p.name for p, _ in loaded.skipped]
    (True, ['expected.json'])
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise CaseConversionError(f"case folder not found: {folder}")
    cases: list[CaseGraph] = []
    skipped: list[tuple[Path, str]] = []
    seen: dict[str, Path] = {}
    for path in sorted(folder.glob("*.json")):
        if not _is_case(path):
            skipped.append((path, "a JSON object without an 'id' is not a case"))
            continue
        case = load_case_file(path, release=release)
        if case.case_id in seen:
            raise CaseConversionError(
                f"{path}: case id {case.case_id!r} is also used by {seen[case.case_id]}"
            )
        seen[case.case_id] = path
        if check:
            check_case(case, release=release)
        cases.append(case)
    return CaseFolder(folder=folder, cases=tuple(cases), skipped=tuple(skipped))
