"""Every measure's hand-computed cases (tests/cases/*.toml), run through the engine."""

from __future__ import annotations

import datetime as dt
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from advisor.profile_io import profile_from_data

CASES_DIR = Path(__file__).resolve().parent.parent / "cases"
AS_OF = dt.date(2026, 11, 21)


def _load_cases() -> list[tuple[str, dict]]:
    cases = []
    for path in sorted(CASES_DIR.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
        for index, case in enumerate(data.get("case", []), start=1):
            cases.append((f"{case['measure']}#{index}", case))
    return cases


CASES = _load_cases()


@pytest.mark.parametrize(("case_id", "case"), CASES, ids=[c[0] for c in CASES])
def test_case(case_id: str, case: dict, engine) -> None:
    allowed = {
        "measure",
        "description",
        "status",
        "min_yuan",
        "max_yuan",
        "total_min_yuan",
        "total_max_yuan",
        "later_yuan",
        "kind",
        "profile",
        "as_of",
        "missing",
        "counted_in_total",
        "calculation_contains",
        "reasons_contain",
        "count_note_contains",
    }
    assert set(case) <= allowed, f"unknown keys in case: {set(case) - allowed}"
    profile = profile_from_data({"schema_version": 2, **case.get("profile", {})})
    as_of = case.get("as_of") or AS_OF
    assessment = engine.match(profile, as_of)
    result = next(r for r in assessment.results if r.measure.id == case["measure"])
    reasons = [c.text for c in result.conditions]
    assert result.status == case["status"], f"{case['description']}: {reasons}"
    for key in ("min_yuan", "max_yuan", "total_min_yuan", "total_max_yuan", "later_yuan"):
        if key in case:
            actual = getattr(result.amount, key)
            assert actual == case[key], f"{key}: {actual} != {case[key]} — {result.amount.calculation}"
    if "kind" in case:
        assert result.amount.kind == case["kind"], result.amount.calculation
    if "missing" in case:
        assert set(case["missing"]) <= set(result.missing), result.missing
    if "counted_in_total" in case:
        assert result.counted_in_total == case["counted_in_total"], result.count_note
    for text in case.get("calculation_contains", []):
        assert text in result.amount.calculation, result.amount.calculation
    for text in case.get("reasons_contain", []):
        assert any(text in r for r in reasons), reasons
    for text in case.get("count_note_contains", []):
        assert text in result.count_note, result.count_note


def test_every_measure_has_a_case(engine) -> None:
    covered = {case["measure"] for _, case in CASES}
    uncovered = [m.id for m in engine.catalogue.measures if m.id not in covered]
    assert not uncovered, f"measures without a hand-computed case: {uncovered}"
