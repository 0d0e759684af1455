"""Three-valued evaluation of rule conditions: met, failed, or unknown.

An unanswered fact makes a condition unknown (never false), so a measure
whose only open conditions are unanswered is *possible*, not ineligible.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from advisor import rule_model as rm

MET, FAILED, UNKNOWN = "met", "failed", "unknown"

#: The as-of year, put among the facts by the engine: time words (op within_years) read it.
AS_OF_YEAR = "_as_of.year"


def as_of_year(facts: Mapping[str, Any]) -> int:
    year = facts.get(AS_OF_YEAR)
    if isinstance(year, int):
        return year
    import datetime as _dt

    return _dt.date.today().year


_SYMBOL = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<", "eq": "=", "ne": "≠"}
_NEGATED = {"ge": "<", "gt": "≤", "le": ">", "lt": "≥"}
NUMERIC_OPS = frozenset(_NEGATED)


def _num(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


@dataclass(slots=True)
class ConditionResult:
    """One requirement checked against the profile, ready to show."""

    label: str
    state: str  # met | failed | unknown
    text: str
    fact: str | None = None
    op: str | None = None
    actual: Any = None
    required: Any = None
    missing: list[str] = field(default_factory=list)  # unanswered facts that decide it
    facts: frozenset[str] = frozenset()  # every fact the condition reads
    undecidable: bool = False  # unknown whatever the answers: the text or the guide decides it


Formatter = Callable[[str, Any], str]


def item_state(item: Any, tests: list[tuple[str, Callable[[Any], bool | None]]]) -> bool | None:
    """Whether one list item (a funded project, an event) meets every item test."""
    state: bool | None = True
    for field_name, test in tests:
        result = test(getattr(item, field_name, None))
        if result is False:
            return False
        if result is None:
            state = None
    return state


def item_tests(where: list[rm.ItemCondition]) -> list[tuple[str, Callable[[Any], bool | None]]]:
    return [(t.field, _compiled_compare(t.op, t.value)) for t in where]


def _any_item(
    condition: rm.Condition, items: Any, states: list[bool | None] | None, read: frozenset[str], inputs: tuple[str, ...]
) -> ConditionResult:
    assert condition.fact is not None
    if items is None or states is None:
        return ConditionResult(
            condition.label,
            UNKNOWN,
            f"{condition.label}：待填写",
            condition.fact,
            "any_item",
            missing=list(inputs),
            facts=read,
        )
    if True in states:
        n = states.count(True)
        return ConditionResult(
            condition.label, MET, f"{condition.label}：{n} 项符合", condition.fact, "any_item", facts=read
        )
    if None in states:
        return ConditionResult(
            condition.label,
            UNKNOWN,
            f"{condition.label}：条目信息不完整，待补充",
            condition.fact,
            "any_item",
            missing=[condition.fact],
            facts=read,
        )
    text = f"{condition.label}：已填写的 {len(items)} 项均不符合" if items else f"{condition.label}：未填写任何条目"
    return ConditionResult(condition.label, FAILED, text, condition.fact, "any_item", facts=read)


# --- compiled conditions ------------------------------------------------------------------
#
# ``compile_condition`` turns a condition tree into closures once per engine, so the
# per-profile work is a dictionary lookup and a comparison. Everything that depends only
# on the rule (labels, the required value as shown, the facts read) is computed up front.
# The results are identical to ``evaluate``; tests/unit/test_batch.py checks this.


def _compiled_compare(op: str, value: Any) -> Callable[[Any], bool | None]:
    """``compare`` with the rule side (op, value) fixed in advance."""
    if op == "is_true":
        return lambda actual: None if actual is None else actual is True
    if op == "is_false":
        return lambda actual: None if actual is None else actual is False
    if op in ("eq", "ne"):
        text = str(value)
        negate = op == "ne"

        def eq(actual: Any) -> bool | None:
            if actual is None:
                return None
            same = actual is value if isinstance(actual, bool) else str(actual) == text
            return not same if negate else same

        return eq
    if op in ("in", "not_in"):
        allowed = frozenset(str(v) for v in value)
        if op == "in":
            return lambda actual: None if actual is None else str(actual) in allowed
        return lambda actual: None if actual is None else str(actual) not in allowed
    if op == "contains_any":
        wanted = frozenset(str(v) for v in value)
        return lambda actual: None if actual is None else bool({str(a) for a in actual} & wanted)
    if op in NUMERIC_OPS:
        import operator

        right = _num(value)
        test = {"ge": operator.ge, "gt": operator.gt, "le": operator.le, "lt": operator.lt}[op]

        def numeric(actual: Any) -> bool | None:
            if actual is None:
                return None
            left = _num(actual)
            if left is None or right is None:
                return False
            return bool(test(left, right))

        return numeric
    raise ValueError(f"unknown operator: {op}")


def _value_state(op: str, value: Any, test: Callable[[Any], bool | None]) -> Callable[[Any], str]:
    """A leaf's state from the value of the one fact it reads: the comparisons answered most
    often (choices, yes/no, membership, numbers) written out, every other one through
    ``test``. Same verdicts as ``test`` (tests/unit/test_batch.py, test_engine.py and
    test_conditions_value_state.py compare them). The engine reads it through ``state``;
    batch calls it once per distinct value of a fact's column."""
    if op == "is_true" or op == "is_false":
        wanted = op == "is_true"

        def state_bool(actual: Any) -> str:
            if actual is None:
                return UNKNOWN
            return MET if actual is wanted else FAILED

        return state_bool
    if op == "in" or op == "not_in":
        allowed = frozenset(str(v) for v in value)
        inside = MET if op == "in" else FAILED
        outside = FAILED if op == "in" else MET

        def state_in(actual: Any) -> str:
            if actual is None:
                return UNKNOWN
            return inside if str(actual) in allowed else outside

        return state_in

    if op == "eq" or op == "ne":
        text = str(value)
        same, different = (MET, FAILED) if op == "eq" else (FAILED, MET)

        def state_eq(actual: Any) -> str:
            if actual is None:
                return UNKNOWN
            if isinstance(actual, bool):
                return same if actual is value else different
            return same if str(actual) == text else different

        return state_eq

    number = _numeric_rule(op, value)
    if number is not None:
        return _numeric_state(op, number, test)

    def state_leaf(actual: Any) -> str:
        result = test(actual)
        return UNKNOWN if result is None else (MET if result else FAILED)

    return state_leaf


def _numeric_rule(op: str, value: Any) -> Decimal | None:
    """The rule's number of a numeric comparison (ge, gt, le, lt) whose value reads as one;
    None for every other leaf. Such a leaf's ``value_state`` is ``_numeric_state``'s."""
    return _num(value) if op in NUMERIC_OPS else None


def _numeric_state(op: str, right: Decimal, test: Callable[[Any], bool | None]) -> Callable[[Any], str]:
    """A numeric leaf's state: an int or a Decimal compares with the rule's Decimal exactly, as
    ``Decimal(actual)`` would (``_num``), written out per operator (batch calls it once per
    distinct amount of money); every other kind (bool, str, float...) goes through ``test``."""

    def other(actual: Any) -> str:
        result = test(actual)
        return UNKNOWN if result is None else (MET if result else FAILED)

    if op == "ge":

        def state_ge(actual: Any) -> str:
            kind = type(actual)
            if kind is int or kind is Decimal:
                return MET if actual >= right else FAILED
            return UNKNOWN if actual is None else other(actual)

        return state_ge
    if op == "gt":

        def state_gt(actual: Any) -> str:
            kind = type(actual)
            if kind is int or kind is Decimal:
                return MET if actual > right else FAILED
            return UNKNOWN if actual is None else other(actual)

        return state_gt
    if op == "le":

        def state_le(actual: Any) -> str:
            kind = type(actual)
            if kind is int or kind is Decimal:
                return MET if actual <= right else FAILED
            return UNKNOWN if actual is None else other(actual)

        return state_le

    def state_lt(actual: Any) -> str:
        kind = type(actual)
        if kind is int or kind is Decimal:
            return MET if actual < right else FAILED
        return UNKNOWN if actual is None else other(actual)

    return state_lt


def _fact_state(fact: str, value_state: Callable[[Any], str]) -> Callable[[Mapping[str, Any]], str]:
    """The state of a condition on one fact, from the facts: ``value_state`` of the fact's value."""

    def state(facts: Mapping[str, Any]) -> str:
        return value_state(facts.get(fact))

    return state


class CompiledCondition:
    """A condition tree prepared for fast repeated evaluation.

    ``evaluate(facts, shown)`` returns exactly what ``evaluate()`` returns; ``shown(fact)``
    renders the profile's value of ``fact`` (callers memoise it per profile).
    ``state(facts)`` returns only met / failed / unknown, for batch work.
    ``value_state(value)``, for a condition that reads one fact and nothing else (a
    comparison, an item test), is that state from the fact's value alone (``state`` is it
    applied to the fact's value); None for the others (groups, time words, undecidable).
    ``compares``, for a numeric comparison with a number (``_numeric_rule``), is (op, the
    rule's number): ``value_state`` of an int or a Decimal is then MET exactly when
    ``value op number`` holds, else FAILED, and UNKNOWN for None (batch decides a column of
    such values with the numbers' own comparisons); None for every other condition.
    """

    __slots__ = ("compares", "evaluate", "facts", "state", "value_state")
    evaluate: Callable[[Mapping[str, Any], Callable[[str], str]], ConditionResult]
    state: Callable[[Mapping[str, Any]], str]
    value_state: Callable[[Any], str] | None
    compares: tuple[str, Decimal] | None
    facts: frozenset[str]

    def __init__(self, condition: rm.Condition, show: Formatter, inputs_of: Callable[[str], tuple[str, ...]]):
        self.value_state = None
        self.compares = None
        if condition.op == "undecidable":
            self._compile_undecidable(condition)
        elif condition.any or condition.all:
            self._compile_group(condition, show, inputs_of)
        elif condition.op == "any_item":
            self._compile_any_item(condition, inputs_of)
        elif condition.op == "within_years":
            self._compile_within_years(condition, show, inputs_of)
        else:
            self._compile_leaf(condition, show, inputs_of)
        if condition.assumption:
            self._mark_assumption(condition.assumption)

    def _mark_assumption(self, assumption: str) -> None:
        """Every verdict of this condition says that the tool assumed it."""
        inner = self.evaluate
        tail = f"——本工具假定{assumption}，以申请指南为准"

        def evaluate_assumed(facts: Mapping[str, Any], shown: Callable[[str], str]) -> ConditionResult:
            result = inner(facts, shown)
            result.text += tail
            return result

        self.evaluate = evaluate_assumed

    def _compile_undecidable(self, condition: rm.Condition) -> None:
        text = f"{condition.label}：{condition.reason}"
        label = condition.label

        def evaluate_undecidable(facts: Mapping[str, Any], shown: Callable[[str], str]) -> ConditionResult:
            return ConditionResult(label, UNKNOWN, text, None, "undecidable", undecidable=True)

        self.evaluate, self.state, self.facts = evaluate_undecidable, (lambda facts: UNKNOWN), frozenset()

    def _compile_within_years(
        self, condition: rm.Condition, show: Formatter, inputs_of: Callable[[str], tuple[str, ...]]
    ) -> None:
        fact, label, reason = condition.fact, condition.label, condition.reason
        assert fact is not None and isinstance(condition.value, int)
        window = condition.value
        read = frozenset(inputs_of(fact))
        closed = FAILED if condition.window_closed == "failed" else UNKNOWN

        def judge(facts: Mapping[str, Any]) -> tuple[str, int | None, int]:
            year = facts.get(fact)
            now = as_of_year(facts)
            if not isinstance(year, int) or isinstance(year, bool):
                return UNKNOWN, None, now
            if year > now:
                return FAILED, year, now
            return (MET if now - year <= window else closed), year, now

        def evaluate_within(facts: Mapping[str, Any], shown: Callable[[str], str]) -> ConditionResult:
            state, year, now = judge(facts)
            if year is None:
                return ConditionResult(
                    label, UNKNOWN, f"{label}：待回答", fact, "within_years", None, window, missing=[fact], facts=read
                )
            if year > now:
                text = f"{label}：{year}年，晚于评估日所在的{now}年"
            elif state == MET:
                text = f"{label}：{year}年，评估日为{now}年，在本工具采用的窗口内（{reason}）"
            else:
                text = f"{label}：{year}年，距评估日所在的{now}年已{now - year}年，超出本工具采用的窗口（{reason}）"
            return ConditionResult(
                label, state, text, fact, "within_years", year, window, facts=read, undecidable=state == UNKNOWN
            )

        self.evaluate, self.state, self.facts = evaluate_within, (lambda facts: judge(facts)[0]), read

    def _compile_group(
        self, condition: rm.Condition, show: Formatter, inputs_of: Callable[[str], tuple[str, ...]]
    ) -> None:
        children = [CompiledCondition(c, show, inputs_of) for c in (condition.any or condition.all)]
        label = condition.label
        read = frozenset().union(*(c.facts for c in children))
        is_any = bool(condition.any)
        child_evals = [c.evaluate for c in children]
        child_states = [c.state for c in children]

        def combine(states: list[str]) -> str:
            if is_any:
                return MET if MET in states else (UNKNOWN if UNKNOWN in states else FAILED)
            return FAILED if FAILED in states else (UNKNOWN if UNKNOWN in states else MET)

        def evaluate_group(facts: Mapping[str, Any], shown: Callable[[str], str]) -> ConditionResult:
            results = [e(facts, shown) for e in child_evals]
            state = combine([c.state for c in results])
            missing = sorted({m for c in results if c.state == UNKNOWN for m in c.missing}) if state == UNKNOWN else []
            detail = "；".join(c.text for c in results if c.state == state) or label
            return ConditionResult(
                label,
                state,
                f"{label}（{detail}）",
                missing=missing,
                facts=read,
                undecidable=state == UNKNOWN and all(c.undecidable for c in results if c.state == UNKNOWN),
            )

        # Decided as soon as one child decides it (MET for any, FAILED for all): the same
        # verdict as ``combine`` over every child, which is what ``evaluate`` computes.
        decisive, otherwise = (MET, FAILED) if is_any else (FAILED, MET)

        def state_group(facts: Mapping[str, Any]) -> str:
            unknown = False
            for child_state in child_states:
                state = child_state(facts)
                if state == decisive:
                    return decisive
                if state == UNKNOWN:
                    unknown = True
            return UNKNOWN if unknown else otherwise

        self.evaluate, self.state, self.facts = evaluate_group, state_group, read

    def _compile_any_item(self, condition: rm.Condition, inputs_of: Callable[[str], tuple[str, ...]]) -> None:
        fact = condition.fact
        assert fact is not None
        inputs = inputs_of(fact)
        read = frozenset(inputs)
        tests = item_tests(condition.where)

        def states_of(items: Any) -> list[bool | None] | None:
            return None if items is None else [item_state(item, tests) for item in items]

        def evaluate_any_item(facts: Mapping[str, Any], shown: Callable[[str], str]) -> ConditionResult:
            items = facts.get(fact)
            return _any_item(condition, items, states_of(items), read, inputs)

        def state_any_item(items: Any) -> str:
            # met at the first item meeting every test (the verdict of ``states_of``'s list)
            if items is None:
                return UNKNOWN
            state = FAILED
            for item in items:
                met = item_state(item, tests)
                if met is True:
                    return MET
                if met is None:
                    state = UNKNOWN
            return state

        self.evaluate, self.state, self.facts = evaluate_any_item, _fact_state(fact, state_any_item), read
        self.value_state = state_any_item

    def _compile_leaf(
        self, condition: rm.Condition, show: Formatter, inputs_of: Callable[[str], tuple[str, ...]]
    ) -> None:
        fact, op, value, label = condition.fact, condition.op, condition.value, condition.label
        assert fact is not None and op is not None
        inputs = inputs_of(fact)
        read = frozenset(inputs)
        test = _compiled_compare(op, value)
        unknown_text = f"{label}：待回答"
        # the required side of the explanation is rendered once
        if op in NUMERIC_OPS:
            required = show(fact, value)
            met_tail, failed_tail = f" {_SYMBOL[op]} {required}", f" {_NEGATED[op]} {required}"
        elif op in ("is_true", "is_false"):
            met_tail = failed_tail = ""
        elif op in ("in", "not_in", "contains_any"):
            wanted = "、".join(show(fact, v) for v in value) if isinstance(value, list) else show(fact, value)
            verb = {"in": "须为", "not_in": "不能是", "contains_any": "须包含其一"}[op]
            met_tail, failed_tail = "", f"（{verb}：{wanted}）"
        else:
            verb = "须为" if op == "eq" else "不能是"
            met_tail, failed_tail = "", f"（{verb}{show(fact, value)}）"
        prefix = f"{label}："

        def evaluate_leaf(facts: Mapping[str, Any], shown: Callable[[str], str]) -> ConditionResult:
            actual = facts.get(fact)
            result = test(actual)
            if result is None:
                return ConditionResult(
                    label, UNKNOWN, unknown_text, fact, op, None, value, missing=list(inputs), facts=read
                )
            if result:
                return ConditionResult(label, MET, prefix + shown(fact) + met_tail, fact, op, actual, value, facts=read)
            return ConditionResult(
                label, FAILED, prefix + shown(fact) + failed_tail, fact, op, actual, value, facts=read
            )

        self.value_state = _value_state(op, value, test)
        number = _numeric_rule(op, value)
        self.compares = None if number is None else (op, number)
        self.evaluate, self.state, self.facts = evaluate_leaf, _fact_state(fact, self.value_state), read


def compile_condition(
    condition: rm.Condition, show: Formatter, inputs_of: Callable[[str], tuple[str, ...]]
) -> CompiledCondition:
    return CompiledCondition(condition, show, inputs_of)
