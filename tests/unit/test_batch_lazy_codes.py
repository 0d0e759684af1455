"""Codes lists made only when read, and the decoder's plain flag.

A column pyarrow read holds its codes as a numpy array; ``Column.codes`` makes the list
(``code_list``) the first time something reads it, and it must be exactly ``array.tolist()``
(ints, whatever the array's integer type, past a byte and past the shared ints made so far).
``joint_column`` must number cells as ``factorise`` of the zipped codes does, with or without
arrays. ``_Memo.checked_values`` says a column is plain exactly when no NOT_PLAIN came out,
for every field's memo, on plain and hostile cells: a column it calls plain is never marked.
"""

from __future__ import annotations

import typing
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from advisor.batch import columns
from advisor.batch.columns import Column, code_list, factorise, joint_column
from advisor.batch.plan import NOT_PLAIN, _item_models, _kind, _Memo
from advisor.profile import FACT_SECTIONS, Profile

np = pytest.importorskip("numpy")

_DTYPES = ["int8", "int16", "int32", "int64", "uint8", "uint32"]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    distinct=st.sampled_from([1, 2, 127, 255, 256, 257, 1000, 4097, 70_000]),
    size=st.integers(min_value=0, max_value=400),
    dtype=st.sampled_from(_DTYPES),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_code_list_is_tolist(distinct: int, size: int, dtype: str, seed: int) -> None:
    top = min(distinct, int(np.iinfo(dtype).max) + 1)
    array = np.random.default_rng(seed).integers(0, top, size=size).astype(dtype)
    found = code_list(array, distinct)
    assert found == array.tolist()
    assert all(type(code) is int for code in found)


def test_an_array_column_makes_its_list_only_when_read() -> None:
    array = np.array([2, 0, 1, 2, 300], dtype=np.int32)
    column = Column(None, [f"值{n}" for n in range(301)], array)
    same_codes = column.with_values(list(range(301)))
    assert len(column) == 5 and len(same_codes) == 5
    assert column._codes is None and same_codes._codes is None  # len and with_values make no list
    assert column.codes == [2, 0, 1, 2, 300]
    assert column.value(4) == "值300" and same_codes.value(4) == 300
    assert column.with_values([]).codes is column.codes  # a list once made is shared
    column.codes = [0]
    assert column.codes == [0] and len(column) == 1
    with pytest.raises(ValueError):
        Column(None, ["a"])


@st.composite
def _parts(draw: st.DrawFn) -> list[list[int]]:
    size = draw(st.integers(min_value=1, max_value=200))
    parts = []
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        width = draw(st.sampled_from([1, 2, 3, 50, 300, 70_000]))
        seed = draw(st.integers(min_value=0, max_value=2**32 - 1))
        parts.append(np.random.default_rng(seed).integers(0, width, size=size).tolist())
    return parts


@settings(max_examples=200, deadline=None, derandomize=True)
@given(parts=_parts(), how=st.sampled_from(["arrays", "lists", "mixed"]), numpy_from=st.sampled_from([1, 10_000]))
def test_joint_column_is_factorise(parts: list[list[int]], how: str, numpy_from: int) -> None:
    expected_codes, expected_combos = factorise(zip(*parts, strict=True))
    made = []
    for n, part in enumerate(parts):
        array = np.array(part, dtype=np.int32)
        if how == "arrays" or (how == "mixed" and n % 2):
            made.append(Column(None, list(range(max(part) + 1)), array))
        else:
            made.append(Column(part, list(range(max(part) + 1))))
    with patch.object(columns, "_NUMPY_FROM", numpy_from):
        joint = joint_column(made)
    assert joint.codes == expected_codes
    assert joint.values == expected_combos
    assert all(type(code) is int for combo in joint.values for code in combo)
    if joint.array is not None:
        assert how == "arrays" and numpy_from == 1
        assert joint.array.tolist() == expected_codes


def _memos() -> list[_Memo]:
    """A memo for every field of the profile's sections and its item models (lists left out)."""
    models: list[type[BaseModel]] = [
        typing.cast(type[BaseModel], Profile.model_fields[s].annotation) for s in FACT_SECTIONS
    ]
    models += list(_item_models().values())
    return [
        _Memo(model, key, _kind(info), 10)
        for model in models
        for key, info in model.model_fields.items()
        if _kind(info) != "list"
    ]


MEMOS = _memos()
_CELLS = st.sampled_from(
    [
        *("", " ", "是", "否", "true", "1", "0", "12", "12.5", "-1", "1e3", "１２", "2024", "1949", "深圳市", "南山区"),
        *("abc", "\x1b[31m", "\u202e1", "x" * 300, "1,000", "99999999999"),
    ]
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(index=st.integers(min_value=0, max_value=len(MEMOS) - 1), cells=st.lists(_CELLS, min_size=1, max_size=30))
def test_a_column_is_plain_exactly_when_no_cell_is_refused(index: int, cells: list[str]) -> None:
    memo = MEMOS[index]
    distinct = list(dict.fromkeys(cells))
    values, plain = memo.checked_values(distinct)
    assert plain == all(value is not NOT_PLAIN for value in values)
    if plain:
        assert values == [memo.read(cell) for cell in distinct]
