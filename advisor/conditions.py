"""Three-valued evaluation of rule conditions: met, failed, or unknown.

An unanswered fact makes a condition unknown (never false), so a measure
whose only open conditions are unanswered is *possible*, not ineligible.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Mapping

from advisor import rule_model as rm

MET, FAILED, UNKNOWN = "met", "failed", "unknown"

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


def compare(op: str, actual: Any, value: Any) -> bool | None:
    """Apply one operator; None when the actual value is unknown."""
    if actual is None:
        return None
    if op == "is_true":
        return actual is True
    if op == "is_false":
        return actual is False
    if op in ("eq", "ne"):
        same = str(actual) == str(value) if not isinstance(actual, bool) else actual is value
        return same if op == "eq" else not same
    if op in ("in", "not_in"):
        inside = str(actual) in {str(v) for v in value}
        return inside if op == "in" else not inside
    if op == "contains_any":
        return bool({str(a) for a in actual} & {str(v) for v in value})
    left, right = _num(actual), _num(value)
    if left is None or right is None:
        return False
    return {"ge": left >= right, "gt": left > right, "le": left <= right, "lt": left < right}[op]


@dataclass
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

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label, "state": self.state, "text": self.text, "fact": self.fact,
            "actual": _jsonable(self.actual), "required": _jsonable(self.required),
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    return value


Formatter = Callable[[str, Any], str]


def evaluate(
    condition: rm.Condition,
    facts: Mapping[str, Any],
    show: Formatter,
    inputs_of: Callable[[str], tuple[str, ...]],
) -> ConditionResult:
    """Evaluate a condition tree. ``show(fact, value)`` renders a value with its unit."""
    if condition.any or condition.all:
        children = [evaluate(c, facts, show, inputs_of) for c in (condition.any or condition.all)]
        states = [c.state for c in children]
        read = frozenset().union(*(c.facts for c in children))
        if condition.any:
            state = MET if MET in states else (UNKNOWN if UNKNOWN in states else FAILED)
        else:
            state = FAILED if FAILED in states else (UNKNOWN if UNKNOWN in states else MET)
        missing = sorted({m for c in children if c.state == UNKNOWN for m in c.missing}) if state == UNKNOWN else []
        detail = "；".join(c.text for c in children if c.state == state) or condition.label
        return ConditionResult(condition.label, state, f"{condition.label}（{detail}）", missing=missing, facts=read)

    fact, op = condition.fact, condition.op
    assert fact is not None and op is not None
    actual = facts.get(fact)
    read = frozenset(inputs_of(fact))
    if op == "any_item":
        return _any_item(condition, actual, read, inputs_of)
    result = compare(op, actual, condition.value)
    if result is None:
        return ConditionResult(condition.label, UNKNOWN, f"{condition.label}：待回答", fact, op,
                               None, condition.value, missing=list(inputs_of(fact)), facts=read)
    state = MET if result else FAILED
    return ConditionResult(condition.label, state, _describe(condition, actual, state, show), fact, op,
                           actual, condition.value, facts=read)


def _any_item(condition: rm.Condition, items: Any, read: frozenset[str], inputs_of: Callable[[str], tuple[str, ...]]) -> ConditionResult:
    assert condition.fact is not None
    if items is None:
        return ConditionResult(condition.label, UNKNOWN, f"{condition.label}：待填写", condition.fact, "any_item",
                               missing=list(inputs_of(condition.fact)), facts=read)
    states = []
    for item in items:
        item_state: bool | None = True
        for test in condition.where:
            r = compare(test.op, getattr(item, test.field, None), test.value)
            if r is False:
                item_state = False
                break
            if r is None:
                item_state = None
        states.append(item_state)
    if True in states:
        n = states.count(True)
        return ConditionResult(condition.label, MET, f"{condition.label}：{n} 项符合", condition.fact, "any_item", facts=read)
    if None in states:
        return ConditionResult(condition.label, UNKNOWN, f"{condition.label}：条目信息不完整，待补充", condition.fact, "any_item",
                               missing=[condition.fact], facts=read)
    text = f"{condition.label}：已填写的 {len(items)} 项均不符合" if items else f"{condition.label}：未填写任何条目"
    return ConditionResult(condition.label, FAILED, text, condition.fact, "any_item", facts=read)


def _describe(condition: rm.Condition, actual: Any, state: str, show: Formatter) -> str:
    fact, op, value = condition.fact or "", condition.op or "", condition.value
    shown = show(fact, actual)
    if op in NUMERIC_OPS:
        symbol = _SYMBOL[op] if state == MET else _NEGATED[op]
        return f"{condition.label}：{shown} {symbol} {show(fact, value)}"
    if op in ("is_true", "is_false"):
        return f"{condition.label}：{shown}"
    if op in ("in", "not_in", "contains_any"):
        wanted = "、".join(show(fact, v) for v in value) if isinstance(value, list) else show(fact, value)
        verb = {"in": "须为", "not_in": "不能是", "contains_any": "须包含其一"}[op]
        return f"{condition.label}：{shown}" + ("" if state == MET else f"（{verb}：{wanted}）")
    verb = "须为" if op == "eq" else "不能是"
    return f"{condition.label}：{shown}" + ("" if state == MET else f"（{verb}{show(fact, value)}）")
