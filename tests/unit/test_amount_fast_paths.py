"""An answer's 万元 in yuan (``amounts.to_yuan``, integer arithmetic for the usual int values,
``wan_to_yuan``'s own product without its conversions for Decimal ones) is exactly ``wan_to_yuan(Decimal(value))``: the same figure, or the same
error, for every kind of value, huge, odd and hostile ones included, and in a decimal
context of lower precision too (where the Decimal way rounds and so decides)."""

from __future__ import annotations

from decimal import Decimal, DecimalException, Inexact, Rounded, localcontext
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from advisor.amounts import compute_amount, to_yuan, to_yuan_many
from advisor.money import wan_to_yuan
from tests.unit.test_amounts import measure as _measure

values = st.one_of(
    st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.decimals(min_value=-(10**9), max_value=10**9, places=4),
    st.decimals(min_value=0, max_value=10**6, places=2),
    st.decimals(places=8),
    st.booleans(),
    st.floats(),
    st.text(max_size=6),
    st.sampled_from(["1.5", "NaN", "-0", "1e30", "  3 ", "二"]),
)


def _outcome(convert: Any, value: Any) -> tuple[str, Any]:
    try:
        return "yuan", convert(value)
    except Exception as error:  # the kind of exception is what we compare
        return "raised", type(error)


def _reference(value: Any) -> int:
    return wan_to_yuan(Decimal(value))


@settings(max_examples=3000, deadline=None)
@given(value=values)
@example(value=Decimal("1.00005"))  # not whole yuan: ValueError
@example(value=Decimal("1.000000000000000000000000000001"))  # rounded by the Decimal way
@example(value=Decimal("123456789012345678901234.5"))
@example(value=10**24)
@example(value=10**24 - 1)
@example(value=-(10**30) + 7)
@example(value=Decimal("sNaN"))
@example(value=Decimal("-Infinity"))
@example(value=Decimal("-0.0000"))
@example(value=True)
@example(value=Decimal("1E+30"))
def test_to_yuan_equals_wan_to_yuan(value: Any) -> None:
    fast = _outcome(to_yuan, value)
    assert fast == _outcome(_reference, value)
    if fast[0] == "yuan":
        assert type(fast[1]) is int


@settings(max_examples=300, deadline=None)
@given(value=values, precision=st.integers(min_value=4, max_value=40))
def test_to_yuan_follows_the_decimal_context(value: Any, precision: int) -> None:
    with localcontext() as context:
        context.prec = precision
        assert _outcome(to_yuan, value) == _outcome(_reference, value)


@settings(max_examples=300, deadline=None)
@given(value=values, precision=st.integers(min_value=4, max_value=40), trap=st.sampled_from([Inexact, Rounded]))
@example(value=Decimal("1.00005"), precision=28, trap=Inexact)
@example(value=Decimal("123456789012345678901234.5"), precision=28, trap=Rounded)
def test_to_yuan_signals_as_wan_to_yuan_does(value: Any, precision: int, trap: type[DecimalException]) -> None:
    """A context that traps rounding: the same figure, or the same signal raised, and the same
    flags left set (both take the same product)."""
    with localcontext() as context:
        context.prec = precision
        context.traps[trap] = True
        context.clear_flags()
        fast = _outcome(to_yuan, value)
        fast_flags = {signal for signal, raised in context.flags.items() if raised}
        context.clear_flags()
        assert fast == _outcome(_reference, value)
        assert fast_flags == {signal for signal, raised in context.flags.items() if raised}


def _each(values: list[Any]) -> list[int]:
    return [to_yuan(value) for value in values]


@settings(max_examples=1000, deadline=None)
@given(
    values=st.one_of(
        st.lists(values, max_size=8),
        st.lists(st.decimals(allow_nan=True, allow_infinity=True), max_size=8),
        st.lists(st.decimals(min_value=-(10**9), max_value=10**9, places=4), max_size=30),
        st.lists(st.decimals(min_value=0, max_value=10**30, places=2), max_size=8),
    ),
    precision=st.sampled_from([28, 28, 40, 6]),
)
@example(values=[Decimal("1"), Decimal("1.00005")], precision=28)  # one not whole: to_yuan's error
@example(values=[Decimal("2"), Decimal("sNaN"), Decimal("3")], precision=28)
@example(values=[Decimal("1"), 2], precision=28)  # not all Decimals: value by value
@example(values=[Decimal("123456789012345678901234.5")], precision=28)
def test_to_yuan_many_is_to_yuan_of_each(values: list[Any], precision: int) -> None:
    """A list's figures are each value's ``to_yuan``, or the list raises what ``to_yuan`` raises
    on the first value it refuses, in any decimal context."""
    with localcontext() as context:
        context.prec = precision
        many = _outcome(to_yuan_many, values)
        assert many == _outcome(_each, values)
        if many[0] == "yuan":
            assert all(type(yuan) is int for yuan in many[1])


def _floor(value: Decimal) -> int:
    return int(value.to_integral_value(rounding="ROUND_FLOOR"))


@settings(max_examples=500, deadline=None)
@given(
    base=st.one_of(st.integers(min_value=0, max_value=10**8), st.decimals(min_value=0, max_value=10**8, places=4)),
    paid=st.one_of(st.integers(min_value=0, max_value=10**6), st.decimals(min_value=0, max_value=10**6, places=4)),
)
def test_amounts_read_answers_as_wan_to_yuan_does(base: Any, paid: Any) -> None:
    """Through compute_amount: a ratio and an excess refund give the figures of the Decimal way."""
    ratio = _measure({"kind": "ratio", "rate": "0.3", "base": "x", "cap_wan": 500})
    result = compute_amount(ratio, {"x": base}, lambda f: f)
    assert result.max_yuan == min(_floor(Decimal("0.3") * wan_to_yuan(Decimal(base))), 5_000_000)
    refund = _measure({"kind": "excess_refund", "paid": "p", "base": "b", "rate": "0.03", "text": "即征即退"})
    result = compute_amount(refund, {"p": paid, "b": base}, lambda f: f)
    threshold = _floor(Decimal("0.03") * wan_to_yuan(Decimal(base)))
    assert result.max_yuan == max(wan_to_yuan(Decimal(paid)) - threshold, 0)


def _floor_reference(value: Decimal) -> int:
    return int(value.to_integral_value(rounding="ROUND_FLOOR"))


@settings(max_examples=2000, deadline=None)
@given(value=st.decimals(allow_nan=True, allow_infinity=True))
@example(value=Decimal("-0"))
@example(value=Decimal("-0.5"))
@example(value=Decimal("2.9999999999999999999999999999"))
@example(value=Decimal("NaN"))
@example(value=Decimal("sNaN"))
@example(value=Decimal("-Infinity"))
def test_floor_equals_rounding_down(value: Decimal) -> None:
    from advisor.amounts import _floor

    assert _outcome(_floor, value) == _outcome(_floor_reference, value)


answers = st.one_of(
    st.none(),
    st.integers(min_value=0, max_value=10**9),
    st.decimals(min_value=0, max_value=10**8, places=4),
    st.decimals(min_value=0, max_value=10**6, places=2),
    st.sampled_from([0, Decimal("0"), Decimal("5000"), Decimal("4999.9999"), 10**5, Decimal("100000.0001")]),
)


def _item_lists() -> dict[str, list[Any]]:
    """Lists of items (funded projects, events) as generated companies answer them."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from advisor.facts import profile_facts
    from advisor.profile_io import profile_from_data
    from benchmarks.synthetic import random_profiles

    lists: dict[str, list[Any]] = {"projects.funded": [None, []], "events.held": [None, []]}
    for data in random_profiles(300, seed=21, answered=0.9):
        facts = profile_facts(profile_from_data(data))
        for fact, pool in lists.items():
            if facts.get(fact):
                pool.append(facts[fact])
    return lists


_ITEM_LISTS = _item_lists()


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_batch_figures_equal_compute_amount(engine: Any, data: Any) -> None:
    """For every real measure batch reads through a figures function (ratio, excess refund,
    tiers...), made as batch makes it (once per block): those figures, with the duration
    applied, are compute_amount's."""
    pytest.importorskip("numpy")
    from advisor.amounts import AmountResult, apply_duration
    from advisor.batch.vector import _quick

    measures = [(m, quick) for m in engine.catalogue.measures if (quick := _quick(m.amount)) is not None]
    assert {type(m.amount).__name__ for m, _ in measures} >= {
        "Ratio",
        "ExcessRefund",
        "Tiers",
        "RatioItems",
        "BasePlusStep",
        "PerUnit",
    }
    for measure, (make_figures, reads) in measures:
        figures_of = make_figures()
        values = [data.draw(st.sampled_from(_ITEM_LISTS[f]) if f in _ITEM_LISTS else answers) for f in reads]
        expected = compute_amount(measure, dict(zip(reads, values, strict=True)), lambda f: f)
        result = AmountResult(*figures_of(*values))
        apply_duration(result, measure.duration)
        fields = ("kind", "min_yuan", "max_yuan", "per_year", "years", "total_min_yuan", "total_max_yuan", "later_yuan")
        assert [getattr(result, f) for f in fields] == [getattr(expected, f) for f in fields], measure.id


@settings(max_examples=500, deadline=None)
@given(
    rate=st.decimals(min_value=Decimal("0.0001"), max_value=1, places=4),
    cap=st.one_of(st.none(), st.decimals(min_value=0, max_value=10**6, places=4)),
    up_to=st.booleans(),
    base=st.one_of(answers, st.decimals(allow_nan=True, allow_infinity=True), st.just(Decimal("1.00005"))),
)
def test_ratio_figures_for_equals_ratio_figures(rate: Decimal, cap: Decimal | None, up_to: bool, base: Any) -> None:
    """The rule read once (``ratio_figures_for``, what batch calls per answer) gives what
    ``ratio_figures`` gives for each answer: the same figures or the same error."""
    from advisor import rule_model as rm
    from advisor.amounts import ratio_figures, ratio_figures_for

    amount = rm.Ratio(kind="ratio", base="x", rate=rate, cap_wan=cap, up_to=up_to)
    assert _outcome(ratio_figures_for(amount), base) == _outcome(lambda b: ratio_figures(amount, b), base)


def test_ratio_figures_for_checks_the_cap_when_made() -> None:
    """A cap that is not whole yuan (no valid rule has one) raises as ``ratio_figures`` does,
    when the function is made: batch makes it only for a block where someone is live."""
    from advisor import rule_model as rm
    from advisor.amounts import ratio_figures, ratio_figures_for

    amount = rm.Ratio.model_construct(kind="ratio", base="x", rate=Decimal("0.5"), cap_wan=Decimal("1.00001"))
    with pytest.raises(ValueError):
        ratio_figures(amount, None)
    with pytest.raises(ValueError):
        ratio_figures_for(amount)
