"""Cohort audit: hit rates, reliability and Brier score by hand on small plans, the outcomes
file's checks, and the CLI on the example cases with outcomes derived from their answer key."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from clinical.audit import (
    AuditError,
    Outcome,
    audit,
    location_predictions,
    reliability,
    score_case,
    sources_brier,
)
from clinical.audit_outcomes import read_outcomes
from planner.contract_files import shared_dir
from ui.cli import main
from ui.commands.plan_cmd import plan_file

CASES = shared_dir() / "cases"
PNG = b"\x89PNG\r\n\x1a\n"


def _plan(cid: str, *locs: tuple[str, str | None, float]) -> dict:
    return {
        "case_id": cid,
        "locations": [
            {"rank": i + 1, "site": s, "side": side, "probability": p} for i, (s, side, p) in enumerate(locs)
        ],
    }


PLANS = [
    _plan(
        "a", ("perrier_F", "left", 0.7), ("anterior_mediastinum", "midline", 0.2), ("perrier_E", "left", 0.1)
    ),
    _plan("b", ("perrier_E", "right", 0.5), ("perrier_E", "left", 0.3), ("perrier_F", "right", 0.2)),
    _plan("c", ("retroesophageal", "left", 0.9), ("perrier_C", "left", 0.1)),
    {"case_id": "d", "locations": []},  # a halt, but a gland was found
    _plan("e", ("perrier_F", "left", 1.0)),  # no gland found: not scored
]
OUTCOMES = {
    "a": Outcome("a", "perrier_F", "left", True),
    "b": Outcome("b", "perrier_E", None, False),  # side not recorded: both perrier_E candidates match
    "c": Outcome("c", "anterior_mediastinum", None, True),  # not among the candidates
    "d": Outcome("d", "perrier_A", "right", None),
    "e": Outcome("e", None, None, None),
    "z": Outcome("z", "perrier_A", "left", True),  # no plan
}


def test_scores_by_hand() -> None:
    a = audit(PLANS, OUTCOMES)
    by = {c.case_id: c for c in a.cases}
    assert [by[k].rank for k in "abcd"] == [1, 1, None, None]
    # per-place probabilities: the two matching perrier_E candidates merge by max, not sum
    assert by["b"].p_found == pytest.approx(0.5)
    # binary Brier, each listed location its own yes/no prediction (found gland first):
    # a (0.7,1) (0.2,0) (0.1,0) ; b (max(0.5,0.3)=0.5,1) (0.2,0) ; c miss (0,1) (0.9,0) (0.1,0) ; d miss (0,1)
    sums = {"a": 0.09 + 0.04 + 0.01, "b": 0.25 + 0.04, "c": 1.0 + 0.81 + 0.01, "d": 1.0}
    counts = {"a": 3, "b": 2, "c": 3, "d": 1}
    assert [by[k].pairs for k in "abcd"] == [
        [(0.7, 1), (0.2, 0), (0.1, 0)],
        [(0.5, 1), (0.2, 0)],
        [(0.0, 1), (0.9, 0), (0.1, 0)],
        [(0.0, 1)],
    ]
    assert [by[k].brier for k in "abcd"] == pytest.approx([sums[k] / counts[k] for k in "abcd"])
    # pooled over the nine predictions, not a mean of the four case means
    assert a.brier == pytest.approx(3.25 / 9) and a.overall.predictions == 9
    assert a.overall.brier == a.brier
    assert (a.overall.n, a.overall.top1, a.overall.top3, a.overall.cured, a.overall.cured_known) == (
        4,
        2,
        2,
        2,
        3,
    )
    rows = {r.site: r for r in a.sites}
    assert rows["perrier_E"].top1_rate == 1.0 and rows["anterior_mediastinum"].top3_rate == 0.0
    assert rows["perrier_E"].brier == pytest.approx(0.145) and rows["perrier_A"].brier == 1.0
    assert rows["anterior_mediastinum"].brier == pytest.approx(1.82 / 3)
    assert a.not_operated == ["e"] and a.without_plan == ["z"] and a.without_outcome == []


def test_two_plans_exact_brier() -> None:
    """Two operate plans whose places sum past one; the second found two glands."""
    plans = [
        _plan("x", ("perrier_F", "left", 0.9), ("perrier_E", "left", 0.4), ("perrier_A", "right", 0.3)),
        _plan("y", ("perrier_B", "right", 0.6), ("perrier_A", "left", 0.5)),
    ]
    one = {"x": Outcome("x", "perrier_F", "left", True), "y": Outcome("y", "perrier_A", "left", True)}
    a = audit(plans, one)
    # x: 0.1^2 + 0.4^2 + 0.3^2 = 0.26 ; y: 0.6^2 + 0.5^2 = 0.61 ; five predictions
    assert a.brier == pytest.approx(0.87 / 5)
    assert [c.brier for c in a.cases] == pytest.approx([0.26 / 3, 0.61 / 2])
    both = dict(one, y=Outcome("y", "perrier_A", "left", True, (("perrier_B", "right"),)))
    b = audit(plans, both)
    # y with both glands credited: 0.5^2 (perrier_A found) + 0.4^2 (perrier_B found)
    assert b.brier == pytest.approx((0.26 + 0.25 + 0.16) / 5)
    assert b.cases[1].rank == 2 and b.cases[1].p_found == 0.5, "top-1 and p_found still follow found_site"


def test_sided_gland_claims_first() -> None:
    locs = [
        {"site": "perrier_E", "side": "right", "probability": 0.5},
        {"site": "perrier_E", "side": "left", "probability": 0.3},
    ]
    # the unsided gland would take both; the left one claims its place first
    assert location_predictions(locs, [("perrier_E", None), ("perrier_E", "left")], set()) == [
        (0.5, 1),
        (0.3, 1),
    ]
    assert location_predictions(locs, [("perrier_E", None)], set()) == [(0.5, 1)]
    # both perrier_E glands found, sides not recorded: one place each, not a miss for the second
    assert location_predictions(locs, [("perrier_E", None), ("perrier_E", None)], set()) == [
        (0.5, 1),
        (0.3, 1),
    ]
    assert location_predictions([], [("perrier_E", "left")], set()) == [(0.0, 1)]


def test_midline_sites_match_on_the_site() -> None:
    s = score_case(
        _plan("m", ("anterior_mediastinum", "midline", 0.6), ("perrier_F", "left", 0.4)),
        Outcome("m", "anterior_mediastinum", "left", True),
    )
    assert s.rank == 1 and s.p_found == 0.6
    assert s.brier == pytest.approx((0.16 + 0.16) / 2)


def test_reliability_bins() -> None:
    bins = reliability([(0.05, 0), (0.05, 1), (0.95, 1), (1.0, 1), (0.55, 0)])
    assert [b.n for b in bins] == [2, 0, 0, 0, 0, 1, 0, 0, 0, 2]
    assert bins[0].observed == 0.5 and bins[9].mean_predicted == pytest.approx(0.975)
    assert math.isnan(bins[1].observed)
    a = audit(PLANS, OUTCOMES)
    assert sum(b.n for b in a.reliability) == sum(len(c.pairs) for c in a.cases) == 9
    # the nine predictions of test_scores_by_hand: 0,0 | 0.1,0.1 | 0.2,0.2 | 0.5 | 0.7 | 0.9
    assert [b.n for b in a.reliability] == [2, 2, 2, 0, 0, 1, 0, 1, 0, 1]
    assert [a.reliability[i].observed for i in (0, 1, 2, 5, 7, 9)] == [1.0, 0.0, 0.0, 1.0, 1.0, 0.0]


def test_sources_calibration_by_hand() -> None:
    plans = [
        dict(_plan("x", ("perrier_F", "left", 0.9)), sources={"1": 0.7, "2": 0.2, "3+": 0.1}),
        dict(_plan("y", ("perrier_A", "left", 0.8)), sources={"1": 0.4, "2": 0.5, "3+": 0.1}),
        {"case_id": "h", "locations": []},  # a halt, no sources
        dict(_plan("n", ("perrier_A", "left", 0.8)), sources={"1": 1.0, "2": 0.0, "3+": 0.0}),
    ]
    outcomes = {
        "x": Outcome("x", "perrier_F", "left", True, ()),
        "y": Outcome("y", "perrier_A", "left", True, (("perrier_B", "left"),)),
        "h": Outcome("h", "perrier_A", "left", None, ()),
        "n": Outcome("n", None, None, None, ()),  # nothing found: not scored
    }
    s = audit(plans, outcomes).sources
    assert s is not None and s.recorded and s.n == 2 and s.without_sources == ["h"]
    # x found 1: 0.3^2 + 0.2^2 + 0.1^2 = 0.14 ; y found 2: 0.4^2 + 0.5^2 + 0.1^2 = 0.42
    assert s.brier == pytest.approx(0.28)
    assert [(r.category, r.mean_predicted, r.observed) for r in s.categories] == [
        ("1", pytest.approx(0.55), 0.5),
        ("2", pytest.approx(0.35), 0.5),
        ("3+", pytest.approx(0.1), 0.0),
    ]
    assert sources_brier({"1": 0.2, "2": 0.3, "3+": 0.5}, 4) == pytest.approx(0.04 + 0.09 + 0.25)
    # an old file (no also_found) does not say the gland was the only one: not scored
    old = audit(PLANS, OUTCOMES).sources
    assert old is not None and not old.recorded and old.n == 0 and math.isnan(old.brier)


def test_outcomes_with_and_without_also_found(tmp_path: Path) -> None:
    f = tmp_path / "old.csv"
    f.write_text("case_id,found_site,found_side,cured\nx,perrier_F,left,yes\n")
    assert read_outcomes(f)["x"] == Outcome("x", "perrier_F", "left", True, None)
    f.write_text(
        "case_id,found_site,found_side,cured,also_found\n"
        "x,perrier_F,left,yes,\n"
        "y,perrier_A,right,no,perrier_B:left; anterior_mediastinum\n"
    )
    got = read_outcomes(f)
    assert got["x"].also_found == () and got["x"].n_found == 1
    assert got["y"].also_found == (("perrier_B", "left"), ("anterior_mediastinum", None))
    assert got["y"].n_found == 3


def _outcomes_from_key(path: Path) -> dict[str, tuple[str, str]]:
    """found_site/side = the answer key's first acceptable top location; none for halt/defer."""
    key = json.loads((CASES / "expected.json").read_text())
    rows = {}
    lines = ["case_id,found_site,found_side,cured"]
    for cid, k in sorted(key.items()):
        if k.get("top1"):
            t = k["top1"][0]
            rows[cid] = (t["site"], t["side"])
            lines.append(f"{cid},{t['site']},{t['side'] or ''},yes")
        else:
            lines.append(f"{cid},,,")
    path.write_text("\n".join(lines) + "\n")
    return rows


def test_cli_audit_of_the_example_cases(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    found = _outcomes_from_key(tmp_path / "outcomes.csv")
    png = tmp_path / "cal.png"
    assert (
        main(
            ["audit", str(CASES), "--outcomes", str(tmp_path / "outcomes.csv"), "--plot", str(png), "--json"]
        )
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    assert png.read_bytes().startswith(PNG)
    # recompute top-1 independently from the plans
    # the case files listed here, not through the CLI's private folder helper (which may change)
    files = sorted(f for f in CASES.glob("*.json") if f.name != "expected.json")
    plans = {p["case_id"]: p for p in (plan_file(f) for f in files)}
    top1 = 0
    for cid, (site, side) in found.items():
        locs = plans[cid]["locations"]
        if locs and locs[0]["site"] == site and (side is None or locs[0]["side"] in (side, None, "midline")):
            top1 += 1
    assert result["overall"]["n"] == len(found) and result["overall"]["top1"] == top1
    assert top1 >= len(found) - 2, "the planner ranks the answer key's site first in nearly every case"
    assert 0 <= result["brier"] <= 1 and result["brier_kind"].startswith("binary")
    assert result["overall"]["predictions"] == sum(c["predictions"] for c in result["cases"])
    assert result["sources"]["recorded"] is False and result["sources"]["n"] == 0
    assert sum(b["n"] for b in result["reliability"]) > 0
    assert set(result["not_operated"]) == {c for c in plans if c not in found}
    assert main(["audit", str(CASES), "--outcomes", str(tmp_path / "outcomes.csv"), "--plot", str(png)]) == 0
    text = capsys.readouterr().out
    assert "top-1" in text and "Brier score" in text and "overall" in text
    assert "only the one" in text and "also_found" in text


def test_cli_audit_scores_sources_with_also_found(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The example outcomes with an also_found column: one source each, but ex-05 found two."""
    found = _outcomes_from_key(tmp_path / "old.csv")
    lines = ["case_id,found_site,found_side,cured,also_found"]
    lines += [
        f"{c},{s},{side or ''},yes,{'perrier_A:left' if c.startswith('ex-05') else ''}"
        for c, (s, side) in sorted(found.items())
    ]
    (tmp_path / "o.csv").write_text("\n".join(lines) + "\n")
    args = ["audit", str(CASES), "--outcomes", str(tmp_path / "o.csv"), "--plot", str(tmp_path / "c.png")]
    assert main([*args, "--json"]) == 0
    src = json.loads(capsys.readouterr().out)["sources"]
    files = sorted(f for f in CASES.glob("*.json") if f.name != "expected.json")
    plans = {p["case_id"]: p for p in (plan_file(f) for f in files)}
    expected = [
        sources_brier(plans[c]["sources"], 2 if c.startswith("ex-05") else 1)
        for c in found
        if plans[c].get("sources")
    ]
    assert src["recorded"] is True and src["n"] == len(expected) > 0
    assert src["brier"] == pytest.approx(sum(expected) / len(expected), abs=1e-4)
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "Further glands credited from also_found: 1" in text and "Brier score of sources" in text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("case,site\nx,perrier_A\n", "missing column"),
        ("case_id,found_site,found_side,cured\nx,perrier_Z,,yes\n", "perrier_Z"),
        ("case_id,found_site,found_side,cured\nx,perrier_A,up,yes\n", "'up' is not left"),
        ("case_id,found_site,found_side,cured\nx,perrier_A,left,maybe\n", "cured 'maybe'"),
        ("case_id,found_site,found_side,cured\nx,,left,\n", "without found_site"),
        ("case_id,found_site,found_side,cured\nx,,,\nx,,,\n", ":3: case_id 'x' appears twice"),
        ("case_id,found_site,found_side,cured,also_found\nx,perrier_A,left,yes,perrier_Q\n", "perrier_Q"),
        ("case_id,found_site,found_side,cured,also_found\nx,perrier_A,,yes,perrier_B:up\n", "side 'up'"),
        ("case_id,found_site,found_side,cured,also_found\nx,,,,perrier_B:left\n", "without found_site"),
    ],
)
def test_bad_outcomes_files(tmp_path: Path, content: str, message: str) -> None:
    f = tmp_path / "o.csv"
    f.write_text(content)
    with pytest.raises(AuditError, match=message):
        read_outcomes(f)


def test_cli_bad_outcomes_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", str(CASES), "--outcomes", str(tmp_path / "none.csv")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "file not found" in err
