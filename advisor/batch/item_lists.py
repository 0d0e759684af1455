"""Item lists of a block (projects.funded, events.held) decided item field by item field.

Nearly every company's item list is its own (an amount of money in each item), so deciding
an item condition or a ratio over items once per distinct list is still one Python call per
item. Here the block's distinct lists are laid end to end and each item field is read as a
column: an item test is decided once per distinct value of its field (by the test
``conditions.item_tests`` compiles, the one ``item_state`` applies), numpy combines the tests
of each item (``item_state``: failed 0 < undecided 1 < met 2, the minimum) and the items of
each list (``state_any_item``: the maximum, failed for no item, unknown for no list), and a
ratio over items sums its items' figures per list in exact integers (``ratio_items_figures``,
its caps applied per list as it applies them).

Anything this cannot vouch for (a list that is not a list, an item field that cannot be
hashed, a test or a conversion that raises, a figure beyond ``figures.FIGURE_LIMIT``) gives
None: the caller then decides per distinct list by the reference functions, which give
today's verdicts or today's errors. ``tests/unit/test_batch_item_lists.py`` compares both.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import chain, compress, repeat
from operator import attrgetter, is_not
from typing import Any

import numpy as np
import numpy.typing as npt

from advisor import rule_model as rm
from advisor.amounts import EXACT, RANGE, UP_TO, Figures, ratio_items_figures, rule_yuan
from advisor.batch.columns import factorise
from advisor.batch.figures import FIGURE_LIMIT, YuanColumn, exact_rate, floor_rate, largest, unanswered_flags
from advisor.conditions import item_tests

Codes = npt.NDArray[np.int64]
States = npt.NDArray[np.int8]

#: An item test's verdict as a state code, as ``item_state`` reads it: False fails, None is
#: undecided, anything else meets it.
ItemTests = list[tuple[str, Callable[[Any], bool | None]]]


def _test_code(result: bool | None) -> int:
    return 0 if result is False else (1 if result is None else 2)


def _where_key(where: list[rm.ItemCondition]) -> tuple[tuple[str, str, str], ...]:
    """What decides the item tests of ``where``: equal keys, equal tests."""
    return tuple((t.field, t.op, repr(t.value)) for t in where)


class ItemLists:
    """The distinct item lists of a block's column (``values``), their items end to end."""

    __slots__ = ("_fields", "_matched", "items", "lengths", "nonempty_starts", "unanswered")

    def __init__(self, values: list[Any]):
        self.unanswered = unanswered_flags(values)
        self.lengths: Codes = np.zeros(len(values), dtype=np.int64)
        self.lengths[~self.unanswered] = list(map(len, compress(values, map(is_not, values, repeat(None)))))
        self.items: list[Any] = list(chain.from_iterable(filter(None, values)))
        starts = np.cumsum(self.lengths) - self.lengths
        self.nonempty_starts: Codes = starts[self.lengths > 0]
        self._fields: dict[str, tuple[Codes, list[Any]] | None] = {}
        self._matched: dict[tuple[tuple[str, str, str], ...], States | None] = {}

    @classmethod
    def of(cls, values: list[Any]) -> ItemLists | None:
        """The lists of a column whose every value is a list or None; else None."""
        if not _LIST_OR_NONE.issuperset(map(type, values)):
            return None
        return cls(values)

    def field(self, name: str) -> tuple[Codes, list[Any]] | None:
        """Each item's code in the distinct values of its field ``name`` (None where the item has
        no such field, as ``getattr(item, name, None)``); None when a value cannot be hashed."""
        if name not in self._fields:
            try:
                read = list(map(attrgetter(name), self.items))
            except AttributeError:
                read = [getattr(item, name, None) for item in self.items]
            try:
                codes, distinct = factorise(read)
            except TypeError:  # unhashable: the reference reads it item by item
                self._fields[name] = None
            else:
                self._fields[name] = (np.array(codes, dtype=np.int64), distinct)
        return self._fields[name]

    def matched(self, where: list[rm.ItemCondition]) -> States | None:
        """``item_state`` of each item under the tests of ``where`` as a state code (0 failed,
        1 undecided, 2 met), or None when a test cannot be decided here."""
        key = _where_key(where)
        if key not in self._matched:
            self._matched[key] = self._decide(item_tests(where))
        return self._matched[key]

    def _decide(self, tests: ItemTests) -> States | None:
        state = np.full(len(self.items), 2, dtype=np.int8)
        for field_name, test in tests:
            found = self.field(field_name)
            if found is None:
                return None
            codes, distinct = found
            try:
                table = np.array([_test_code(test(value)) for value in distinct], dtype=np.int8)
            except Exception:  # item_state may never have reached it (it stops at a failed test)
                return None
            if len(codes):
                state = np.minimum(state, table[codes])
        return state

    def any_item(self, where: list[rm.ItemCondition]) -> States | None:
        """``state_any_item``'s state code of each list: met when an item meets every test,
        else undecided when one might, else failed (an empty list too); undecided for None."""
        matched = self.matched(where)
        if matched is None:
            return None
        states = np.where(self.unanswered, np.int8(1), np.int8(0)).astype(np.int8)
        if len(self.items):
            states[self.lengths > 0] = np.maximum.reduceat(matched, self.nonempty_starts)
        return states

    def ratio_items(self, a: rm.RatioItems) -> list[Figures] | None:
        """``ratio_items_figures(a, items)`` of each list, or None when not decided here."""
        try:
            unanswered = ratio_items_figures(a, None)  # reads both caps (their errors, if any, first)
            item_cap = None if a.item_cap_wan is None else rule_yuan(a.item_cap_wan)
            total_cap = None if a.total_cap_wan is None else rule_yuan(a.total_cap_wan)
            other_cap = None if a.other_reading_total_cap_wan is None else rule_yuan(a.other_reading_total_cap_wan)
        except Exception:
            return None
        caps = [cap for cap in (item_cap, total_cap, other_cap) if cap is not None]
        if any(abs(cap) >= FIGURE_LIMIT for cap in caps):
            return None
        matched = self.matched(a.where)
        base = self.field(a.item_base)
        if matched is None or base is None:
            return None
        sums = self._sums(a, matched, base, item_cap)
        if sums is None:
            return None
        low, high, uncertain = sums
        if total_cap is not None:
            over = high > total_cap
            low = np.where(over, np.minimum(low, total_cap), low)
            high = np.where(over, total_cap, high)
        other = not a.up_to and other_cap is not None
        other_reading = high > other_cap if other and other_cap is not None else np.zeros(len(high), dtype=bool)
        if other_cap is not None:
            low = np.where(other_reading, np.minimum(low, other_cap), low)
        if a.up_to:
            kinds = np.zeros(len(high), dtype=np.int64)
            low = np.zeros(len(high), dtype=np.int64)
        else:
            kinds = np.where(other_reading | uncertain, 1, 2)
            low = np.where(kinds == 2, high, low)
        figures = list(zip(map(_KINDS.__getitem__, kinds.tolist()), low.tolist(), high.tolist(), strict=True))
        for position in np.flatnonzero(self.unanswered).tolist():
            figures[position] = unanswered
        return figures

    def _sums(
        self, a: rm.RatioItems, matched: States, base: tuple[Codes, list[Any]], item_cap: int | None
    ) -> tuple[Codes, Codes, npt.NDArray[np.bool_]] | None:
        """Per list: the sum of its items' figures that are certain, of all of them, and whether
        one is uncertain (matched undecided or amount not filled in), before the total cap."""
        codes, distinct = base
        money = YuanColumn(distinct)
        # refused or too large: the reference decides (and raises as ever, if it reads the value)
        yuan = money.of(np.arange(len(distinct)))
        rate = None if yuan is None else exact_rate(a.rate, largest(yuan))
        if yuan is None or rate is None:
            return None
        value_of = floor_rate(rate, yuan)
        if item_cap is not None:
            value_of = np.minimum(value_of, item_cap)
        no_base = money.unanswered
        cap = item_cap or 0
        item_no_base = no_base[codes]
        value = np.where(item_no_base, cap, value_of[codes])
        value = np.where(matched == 0, 0, value)
        certain = np.where((matched == 2) & ~item_no_base, value, 0)
        unsure = (matched != 0) & (item_no_base | (matched == 1))
        size = len(self.lengths)
        low = np.zeros(size, dtype=np.int64)
        high = np.zeros(size, dtype=np.int64)
        uncertain = np.zeros(size, dtype=bool)
        if len(self.items):
            if largest(value) * int(self.lengths.max()) >= FIGURE_LIMIT:
                return None
            filled = self.lengths > 0
            low[filled] = np.add.reduceat(certain, self.nonempty_starts)
            high[filled] = np.add.reduceat(value, self.nonempty_starts)
            uncertain[filled] = np.logical_or.reduceat(unsure, self.nonempty_starts)
        return low, high, uncertain


_LIST_OR_NONE = frozenset({list, type(None)})
#: A ratio over items' kind by code: the clause's ceiling, a range (uncertain or two readings), exact.
_KINDS = (UP_TO, RANGE, EXACT)
