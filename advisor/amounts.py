"""Amounts as the policy texts define them, in exact integer yuan.

Each rule amount kind has one function. A function reads facts (万元 values
are Decimal, converted to yuan here), never guesses a missing figure, and
writes its calculation out in Chinese so a consultant can defend it: the figures
at once, the text when first read (``AmountResult.calculation``), from the same
figures, since matching and batch read only the figures (issue 9).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import ROUND_FLOOR, Decimal, InvalidOperation, getcontext
from functools import lru_cache, partial
from itertools import repeat
from operator import eq, mul
from typing import Any, TypeVar

from advisor import money
from advisor import rule_model as rm
from advisor.conditions import item_state, item_tests
from advisor.money import YUAN_PER_WAN, wan_to_yuan

# Pure functions of integers, called many times per profile with the same rule figures:
# memoised (an exception is never cached, so invalid input still raises every time).
format_wan = lru_cache(maxsize=65536)(money.format_wan)
format_wan_range = lru_cache(maxsize=65536)(money.format_wan_range)

Facts = Mapping[str, Any]

#: Public amount kinds (the ``kind`` of the JSON contract).
EXACT, UP_TO, RANGE = "exact", "up_to", "range"
UNQUANTIFIED, CASE_BY_CASE, NOT_PUBLISHED = "unquantified", "case_by_case", "not_published"
NON_MONETARY, TAX, UNKNOWN = "non_monetary", "tax", "unknown"
#: Kinds whose figure is an estimate (ranked by value, added to the totals).
ESTIMATED_KINDS = frozenset({EXACT, RANGE, UP_TO})


#: The working text of an amount: written, or a function that writes it when first read.
Calculation = str | Callable[[], str]


class AmountResult:
    """One measure's amount: kind and figures (exact yuan) at once, the working text
    (``calculation``) on first read.

    Matching needs only the figures; the Chinese calculation a consultant reads is
    written by the amount kind's own function (closing over the figures it computed, so
    the arithmetic is done once) the first time ``calculation`` is read, then kept.
    """

    __slots__ = ("_calculation", "kind", "later_yuan", "max_yuan", "min_yuan", "missing", "per_year", "years")

    def __init__(
        self,
        kind: str,
        min_yuan: int | None = None,
        max_yuan: int | None = None,
        per_year: bool = False,
        years: int = 1,
        calculation: Calculation = "",
        later_yuan: int | None = None,  # staged awards still to come
        missing: list[str] | None = None,  # facts that would sharpen the figure
    ) -> None:
        self.kind = kind
        self.min_yuan = min_yuan
        self.max_yuan = max_yuan
        self.per_year = per_year
        self.years = years
        self._calculation = calculation
        self.later_yuan = later_yuan
        self.missing: list[str] = missing if missing is not None else []

    @property
    def calculation(self) -> str:
        """How the figure follows from the clause and the answers, in Chinese."""
        text = self._calculation
        if not isinstance(text, str):
            text = self._calculation = text()
        return text

    @calculation.setter
    def calculation(self, value: str) -> None:
        self._calculation = value

    def _fields(self) -> tuple[Any, ...]:
        return (
            self.kind,
            self.min_yuan,
            self.max_yuan,
            self.per_year,
            self.years,
            self.calculation,
            self.later_yuan,
            self.missing,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AmountResult):
            return NotImplemented
        return self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dataclass it replaced

    def __repr__(self) -> str:
        names = ("kind", "min_yuan", "max_yuan", "per_year", "years", "calculation", "later_yuan", "missing")
        return "AmountResult(" + ", ".join(f"{n}={v!r}" for n, v in zip(names, self._fields(), strict=True)) + ")"

    @property
    def total_min_yuan(self) -> int | None:
        return None if self.min_yuan is None else self.min_yuan * self.years

    @property
    def total_max_yuan(self) -> int | None:
        return None if self.max_yuan is None else self.max_yuan * self.years

    def display(self) -> str:
        """Short display: '28.8万元/年 × 3年', '最高2,000万元', '一事一议'."""
        if self.kind in (CASE_BY_CASE, NOT_PUBLISHED, NON_MONETARY):
            return {CASE_BY_CASE: "一事一议", NOT_PUBLISHED: "金额未公布", NON_MONETARY: "非资金支持"}[self.kind]
        if self.min_yuan is None and self.max_yuan is None:
            return {TAX: "税收优惠", UNQUANTIFIED: "金额未量化", UNKNOWN: "待补充数据"}.get(self.kind, "—")
        if self.kind == UNQUANTIFIED and self.min_yuan in (None, 0):
            text = f"未量化，最高{format_wan(self.max_yuan)}"
        else:
            text = format_wan_range(self.min_yuan, self.max_yuan)
        if self.per_year:
            text += f"/年 × {self.years}年"
        return text


#: Integers of fewer digits than the decimal context's default precision (28): a Decimal
#: operation whose exact result is one of them is never rounded, so integer arithmetic gives
#: the very same figure. Above it (or in a context of lower precision) the Decimal way decides.
_EXACT_BELOW = 10**28


def to_yuan(value: Any) -> int:
    """An answer's figure in yuan: ``wan_to_yuan(Decimal(value))``, the same figure or the same
    error, with less work for the usual int and Decimal values (answers differ from company to
    company: no memo). A Decimal takes ``wan_to_yuan``'s own steps (the product in the current
    context, whole or not) without its conversions; an int is multiplied as an int when the
    product cannot be rounded."""
    kind = type(value)
    if kind is int:
        yuan: int = value * YUAN_PER_WAN
        if -_EXACT_BELOW < yuan < _EXACT_BELOW and getcontext().prec >= 28:
            return yuan
    elif kind is Decimal:
        scaled = value * YUAN_PER_WAN  # as wan_to_yuan multiplies (a signalling NaN raises here too)
        if scaled.is_finite():
            yuan = int(scaled)
            if scaled == yuan:  # whole yuan; else wan_to_yuan says it is not
                return yuan
    return wan_to_yuan(Decimal(value))


def to_yuan_many(values: list[Any]) -> list[int]:
    """``[to_yuan(v) for v in values]``: the same figures, or the same error. A list of Decimals
    only (a money column's distinct answers in a batch block) takes ``to_yuan``'s own steps, the
    product in the current context and the whole yuan it must be, each step over the whole list
    in C (``map``) rather than one Python call per value; any other list, or one with a value not
    finite or not whole yuan, goes through ``to_yuan`` value by value, which decides as ever."""
    if _DECIMALS.issuperset(map(type, values)):
        try:
            scaled = list(map(mul, values, repeat(YUAN_PER_WAN)))  # as to_yuan multiplies
            yuan = list(map(int, scaled))
        except (ArithmeticError, ValueError):  # a NaN or an infinity: to_yuan says what
            pass
        else:
            if all(map(eq, scaled, yuan)):  # whole yuan: to_yuan's figure; else it says it is not
                return yuan
    return list(map(to_yuan, values))


_DECIMALS = frozenset({Decimal})


@lru_cache(maxsize=4096)
def _yuan_of(value: Any) -> int:
    return wan_to_yuan(Decimal(value))


def _yuan(value: Any) -> int:
    """A rule's figure in yuan (the same few figures again and again: memoised)."""
    if type(value) is Decimal or type(value) is int:
        return _yuan_of(value)
    return wan_to_yuan(Decimal(value))


def rule_yuan(value: Any) -> int:
    """A rule's figure (a cap, a threshold, an award) in yuan, exactly as the figures functions
    read it: batch's block-wide figures (``advisor.batch.figures``) read the rule here."""
    return _yuan(value)


def _floor(value: Decimal) -> int:
    """``value`` rounded down to an integer. A figure is rarely negative: its floor is then its
    integral part (``int`` truncates), without the rounding call (a NaN compares with an
    error: it takes the general way, which raises as it always did)."""
    try:
        if value >= 0:
            return int(value)
    except InvalidOperation:
        pass
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def _pct(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


def _cap_yuan(cap_wan: Decimal | None) -> int | None:
    return None if cap_wan is None else _yuan(cap_wan)


# Each kind's function computes the figures now and returns the working text as a
# function of them (``text``), written only when ``AmountResult.calculation`` is read.


def _fixed(a: rm.Fixed, facts: Facts, label: Callable[[str], str]) -> AmountResult:
    v = _yuan(a.value_wan)
    return AmountResult(EXACT, v, v, calculation=lambda: f"原文定额：{format_wan(v)}")


def _ceiling(a: rm.Ceiling, facts: Facts, label: Callable[[str], str]) -> AmountResult:
    high = _yuan(a.max_wan)
    low = _yuan(a.min_wan) if a.min_wan is not None else 0
    if a.min_wan is not None:
        return AmountResult(RANGE, low, high, calculation=lambda: f"原文给出区间：{format_wan_range(low, high)}")
    return AmountResult(
        UP_TO, 0, high, calculation=lambda: f"原文只给出上限：最高{format_wan(high)}，实际金额以主管部门核定为准"
    )


def ratio_value(a: rm.Ratio, base_yuan: int) -> tuple[int, int]:
    """The clause's figure for a base: the rate of it floored to whole yuan, and that figure
    after the cap (``ratio_figures`` and the working text read it)."""
    return _ratio_value(a.rate, _cap_yuan(a.cap_wan), base_yuan)


def _ratio_value(rate: Decimal, cap: int | None, base_yuan: int) -> tuple[int, int]:
    """``ratio_value`` from the rule's rate and cap in yuan: the one arithmetic of a ratio."""
    raw = _floor(rate * base_yuan)
    return raw, (cap if cap is not None and raw > cap else raw)


#: An amount's figures without its text: (kind, min yuan, max yuan), before the duration.
Figures = tuple[str, int | None, int | None]
#: What a ratio's figures read of its rule: the rate, the cap in yuan, whether the rate is a ceiling.
_RatioRule = tuple[Decimal, int | None, bool]


def _ratio_rule(a: rm.Ratio) -> _RatioRule:
    return a.rate, _cap_yuan(a.cap_wan), a.up_to  # the cap first: one not whole yuan says so first


def _ratio_figures(rule: _RatioRule, base: Any) -> Figures:
    rate, cap, up_to = rule
    if base is None:
        return (UNKNOWN, None, None) if cap is None else (UP_TO, 0, cap)
    _, value = _ratio_value(rate, cap, to_yuan(base))
    return (UP_TO, 0, value) if up_to else (EXACT, value, value)


def ratio_figures(a: rm.Ratio, base: Any) -> Figures:
    """A ratio's figures for the base's answer (None: unanswered, estimated by the cap if
    there is one): what ``_ratio`` returns, without its text."""
    return _ratio_figures(_ratio_rule(a), base)


def ratio_figures_for(a: rm.Ratio) -> Callable[[Any], Figures]:
    """``ratio_figures(a, base)`` as a function of the base, the rule read once (its cap
    checked now): batch reads a ratio's figures for many answers here."""
    return partial(_ratio_figures, _ratio_rule(a))


def _ratio(a: rm.Ratio, facts: Facts, label: Callable[[str], str]) -> AmountResult:
    base = facts.get(a.base)
    kind, low, high = ratio_figures(a, base)
    prefix = "不超过" if a.up_to else ""
    if base is None:
        if kind == UNKNOWN:
            return AmountResult(
                UNKNOWN,
                calculation=lambda: f"需填写“{label(a.base)}”后计算：{prefix}{_pct(a.rate)} × {label(a.base)}",
                missing=[a.base],
            )
        return AmountResult(
            UP_TO,
            0,
            high,
            calculation=lambda: f"“{label(a.base)}”未填写，按上限估计：最高{format_wan(high)}",
            missing=[a.base],
        )

    def text() -> str:
        base_yuan = to_yuan(base)
        raw, value = ratio_value(a, base_yuan)
        text = f"{prefix}{_pct(a.rate)} × {format_wan(base_yuan)} = {format_wan(raw)}"
        if value != raw:
            text += f" → 上限{format_wan(value)}"
        return text + f"（比例为上限，最高{format_wan(value)}）" if a.up_to else text

    return AmountResult(kind, low, high, calculation=text)


_T = TypeVar("_T")

#: What is prepared from a part of a rule (its item tests, its tiers in yuan), by the part's
#: identity: the part is kept with it, so the identity is never reused while it is here;
#: rule models are not changed once loaded.
_PREPARED: dict[tuple[str, int], tuple[Any, Any]] = {}


def _prepared(kind: str, part: Any, prepare: Callable[[Any], _T]) -> _T:
    """``prepare(part)``, computed once per rule part rather than once per company."""
    found = _PREPARED.get((kind, id(part)))
    if found is None or found[0] is not part:
        if len(_PREPARED) > 4096:
            _PREPARED.clear()
        found = _PREPARED[(kind, id(part))] = (part, prepare(part))
    result: _T = found[1]
    return result


def _item_tests(where: list[rm.ItemCondition]) -> list[tuple[str, Callable[[Any], bool | None]]]:
    """``item_tests(where)``, compiled once per rule."""
    return _prepared("item_tests", where, item_tests)


#: Per item of a ratio over items: its name, whether it meets the item tests (None:
#: undecided), and its figures (base yuan None when its amount is not filled in; raw, value).
_ItemRow = tuple[str, bool | None, int | None, int, int]


def _ratio_items_reading(a: rm.RatioItems, items: Any) -> tuple[Figures, list[_ItemRow], int, bool, int]:
    """(figures, the rows the text is written from, the sum before the total cap, whether the
    other reading of the cap applies, the low figure under it) for the items answered."""
    total_cap = _cap_yuan(a.total_cap_wan)
    item_cap = _cap_yuan(a.item_cap_wan)
    if items is None:
        high = total_cap
        return (UP_TO if high is not None else UNKNOWN, 0 if high is not None else None, high), [], 0, False, 0
    tests = _item_tests(a.where)
    item_label, item_base, rate = a.item_label, a.item_base, a.rate  # read once, not per item
    rows: list[_ItemRow] = []
    low_sum = high_sum = 0
    uncertain = False
    for index, item in enumerate(items, start=1):
        name = getattr(item, item_label, None) or f"第{index}项"
        matched = item_state(item, tests)
        if matched is False:
            rows.append((name, False, None, 0, 0))
            continue
        base = getattr(item, item_base, None)
        if base is None:
            uncertain = True
            rows.append((name, matched, None, 0, 0))
            high_sum += item_cap or 0
            continue
        base_yuan = to_yuan(base)
        raw = _floor(rate * base_yuan)
        value = min(raw, item_cap) if item_cap is not None else raw
        rows.append((name, matched, base_yuan, raw, value))
        if matched is None:
            uncertain = True
            high_sum += value
        else:
            low_sum += value
            high_sum += value
    summed = high_sum
    if total_cap is not None and high_sum > total_cap:
        high_sum = total_cap
        low_sum = min(low_sum, total_cap)
    other_cap = _cap_yuan(a.other_reading_total_cap_wan)
    other_reading = not a.up_to and other_cap is not None and high_sum > other_cap
    low_other = min(low_sum, other_cap) if other_reading and other_cap is not None else low_sum
    figures: Figures
    if a.up_to:
        figures = UP_TO, 0, high_sum
    elif other_reading:
        # The clause can be read as capping each item or the applicant as a whole: show both.
        figures = RANGE, low_other, high_sum
    elif uncertain:
        figures = RANGE, low_sum, high_sum
    else:
        figures = EXACT, high_sum, high_sum
    return figures, rows, summed, other_reading, low_other


def ratio_items_figures(a: rm.RatioItems, items: Any) -> Figures:
    """A ratio over list items' figures for the items answered: what ``_ratio_items`` returns,
    without its text. Batch reads them here."""
    return _ratio_items_reading(a, items)[0]


def _ratio_items(a: rm.RatioItems, facts: Facts, label: Callable[[str], str]) -> AmountResult:
    items = facts.get(a.items)
    figures, rows, summed, other_reading, low_other = _ratio_items_reading(a, items)
    high_sum = figures[2]
    if items is None:
        return AmountResult(
            *figures,
            calculation=lambda: (
                f"需逐项填写“{label(a.items)}”" + (f"；按上限估计最高{format_wan(high_sum)}" if high_sum else "")
            ),
            missing=[a.items],
        )
    total_cap = _cap_yuan(a.total_cap_wan)
    item_cap = _cap_yuan(a.item_cap_wan)
    other_cap = _cap_yuan(a.other_reading_total_cap_wan)

    def text() -> str:
        lines: list[str] = []
        for name, matched, base_yuan, raw, value in rows:
            if matched is False:
                lines.append(f"{name}：不符合条件，不计")
            elif base_yuan is None:
                lines.append(f"{name}：金额未填写" + (f"，最高{format_wan(item_cap)}" if item_cap else ""))
            else:
                line = f"{name}：{_pct(a.rate)} × {format_wan(base_yuan)} = {format_wan(raw)}"
                if value < raw:
                    line += f" → 单项上限{format_wan(item_cap)}"
                if matched is None:
                    line += "（条件待确认）"
                lines.append(line)
        text = "；".join(lines) if lines else "没有填写任何条目"
        if len(rows) > 1 or total_cap is not None:
            text += f"；合计 {format_wan(summed)}"
        if total_cap is not None and summed > total_cap:
            text += f" → 同一单位上限{format_wan(total_cap)}"
        if a.up_to:
            return text + "（比例为上限）"
        if other_reading:
            text += (
                f"；原文上限也可理解为每家单位合计{format_wan(other_cap)}，按此理解为{format_wan(low_other)}："
                f"区间 {format_wan_range(low_other, high_sum)}，以申请指南为准"
            )
        return text

    return AmountResult(*figures, calculation=text)


def _per_unit_reading(a: rm.PerUnit, quantity: Any, actual: Any) -> tuple[Figures, int, int | None, bool]:
    """(figures, the figure before the actual cost and the cap, the actual cost when it limits
    the figure, whether the cap does) for the answers (the quantity, the actual cost)."""
    cap = _cap_yuan(a.cap_wan)
    if quantity is None:
        return (UP_TO if cap else UNKNOWN, 0 if cap else None, cap), 0, None, False
    raw = _floor(a.unit_rate_yuan * Decimal(quantity) * a.months)
    value = raw
    kind = EXACT
    actual_yuan: int | None = None
    if a.actual_cost is not None:
        if actual is None:
            kind = UP_TO
        elif to_yuan(actual) < value:
            value = actual_yuan = to_yuan(actual)
    capped = False
    if cap is not None and value > cap:
        value, capped = cap, True
    return (kind, 0 if kind == UP_TO else value, value), raw, actual_yuan, capped


def per_unit_figures(a: rm.PerUnit, quantity: Any, actual: Any = None) -> Figures:
    """A per-unit subsidy's figures for the answers: what ``_per_unit`` returns, without its
    text. Batch reads them here."""
    return _per_unit_reading(a, quantity, actual)[0]


def _per_unit(a: rm.PerUnit, facts: Facts, label: Callable[[str], str]) -> AmountResult:
    quantity = facts.get(a.quantity)
    actual = None if a.actual_cost is None else facts.get(a.actual_cost)
    figures, raw, actual_yuan, capped = _per_unit_reading(a, quantity, actual)
    kind, _, value = figures
    rate = a.unit_rate_yuan
    if quantity is None:
        cap = value
        unknown = [a.quantity] + ([a.actual_cost] if a.actual_cost and actual is None else [])
        return AmountResult(
            *figures,
            calculation=lambda: (
                f"需填写“{label(a.quantity)}”：{rate.normalize():f}{a.unit_label} × 数量 × {a.months}月"
                + (f"；按上限估计最高{format_wan(cap)}" if cap else "")
            ),
            missing=unknown,
        )
    missing = [a.actual_cost] if a.actual_cost is not None and actual is None else []

    def text() -> str:
        text = f"{rate.normalize():f}{a.unit_label} × {quantity:,} × {a.months}月 = {format_wan(raw)}"
        if a.actual_cost is not None:
            if kind == UP_TO:
                text += f"（不超过{label(a.actual_cost)}，待填写）"
            elif actual_yuan is not None:
                text += f" → 不超过{label(a.actual_cost)} {format_wan(actual_yuan)}"
        if capped:
            text += f" → 每年上限{format_wan(value)}"
        return text

    return AmountResult(*figures, calculation=text, missing=missing)


def _tier_thresholds(tiers: list[rm.Tier]) -> list[tuple[int, rm.Tier]]:
    return [(_yuan(tier.threshold_wan), tier) for tier in tiers]


def _tier_award(tiers: list[rm.Tier], level_yuan: int) -> tuple[rm.Tier | None, int]:
    reached = None
    for threshold, tier in _prepared("tiers", tiers, _tier_thresholds):
        if level_yuan >= threshold:
            reached = tier
    return reached, _yuan(reached.award_wan) if reached else 0


def less_rewarded_figures(
    award: int, rewarded_fact: str | None, rewarded: Any, paid_for: Callable[[int], int]
) -> tuple[Figures, int]:
    """The award less what the level already rewarded earned (差额补足): the figures, and what
    was paid already (0 when unanswered or not asked)."""
    if rewarded_fact is None:
        return (EXACT, award, award), 0
    if rewarded is None:
        return (UP_TO, 0, award), 0
    paid = paid_for(to_yuan(rewarded))
    due = max(award - paid, 0)
    return (EXACT, due, due), paid


def _less_rewarded_result(
    figures: Figures,
    paid: int,
    text: Callable[[], str],
    rewarded_fact: str | None,
    rewarded: Any,
    label: Callable[[str], str],
    *,
    unknown_note: str,
    due_label: str,
) -> AmountResult:
    """The result of ``less_rewarded_figures`` with its working text."""
    if rewarded_fact is not None and rewarded is None:
        fact = rewarded_fact
        return AmountResult(
            *figures, calculation=lambda: text() + f"；“{label(fact)}”未填写，{unknown_note}", missing=[fact]
        )
    if not paid:
        return AmountResult(*figures, calculation=text)
    due = figures[2]
    return AmountResult(
        *figures, calculation=lambda: text() + f" − 已获 {format_wan(paid)} = {due_label}{format_wan(due)}"
    )


def _tier_paid(tiers: list[rm.Tier], level_yuan: int) -> int:
    return _tier_award(tiers, level_yuan)[1]


def _tiers_reading(a: rm.Tiers, value: Any, rewarded: Any) -> tuple[Figures, int, rm.Tier | None, int, int]:
    """(figures, level in yuan, the tier reached, its award, what was paid already) for the
    answers; the level 0 and no tier while the level is unanswered."""
    top = _yuan(a.tiers[-1].award_wan)  # first, as ever: a top award not whole yuan says so first
    if value is None:
        return (UP_TO, 0, top), 0, None, 0, 0
    level = to_yuan(value)
    tier, award = _tier_award(a.tiers, level)
    if tier is None:
        return (EXACT, 0, 0), level, None, 0, 0
    figures, paid = less_rewarded_figures(award, a.rewarded, rewarded, partial(_tier_paid, a.tiers))
    return figures, level, tier, award, paid


def tiers_figures(a: rm.Tiers, value: Any, rewarded: Any) -> Figures:
    """A tiered award's figures for the answers (the level, what it was rewarded already): what
    ``_tiers`` returns, without its text. Batch reads tiered awards here."""
    return _tiers_reading(a, value, rewarded)[0]


def _tiers(a: rm.Tiers, facts: Facts, label: Callable[[str], str]) -> AmountResult:
    value = facts.get(a.fact)
    rewarded = None if a.rewarded is None else facts.get(a.rewarded)
    figures, level, tier, award, paid = _tiers_reading(a, value, rewarded)
    if value is None:
        top = figures[2]
        return AmountResult(
            *figures, calculation=lambda: f"需填写“{label(a.fact)}”；最高档{format_wan(top)}", missing=[a.fact]
        )
    if tier is None:
        return AmountResult(
            *figures,
            calculation=lambda: (
                f"{label(a.fact)} {format_wan(level)} 未达到最低档 {format_wan(_yuan(a.tiers[0].threshold_wan))}"
            ),
        )
    reached = tier
    return _less_rewarded_result(
        figures,
        paid,
        lambda: (
            f"{label(a.fact)} {format_wan(level)} 达到 {format_wan(_yuan(reached.threshold_wan))} 档 → {format_wan(award)}"
        ),
        a.rewarded,
        rewarded,
        label,
        unknown_note="如已获奖励按差额补足",
        due_label="差额补足 ",
    )


def _table(a: rm.Table, facts: Facts, label: Callable[[str], str]) -> AmountResult:
    key = facts.get(a.fact)
    if key is None:
        top = max(_yuan(e.award_wan) for e in a.entries)
        return AmountResult(
            UP_TO,
            0,
            top,
            calculation=lambda: (
                f"需填写“{label(a.fact)}”："
                + "、".join(f"{e.label}{format_wan(_yuan(e.award_wan))}" for e in a.entries)
            ),
            missing=[a.fact],
        )
    entry = next((e for e in a.entries if e.key == str(key)), None)
    if entry is None:
        return AmountResult(EXACT, 0, 0, calculation=lambda: f"{label(a.fact)}不在奖励范围内")
    v = _yuan(entry.award_wan)
    name = entry.label
    if a.up_to:
        return AmountResult(UP_TO, 0, v, calculation=lambda: f"{name}：最高{format_wan(v)}")
    return AmountResult(EXACT, v, v, calculation=lambda: f"{name}：{format_wan(v)}")


def _step_total(a: rm.BasePlusStep, level_yuan: int) -> tuple[int, int]:
    threshold = _yuan(a.threshold_wan)
    if level_yuan < threshold:
        return 0, 0
    steps = (level_yuan - threshold) // _yuan(a.step_wan)
    return _yuan(a.base_wan) + steps * _yuan(a.step_award_wan), steps


def _step_paid(a: rm.BasePlusStep, level_yuan: int) -> int:
    return _step_total(a, level_yuan)[0]


def _base_plus_step_reading(a: rm.BasePlusStep, value: Any, rewarded: Any) -> tuple[Figures, int, int, int, int]:
    """(figures, level in yuan, the award for it, the steps above the threshold, what was
    paid already) for the answers; zeros while the level is unanswered."""
    if value is None:
        return (UNKNOWN, None, None), 0, 0, 0, 0
    level = to_yuan(value)
    total, steps = _step_total(a, level)
    figures, paid = less_rewarded_figures(total, a.rewarded, rewarded, partial(_step_paid, a))
    return figures, level, total, steps, paid


def base_plus_step_figures(a: rm.BasePlusStep, value: Any, rewarded: Any) -> Figures:
    """A base-plus-step award's figures for the answers: what ``_base_plus_step`` returns,
    without its text. Batch reads them here."""
    return _base_plus_step_reading(a, value, rewarded)[0]


def _base_plus_step(a: rm.BasePlusStep, facts: Facts, label: Callable[[str], str]) -> AmountResult:
    value = facts.get(a.fact)
    rewarded = None if a.rewarded is None else facts.get(a.rewarded)
    figures, level, total, steps, paid = _base_plus_step_reading(a, value, rewarded)
    if value is None:
        return AmountResult(*figures, calculation=lambda: f"需填写“{label(a.fact)}”", missing=[a.fact])

    def text() -> str:
        return (
            f"{label(a.fact)} {format_wan(level)}：达到 {format_wan(_yuan(a.threshold_wan))} 奖励 {format_wan(_yuan(a.base_wan))}"
            f" + 再增加 {steps} 个 {format_wan(_yuan(a.step_wan))} × {format_wan(_yuan(a.step_award_wan))} = {format_wan(total)}"
        )

    return _less_rewarded_result(
        figures, paid, text, a.rewarded, rewarded, label, unknown_note="已奖励部分不再重复", due_label=""
    )


#: How a stage of a staged award stands (``_staged``).
_PAID, _NOW, _PASSED, _LATER = range(4)


def _staged(a: rm.Staged, facts: Facts, label: Callable[[str], str]) -> AmountResult:
    reached = facts.get(a.reached)
    rewarded = facts.get(a.rewarded) if a.rewarded else []
    if reached is None:
        everything = sum(_yuan(s.award_wan) for s in a.stages)
        return AmountResult(
            UP_TO,
            0,
            everything,
            calculation=lambda: (
                "分阶段奖励："
                + "、".join(f"{s.label}{format_wan(_yuan(s.award_wan))}" for s in a.stages)
                + f"；需填写“{label(a.reached)}”"
            ),
            missing=[a.reached],
        )
    # Stages are successive: a stage before the latest one reached has been passed, even if
    # not ticked. Only stages after the latest reached are still to come; a passed stage
    # never paid is shown apart (whether it can still be claimed is the guide's).
    keys = [s.key for s in a.stages]
    latest = max((keys.index(k) for k in reached if k in keys), default=-1)
    # Each stage as the text names it: paid already, payable now, passed unpaid, or later.
    stages: list[tuple[int, str, int]] = []
    now = later = passed = 0
    for index, stage in enumerate(a.stages):
        award = _yuan(stage.award_wan)
        if index > latest:
            later += award
            stages.append((_LATER, stage.label, award))
        elif rewarded is not None and stage.key in rewarded:
            stages.append((_PAID, stage.label, award))
        elif index == latest:
            now += award
            stages.append((_NOW, stage.label, award))
        else:
            passed += award
            stages.append((_PASSED, stage.label, award))

    def text() -> str:
        parts = [
            f"{name}已领取" if state == _PAID else f"{name}{format_wan(award)}"
            for state, name, award in stages
            if state in (_PAID, _NOW)
        ]
        passed_parts = [f"{name}{format_wan(award)}" for state, name, award in stages if state == _PASSED]
        later_parts = [f"{name}{format_wan(award)}" for state, name, award in stages if state == _LATER]
        text = "现可申请：" + ("、".join(parts) if parts else "无") + f"，合计 {format_wan(now)}"
        if passed_parts:
            text += (
                "；已过去但未领取的阶段："
                + "、".join(passed_parts)
                + "（已过阶段能否补申请以申请指南为准，按 0 至该金额计）"
            )
        if later_parts:
            text += "；后续阶段：" + "、".join(later_parts)
        else:
            text += "；没有后续阶段"
        if rewarded is None:
            text += f"（“{label(a.rewarded or '')}”未填写，已领取的阶段不再奖励）"
        return text

    if rewarded is None:
        assert a.rewarded is not None  # only a named fact can be unanswered
        return AmountResult(UP_TO, 0, now + passed, calculation=text, later_yuan=later, missing=[a.rewarded])
    if passed:
        return AmountResult(RANGE, now, now + passed, calculation=text, later_yuan=later)
    return AmountResult(EXACT, now, now, calculation=text, later_yuan=later)


def _unquantified(a: rm.Unquantified, facts: Facts, label: Callable[[str], str]) -> AmountResult:
    high = _cap_yuan(a.max_wan)
    return AmountResult(
        UNQUANTIFIED,
        0 if high is not None else None,
        high,
        calculation=lambda: a.text + (f"；最高{format_wan(high)}" if high is not None else "；原文未给出金额"),
    )


def _case_by_case(a: rm.CaseByCase, facts: Facts, label: Callable[[str], str]) -> AmountResult:
    return AmountResult(CASE_BY_CASE, calculation=a.text)


def _not_published(a: rm.NotPublished, facts: Facts, label: Callable[[str], str]) -> AmountResult:
    return AmountResult(NOT_PUBLISHED, calculation=a.text)


def _non_monetary(a: rm.NonMonetary, facts: Facts, label: Callable[[str], str]) -> AmountResult:
    return AmountResult(NON_MONETARY, calculation=a.text)


def _tax(a: rm.TaxBenefit, facts: Facts, label: Callable[[str], str]) -> AmountResult:
    """No figure: the deduction (and the tax it saves) is worked out in the text only."""
    if not (a.base and a.rate is not None):
        return AmountResult(TAX, calculation=a.text)
    base_fact, rate = a.base, a.rate
    base = facts.get(base_fact)
    key = facts.get(a.tax_rate_fact) if a.tax_rate_fact else None
    missing = [base_fact] if base is None else ([a.tax_rate_fact] if a.tax_rate_fact and key is None else [])

    def text() -> str:
        text = a.text
        name = a.base_label or label(base_fact)
        if base is None:
            return text + f"；填写“{label(base_fact)}”后可算出金额"
        v = _floor(rate * _yuan(base))
        text += f"；{name} {format_wan(_yuan(base))} × {_pct(rate)} = {format_wan(v)}"
        if a.tax_rate_fact:
            rates = {r.key: r.rate for r in a.tax_rates}
            if key is None:
                text += f"（应纳税所得额的减少）；填写“{label(a.tax_rate_fact)}”后可算出少缴的企业所得税"
            elif str(key) in rates:
                saving = _floor(rates[str(key)] * v)
                text += (
                    f"（应纳税所得额的减少）；按适用税率 {_pct(rates[str(key)])}，少缴企业所得税约 "
                    f"{format_wan(v)} × {_pct(rates[str(key)])} = {format_wan(saving)}（当年有足够应纳税所得额时）"
                )
        return text

    return AmountResult(TAX, calculation=text, missing=missing)


def excess_refund_value(a: rm.ExcessRefund, paid_yuan: int, base_yuan: int) -> tuple[int, int]:
    """The clause's figures: the threshold (the rate of the base, floored to whole yuan) and
    the refund of what was paid above it."""
    threshold = _floor(a.rate * base_yuan)
    return threshold, max(paid_yuan - threshold, 0)


def excess_refund_figures(a: rm.ExcessRefund, paid: Any, base: Any) -> Figures:
    """An excess refund's figures for the answers (unknown while either is unanswered): what
    ``_excess_refund`` returns, without its text. Batch reads refunds here."""
    if paid is None or base is None:
        return UNKNOWN, None, None
    _, refund = excess_refund_value(a, to_yuan(paid), to_yuan(base))
    return EXACT, refund, refund


def _excess_refund(a: rm.ExcessRefund, facts: Facts, label: Callable[[str], str]) -> AmountResult:
    paid, base = facts.get(a.paid), facts.get(a.base)
    kind, low, high = excess_refund_figures(a, paid, base)
    if kind == UNKNOWN:
        missing = [f for f, v in ((a.paid, paid), (a.base, base)) if v is None]
        return AmountResult(
            UNKNOWN,
            calculation=lambda: a.text + "；需填写" + "、".join(f"“{label(f)}”" for f in missing),
            missing=missing,
        )

    def text() -> str:
        paid_yuan, base_yuan = to_yuan(paid), to_yuan(base)
        threshold, refund = excess_refund_value(a, paid_yuan, base_yuan)
        return (
            f"{a.text}；{format_wan(paid_yuan)} − {_pct(a.rate)} × {format_wan(base_yuan)}"
            f"（{format_wan(threshold)}） = {format_wan(refund)}"
        )

    return AmountResult(kind, low, high, calculation=text)


_HANDLERS: dict[type, Callable[[Any, Facts, Callable[[str], str]], AmountResult]] = {
    rm.Fixed: _fixed,
    rm.Ceiling: _ceiling,
    rm.Ratio: _ratio,
    rm.RatioItems: _ratio_items,
    rm.PerUnit: _per_unit,
    rm.Tiers: _tiers,
    rm.Table: _table,
    rm.BasePlusStep: _base_plus_step,
    rm.Staged: _staged,
    rm.Unquantified: _unquantified,
    rm.CaseByCase: _case_by_case,
    rm.NotPublished: _not_published,
    rm.NonMonetary: _non_monetary,
    rm.TaxBenefit: _tax,
    rm.ExcessRefund: _excess_refund,
}


def apply_duration(result: AmountResult, duration: rm.Duration) -> bool:
    """Mark a yearly or multi-year payment on the result (its totals follow); False when the
    clause pays once."""
    if not (duration.per_year or duration.years > 1):
        return False
    result.per_year = duration.per_year
    result.years = duration.years
    return True


def compute_amount(measure: rm.Measure, facts: Facts, label: Callable[[str], str]) -> AmountResult:
    """The amount of one measure for these facts, with its duration applied (its working
    text is written when ``calculation`` is first read)."""
    result = _HANDLERS[type(measure.amount)](measure.amount, facts, label)
    if apply_duration(result, measure.duration) and result.max_yuan is not None and measure.duration.years > 1:
        text = result._calculation
        duration = measure.duration.text or f"连续{measure.duration.years}年"
        low, high = result.total_min_yuan, result.total_max_yuan
        result._calculation = lambda: (
            (text if isinstance(text, str) else text()) + f"；{duration}，合计{format_wan_range(low, high)}"
        )
    return result
