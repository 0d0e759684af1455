"""Item lists decided item field by item field (``advisor.batch.item_lists``) give the reference verdicts.

Generated blocks of item lists (None, empty lists, items with every field left out or filled,
odd values: strings in a level, Decimals with fractions of a yuan, huge and negative amounts,
a None or a dict among the items, a hostile name) go through ``ItemLists``; wherever it answers,
each list's state equals what the compiled ``any_item`` condition's ``value_state`` gives it
and each list's figures equal ``ratio_items_figures``; where the reference raises for any list,
``ItemLists`` must not answer (the caller then takes the reference path, which raises as ever);
and for ordinary answers it must answer.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor import rule_model as rm
from advisor.amounts import ratio_items_figures
from advisor.batch.item_lists import ItemLists
from advisor.conditions import FAILED, MET, UNKNOWN, compile_condition
from advisor.profile import Event, FundedProject

_STATE_CODE = {FAILED: 0, UNKNOWN: 1, MET: 2}

ORDINARY_WAN = st.one_of(st.none(), st.decimals(min_value=0, max_value=10**5, places=2), st.integers(0, 10**5))
ODD_WAN = st.one_of(
    ORDINARY_WAN,
    st.decimals(min_value=-(10**6), max_value=10**6, places=6),  # fractions of a yuan: refused
    st.integers(min_value=-(10**25), max_value=10**25),
    st.sampled_from([Decimal("200"), Decimal("199.9999"), Decimal("1000"), Decimal("1000.0001"), True]),
)
LEVELS = st.one_of(st.none(), st.sampled_from(["national", "provincial", "municipal", "district", "国家级\x1b[31m"]))
SCOPES = st.one_of(st.none(), st.sampled_from(["global", "national", "regional", "[bold]全球"]))
FLAGS = st.one_of(st.none(), st.booleans())


def _project(wan: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.builds(
        lambda name, level, grant, year: FundedProject.model_construct(
            name=name, level=level, grant_wan=grant, year=year
        ),
        st.one_of(st.none(), st.text(max_size=5)),
        LEVELS,
        wan,
        st.one_of(st.none(), st.integers(2020, 2027)),
    )


def _event(wan: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.builds(
        lambda name, scope, ai, here, filed, cost: Event.model_construct(
            name=name, scope=scope, ai_software=ai, in_guangming=here, filed_in_advance=filed, cost_wan=cost
        ),
        st.one_of(st.none(), st.text(max_size=5)),
        SCOPES,
        FLAGS,
        FLAGS,
        FLAGS,
        wan,
    )


PROJECT_WHERE = [rm.ItemCondition(field="level", op="in", value=["national", "provincial", "municipal"])]
EVENT_WHERE = [
    rm.ItemCondition(field="filed_in_advance", op="is_true"),
    rm.ItemCondition(field="in_guangming", op="is_true"),
    rm.ItemCondition(field="ai_software", op="is_true"),
    rm.ItemCondition(field="scope", op="in", value=["global", "national"]),
]
OTHER_WHERES = [
    [],
    [rm.ItemCondition(field="grant_wan", op="ge", value=100)],
    [rm.ItemCondition(field="level", op="ne", value="district"), rm.ItemCondition(field="year", op="lt", value=2025)],
    [rm.ItemCondition(field="missing_field", op="eq", value="x")],
]


def _lists(data: st.DataObject, item: st.SearchStrategy[Any], odd: bool) -> list[Any]:
    extra = st.one_of(item, st.none(), st.just({"level": "national", "grant_wan": Decimal(5)})) if odd else item
    one = st.one_of(st.none(), st.lists(st.one_of(item, item, extra), max_size=4))
    return data.draw(st.lists(one, min_size=1, max_size=30))


def _amount(data: st.DataObject, base: str, where: list[rm.ItemCondition]) -> rm.RatioItems:
    caps = st.one_of(st.none(), st.sampled_from([Decimal(0), Decimal(1), Decimal(200), Decimal(500), Decimal("0.5")]))
    return rm.RatioItems(
        kind="ratio_items",
        items="x.items",
        item_base=base,
        where=where,
        rate=data.draw(
            st.sampled_from([Decimal("0.2"), Decimal("0.5"), Decimal(1), Decimal("0.123"), Decimal("0.3333")])
        ),
        item_cap_wan=data.draw(caps),
        total_cap_wan=data.draw(caps),
        up_to=data.draw(st.booleans()),
        other_reading_total_cap_wan=data.draw(caps),
    )


def _reference_states(where: list[rm.ItemCondition], lists: list[Any]) -> list[int] | None:
    condition = rm.Condition(label="条目", fact="x.items", op="any_item", where=where)
    compiled = compile_condition(condition, lambda fact, value: str(value), lambda fact: (fact,))
    assert compiled.value_state is not None
    try:
        return [_STATE_CODE[compiled.value_state(items)] for items in lists]
    except Exception:
        return None


def _reference_figures(amount: rm.RatioItems, lists: list[Any]) -> list[Any] | None:
    try:
        return [ratio_items_figures(amount, items) for items in lists]
    except Exception:
        return None


def _check(lists: list[Any], where: list[rm.ItemCondition], amount: rm.RatioItems, ordinary: bool) -> None:
    block = ItemLists.of(lists)
    assert block is not None
    states = block.any_item(where)
    expected_states = _reference_states(where, lists)
    if states is not None:
        assert expected_states is not None, "decided where the reference raises"
        assert states.dtype == np.int8
        assert states.tolist() == expected_states
    elif ordinary:
        raise AssertionError("ordinary items must be decided item field by item field")
    figures = block.ratio_items(amount)
    expected_figures = _reference_figures(amount, lists)
    if figures is not None:
        assert expected_figures is not None, "figures given where the reference raises"
        assert figures == expected_figures
        assert [tuple(map(type, f)) for f in figures] == [tuple(map(type, f)) for f in expected_figures]
    elif ordinary:
        raise AssertionError("ordinary items must get their figures item field by item field")


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_projects_and_events_as_the_reference_decides_them(data: st.DataObject) -> None:
    ordinary = data.draw(st.booleans())
    wan = ORDINARY_WAN if ordinary else ODD_WAN
    if data.draw(st.booleans()):
        lists = _lists(data, _project(wan), odd=not ordinary)
        where = data.draw(st.sampled_from([PROJECT_WHERE, *OTHER_WHERES]))
        amount = _amount(data, "grant_wan", data.draw(st.sampled_from([PROJECT_WHERE, where])))
    else:
        lists = _lists(data, _event(wan), odd=not ordinary)
        where = data.draw(st.sampled_from([EVENT_WHERE, *OTHER_WHERES[:2]]))
        amount = _amount(data, "cost_wan", data.draw(st.sampled_from([EVENT_WHERE, where])))
    if ordinary and any(w.field == "grant_wan" for w in where):
        ordinary = False  # a numeric test of a field an event lacks is still decided; keep the check loose
    _check(lists, where, amount, ordinary)


def test_a_value_that_is_not_a_list_is_left_to_the_reference() -> None:
    assert ItemLists.of([None, "项目", []]) is None
    assert ItemLists.of([None, [], [FundedProject.model_construct(level="national")]]) is not None


def test_a_known_block() -> None:
    """Two funded projects, one matching at 1,000万元 (capped per item at 200万元), one district:
    the sum is capped at 500万元 only when it exceeds it."""
    national = FundedProject.model_construct(name="甲", level="national", grant_wan=Decimal(1000), year=2025)
    district = FundedProject.model_construct(name="乙", level="district", grant_wan=Decimal(50), year=2025)
    unknown = FundedProject.model_construct(name="丙", level=None, grant_wan=Decimal(10), year=2025)
    lists = [None, [], [national, district], [district], [unknown], [national, national, national]]
    amount = rm.RatioItems(
        kind="ratio_items",
        items="projects.funded",
        item_base="grant_wan",
        where=PROJECT_WHERE,
        rate=Decimal("0.2"),
        item_cap_wan=Decimal(200),
        total_cap_wan=Decimal(500),
    )
    block = ItemLists.of(lists)
    assert block is not None
    states = block.any_item(PROJECT_WHERE)
    assert states is not None and states.tolist() == [1, 0, 2, 0, 1, 2]
    assert block.ratio_items(amount) == [
        ("up_to", 0, 5_000_000),
        ("exact", 0, 0),
        ("exact", 2_000_000, 2_000_000),
        ("exact", 0, 0),
        ("range", 0, 20_000),
        ("exact", 5_000_000, 5_000_000),
    ]
