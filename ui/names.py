"""Display names for codes, read from the knowledge graph and the contract's vocabulary.

Nothing clinical is decided here: these functions only turn a code (``perrier_F``,
``cervical_thymectomy``) into the words the graph gives it, trimmed for a screen, plus a few
purely typographic choices (short tags for imaging modalities, the word and symbol of each
decision). The colour of a decision is always paired with its word and symbol.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from kg.knowledge import Knowledge, knowledge
from planner.contract_files import load
from planner.explain import percent

#: schemes whose graph labels carry a "<scheme word>: " prefix that a screen does not need
_PREFIXED = ("decision: ", "diagnosis: ", "gate: ", "medication: ")
_SUFFIXES = (" as cause of failure", " site")

#: Short tags drawn on the diagram next to a site, one per imaging modality or test (typography only).
MODALITY_TAGS: dict[str, str] = {
    "ultrasound": "US",
    "sestamibi_planar": "MIBI",
    "sestamibi_spect": "SPECT",
    "sestamibi_spect_ct": "SPECT/CT",
    "ct_4d": "4D-CT",
    "mri_4d": "4D-MRI",
    "fch_pet_ct": "FCH-PET",
    "methionine_pet": "MET-PET",
    "fna": "FNA",
}


@dataclass(frozen=True)
class DecisionStyle:
    """How a decision is shown: its word, a symbol, and colours (foreground on background)."""

    word: str
    symbol: str
    fg: str
    bg: str


#: One style per decision code; the word and symbol carry the meaning, the colour repeats it.
DECISION_STYLES: dict[str, DecisionStyle] = {
    "operate": DecisionStyle("OPERATE", "✓", "#ffffff", "#0b6b3a"),
    "investigate": DecisionStyle("INVESTIGATE FIRST", "?", "#1b1b1b", "#ffc83d"),
    "defer": DecisionStyle("DEFER — DO NOT OPERATE NOW", "‖", "#ffffff", "#b34700"),
    "halt": DecisionStyle("HALT — NO PARATHYROID OPERATION", "✕", "#ffffff", "#b3001b"),
    "medical": DecisionStyle("MEDICAL / ABLATIVE — NOT SURGERY", "◆", "#ffffff", "#4b2c83"),
}
UNKNOWN_DECISION = DecisionStyle("NO DECISION", "•", "#ffffff", "#444444")

#: Gate status: symbol and word (the colour only repeats them).
GATE_STYLES: dict[str, tuple[str, str, str, str]] = {
    "pass": ("✓", "pass", "#0b6b3a", "#e3f4ea"),
    "warn": ("!", "warn", "#7a4a00", "#fff1cc"),
    "fail": ("✕", "FAIL", "#ffffff", "#b3001b"),
    "unknown": ("?", "unknown", "#333333", "#e8e8e8"),
}


def _kn(kn: Knowledge | None) -> Knowledge:
    return kn or knowledge()


@cache
def _acronyms() -> frozenset[str]:
    """Upper-case words of the contract's vocabulary (FHH, PTH, MEN1...), to restore in labels."""
    words: set[str] = set()
    for entry in load("vocabulary.json").values():
        if isinstance(entry, dict):
            for text in entry.values():
                words |= {w.strip(".,;:()") for w in str(text).split()}
    return frozenset(w for w in words if len(w) >= 2 and w.isupper() and w.isalnum())


def _trim(label: str) -> str:
    for p in _PREFIXED:
        if label.startswith(p):
            label = label[len(p) :]
    for s in _SUFFIXES:
        if label.endswith(s):
            label = label[: -len(s)]
    acr = _acronyms()
    return " ".join(w.upper() if w.upper() in acr and w.islower() else w for w in label.split(" "))


def name(scheme: str, code: str | None, kn: Knowledge | None = None) -> str:
    """The graph's label for a code, without a scheme prefix; the code itself when the graph has none.

    >>> name("operations", "cervical_thymectomy")
    'transcervical thymectomy'
    >>> name("gates", "fhh_screen")
    'FHH screen'
    >>> name("sites", "perrier_F")
    'Perrier F'
    >>> name("diagnoses", "fhh_suspected")
    'FHH suspected'
    """
    if not code:
        return ""
    label = _kn(kn).label(scheme, code)
    if scheme == "sites":
        return site_short(code, kn)
    return _trim(label) if label != code else code.replace("_", " ")


def site_short(code: str, kn: Knowledge | None = None) -> str:
    """Short site name: the part of the label before its colon ("Perrier F"), else the label.

    >>> site_short("anterior_mediastinum")
    'anterior mediastinal'
    """
    label = _kn(kn).label("sites", code)
    if label == code:
        return code.replace("_", " ")
    return _trim(label.split(": ", 1)[0])


def site_long(code: str, kn: Knowledge | None = None) -> str:
    """The site's description after its short name, or the whole label.

    >>> site_long("perrier_F")
    'inferior gland in the thyrothymic ligament or cervical thymus'
    """
    label = _kn(kn).label("sites", code)
    return label.split(": ", 1)[1] if ": " in label else label


def where(site: str | None, side: str | None, kn: Knowledge | None = None) -> str:
    """Site and side as read aloud ("Perrier F, left"); a midline site has no side word.

    >>> where("perrier_F", "left")
    'Perrier F, left'
    >>> where("anterior_mediastinum", "midline")
    'anterior mediastinal (midline)'
    """
    if not site:
        return ""
    short = site_short(site, kn)
    if side in ("left", "right"):
        return f"{short}, {side}"
    if side == "midline":
        return f"{short} (midline)"
    return short


def describe(category: str, code: str) -> str:
    """The contract vocabulary's one-line description of a code ('' when it has none).

    >>> describe("decisions", "halt").startswith("Not a disease")
    True
    """
    vocab: dict[str, Any] = load("vocabulary.json")
    entry = vocab.get(category, {})
    return str(entry.get(code, "")) if isinstance(entry, dict) else ""


@cache
def vocabulary_codes(category: str) -> tuple[str, ...]:
    """The codes of one vocabulary category, in the contract's order.

    >>> vocabulary_codes("sides")
    ('left', 'right', 'midline')
    """
    entry = load("vocabulary.json").get(category, {})
    return tuple(entry) if isinstance(entry, dict) else ()


def decision_style(decision: str | None) -> DecisionStyle:
    """The word, symbol and colours of a decision code."""
    return DECISION_STYLES.get(decision or "", UNKNOWN_DECISION)


def pct(p: float) -> str:
    """A probability as a percentage a room can read (:func:`planner.explain.percent`, the one rule).

    >>> pct(0.954), pct(0.004), pct(0.9996)
    ('95%', '<1%', '>99%')
    """
    return percent(p)


_CODE = re.compile(r"\b[a-z][a-z0-9]*(?:_[A-Za-z0-9]+)+\b")
_GAIN = re.compile(r"^Expected information gain [0-9.]+ bits over the location ranking\.?$")
_ROUNDED_CERTAIN = re.compile(r"(?<![0-9.>])100%")
GAIN_WORDS = "Would change the ranking of places."
_WEIGHT = re.compile(r"\s*(?:\(weight [0-9.]+\)|: weight [0-9.]+)")
#: Vocabulary categories whose codes may appear inside the planner's sentences, most specific first.
_WORD_SCHEMES = (
    "sites",
    "modalities",
    "tests",
    "operations",
    "veins",
    "prior_procedures",
    "syndromes",
    "medications",
    "gates",
    "suspected_causes",
    "diagnoses",
    "analytes",
    "gland_positions",
)


@cache
def _code_words() -> dict[str, str]:
    """Every code and IRI local name of the graph's schemes, mapped to its display words."""
    kn = knowledge()
    out: dict[str, str] = {}
    for (scheme, code), iri in kn.iris.items():
        words = site_short(code, kn) if scheme == "sites" else name(scheme, code, kn)
        out.setdefault(iri.rsplit("/", 1)[-1], words)
    for scheme in reversed(_WORD_SCHEMES):
        for code in vocabulary_codes(scheme):
            out[code] = site_short(code) if scheme == "sites" else name(scheme, code)
    return out


def words(text: str) -> str:
    """A planner sentence with its codes in the graph's words, for a screen or a page.

    The planner's explanation texts may carry a code ("reaches perrier_A"), a doubled scheme
    word ("Gate: gate: FHH screen"), a model weight or an information gain in bits; a reader
    needs the clinical words, so each is rewritten here (typography only: nothing is decided).
    A cause's part of a place's chance reads as that ("of this place's chance"), never as a
    share of one distribution over the places.

    >>> words("focused re-exploration reaches perrier_A, perrier_E")
    'focused re-exploration reaches Perrier A, Perrier E'
    >>> words("Gate: gate: FHH screen")
    'Gate: FHH screen'
    >>> words("left inferior: not found (weight 1)")
    'left inferior: not found'
    >>> words("As graft hyperfunction: 100% of the probability here")
    "As graft hyperfunction: >99% of this place's chance"
    >>> words("Expected information gain 1.84 bits over the location ranking.")
    'Would change the ranking of places.'
    """
    text = text.replace("Gate: gate: ", "Gate: ")
    if _GAIN.match(text):
        return GAIN_WORDS
    text = _WEIGHT.sub("", text)
    text = _ROUNDED_CERTAIN.sub(">99%", text)  # the planner rounds (:.0%): 0.9996 is not a certainty
    # a place's chance is its own (several glands at once), not a share of one distribution
    text = text.replace("of the probability here", "of this place's chance")
    table = _code_words()
    return _CODE.sub(lambda m: table.get(m.group(0), m.group(0)), text)
