"""The headline of a plan and the pieces of the tumour-board wall display.

The headline carries what changes management, in the graph's words: the decision, then what
to do (the first operation, the first test) or why not (the diagnosis), then the flags that
change how it is done — several glands likely (two or more separate sources at least as likely
as one: the plan's ``sources``), a suspected carcinoma (the carcinoma gate warns or fails, or
carcinoma is the leading cause) and the patient's syndromes. Nothing is decided here: each
word is read from the plan, the case or the graph's labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from kg.knowledge import Knowledge
from ui import wall_fit
from ui.fragments import several_sources_likely
from ui.names import decision_style, name, pct

#: The decision's first word on the headline (the banner colour and symbol repeat it).
HEAD_WORDS: dict[str, str] = {
    "operate": "OPERATE",
    "investigate": "INVESTIGATE FIRST",
    "defer": "DEFER",
    "halt": "HALT",
    "medical": "MEDICAL",
}
CARCINOMA_GATE = "carcinoma_red_flags"
#: The headline's flag when two or more separate sources are at least as likely as one.
SEVERAL_FLAG = "SEVERAL GLANDS LIKELY"
CARCINOMA_CAUSE = "carcinoma"


def carcinoma_suspected(plan: Mapping[str, Any]) -> bool:
    """Whether the plan itself flags a carcinoma: its gate warns or fails, or it is the leading cause.

    >>> carcinoma_suspected({"gates": [{"id": "carcinoma_red_flags", "status": "warn"}]})
    True
    >>> carcinoma_suspected({"gates": [], "suspected_causes": [{"cause": "fhh", "probability": 0.9}]})
    False
    """
    gate = any(
        g.get("id") == CARCINOMA_GATE and g.get("status") in ("warn", "fail") for g in plan.get("gates", [])
    )
    causes = plan.get("suspected_causes") or []
    return gate or bool(causes and causes[0].get("cause") == CARCINOMA_CAUSE)


def _action(plan: Mapping[str, Any], kn: Knowledge | None) -> str:
    """What the decision is about: the first operation or test, else the diagnosis that stops it.

    Only the first operation: the headline must stay one line on the wall; the operations that
    go with it are named, as one plan, in the operation panel beside it.
    """
    decision = plan.get("decision")
    ops = plan.get("operations") or []
    tests = plan.get("next_tests") or []
    if decision in ("operate", "medical") and ops:
        return name("operations", ops[0]["operation"], kn)
    if decision == "investigate" and tests:
        return name("tests", tests[0]["test"], kn)
    return name("diagnoses", plan.get("diagnosis"), kn)


def headline(
    plan: Mapping[str, Any], case: Mapping[str, Any] | None, kn: Knowledge | None = None
) -> list[str]:
    """The headline as its parts: "DECISION — ACTION", then each flag that changes management.

    >>> headline({"decision": "halt", "diagnosis": "fhh_suspected", "gates": []}, {})
    ['HALT — FHH SUSPECTED']
    >>> headline({"decision": "operate", "diagnosis": "persistent", "operations": [
    ...     {"operation": "en_bloc_resection"}], "gates": [{"id": "carcinoma_red_flags", "status": "warn"}]},
    ...     {"patient": {"syndromes": ["MEN1"]}})
    ['OPERATE — EN BLOC RESECTION', 'SUSPECTED CARCINOMA', 'MEN1']
    >>> headline({"decision": "operate", "diagnosis": "persistent", "gates": [], "operations": [
    ...     {"operation": "hemithyroidectomy", "together_with": ["bilateral_reexploration"]}],
    ...     "sources": {"1": 0.03, "2": 0.84, "3+": 0.13}}, {})
    ['OPERATE — HEMITHYROIDECTOMY', 'SEVERAL GLANDS LIKELY']
    """
    decision = str(plan.get("decision", ""))
    word = HEAD_WORDS.get(decision, decision_style(decision).word)
    action = _action(plan, kn)
    parts = [f"{word} — {action.upper()}" if action else word]
    if several_sources_likely(plan):
        parts.append(SEVERAL_FLAG)
    if carcinoma_suspected(plan):
        parts.append(f"SUSPECTED {name('suspected_causes', CARCINOMA_CAUSE, kn).upper()}")
    for syn in ((case or {}).get("patient") or {}).get("syndromes") or []:
        parts.append(name("syndromes", syn, kn).removesuffix(" syndrome").upper())
    return parts


def subline(plan: Mapping[str, Any], kn: Knowledge | None = None) -> str:
    """The line under the headline: the diagnosis and the likeliest cause with its chance.

    >>> subline({"diagnosis": "persistent", "suspected_causes": [{"cause": "missed_single_gland",
    ...     "probability": 0.76}]})
    'Persistent disease · likeliest cause: missed single gland 76%'
    """
    diag = name("diagnoses", plan.get("diagnosis"), kn)
    text = diag[:1].upper() + diag[1:]
    if plan.get("diagnosis") in ("persistent", "recurrent"):
        text += " disease"
    causes = plan.get("suspected_causes") or []
    if causes:
        c = causes[0]
        text += (
            f" · likeliest cause: {name('suspected_causes', c['cause'], kn)} {pct(float(c['probability']))}"
        )
    return text


#: The wall's banner in its unit (``board.css``): the whole banner's width, its padding and
#: border, the symbol and the gaps beside it; the case id's widest; the headline's sizes (its
#: 900 weight is a little wider than the 700 table) and each flag's margin, padding and border.
BANNER_U, BANNER_FRAME_U, SYM_U, CASE_MAX_U, CASE_FONT_U = 175.0, 3.6, 5.0 + 2.8, 26.3, 2.3
WORD_U, FLAG_U, FLAG_FRAME_U = 5.6 * 1.03, 4.4, 1.2 + 2.2
#: At most this many lines of headline on the wall (the rest of the board is sized to it).
HEAD_LINES = 2
#: The smaller headline type for a headline that would not fit two lines (still the board's
#: largest text, far above its minimum).
SMALL_WORD_U = 4.6 * 1.03


def headline_lines(parts: list[str], room: float, word: float = WORD_U) -> int:
    """How many lines the headline takes in ``room`` u: its words wrap, each flag is one box.

    >>> headline_lines(["OPERATE — FOCUSED RE-EXPLORATION"], 138)
    1
    >>> headline_lines(["OPERATE — BILATERAL RE-EXPLORATION", "SEVERAL GLANDS LIKELY"], 138)
    2
    """
    n = wall_fit.lines(parts[0], word, room, bold=True)
    used = _last_line(parts[0], word, room)
    for flag in parts[1:]:
        w = wall_fit.width(flag, FLAG_U, bold=True) + FLAG_FRAME_U
        if used + w > room:
            n, used = n + 1, w
        else:
            used += w
    return n


def _last_line(text: str, size: float, room: float) -> float:
    """How much of its last line a wrapped text takes (u)."""
    used = 0.0
    space = wall_fit.width(" ", size, bold=True)
    for w in (wall_fit.width(word, size, bold=True) for word in text.split()):
        used = w if used and used + space + w > room else used + (space if used else 0.0) + w
    return used


def board_banner(plan: Mapping[str, Any], case: Mapping[str, Any] | None, kn: Knowledge) -> tuple[str, int]:
    """The wall display's banner and how many lines its headline takes (at most :data:`HEAD_LINES`).

    A headline that does not fit one line wraps onto a second; one that would take a third
    leaves out the syndromes (the patient's chip names them, flagged), then takes smaller type.
    """
    decision = str(plan.get("decision", ""))
    style = decision_style(decision)
    parts = headline(plan, case, kn)
    case_id = str(plan.get("case_id", ""))
    case_u = min(CASE_MAX_U, wall_fit.width(case_id, CASE_FONT_U, bold=True))
    room = BANNER_U - BANNER_FRAME_U - SYM_U - 1.4 - case_u
    cls = "pr-word"
    n = headline_lines(parts, room)
    if n > HEAD_LINES:
        syndromes = len(((case or {}).get("patient") or {}).get("syndromes") or [])
        if syndromes:
            parts = parts[:-syndromes]
        n = headline_lines(parts, room)
    if n > HEAD_LINES:
        cls = "pr-word pr-word-long"
        n = headline_lines(parts, room, SMALL_WORD_U)
    flags = "".join(f'<span class="pr-flag">{escape(f)}</span>' for f in parts[1:])
    html = (
        f'<div class="pr-banner pr-board-banner" id="decision-banner" data-decision="{escape(decision)}" '
        f'data-lines="{n}" role="status" style="background:{style.bg};color:{style.fg}">'
        f'<div class="pr-sym" aria-hidden="true">{escape(style.symbol)}</div>'
        f'<div class="pr-head"><div class="{cls}" id="pr-headline">{escape(parts[0])}{flags}</div>'
        f'<div class="pr-sub">{escape(subline(plan, kn))}</div></div>'
        f'<div class="pr-case">{escape(case_id)}</div>'
        "</div>"
    )
    return html, max(1, n)


def board_banner_html(plan: Mapping[str, Any], case: Mapping[str, Any] | None, kn: Knowledge) -> str:
    """The wall display's banner: symbol, headline with its flags, the sub-line and the case id."""
    return board_banner(plan, case, kn)[0]


#: The diagram's key on the wall display, one line (what each mark means): a mark's shade and
#: size are that place's own chance of holding overactive tissue (one line: it must fit 1280 px).
KEY_TEXT = (
    "Key · ● shade, size: chance of tissue there · number: rank · 3+ / 1− / 1?: studies positive / "
    "negative / equivocal · N seen normal · ? not found · ✕ removed · hatched: tissue removed"
)


def key_html(text: str = KEY_TEXT) -> str:
    """The one-line key under the board's diagram (``text``: the marks one drawing has, ``board_key``).

    >>> key_html().startswith('<div class="pr-key"')
    True
    """
    return f'<div class="pr-key" id="pr-key">{escape(text)}</div>'
