"""``facts.derived_facts`` (growth written out for the latest year, the context's operations
bound once) gives exactly what the code it replaced gave: the same values, types and texts,
for any revenue table and survey year, as the single-profile engine and the batch read them."""

from __future__ import annotations

from decimal import Context, Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.facts import DERIVED_FACT_IDS, derived_fact_columns, derived_facts, growth_pct

_OLD_GROWTH = Context(prec=60)


def _reference_growth_pct(previous: Decimal | None, current: Decimal | None) -> Decimal | None:
    """``growth_pct`` as it was (commit 7a028e5)."""
    if previous is None or current is None or previous <= 0:
        return None
    return _OLD_GROWTH.divide(_OLD_GROWTH.multiply(_OLD_GROWTH.subtract(current, previous), 100), previous)


def _reference_derived_facts(revenue: dict[int, Decimal] | None, survey_first_year: int | None) -> dict[str, Any]:
    """``derived_facts`` as it was (commit 7a028e5)."""
    if not revenue:
        return dict.fromkeys(DERIVED_FACT_IDS)
    latest = max(revenue)
    first = survey_first_year
    return {
        "derived.latest_revenue_wan": revenue[latest],
        "derived.latest_revenue_growth_pct": _reference_growth_pct(revenue.get(latest - 1), revenue[latest]),
        "derived.survey_next_year_growth_pct": (
            _reference_growth_pct(revenue.get(first), revenue.get(first + 1)) if first is not None else None
        ),
    }


def _shown(facts: dict[str, Any]) -> list[tuple[str, type, str]]:
    return [(k, type(v), str(v)) for k, v in facts.items()]


_AMOUNTS = st.one_of(
    st.decimals(min_value=0, max_value=100_000_000, places=4, allow_nan=False, allow_infinity=False),
    st.integers(min_value=0, max_value=100_000_000).map(Decimal),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.sampled_from([Decimal(0), Decimal("0.0000"), Decimal("-0"), Decimal("1E+3"), Decimal("0.0001")]),
)
_TABLES = st.one_of(st.none(), st.dictionaries(st.integers(min_value=2015, max_value=2030), _AMOUNTS, max_size=5))


@settings(max_examples=2000, deadline=None, derandomize=True)
@given(revenue=_TABLES, first=st.one_of(st.none(), st.integers(min_value=2013, max_value=2031)))
def test_derived_facts_is_the_reference(revenue: dict[int, Decimal] | None, first: int | None) -> None:
    assert _shown(derived_facts(revenue, first)) == _shown(_reference_derived_facts(revenue, first))


@settings(max_examples=1000, deadline=None, derandomize=True)
@given(previous=st.one_of(st.none(), _AMOUNTS), current=st.one_of(st.none(), _AMOUNTS))
def test_growth_pct_is_the_reference(previous: Decimal | None, current: Decimal | None) -> None:
    found, expected = growth_pct(previous, current), _reference_growth_pct(previous, current)
    assert (type(found), str(found)) == (type(expected), str(expected))


def test_growth_on_a_yuan_is_exact() -> None:
    """+1 元 on 1亿元 is growth (not rounded to zero); a year with no revenue before has none."""
    table = {2024: Decimal(10_000), 2025: Decimal("10000.0001")}
    facts = derived_facts(table, 2024)
    assert facts["derived.latest_revenue_growth_pct"] == Decimal("0.000001")
    assert facts["derived.survey_next_year_growth_pct"] == Decimal("0.000001")
    assert derived_facts({2024: Decimal(0), 2025: Decimal(5)}, None)["derived.latest_revenue_growth_pct"] is None


_YEARS = st.lists(st.integers(min_value=2015, max_value=2030), unique=True, max_size=5)


@settings(max_examples=1000, deadline=None, derandomize=True)
@given(years=_YEARS, data=st.data())
def test_derived_fact_columns_are_derived_facts_of_each_company(years: list[int], data: st.DataObject) -> None:
    """Column by column (the batch's plain rows) gives each company what ``derived_facts`` of
    its own table gives: same values, types and texts, whatever the years' order or gaps."""
    size = data.draw(st.integers(min_value=0, max_value=8))
    per_year = [data.draw(st.lists(st.one_of(st.none(), _AMOUNTS), min_size=size, max_size=size)) for _ in years]
    firsts = data.draw(
        st.lists(st.one_of(st.none(), st.integers(min_value=2013, max_value=2031)), min_size=size, max_size=size)
    )
    columns = derived_fact_columns(years, per_year, firsts, size)
    assert list(columns) == list(DERIVED_FACT_IDS)
    for position in range(size):
        table = {year: values[position] for year, values in zip(years, per_year, strict=True)}
        answered = {year: value for year, value in table.items() if value is not None} or None
        expected = derived_facts(answered, firsts[position])
        found = {name: values[position] for name, values in columns.items()}
        assert _shown(found) == _shown(expected)


def test_derived_fact_columns_without_revenue_columns_are_unknown() -> None:
    """No revenue year in the header: every company's derived facts are unknown, one per company."""
    columns = derived_fact_columns([], [], [2024, None, 2025], 3)
    assert columns == {name: [None, None, None] for name in DERIVED_FACT_IDS}
