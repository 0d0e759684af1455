"""Every amount's working text (``AmountResult.calculation``), as recorded in
tests/golden/amounts/ before the text was written on first read (issue 9).

Amounts are figures first; the Chinese calculation a consultant reads is written only
when someone reads it. These tests hold that text to what writing it eagerly gave,
for every example and for generated companies (random ones and companies with an
answer exactly at a rule threshold), including the amounts of near misses, and check
that the text is written late from the figures of the match, not from later edits.

A change that should alter the text regenerates the record on purpose
(``UPDATE_GOLDEN=1 pytest tests/unit/test_amount_texts.py``) and the diff is reviewed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sys
from collections.abc import Iterator
from decimal import Decimal as D
from pathlib import Path
from typing import Any

from advisor.amounts import AmountResult, compute_amount
from advisor.engine import Engine
from advisor.profile_io import load_profile, profile_from_data
from advisor.rulestore import load_engine
from tests.unit.test_amounts import measure as _measure

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import edge_profiles, random_profiles, thresholds  # noqa: E402

GOLDEN = ROOT / "tests" / "golden" / "amounts" / "calculations.json"
AS_OF = dt.date(2026, 11, 21)
HEAD_LINES = 60


def _numbers(amount: AmountResult) -> list[Any]:
    return [
        amount.kind,
        amount.min_yuan,
        amount.max_yuan,
        amount.per_year,
        amount.years,
        amount.later_yuan,
        list(amount.missing),
    ]


def _figures(amount: AmountResult) -> list[Any]:
    return [*_numbers(amount), amount.calculation]


def _lines(engine: Engine) -> Iterator[str]:
    """One line per measure and company: figures and text of its amount, then its near miss's."""
    profiles = [("example " + p.stem, load_profile(p)) for p in sorted((ROOT / "examples").glob("*.toml"))]
    generated = random_profiles(400, seed=909) + edge_profiles(400, 31, thresholds(engine.catalogue))
    profiles += [(f"generated {i}", profile_from_data(d)) for i, d in enumerate(generated)]
    for name, profile in profiles:
        for r in engine.match(profile, AS_OF).results:
            near = r.near_miss
            record = [name, r.measure.id, _figures(r.amount), _figures(near.amount) if near else None]
            yield json.dumps(record, ensure_ascii=False, default=str)


def _project(name: str | None, level: str | None, grant: int | None) -> Any:
    from advisor.profile import FundedProject

    return FundedProject(name=name, level=level, grant_wan=None if grant is None else D(grant))


_WHERE = [{"field": "level", "op": "in", "value": ["national", "municipal"]}]
_ITEMS = [_project("甲", "municipal", 1500), _project(None, "national", None), _project("丙", None, 300)]
_ITEMS += [_project("丁", "district", 50), _project("戊", "national", 90)]
_STAGES = [
    {"key": "a", "label": "完成股改", "award_wan": 100},
    {"key": "b", "label": "获交易所受理", "award_wan": 200},
    {"key": "c", "label": "成功上市", "award_wan": 300},
]
_TABLE = [{"key": "n", "label": "国家级", "award_wan": 120}, {"key": "m", "label": "市级", "award_wan": "60.5"}]
_TIERS = [{"threshold_wan": 5000, "award_wan": 150}, {"threshold_wan": 10000, "award_wan": 300}]

#: Amounts the bundled rules do not (yet) write, each with facts that reach its branches.
HAND_BUILT: list[tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]] = [
    ({"kind": "fixed", "value_wan": "12.5"}, [{}], {"per_year": True, "years": 2}),
    ({"kind": "ceiling", "max_wan": 200, "min_wan": 50}, [{}], {"years": 3, "text": "连续3年"}),
    ({"kind": "ceiling", "max_wan": 200}, [{}], {}),
    ({"kind": "ratio", "base": "x", "rate": "0.3"}, [{}, {"x": D("33.3333")}], {}),
    ({"kind": "ratio", "base": "x", "rate": "0.3", "cap_wan": 5, "up_to": True}, [{}, {"x": D(10)}, {"x": D(90)}], {}),
    (
        {"kind": "ratio_items", "items": "p", "item_base": "grant_wan", "rate": "0.2", "where": _WHERE},
        [{}, {"p": []}, {"p": _ITEMS[:1]}, {"p": _ITEMS}],
        {"per_year": True, "years": 2},
    ),
    (
        {
            "kind": "ratio_items",
            "items": "p",
            "item_base": "grant_wan",
            "rate": "0.2",
            "item_cap_wan": 100,
            "total_cap_wan": 150,
            "up_to": True,
            "where": _WHERE,
        },
        [{}, {"p": _ITEMS}, {"p": _ITEMS[3:]}],
        {},
    ),
    (
        {
            "kind": "ratio_items",
            "items": "p",
            "item_base": "grant_wan",
            "rate": "0.5",
            "item_cap_wan": 500,
            "other_reading_total_cap_wan": 200,
        },
        [{"p": _ITEMS}, {"p": _ITEMS[2:]}],
        {},
    ),
    (
        {
            "kind": "per_unit",
            "quantity": "q",
            "unit_rate_yuan": "2.5",
            "unit_label": "元/个/月",
            "months": 6,
            "actual_cost": "c",
            "cap_wan": 1,
        },
        [{}, {"c": D(1)}, {"q": 100}, {"q": 100, "c": D("0.1")}, {"q": 100_000, "c": D(100)}],
        {},
    ),
    ({"kind": "per_unit", "quantity": "q", "unit_rate_yuan": 30, "unit_label": "元/平方米/月"}, [{}, {"q": 7}], {}),
    ({"kind": "tiers", "fact": "v", "tiers": _TIERS}, [{}, {"v": D(100)}, {"v": D(7000)}, {"v": D(12000)}], {}),
    (
        {"kind": "tiers", "fact": "v", "tiers": _TIERS, "rewarded": "r"},
        [{"v": D(12000)}, {"v": D(12000), "r": D(6000)}, {"v": D(12000), "r": D(20000)}],
        {},
    ),
    ({"kind": "table", "fact": "k", "entries": _TABLE, "up_to": True}, [{}, {"k": "m"}, {"k": "x"}], {}),
    ({"kind": "table", "fact": "k", "entries": _TABLE}, [{"k": "n"}], {"years": 2}),
    (
        {
            "kind": "base_plus_step",
            "fact": "v",
            "threshold_wan": 100,
            "base_wan": 10,
            "step_wan": 50,
            "step_award_wan": 3,
        },
        [{}, {"v": D(99)}, {"v": D(260)}],
        {},
    ),
    (
        {
            "kind": "base_plus_step",
            "fact": "v",
            "threshold_wan": 100,
            "base_wan": 10,
            "step_wan": 50,
            "step_award_wan": 3,
            "rewarded": "r",
        },
        [{"v": D(260)}, {"v": D(260), "r": D(150)}, {"v": D(260), "r": D(0)}],
        {},
    ),
    (
        {"kind": "staged", "reached": "s", "rewarded": "paid", "stages": _STAGES},
        [
            {},
            {"s": []},
            {"s": ["a"]},
            {"s": ["c"], "paid": ["a"]},
            {"s": ["b"], "paid": None},
            {"s": ["c"], "paid": []},
        ],
        {},
    ),
    ({"kind": "staged", "reached": "s", "stages": _STAGES}, [{"s": ["b"]}], {}),
    ({"kind": "unquantified", "text": "按档奖励"}, [{}], {"years": 2}),
    ({"kind": "case_by_case", "text": "一事一议"}, [{}], {}),
    ({"kind": "non_monetary", "text": "优先推荐"}, [{}], {}),
    ({"kind": "tax", "text": "加计扣除"}, [{}], {}),
    (
        {
            "kind": "tax",
            "text": "加计扣除",
            "base": "rd",
            "rate": "1.2",
            "tax_rate_fact": "t",
            "tax_rates": [{"key": "std", "rate": "0.25"}, {"key": "hi", "rate": "0.15"}],
        },
        [{}, {"rd": D(800)}, {"rd": D(800), "t": "hi"}, {"rd": D(800), "t": "other"}],
        {},
    ),
    (
        {"kind": "excess_refund", "paid": "vat", "base": "sales", "rate": "0.03", "text": "即征即退"},
        [{}, {"vat": D(130)}, {"vat": D(130), "sales": D(1000)}, {"vat": D(20), "sales": D(1000)}],
        {"per_year": True, "years": 3},
    ),
]


def _hand_built_lines() -> Iterator[str]:
    for amount, cases, duration in HAND_BUILT:
        measure = _measure(amount, **duration)
        for facts in cases:
            result = compute_amount(measure, facts, lambda fact: f"〈{fact}〉")
            yield json.dumps([amount["kind"], _figures(result)], ensure_ascii=False, default=str)


def test_amount_texts_are_unchanged() -> None:
    lines = list(_hand_built_lines()) + list(_lines(load_engine()))
    data = "\n".join(lines).encode("utf-8")
    found = {"sha256": hashlib.sha256(data).hexdigest(), "lines": len(lines), "head": lines[:HEAD_LINES]}
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps(found, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert found["head"] == expected["head"], "the first amounts differ"
    assert found == expected, "a later amount differs (same first lines)"


def test_the_text_is_written_on_first_read_from_the_figures_of_the_computation() -> None:
    """Computing an amount writes no text (the fact labels are not even looked up); reading
    ``calculation`` writes it once, from what was computed, whatever the facts became since."""
    for amount, cases, duration in HAND_BUILT:
        measure = _measure(amount, **duration)
        for facts in cases:
            expected = compute_amount(measure, facts, lambda fact: f"〈{fact}〉").calculation
            asked: list[str] = []

            def label(fact: str, asked: list[str] = asked) -> str:
                asked.append(fact)
                return f"〈{fact}〉"

            changing = dict(facts)
            result = compute_amount(measure, changing, label)
            figures = _numbers(result)
            assert asked == [], (amount["kind"], facts)
            for fact in changing:
                changing[fact] = None  # answers are replaced, never edited in place
            assert result.calculation == expected, (amount["kind"], facts)
            assert result.calculation is result.calculation  # written once, then kept
            assert _numbers(result) == figures


def test_an_amount_compares_and_prints_with_its_text() -> None:
    """Two amounts are equal when figures and text are; ``repr`` shows the text."""
    measure = _measure({"kind": "ratio", "base": "x", "rate": "0.3", "cap_wan": 200})
    first = compute_amount(measure, {"x": D(100)}, str)
    second = compute_amount(measure, {"x": D(100)}, str)
    other = compute_amount(measure, {"x": D(101)}, str)
    assert first == second and first != other
    assert "30% × 100万元 = 30万元" in repr(first)
    written = AmountResult("exact", 1, 1, calculation="原文定额")
    assert written.calculation == "原文定额" and written == AmountResult("exact", 1, 1, calculation="原文定额")
    assert written != AmountResult("exact", 1, 1, calculation="另一段文字")
