"""The IOPTH panel's chart and calculator.

The criterion (fraction of fall, the minute it is read at), the half-lives, the baseline and
the expected curves all come from the plan's ``iopth_plan`` (the planner reads them from the
graph). :func:`check` only applies that criterion to the values the surgeon types in theatre;
:func:`chart_svg` draws the expected decay band, the threshold line and the measured values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

W, H = 640, 340
PAD_L, PAD_R, PAD_T, PAD_B = 70, 20, 20, 50


@dataclass(frozen=True)
class Reading:
    """The calculator's verdict on the typed values."""

    threshold: float
    falls: dict[float, float]
    met: bool | None
    text: str


def check(iopth_plan: Mapping[str, Any], baseline: float, values: Mapping[float, float | None]) -> Reading:
    """Apply the plan's criterion to a baseline and post-excision values (minute -> PTH).

    ``met`` is None until the value at the criterion's minute is typed.

    >>> plan = {"drop_fraction": 0.5, "minutes": 10.0}
    >>> check(plan, 200, {5: 120, 10: 90}).met
    True
    >>> check(plan, 200, {5: 150, 10: 110}).text
    'Criterion not met: 110 at 10 min is a 45% fall (needs at least 50%, i.e. at most 100).'
    >>> check(plan, 200, {5: 150, 10: None}).met is None
    True
    """
    drop = float(iopth_plan["drop_fraction"])
    at = float(iopth_plan["minutes"])
    threshold = round(baseline * (1 - drop), 1)
    falls = {float(m): 1 - v / baseline for m, v in values.items() if v is not None and baseline > 0}
    if baseline <= 0:
        return Reading(threshold, falls, None, "Type the highest pre-excision value first.")
    value = values.get(at, values.get(int(at)))
    if value is None:
        return Reading(threshold, falls, None, f"Type the {at:g}-minute value to read the criterion.")
    fall = 1 - value / baseline
    met = value <= threshold
    word = "Criterion met" if met else "Criterion not met"
    return Reading(
        threshold,
        falls,
        met,
        f"{word}: {value:g} at {at:g} min is a {fall:.0%} fall "
        f"(needs at least {drop:.0%}, i.e. at most {threshold:g}).",
    )


def chart_svg(
    iopth_plan: Mapping[str, Any],
    measured: Sequence[tuple[float, float]] = (),
    baseline: float | None = None,
    *,
    big: bool = False,
) -> str:
    """Expected PTH decay after excision (fast and slow half-life), threshold line, measured points.

    >>> svg = chart_svg({"drop_fraction": 0.5, "minutes": 10, "baseline_pth": 100, "threshold_pth": 50,
    ...     "expected": {"minutes": [0, 10], "fast": [100, 10], "slow": [100, 25]},
    ...     "half_life_minutes": [3, 5]}, [(10, 40)])
    >>> 'class="threshold"' in svg and 'class="measured"' in svg
    True
    """
    exp = iopth_plan.get("expected") or {}
    minutes = [float(m) for m in exp.get("minutes", [])]
    fast = [float(v) for v in exp.get("fast", [])]
    slow = [float(v) for v in exp.get("slow", [])]
    base = float(baseline if baseline else iopth_plan.get("baseline_pth") or (max(slow) if slow else 100))
    drop = float(iopth_plan.get("drop_fraction", 0.5))
    at = float(iopth_plan.get("minutes", 10))
    threshold = base * (1 - drop)
    if baseline and iopth_plan.get("baseline_pth"):
        scale = base / float(iopth_plan["baseline_pth"])
        fast = [v * scale for v in fast]
        slow = [v * scale for v in slow]
    tmax = max(minutes + [m for m, _ in measured] + [at, 20.0])
    ymax = max([base, *fast, *slow, *(v for _, v in measured)]) * 1.1 or 1.0
    fs = 18 if big else 14

    def px(t: float) -> float:
        return PAD_L + (W - PAD_L - PAD_R) * t / tmax

    def py(v: float) -> float:
        return PAD_T + (H - PAD_T - PAD_B) * (1 - v / ymax)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="iopth-chart" viewBox="0 0 {W} {H}" role="img" '
        f'aria-label="Expected PTH decay after excision and the threshold line">',
        "<style>.iopth-chart text{font-family:'DejaVu Sans','Liberation Sans',Arial,sans-serif;fill:#222}"
        ".iopth-chart .axis{stroke:#444;stroke-width:1.5}.iopth-chart .grid{stroke:#ddd}"
        ".iopth-chart .band{fill:#cfe0f5;opacity:.8}"
        ".iopth-chart .fast{stroke:#1f4e9c;stroke-width:2.5;fill:none}"
        ".iopth-chart .slow{stroke:#1f4e9c;stroke-width:2.5;fill:none;stroke-dasharray:7 5}"
        ".iopth-chart .threshold{stroke:#b3001b;stroke-width:2.5;stroke-dasharray:2 4}"
        ".iopth-chart .measured{fill:#111}.iopth-chart .at{stroke:#666;stroke-dasharray:4 4}</style>",
        f'<rect width="{W}" height="{H}" fill="#fff"/>',
    ]
    for i in range(5):
        v = ymax * i / 4
        out.append(f'<line class="grid" x1="{PAD_L}" x2="{W - PAD_R}" y1="{py(v):.1f}" y2="{py(v):.1f}"/>')
        out.append(
            f'<text x="{PAD_L - 8}" y="{py(v) + 5:.1f}" font-size="{fs - 2}" text-anchor="end">{v:.0f}</text>'
        )
    for t in range(0, int(tmax) + 1, 5):
        out.append(
            f'<text x="{px(t):.1f}" y="{H - PAD_B + 20}" font-size="{fs - 2}" text-anchor="middle">{t}</text>'
        )
    out.append(
        f'<text x="{(PAD_L + W - PAD_R) / 2:.0f}" y="{H - 8}" font-size="{fs}" text-anchor="middle">'
        "minutes after excision</text>"
    )
    out.append(
        f'<text x="16" y="{(PAD_T + H - PAD_B) / 2:.0f}" font-size="{fs}" text-anchor="middle" '
        f'transform="rotate(-90 16 {(PAD_T + H - PAD_B) / 2:.0f})">PTH</text>'
    )
    out.append(f'<line class="axis" x1="{PAD_L}" x2="{PAD_L}" y1="{PAD_T}" y2="{H - PAD_B}"/>')
    out.append(f'<line class="axis" x1="{PAD_L}" x2="{W - PAD_R}" y1="{H - PAD_B}" y2="{H - PAD_B}"/>')
    if minutes and fast and slow:
        band = [f"{px(t):.1f},{py(v):.1f}" for t, v in zip(minutes, slow, strict=False)]
        band += [f"{px(t):.1f},{py(v):.1f}" for t, v in reversed(list(zip(minutes, fast, strict=False)))]
        out.append(f'<polygon class="band" points="{" ".join(band)}"/>')
        for cls, vals in (("fast", fast), ("slow", slow)):
            pts = " ".join(f"{px(t):.1f},{py(v):.1f}" for t, v in zip(minutes, vals, strict=False))
            out.append(f'<polyline class="{cls}" points="{pts}"/>')
        hl = iopth_plan.get("half_life_minutes") or []
        if len(hl) == 2 and all(hl):
            out.append(
                f'<text x="{px(minutes[1]) + 6:.1f}" y="{py(fast[1]) + 4:.1f}" font-size="{fs - 2}">'
                f"expected, half-life {float(hl[0]):g}–{float(hl[1]):g} min</text>"
            )
    out.append(
        f'<line class="threshold" x1="{PAD_L}" x2="{W - PAD_R}" y1="{py(threshold):.1f}" '
        f'y2="{py(threshold):.1f}"/>'
    )
    out.append(
        f'<text x="{W - PAD_R - 4}" y="{py(threshold) - 7:.1f}" font-size="{fs}" text-anchor="end" '
        f'font-weight="bold">threshold {threshold:.0f} ({drop:.0%} fall)</text>'
    )
    out.append(f'<line class="at" x1="{px(at):.1f}" x2="{px(at):.1f}" y1="{PAD_T}" y2="{H - PAD_B}"/>')
    out.append(f'<text x="{px(at) + 4:.1f}" y="{PAD_T + 14}" font-size="{fs - 2}">read at {at:g} min</text>')
    for t, v in measured:
        out.append(
            f'<g class="measured"><title>{escape(f"{v:g} at {t:g} min")}</title>'
            f'<rect x="{px(t) - 7:.1f}" y="{py(v) - 7:.1f}" width="14" height="14"/></g>'
        )
        out.append(
            f'<text x="{px(t) + 10:.1f}" y="{py(v) - 8:.1f}" font-size="{fs - 1}" font-weight="bold">'
            f"{v:g}</text>"
        )
    out.append("</svg>")
    return "".join(out)
