"""The decoder's whole-column number readers give what they gave before their speed-ups.

``_plain_numbers`` now checks digit runs by byte search instead of cell lengths, reads
Decimals with an exact context instead of the constructor, and checks an upper bound on the
text first; ``_reference_plain_numbers`` is the code it replaced (kept here verbatim, the
bound checked by ``max`` as ``_plain_wan`` did). On every list of cells the new reader either
gives the same values (same types, same texts) or declines where the reference declined too
or where the reference's values are not plain for the cell-by-cell reader either; it never
accepts what the reference declined unless reading each cell through ``_typed`` gives the
same value.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.batch.plan import _INT, _NUMBER, _plain_numbers, _plain_wan, _typed
from advisor.money import MAX_WAN

_OLD_NOT_DIGITS = {False: b"0123456789\n", True: b"0123456789.\n"}


def _reference_plain_numbers(cells: list[str], places: int | None) -> list[Any] | None:
    """``_plain_numbers`` as it was (commit 7a028e5)."""
    text = "\n".join(cells)
    if text.count("\n") != len(cells) - 1 or max(map(len, cells)) > 30:
        return None
    if text.encode().translate(None, _OLD_NOT_DIGITS[places is not None]):
        return None
    if places is not None and places < 29 and re.search(rf"\.[0-9]{{{places + 1}}}", text):
        return None
    try:
        return list(map(Decimal if places is not None else int, cells))
    except (ValueError, ArithmeticError):
        return None


def _typed_reading(cell: str, places: int | None) -> Any:
    """What the cell-by-cell path reads a cell as (``_typed``), a Decimal field turning an int
    into that Decimal; None when it is not a number of the kind or has too many places."""
    typed = _typed(cell, "number" if places is not None else "int")
    if isinstance(typed, bool) or not isinstance(typed, (int, Decimal)):
        return None
    if places is None:
        return typed if type(typed) is int else None
    value = Decimal(typed)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        return None
    return value


def _same(found: list[Any], expected: list[Any]) -> bool:
    return [(type(v), str(v)) for v in found] == [(type(v), str(v)) for v in expected]


_DIGITS = st.text(alphabet="0123456789", min_size=0, max_size=34)
_PLAIN = st.builds(lambda a, b, point: a + ("." + b if point else ""), _DIGITS, _DIGITS, st.booleans())
_HOSTILE = st.text(alphabet="0123456789.,-+eE \n０١²", max_size=14)
_CELLS = st.lists(st.one_of(_PLAIN, _PLAIN, _HOSTILE), min_size=1, max_size=25)


@settings(max_examples=1500, deadline=None, derandomize=True)
@given(cells=_CELLS, places=st.one_of(st.none(), st.integers(min_value=0, max_value=31)))
def test_plain_numbers_is_the_reference(cells: list[str], places: int | None) -> None:
    """Where the reference reads the cells, the new reader reads the same; where only the new
    one reads them (a cell of more than 30 characters whose digit runs are 30 at most), each
    value is what the cell-by-cell path reads."""
    found = _plain_numbers(cells, places)
    expected = _reference_plain_numbers(cells, places)
    if expected is not None:
        assert found is not None and _same(found, expected)
    elif found is not None:
        assert max(map(len, cells)) > 30
        readings = [_typed_reading(cell, places) for cell in cells]
        assert None not in readings and _same(found, readings)
        assert all(_INT.fullmatch(c) or _NUMBER.fullmatch(c) for c in cells)


_AMOUNT = st.builds(
    lambda whole, fraction: str(whole) + ("." + fraction if fraction is not None else ""),
    st.one_of(st.integers(0, 10**8 + 10), st.integers(0, 10**11), st.integers(0, 999)),
    st.one_of(st.none(), st.text(alphabet="0123456789", max_size=5)),
)


@settings(max_examples=1500, deadline=None, derandomize=True)
@given(cells=st.lists(st.one_of(_AMOUNT, _AMOUNT, _HOSTILE, st.just("100000000"), st.just("")), min_size=1))
def test_plain_wan_bound_is_the_reference(cells: list[str]) -> None:
    """``_plain_wan``'s bound read on the text first equals ``max(values) > MAX_WAN``."""
    distinct = list(dict.fromkeys(cells))
    found = _plain_wan(distinct)
    present = [c for c in distinct if c]
    expected = _reference_plain_numbers(present, 4) if present else None
    if expected is not None and max(expected) > MAX_WAN:
        expected = None
    if expected is None:
        assert found is None or max(map(len, present)) > 30
        return
    assert found is not None
    assert _same([v for v in found if v is not None], expected)
    if "" in distinct:
        assert found[distinct.index("")] is None


def test_the_bound_is_checked_at_its_edges() -> None:
    """Exactly MAX_WAN is taken, a yuan more is not, with or without leading zeros."""
    assert _plain_wan(["100000000", "1"]) == [Decimal("100000000"), Decimal(1)]
    assert _plain_wan(["100000000.0001"]) is None
    assert _plain_wan(["0000000099999999.9999"]) == [Decimal("99999999.9999")]
    assert _plain_wan(["99999999.9999", ""]) == [Decimal("99999999.9999"), None]
    assert _plain_wan(["100000001"]) is None


def test_digit_runs_and_places_at_their_limits() -> None:
    """30 digits each side of the point are read; 31 or a place too many are declined."""
    assert _plain_numbers(["1" * 30 + "." + "2" * 30], 30) == [Decimal("1" * 30 + "." + "2" * 30)]
    assert _plain_numbers(["1" * 31], None) is None
    assert _plain_numbers(["1." + "2" * 31], 30) is None
    assert _plain_numbers(["1." + "2" * 30], 29) is None
    assert _plain_numbers(["1." + "2" * 29], 29) == [Decimal("1." + "2" * 29)]
    assert _plain_numbers(["0.00100"], 2) is None  # as written: pydantic's rule is checked cell by cell
    assert _plain_numbers(["1", "1.5"], None) is None
    assert _plain_numbers([".", "1"], 4) is None
    assert _plain_numbers(["1\n2"], None) is None


_BOUND = st.one_of(
    st.integers(-10, 10**9).map(Decimal),
    st.decimals(min_value=-5, max_value=5, places=2, allow_nan=False, allow_infinity=False),
    st.integers(0, 10**6),
)


@settings(max_examples=800, deadline=None, derandomize=True)
@given(cells=st.lists(_PLAIN, min_size=1, max_size=12), places=st.one_of(st.none(), st.just(4)), most=_BOUND)
def test_an_upper_bound_declines_exactly_the_lists_with_a_value_above_it(
    cells: list[str], places: int | None, most: Any
) -> None:
    """Any bound, a negative or fractional one too: declined exactly when a value is above it."""
    unbounded = _plain_numbers(cells, places)
    found = _plain_numbers(cells, places, most)
    if unbounded is None or max(unbounded) > most:
        assert found is None
    else:
        assert found is not None and _same(found, unbounded)
