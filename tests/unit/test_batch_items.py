"""The batch decoder's items (projects.funded, events.held) equal validated ones.

``plan._unvalidated_items`` builds every item of a block at once from field values each
already validated by its column, without validating the item again. These tests check,
against ``model.model_validate`` of the same values, that each item is the same: its type,
``==``, its fields in the model's order, ``model_fields_set``, no extra, no private, its
text; that an all-blank combination gives None; and that a model with anything more than
its fields' own checks (a validator, a default that is not None, a post-init hook) is not
taken for that shortcut. Also: a block's city and district answers are refused exactly
where the Identity model refuses them.
"""

from __future__ import annotations

import typing
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError, field_validator, model_validator

from advisor.batch.plan import _builds_unvalidated, _item_models, _unvalidated_items
from advisor.profile import Event, FundedProject, Section

ITEM_MODELS = sorted(set(_item_models().values()), key=lambda model: model.__name__)

#: Cells of every kind an item field may hold, hostile text included; each field keeps the
#: values its own validation takes (as the decoder's column memo does).
_RAW = st.one_of(
    st.sampled_from(
        [
            "national",
            "provincial",
            "municipal",
            "district",
            "global",
            "regional",
            "光明区项目",
            "[bold]x[/bold]",
            "\x1b[31m红",
            "",
            True,
            False,
            0,
            1949,
            2024,
            2100,
            2101,
            Decimal("0"),
            Decimal("0.0001"),
            Decimal("12.50"),
            Decimal("100000000"),
            Decimal("-1"),
            Decimal("1.00001"),
        ]
    ),
    st.text(max_size=6),
    st.integers(min_value=1940, max_value=2110),
    st.decimals(min_value=0, max_value=200_000_000, places=4),
)


def _validated(model: type[BaseModel], name: str, raw: Any) -> Any:
    """The value ``model`` keeps for field ``name`` holding ``raw``; None when it refuses it."""
    try:
        return getattr(model.model_validate({name: raw}), name)
    except ValidationError:
        return None


@st.composite
def _blocks(draw: st.DrawFn) -> tuple[type[BaseModel], list[tuple[str, list[Any]]], list[tuple[int, ...]]]:
    """An item model, some of its fields (in any order) each with its distinct validated
    values (None among them), and combinations of codes into those values."""
    model = draw(st.sampled_from(ITEM_MODELS))
    names = draw(st.lists(st.sampled_from(list(model.model_fields)), min_size=1, unique=True))
    fields = []
    for name in names:
        values = [None, *(_validated(model, name, raw) for raw in draw(st.lists(_RAW, min_size=1, max_size=5)))]
        fields.append((name, values))
    combo = st.tuples(*(st.integers(min_value=0, max_value=len(values) - 1) for _, values in fields))
    combos = draw(st.lists(combo, min_size=1, max_size=8))
    return model, fields, combos


def test_the_item_models_take_the_shortcut() -> None:
    """Otherwise the tests below would test nothing the decoder runs."""
    assert {FundedProject, Event} <= set(ITEM_MODELS)
    assert all(_builds_unvalidated(model) for model in ITEM_MODELS)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(_blocks())
def test_unvalidated_items_equal_validated_ones(
    block: tuple[type[BaseModel], list[tuple[str, list[Any]]], list[tuple[int, ...]]],
) -> None:
    model, fields, combos = block
    built = _unvalidated_items(model, fields, combos)
    assert len(built) == len(combos)
    for item, combo in zip(built, combos, strict=True):
        given_values = {name: values[code] for (name, values), code in zip(fields, combo, strict=True)}
        found = {name: value for name, value in given_values.items() if value is not None}
        if not found:
            assert item is None
            continue
        expected = model.model_validate(found)
        assert item is not None
        assert type(item) is model
        assert item == expected
        assert list(item.__dict__.items()) == list(expected.__dict__.items())
        assert item.model_fields_set == expected.model_fields_set
        assert item.__pydantic_extra__ is None and expected.__pydantic_extra__ is None
        assert item.__pydantic_private__ == expected.__pydantic_private__
        assert repr(item) == repr(expected)
        assert item.model_dump(exclude_unset=True) == expected.model_dump(exclude_unset=True)


def test_items_are_their_own_objects() -> None:
    """Two companies with the same values get equal items, never one shared fields set."""
    first, second = _unvalidated_items(FundedProject, [("year", [None, 2024])], [(1,), (1,)])
    assert first is not None and second is not None and first == second
    assert first.model_fields_set is not second.model_fields_set
    assert first.__dict__ is not second.__dict__


class _WithModelValidator(Section):
    name: str | None = None

    @model_validator(mode="after")
    def _named(self) -> _WithModelValidator:
        return self


class _WithFieldValidator(Section):
    name: str | None = None

    @field_validator("name")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


class _WithDefault(Section):
    name: str | None = "无"


class _WithPostInit(Section):
    name: str | None = None

    def model_post_init(self, context: Any, /) -> None:
        pass


class _Plain(Section):
    name: str | None = None


@pytest.mark.parametrize("model", [_WithModelValidator, _WithFieldValidator, _WithDefault, _WithPostInit])
def test_models_with_more_than_field_checks_are_validated(model: type[BaseModel]) -> None:
    assert not _builds_unvalidated(model)


def test_a_model_of_plain_fields_takes_the_shortcut() -> None:
    assert _builds_unvalidated(_Plain)
    (item,) = _unvalidated_items(_Plain, [("name", ["甲"])], [(0,)])
    assert typing.cast(_Plain, item) == _Plain.model_validate({"name": "甲"})


def test_a_pydantic_whose_instances_have_other_slots_gets_its_items_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    """If a later pydantic gave model instances slots the shortcut does not set, no item is
    built by it: they are validated as before, and a block still decodes to the same items."""
    from advisor.batch import plan

    monkeypatch.setattr(BaseModel, "__slots__", (*plan._ITEM_SLOTS, "__pydantic_new_slot__"), raising=False)
    assert plan._slot_setters() is None
    monkeypatch.setattr(plan, "_SLOT_SETTERS", plan._slot_setters())
    assert not any(_builds_unvalidated(model) for model in ITEM_MODELS)
    assert not _builds_unvalidated(_Plain)

    import datetime as dt

    from advisor.batch.plan import ColumnPlan, PlainDecoder, template_columns
    from advisor.facts import derived_fact_columns
    from benchmarks.synthetic import profile_to_row, random_profiles

    header = template_columns(dt.date(2026, 11, 21))
    records = [[profile_to_row(p).get(name, "") for name in header] for p in random_profiles(200, seed=8)]
    validating = PlainDecoder(ColumnPlan(header), derived_fact_columns)
    assert not validating.unvalidated_items
    monkeypatch.undo()
    shortcut = PlainDecoder(ColumnPlan(header), derived_fact_columns)
    assert shortcut.unvalidated_items
    built = shortcut.facts_block(records)
    assert sum(bool(f and (f["projects.funded"] or f["events.held"])) for f in built) > 50
    assert built == validating.facts_block(records)


def test_city_and_district_answers_are_checked_together() -> None:
    """A block mixing companies whose district lies in their city, lies elsewhere or is
    answered alone: exactly those the Identity model refuses are left to the per-row path
    (``facts_block`` gives None for them), whatever their neighbours answer."""
    import datetime as dt
    import itertools

    from advisor.batch.plan import ColumnPlan, PlainDecoder, template_columns
    from advisor.facts import derived_fact_columns
    from advisor.profile import Identity

    header = template_columns(dt.date(2026, 11, 21))
    decoder = PlainDecoder(ColumnPlan(header), derived_fact_columns)
    cities = ["深圳市", "广州市", "其他", ""]
    districts = ["光明区", "海珠区", "某区", ""]
    records, expected = [], []
    taxes = [("", ""), ("", "南山区"), ("深圳市", "南山区"), ("深圳市", "天河区")]
    for city, district, (tax_city, tax_district) in itertools.product(cities, districts, taxes):
        record = [""] * len(header)
        record[header.index("identity.name")] = "甲"
        record[header.index("identity.registered_city")] = city
        record[header.index("identity.registered_district")] = district
        record[header.index("identity.tax_city")] = tax_city
        record[header.index("identity.tax_district")] = tax_district
        answers = {
            "registered_city": city,
            "registered_district": district,
            "tax_city": tax_city,
            "tax_district": tax_district,
        }
        try:
            Identity.model_validate({key: value for key, value in answers.items() if value})
            expected.append(True)
        except ValidationError:
            expected.append(False)
        records.append(record)
    assert True in expected and False in expected
    assert [facts is not None for facts in decoder.facts_block(records)] == expected
