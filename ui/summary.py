"""The case as it is presented at the tumour board: who, what was done before, the latest labs, the studies.

A board hears the case before it sees the plan: age and sex, syndromes and medications; each
prior operation with what it found and removed; the latest calcium, PTH, CCCR, eGFR and
vitamin D with their days; every study done with its result, negatives and unread
(``unstructured``) reports included. :func:`case_summary` gathers these as words from the raw
case, the plan's ``record`` and the planner's own normalization (albumin-corrected calcium,
the CCCR and canonical units come from :func:`planner.normalize.normalize`, never from a rule
written here); :func:`summary_html` draws them in full for the case board or as compact chips
for the wall display.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

from kg.knowledge import Knowledge
from ui import wall_fit
from ui.names import MODALITY_TAGS, name, where

#: How each imaging result reads on a chip and in full (typography only).
RESULT_MARK = {"positive": "+", "equivocal": "?", "negative": "−", "unstructured": "to review"}
RESULT_WORDS = {
    "positive": "positive",
    "equivocal": "equivocal",
    "negative": "negative",
    "unstructured": "report to review",
}
SEX_SHORT = {"female": "F", "male": "M", "other": "other sex", "unknown": "sex unknown"}
POSITION_SHORT = {
    "left_superior": "LS",
    "left_inferior": "LI",
    "right_superior": "RS",
    "right_inferior": "RI",
    "supernumerary": "extra gland",
}


@dataclass(frozen=True)
class Item:
    """One fact of the summary: its full words, its short chip text, and a style (``status``)."""

    full: str
    chip: str
    status: str = ""


@dataclass(frozen=True)
class CaseSummary:
    """The four parts of a case presentation, each a list of :class:`Item`."""

    patient: tuple[Item, ...] = ()
    operations: tuple[Item, ...] = ()
    labs: tuple[Item, ...] = ()
    studies: tuple[Item, ...] = field(default_factory=tuple)


def _day(day: Any) -> str:
    return "" if day is None else f"day {day}"


def _d(day: Any) -> str:
    return "" if day is None else f" d{day}"


def patient_items(case: Mapping[str, Any], kn: Knowledge) -> list[Item]:
    """Age and sex, syndromes, medications, and the examination facts the record carries.

    >>> from kg.knowledge import knowledge
    >>> [i.chip for i in patient_items({"patient": {"age": 38, "sex": "female", "syndromes": ["MEN1"],
    ...     "medications": ["cinacalcet"]}}, knowledge())]
    ['38 F', 'MEN1', 'cinacalcet']
    """
    pt = case.get("patient") or {}
    out: list[Item] = []
    sex = str(pt.get("sex") or "unknown")
    age = pt.get("age")
    who = f"{age}-year-old {sex}" if age is not None else sex
    out.append(Item(who, f"{'' if age is None else age} {SEX_SHORT.get(sex, sex)}".strip()))
    for syn in pt.get("syndromes") or []:
        label = name("syndromes", syn, kn).removesuffix(" syndrome")
        out.append(Item(f"syndrome: {label}", label, "flag"))
    for med in pt.get("medications") or []:
        label = name("medications", med, kn)
        out.append(Item(f"on {label}", label))
    if pt.get("palpable_neck_mass"):
        out.append(Item("palpable neck mass", "neck mass", "flag"))
    if pt.get("vocal_cord_paralysis"):
        out.append(
            Item(
                f"vocal-cord palsy, {pt['vocal_cord_paralysis']}",
                f"cord palsy {pt['vocal_cord_paralysis']}",
                "flag",
            )
        )
    if pt.get("surgical_candidate") is False:
        out.append(Item("not a surgical candidate", "unfit / declines surgery", "flag"))
    return out


def _gland_words(g: Mapping[str, Any], kn: Knowledge) -> tuple[str, str]:
    """A gland of an operation note in full and short ("LI not found")."""
    pos = name("gland_positions", g.get("position"), kn).removesuffix(" gland")
    status = name("gland_status", g.get("status"), kn).removeprefix("gland ")
    path = g.get("pathology")
    histo = f", {name('pathologies', path, kn)}" if path and path not in ("normal", "unknown") else ""
    at = f" at {where(g['site'], g.get('side'), kn)}" if g.get("site") else ""
    short_status = str(g.get("status", "")).replace("_", " ").replace("identified normal", "normal")
    short_path = f" {path}" if path and path not in ("normal", "unknown") else ""
    return (
        f"{pos} {status}{histo}{at}",
        f"{POSITION_SHORT.get(str(g.get('position')), pos)} {short_status}{short_path}",
    )


def _glands_short(glands: Sequence[Mapping[str, Any]]) -> list[str]:
    """The glands of one operation grouped by status, for a chip ("RS/RI removed (hyperplasia)").

    >>> _glands_short([{"position": "right_superior", "status": "removed", "pathology": "hyperplasia"},
    ...                {"position": "right_inferior", "status": "removed"},
    ...                {"position": "left_inferior", "status": "identified_normal"}])
    ['RS/RI removed (hyperplasia)', 'LI normal']
    """
    groups: dict[str, list[str]] = {}
    paths: dict[str, set[str]] = {}
    for g in glands:
        status = str(g.get("status", "")).replace("_", " ").replace("identified normal", "normal")
        groups.setdefault(status, []).append(
            POSITION_SHORT.get(str(g.get("position")), str(g.get("position")))
        )
        if g.get("pathology") and g["pathology"] not in ("normal", "unknown"):
            paths.setdefault(status, set()).add(str(g["pathology"]))
    return [
        f"{'/'.join(pos)} {status}" + (f" ({', '.join(sorted(paths[status]))})" if status in paths else "")
        for status, pos in groups.items()
    ]


def operation_items(case: Mapping[str, Any], kn: Knowledge) -> list[Item]:
    """Every prior operation, oldest first: its day, procedures, and what it found and removed.

    >>> from kg.knowledge import knowledge
    >>> op = {"day": 0, "procedures": ["bilateral_exploration"],
    ...       "glands": [{"position": "left_inferior", "status": "not_found"}]}
    >>> operation_items({"operations": [op]}, knowledge())[0].chip
    'd0 bilateral neck exploration: LI not found'
    """
    out: list[Item] = []
    for op in case.get("operations") or []:
        procs = ", ".join(name("prior_procedures", p, kn) for p in op.get("procedures") or [])
        glands = [g for g in op.get("glands") or [] if g.get("status") != "not_explored"]
        full = [_gland_words(g, kn)[0] for g in glands]
        short = _glands_short(glands)
        for side in op.get("thyroid_removed") or []:
            full.append(f"{side} thyroid lobe removed")
            short.append(f"{side} lobe removed")
        if op.get("thymectomy") in ("cervical", "complete"):
            full.append(f"{op['thymectomy']} thymectomy")
            short.append(f"{op['thymectomy']} thymectomy")
        graft = op.get("autograft")
        if graft:
            side = f" ({graft['side']})" if graft.get("side") else ""
            full.append(f"autograft in the {graft['location']}{side}")
            short.append(f"graft {graft['location']}{side}")
        if op.get("capsule_rupture"):
            full.append("capsule ruptured")
            short.append("rupture")
        day = _day(op.get("day"))
        out.append(
            Item(
                f"{day}: {procs}" + (f" — {'; '.join(full)}" if full else ""),
                f"d{op.get('day')} {procs}" + (f": {', '.join(short)}" if short else ""),
            )
        )
    return out


def _normalized(case: Mapping[str, Any], kn: Knowledge) -> Any:
    """The planner's normalization of the case's labs (canonical units, corrected calcium, CCCR)."""
    from planner.models import Case
    from planner.normalize import normalize

    return normalize(Case.model_validate(dict(case)), kn)


def _lab(norm: Any, analyte: str, label: str, short: str, fmt: str, unit: str) -> Item | None:
    v = norm.latest(analyte)
    if v is None:
        return None
    status = v.status()
    mark = {"high": " ↑", "low": " ↓"}.get(status, "")
    return Item(
        f"{label} {v.value:{fmt}} {unit} ({status}), {_day(v.day)}",
        f"{short} {v.value:{fmt}}{mark}{_d(v.day)}",
        status,
    )


def lab_items(case: Mapping[str, Any], kn: Knowledge) -> list[Item]:
    """The latest calcium (albumin-corrected when the planner corrected it), PTH, CCCR, eGFR, vitamin D.

    >>> from kg.knowledge import knowledge
    >>> from ui.cases import load_example
    >>> [i.chip for i in lab_items(load_example("ex-04-missing-left-inferior"), knowledge())]
    ['Ca 11.3 ↑ d240', 'PTH 146 ↑ d240', 'CCCR 0.024 d240', 'vit D 34 d240']
    """
    try:
        norm = _normalized(case, kn)
    except Exception:  # noqa: BLE001 - an unplannable case has no summary of its labs: the errors say why
        return []
    out: list[Item] = []
    total = [c for c in norm.calcium if not c.ionized]
    ca = total[-1] if total else (norm.calcium[-1] if norm.calcium else None)
    if ca is not None:
        kind = (
            "albumin-corrected calcium" if ca.corrected else ("ionized calcium" if ca.ionized else "calcium")
        )
        short = "corr. Ca" if ca.corrected else ("iCa" if ca.ionized else "Ca")
        mark = {"high": " ↑", "low": " ↓"}.get(ca.status, "")
        unit = "mmol/L" if ca.ionized else "mg/dL"
        out.append(
            Item(
                f"{kind} {ca.value:.1f} {unit} ({ca.status}), {_day(ca.day)}",
                f"{short} {ca.value:.1f}{mark}{_d(ca.day)}",
                ca.status,
            )
        )
    for item in (_lab(norm, "pth_intact", "PTH", "PTH", ".0f", "pg/mL"),):
        if item:
            out.append(item)
    if norm.cccr is not None:
        out.append(
            Item(f"CCCR {norm.cccr:.3f}, {_day(norm.cccr_day)}", f"CCCR {norm.cccr:.3f}{_d(norm.cccr_day)}")
        )
    else:
        item = _lab(norm, "cccr", "CCCR", "CCCR", ".3f", "")
        if item:
            out.append(item)
    for item in (
        _lab(norm, "egfr", "eGFR", "eGFR", ".0f", "mL/min/1.73m²"),
        _lab(norm, "vitamin_d_25oh", "25-OH vitamin D", "vit D", ".0f", "ng/mL"),
    ):
        if item:
            out.append(item)
    return out


def _imaging_item(im: Mapping[str, Any], kn: Knowledge) -> Item:
    modality = str(im.get("modality", ""))
    label = name("modalities", modality, kn)
    result = str(im.get("result", ""))
    at = where(im.get("site"), im.get("side"), kn)
    size = f", {im['size_mm']:g} mm" if im.get("size_mm") else ""
    full = f"{label}: {RESULT_WORDS.get(result, result)}" + (f" at {at}" if at else "") + size
    mark = RESULT_MARK.get(result, result)
    chip = f"{MODALITY_TAGS.get(modality, label)}{mark if len(mark) == 1 else ' ' + mark}"
    if at and result != "negative":
        chip += f" {at}"
    status = "review" if result == "unstructured" else result
    return Item(f"{full}, {_day(im.get('day'))}", chip + _d(im.get("day")), status)


def _fna_item(f: Mapping[str, Any], kn: Knowledge) -> Item:
    at = where(f.get("site"), f.get("side"), kn)
    serum = f", serum {f['serum_pth']:g}" if f.get("serum_pth") is not None else ""
    cyto = f", cytology {name('fna_cytology', f['cytology'], kn)}" if f.get("cytology") else ""
    full = f"FNA washout PTH {f['pth_washout']:g} {f['unit']}{serum} at {at}{cyto}, {_day(f.get('day'))}"
    return Item(full, f"FNA {at} PTH {f['pth_washout']:g}{_d(f.get('day'))}", "sampled")


def _sampling_item(vs: Mapping[str, Any], kn: Knowledge) -> Item:
    peripheral = float(vs["peripheral_pth"])
    parts = []
    for s in vs.get("samples") or []:
        vein = name("veins", s.get("vein"), kn)
        side = f" {s['side']}" if s.get("side") in ("left", "right") else ""
        parts.append(f"{vein}{side} {s['pth']:g} ({s['pth'] / peripheral:.1f}×)")
    against = f"against peripheral {peripheral:g} {vs['unit']}"
    full = f"venous sampling: {'; '.join(parts)} {against}, {_day(vs.get('day'))}"
    top = max(vs.get("samples") or [{"pth": 0}], key=lambda s: s["pth"])
    chip = f"venous sampling max {top['pth'] / peripheral:.1f}×{_d(vs.get('day'))}"
    return Item(full, chip, "sampled")


def study_items(case: Mapping[str, Any], kn: Knowledge) -> list[Item]:
    """Every study done, in day order, with its result: negatives and reports to review included.

    >>> from kg.knowledge import knowledge
    >>> [i.chip for i in study_items({"imaging": [{"modality": "ct_4d", "result": "negative", "day": 30},
    ...     {"modality": "ultrasound", "result": "unstructured", "day": 40}]}, knowledge())]
    ['4D-CT− d30', 'US to review d40']
    """
    dated: list[tuple[int, Item]] = []
    for im in case.get("imaging") or []:
        dated.append((int(im.get("day") or 0), _imaging_item(im, kn)))
    for f in case.get("fna") or []:
        dated.append((int(f.get("day") or 0), _fna_item(f, kn)))
    for vs in case.get("venous_sampling") or []:
        dated.append((int(vs.get("day") or 0), _sampling_item(vs, kn)))
    return [item for _, item in sorted(dated, key=lambda di: di[0])]


def case_summary(case: Mapping[str, Any], kn: Knowledge) -> CaseSummary:
    """The case presentation of a valid case (the raw contract dict).

    >>> from kg.knowledge import knowledge
    >>> from ui.cases import load_example
    >>> s = case_summary(load_example("ex-12-negative-imaging"), knowledge())
    >>> [i.chip for i in s.studies]
    ['US− d200', 'SPECT/CT− d210', '4D-CT− d230']
    """
    return CaseSummary(
        tuple(patient_items(case, kn)),
        tuple(operation_items(case, kn)),
        tuple(lab_items(case, kn)),
        tuple(study_items(case, kn)),
    )


_PARTS = (
    ("patient", "Patient"),
    ("operations", "Prior operations"),
    ("labs", "Latest labs"),
    ("studies", "Studies done"),
)


#: The longest chip on the wall display; the rest of its words are in its title and the full list.
CHIP_CHARS = 68


def _clip(text: str, limit: int = CHIP_CHARS) -> str:
    """A chip's text cut at a word to ``limit`` characters.

    >>> _clip("d0 total parathyroidectomy with autotransplantation", 30)
    'd0 total parathyroidectomy…'
    """
    if len(text) <= limit:
        return text
    return text[: text.rfind(" ", 0, limit - 1)].rstrip(",:;") + "…"


def _chips(items: Sequence[Item], kind: str) -> str:
    return "".join(
        f'<span class="pr-chip pr-chip-{escape(kind)}{" pr-" + escape(i.status) if i.status else ""}" '
        f'title="{escape(i.full)}">{escape(_clip(i.chip))}</span>'
        for i in items
    )


#: The order in which the wall gives up chips that do not fit its rows: first the normal labs and
#: negative studies, then values without a status, then abnormal labs and positive, equivocal,
#: unread or sampled studies; the patient and the prior operations go last.
_GIVE_UP = {"normal": 0, "negative": 0, "": 1}
#: A chip's padding and border and the gap between chips, in the board's unit (``board.css``).
CHIP_PAD_U, CHIP_GAP_U, CHIP_FONT_U = 1.9, 0.5, 3.0
#: The "full summary" toggle at the end of the chips (its triangle and underlined words).
DETAILS_U = 20.0


def _chip_u(text: str) -> float:
    return wall_fit.width(_clip(text), CHIP_FONT_U, bold=True) + CHIP_PAD_U


def _fitting(tagged: list[tuple[str, Item]], rows: int, room: float) -> list[int]:
    """The indices of the chips kept so that they, a "+N more" chip and the toggle fill ``rows``."""
    keep = list(range(len(tagged)))

    # normal and status-less values first, then the other labs and studies, earliest first (the
    # latest study says most); the patient and the prior operations last, from the end
    def rank(i: int) -> tuple[int, int]:
        attr, it = tagged[i]
        if attr not in ("labs", "studies"):
            return (3, -i)
        return (_GIVE_UP.get(it.status, 2), i)

    order = sorted(keep, key=rank)
    while keep:
        hidden = len(tagged) - len(keep)
        widths = [_chip_u(tagged[i][1].chip) for i in keep]
        if hidden:
            widths.append(_chip_u(f"+{hidden} more"))
        widths.append(DETAILS_U)
        if wall_fit.boxes_rows(widths, room, CHIP_GAP_U) <= rows:
            break
        keep.remove(order[hidden])
    return keep


def summary_html(
    summary: CaseSummary,
    *,
    compact: bool = False,
    max_chips: int = 11,
    rows: int | None = None,
    room: float = 175.0,
) -> str:
    """The summary strip: in full (one block per part) or compact (chips, the full list one click away).

    With ``rows`` (the wall) the compact chips are cut to that many rows of a strip ``room`` u
    wide: the normal labs and negative studies give way first, and a "+N more" chip says how
    many are left to the full summary and the case board.

    >>> html = summary_html(CaseSummary(patient=(Item("52-year-old female", "52 F"),)), compact=True)
    >>> 'id="pr-summary"' in html and "52 F" in html
    True
    >>> many = CaseSummary(labs=tuple(Item(f"lab {i}", f"lab value {i} d200", "normal") for i in range(30)))
    >>> "more</span>" in summary_html(many, compact=True, rows=1)
    True
    """
    if not compact:
        blocks = []
        for attr, title in _PARTS:
            items = getattr(summary, attr)
            body = (
                "".join(
                    f'<li class="{"pr-" + escape(i.status) if i.status else ""}">{escape(i.full)}</li>'
                    for i in items
                )
                or "<li>none recorded</li>"
            )
            blocks.append(
                f'<div class="pr-sum-block" data-part="{attr}"><h4>{title}</h4><ul>{body}</ul></div>'
            )
        return f'<div class="pr-summary" id="pr-summary">{"".join(blocks)}</div>'
    tagged = [(attr, i) for attr, _ in _PARTS for i in getattr(summary, attr)]
    kept = list(range(min(len(tagged), max_chips))) if rows is None else _fitting(tagged, rows, room)
    shown = "".join(_chips([tagged[k][1]], tagged[k][0]) for k in kept)
    more = ""
    if len(tagged) > len(kept):
        more = f'<span class="pr-chip pr-chip-more">+{len(tagged) - len(kept)} more</span>'
    full = "".join(f"<li>{escape(i.full)}</li>" for _, i in tagged)
    return (
        f'<div class="pr-summary-chips" id="pr-summary">{shown}{more}'
        f'<details class="pr-sum-details"><summary>full summary</summary><ul>{full}</ul></details></div>'
    )
