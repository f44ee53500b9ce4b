"""Turn a contract case (``shared/contract/case.schema.json``) into RDF, one named graph per case.

Each case becomes a ``prp:Case`` individual whose IRI is also its graph's IRI,
``https://w3id.org/parareop/case/<id>``; its operations, gland records, imaging findings,
laboratory results, venous samplings and aspirations become individuals of the case model
(``kg/shapes/case-model.ttl``), linked to the ontology's individuals (sites, sides,
modalities, statuses, units, ...) found by code through :mod:`kg.vocabulary`.

The conversion is deliberately lenient: a code the ontology does not know becomes an IRI
under ``https://w3id.org/parareop/unknown-code/<category>/<code>`` (typed by nothing), and a
value of the wrong JSON type becomes a plain string literal, so that the SHACL shapes
(:mod:`kg.case_shapes`) report every problem with its focus node instead of the converter
stopping at the first. Only input that is not a case at all (not a JSON object, no string
``id``, a list field that is not a list) raises :class:`kg.errors.CaseConversionError`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from rdflib import RDF, XSD, Graph, Literal, URIRef

from kg.errors import CaseConversionError
from kg.strict_json import CASE_FILE, JsonInputError, read_file
from kg.vocabulary import lookup
from ontology.namespaces import PRP

CASE_BASE: str = f"{PRP}case/"
UNKNOWN_CODE_BASE: str = f"{PRP}unknown-code/"


def case_iri(case_id: str) -> str:
    """The IRI of a case (and of its named graph).

    Examples
    --------
    >>> case_iri("ex-04-missing-left-inferior")
    'https://w3id.org/parareop/case/ex-04-missing-left-inferior'
    >>> case_iri("a case/1")
    'https://w3id.org/parareop/case/a%20case%2F1'
    """
    return CASE_BASE + quote(case_id, safe="-._~")


def unknown_code_iri(category: str, code: str) -> str:
    """The placeholder IRI for a code the ontology does not know.

    Examples
    --------
    >>> unknown_code_iri("sites", "perrier_Z")
    'https://w3id.org/parareop/unknown-code/sites/perrier_Z'
    """
    return f"{UNKNOWN_CODE_BASE}{quote(category, safe='')}/{quote(code, safe='-._~')}"


def describe_unknown(iri: str) -> str | None:
    """``"unknown <category> code '<code>'"`` for a placeholder IRI, else ``None``.

    Examples
    --------
    >>> describe_unknown(unknown_code_iri("sites", "perrier_Z"))
    "unknown sites code 'perrier_Z'"
    >>> describe_unknown("https://w3id.org/parareop/site_perrier_F") is None
    True
    """
    if not iri.startswith(UNKNOWN_CODE_BASE):
        return None
    category, _, code = iri[len(UNKNOWN_CODE_BASE) :].partition("/")
    return f"unknown {unquote(category)} code {unquote(code)!r}"


@dataclass(frozen=True)
class CaseGraph:
    """One case as RDF.

    Attributes
    ----------
    case_id : str
        The contract id.
    iri : str
        The case individual's IRI, also the named graph's IRI.
    graph : rdflib.Graph
        The case's triples (without the ontology).
    source : str
        Where the case came from (a file path, or ``"<dict>"``).
    """

    case_id: str
    iri: str
    graph: Graph
    source: str = "<dict>"

    def ntriples(self) -> bytes:
        """The case's triples as sorted N-Triples (stable across runs)."""
        text = self.graph.serialize(format="nt", encoding="utf-8").decode("utf-8")
        return ("\n".join(sorted(line for line in text.splitlines() if line.strip())) + "\n").encode("utf-8")


class _Builder:
    """Accumulates the triples of one case; every helper skips fields that are absent."""

    def __init__(self, case_id: str, release: Path | str | None) -> None:
        self.case_id = case_id
        self.root = case_iri(case_id)
        self.release = release
        self.graph = Graph(bind_namespaces="none")
        self.graph.bind("prp", str(PRP))

    def node(self, *parts: object) -> URIRef:
        return URIRef("/".join([self.root, *(str(p) for p in parts)]))

    def add(self, subject: URIRef, prop: str, obj: URIRef | Literal) -> None:
        self.graph.add((subject, PRP[prop], obj))

    def typed(self, subject: URIRef, cls: str) -> URIRef:
        self.graph.add((subject, RDF.type, PRP[cls]))
        return subject

    def code(self, subject: URIRef, prop: str, category: str, value: Any) -> None:
        if value is None:
            return
        code = value if isinstance(value, str) else json.dumps(value)
        iri = lookup(category, code, self.release) or unknown_code_iri(category, code)
        self.add(subject, prop, URIRef(iri))

    def codes(self, subject: URIRef, prop: str, category: str, values: Any, where: str) -> None:
        for value in _list(values, where):
            self.code(subject, prop, category, value)

    def integer(self, subject: URIRef, prop: str, value: Any) -> None:
        if value is None:
            return
        if isinstance(value, int) and not isinstance(value, bool):
            self.add(subject, prop, Literal(value, datatype=XSD.integer))
        else:
            self.add(subject, prop, Literal(_text(value)))

    def decimal(self, subject: URIRef, prop: str, value: Any) -> None:
        if value is None:
            return
        if isinstance(value, int | float) and not isinstance(value, bool):
            try:
                number = Decimal(str(value))
            except InvalidOperation:
                number = None
            if number is not None and number.is_finite():
                self.add(subject, prop, Literal(str(number), datatype=XSD.decimal))
                return
        self.add(subject, prop, Literal(_text(value)))

    def boolean(self, subject: URIRef, prop: str, value: Any) -> None:
        if value is None:
            return
        if isinstance(value, bool):
            self.add(subject, prop, Literal(value, datatype=XSD.boolean))
        else:
            self.add(subject, prop, Literal(_text(value)))

    def string(self, subject: URIRef, prop: str, value: Any) -> None:
        if value is not None:
            self.add(subject, prop, Literal(_text(value)))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _list(value: Any, where: str) -> Sequence[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise CaseConversionError(f"{where} must be a list, not {type(value).__name__}")
    return value


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise CaseConversionError(f"{where} must be an object, not {type(value).__name__}")
    return value


def _patient(b: _Builder, case: URIRef, patient: Mapping[str, Any], where: str) -> None:
    b.integer(case, "age", patient.get("age"))
    b.string(case, "sex", patient.get("sex"))
    b.boolean(case, "surgicalCandidate", patient.get("surgical_candidate"))
    b.boolean(case, "familyHistoryHypercalcemia", patient.get("family_history_hypercalcemia"))
    b.boolean(case, "palpableNeckMass", patient.get("palpable_neck_mass"))
    b.code(case, "vocalCordParalysisSide", "sides", patient.get("vocal_cord_paralysis"))
    b.codes(case, "hasSyndrome", "syndromes", patient.get("syndromes"), f"{where}.syndromes")
    b.codes(case, "takesMedication", "medications", patient.get("medications"), f"{where}.medications")
    b.string(case, "note", patient.get("note"))


#: thymectomy extent -> (vocabulary category, procedure code) of the procedure it implies
_THYMECTOMY: dict[str, tuple[str, str]] = {
    "cervical": ("prior_procedures", "cervical_thymectomy"),
    "complete": ("internal_procedures", "complete_thymectomy"),
}


def _operation(b: _Builder, case: URIRef, index: int, op: Mapping[str, Any], where: str) -> None:
    node = b.typed(b.node("operation", index), "PreviousOperation")
    b.add(case, "hasOperation", node)
    b.integer(node, "day", op.get("day"))
    b.codes(node, "usedProcedure", "prior_procedures", op.get("procedures"), f"{where}.procedures")
    b.codes(node, "thyroidLobeRemoved", "sides", op.get("thyroid_removed"), f"{where}.thyroid_removed")
    extent = op.get("thymectomy")
    b.string(node, "thymectomyExtent", extent)
    if isinstance(extent, str) and extent in _THYMECTOMY:
        b.code(node, "thymectomyProcedure", *_THYMECTOMY[extent])
    b.boolean(node, "capsuleRupture", op.get("capsule_rupture"))
    if op.get("autograft") is not None:
        graft = _object(op["autograft"], f"{where}.autograft")
        b.string(node, "autograftLocation", graft.get("location"))
        b.code(node, "autograftSide", "sides", graft.get("side"))
    b.string(node, "note", op.get("note"))
    for j, gland in enumerate(_list(op.get("glands"), f"{where}.glands"), start=1):
        gland = _object(gland, f"{where}.glands[{j - 1}]")
        record = b.typed(b.node("operation", index, "gland", j), "GlandRecord")
        b.add(node, "hasGlandRecord", record)
        b.code(record, "glandPosition", "gland_positions", gland.get("position"))
        b.code(record, "glandStatus", "gland_status", gland.get("status"))
        b.code(record, "histology", "pathologies", gland.get("pathology"))
        b.decimal(record, "weightMg", gland.get("weight_mg"))
        b.code(record, "locatedAt", "sites", gland.get("site"))
        b.code(record, "onSide", "sides", gland.get("side"))
    if op.get("iopth") is not None:
        iopth = _object(op["iopth"], f"{where}.iopth")
        record = b.typed(b.node("operation", index, "iopth"), "IopthRecord")
        b.add(node, "hasIopth", record)
        b.code(record, "unit", "units", iopth.get("unit"))
        for k, sample in enumerate(_list(iopth.get("samples"), f"{where}.iopth.samples"), start=1):
            sample = _object(sample, f"{where}.iopth.samples[{k - 1}]")
            s = b.typed(b.node("operation", index, "iopth", "sample", k), "IopthSample")
            b.add(record, "hasSample", s)
            b.decimal(s, "minute", sample.get("minute"))
            b.decimal(s, "quantityValue", sample.get("value"))


def _imaging(b: _Builder, case: URIRef, index: int, item: Mapping[str, Any]) -> None:
    node = b.typed(b.node("imaging", index), "ImagingFinding")
    b.add(case, "hasImagingFinding", node)
    b.code(node, "modality", "modalities", item.get("modality"))
    b.code(node, "imagingResult", "imaging_results", item.get("result"))
    b.integer(node, "day", item.get("day"))
    b.code(node, "locatedAt", "sites", item.get("site"))
    b.code(node, "onSide", "sides", item.get("side"))
    b.decimal(node, "sizeMm", item.get("size_mm"))
    b.integer(node, "foci", item.get("foci"))
    b.code(node, "appearance", "imaging_appearances", item.get("appearance"))
    b.string(node, "note", item.get("note"))


def _lab(b: _Builder, case: URIRef, index: int, item: Mapping[str, Any]) -> None:
    node = b.typed(b.node("lab", index), "LabResult")
    b.add(case, "hasLabResult", node)
    b.code(node, "analyte", "analytes", item.get("analyte"))
    b.decimal(node, "quantityValue", item.get("value"))
    b.code(node, "unit", "units", item.get("unit"))
    b.integer(node, "day", item.get("day"))
    b.decimal(node, "referenceLow", item.get("reference_low"))
    b.decimal(node, "referenceHigh", item.get("reference_high"))


def _venous(b: _Builder, case: URIRef, index: int, item: Mapping[str, Any], where: str) -> None:
    node = b.typed(b.node("venous-sampling", index), "VenousSamplingStudy")
    b.add(case, "hasVenousSampling", node)
    b.integer(node, "day", item.get("day"))
    b.code(node, "unit", "units", item.get("unit"))
    b.decimal(node, "peripheralPth", item.get("peripheral_pth"))
    for j, sample in enumerate(_list(item.get("samples"), f"{where}.samples"), start=1):
        sample = _object(sample, f"{where}.samples[{j - 1}]")
        s = b.typed(b.node("venous-sampling", index, "sample", j), "VenousSample")
        b.add(node, "hasSample", s)
        b.code(s, "vein", "veins", sample.get("vein"))
        b.code(s, "onSide", "sides", sample.get("side"))
        b.decimal(s, "quantityValue", sample.get("pth"))


def _fna(b: _Builder, case: URIRef, index: int, item: Mapping[str, Any]) -> None:
    node = b.typed(b.node("fna", index), "FnaFinding")
    b.add(case, "hasFnaFinding", node)
    b.integer(node, "day", item.get("day"))
    b.code(node, "locatedAt", "sites", item.get("site"))
    b.code(node, "onSide", "sides", item.get("side"))
    b.code(node, "unit", "units", item.get("unit"))
    b.decimal(node, "pthWashout", item.get("pth_washout"))
    b.decimal(node, "serumPth", item.get("serum_pth"))
    b.code(node, "cytology", "fna_cytology", item.get("cytology"))


def case_to_rdf(
    case: Mapping[str, Any], *, release: Path | str | None = None, source: str = "<dict>"
) -> CaseGraph:
    """Convert one contract case into its RDF graph.

    Parameters
    ----------
    case : mapping
        A case as in ``shared/contract/case.schema.json`` (parsed JSON).
    release : Path or str or None
        The release whose codes the case links to.
    source : str
        Where the case came from, for messages.

    Returns
    -------
    CaseGraph
        The case's IRI and triples.

    Raises
    ------
    CaseConversionError
        ``case`` is not an object, has no string ``id``, or a list field is not a list.

    Examples
    --------
    >>> cg = case_to_rdf({"id": "demo", "imaging": [
    ...     {"modality": "ct_4d", "result": "positive", "site": "perrier_F", "side": "left"}]})
    >>> cg.iri
    'https://w3id.org/parareop/case/demo'
    >>> from rdflib import URIRef
    >>> URIRef("https://w3id.org/parareop/site_perrier_F") in set(cg.graph.objects())
    True
    """
    if not isinstance(case, Mapping):
        raise CaseConversionError(f"{source}: a case must be a JSON object, not {type(case).__name__}")
    case_id = case.get("id")
    if not isinstance(case_id, str) or not case_id:
        raise CaseConversionError(f"{source}: a case needs a non-empty string 'id'")
    b = _Builder(case_id, release)
    root = b.typed(URIRef(b.root), "Case")
    b.string(root, "caseId", case_id)
    b.string(root, "caseTitle", case.get("title"))
    b.string(root, "note", case.get("note"))
    where = f"case {case_id!r}"
    if case.get("patient") is not None:
        _patient(b, root, _object(case["patient"], f"{where}: patient"), f"{where}: patient")
    sections: list[tuple[str, Callable[..., None], bool]] = [
        ("operations", _operation, True),
        ("imaging", _imaging, False),
        ("labs", _lab, False),
        ("venous_sampling", _venous, True),
        ("fna", _fna, False),
    ]
    for key, convert, nested in sections:
        for i, item in enumerate(_list(case.get(key), f"{where}: {key}"), start=1):
            item = _object(item, f"{where}: {key}[{i - 1}]")
            if nested:
                convert(b, root, i, item, f"{where}: {key}[{i - 1}]")
            else:
                convert(b, root, i, item)
    return CaseGraph(case_id=case_id, iri=b.root, graph=b.graph, source=source)


def load_case_file(path: Path | str, *, release: Path | str | None = None) -> CaseGraph:
    """Read a case JSON file and convert it (see :func:`case_to_rdf`).

    Raises
    ------
    CaseConversionError
        The file cannot be read, is not strict JSON (:mod:`kg.strict_json`), or is not a case.
    """
    path = Path(path)
    try:
        data = read_file(path, CASE_FILE).value
    except JsonInputError as exc:
        raise CaseConversionError(f"{path}: {exc}") from None
    return case_to_rdf(data, release=release, source=str(path))
