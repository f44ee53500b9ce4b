"""Cohort audit: the plans of past cases against what surgery found.

A unit's morbidity-and-mortality view of the planner: for every case with a recorded
outcome (``case_id, found_site, found_side, cured`` and optionally ``also_found``), where the
gland was found is looked up in the plan's ranked locations. The audit reports, per site and
overall, how often the found site was ranked first and in the top three, and how well
calibrated the plan's figures are.

Since issue 11 a plan's ``locations[i].probability`` is that place's own chance of holding
hyperfunctioning tissue (several glands can be diseased at once, so they may sum to more than
one), and ``sources`` is the posterior on the number of separate sources. The audit therefore
scores each listed location as its own yes/no prediction, not the locations as one
distribution, and scores ``sources`` separately.

Definitions (also in the README):

- A location *matches* a found gland when the site is the same and the side is the same; a
  missing side, a location without a side, and a site without a side (``sites_without_side``)
  match on the site alone. Several locations matching one found gland (no side recorded) are
  merged into one prediction whose probability is the largest of theirs (per-place
  probabilities do not add). A found gland with a side claims its match before one without.
- Each found gland is one prediction that came true (y = 1) at its merged probability, or at
  probability 0 when no listed location matches it (a miss: a plan that ranked nothing, a halt
  or a defer, scores 1 there). Every other listed location is a prediction that did not (y = 0).
- Brier score (binary, Brier 1950): the mean of (p - y)^2 over these predictions, pooled over
  the cases (overall and per found site); 0 best, 1 worst. The reliability table (ten bins)
  uses the same predictions.
- The outcomes name one gland per case in ``found_site``; a case where several glands were found
  credits only that one unless ``also_found`` (``site:side;site:side``) lists the others.
- Number of sources: when the file has an ``also_found`` column, a case with a found gland has
  1 + len(also_found) sources (3 or more counts as "3+"), and the plan's ``sources`` is scored
  with the three-category Brier score, sum over "1", "2", "3+" of (p - y)^2 (0 best, 2 worst).
  Without the column the file does not say whether the gland was the only one, so the
  number of sources is not scored.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ontology.errors import ParaReopError
from planner.contract_files import load

COLUMNS = ("case_id", "found_site", "found_side", "cured")
#: Optional column: further glands found at the same operation, ``site:side`` separated by ``;``.
ALSO_FOUND = "also_found"
TRUE = {"true", "yes", "y", "1"}
FALSE = {"false", "no", "n", "0"}
BINS = 10
SOURCE_CATEGORIES = ("1", "2", "3+")

Gland = tuple[str, str | None]


class AuditError(ParaReopError):
    """An unusable outcomes file (the message names the line and the field)."""


@dataclass(frozen=True)
class Outcome:
    """One case's outcome; ``also_found`` is None when the file has no such column (not recorded)."""

    case_id: str
    found_site: str | None
    found_side: str | None
    cured: bool | None
    also_found: tuple[Gland, ...] | None = None

    @property
    def glands(self) -> tuple[Gland, ...]:
        """Every gland found: the named one first, then ``also_found``.

        >>> Outcome("a", "perrier_F", "left", True, (("perrier_A", None),)).glands
        (('perrier_F', 'left'), ('perrier_A', None))
        """
        if self.found_site is None:
            return ()
        return ((self.found_site, self.found_side), *(self.also_found or ()))

    @property
    def n_found(self) -> int | None:
        """How many glands were found, when the outcome says (None without ``also_found``).

        >>> Outcome("a", "perrier_F", "left", True).n_found is None
        True
        >>> Outcome("a", "perrier_F", "left", True, ()).n_found
        1
        """
        if self.found_site is None or self.also_found is None:
            return None
        return 1 + len(self.also_found)


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
    also_found: list[Gland] = field(default_factory=list)
    predictions: int = 0


@dataclass
class SiteRow:
    site: str
    n: int
    top1: int
    top3: int
    cured: int
    cured_known: int
    brier: float = math.nan
    predictions: int = 0

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
class SourcesRow:
    """One category of the number of sources: mean predicted probability vs observed share."""

    category: str
    mean_predicted: float
    observed: float


@dataclass
class SourcesCalibration:
    """The calibration of the plans' ``sources`` against how many glands were found."""

    recorded: bool  # the outcomes file has an also_found column
    n: int
    brier: float
    categories: list[SourcesRow]
    without_sources: list[str]  # found, but the plan gave no sources (a halt, a defer)


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
    sources: SourcesCalibration | None = None

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        for row, src in zip(out["sites"] + [out["overall"]], self.sites + [self.overall], strict=True):
            row["top1_rate"], row["top3_rate"] = _nan_none(src.top1_rate), _nan_none(src.top3_rate)
            row["brier"] = _nan_none(src.brier)
        for c in out["cases"]:
            c.pop("pairs")
            c["brier"] = _nan_none(c["brier"])
        out["brier"] = _nan_none(self.brier)
        out["brier_kind"] = "binary, per listed location (0 best, 1 worst)"
        for b in out["reliability"] + (out["sources"] or {}).get("categories", []):
            b["mean_predicted"], b["observed"] = _nan_none(b["mean_predicted"]), _nan_none(b["observed"])
        if out["sources"]:
            out["sources"]["brier"] = _nan_none(out["sources"]["brier"])
        return out


def _nan_none(x: float) -> float | None:
    return None if math.isnan(x) else round(x, 4)


# ---------------------------------------------------------------------------- outcomes file


@dataclass(frozen=True)
class _Codes:
    sites: set[str]
    sides: set[str]


def _parse_also(text: str, where: str, codes: _Codes) -> tuple[Gland, ...]:
    """``site:side;site`` -> glands; each part is checked like ``found_site``/``found_side``."""
    out: list[Gland] = []
    for part in (x.strip() for x in text.split(";")):
        if not part:
            continue
        site, _, side = (s.strip() for s in part.partition(":"))
        if site not in codes.sites:
            raise AuditError(f"{where}: also_found {site!r} is not a site code of the vocabulary")
        if side and side not in codes.sides:
            raise AuditError(f"{where}: also_found side {side!r} is not left, right or midline")
        out.append((site, side or None))
    return tuple(out)


def _parse_row(row: Mapping[str, str | None], where: str, codes: _Codes, has_also: bool) -> Outcome:
    """One CSV row -> an Outcome, or an AuditError naming the line and the field."""
    cid = (row["case_id"] or "").strip()
    if not cid:
        raise AuditError(f"{where}: empty case_id")
    site = (row["found_site"] or "").strip() or None
    side = (row["found_side"] or "").strip() or None
    if site is not None and site not in codes.sites:
        raise AuditError(f"{where}: found_site {site!r} is not a site code of the vocabulary")
    if side is not None and side not in codes.sides:
        raise AuditError(f"{where}: found_side {side!r} is not left, right or midline")
    if side is not None and site is None:
        raise AuditError(f"{where}: found_side given without found_site")
    cured_s = (row["cured"] or "").strip().lower()
    if cured_s and cured_s not in TRUE | FALSE:
        raise AuditError(f"{where}: cured {row['cured']!r} is not true/false/yes/no/1/0")
    also = _parse_also(row.get(ALSO_FOUND) or "", where, codes) if has_also else None
    if also and site is None:
        raise AuditError(f"{where}: also_found given without found_site")
    return Outcome(cid, site, side, None if not cured_s else cured_s in TRUE, also)


def read_outcomes(path: Path) -> dict[str, Outcome]:
    """Read and check an outcomes CSV (columns ``case_id, found_site, found_side, cured``).

    ``found_site`` / ``found_side`` are contract codes (``vocabulary.json``), empty when no
    gland was found (or no operation was done); ``cured`` is true/false/yes/no/1/0 or empty.
    An optional ``also_found`` column lists further glands found (``site:side;site``), so that
    old files, which lack it, still read; with it, the number of sources can be scored.

    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "o.csv"
    >>> _ = f.write_text("case_id,found_site,found_side,cured,also_found\\n"
    ...                  "a,perrier_F,left,yes,perrier_A:right\\n")
    >>> read_outcomes(f)["a"].glands
    (('perrier_F', 'left'), ('perrier_A', 'right'))
    """
    vocab = load("vocabulary.json")
    codes = _Codes(set(vocab["sites"]), set(vocab["sides"]))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise AuditError(f"{path}: file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditError(f"{path}: cannot read the file ({exc.__class__.__name__})") from exc
    reader = csv.DictReader(text.splitlines())
    fields = reader.fieldnames or []
    missing = [c for c in COLUMNS if c not in fields]
    if missing:
        raise AuditError(f"{path}: missing column(s) {', '.join(missing)}; expected {', '.join(COLUMNS)}")
    out: dict[str, Outcome] = {}
    for row in reader:
        o = _parse_row(row, f"{path}:{reader.line_num}", codes, ALSO_FOUND in fields)
        if o.case_id in out:
            raise AuditError(f"{path}:{reader.line_num}: case_id {o.case_id!r} appears twice")
        out[o.case_id] = o
    return out


# ---------------------------------------------------------------------------- scoring


def _matches(loc: Mapping[str, Any], gland: Gland, unsided: set[str]) -> bool:
    site, side = gland
    if loc["site"] != site:
        return False
    return side is None or loc.get("side") in (None, side) or site in unsided


def location_predictions(
    locs: Sequence[Mapping[str, Any]], glands: Sequence[Gland], unsided: set[str]
) -> list[tuple[float, int]]:
    """The yes/no predictions a plan's locations make, as (probability, came true) pairs.

    Each found gland claims the listed locations that match it and not yet claimed (glands with
    a side first, so that an unsided one does not take a sided one's place); its claim is one
    prediction at the largest probability (per-place figures do not add), or (0, 1) when nothing
    listed matches (a miss). The same unsided gland named twice (both inferior glands, sides not
    recorded) takes one place per mention. Every location left unclaimed is a prediction that did
    not come true.

    >>> locs = [{"site": "perrier_E", "side": "right", "probability": 0.5},
    ...         {"site": "perrier_E", "side": "left", "probability": 0.3},
    ...         {"site": "perrier_F", "side": "right", "probability": 0.2}]
    >>> location_predictions(locs, [("perrier_E", None)], set())
    [(0.5, 1), (0.2, 0)]
    >>> location_predictions(locs, [("perrier_E", None), ("perrier_E", "left")], set())
    [(0.5, 1), (0.3, 1), (0.2, 0)]
    >>> location_predictions(locs, [("perrier_E", None), ("perrier_E", None)], set())
    [(0.5, 1), (0.3, 1), (0.2, 0)]
    """
    order = sorted(range(len(glands)), key=lambda k: glands[k][1] is None or glands[k][0] in unsided)
    claimed: set[int] = set()
    hits: dict[int, float] = {}
    for n, k in enumerate(order):
        mine = [i for i, loc in enumerate(locs) if i not in claimed and _matches(loc, glands[k], unsided)]
        mine.sort(key=lambda i: -float(locs[i]["probability"]))
        if any(glands[j] == glands[k] for j in order[n + 1 :]):
            mine = mine[:1]  # the same gland named again (two unsided ones): one place each
        claimed.update(mine)
        hits[k] = float(locs[mine[0]]["probability"]) if mine else 0.0
    pairs = [(hits[k], 1) for k in range(len(glands))]
    return pairs + [(float(loc["probability"]), 0) for i, loc in enumerate(locs) if i not in claimed]


def brier(pairs: Iterable[tuple[float, int]]) -> float:
    """Mean binary Brier score of (probability, outcome) pairs: 0 best, 1 worst; nan if none.

    >>> round(brier([(0.7, 1), (0.2, 0), (0.1, 0)]), 4)
    0.0467
    """
    terms = [(p - y) ** 2 for p, y in pairs]
    return sum(terms) / len(terms) if terms else math.nan


def score_case(plan: Mapping[str, Any], o: Outcome, unsided: set[str] | None = None) -> CaseScore:
    """Score one plan against one outcome with a found site.

    The rank and ``p_found`` are those of the named gland (``found_site``) alone, so top-1 and
    top-3 mean what they did before ``also_found``; the Brier score uses every found gland.

    >>> plan = {"case_id": "a", "locations": [
    ...     {"rank": 1, "site": "perrier_F", "side": "left", "probability": 0.6},
    ...     {"rank": 2, "site": "perrier_E", "side": "left", "probability": 0.3}]}
    >>> s = score_case(plan, Outcome("a", "perrier_E", "left", True))
    >>> s.rank, round(s.p_found, 2), round(s.brier, 3)  # ((0.3-1)^2 + 0.6^2) / 2
    (2, 0.3, 0.425)
    """
    assert o.found_site is not None
    if unsided is None:
        unsided = set(load("vocabulary.json")["sites_without_side"])
    locs = sorted(plan.get("locations") or [], key=lambda x: x["rank"])
    matched = [loc for loc in locs if _matches(loc, o.glands[0], unsided)]
    pairs = location_predictions(locs, o.glands, unsided)
    return CaseScore(
        plan.get("case_id", o.case_id),
        o.found_site,
        o.found_side,
        matched[0]["rank"] if matched else None,
        max((float(loc["probability"]) for loc in matched), default=0.0),
        brier(pairs),
        o.cured,
        pairs,
        list(o.also_found or ()),
        len(pairs),
    )


def _site_row(site: str, scores: list[CaseScore]) -> SiteRow:
    pairs = [pr for s in scores for pr in s.pairs]
    return SiteRow(
        site,
        len(scores),
        sum(1 for s in scores if s.rank == 1),
        sum(1 for s in scores if s.rank is not None and s.rank <= 3),
        sum(1 for s in scores if s.cured),
        sum(1 for s in scores if s.cured is not None),
        brier(pairs),
        len(pairs),
    )


def reliability(pairs: Iterable[tuple[float, int]], bins: int = BINS) -> list[ReliabilityBin]:
    """Ten equal-width bins of predicted probability: count, mean prediction, observed rate.

    >>> [(b.n, b.observed) for b in reliability([(0.05, 0), (0.05, 1), (0.95, 1)]) if b.n]
    [(2, 0.5), (1, 1.0)]
    """
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


def source_category(n: int) -> str:
    """The ``sources`` category of a number of glands found.

    >>> [source_category(n) for n in (1, 2, 3, 4)]
    ['1', '2', '3+', '3+']
    """
    return "1" if n == 1 else "2" if n == 2 else "3+"


def sources_brier(sources: Mapping[str, float], n_found: int) -> float:
    """Three-category Brier score of a plan's ``sources`` when ``n_found`` glands were found.

    A plan that says one source with 0.8 when two were found: 0.8^2 + 0.8^2 + 0^2.

    >>> round(sources_brier({"1": 0.8, "2": 0.2, "3+": 0.0}, 2), 4)
    1.28
    """
    seen = source_category(n_found)
    return sum((float(sources.get(c, 0.0)) - (c == seen)) ** 2 for c in SOURCE_CATEGORIES)


def sources_calibration(
    plans: Mapping[str, Mapping[str, Any]], outcomes: Iterable[Outcome], recorded: bool
) -> SourcesCalibration:
    """Score ``sources`` on the planned cases whose outcome says how many glands were found.

    >>> plan = {"sources": {"1": 0.9, "2": 0.1, "3+": 0.0}}
    >>> c = sources_calibration({"a": plan}, [Outcome("a", "perrier_F", "left", True, ())], True)
    >>> c.n, round(c.brier, 4), [(r.category, r.observed) for r in c.categories]
    (1, 0.02, [('1', 1.0), ('2', 0.0), ('3+', 0.0)])
    """
    scored: list[tuple[Mapping[str, float], int]] = []
    without = []
    for o in outcomes:
        if o.case_id not in plans or o.n_found is None:
            continue
        src = plans[o.case_id].get("sources")
        if src:
            scored.append((src, o.n_found))
        else:
            without.append(o.case_id)
    n = len(scored)
    rows = [
        SourcesRow(
            c,
            sum(float(s.get(c, 0.0)) for s, _ in scored) / n if n else math.nan,
            sum(source_category(k) == c for _, k in scored) / n if n else math.nan,
        )
        for c in SOURCE_CATEGORIES
    ]
    total = sum(sources_brier(s, k) for s, k in scored)
    return SourcesCalibration(recorded, n, total / n if n else math.nan, rows, sorted(without))


def audit(plans: list[Mapping[str, Any]], outcomes: Mapping[str, Outcome]) -> Audit:
    """Audit plans (as ``Plan.to_json()`` or error entries of ``parareop plan``) against outcomes.

    >>> plan = {"case_id": "a", "locations": [{"rank": 1, "site": "perrier_F", "side": "left",
    ...         "probability": 0.9}, {"rank": 2, "site": "perrier_A", "side": "left", "probability": 0.2}]}
    >>> a = audit([plan], {"a": Outcome("a", "perrier_F", "left", True)})
    >>> a.overall.top1, round(a.brier, 3)  # (0.1^2 + 0.2^2) / 2
    (1, 0.025)
    """
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
    overall = _site_row("overall", scores)
    recorded = any(o.also_found is not None for o in outcomes.values())
    return Audit(
        cases=scores,
        sites=[_site_row(site, per_site[site]) for site in sorted(per_site)],
        overall=overall,
        reliability=reliability(pr for s in scores for pr in s.pairs),
        brier=overall.brier,
        not_operated=not_operated,
        without_outcome=sorted(set(by_id) - set(outcomes)),
        without_plan=sorted(set(outcomes) - set(by_id)),
        invalid=invalid,
        sources=sources_calibration(by_id, [outcomes[k] for k in sorted(outcomes)], recorded),
    )


# ---------------------------------------------------------------------------- output


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
