"""Per-company evaluation: status, amount and count-in-total of every measure.

``RowEvaluator`` decides one company at a time; it is the reference the vectorised
evaluator (``advisor.batch.vector``) is tested against, and the path every company takes
when numpy is missing. Both give their results as an ``Assessed`` block: per measure a
small table of distinct outcomes and, per company, the index of its outcome.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from advisor import rule_model as rm
from advisor.amounts import AmountResult, compute_amount
from advisor.batch.columns import FactColumns, freeze
from advisor.batch.engine_api import (
    AS_OF_YEAR,
    INELIGIBLE,
    Candidate,
    Engine,
    compiled,
    conditions,
    counted_flags,
    status_of,
)
from advisor.catalogue import DERIVED_FACTS, amount_facts

#: (kind, min_yuan, max_yuan, per_year, years, total_min_yuan, total_max_yuan, later_yuan, AmountResult): the
#: figures, which decide equality, and the result itself (its display text is built only where shown)
Amount = tuple[Any, ...]
#: (status, amount, counted in the company's total)
Outcome = tuple[str, Amount, bool]


@dataclass
class Assessed:
    """The outcomes of a block of companies.

    ``tables[m]`` lists the distinct outcomes of measure ``m`` (catalogue order) in this
    block; ``codes[m][c]`` is company ``c``'s index in it (a list, or a numpy int array from
    the vectorised evaluator: the writer takes either).
    """

    tables: list[list[Outcome]] = field(default_factory=list)
    codes: list[Any] = field(default_factory=list)

    def outcomes(self, company: int) -> list[Outcome]:
        return [table[int(codes[company])] for table, codes in zip(self.tables, self.codes, strict=True)]


def amount_tuple(a: AmountResult) -> Amount:
    """The figures of an AmountResult, hashable, with the result itself last (read-only)."""
    return (
        a.kind,
        a.min_yuan,
        a.max_yuan,
        a.per_year,
        a.years,
        a.total_min_yuan,
        a.total_max_yuan,
        a.later_yuan,
        Frozen(a),
    )


def figures_amount(figures: tuple[str, int | None, int | None], per_year: bool, years: int) -> Amount:
    """``amount_tuple(AmountResult(*figures, per_year, years))``, the entry of a figures-only
    amount (no working text), built without reading the result's properties back."""
    return figures_amounts((figures,), per_year, years)[0]


def figures_amounts(many: Iterable[tuple[str, int | None, int | None]], per_year: bool, years: int) -> list[Amount]:
    """``figures_amount`` of each figures, in one loop: batch makes one per distinct figures of a
    measure in a block (about one per company for money answers)."""
    return [
        (
            kind,
            low,
            high,
            per_year,
            years,
            None if low is None else low * years,
            None if high is None else high * years,
            None,
            Frozen(AmountResult(kind, low, high, per_year, years)),
        )
        for kind, low, high in many
    ]


class Frozen:
    """Wraps a memoised AmountResult so it takes no part in hashing or equality."""

    __slots__ = ("value",)

    def __init__(self, value: AmountResult | None):
        self.value = value

    def __hash__(self) -> int:
        return 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Frozen)


#: The amount of an outcome that is 不符合: none. A register's spreadsheet leaves those cells
#: empty, so a column's sum or sort never counts an amount the company cannot apply for.
NO_AMOUNT: Amount = (None, None, None, None, None, None, None, None, Frozen(None))


def amount_fact_names(measure: rm.Measure) -> list[str]:
    """The facts an amount reads; a derived fact is keyed by its inputs too (harmless)."""
    names = list(amount_facts(measure.amount))
    return names + [i for n in names for i in DERIVED_FACTS.get(n, ("", "", ()))[2]]


def nothing_to_pay(status: str, amount: Amount) -> bool:
    """As ``Engine.evaluate_measure``: an exact amount of 0 with nothing to come is not an application."""
    return status != INELIGIBLE and amount[0] == "exact" and amount[2] == 0 and not amount[7]


def _getter(names: tuple[str, ...]) -> Callable[[dict[str, Any]], Any]:
    if not names:
        return lambda frozen: ()
    if len(names) == 1:
        name = names[0]
        return lambda frozen: frozen[name]
    return itemgetter(*names)


class RowEvaluator:
    """Status, amount and count-in-total of every measure, one company at a time.

    Equivalent to ``Engine.match`` for those figures (not the explanations), except that a
    不符合 outcome carries no amount (``NO_AMOUNT``): each distinct top-level condition is
    decided once per company with the engine's compiled conditions; amounts come from
    ``compute_amount`` itself, memoised by the exact (frozen) values of the facts the amount
    reads; who counts in the total is the engine's stacking rule.
    """

    #: Per measure; a memoised amount holds its explanation (~0.5 KB): at most about 0.5 MB each.
    MEMO_LIMIT = 1_000

    def __init__(self, engine: Engine, as_of: _dt.date):
        self.engine = engine
        self.as_of = as_of
        self.measures = list(engine.catalogue.measures)
        unique: dict[str, int] = {}
        self._state_fns: list[Callable[[Any], str]] = []
        self._condition_ids: list[tuple[int, ...]] = []
        for measure in self.measures:
            ids = []
            for compiled_condition, condition in zip(
                compiled(engine, measure.id), conditions(engine, measure.id), strict=True
            ):
                key = condition.model_dump_json(exclude={"label"}, round_trip=True)
                if key not in unique:
                    unique[key] = len(self._state_fns)
                    self._state_fns.append(compiled_condition.state)
                ids.append(unique[key])
            self._condition_ids.append(tuple(ids))
        amount_facts_of = [tuple(amount_fact_names(m)) for m in self.measures]
        self._amount_facts = sorted({f for facts in amount_facts_of for f in facts})
        self._amount_key = [_getter(facts) for facts in amount_facts_of]
        self._amount_memo: list[dict[Any, Amount]] = [{} for _ in self.measures]

    def amount(self, index: int, facts: dict[str, Any], frozen: dict[str, Any] | None) -> Amount:
        """The amount of measure ``index`` for these facts (memoised when ``frozen`` is given)."""
        if frozen is None:
            return amount_tuple(compute_amount(self.measures[index], facts, self.engine.label))
        key = self._amount_key[index](frozen)
        memo = self._amount_memo[index]
        found = memo.get(key)
        if found is None:
            found = amount_tuple(compute_amount(self.measures[index], facts, self.engine.label))
            if len(memo) > self.MEMO_LIMIT:
                memo.clear()
            memo[key] = found
        return found

    def assess_one(self, facts: dict[str, Any]) -> list[Outcome]:
        """For one company: per measure (catalogue order) its status, amount and counted flag."""
        facts[AS_OF_YEAR] = self.as_of.year  # time words compare with the batch's as-of date
        try:
            frozen: dict[str, Any] | None = {f: freeze(facts.get(f)) for f in self._amount_facts}
        except TypeError:  # a value we cannot key by: compute without the memo
            frozen = None
        states: list[str | None] = [None] * len(self._state_fns)
        state_fns = self._state_fns

        def decided(i: int) -> str:
            """Condition ``i``'s state for this company, decided once (measures share conditions)."""
            found = states[i]
            if found is None:
                found = states[i] = state_fns[i](facts)
            return found

        out: list[tuple[str, Amount]] = []
        live: list[Candidate] = []
        for index, ids in enumerate(self._condition_ids):
            status = status_of(decided(i) for i in ids)
            amount = NO_AMOUNT
            if status != INELIGIBLE:
                amount = self.amount(index, facts, frozen)
                if nothing_to_pay(status, amount):
                    status, amount = INELIGIBLE, NO_AMOUNT
                else:
                    live.append(Candidate(self.measures[index], status, amount[8].value))
            out.append((status, amount))
        counted = {c.measure.id for c, flag in zip(live, counted_flags(self.engine, live), strict=True) if flag}
        return [(status, amount, m.id in counted) for m, (status, amount) in zip(self.measures, out, strict=True)]

    def assess(self, companies: FactColumns | Sequence[dict[str, Any]]) -> Assessed:
        """The outcomes of a block of companies (their facts in columns, or as ``profile_facts``
        gives them)."""
        if isinstance(companies, FactColumns):
            companies = companies.rows()
        n = len(self.measures)
        index: list[dict[Outcome, int]] = [{} for _ in range(n)]
        block = Assessed([[] for _ in range(n)], [[] for _ in range(n)])
        for facts in companies:
            for m, outcome in enumerate(self.assess_one(facts)):
                code = index[m].get(outcome)
                if code is None:
                    code = index[m][outcome] = len(block.tables[m])
                    block.tables[m].append(outcome)
                block.codes[m].append(code)
        return block
