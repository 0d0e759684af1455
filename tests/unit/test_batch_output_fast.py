"""The writer's whole-block shortcuts give what the value-by-value reference gives.

The 万元 texts formatted as int64 arrays against ``yuan_to_wan``; the text-column checks
(``str.isprintable``, the risky first characters) against ``text_cell``; blocks large enough
for every array path against the reference writer of ``test_batch_writer``.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor.batch import output
from advisor.batch.engine_api import ELIGIBLE, INELIGIBLE, POSSIBLE
from advisor.batch.evaluate import NO_AMOUNT, Assessed
from advisor.money import yuan_to_wan
from advisor.rulestore import load_engine
from advisor.terminal_text import is_clean
from tests.unit.test_batch_writer import amount, as_numpy, ref_summary, ref_text_cell, ref_write, write

np = pytest.importorskip("numpy")

INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
EDGES = [0, 1, 9_999, 10_000, 10_001, 5_000, -1, -5_000, -10_001, 2**63 - 1, -(2**63), -(2**63) + 1]


def ref_wan(value: int | None) -> str:
    return "" if value is None else format(yuan_to_wan(value), "f")


@given(st.lists(INT64 | st.sampled_from(EDGES), max_size=200))
def test_int64_arrays_give_the_wan_text_of_each_value(values: list[int]) -> None:
    yuan = np.array(values, dtype=np.int64)
    assert output._wan_of_int64(np, yuan) == [ref_wan(v) for v in values]
    assert output._wan_totals(np, yuan) == [ref_wan(v) for v in values]


@given(
    st.lists(st.none() | INT64 | st.sampled_from(EDGES), min_size=output._VECTOR_MIN, max_size=300),
    st.sampled_from([None, 2**63, -(2**63) - 1, 10**25 + 3]),
)
def test_long_lists_of_figures_give_the_wan_text_of_each_value(values: list[int | None], beyond: int | None) -> None:
    assert output._wan_list(values, np) == [ref_wan(v) for v in values]
    assert output._wan_list(values, None) == [ref_wan(v) for v in values]
    if beyond is not None:  # a figure beyond int64 sends the list through the kept texts
        mixed = [*values, beyond]
        assert output._wan_list(mixed, np) == [ref_wan(v) for v in mixed]


def test_absent_figures_and_the_absent_marker_itself_are_told_apart() -> None:
    values: list[int | None] = [None, output._ABSENT, 12_345, None] * output._VECTOR_MIN
    assert output._wan_list(values, np) == ["", "-922337203685477.5808", "1.2345", ""] * output._VECTOR_MIN


@given(st.text())
def test_printable_text_is_clean(text: str) -> None:
    if text.isprintable():
        assert is_clean(text)


def test_clean_text_can_hold_only_these_risky_first_characters() -> None:
    for char in output._CELL_RISKY_FIRST:
        assert (char in output._CLEAN_RISKY_FIRST) == is_clean(char), repr(char)


_NAME_PARTS = ["深圳", "科技", "-", "=", "+1", "@", " ", "\u3000", ",", '"', "\x1b", "\u202e", "a", "", "\t", "'"]


@given(st.lists(st.none() | st.lists(st.sampled_from(_NAME_PARTS), max_size=4).map("".join), max_size=30))
def test_text_columns_are_the_cells_of_each_text(values: list[str | None]) -> None:
    assert output._text_column(values) == [ref_text_cell(v) for v in values]
    plain = [f"深圳{i}科技-有限公司" for i in range(5)]  # risky characters only inside: no change
    assert output._text_column([*plain, "-1"]) == [*plain, "'-1"]


def many_figures_block(rng: random.Random, measures: int, companies: int) -> tuple[list[Any], Assessed]:
    """A block whose measures have a company's own amount each (more distinct figures than
    ``_VECTOR_MIN``, so the array paths run), some outcomes with equal figures, some absent."""
    tables, codes = [], []
    for index in range(measures):
        table: list[Any] = [(INELIGIBLE, NO_AMOUNT, False)]
        for _ in range(companies if index % 2 == 0 else 3):
            low = rng.choice([None, 0, rng.randrange(10**9), rng.randrange(10**4), -rng.randrange(10**5)])
            high = None if low is None else low + rng.choice([0, 1, 5_000, rng.randrange(10**10)])
            status = rng.choice([ELIGIBLE, POSSIBLE])
            table.append((status, amount(low, high), rng.random() < 0.7))
        table.append(table[-1])  # equal figures twice
        tables.append(table)
        codes.append([rng.randrange(len(table)) for _ in range(companies)])
    people = [(str(2 + i), f"深圳{i}号科技有限公司", f"91440300MA5{i:07d}") for i in range(companies)]
    return people, Assessed(tables, codes)


@pytest.mark.parametrize("fmt", ["wide", "long"])
def test_blocks_with_many_distinct_figures_write_the_reference_bytes(fmt: str) -> None:
    ids = [m.id for m in load_engine().catalogue.measures[:6]]
    companies, block = many_figures_block(random.Random(14), len(ids), 300)
    expected = ref_write(ids, companies, block, fmt)
    for numpy, assessed in ((True, block), (True, as_numpy(block)), (False, block)):
        data, summary = write(fmt, ids, companies, assessed, numpy)
        assert data == expected, (numpy, type(assessed.codes[0]))
        assert +summary == +ref_summary(block)


def test_a_block_without_measures_writes_the_companies_alone() -> None:
    companies = [("2", "深圳甲公司", None), ("3", "=乙", "91440300MA5XXXXXXX")]
    for numpy in (True, False):
        data, summary = write("wide", [], companies, Assessed([], []), numpy)
        assert data == ref_write([], companies, Assessed([], []), "wide")
        assert data == "2,深圳甲公司,,0,0,0,0,0,0\r\n3,'=乙,91440300MA5XXXXXXX,0,0,0,0,0,0\r\n".encode()
        assert not summary
