"""A leaf's state from its fact's value (``CompiledCondition.value_state``, what batch calls
once per distinct value) says exactly what the general comparison says.

The numeric leaves compare an int or a Decimal directly with the rule's Decimal (exact, as
``Decimal(actual)`` would be) and send every other kind (bool, str, float, lists...) through
the general ``_num`` path; these properties compare the two on every kind of value, huge and
odd ones included, and check that the engine's ``state(facts)`` is ``value_state`` of the
fact's value for every leaf of the real rules.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from advisor import rule_model as rm
from advisor.conditions import FAILED, MET, UNKNOWN, CompiledCondition, _compiled_compare, _value_state
from advisor.facts import profile_facts
from advisor.profile_io import profile_from_data

NUMERIC = ["ge", "gt", "le", "lt"]

#: Every kind of value a fact could hold, odd ones included.
values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**60), max_value=10**60),
    st.decimals(allow_nan=False, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True, places=None),
    st.decimals(min_value=-1000, max_value=1000, places=4),
    st.floats(),
    st.text(max_size=8),
    st.sampled_from(["0", "10", "1e3", "-5.5", "  7 ", "abc", "", "NaN", "Infinity", "五"]),
    st.lists(st.integers(), max_size=2),
)

#: What a rule could compare with (the rule model allows numbers; text is checked too).
rule_values = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
    st.sampled_from([0, 5, 10, 5000, Decimal("0.5"), Decimal("-1"), "abc", "12"]),
)


def _outcome(decide: Any, actual: Any) -> tuple[str, Any]:
    """A state, or the kind of exception raised (a NaN compared raises, on both paths)."""
    try:
        return "state", decide(actual)
    except Exception as error:  # the kind of exception is what we compare
        return "raised", type(error)


def _general(op: str, rule_value: Any) -> Any:
    """The state as the general comparison (``_compiled_compare``) gives it."""
    test = _compiled_compare(op, rule_value)

    def state(actual: Any) -> str:
        result = test(actual)
        return UNKNOWN if result is None else (MET if result else FAILED)

    return state


@settings(max_examples=3000, deadline=None)
@given(op=st.sampled_from(NUMERIC), rule_value=rule_values, actual=values)
@example(op="ge", rule_value=5, actual=True)  # bool is no number: failed
@example(op="le", rule_value=5, actual=False)
@example(op="gt", rule_value=0, actual=10**80)
@example(op="lt", rule_value=Decimal("0.1"), actual=Decimal("0.0999999999999999999999999999999"))
@example(op="ge", rule_value=10, actual=Decimal("NaN"))
@example(op="ge", rule_value=10, actual=Decimal("sNaN"))
@example(op="ge", rule_value=10, actual="10")
@example(op="ge", rule_value=10, actual=10.0)
@example(op="ge", rule_value="abc", actual=10)
def test_numeric_value_state_equals_the_general_comparison(op: str, rule_value: Any, actual: Any) -> None:
    fast = _value_state(op, rule_value, _compiled_compare(op, rule_value))
    assert _outcome(fast, actual) == _outcome(_general(op, rule_value), actual)


@settings(max_examples=1000, deadline=None)
@given(
    op=st.sampled_from(["is_true", "is_false", "eq", "ne", "in", "not_in", "contains_any"]),
    rule_value=st.one_of(st.booleans(), st.integers(), st.text(max_size=3), st.lists(st.text(max_size=3), max_size=3)),
    actual=st.one_of(values, st.lists(st.text(max_size=3), max_size=3)),
)
def test_other_value_states_equal_the_general_comparison(op: str, rule_value: Any, actual: Any) -> None:
    if op in ("in", "not_in", "contains_any") and not isinstance(rule_value, list):
        rule_value = [rule_value]
    fast = _value_state(op, rule_value, _compiled_compare(op, rule_value))
    assert _outcome(fast, actual) == _outcome(_general(op, rule_value), actual)


def _leaves(condition: rm.Condition) -> list[rm.Condition]:
    children = condition.any or condition.all
    if children and condition.op != "undecidable":
        return [leaf for child in children for leaf in _leaves(child)]
    return [condition]


def test_engine_state_is_value_state_of_the_fact(engine: Any) -> None:
    """For every leaf of the real rules: ``state(facts)`` is ``value_state`` of the fact's value,
    and both agree with the explained state, on generated companies and odd values."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from benchmarks.synthetic import random_profiles

    leaves = {
        leaf.model_dump_json(round_trip=True): leaf
        for measure in engine.catalogue.measures
        for top in engine.conditions(measure.id)
        for leaf in _leaves(top)
    }
    compiled = [(leaf, CompiledCondition(leaf, engine.show, engine.inputs_of)) for leaf in leaves.values()]
    with_value_state = [(leaf, c) for leaf, c in compiled if c.value_state is not None]
    assert any(leaf.op in NUMERIC for leaf, _ in with_value_state)
    assert any(leaf.op == "any_item" for leaf, _ in with_value_state)
    assert all(c.value_state is None for leaf, c in compiled if leaf.op in ("within_years", "undecidable"))
    companies = [profile_facts(profile_from_data(d)) for d in random_profiles(120, seed=11)]
    odd = [{leaf.fact: v for leaf, _ in with_value_state} for v in (True, False, "x", 10**40, Decimal("-0.5"))]
    for facts in companies + odd:
        shown = engine.shown(facts) if facts in companies else (lambda fact: "")
        for leaf, c in with_value_state:
            assert c.value_state is not None
            state = _outcome(c.value_state, facts.get(leaf.fact))
            assert state == _outcome(c.state, facts)  # an odd value may raise: the same way
            if facts in companies:
                assert state == ("state", c.evaluate(facts, shown).state)


@pytest.mark.parametrize("op", NUMERIC)
def test_numeric_leaf_reads_unanswered_as_unknown_and_bool_as_failed(op: str) -> None:
    state = _value_state(op, 5, _compiled_compare(op, 5))
    assert state(None) == UNKNOWN
    assert state(True) == FAILED and state(False) == FAILED
    assert state(5) == (MET if op in ("ge", "le") else FAILED)
