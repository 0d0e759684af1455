"""``columns.joint_column`` numbers cells by their parts' codes taken together exactly as
``factorise`` of the zipped codes does (same joint codes, same distinct tuples in the same
first-seen order), with numpy arrays (any integer type pyarrow gives, widths whose product
overflows 64 bits) or without."""

from __future__ import annotations

from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.batch import columns
from advisor.batch.columns import Column, factorise, joint_column

np = pytest.importorskip("numpy")


def _column(codes: list[int], array: object = None) -> Column:
    """A column of these codes (as a list, or only as ``array`` when given) over enough values."""
    values = list(range(max(codes) + 1))
    return Column(None, values, array) if array is not None else Column(codes, values)


def _joint(columns: list[Column]) -> tuple[list[int], list[tuple[int, ...]], object]:
    joint = joint_column(columns)
    return joint.codes, joint.values, joint.array


@st.composite
def _parts(draw: st.DrawFn) -> list[list[int]]:
    size = draw(st.integers(min_value=1, max_value=300))
    count = draw(st.integers(min_value=1, max_value=8))
    parts = []
    for _ in range(count):
        width = draw(st.sampled_from([1, 2, 3, 50, 1000, 70_000]))
        seed = draw(st.integers(min_value=0, max_value=2**32 - 1))
        codes = np.random.default_rng(seed).integers(0, width, size=size)
        parts.append(codes.tolist())
    return parts


@settings(max_examples=300, deadline=None, derandomize=True)
@given(parts=_parts(), dtype=st.sampled_from(["int8", "int16", "int32", "int64", "uint32"]))
def test_joint_column_is_factorise(parts: list[list[int]], dtype: str) -> None:
    top = np.iinfo(dtype).max
    parts = [[code % (top + 1) for code in codes] for codes in parts]
    expected_codes, expected_combos = factorise(zip(*parts, strict=True))
    with patch.object(columns, "_NUMPY_FROM", 1):  # numpy for small blocks too
        codes, combos, array = _joint([_column(p, np.array(p, dtype=dtype)) for p in parts])
    assert codes == expected_codes
    assert combos == expected_combos
    assert all(type(code) is int for combo in combos for code in combo)
    assert array.tolist() == expected_codes
    plain = _joint([_column(p) for p in parts])
    assert plain == (expected_codes, expected_combos, None)


def test_widths_past_64_bits_are_renumbered() -> None:
    """Ten parts of 70,000 codes each: their product overflows int64, the codes do not."""
    rng = np.random.default_rng(5)
    parts = [rng.integers(0, 70_000, size=2_000).tolist() for _ in range(10)]
    parts[3] = [69_999] * 2_000
    parts = [p[:1000] * 2 for p in parts]  # every tuple seen twice
    codes, combos, array = _joint([_column(p, np.array(p, dtype=np.int32)) for p in parts])
    assert array is not None  # (numpy's way: 2,000 cells)
    assert (codes, combos) == factorise(zip(*parts, strict=True))
    assert len(combos) == 1000 and codes[1000:] == codes[:1000]


def test_small_blocks_are_hashed() -> None:
    """Under ``_NUMPY_FROM`` cells the codes are hashed (no array made), the same codes all the same."""
    parts = [[1, 0, 1, 2], [0, 0, 0, 5]]
    codes, combos, array = _joint([_column(p, np.array(p)) for p in parts])
    assert (codes, combos, array) == ([0, 1, 0, 2], [(1, 0), (0, 0), (2, 5)], None)
