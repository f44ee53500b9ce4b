"""What if: a hypothetical finding is written in the contract's shape and moves the ranking."""

from __future__ import annotations

from ui.cases import load_example, plan_case
from ui.whatif import add_fna, add_imaging, add_venous_sampling, compare, last_day, latest_pth


def test_positive_study_at_a_site_raises_it() -> None:
    case = load_example("ex-12-negative-imaging")
    now = plan_case(case).plan
    target = now["locations"][2]
    then_case = add_imaging(case, "fch_pet_ct", "positive", target["site"], target["side"])
    assert then_case["imaging"][-1]["day"] == last_day(case) + 1
    then = plan_case(then_case).plan
    assert then is not None
    change = next(c for c in compare(now, then) if (c.site, c.side) == (target["site"], target["side"]))
    assert change.p_then > change.p_now and change.rank_then < change.rank_now
    assert change.movement.startswith("▲")
    assert case == load_example("ex-12-negative-imaging")  # the current case is untouched


def test_every_hypothetical_finding_is_a_valid_case() -> None:
    case = load_example("ex-04-missing-left-inferior")
    value, unit = latest_pth(case)
    for new in (
        add_venous_sampling(case, "thymic_vein", "midline", value * 3, value, unit),
        add_fna(case, "perrier_F", "left", value * 10, value, unit, "parathyroid"),
        add_imaging(case, "mri_4d", "negative", None, None),
    ):
        assert plan_case(new).ok
