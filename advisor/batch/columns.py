"""The facts of a block of companies, held column by column.

Per fact: each company's code (an index) and the distinct values the codes point to. A
block of a district's register has few distinct values per fact (a district, a yes/no, a
year), so deciding a condition once per distinct value and spreading the result by code is
what makes batch fast. The decoder (``plan.PlainDecoder``) builds these columns straight
from the CSV cells; companies that come as fact dictionaries (validated profiles) are put in
columns by ``FactColumns.from_rows``. Pure Python: numpy is the evaluator's business, but for
``joint_column`` and the codes lists of columns pyarrow read (their codes come as numpy arrays).
"""

from __future__ import annotations

import functools
import typing
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from itertools import count
from typing import Any

_SCALARS = (str, int, bool, type(None))


def freeze(value: Any) -> Any:
    """A hashable stand-in that differs whenever the value could be read differently."""
    kind = type(value)
    if value is None or kind is str or kind is int or kind is bool:
        return value
    if kind is Decimal:
        return ("D", str(value))
    if kind is list or kind is tuple:
        return ("L", *tuple(freeze(v) for v in value))
    if kind is dict:
        return ("M", *tuple((k, freeze(v)) for k, v in value.items()))
    if hasattr(kind, "model_fields"):
        return (kind.__name__, *tuple(freeze(v) for v in value.__dict__.values()))
    raise TypeError(kind)


def factorise(cells: Iterable[Any]) -> tuple[list[int], list[Any]]:
    """(code per cell, distinct cells in first-seen order) of hashable cells, in one pass:
    a cell seen for the first time takes the next code."""
    position: defaultdict[Any, int] = defaultdict(count().__next__)
    codes = list(map(position.__getitem__, cells))
    return codes, list(position)


#: Below this many cells numpy's fixed cost per call outweighs what sorting saves (callgrind,
#: six parts: 400k instructions against hashing's 120k for 50 cells, 1.1M against 1.2M for 500,
#: 3.9M against 4.6M for 2,000).
_NUMPY_FROM = 1000


def joint_column(columns: Sequence[Column]) -> Column:
    """``factorise`` of the columns' codes taken together (at least one column; per cell, the
    tuple of its code in each column): a column whose values are the distinct tuples in
    first-seen order. With every column's codes given as a numpy array (pyarrow read the block,
    so numpy is there) and ``_NUMPY_FROM`` cells or more, the joint codes are found by sorting
    integers instead of hashing a tuple per cell, numbered in first-seen order all the same, and
    kept as a numpy array (the list made only when read)."""
    arrays = [column.array for column in columns]
    if len(columns[0]) < _NUMPY_FROM or any(array is None for array in arrays):
        return Column(*factorise(zip(*(column.codes for column in columns), strict=True)))
    combos, joint = _joint_arrays(arrays)
    return Column(None, combos, joint)


def _joint_arrays(arrays: Sequence[Any]) -> tuple[list[tuple[int, ...]], Any]:
    """(the distinct tuples in first-seen order, each cell's joint code as a numpy array) of
    numpy arrays of codes of the same length, by sorting integers (see ``joint_column``)."""
    import numpy

    key = numpy.zeros(len(arrays[0]), numpy.int64)
    bound = 1  # key < bound
    for array in arrays:
        part = array.astype(numpy.int64)
        width = int(part.max()) + 1 if len(part) else 1
        if bound * width >= 1 << 62:  # renumbered densely before it could overflow
            distinct, key = numpy.unique(key, return_inverse=True)
            key = key.reshape(-1).astype(numpy.int64)
            bound = len(distinct)
        key = key * width + part
        bound *= width
    _, first, inverse = numpy.unique(key, return_index=True, return_inverse=True)
    order = numpy.argsort(first)  # distinct keys by where each is first seen
    rank = numpy.empty_like(order)
    rank[order] = numpy.arange(len(order))
    joint = rank[inverse.reshape(-1)]
    firsts = first[order]
    combos = list(zip(*(array[firsts].tolist() for array in arrays), strict=True))
    return combos, joint


def code_list(array: Any, distinct: int) -> list[int]:
    """``array.tolist()`` of a numpy array of codes below ``distinct``, made with fewer
    instructions (11 million fewer per 5,000 companies of 93 columns, callgrind): codes that
    fit a byte through ``bytes``, whose items are Python's cached small ints; larger codes
    taken from one shared array of int objects (numpy copies references) instead of a new
    int per cell."""
    if distinct <= 256:
        return list(array.astype("uint8").tobytes())
    return typing.cast(list[int], _int_objects(distinct)[array].tolist())


@functools.lru_cache(maxsize=1)
def _shared_ints(size: int) -> Any:
    """A numpy array of the Python ints 0 … ``size`` - 1 (object dtype)."""
    import numpy

    return numpy.arange(size).astype(object)


def _int_objects(count: int) -> Any:
    """``_shared_ints`` holding at least ``count`` ints (sized to a power of two, so that one
    array serves the chunks of a run)."""
    return _shared_ints(1 << (count - 1).bit_length())


class Column:
    """One fact over a block: ``codes[c]`` indexes company ``c``'s value in ``values``.
    ``values`` may hold values no company points to (they are never read as anyone's).
    ``array``, when given, holds the same codes as a numpy array (pyarrow reads them so),
    which the vectorised evaluator then takes instead of converting ``codes``. Given only
    the array, the ``codes`` list is made when first read: most columns of a block are only
    ever read as arrays, or not at all."""

    __slots__ = ("_codes", "array", "values")

    def __init__(self, codes: list[int] | None, values: list[Any], array: Any = None):
        if codes is None and array is None:
            raise ValueError("a column needs its codes as a list or as an array")
        self._codes = codes
        self.values = values
        self.array = array

    @property
    def codes(self) -> list[int]:
        """Each company's code (a list; made from ``array`` on first read)."""
        if self._codes is None:
            self._codes = code_list(self.array, len(self.values))
        return self._codes

    @codes.setter
    def codes(self, codes: list[int]) -> None:
        self._codes = codes

    def __len__(self) -> int:
        """How many companies the column holds (without making the codes list)."""
        return len(self._codes) if self._codes is not None else len(self.array)

    def with_values(self, values: list[Any]) -> Column:
        """A column of the same codes (the list, if made, shared) pointing into other ``values``."""
        return Column(self._codes, values, self.array)

    @classmethod
    def of_values(cls, values: Iterable[Any]) -> Column:
        """Codes and distinct values of any values (lists, Decimals, item models are keyed by ``freeze``)."""
        index: dict[Any, int] = {}
        distinct: list[Any] = []
        codes: list[int] = []
        for value in values:
            key = value if type(value) in _SCALARS else freeze(value)
            code = index.get(key)
            if code is None:
                code = index[key] = len(distinct)
                distinct.append(value)
            codes.append(code)
        return cls(codes, distinct)

    def value(self, company: int) -> Any:
        return self.values[self.codes[company]]


class FactColumns:
    """Every fact of ``size`` companies; a fact nobody has reads as None for all."""

    __slots__ = ("columns", "size")

    def __init__(self, size: int, columns: dict[str, Column] | None = None):
        self.size = size
        self.columns: dict[str, Column] = columns if columns is not None else {}

    def column(self, fact: str) -> Column:
        found = self.columns.get(fact)
        if found is None:
            found = self.columns[fact] = Column([0] * self.size, [None])
        return found

    @classmethod
    def from_rows(cls, rows: Sequence[dict[str, Any]]) -> FactColumns:
        """Columns of companies given as fact dictionaries (as ``profile_facts`` gives them)."""
        names = dict.fromkeys(name for row in rows for name in row)
        return cls(len(rows), {name: Column.of_values([row.get(name) for row in rows]) for name in names})

    def rows(self) -> list[dict[str, Any]]:
        """The companies as fact dictionaries (the per-company evaluator's input)."""
        out: list[dict[str, Any]] = [{} for _ in range(self.size)]
        for name, column in self.columns.items():
            values = column.values
            for row, code in zip(out, column.codes, strict=True):
                row[name] = values[code]
        return out

    @staticmethod
    def interleave(parts: Sequence[tuple[FactColumns, Sequence[int]]], size: int) -> FactColumns:
        """One block of ``size`` companies from parts, each with the positions its companies take."""
        if len(parts) == 1 and len(parts[0][1]) == size:
            return parts[0][0]
        names = dict.fromkeys(name for part, _ in parts for name in part.columns)
        merged = FactColumns(size)
        for name in names:
            codes = [0] * size
            values: list[Any] = []
            for part, positions in parts:
                column = part.column(name)
                offset = len(values)
                values.extend(column.values)
                for position, code in zip(positions, column.codes, strict=True):
                    codes[position] = code + offset
            merged.columns[name] = Column(codes, values)
        return merged
