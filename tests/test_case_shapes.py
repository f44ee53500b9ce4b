"""SHACL shapes over case graphs: each problem is reported with its focus node and a readable
message, and every example case conforms."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from kg.case_rdf import case_to_rdf, load_case_file
from kg.case_shapes import check_case, validate_case
from kg.cases import load_case_folder
from kg.errors import CaseShapeError
from ontology.paths import shared_dir

CASES = shared_dir() / "cases"


def example(name: str) -> dict[str, Any]:
    return json.loads((CASES / f"{name}.json").read_text(encoding="utf-8"))


def violations(case: dict[str, Any]) -> list[tuple[str, str]]:
    """(focus relative to the case, message) pairs."""
    graph = case_to_rdf(case)
    return [(v.focus.removeprefix(graph.iri), v.message) for v in validate_case(graph)]


@pytest.mark.parametrize("path", sorted(CASES.glob("ex-*.json")), ids=lambda p: p.stem)
def test_every_example_case_conforms(path: Path) -> None:
    assert validate_case(load_case_file(path)) == []


def test_a_finding_at_a_site_that_does_not_exist() -> None:
    case = example("ex-04-missing-left-inferior")
    case["imaging"][1]["site"] = "perrier_Z"
    found = validate_case(case_to_rdf(case))
    assert len(found) == 1
    v = found[0]
    assert v.focus.endswith("/case/ex-04-missing-left-inferior/imaging/2")
    assert v.path == "https://w3id.org/parareop/locatedAt"
    assert v.message == "a finding at a site that does not exist"
    assert "unknown sites code 'perrier_Z'" in v.line() and v.focus in v.line()


def test_a_gland_position_removed_twice() -> None:
    case = example("ex-04-missing-left-inferior")
    case["operations"][0]["day"] = -300
    case["operations"][0]["glands"][0]["status"] = "removed"  # right superior taken out at day -300
    case["operations"].append(
        {
            "day": 0,
            "procedures": ["focused_parathyroidectomy"],
            "glands": [{"position": "right_superior", "status": "removed", "pathology": "adenoma"}],
        }
    )
    assert violations(case) == [
        (
            "/operation/2/gland/1",
            "gland position right_superior removed twice: it was already taken out (removed) "
            "at the operation on day -300, yet this record says removed",
        )
    ]


def test_removed_twice_within_one_operation_is_reported_once() -> None:
    case = {
        "id": "twice",
        "operations": [
            {
                "day": 0,
                "procedures": ["bilateral_exploration"],
                "glands": [
                    {"position": "left_inferior", "status": "removed"},
                    {"position": "left_inferior", "status": "removed"},
                ],
            }
        ],
    }
    found = violations(case)
    assert [focus for focus, _ in found] == ["/operation/1/gland/2"]


def test_what_is_not_a_second_removal() -> None:
    # a supernumerary position may be removed more than once (there can be several)
    several = {
        "id": "fifth",
        "operations": [
            {
                "day": -200,
                "procedures": ["cervical_thymectomy"],
                "glands": [{"position": "supernumerary", "status": "removed"}],
            },
            {
                "day": 0,
                "procedures": ["mediastinal_resection_open"],
                "glands": [{"position": "supernumerary", "status": "removed"}],
            },
        ],
    }
    assert violations(several) == []
    # tissue removed as the gland that proved not to be parathyroid did not take the gland out
    lymph_node = {
        "id": "node",
        "operations": [
            {
                "day": -200,
                "procedures": ["focused_parathyroidectomy"],
                "glands": [
                    {"position": "left_inferior", "status": "removed", "pathology": "not_parathyroid"}
                ],
            },
            {
                "day": 0,
                "procedures": ["focused_parathyroidectomy"],
                "glands": [{"position": "left_inferior", "status": "removed", "pathology": "adenoma"}],
            },
        ],
    }
    assert violations(lymph_node) == []
    # a remnant left at a subtotal parathyroidectomy can be removed later
    remnant = {
        "id": "remnant",
        "operations": [
            {
                "day": -900,
                "procedures": ["subtotal_parathyroidectomy"],
                "glands": [{"position": "left_inferior", "status": "partially_removed"}],
            },
            {
                "day": 0,
                "procedures": ["focused_parathyroidectomy"],
                "glands": [{"position": "left_inferior", "status": "removed"}],
            },
        ],
    }
    assert violations(remnant) == []


def test_a_value_without_a_unit() -> None:
    case = example("ex-04-missing-left-inferior")
    del case["labs"][2]["unit"]
    found = validate_case(case_to_rdf(case))
    assert [(v.focus.rsplit("/case/", 1)[1], v.message) for v in found] == [
        ("ex-04-missing-left-inferior/lab/3", "a value without a unit"),
    ]
    assert found[0].path == "https://w3id.org/parareop/unit"


def test_pth_values_of_venous_sampling_fna_and_iopth_need_a_unit() -> None:
    case = copy.deepcopy(example("ex-07-men1-forearm-graft"))
    del case["venous_sampling"][0]["unit"]
    case["fna"] = [{"site": "autograft", "side": "left", "pth_washout": 900}]
    found = violations(case)
    assert (
        "/venous-sampling/1",
        "a value without a unit: venous-sampling PTH values need their unit",
    ) in found
    assert ("/fna/1", "a value without a unit: the PTH washout needs its unit") in found


def test_a_unit_the_analyte_cannot_be_reported_in() -> None:
    case = example("ex-04-missing-left-inferior")
    case["labs"][1]["unit"] = "mg/dL"  # an intact PTH in mg/dL
    assert violations(case) == [("/lab/2", "mg/dL is not a unit in which pth_intact can be reported")]


def test_other_codes_that_do_not_exist() -> None:
    case = {
        "id": "codes",
        "patient": {"syndromes": ["MEN3"], "medications": ["aspirin"]},
        "operations": [
            {
                "day": 0,
                "procedures": ["appendectomy"],
                "glands": [{"position": "left_middle", "status": "removed"}],
            }
        ],
        "venous_sampling": [
            {"unit": "pg/mL", "peripheral_pth": 80, "samples": [{"vein": "portal_vein", "pth": 90}]}
        ],
    }
    messages = {m for _, m in violations(case)}
    assert {
        "a syndrome that does not exist",
        "a medication that does not exist",
        "a procedure that does not exist",
        "a gland position that does not exist",
        "a vein that does not exist",
    } <= messages


def test_a_positive_finding_must_name_its_site_and_types_are_checked() -> None:
    case = {"id": "types", "imaging": [{"modality": "ct_4d", "result": "positive", "day": "yesterday"}]}
    assert set(violations(case)) == {
        ("/imaging/1", "a positive finding must name the site where the lesion is"),
        ("/imaging/1", "a finding's day must be one whole number"),
    }


def test_check_case_raises_one_line_with_all_violations_attached() -> None:
    case = example("ex-04-missing-left-inferior")
    case["imaging"][0]["site"] = "perrier_Z"
    del case["labs"][0]["unit"]
    with pytest.raises(CaseShapeError) as info:
        check_case(case_to_rdf(case, source="ex-04.json"))
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("case 'ex-04-missing-left-inferior' (ex-04.json) fails its shapes: <")
    assert message.endswith("(and 1 more)")
    assert len(info.value.violations) == 2


def test_a_folder_with_a_bad_case_stops_at_it(tmp_path: Path) -> None:
    case = example("ex-13-missing-left-superior")
    case["imaging"][1]["site"] = "retro_esophageal"
    (tmp_path / "bad.json").write_text(json.dumps(case), encoding="utf-8")
    with pytest.raises(CaseShapeError, match="a finding at a site that does not exist"):
        load_case_folder(tmp_path)
