"""Every measure's hand-computed cases (tests/cases/*.toml), run through the engine.

A case names itself with an explicit ``id`` (``<measure>.<anything>``), so a test keeps its
id when cases are added, moved or removed around it. Expected amounts are written in 万元
like the rules (``min_wan = 28.8``) and compared with the engine's integer yuan exactly.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from advisor.money import wan_to_yuan
from advisor.profile_io import profile_from_data

CASES_DIR = Path(__file__).resolve().parent.parent / "cases"
AS_OF = dt.date(2026, 11, 21)

#: Expected amounts: the case key in 万元 → the result's attribute in yuan.
AMOUNT_KEYS = {
    "min_wan": "min_yuan",
    "max_wan": "max_yuan",
    "total_min_wan": "total_min_yuan",
    "total_max_wan": "total_max_yuan",
    "later_wan": "later_yuan",
}
ALLOWED_KEYS = {
    "id",
    "measure",
    "description",
    "status",
    *AMOUNT_KEYS,
    "kind",
    "profile",
    "as_of",
    "missing",
    "counted_in_total",
    "calculation_contains",
    "reasons_contain",
    "count_note_contains",
}
_ID_TAIL = re.compile(r"[a-z0-9][a-z0-9-]*")


def _load_cases() -> list[tuple[str, str, dict[str, Any]]]:
    """(file name, case id, case) for every case; a case without an id gets a visible placeholder."""
    cases = []
    for path in sorted(CASES_DIR.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
        for index, case in enumerate(data.get("case", []), start=1):
            cases.append((path.name, str(case.get("id") or f"{path.name}:第{index}个用例缺少id"), case))
    return cases


CASES = _load_cases()


def test_every_case_has_a_unique_id_naming_its_measure() -> None:
    ids = [case_id for _, case_id, _ in CASES]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"case ids used twice: {duplicates}"
    for name, case_id, case in CASES:
        assert "id" in case, f"{name}: a case has no id ({case.get('measure')}: {case.get('description')})"
        measure, dot, tail = case_id.partition(".")
        assert measure == case.get("measure") and dot and _ID_TAIL.fullmatch(tail), (
            f"{name}: id “{case_id}” should be “{case.get('measure')}.<编号或小写短名>”"
        )


def test_expected_amounts_are_whole_yuan_in_wan() -> None:
    for _, case_id, case in CASES:
        for key in AMOUNT_KEYS:
            if key in case:
                assert isinstance(case[key], (int, Decimal)) and not isinstance(case[key], bool), case_id
                wan_to_yuan(case[key])  # raises for a fraction of a yuan


@pytest.mark.parametrize(("file", "case_id", "case"), CASES, ids=[c[1] for c in CASES])
def test_case(file: str, case_id: str, case: dict[str, Any], engine: Any) -> None:
    assert set(case) <= ALLOWED_KEYS, f"{file}: unknown keys in case {case_id}: {set(case) - ALLOWED_KEYS}"
    profile = profile_from_data({"schema_version": 2, **case.get("profile", {})})
    as_of = case.get("as_of") or AS_OF
    assessment = engine.match(profile, as_of)
    result = next(r for r in assessment.results if r.measure.id == case["measure"])
    reasons = [c.text for c in result.conditions]
    assert result.status == case["status"], f"{case['description']}: {reasons}"
    for key, attribute in AMOUNT_KEYS.items():
        if key in case:
            actual = getattr(result.amount, attribute)
            expected = wan_to_yuan(case[key])
            assert actual == expected, f"{key}: {actual} 元 != {expected} 元 — {result.amount.calculation}"
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


def test_every_measure_has_a_case(engine: Any) -> None:
    covered = {case["measure"] for _, _, case in CASES}
    uncovered = [m.id for m in engine.catalogue.measures if m.id not in covered]
    assert not uncovered, f"measures without a hand-computed case: {uncovered}"
