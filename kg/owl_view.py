"""The owlready2 view, built only when asked for: reasoning and the Python-object view of classes.

owlready2 is imported inside :func:`owl_world`, so importing :mod:`kg` never pays for it.
The world is private to ParaReop (never owlready2's global ``default_world``) and cached
per process; treat it as read-only.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from kg.errors import KgError, ReleaseNotFoundError
from kg.paths import DEFAULT_RELEASE_OWL

ONTOLOGY_IRI = "https://w3id.org/parareop/parareop.owl"


@functools.lru_cache(maxsize=2)
def _cached_world(path: Path) -> Any:
    import owlready2

    if not path.is_file():
        raise ReleaseNotFoundError(f"release not found: {path} (run `parareop ontology build` first)")
    world = owlready2.World()
    try:
        world.get_ontology(path.as_uri()).load()
    except Exception as exc:  # noqa: BLE001 - owlready2 raises many parser-specific types
        raise KgError(f"owlready2 cannot load {path}: {exc}") from None
    return world


def owl_world(release_owl: Path | str | None = None) -> Any:
    """An owlready2 ``World`` holding the release, loaded on first use and cached.

    Parameters
    ----------
    release_owl : Path or str or None
        The RDF/XML release; ``None`` means ``ontology/parareop.owl``.

    Returns
    -------
    owlready2.World
        The shared world.

    Examples
    --------
    >>> world = owl_world()
    >>> str(world["https://w3id.org/parareop/site_perrier_F"].label.first())
    'Perrier F: inferior gland in the thyrothymic ligament or cervical thymus'
    """
    path = Path(release_owl).resolve() if release_owl is not None else DEFAULT_RELEASE_OWL
    return _cached_world(path)


def owl_ontology(release_owl: Path | str | None = None) -> Any:
    """The ParaReop ontology object inside :func:`owl_world`.

    Examples
    --------
    >>> owl_ontology().base_iri.startswith("https://w3id.org/parareop/")
    True
    """
    world = owl_world(release_owl)
    for onto in world.ontologies.values():
        if onto.base_iri.startswith(ONTOLOGY_IRI):
            return onto
    raise KgError("the owlready2 world holds no ParaReop ontology")
