"""planner.gates.localization: the gate reports adequacy of the leading place, a hold, or the cause's setting."""

from __future__ import annotations

from planner.findings import Finding
from planner.gates.localization import localization_gate
from planner.localization import adequate
from tests.planner_minicase import KN

TOP = ("perrier_F", "left")
LOCS = [(TOP, 0.8), (("perrier_E", "left"), 0.1)]


def _study(modality):
    return Finding("imaging", modality, modality, [(TOP, 1.0)], [], False, 250)


def _gate(findings, locations=LOCS, **kw):
    result = localization_gate(KN, findings, locations, adequate(findings, KN, TOP), **kw)
    assert result.decision is None and not result.tests  # the decision reads adequacy itself
    return result.gate


def test_two_concordant_studies_pass_and_say_so():
    """Graph param_localization_min_concordant: two concordant studies localize the leading place."""
    gate = _gate([_study("ultrasound"), _study("ct_4d")])
    assert gate.status == "pass" and "Localized to" in gate.message and "80%" in gate.message
    assert "2 positive imaging studies" in gate.explanation[1].text
    assert gate.explanation[2].iri == KN.param("localization_min_concordant").iri


def test_one_study_warns_not_yet_localized():
    """One study alone: not yet localized well enough."""
    gate = _gate([_study("ct_4d")])
    assert gate.status == "warn" and gate.message.startswith("Not yet localized")


def test_a_hold_turns_an_adequate_localization_into_a_warning():
    """An open FHH screen holds the operation even when localized."""
    gate = _gate([_study("ultrasound"), _study("ct_4d")], held="the FHH screen")
    assert gate.status == "warn" and "no operation until the FHH screen is settled" in gate.message


def test_an_established_cause_passes_without_per_gland_localization():
    """Graph prp:operableWithoutLocalizationFor: a cause in its established setting needs no localization."""
    fact = {"text": "MEN1", "iri": None, "source": "case record"}
    gate = _gate([], established=("multiglandular_disease", [fact]))
    assert gate.status == "pass" and "No per-gland localization needed" in gate.message


def test_no_candidate_place_is_unknown():
    """Without a candidate location the gate cannot judge."""
    assert _gate([], locations=[]).status == "unknown"
