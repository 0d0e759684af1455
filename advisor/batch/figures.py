"""Money figures of a whole block at once: the numeric amount kinds in numpy integers.

The batch's quick path (``vector._quick``) calls an amount kind's figures function
(``ratio_figures``, ``tiers_figures``, ...) once per distinct input among the live companies:
money answers differ from company to company, so that is several Python calls per company
and measure. Here the same figures are computed for every live company at once:

* a money column's distinct values are converted to yuan by ``amounts.to_yuan`` (the single
  conversion: the same figure or the same error; ``to_yuan_many`` takes its steps over a
  list at once), each value once per block, into an int64
  array shared by every measure that reads the column (``YuanColumn``);
* each kind's arithmetic is the figures function's, in exact integers: a rate as the exact
  fraction p/q of its Decimal, ``floor(rate × yuan)`` as ``(p × yuan) // q`` (numpy's ``//``
  floors, as ``_floor`` does); thresholds with ``searchsorted``, matching ``_tier_award``'s
  ``level >= threshold``;
* nothing here may overflow: before any arithmetic the largest magnitude it could reach is
  bounded with Python integers (from the block's largest answer), and the Decimal product the
  figures function takes is checked to be exact (fewer digits than the context's precision);
  where a bound fails, a value is refused by ``to_yuan``, a value is not of the expected type,
  or the rule is not as expected, the kernel answers None and the measure takes the quick path
  as before (which then gives today's figures, or today's error);
* an answer left empty (None) takes the figures the kind's own figures function gives for it,
  called once per rule, with the rest a kernel reads of its rule alone (caps, thresholds, a
  rate's terms: ``_rule_parts``), not once per block.

Each kernel returns ``Figured``: per live company a form (0: exact ``(EXACT, v, v)``, 1:
``(UP_TO, 0, v)``, 2 + k: ``constants[k]``, figures given by the reference function) and its
``v``. ``tests/unit/test_batch_figures.py`` checks every kernel against the figures functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, getcontext
from itertools import repeat
from operator import is_
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from advisor import rule_model as rm
from advisor.amounts import (
    EXACT,
    UP_TO,
    Figures,
    base_plus_step_figures,
    excess_refund_figures,
    per_unit_figures,
    ratio_figures,
    rule_yuan,
    tiers_figures,
    to_yuan_many,
)

Codes = npt.NDArray[np.int64]
Flags = npt.NDArray[np.bool_]

#: Forms of a figure: (EXACT, v, v), (UP_TO, 0, v); from 2 on, ``Figured.constants[form - 2]``.
EXACT_FORM, UP_TO_FORM, CONSTANT_FORM = 0, 1, 2
#: Every figure a kernel gives is below this in magnitude (so ``v * forms + form`` fits int64).
FIGURE_LIMIT = 1 << 58
#: Every product a kernel forms is below this in magnitude (int64 holds below 2**63).
PRODUCT_LIMIT = 1 << 62


@dataclass
class Figured:
    """The figures of each live company: its form and value (see the module docstring)."""

    forms: npt.NDArray[np.int64]
    values: Codes
    constants: list[Figures]

    def figures(self, form: int, value: int) -> Figures:
        """The figures a (form, value) pair stands for."""
        return self.figures_of(((value, form),))[0]

    def figures_of(self, pairs: Iterable[tuple[int, int]]) -> list[Figures]:
        """The figures each (value, form) pair stands for, in one loop (about one pair per live
        company: the table of a block's distinct figures)."""
        constants = self.constants
        return [
            (EXACT, value, value)
            if form == EXACT_FORM
            else (UP_TO, 0, value)
            if form == UP_TO_FORM
            else constants[form - CONSTANT_FORM]
            for value, form in pairs
        ]


def canonical(figured: Figured) -> Figured:
    """The same figures, each constant that reads as (EXACT, v, v) or (UP_TO, 0, v) written in
    that form: then distinct (form, value) pairs are distinct figures (one table entry each)."""
    forms, values = figured.forms, figured.values
    for number, (kind, low, high) in enumerate(figured.constants):
        if type(high) is not int or not -FIGURE_LIMIT < high < FIGURE_LIMIT:
            continue
        if kind == EXACT and low == high:
            form = EXACT_FORM
        elif kind == UP_TO and low == 0 and type(low) is int:
            form = UP_TO_FORM
        else:
            continue
        where = forms == CONSTANT_FORM + number
        forms, values = np.where(where, form, forms), np.where(where, high, values)
    return Figured(forms, values, figured.constants)


def unanswered_flags(values: Sequence[Any]) -> Flags:
    """Which of ``values`` are None, as a read-only bool array (gathered by ``bytes`` in C,
    cheaper than ``np.fromiter``)."""
    return np.frombuffer(bytes(map(is_, values, repeat(None))), dtype=bool)


class YuanColumn:
    """A money column's distinct values in yuan (int64), converted by ``to_yuan`` when first
    needed and kept for the block: measures reading the same column convert each value once."""

    __slots__ = ("_done", "_failed", "unanswered", "values", "yuan")

    def __init__(self, values: list[Any]):
        self.values = values
        self.yuan: Codes = np.zeros(len(values), dtype=np.int64)
        #: Which values are None (a derived column may hold it more than once).
        self.unanswered: Flags = unanswered_flags(values)
        self._done = self.unanswered.copy()  # None stays 0 in ``yuan``: each kernel masks it
        self._failed = False

    def of(self, codes: Codes) -> Codes | None:
        """Each code's value in yuan (0 for None), or None when a value among them is refused
        by ``to_yuan`` or too large for the kernels (then none of this column is used)."""
        if self._failed:
            return None
        wanted = np.zeros(len(self.values), dtype=bool)
        wanted[codes] = True
        wanted &= ~self._done
        todo = np.flatnonzero(wanted).tolist()
        if todo:
            try:
                converted = np.array(to_yuan_many(list(map(self.values.__getitem__, todo))), dtype=np.int64)
            except Exception:  # refused or beyond int64: the quick path gives today's error, if the value is read
                self._failed = True
                return None
            if not below_limit(converted):
                self._failed = True
                return None
            self.yuan[todo] = converted
            self._done[todo] = True
        return self.yuan[codes]

    def counts(self, codes: Codes) -> Codes | None:
        """Each code's value as it is (0 for None) when every one among them is an int (a count,
        not money: no conversion) below ``FIGURE_LIMIT`` in magnitude, else None."""
        wanted = np.zeros(len(self.values), dtype=bool)
        wanted[codes] = True
        todo = np.flatnonzero(wanted & ~self.unanswered).tolist()
        picked = list(map(self.values.__getitem__, todo))
        if not _INTS.issuperset(map(type, picked)):
            return None
        counts = np.zeros(len(self.values), dtype=np.int64)
        try:
            counts[todo] = picked
        except OverflowError:
            return None
        found = counts[codes]
        return found if below_limit(found) else None


_INTS = frozenset({int})


def largest(values: Codes) -> int:
    """The largest magnitude among ``values`` (as a Python int: exact even for the int64 minimum)."""
    return max(int(values.max()), -int(values.min())) if len(values) else 0


def below_limit(values: Codes) -> bool:
    """Whether every value is below ``FIGURE_LIMIT`` in magnitude (then keyed with its form it
    still fits an int64)."""
    return largest(values) < FIGURE_LIMIT


def exact_rate(rate: Decimal, bound: int) -> tuple[int, int] | None:
    """The rate as p/q when ``rate × yuan`` is exact in the current context for every
    |yuan| <= ``bound`` and ``p × yuan`` fits int64; else None."""
    return _exact_rate(rate_terms(rate), bound)


#: A finite rate's digits as one integer (its coefficient) and the rate as p/q; None if not finite.
RateTerms = tuple[int, int, int] | None


def rate_terms(rate: Decimal) -> RateTerms:
    """What ``exact_rate`` reads of the rate alone (a kernel reads it once per rule, ``_rule_parts``)."""
    if not rate.is_finite():
        return None
    coefficient = int("".join(map(str, rate.as_tuple().digits)))
    p, q = rate.as_integer_ratio()
    return coefficient, p, q


def _exact_rate(terms: RateTerms, bound: int) -> tuple[int, int] | None:
    """``exact_rate`` from the rate's terms (the context's precision read now, as ever)."""
    if terms is None:
        return None
    coefficient, p, q = terms
    if coefficient * bound >= 10 ** getcontext().prec or abs(p) * bound >= PRODUCT_LIMIT:
        return None
    return p, q


_Parts = TypeVar("_Parts")
#: Per rule object: (the rule, what its kernel reads of it alone); the rule is kept, so its id is never reused.
_PARTS: dict[int, tuple[Any, Any]] = {}


def _rule_parts(a: Any, read: Callable[[Any], _Parts]) -> _Parts:
    """``read(a)``: what a kernel reads of its rule alone (the figures of an unanswered answer,
    caps, thresholds, rate terms), read once per rule rather than once per block: a rule never
    changes during a run. An error is not kept: ``read`` raises it again at the next block."""
    found = _PARTS.get(id(a))
    if found is None or found[0] is not a:
        if len(_PARTS) > 10_000:  # rules made on the fly (tests): bounded
            _PARTS.clear()
        found = _PARTS[id(a)] = (a, read(a))
    parts: _Parts = found[1]
    return parts


def floor_rate(rate: tuple[int, int], yuan: Codes) -> Codes:
    """floor(rate × yuan), exactly (``exact_rate`` has bounded the product)."""
    p, q = rate
    return (yuan * p) // q


def _fits(*bounds: int) -> bool:
    return all(abs(bound) < FIGURE_LIMIT for bound in bounds)


def _answered(column: YuanColumn, codes: Codes) -> Flags:
    return ~column.unanswered[codes]


def ratio(a: rm.Ratio, columns: Sequence[YuanColumn], codes: Sequence[Codes]) -> Figured | None:
    """``ratio_figures`` of every live company (``codes``: each one's code in the base column)."""
    (base,), (base_codes,) = columns, codes
    constant, cap, terms = _rule_parts(a, _ratio_parts)
    yuan = base.of(base_codes)
    if yuan is None or not _fits(cap or 0):
        return None
    rate = _exact_rate(terms, largest(yuan))
    if rate is None:
        return None
    values = floor_rate(rate, yuan)
    if cap is not None:
        values = np.minimum(values, cap)
    answered = _answered(base, base_codes)
    form = UP_TO_FORM if a.up_to else EXACT_FORM
    forms = np.where(answered, form, CONSTANT_FORM)
    return Figured(forms, np.where(answered, values, 0), [constant])


def _ratio_parts(a: rm.Ratio) -> tuple[Figures, int | None, RateTerms]:
    """A ratio's figures when unanswered (they read the cap: its error, if any, first, as ever),
    its cap in yuan and its rate's terms."""
    constant = ratio_figures(a, None)
    return constant, None if a.cap_wan is None else rule_yuan(a.cap_wan), rate_terms(a.rate)


def excess_refund(a: rm.ExcessRefund, columns: Sequence[YuanColumn], codes: Sequence[Codes]) -> Figured | None:
    """``excess_refund_figures`` of every live company (codes in the paid and base columns)."""
    (paid, base), (paid_codes, base_codes) = columns, codes
    constant, terms = _rule_parts(a, _excess_refund_parts)
    paid_yuan, base_yuan = paid.of(paid_codes), base.of(base_codes)
    if paid_yuan is None or base_yuan is None:
        return None
    rate = _exact_rate(terms, largest(base_yuan))
    if rate is None or not _fits(largest(paid_yuan) + largest(base_yuan) * abs(rate[0]) // rate[1] + 1):
        return None
    refund = np.maximum(paid_yuan - floor_rate(rate, base_yuan), 0)
    answered = _answered(paid, paid_codes) & _answered(base, base_codes)
    return Figured(np.where(answered, EXACT_FORM, CONSTANT_FORM), np.where(answered, refund, 0), [constant])


def _excess_refund_parts(a: rm.ExcessRefund) -> tuple[Figures, RateTerms]:
    """An excess refund's figures when unanswered and its rate's terms."""
    return excess_refund_figures(a, None, None), rate_terms(a.rate)


def _less_rewarded(
    award: Codes,
    reached: Flags,
    rewarded: tuple[YuanColumn, Codes] | None,
    paid_for: Callable[[Codes], Codes | None],
    constant: Figures,
    answered: Flags,
) -> Figured | None:
    """``less_rewarded_figures`` of each award (``reached``: where the level earns one at all,
    else (EXACT, 0, 0) unless the kind says otherwise through ``award`` = 0), the constant where
    the level is unanswered."""
    values = np.where(reached, award, 0)
    forms = np.full(len(award), EXACT_FORM, dtype=np.int64)
    if rewarded is not None:
        column, codes = rewarded
        yuan = column.of(codes)
        if yuan is None:
            return None
        paid = paid_for(yuan)
        if paid is None:
            return None
        unanswered = ~_answered(column, codes) & reached
        forms = np.where(unanswered, UP_TO_FORM, EXACT_FORM)
        values = np.where(unanswered, values, np.where(reached, np.maximum(values - paid, 0), 0))
    return Figured(np.where(answered, forms, CONSTANT_FORM), np.where(answered, values, 0), [constant])


def tiers(a: rm.Tiers, columns: Sequence[YuanColumn], codes: Sequence[Codes]) -> Figured | None:
    """``tiers_figures`` of every live company (codes in the level and, if any, rewarded columns)."""
    constant, thresholds, awards = _rule_parts(a, _tiers_parts)
    if thresholds != sorted(thresholds) or not _fits(*thresholds, *awards):
        return None  # _tier_award takes the last tier reached in list order: only sorted matches searchsorted
    bounds = np.array(thresholds, dtype=np.int64)
    award_of = np.array([0, *awards], dtype=np.int64)  # by tiers reached (0: none)

    def award(yuan: Codes) -> Codes:  # the last tier whose threshold <= level, as _tier_award
        return award_of[np.searchsorted(bounds, yuan, side="right")]

    level = columns[0].of(codes[0])
    if level is None:
        return None
    reached = np.searchsorted(bounds, level, side="right") > 0
    rewarded = (columns[1], codes[1]) if a.rewarded is not None else None
    return _less_rewarded(award(level), reached, rewarded, award, constant, _answered(columns[0], codes[0]))


def _tiers_parts(a: rm.Tiers) -> tuple[Figures, list[int], list[int]]:
    """Tiers' figures when unanswered (the top award first: its error, if any, as ever), then
    each tier's threshold and award in yuan."""
    constant = tiers_figures(a, None, None)
    return constant, [rule_yuan(t.threshold_wan) for t in a.tiers], [rule_yuan(t.award_wan) for t in a.tiers]


def base_plus_step(a: rm.BasePlusStep, columns: Sequence[YuanColumn], codes: Sequence[Codes]) -> Figured | None:
    """``base_plus_step_figures`` of every live company (codes in the level and, if any,
    rewarded columns)."""
    constant, threshold, base, step, step_award = _rule_parts(a, _base_plus_step_parts)
    if step <= 0:
        return None
    yuans = [column.of(c) for column, c in zip(columns, codes, strict=True)]
    if any(yuan is None for yuan in yuans):
        return None
    biggest = max(largest(yuan) for yuan in yuans if yuan is not None)
    steps = (biggest + abs(threshold)) // step + 1
    if not _fits(threshold, base, steps * abs(step_award) + abs(base)):
        return None

    def total(yuan: Codes) -> Codes:  # as _step_total: 0 below the threshold
        return np.where(yuan < threshold, 0, base + ((yuan - threshold) // step) * step_award)

    level = yuans[0]
    assert level is not None
    rewarded = (columns[1], codes[1]) if a.rewarded is not None else None
    everywhere = np.ones(len(level), dtype=bool)  # below the threshold the award is 0 and still "less rewarded"
    return _less_rewarded(total(level), everywhere, rewarded, total, constant, _answered(columns[0], codes[0]))


def _base_plus_step_parts(a: rm.BasePlusStep) -> tuple[Figures, int, int, int, int]:
    """Base plus step's figures when unanswered, then its threshold, base, step and step award in yuan."""
    constant = base_plus_step_figures(a, None, None)
    threshold, base = rule_yuan(a.threshold_wan), rule_yuan(a.base_wan)
    return constant, threshold, base, rule_yuan(a.step_wan), rule_yuan(a.step_award_wan)


def per_unit(a: rm.PerUnit, columns: Sequence[YuanColumn], codes: Sequence[Codes]) -> Figured | None:
    """``per_unit_figures`` of every live company (codes in the quantity and, if any, actual
    cost columns). The quantity is a count, not money: only int answers are taken."""
    constant, cap, terms = _rule_parts(a, _per_unit_parts)
    quantity_column, quantity_codes = columns[0], codes[0]
    quantity = quantity_column.counts(quantity_codes)
    if quantity is None or not _fits(cap or 0, largest(quantity)):
        return None
    # unit_rate_yuan × Decimal(quantity) × months: both products exact, so (p × quantity × months) // q
    biggest = largest(quantity) * abs(a.months)
    rate = _exact_rate(terms, biggest)
    if rate is None or biggest >= PRODUCT_LIMIT:
        return None
    values = floor_rate(rate, quantity * a.months)
    forms = np.full(len(values), EXACT_FORM, dtype=np.int64)
    if a.actual_cost is not None:
        actual = columns[1].of(codes[1])
        if actual is None:
            return None
        unanswered = ~_answered(columns[1], codes[1])
        values = np.where(~unanswered & (actual < values), actual, values)
        forms = np.where(unanswered, UP_TO_FORM, EXACT_FORM)
    if cap is not None:
        values = np.minimum(values, cap)
    answered = _answered(quantity_column, quantity_codes)
    return Figured(np.where(answered, forms, CONSTANT_FORM), np.where(answered, values, 0), [constant])


def _per_unit_parts(a: rm.PerUnit) -> tuple[Figures, int | None, RateTerms]:
    """Per unit's figures when unanswered, its cap in yuan and its unit rate's terms."""
    constant = per_unit_figures(a, None, None)
    return constant, None if a.cap_wan is None else rule_yuan(a.cap_wan), rate_terms(a.unit_rate_yuan)


Kernel = Callable[[Any, Sequence[YuanColumn], Sequence[Codes]], Figured | None]

#: The kernel of each amount kind that has one.
KERNELS: dict[type, Kernel] = {
    rm.Ratio: ratio,
    rm.ExcessRefund: excess_refund,
    rm.Tiers: tiers,
    rm.BasePlusStep: base_plus_step,
    rm.PerUnit: per_unit,
}
