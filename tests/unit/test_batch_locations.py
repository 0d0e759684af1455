"""The decoder keeps as plain exactly the records whose city and district answers a profile
file would take together (``PlainDecoder._check_locations``: only keys with a district
answered are checked, the others taken as they are), for any mix of cities and districts."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.batch.plan import ColumnPlan, PlainDecoder
from advisor.errors import ProfileError
from advisor.facts import derived_fact_columns
from advisor.profile_io import profile_from_data

_HEADER = [
    "identity.name",
    "identity.registered_city",
    "identity.registered_district",
    "identity.tax_city",
    "identity.tax_district",
    "identity.stats_district",
]
_CITIES = st.sampled_from(["", "深圳市", "广州市", "其他"])
_DISTRICTS = st.sampled_from(["", "光明区", "南山区", "天河区", "某区"])
_RECORD = st.tuples(_CITIES, _DISTRICTS, _CITIES, _DISTRICTS, _DISTRICTS)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(_RECORD, min_size=1, max_size=40))
def test_kept_records_are_those_a_profile_takes(cells: list[tuple[str, ...]]) -> None:
    plan = ColumnPlan(_HEADER)
    records = [[f"公司{i}", *record] for i, record in enumerate(cells)]
    _, kept = PlainDecoder(plan, derived_fact_columns).columns_block(records)
    taken = []
    for position, record in enumerate(records):
        try:
            profile_from_data(plan.data(record))
        except ProfileError:
            continue
        taken.append(position)
    assert kept == taken


def test_a_district_of_another_city_is_not_plain() -> None:
    plan = ColumnPlan(_HEADER)
    records = [
        ["甲", "广州市", "光明区", "", "", ""],
        ["乙", "深圳市", "光明区", "", "", ""],
        ["丙", "", "", "", "", ""],
    ]
    assert PlainDecoder(plan, derived_fact_columns).columns_block(records)[1] == [1, 2]
