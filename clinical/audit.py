"""Cohort audit: the plans of past cases against what surgery found.

A unit's morbidity-and-mortality view of the planner: for every case with a recorded
outcome (``case_id, found_site, found_side, cured``), where the gland was found is looked
up in the plan's ranked locations. The audit reports, per site and overall, how often the
found site was ranked first and in the top three, and how well calibrated the location
posteriors are: a reliability table (predicted probability vs observed frequency, in ten
bins) and the Brier score, with a reliability diagram saved as PNG.

Definitions (also in the README):

- A location *matches* the outcome when the site is the same and the side is the same; a
  missing ``found_side``, a location without a side, and a site without a side
  (``sites_without_side``) match on the site alone. When several locations match (no side
  recorded), they are merged into one event whose probability is their sum.
- A case whose plan ranked no location (a halt or a defer) but whose gland was found counts
  as a miss (rank: none) with probability 0 for the found site.
- Brier score (multi-category, Brier 1950): per case, the sum over the plan's candidate
  locations of (p - y)^2, where y is 1 for the matching event and 0 otherwise, plus the
  probability mass outside the listed candidates as one more category; averaged over cases.
  0 is perfect, 2 the worst. The reliability table uses every (candidate, case) pair.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ontology.errors import ParaReopError
from planner.contract_files import load

COLUMNS = ("case_id", "found_site", "found_side", "cured")
TRUE = {"true", "yes", "y", "1"}
FALSE = {"false", "no", "n", "0"}
BINS = 10


class AuditError(ParaReopError):
    """An unusable outcomes file (the message names the line and the field)."""


@dataclass(frozen=True)
class Outcome:
    case_id: str
    found_site: str | None
    found_side: str | None
    cured: bool | None


@dataclass
class CaseScore:
    case_id: str
    found_site: str
    found_side: str | None
    rank: int | None
    p_found: float
    brier: float
    cured: bool | None
    pairs: list[tuple[float, int]] = field(default_factory=list)


@dataclass
class SiteRow:
    site: str
    n: int
    top1: int
    top3: int
    cured: int
    cured_known: int

    @property
    def top1_rate(self) -> float:
        return self.top1 / self.n if self.n else math.nan

    @property
    def top3_rate(self) -> float:
        return self.top3 / self.n if self.n else math.nan


@dataclass
class ReliabilityBin:
    low: float
    high: float
    n: int
    mean_predicted: float
    observed: float


@dataclass
class Audit:
    cases: list[CaseScore]
    sites: list[SiteRow]
    overall: SiteRow
    reliability: list[ReliabilityBin]
    brier: float
    not_operated: list[str]
    without_outcome: list[str]
    without_plan: list[str]
    invalid: list[str]

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        for row, src in zip(out["sites"] + [out["overall"]], self.sites + [self.overall], strict=True):
            row["top1_rate"], row["top3_rate"] = _nan_none(src.top1_rate), _nan_none(src.top3_rate)
        for c in out["cases"]:
            c.pop("pairs")
        out["brier"] = _nan_none(self.brier)
        for b in out["reliability"]:
            b["mean_predicted"], b["observed"] = _nan_none(b["mean_predicted"]), _nan_none(b["observed"])
        return out


def _nan_none(x: float) -> float | None:
    return None if math.isnan(x) else round(x, 4)


# ---------------------------------------------------------------------------- outcomes file


def read_outcomes(path: Path) -> dict[str, Outcome]:
    """Read and check an outcomes CSV (columns ``case_id, found_site, found_side, cured``).

    ``found_site`` / ``found_side`` are contract codes (``vocabulary.json``), empty when no
    gland was found (or no operation was done); ``cured`` is true/false/yes/no/1/0 or empty.
    """
    vocab = load("vocabulary.json")
    sites, sides = set(vocab["sites"]), set(vocab["sides"])
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise AuditError(f"{path}: file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditError(f"{path}: cannot read the file ({exc.__class__.__name__})") from exc
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise AuditError(f"{path}: missing column(s) {', '.join(missing)}; expected {', '.join(COLUMNS)}")
    out: dict[str, Outcome] = {}
    for row in reader:
        line = reader.line_num
        cid = (row["case_id"] or "").strip()
        if not cid:
            raise AuditError(f"{path}:{line}: empty case_id")
        if cid in out:
            raise AuditError(f"{path}:{line}: case_id {cid!r} appears twice")
        site = (row["found_site"] or "").strip() or None
        side = (row["found_side"] or "").strip() or None
        if site is not None and site not in sites:
            raise AuditError(f"{path}:{line}: found_site {site!r} is not a site code of the vocabulary")
        if side is not None and side not in sides:
            raise AuditError(f"{path}:{line}: found_side {side!r} is not left, right or midline")
        if side is not None and site is None:
            raise AuditError(f"{path}:{line}: found_side given without found_site")
        cured_s = (row["cured"] or "").strip().lower()
        if cured_s and cured_s not in TRUE | FALSE:
            raise AuditError(f"{path}:{line}: cured {row['cured']!r} is not true/false/yes/no/1/0")
        cured = None if not cured_s else cured_s in TRUE
        out[cid] = Outcome(cid, site, side, cured)
    return out


# ---------------------------------------------------------------------------- scoring


def _matches(loc: Mapping[str, Any], o: Outcome, unsided: set[str]) -> bool:
    if loc["site"] != o.found_site:
        return False
    return o.found_side is None or loc.get("side") in (None, o.found_side) or o.found_site in unsided


def score_case(plan: Mapping[str, Any], o: Outcome, unsided: set[str] | None = None) -> CaseScore:
    """Score one plan against one outcome with a found site.

    >>> plan = {"case_id": "a", "locations": [
    ...     {"rank": 1, "site": "perrier_F", "side": "left", "probability": 0.6},
    ...     {"rank": 2, "site": "perrier_E", "side": "left", "probability": 0.3}]}
    >>> s = score_case(plan, Outcome("a", "perrier_E", "left", True))
    >>> s.rank, round(s.p_found, 2), round(s.brier, 2)
    (2, 0.3, 0.86)
    """
    assert o.found_site is not None
    if unsided is None:
        unsided = set(load("vocabulary.json")["sites_without_side"])
    locs = sorted(plan.get("locations") or [], key=lambda x: x["rank"])
    matched = [loc for loc in locs if _matches(loc, o, unsided)]
    others = [float(loc["probability"]) for loc in locs if not _matches(loc, o, unsided)]
    p_found = sum(float(loc["probability"]) for loc in matched)
    rest = max(0.0, 1.0 - p_found - sum(others)) if locs else 0.0
    pairs = [(p, 0) for p in others]
    if matched:
        pairs.append((p_found, 1))
        brier = (p_found - 1) ** 2 + sum(p * p for p in others) + rest * rest
    else:
        brier = sum(p * p for p in others) + (rest - 1) ** 2 if locs else 1.0
    return CaseScore(
        plan.get("case_id", o.case_id),
        o.found_site,
        o.found_side,
        matched[0]["rank"] if matched else None,
        p_found,
        brier,
        o.cured,
        pairs,
    )


def _site_row(site: str, scores: list[CaseScore]) -> SiteRow:
    return SiteRow(
        site,
        len(scores),
        sum(1 for s in scores if s.rank == 1),
        sum(1 for s in scores if s.rank is not None and s.rank <= 3),
        sum(1 for s in scores if s.cured),
        sum(1 for s in scores if s.cured is not None),
    )


def reliability(pairs: Iterable[tuple[float, int]], bins: int = BINS) -> list[ReliabilityBin]:
    """Ten equal-width bins of predicted probability: count, mean prediction, observed rate."""
    groups: list[list[tuple[float, int]]] = [[] for _ in range(bins)]
    for p, y in pairs:
        groups[min(bins - 1, int(p * bins))].append((p, y))
    out = []
    for i, g in enumerate(groups):
        n = len(g)
        out.append(
            ReliabilityBin(
                i / bins,
                (i + 1) / bins,
                n,
                sum(p for p, _ in g) / n if n else math.nan,
                sum(y for _, y in g) / n if n else math.nan,
            )
        )
    return out


def audit(plans: list[Mapping[str, Any]], outcomes: Mapping[str, Outcome]) -> Audit:
    """Audit plans (as ``Plan.to_json()`` or error entries of ``parareop plan``) against outcomes."""
    unsided = set(load("vocabulary.json")["sites_without_side"])
    by_id = {p["case_id"]: p for p in plans if "case_id" in p and "error" not in p}
    invalid = sorted(str(p.get("case_file", "?")) for p in plans if "error" in p)
    scores, not_operated = [], []
    for cid, o in sorted(outcomes.items()):
        if cid not in by_id:
            continue
        if o.found_site is None:
            not_operated.append(cid)
            continue
        scores.append(score_case(by_id[cid], o, unsided))
    per_site: dict[str, list[CaseScore]] = {}
    for s in scores:
        per_site.setdefault(s.found_site, []).append(s)
    pairs = [pr for s in scores for pr in s.pairs]
    return Audit(
        cases=scores,
        sites=[_site_row(site, per_site[site]) for site in sorted(per_site)],
        overall=_site_row("overall", scores),
        reliability=reliability(pairs),
        brier=sum(s.brier for s in scores) / len(scores) if scores else math.nan,
        not_operated=not_operated,
        without_outcome=sorted(set(by_id) - set(outcomes)),
        without_plan=sorted(set(outcomes) - set(by_id)),
        invalid=invalid,
    )


# ---------------------------------------------------------------------------- output


def _pct(k: int, n: int) -> str:
    return f"{k}/{n} ({k / n:.0%})" if n else "-"


def render(a: Audit) -> str:
    """The audit as plain-text tables."""
    lines = ["Localization: where the gland was found vs the plan's ranking", ""]
    lines.append(f"{'found site':<24}{'n':>4}  {'top-1':<14}{'top-3':<14}cured")
    for r in [*a.sites, a.overall]:
        if r is a.overall:
            lines.append("-" * 70)
        cured = _pct(r.cured, r.cured_known) if r.cured_known else "-"
        lines.append(f"{r.site:<24}{r.n:>4}  {_pct(r.top1, r.n):<14}{_pct(r.top3, r.n):<14}{cured}")
    lines += ["", "Calibration of the location posteriors (every candidate location of every case)", ""]
    lines.append(f"{'predicted':<12}{'n':>5}  {'mean predicted':>15}  {'observed':>9}")
    for b in a.reliability:
        if b.n:
            lines.append(
                f"{b.low:.1f}-{b.high:.1f}{'':<5}{b.n:>5}  {b.mean_predicted:>15.3f}  {b.observed:>9.3f}"
            )
    brier = "-" if math.isnan(a.brier) else f"{a.brier:.3f}"
    lines += ["", f"Brier score (multi-category, 0 best, 2 worst): {brier} over {len(a.cases)} case(s)"]
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
            label="ParaReop location posteriors",
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
    brier = "n/a" if math.isnan(a.brier) else f"{a.brier:.3f}"
    ax.set_title(f"Reliability of location posteriors ({len(a.cases)} cases, Brier {brier})", fontsize=10)
    ax.set_ylabel("observed frequency (found there)")
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
    hx.set_xlabel("predicted probability")
    hx.set_ylabel("candidates")
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
