"""The cohort audit as the command line shows it: the tables (per site, reliability, number of
sources) and the calibration plot (definitions: :mod:`clinical.audit`)."""

from __future__ import annotations

import math
from pathlib import Path

from clinical.audit import BINS, Audit


def _pct(k: int, n: int) -> str:
    return f"{k}/{n} ({k / n:.0%})" if n else "-"


def _num(x: float) -> str:
    return "-" if math.isnan(x) else f"{x:.3f}"


def _render_sites(a: Audit) -> list[str]:
    lines = ["Localization: where the gland was found vs the plan's ranking", ""]
    lines.append(f"{'found site':<24}{'n':>4}  {'top-1':<14}{'top-3':<14}{'cured':<14}Brier")
    for r in [*a.sites, a.overall]:
        if r is a.overall:
            lines.append("-" * 76)
        cured = _pct(r.cured, r.cured_known) if r.cured_known else "-"
        lines.append(
            f"{r.site:<24}{r.n:>4}  {_pct(r.top1, r.n):<14}{_pct(r.top3, r.n):<14}{cured:<14}{_num(r.brier)}"
        )
    return lines


def _render_reliability(a: Audit) -> list[str]:
    lines = ["", "Calibration: each listed location as its own yes/no prediction (tissue found there?)", ""]
    lines.append(f"{'predicted':<12}{'n':>5}  {'mean predicted':>15}  {'observed':>9}")
    for b in a.reliability:
        if b.n:
            lines.append(
                f"{b.low:.1f}-{b.high:.1f}{'':<5}{b.n:>5}  {b.mean_predicted:>15.3f}  {b.observed:>9.3f}"
            )
    lines += [
        "",
        f"Brier score (binary, per listed location; 0 best, 1 worst): {_num(a.brier)} over "
        f"{a.overall.predictions} prediction(s) in {len(a.cases)} case(s)",
    ]
    return lines


def _render_sources(a: Audit) -> list[str]:
    s = a.sources
    if s is None or not s.recorded:
        return [
            "",
            "The outcomes name one found gland per case: where several glands were found, only the one",
            "listed is credited (the others count as not found). Add an also_found column",
            "(site:side;site:side) to credit them and to score the number of sources.",
        ]
    extra = sum(len(c.also_found) for c in a.cases)
    lines = ["", f"Further glands credited from also_found: {extra}", ""]
    lines += [f"Calibration of the number of sources ({s.n} case(s) with a found gland and sources)", ""]
    lines.append(f"{'sources':<12}{'mean predicted':>15}  {'observed':>9}")
    for r in s.categories:
        lines.append(f"{r.category:<12}{_num(r.mean_predicted):>15}  {_num(r.observed):>9}")
    lines.append(f"Brier score of sources (three categories; 0 best, 2 worst): {_num(s.brier)}")
    if s.without_sources:
        lines.append("Found, but the plan gave no sources (not scored): " + ", ".join(s.without_sources))
    return lines


def render(a: Audit) -> str:
    """The audit as plain-text tables.

    >>> from clinical.audit import audit
    >>> print(render(audit([], {})).splitlines()[0])
    Localization: where the gland was found vs the plan's ranking
    """
    lines = _render_sites(a) + _render_reliability(a) + _render_sources(a)
    missed = [c for c in a.cases if c.rank is None]
    if missed:
        lines.append("Found site not among the ranked locations: " + ", ".join(c.case_id for c in missed))
    for label, ids in (
        ("No gland found / not operated (not scored)", a.not_operated),
        ("Planned, but no outcome recorded", a.without_outcome),
        ("Outcome recorded, but no plan", a.without_plan),
        ("Invalid case files (not planned)", a.invalid),
    ):
        if ids:
            lines.append(f"{label}: {', '.join(ids)}")
    return "\n".join(lines)


def plot(a: Audit, path: Path) -> None:
    """Save the reliability diagram (and the histogram of predictions) as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, hx) = plt.subplots(
        2, 1, figsize=(6, 7), gridspec_kw={"height_ratios": [3, 1]}, sharex=True, dpi=110
    )
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1, label="perfect calibration")
    used = [b for b in a.reliability if b.n]
    if used:
        ax.plot(
            [b.mean_predicted for b in used],
            [b.observed for b in used],
            marker="o",
            color="#1f5f8b",
            label="ParaReop, each listed location",
        )
        for b in used:
            below = b.observed > 0.9
            ax.annotate(
                f"n={b.n}",
                (b.mean_predicted, b.observed),
                textcoords="offset points",
                xytext=(-28 if below else 4, -12 if below else 4),
                fontsize=8,
            )
    ax.set_title(
        f"Reliability of per-location predictions ({len(a.cases)} cases, binary Brier {_num(a.brier)})",
        fontsize=10,
    )
    ax.set_ylabel("observed frequency (tissue found there)")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.05)
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    hx.bar(
        [(b.low + b.high) / 2 for b in a.reliability],
        [b.n for b in a.reliability],
        width=1 / BINS * 0.9,
        color="#8bb3d1",
    )
    hx.set_xlabel("predicted probability (that place's own chance)")
    hx.set_ylabel("predictions")
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
