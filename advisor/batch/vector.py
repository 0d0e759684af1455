"""Vectorised evaluation: a block of companies decided column by column with numpy.

The same semantics as the engine, by construction rather than by copy:

* every leaf condition (a comparison, a time word, an item test) reads one fact; the
  fact's column (``columns.FactColumns``: a code per company and the distinct values) is
  decided once per distinct value by the engine's own compiled condition (its
  ``value_state``, the very function its ``state`` applies to the fact), and numpy
  spreads the states back to every company (three-valued states as int8: failed 0 <
  unknown 1 < met 2, so "all of" is the minimum and "any of" the maximum, exactly
  ``CompiledCondition``'s rule); a numeric comparison (``CompiledCondition.compares``) over a
  column of ints, Decimals and None takes the rule number's own comparison mapped over the
  distinct values in C, the very comparison its ``value_state`` makes (exact, never a float);
* an amount is computed once per distinct combination of the facts it reads among the
  companies the measure is not 不符合 for (a 不符合 outcome carries no amount,
  ``NO_AMOUNT``): by the amount kind's own figures function where it has one
  (``ratio_figures_for``, ``tiers_figures``, ... : the functions ``compute_amount`` itself takes
  its figures from; one result per distinct figures), else by ``compute_amount``; a tax
  benefit's once per run (its figures never depend on the answers, only its text does);
  the numeric kinds (ratio, tiers, base plus step, per unit, excess refund) first try
  ``advisor.batch.figures``: the same figures for the whole block in numpy integers, each
  money value converted once, every magnitude bounded before any arithmetic (where a bound
  or a value fails, the figures function per distinct input decides, as above);
* who counts in a total is the engine's stacking rule, in its two halves
  (``take_highest``, ``counts_in_total``): a measure in no same-kind group counts when
  ``counts_in_total`` says so (nothing can block it); measures linked by shared groups are
  decided together, once per distinct key of what the rule reads (which members are live,
  their order by ``group_rank`` as which comes before which, which could add to a total),
  by the rule itself.

``tests/unit/test_batch_vector.py`` runs thousands of generated companies through this
and through ``RowEvaluator`` and requires identical outcomes.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from functools import partial
from itertools import accumulate, pairwise
from math import prod
from typing import Any

import numpy as np
import numpy.typing as npt

from advisor import rule_model as rm
from advisor.amounts import UNKNOWN as UNKNOWN_KIND
from advisor.amounts import (
    AmountResult,
    Figures,
    apply_duration,
    base_plus_step_figures,
    compute_amount,
    excess_refund_figures,
    per_unit_figures,
    ratio_figures_for,
    ratio_items_figures,
    tiers_figures,
)
from advisor.batch.columns import Column, FactColumns, freeze
from advisor.batch.engine_api import (
    AS_OF_YEAR,
    ELIGIBLE,
    FAILED,
    INELIGIBLE,
    MET,
    POSSIBLE,
    UNKNOWN,
    Candidate,
    CompiledCondition,
    Engine,
    compile_condition,
    conditions,
    counted_flags,
    counts_in_total,
    group_rank,
)
from advisor.batch.evaluate import (
    NO_AMOUNT,
    Amount,
    Assessed,
    Outcome,
    RowEvaluator,
    amount_fact_names,
    amount_tuple,
    figures_amounts,
    nothing_to_pay,
)
from advisor.batch.figures import KERNELS, Kernel, YuanColumn, below_limit, canonical
from advisor.batch.item_lists import ItemLists

Codes = npt.NDArray[np.int64]
States = npt.NDArray[np.int8]

_STATE_CODE = {FAILED: 0, UNKNOWN: 1, MET: 2}
_STATUSES = (INELIGIBLE, POSSIBLE, ELIGIBLE)  # by code: the minimum state of the conditions


class _Column:
    """One fact over a block: each company's code (numpy) and the distinct values."""

    __slots__ = ("_items", "_numbers", "_yuan", "codes", "values")

    def __init__(self, column: Column):
        size = len(column)  # (without making the codes list)
        if len(column.values) == 1:  # one value for everyone (a column nobody filled in, say)
            self.codes: Codes = np.zeros(size, dtype=np.int64)
        elif column.array is not None:  # read by pyarrow: the same codes, already an array
            self.codes = column.array.astype(np.int64)
        elif len(column.values) <= 256 and type(column.codes) is list:  # codes fit a byte: bytes() reads them in C
            self.codes = np.frombuffer(bytes(column.codes), dtype=np.uint8).astype(np.int64)
        else:
            self.codes = np.fromiter(column.codes, dtype=np.int64, count=size)
        self.values = column.values
        self._numbers: bool | None = None
        self._yuan: YuanColumn | None = None
        self._items: ItemLists | bool | None = False  # False: not read yet

    def item_lists(self) -> ItemLists | None:
        """The values as item lists, item field by item field (None when a value is not a list
        or None), read when first needed and shared by the conditions and amounts reading them."""
        if self._items is False:
            self._items = ItemLists.of(self.values)
        return self._items if isinstance(self._items, ItemLists) else None

    def yuan(self) -> YuanColumn:
        """The values in yuan, converted when first needed (shared by every measure reading them)."""
        if self._yuan is None:
            self._yuan = YuanColumn(self.values)
        return self._yuan

    def numbers(self) -> bool:
        """Whether every value is an int, a Decimal or None (exactly those types: not a bool,
        not a subclass), the values a numeric leaf compares directly (checked once per block)."""
        if self._numbers is None:
            self._numbers = _NUMBER_TYPES.issuperset(map(type, self.values))
        return self._numbers


_NUMBER_TYPES = frozenset({int, Decimal, type(None)})
#: The rule's number's own comparison that says ``value op number`` (the reflected operator:
#: ``value >= number`` is ``number <= value``, the same exact comparison of int or Decimal).
_REFLECTED = {"ge": "__le__", "gt": "__lt__", "le": "__ge__", "lt": "__gt__"}
#: A comparison's answer as a state code: held, not held, or None compared (NotImplemented).
_COMPARED_CODE: dict[Any, int] = {True: 2, False: 0, NotImplemented: 1}


def _numeric_table(compares: tuple[str, Decimal], values: list[Any]) -> States:
    """The state code of a numeric leaf (``CompiledCondition.compares``) for each of ``values``
    (ints, Decimals and None only, ``_Column.numbers``), as its ``value_state`` gives it: MET
    where ``value op number`` holds, else FAILED, UNKNOWN for None; the comparisons are the
    numbers' own (exact, never through float), called in C rather than once per value in Python."""
    op, number = compares
    compare = getattr(number, _REFLECTED[op])
    return _state_codes(map(_COMPARED_CODE.__getitem__, map(compare, values)))


def _state_codes(codes: Iterable[int]) -> States:
    """State codes (0, 1, 2) as an int8 array, gathered by ``bytes`` in C: cheaper than
    ``np.fromiter``, which converts each Python int to a numpy scalar (read-only: only ever indexed)."""
    return np.frombuffer(bytes(codes), dtype=np.int8)


def _joint(columns: Sequence[Codes], size: int) -> tuple[Codes, Codes]:
    """Distinct rows of several code columns: (inverse per company, first company of each)."""
    if not columns or not size:
        return np.zeros(size, dtype=np.int64), np.zeros(1 if size else 0, dtype=np.int64)
    key = columns[0]
    for column in columns[1:]:
        width = int(column.max()) + 1 if len(column) else 1
        if int(key.max()) + 1 > (1 << 62) // width:  # would overflow: renumber first
            key = _distinct(key)[1]
        key = key * width + column
    _, inverse, first = _distinct(key, first=True)
    return inverse, first


def _distinct(key: Codes, first: bool = False) -> tuple[Codes, Codes, Codes]:
    """(distinct values ascending, each company's index in them, each value's first company)
    of non-negative codes, as ``np.unique`` gives them; by counting when the codes are small
    (no sort). ``first`` is computed only when asked (else empty)."""
    size = len(key)
    top = int(key.max()) + 1 if size else 0
    if top > 4 * size + 4096:
        distinct, firsts, inverse = np.unique(key, return_index=True, return_inverse=True)
        return distinct, inverse.reshape(-1).astype(np.int64), firsts.astype(np.int64)
    place = np.zeros(top, dtype=np.int64)  # each present value's index among the distinct ones
    place[key] = 1
    distinct = place.nonzero()[0]
    place[distinct] = np.arange(len(distinct), dtype=np.int64)
    inverse = place[key]
    firsts = np.empty(0, dtype=np.int64)
    if first:
        firsts = np.full(len(distinct), size, dtype=np.int64)
        np.minimum.at(firsts, inverse, np.arange(size, dtype=np.int64))
    return distinct.astype(np.int64, copy=False), inverse, firsts


#: Up to this many values ``_factorised`` sorts them in Python (numpy's sort costs more there).
_SMALL = 128


def _factorised(key: Codes) -> tuple[Codes, Codes]:
    """(distinct values ascending, each value's index in them) of any int64 codes, as
    ``np.unique`` gives them."""
    if len(key) > _SMALL:
        distinct, inverse = np.unique(key, return_inverse=True)
        return distinct, inverse.reshape(-1)
    keys = key.tolist()
    ordered = sorted(set(keys))
    at = dict(zip(ordered, range(len(ordered)), strict=True))
    return np.array(ordered, dtype=np.int64), np.array(list(map(at.__getitem__, keys)), dtype=np.int64)


def _inputs(columns: list[_Column], live: Codes) -> tuple[Codes, list[list[Any]]]:
    """The distinct inputs of several facts among the companies ``live``: each live company's
    input (an index), and per fact its value in each input."""
    inverse, first = _joint([c.codes[live] for c in columns], len(live))
    at_first = live[first]
    return inverse, [list(map(c.values.__getitem__, c.codes[at_first].tolist())) for c in columns]


def _figures_table(figures: Iterable[Figures], per_year: bool, years: int) -> tuple[list[Amount], list[int]]:
    """A measure's table of amounts (``NO_AMOUNT`` first, then one entry per figures with
    something to pay) from its distinct ``figures`` and its duration, and each one's place in it
    (0 where there is nothing to pay)."""
    table = [NO_AMOUNT]
    places = []
    for found in figures_amounts(figures, per_year, years):
        if nothing_to_pay(POSSIBLE, found):
            places.append(0)
        else:
            places.append(len(table))
            table.append(found)
    return table, places


def _ungrouped_outcome(measure: rm.Measure, status_code: int, amount: Amount) -> Outcome:
    """The outcome of a measure in no same-kind group: its status, its amount, and whether it
    adds to the company's total (blocked by none, it counts when ``counts_in_total`` says so)."""
    status = _STATUSES[status_code]
    return status, amount, status_code != 0 and counts_in_total(Candidate(measure, status, amount[8].value))


def _linked(members: list[int], groups: list[list[str]]) -> list[list[int]]:
    """``members`` split into sets linked by shared groups (connected components)."""
    parent = {i: i for i in members}

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    leader: dict[str, int] = {}
    for i in members:
        for group in groups[i]:
            if group in leader:
                parent[root(i)] = root(leader[group])
            else:
                leader[group] = i
    sets: dict[int, list[int]] = {}
    for i in members:
        sets.setdefault(root(i), []).append(i)
    return list(sets.values())


#: A figures-only amount: how to make the amount kind's own figures function (kind, min yuan,
#: max yuan before the duration, as ``compute_amount`` computes them, without the text), made
#: once per block where anyone is live, and the facts it is given, in order.
Quick = tuple[Callable[[], Callable[..., Figures]], tuple[str, ...]]


def _quick(amount: rm.Amount) -> Quick | None:
    """The figures-only reading of an amount kind that has one (the kind's own figures function)."""
    if isinstance(amount, rm.Ratio):  # the rule read once per block, not once per answer
        return partial(ratio_figures_for, amount), (amount.base,)
    if isinstance(amount, rm.ExcessRefund):
        return _bound(excess_refund_figures, amount), (amount.paid, amount.base)
    if isinstance(amount, rm.Tiers):
        if amount.rewarded is None:
            return _bound(partial(tiers_figures, rewarded=None), amount), (amount.fact,)
        return _bound(tiers_figures, amount), (amount.fact, amount.rewarded)
    if isinstance(amount, rm.BasePlusStep):
        if amount.rewarded is None:
            return _bound(partial(base_plus_step_figures, rewarded=None), amount), (amount.fact,)
        return _bound(base_plus_step_figures, amount), (amount.fact, amount.rewarded)
    if isinstance(amount, rm.RatioItems):
        return _bound(ratio_items_figures, amount), (amount.items,)
    if isinstance(amount, rm.PerUnit):
        if amount.actual_cost is None:
            return _bound(per_unit_figures, amount), (amount.quantity,)
        return _bound(per_unit_figures, amount), (amount.quantity, amount.actual_cost)
    return None


def _bound(figures: Callable[..., Figures], amount: rm.Amount) -> Callable[[], Callable[..., Figures]]:
    """Makes ``figures`` with the rule as its first argument (what it reads of the rule, per answer)."""
    return partial(partial, figures, amount)


class _Node:
    """A condition as a block decides it: a leaf (compiled) on ``fact``, or children
    combined (``any``: the maximum state, else the minimum); ``where``: an item condition's
    item tests (``any_item``), decided item field by item field where they can be."""

    __slots__ = ("any", "children", "fact", "leaf", "where")

    def __init__(
        self,
        fact: str | None,
        leaf: CompiledCondition | None,
        children: list[_Node],
        any_of: bool,
        where: list[rm.ItemCondition] | None = None,
    ):
        self.fact = fact
        self.leaf = leaf
        self.children = children
        self.any = any_of
        self.where = where


class VectorEvaluator:
    """Status, amount and count-in-total of every measure for a block of companies at once."""

    #: Distinct amount inputs in a block up to which amounts are memoised across blocks.
    MEMOISE_UP_TO = 256

    def __init__(self, engine: Engine, as_of: _dt.date):
        self.engine = engine
        self.as_of = as_of
        self.rows = RowEvaluator(engine, as_of)  # shares its amount memo
        self.measures = self.rows.measures
        unique: dict[str, int] = {}
        self._nodes: list[rm.Condition] = []
        self._measure_nodes: list[tuple[int, ...]] = []
        for measure in self.measures:
            ids = []
            for condition in conditions(engine, measure.id):
                key = condition.model_dump_json(exclude={"label"}, round_trip=True)
                if key not in unique:
                    unique[key] = len(self._nodes)
                    self._nodes.append(condition)
                ids.append(unique[key])
            self._measure_nodes.append(tuple(ids))
        self._leaves: dict[str, CompiledCondition] = {}
        self._plans = [self._plan(node) for node in self._nodes]
        # a tax benefit's figures never depend on the answers (only its explanation does)
        self._amount_facts = [
            () if isinstance(m.amount, rm.TaxBenefit) else tuple(amount_fact_names(m)) for m in self.measures
        ]
        self._fixed: dict[int, Amount] = {}
        self._durations: dict[int, tuple[bool, int]] = {}
        # measures whose amount is the same for everyone: the outcome follows from the status
        self._by_status = [i for i, names in enumerate(self._amount_facts) if not names]
        self._by_status_set = frozenset(self._by_status)
        # per measure its conditions (node ids), the first repeated up to the longest (the minimum
        # does not change), held column by column (one minimum over the rows of every measure);
        # a measure with none reads one more node, met for everyone (``status_of`` of no state)
        self._met_row = len(self._nodes) if not all(self._measure_nodes) else None
        ids_of = [ids or (len(self._nodes),) for ids in self._measure_nodes]
        longest = max(map(len, ids_of), default=1)
        rows = [[*ids, *(ids[:1] * (longest - len(ids)))] for ids in ids_of]
        self._node_columns = np.array(rows, dtype=np.intp).T.copy()
        # amounts whose figures are computed directly, without their explanation
        self._quick = {i: quick for i, m in enumerate(self.measures) if (quick := _quick(m.amount)) is not None}
        # of those, the ones whose figures are computed for the whole block in numpy
        self._kernels = {i: kernel for i in self._quick if (kernel := KERNELS.get(type(self.measures[i].amount)))}
        groups = [[g.id for g in engine.groups_of.get(m.id, [])] for m in self.measures]
        self._components = _linked([i for i, ids in enumerate(groups) if ids], groups)
        # per linked set: every pair of its members (the earlier one's position, the later one's)
        self._pairs = [np.triu_indices(len(members), 1) for members in self._components]
        self._grouped = frozenset(i for members in self._components for i in members)
        # measures in no group whose outcome is their status alone
        self._alone = [i for i in self._by_status if i not in self._grouped]
        self._alone_outcomes: dict[tuple[int, int, int], Outcome] = {}
        self._counted_grouped: dict[tuple[int, ...], tuple[bool, ...]] = {}

    # --- conditions

    def _leaf(self, condition: rm.Condition) -> CompiledCondition:
        key = condition.model_dump_json(round_trip=True)
        found = self._leaves.get(key)
        if found is None:
            found = self._leaves[key] = compile_condition(condition, self.engine.show, self.engine.inputs_of)
        return found

    def _plan(self, condition: rm.Condition) -> _Node:
        """How a condition is decided over a block: its children combined, or its leaf
        (compiled once; equal leaves anywhere share one)."""
        children = condition.any or condition.all
        if children and condition.op != "undecidable":
            return _Node(condition.fact, None, [self._plan(child) for child in children], bool(condition.any))
        where = condition.where if condition.op == "any_item" else None
        return _Node(condition.fact, self._leaf(condition), [], False, where)

    def _states(self, node: _Node, column: Callable[[str], _Column], size: int, decided: dict[int, States]) -> States:
        """The state of ``node`` for every company of the block (``decided``: the leaves
        decided so far in this block, by id)."""
        leaf = node.leaf
        if leaf is None:
            parts = [self._states(child, column, size, decided) for child in node.children]
            combine = np.maximum if node.any else np.minimum
            return combine.reduce(parts) if len(parts) > 1 else parts[0]
        found = decided.get(id(leaf))
        if found is not None:
            return found
        if node.fact is None:  # undecidable: the same for everyone
            state = _STATE_CODE[leaf.state({AS_OF_YEAR: self.as_of.year})]
            found = decided[id(leaf)] = np.full(size, state, dtype=np.int8)
            return found
        col = column(node.fact)
        if leaf.compares is not None and col.numbers():
            found = decided[id(leaf)] = _numeric_table(leaf.compares, col.values)[col.codes]
            return found
        if node.where is not None and (lists := col.item_lists()) is not None:
            by_list = lists.any_item(node.where)
            if by_list is not None:
                found = decided[id(leaf)] = by_list[col.codes]
                return found
        value_state = leaf.value_state
        if value_state is None:  # it reads the as-of year too (a time word)
            fact, decide = node.fact, leaf.state
            facts = {AS_OF_YEAR: self.as_of.year}  # one mapping, its fact set to each distinct value in turn

            def value_state(value: Any) -> str:
                facts[fact] = value
                return decide(facts)

        table = _state_codes(map(_STATE_CODE.__getitem__, map(value_state, col.values)))
        found = decided[id(leaf)] = table[col.codes]
        return found

    # --- the block

    def assess(self, companies: FactColumns | Sequence[dict[str, Any]]) -> Assessed:
        """The outcomes of a block of companies (their facts in columns, or as ``profile_facts``
        gives them)."""
        block_facts = companies if isinstance(companies, FactColumns) else FactColumns.from_rows(companies)
        size = block_facts.size
        n = len(self.measures)
        if not size or not n:
            return Assessed([[] for _ in range(n)], [[] for _ in range(n)])
        columns: dict[str, _Column] = {}

        def column(fact: str) -> _Column:
            found = columns.get(fact)
            if found is None:
                found = columns[fact] = _Column(block_facts.column(fact))
            return found

        decided: dict[int, States] = {}
        node_states = [self._states(plan, column, size, decided) for plan in self._plans]
        if self._met_row is not None:
            node_states.append(np.full(size, _STATE_CODE[MET], dtype=np.int8))
        # a row per measure: the minimum state of its conditions (then 不符合 where nothing is to pay)
        statuses = np.minimum.reduce(np.stack(node_states)[self._node_columns], axis=0)
        anyone_live = (statuses.max(axis=1) > 0).tolist()

        amount_tables: list[list[Amount]] = []
        amount_codes: dict[int, Codes] = {}  # each company's place in the table, where read later
        for index in range(n):
            status = statuses[index]
            if index in self._by_status_set:
                table = self._fixed_table(index, anyone_live[index])
                if len(table) == 1:  # no amount for anyone: 不符合 for everyone
                    status[:] = 0
                if index in self._grouped:  # its place is 1 where it is live
                    amount_codes[index] = (status != 0).astype(np.int64)
            else:
                table, codes = self._amounts(index, status, column, size)
                # nothing to pay where the place is 0 (everywhere for a table of one)
                np.copyto(status, 0, where=codes == 0)
                amount_codes[index] = codes
            amount_tables.append(table)
        counted = self._counted(statuses, amount_tables, amount_codes)
        return self._outcomes(statuses, amount_tables, amount_codes, counted)

    def _fixed_table(self, index: int, anyone_live: bool) -> list[Amount]:
        """The amounts table of measure ``index`` whose figures are the same for every company
        (computed once per run): ``NO_AMOUNT``, then those figures where someone is live and
        there is something to pay."""
        found = self._fixed.get(index)
        if found is None:
            found = self._fixed[index] = self.rows.amount(index, {AS_OF_YEAR: self.as_of.year}, None)
        if nothing_to_pay(POSSIBLE, found) or not anyone_live:
            return [NO_AMOUNT]
        return [NO_AMOUNT, found]

    def _amounts(
        self, index: int, status: States, column: Callable[[str], _Column], size: int
    ) -> tuple[list[Amount], Codes]:
        """Measure ``index``'s amounts: a table of distinct figures (``NO_AMOUNT`` first) and each
        company's place in it (0 where the measure is 不符合 or there is nothing to pay), computed
        once per distinct input among the companies the measure is not 不符合 for."""
        names = self._amount_facts[index]
        live = np.flatnonzero(status)
        codes = np.zeros(size, dtype=np.int64)
        measure, label, quick = self.measures[index], self.engine.label, self._quick.get(index)
        kernel = self._kernels.get(index)
        if kernel is not None and quick is not None and len(live):  # the whole block at once, where it can be
            by_kernel = self._block_figures(index, kernel, [column(name) for name in quick[1]], live)
            if by_kernel is not None:
                table, codes[live] = by_kernel
                return table, codes
        if quick is not None:  # the figures of each input, then one result per distinct figures
            make_figures, reads = quick
            by_items = self._item_figures(index, column, live)
            if by_items is not None:
                inverse, figures_of = by_items
            else:
                inverse, inputs = _inputs([column(name) for name in reads], live)
                figures_of = list(map(make_figures(), *inputs)) if len(live) else []
            distinct = list(dict.fromkeys(figures_of))  # distinct figures: distinct amounts
            table, places = _figures_table(distinct, *self._duration(index))
            at_of = dict(zip(distinct, places, strict=True))
            place = [0, *map(at_of.__getitem__, figures_of)]
        else:
            table = [NO_AMOUNT]
            # each distinct input's place in the table: equal figures share one entry
            seen: dict[Amount, int] = {NO_AMOUNT: 0}

            def place_of(found: Amount) -> int:
                if nothing_to_pay(POSSIBLE, found):
                    return 0
                at = seen.get(found)
                if at is None:
                    at = seen[found] = len(table)
                    table.append(found)
                return at

            inverse, inputs = _inputs([column(name) for name in names], live)
            year = self.as_of.year
            if len(names) == 1:
                name = names[0]
                inputs_facts = [{name: value, AS_OF_YEAR: year} for value in inputs[0]]
            else:
                inputs_facts = [
                    {**dict(zip(names, values, strict=True)), AS_OF_YEAR: year} for values in zip(*inputs, strict=True)
                ]
            # across blocks, a measure with few distinct inputs is memoised; one whose inputs
            # differ for most companies (an amount of money) is computed once per combination
            if len(inputs_facts) <= self.MEMOISE_UP_TO:
                place = [0]
                for facts in inputs_facts:
                    frozen = {name: freeze(facts[name]) for name in names}
                    place.append(place_of(self.rows.amount(index, facts, frozen)))
            else:
                place = [0, *(place_of(amount_tuple(compute_amount(measure, facts, label))) for facts in inputs_facts)]
        codes[live] = np.array(place, dtype=np.int64)[inverse + 1]
        return table, codes

    def _item_figures(
        self, index: int, column: Callable[[str], _Column], live: Codes
    ) -> tuple[Codes, list[Figures]] | None:
        """For a ratio over items (measure ``index``): each live company's input (its list's
        index among the distinct lists of the live) and each of those lists' figures, read
        item field by item field (``ItemLists.ratio_items``); None for another amount kind or
        where they are not decided so (then the figures function decides per list)."""
        amount = self.measures[index].amount
        if not isinstance(amount, rm.RatioItems) or not len(live):
            return None
        col = column(amount.items)
        lists = col.item_lists()
        by_list = lists.ratio_items(amount) if lists is not None else None
        if by_list is None:
            return None
        inverse, first = _joint([col.codes[live]], len(live))
        return inverse, list(map(by_list.__getitem__, col.codes[live[first]].tolist()))

    def _block_figures(
        self, index: int, kernel: Kernel, reads: list[_Column], live: Codes
    ) -> tuple[list[Amount], Codes] | None:
        """Measure ``index``'s table of distinct figures (``NO_AMOUNT`` first) and each live
        company's place in it, its figures computed by ``kernel`` for all of them at once; None
        where the kernel cannot vouch for them (then the quick path decides, as before)."""
        try:
            figured = kernel(self.measures[index].amount, [c.yuan() for c in reads], [c.codes[live] for c in reads])
        except Exception:  # a rule part refused: the quick path gives today's figures or error
            return None
        if figured is None or not below_limit(figured.values):
            return None
        figured = canonical(figured)  # distinct (form, value) pairs: distinct figures
        forms = len(figured.constants) + 2
        distinct, inverse = _factorised(figured.values * forms + figured.forms)
        values_of, forms_of = np.divmod(distinct, forms)  # the key's parts (numpy floors, as it made the key)
        pairs = zip(values_of.tolist(), forms_of.tolist(), strict=True)
        table, place = _figures_table(figured.figures_of(pairs), *self._duration(index))
        return table, np.array(place, dtype=np.int64)[inverse]

    def _duration(self, index: int) -> tuple[bool, int]:
        """(per_year, years) that ``apply_duration`` gives measure ``index``'s amounts (read once:
        it reads only the measure's duration)."""
        found = self._durations.get(index)
        if found is None:
            probe = AmountResult(UNKNOWN_KIND)
            apply_duration(probe, self.measures[index].duration)
            found = self._durations[index] = (probe.per_year, probe.years)
        return found

    def _outcomes(
        self, statuses: States, tables: list[list[Amount]], codes: dict[int, Codes], counted: dict[int, Codes]
    ) -> Assessed:
        """The block's outcomes: per measure, each distinct (status, amount, counted) and each
        company's. ``counted`` holds the flags of grouped measures; a measure in no group is
        blocked by none (``take_highest``): it counts when ``counts_in_total`` says it adds to a
        total, decided here once per distinct (status, amount)."""
        block = Assessed([[] for _ in tables], [None] * len(tables))
        # measures in no group whose outcome is their status alone: all at once
        alone = self._alone
        if alone:
            rows = np.arange(len(alone))[:, None]
            by_status = statuses[alone]
            present = np.zeros((len(alone), 3), dtype=bool)
            present[rows, by_status] = True
            places = (np.cumsum(present, axis=1) - 1)[rows, by_status]
            for row, (index, present_codes) in enumerate(zip(alone, present.tolist(), strict=True)):
                table = tables[index]
                block.tables[index] = [
                    self._alone_outcome(index, code, table) for code, here in enumerate(present_codes) if here
                ]
                block.codes[index] = places[row]
        for index, table in enumerate(tables):
            if block.codes[index] is not None:
                continue
            width = len(table)
            flags = counted.get(index)
            table_out: list[Outcome] = []
            if flags is None:
                measure = self.measures[index]
                distinct, inverse, _ = _distinct(statuses[index] * np.int64(width) + codes[index])
                status_codes, amount_codes = np.divmod(distinct, width)
                for status_code, amount_code in zip(status_codes.tolist(), amount_codes.tolist(), strict=True):
                    table_out.append(_ungrouped_outcome(measure, status_code, table[amount_code]))
            else:
                combined = (statuses[index] * np.int64(2) + flags) * width + codes[index]
                distinct, inverse, _ = _distinct(combined)
                rest, amount_codes = np.divmod(distinct, width)
                status_codes, counted_codes = np.divmod(rest, 2)
                for status_code, amount_code, is_counted in zip(
                    status_codes.tolist(), amount_codes.tolist(), (counted_codes != 0).tolist(), strict=True
                ):
                    table_out.append((_STATUSES[status_code], table[amount_code], is_counted))
            block.tables[index] = table_out
            block.codes[index] = inverse
        return block

    def _alone_outcome(self, index: int, status_code: int, table: list[Amount]) -> Outcome:
        """The outcome of measure ``index`` (in no group, its amount the same for everyone:
        ``table`` is ``_fixed_table``'s) for a status: decided once per run, as its status,
        amount and whether it adds to a total are."""
        key = (index, status_code, len(table))
        found = self._alone_outcomes.get(key)
        if found is None:
            amount = table[min(status_code, len(table) - 1)]
            found = self._alone_outcomes[key] = _ungrouped_outcome(self.measures[index], status_code, amount)
        return found

    # --- who counts in the total

    def _counted(self, statuses: States, tables: list[list[Amount]], codes: dict[int, Codes]) -> dict[int, Codes]:
        """Per grouped measure, 1 where the company's outcome counts in its total."""
        counted: dict[int, Codes] = {}
        for number, members in enumerate(self._components):
            counted_linked = self._counted_linked(number, members, statuses, tables, codes)
            counted.update(zip(members, counted_linked, strict=True))
        return counted

    def _counted_linked(
        self, number: int, members: list[int], statuses: States, tables: list[list[Amount]], codes: dict[int, Codes]
    ) -> list[Codes]:
        """Counted flags of measures linked by shared groups (groups never linked decide apart).

        The same-kind rule reads of each member only whether it is live, its place in
        ``group_rank``'s order and whether it could add to a total; companies alike in those
        get the same flags, decided once by the rule itself (``counted_flags``) on one of them.
        The order is ``group_rank``'s own: each distinct live outcome's rank among them all,
        held as which member comes before which (every pair: the order itself, as bits).
        Every member is read at once: its (status, amount) outcomes keyed apart from the other
        members' (each member's keys start after the previous member's), one factorisation."""
        widths = [len(tables[i]) for i in members]
        bases = list(accumulate((3 * width for width in widths), initial=0))
        keys = (
            statuses[members].astype(np.int64) * np.array(widths, dtype=np.int64)[:, None]
            + np.stack([codes[i] for i in members])
            + np.array(bases[:-1], dtype=np.int64)[:, None]
        )
        distinct, inverse, _ = _distinct(keys.reshape(-1))
        outcome_of = inverse.reshape(len(members), -1)  # per member, each company's outcome (of all members')
        starts = np.searchsorted(distinct, bases).tolist()  # member k's outcomes: starts[k] to starts[k + 1]
        candidates: list[Candidate | None] = []  # per outcome: None where 不符合
        member_of: list[int] = []
        for position, i in enumerate(members):
            width, base = widths[position], bases[position]
            for key in distinct[starts[position] : starts[position + 1]].tolist():
                status_code, at = divmod(key - base, width)
                live = status_code != 0
                candidates.append(
                    Candidate(self.measures[i], _STATUSES[status_code], tables[i][at][8].value) if live else None
                )
                member_of.append(position)
        ranks = [None if c is None else group_rank(c) for c in candidates]
        place = {rank: position for position, rank in enumerate(sorted({r for r in ranks if r is not None}))}
        # 不符合: after every live one, in member order
        order_of = [len(place) + m if r is None else place[r] for r, m in zip(ranks, member_of, strict=True)]
        combination, first = self._combinations(outcome_of, starts)
        picks = outcome_of[:, first]  # per member, each combination's outcome
        earlier, later = self._pairs[number]
        order = np.array(order_of, dtype=np.int64)[picks]
        bits = np.concatenate(
            [
                np.array([c is not None for c in candidates])[picks],
                np.array([c is not None and counts_in_total(c) for c in candidates])[picks],
                order[earlier] < order[later],
            ]
        )
        # the bits as integers (62 to one), then the distinct keys among the combinations
        words = [
            np.left_shift(1, np.arange(min(62, len(bits) - start), dtype=np.int64)) @ bits[start : start + 62]
            for start in range(0, len(bits), 62)
        ]
        key_of, key_first = _joint(words, len(first))
        rows = []
        # the words of each distinct key (the same bits in the same places in every block)
        for key_words, outcomes in zip(
            np.stack(words, axis=1)[key_first].tolist(), picks[:, key_first].T.tolist(), strict=True
        ):
            key = (number, *key_words)
            flags = self._counted_grouped.get(key)
            if flags is None:
                chosen = [(p, c) for p, c in enumerate(map(candidates.__getitem__, outcomes)) if c is not None]
                decided = dict(
                    zip((p for p, _ in chosen), counted_flags(self.engine, [c for _, c in chosen]), strict=True)
                )
                flags = tuple(decided.get(position, False) for position in range(len(members)))
                if len(self._counted_grouped) > 5_000:
                    self._counted_grouped.clear()
                self._counted_grouped[key] = flags
            rows.append(flags)
        return list(np.array(rows, dtype=np.int64).T[:, key_of[combination]])

    @staticmethod
    def _combinations(outcome_of: Codes, starts: list[int]) -> tuple[Codes, Codes]:
        """Distinct combinations of the members' outcomes (``outcome_of``: a row per member, its
        outcomes numbered from ``starts[member]``): each company's, and each one's first company.
        Each member's outcome is a digit of one number where the digits fit an int64."""
        radices = [end - start for start, end in pairwise(starts)]
        if prod(radices) >= 1 << 62:
            return _joint(list(outcome_of), outcome_of.shape[1])
        weights = [prod(radices[k + 1 :]) for k in range(len(radices))]
        digits = outcome_of - np.array(starts[:-1], dtype=np.int64)[:, None]
        _, inverse, first = _distinct(np.array(weights, dtype=np.int64) @ digits, first=True)
        return inverse, first
