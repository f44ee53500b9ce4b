"""Synthetic cases for benchmarks and robustness tests.

They start from the bundled example cases and vary what a referral varies: the
gland record, the imaging (modality, site, side, result), venous sampling, FNA,
syndromes, medications and the late calcium. Every generated case is valid by
the contract, so a plan (or a clear gate decision) must come back for each.
Not clinical knowledge: codes come from the contract vocabulary.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from planner.contract_files import load

EXAMPLES = Path(__file__).resolve().parent.parent / "ui" / "examples"


def example_cases() -> list[dict[str, Any]]:
    """The example cases: shared/cases when present, else the copies bundled with the app."""
    from planner.contract_files import shared_dir

    folder = shared_dir() / "cases"
    if not folder.exists():
        folder = EXAMPLES
    return [json.loads(p.read_text()) for p in sorted(folder.glob("ex-*.json"))]


def synthetic_cases(n: int, seed: int = 0) -> Iterator[dict[str, Any]]:
    """Yield ``n`` valid, varied cases (deterministic for a seed).

    >>> cases = list(synthetic_cases(3, seed=1))
    >>> len(cases), cases[0]["id"]
    (3, 'syn-1-0')
    """
    vocab = load("vocabulary.json")
    rng = random.Random(seed)
    bases = example_cases()
    sites = list(vocab["sites"])
    needle = [
        s
        for s in sites
        if s
        not in ("retroesophageal", "posterior_mediastinum", "anterior_mediastinum", "aortopulmonary_window")
    ]
    modalities = list(vocab["modalities"])
    statuses = ["not_found", "not_explored", "identified_normal", "biopsied_normal", "removed"]
    for i in range(n):
        case = copy.deepcopy(rng.choice(bases))
        case["id"] = f"syn-{seed}-{i}"
        op = case["operations"][-1] if case.get("operations") else None
        if op is not None and rng.random() < 0.5:
            op["glands"] = [
                {"position": pos, "status": rng.choice(statuses)}
                for pos in ("left_superior", "left_inferior", "right_superior", "right_inferior")
            ]
            op.pop("autograft", None)
            op["procedures"] = ["bilateral_exploration"]
        if rng.random() < 0.8:
            case["imaging"] = []
            for _ in range(rng.randint(0, 4)):
                finding = {
                    "modality": rng.choice(modalities),
                    "day": rng.randint(150, 400),
                    "result": rng.choice(["positive", "positive", "equivocal", "negative"]),
                }
                if finding["result"] != "negative" or rng.random() < 0.3:
                    finding["site"] = rng.choice(sites)
                    finding["side"] = rng.choice(["left", "right", "midline"])
                case["imaging"].append(finding)
        if rng.random() < 0.2:
            case["venous_sampling"] = [
                {
                    "day": 300,
                    "unit": "pg/mL",
                    "peripheral_pth": 120.0,
                    "samples": [
                        {
                            "vein": rng.choice([v for v in vocab["veins"] if v != "graft_arm_vein"]),
                            "side": rng.choice(["left", "right"]),
                            "pth": rng.uniform(80, 600),
                        }
                        for _ in range(rng.randint(1, 4))
                    ],
                }
            ]
        if rng.random() < 0.15:
            case["fna"] = [
                {
                    "day": 310,
                    "site": rng.choice(needle),
                    "side": rng.choice(["left", "right"]),
                    "unit": "pg/mL",
                    "pth_washout": rng.uniform(5, 20000),
                    "serum_pth": 120.0,
                }
            ]
        patient = case.setdefault("patient", {})
        if rng.random() < 0.1:
            patient["syndromes"] = [rng.choice(list(vocab["syndromes"]))]
        if rng.random() < 0.1:
            patient["medications"] = [rng.choice(list(vocab["medications"]))]
        if rng.random() < 0.1:
            patient["surgical_candidate"] = False
        for lab in case.get("labs", []):
            if lab["analyte"] == "calcium_total" and lab["day"] > 42 and lab["unit"] == "mg/dL":
                lab["value"] = round(min(16.0, max(8.0, lab["value"] + rng.uniform(-1.5, 1.5))), 1)
        yield case
