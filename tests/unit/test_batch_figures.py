"""Block-wide figures (``advisor.batch.figures``) are the figures functions' figures.

For every numeric amount kind, a block of generated answers (None, small and huge ints,
Decimals with cents and with fractions of a yuan, values exactly at, and a hair either side
of, every threshold, cap and step of the rule; rates like 0.3, 0.05, 1, 0.123 and long ones)
goes through the kind's kernel; wherever the kernel gives figures, each company's equal what
``ratio_figures`` / ``tiers_figures`` / ... give for its answers (and the kernel must give them
for ordinary answers: bailing out is allowed only where a value or a bound needs it). The
table entry ``figures_amount`` makes equals ``amount_tuple(AmountResult(...))``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor import rule_model as rm
from advisor.amounts import (
    AmountResult,
    base_plus_step_figures,
    excess_refund_figures,
    per_unit_figures,
    ratio_figures,
    tiers_figures,
)
from advisor.batch import figures as block_figures
from advisor.batch.evaluate import amount_tuple, figures_amount, figures_amounts

RATES = st.one_of(
    st.sampled_from(["0.3", "0.05", "1", "0.123", "0.10", "0.50", "0.03", "0.0001", "0.333333333333333333333333"]),
    st.decimals(min_value=Decimal("0.0001"), max_value=1, places=4).map(str),
).map(Decimal)
WAN = st.one_of(
    st.sampled_from(["0", "1", "100", "200", "3000", "0.5", "0.0001"]),
    st.decimals(min_value=0, max_value=10**6, places=2).map(str),
).map(Decimal)


def _answers(data: st.DataObject, near: list[Decimal], size: int | None = None) -> list[Any]:
    """A block's answers to one 万元 fact: ordinary, odd, huge, and at or beside ``near``."""
    beside = st.sampled_from(near or [Decimal(0)]).flatmap(
        lambda v: st.sampled_from([v, v - Decimal("0.0001"), v + Decimal("0.0001"), v - 1, v + 1, -v])
    )
    value = st.one_of(
        st.none(),
        st.integers(min_value=-(10**6), max_value=10**7),
        st.decimals(min_value=-(10**6), max_value=10**7, places=2),
        st.decimals(min_value=0, max_value=10**5, places=6),  # fractions of a yuan: to_yuan refuses
        st.integers(min_value=-(10**25), max_value=10**25),
        beside,
    )
    return data.draw(st.lists(value, min_size=size or 1, max_size=size or 40))


def _ordinary(values: list[Any]) -> bool:
    """Answers every kernel must take: None, or whole yuan of ordinary size."""
    return all(v is None or (abs(v) < 10**9 and (Decimal(v) * 10000) % 1 == 0) for v in values)


def _column(values: list[Any]) -> tuple[block_figures.YuanColumn, np.ndarray]:
    """A column as a block holds it: distinct values (None possibly more than once, as a
    derived column) and each company's code."""
    distinct: list[Any] = [None]  # a None no company has
    codes = []
    for value in values:
        if value is None:
            distinct.append(None)
            codes.append(len(distinct) - 1)
            continue
        at = next((i for i, v in enumerate(distinct) if v is not None and type(v) is type(value) and v == value), None)
        if at is None:
            distinct.append(value)
            at = len(distinct) - 1
        codes.append(at)
    return block_figures.YuanColumn(distinct), np.array(codes, dtype=np.int64)


def _check(kernel: Any, amount: Any, answers: list[list[Any]], reference: Any, must: bool) -> None:
    """The kernel's figures equal ``reference(amount, *answers of each company)`` wherever it
    gives them; it gives them when ``must``."""
    columns = [_column(values) for values in answers]
    try:
        figured = kernel(amount, [c for c, _ in columns], [codes for _, codes in columns])
    except Exception:
        figured = None
    if (
        figured is not None
        and len(figured.values)
        and block_figures.largest(figured.values) >= block_figures.FIGURE_LIMIT
    ):
        figured = None  # the evaluator takes the quick path for these
    assert figured is not None or not must
    if figured is None:
        return
    written = block_figures.canonical(figured)
    pairs: dict[tuple[int, int], Any] = {}
    for company, row in enumerate(zip(*answers, strict=True)):
        expected = reference(amount, *row)
        for output in (figured, written):
            got = output.figures(int(output.forms[company]), int(output.values[company]))
            assert got == expected, (row, got)
        pairs[(int(written.forms[company]), int(written.values[company]))] = expected
    # written canonically, distinct (form, value) pairs are distinct figures
    assert len(set(pairs.values())) == len(pairs)


@settings(max_examples=400, deadline=None)
@given(data=st.data(), rate=RATES, cap=st.one_of(st.none(), WAN), up_to=st.booleans())
def test_ratio(data: Any, rate: Decimal, cap: Decimal | None, up_to: bool) -> None:
    amount = rm.Ratio(kind="ratio", base="b", rate=rate, cap_wan=cap, up_to=up_to)
    near = [cap / rate] if cap is not None else []
    base = _answers(data, near)
    _check(block_figures.ratio, amount, [base], ratio_figures, _ordinary(base) and len(str(rate)) < 12)


@settings(max_examples=400, deadline=None)
@given(data=st.data(), rate=RATES)
def test_excess_refund(data: Any, rate: Decimal) -> None:
    amount = rm.ExcessRefund(kind="excess_refund", paid="p", base="b", rate=rate, text="超过部分即征即退")
    base = _answers(data, [])
    paid = data.draw(st.lists(st.one_of(st.none(), st.integers(-100, 10**6)), min_size=len(base), max_size=len(base)))
    paid = [
        p if p is None or b is None else data.draw(st.sampled_from([p, b * rate, b * rate + 1]))
        for p, b in zip(paid, base, strict=True)
    ]
    _check(
        block_figures.excess_refund,
        amount,
        [paid, base],
        excess_refund_figures,
        _ordinary(base) and _ordinary(paid) and len(str(rate)) < 12,
    )


@settings(max_examples=400, deadline=None)
@given(
    data=st.data(),
    tiers=st.lists(st.tuples(WAN, WAN), min_size=1, max_size=5),
    rewarded=st.booleans(),
)
def test_tiers(data: Any, tiers: list[tuple[Decimal, Decimal]], rewarded: bool) -> None:
    thresholds = sorted(t for t, _ in tiers)
    amount = rm.Tiers(
        kind="tiers",
        fact="v",
        tiers=[rm.Tier(threshold_wan=t, award_wan=a) for t, (_, a) in zip(thresholds, tiers, strict=True)],
        rewarded="r" if rewarded else None,
    )
    level = _answers(data, thresholds)
    answers = [level]
    if rewarded:
        answers.append(
            data.draw(
                st.lists(st.sampled_from([None, *thresholds, Decimal(-1)]), min_size=len(level), max_size=len(level))
            )
        )

    def reference(a: rm.Tiers, value: Any, paid: Any = None) -> Any:
        return tiers_figures(a, value, paid)

    _check(block_figures.tiers, amount, answers, reference, all(map(_ordinary, answers)))


@settings(max_examples=400, deadline=None)
@given(
    data=st.data(),
    threshold=WAN,
    base=WAN,
    step=WAN.filter(lambda v: v > 0),
    step_award=WAN,
    rewarded=st.booleans(),
)
def test_base_plus_step(
    data: Any, threshold: Decimal, base: Decimal, step: Decimal, step_award: Decimal, rewarded: bool
) -> None:
    amount = rm.BasePlusStep(
        kind="base_plus_step",
        fact="v",
        threshold_wan=threshold,
        base_wan=base,
        step_wan=step,
        step_award_wan=step_award,
        rewarded="r" if rewarded else None,
    )
    near = [threshold + k * step for k in range(3)]
    level = _answers(data, near)
    answers = [level]
    if rewarded:
        answers.append(_answers(data, near, len(level)))

    def reference(a: rm.BasePlusStep, value: Any, paid: Any = None) -> Any:
        return base_plus_step_figures(a, value, paid)

    # the kernel bounds (largest level + threshold) / step x step award, in yuan, before computing
    largest = max((abs(v) for values in answers for v in values if v is not None), default=0) * 10000
    steps = (largest + threshold * 10000) / (step * 10000) + 1
    small = steps * step_award * 10000 + base * 10000 < 2**57
    _check(block_figures.base_plus_step, amount, answers, reference, small and all(map(_ordinary, answers)))


@settings(max_examples=400, deadline=None)
@given(
    data=st.data(),
    rate=st.one_of(st.sampled_from(["30", "15", "0.5", "1"]), st.decimals(0, 1000, places=2).map(str)).map(Decimal),
    months=st.integers(1, 36),
    cap=st.one_of(st.none(), WAN),
    actual=st.booleans(),
)
def test_per_unit(data: Any, rate: Decimal, months: int, cap: Decimal | None, actual: bool) -> None:
    amount = rm.PerUnit(
        kind="per_unit",
        quantity="q",
        unit_rate_yuan=rate,
        unit_label="元/平方米/月",
        months=months,
        actual_cost="c" if actual else None,
        cap_wan=cap,
    )
    quantity = data.draw(
        st.lists(st.one_of(st.none(), st.integers(-10, 10**6), st.integers(-(10**20), 10**20)), min_size=1, max_size=40)
    )
    answers = [quantity]
    if actual:
        near = [Decimal(q or 0) * rate * months / 10000 for q in quantity[:5]]
        answers.append(_answers(data, near, len(quantity)))
    ordinary = all(q is None or abs(q) < 10**9 for q in quantity) and all(map(_ordinary, answers[1:]))
    _check(block_figures.per_unit, amount, answers, per_unit_figures, ordinary)


def test_per_unit_takes_only_counts() -> None:
    """A quantity that is not an int (a Decimal count) is left to the figures function."""
    amount = rm.PerUnit(kind="per_unit", quantity="q", unit_rate_yuan=Decimal(30), unit_label="元", months=12)
    column, codes = _column([Decimal("1.5"), 3])
    assert block_figures.per_unit(amount, [column], [codes]) is None
    for huge in (-(2**63), 2**63, 2**58):  # the int64 minimum too (its magnitude is not an int64)
        column, codes = _column([huge, 3])
        assert block_figures.per_unit(amount, [column], [codes]) is None
    column, codes = _column([3, None, 2**40])
    figured = block_figures.per_unit(amount, [column], [codes])
    assert figured is not None
    got = [figured.figures(int(f), int(v)) for f, v in zip(figured.forms, figured.values, strict=True)]
    assert got == [per_unit_figures(amount, q) for q in (3, None, 2**40)]


@given(
    kind=st.sampled_from(["exact", "up_to", "unknown"]),
    low=st.one_of(st.none(), st.integers(-(10**20), 10**20)),
    high=st.one_of(st.none(), st.integers(-(10**20), 10**20)),
    per_year=st.booleans(),
    years=st.integers(1, 5),
)
def test_figures_amount_is_amount_tuple(
    kind: str, low: int | None, high: int | None, per_year: bool, years: int
) -> None:
    made = figures_amount((kind, low, high), per_year, years)
    reference = amount_tuple(AmountResult(kind, low, high, per_year, years))
    assert made[:8] == reference[:8]
    assert made[8].value == reference[8].value


def _bails(amount: Any, columns: Any, codes: Any) -> None:
    return None


def _raises(amount: Any, columns: Any, codes: Any) -> None:
    raise ArithmeticError("a rule part refused")


def test_the_evaluator_uses_kernels_and_falls_back_to_the_quick_path(engine: Any) -> None:
    """Every numeric measure's figures come from its kernel; a kernel that bails out or raises
    leaves the measure to the quick path, with the very same outcomes (and so RowEvaluator's,
    which ``test_batch_vector`` holds the evaluator to)."""
    import datetime as dt
    import sys
    from pathlib import Path

    from advisor.batch.engine_api import profile_facts
    from advisor.batch.vector import VectorEvaluator
    from advisor.profile_io import profile_from_data

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from benchmarks.synthetic import random_profiles

    as_of = dt.date(2026, 11, 21)
    companies = [profile_facts(profile_from_data(d)) for d in random_profiles(1500, seed=7, answered=0.8)]
    with_kernels = VectorEvaluator(engine, as_of)
    kinds = {type(with_kernels.measures[i].amount) for i in with_kernels._kernels}
    assert kinds == set(block_figures.KERNELS)  # the catalogue has every kind: each kernel is exercised
    calls: list[int] = []
    kernel_of = with_kernels._kernels

    def counted(index: int) -> Any:
        def call(amount: Any, columns: Any, codes: Any) -> Any:
            found = kernel_of[index](amount, columns, codes)
            calls.append(found is not None)
            return found

        return call

    with_kernels._kernels = {i: counted(i) for i in kernel_of}
    expected = with_kernels.assess(companies)
    assert calls and all(calls)  # every kernel gave figures for these ordinary answers
    for fallback in (_bails, _raises):
        without = VectorEvaluator(engine, as_of)
        without._kernels = dict.fromkeys(without._kernels, fallback)
        got = without.assess(companies)
        for company in range(len(companies)):
            want = [(s, *a[:8], a[8].value, c) for s, a, c in expected.outcomes(company)]
            have = [(s, *a[:8], a[8].value, c) for s, a, c in got.outcomes(company)]
            assert have == want


@given(
    many=st.lists(
        st.tuples(
            st.sampled_from(["exact", "up_to", "unknown"]),
            st.one_of(st.none(), st.integers(-(10**20), 10**20)),
            st.one_of(st.none(), st.integers(-(10**20), 10**20)),
        ),
        max_size=6,
    ),
    per_year=st.booleans(),
    years=st.integers(1, 5),
)
def test_figures_amounts_are_amount_tuples(
    many: list[tuple[str, int | None, int | None]], per_year: bool, years: int
) -> None:
    """The list version (the batch's loop) makes each entry as ``amount_tuple`` would, in order."""
    made = figures_amounts(many, per_year, years)
    assert len(made) == len(many)
    for entry, (kind, low, high) in zip(made, many, strict=True):
        reference = amount_tuple(AmountResult(kind, low, high, per_year, years))
        assert entry[:8] == reference[:8]
        assert entry[8].value == reference[8].value


@given(
    pairs=st.lists(st.tuples(st.integers(-(2**57), 2**57), st.integers(0, 3)), max_size=8),
)
def test_figures_of_is_figures_pair_by_pair(pairs: list[tuple[int, int]]) -> None:
    """``Figured.figures_of`` (value, form pairs) gives ``Figured.figures`` of each pair, constants included."""
    constants: list[Any] = [("unknown", None, None), ("up_to", 0, 7)]
    figured = block_figures.Figured(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), constants)
    assert figured.figures_of(pairs) == [figured.figures(form, value) for value, form in pairs]


def test_rule_parts_are_read_once_per_rule_and_errors_are_not_kept() -> None:
    """A kernel reads its rule's parts once (the same figures on every later block, even where
    the rule reads differently in another ratio) and an error in a rule is raised at each block."""
    columns = [_column([Decimal(100), None, Decimal("2.5")])]

    def run(amount: rm.Ratio) -> list[Any]:
        figured = block_figures.ratio(amount, [c for c, _ in columns], [codes for _, codes in columns])
        assert figured is not None
        return [figured.figures(int(f), int(v)) for f, v in zip(figured.forms, figured.values, strict=True)]

    capped = rm.Ratio(kind="ratio", base="b", rate=Decimal("0.3"), cap_wan=Decimal(20), up_to=True)
    uncapped = rm.Ratio(kind="ratio", base="b", rate=Decimal("0.5"), cap_wan=None, up_to=False)
    for _ in range(2):  # the second time from the kept parts
        for amount in (capped, uncapped):
            assert run(amount) == [ratio_figures(amount, v) for v in (Decimal(100), None, Decimal("2.5"))]
    bad = rm.Ratio(kind="ratio", base="b", rate=Decimal("0.3"), cap_wan=Decimal("0.00001"), up_to=True)
    for _ in range(2):
        with pytest.raises(ValueError):
            block_figures.ratio(bad, [c for c, _ in columns], [codes for _, codes in columns])
