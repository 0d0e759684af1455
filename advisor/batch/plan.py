"""CSV columns of ``advisor batch``: which profile key each column holds and how a cell is typed.

A header names profile keys by their dotted paths (``advisor batch --template`` prints
them). ``ColumnPlan.data`` turns one record into TOML-shaped data that
``profile_io.profile_from_data`` validates exactly like a profile file; ``PlainDecoder``
turns a *plainly valid* record straight into the engine's facts (see its docstring).
"""

from __future__ import annotations

import datetime as _dt
import re
import types
import typing
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from decimal import Context, Decimal
from functools import partial
from itertools import compress, count, repeat, takewhile
from operator import getitem, is_, is_not, itemgetter, setitem
from typing import Any

import annotated_types
from pydantic import AfterValidator, BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from advisor.batch.columns import Column, FactColumns, factorise, joint_column
from advisor.errors import ProfileError
from advisor.money import MAX_WAN
from advisor.profile import (
    FACT_SECTIONS,
    SCHEMA_VERSION,
    Profile,
    Wan,
    credit_codes_unchanged,
    validate_credit_code,
)
from advisor.terminal_text import printable

_LIST_SEPARATORS = (";", "；")
_EMPTY_LIST = ("无", "[]")  # an answered list with nothing in it; an empty cell is unknown


class UnusableInput(Exception):
    """The input cannot be read at all (exit 2); ``str()`` is a Chinese message."""


def _section_fields() -> dict[str, dict[str, Any]]:
    return {s: dict(Profile.model_fields[s].annotation.model_fields) for s in FACT_SECTIONS}  # type: ignore[union-attr]


def _item_models() -> dict[str, type[BaseModel]]:
    """Answers that are lists of items (projects.funded, events.held) and their item model."""
    found: dict[str, type[BaseModel]] = {}
    for section, fields in _section_fields().items():
        for name, info in fields.items():
            for arg in getattr(info.annotation, "__args__", ()):
                inner = getattr(arg, "__args__", ())
                if inner and isinstance(inner[0], type) and hasattr(inner[0], "model_fields"):
                    found[f"{section}.{name}"] = inner[0]
    return found


def _kind(info: Any) -> str:
    """How a cell is read for this field, as TOML would type the value:
    list (``a;b``), bool, int, number (万元, Decimal) or text."""

    def base(tp: Any) -> Any:
        while typing.get_origin(tp) is typing.Annotated:
            tp = typing.get_args(tp)[0]
        return tp

    args = [base(a) for a in typing.get_args(info.annotation) if a is not type(None)] or [base(info.annotation)]
    tp = args[0]
    if typing.get_origin(tp) is list:
        return "list"
    if tp is bool:
        return "bool"
    if tp is int:
        return "int"
    if tp is Decimal:
        return "number"
    return "text"


# ASCII digits only: full-width or superscript digits stay text and are refused by validation
_INT = re.compile(r"[+-]?[0-9]{1,30}")
_NUMBER = re.compile(r"[+-]?([0-9]{1,30}(\.[0-9]{0,30})?|\.[0-9]{1,30})([eE][+-]?[0-9]{1,3})?")
_SMALL_INT = re.compile(r"[0-9]{1,6}")
_YEAR = re.compile(r"[0-9]{4}")
_MAX_ITEM_NUMBER = 1000
_ITEM_NUMBER = re.compile(r"[1-9][0-9]{0,2}|1000")
_BOOL_WORDS = {"true": True, "false": False, "是": True, "否": False}


def _typed(cell: str, kind: str) -> Any:
    """A CSV cell as the TOML value a profile file would hold; anything else stays text
    so validation refuses it with the usual message."""
    if kind == "text":
        return cell
    if kind == "bool":
        found = _BOOL_WORDS.get(cell.lower() if cell.isascii() else cell)
        return cell if found is None else found
    if kind == "list":
        for sep in _LIST_SEPARATORS[1:]:
            cell = cell.replace(sep, _LIST_SEPARATORS[0])
        return [] if cell in _EMPTY_LIST else [p.strip() for p in cell.split(_LIST_SEPARATORS[0]) if p.strip()]
    text = cell.replace(",", "") if kind == "number" else cell
    if _INT.fullmatch(text):
        return int(text)
    if kind == "number" and _NUMBER.fullmatch(text):
        return Decimal(text)
    return cell


def template_columns(today: _dt.date | None = None, items: int = 2) -> list[str]:
    """The CSV header: every answerable key, three revenue years, two slots per item list."""
    year = (today or _dt.date.today()).year
    item_models = _item_models()
    columns: list[str] = []
    for section, fields in _section_fields().items():
        for name in fields:
            path = f"{section}.{name}"
            if path == "scale.revenue_wan":
                columns += [f"{path}.{y}" for y in range(year - 3, year)]
            elif path in item_models:
                columns += [f"{path}.{i}.{f}" for i in range(1, items + 1) for f in item_models[path].model_fields]
            else:
                columns.append(path)
    return columns


class ColumnPlan:
    """How each CSV column maps into TOML-shaped profile data."""

    def __init__(self, header: list[str]):
        fields = _section_fields()
        item_models = _item_models()
        self.width = len(header)
        self.simple: list[tuple[int, str, str, str]] = []  # (index, section, key, kind)
        self.revenue: list[tuple[int, str]] = []
        self.items: list[tuple[int, str, str, int, str, str]] = []  # (index, section, key, n, field, kind)
        self.schema_version: int | None = None
        problems: list[str] = []
        seen: dict[str, int] = {}
        for index, raw in enumerate(header):
            name = ".".join(part.strip() for part in raw.strip().split("."))
            shown = printable(name[:60]) + ("…" if len(name) > 60 else "")
            if name in seen:
                problems.append(f"第 {index + 1} 列“{shown}”与第 {seen[name] + 1} 列重复")
                continue
            seen[name] = index
            if name == "schema_version":
                self.schema_version = index
                continue
            parts = name.split(".")
            section = parts[0]
            info = fields.get(section, {}).get(parts[1]) if len(parts) >= 2 else None
            path = ".".join(parts[:2])
            if info is not None and len(parts) == 2 and path not in item_models:
                self.simple.append((index, section, parts[1], _kind(info)))
            elif path == "scale.revenue_wan" and len(parts) == 3 and _YEAR.fullmatch(parts[2]):
                self.revenue.append((index, parts[2]))
            elif (
                path in item_models
                and len(parts) == 4
                and _ITEM_NUMBER.fullmatch(parts[2])
                and parts[3] in item_models[path].model_fields
            ):
                kind = _kind(item_models[path].model_fields[parts[3]])
                self.items.append((index, section, parts[1], int(parts[2]), parts[3], kind))
            else:
                from advisor.error_text import nearest

                hint = nearest(name[:200], template_columns())
                if path == "scale.revenue_wan" and len(parts) == 3:
                    problems.append(f"第 {index + 1} 列“{shown}”的年份应为四位半角数字，如 scale.revenue_wan.2024")
                elif path in item_models and len(parts) == 4 and not _ITEM_NUMBER.fullmatch(parts[2]):
                    problems.append(f"第 {index + 1} 列“{shown}”的序号应为 1 至 {_MAX_ITEM_NUMBER} 的半角数字")
                else:
                    problems.append(
                        f"第 {index + 1} 列“{shown}”不是画像中的键" + (f"，是否想写“{hint}”？" if hint else "")
                    )
        if problems:
            raise UnusableInput(
                "CSV 表头有误："
                + "；".join(problems[:10])
                + ("" if len(problems) <= 10 else f"；另有 {len(problems) - 10} 处")
                + "。"
                + "可用 advisor batch --template 生成表头模板。"
            )
        self.items.sort(key=lambda t: (t[1], t[2], t[3]))

    def data(self, record: list[str]) -> dict[str, Any]:
        """TOML-shaped data for one CSV record; empty cells are unknown answers."""
        if len(record) > self.width:
            extra = [c for c in record[self.width :] if c.strip()]
            if extra:
                raise ProfileError(f"该行比表头多出 {len(record) - self.width} 列。")
        if len(record) < self.width:
            record = record + [""] * (self.width - len(record))
        data: dict[str, Any] = {}
        if self.schema_version is not None and record[self.schema_version].strip():
            text = record[self.schema_version].strip()
            data["schema_version"] = int(text) if _SMALL_INT.fullmatch(text) else text
        else:
            data["schema_version"] = SCHEMA_VERSION
        for index, section, key, kind in self.simple:
            cell = record[index].strip()
            if not cell:
                continue
            value = cell if kind == "text" else _typed(cell, kind)
            target = data.get(section)
            if target is None:
                target = data[section] = {}
            target[key] = value
        if self.revenue:
            revenue = {year: _typed(record[i].strip(), "number") for i, year in self.revenue if record[i].strip()}
            if revenue:
                data.setdefault("scale", {})["revenue_wan"] = revenue
        if self.items:
            lists: dict[tuple[str, str], dict[int, dict[str, Any]]] = {}
            for index, section, key, n, field, kind in self.items:
                cell = record[index].strip()
                if cell:
                    lists.setdefault((section, key), {}).setdefault(n, {})[field] = _typed(cell, kind)
            for (section, key), numbered in lists.items():
                data.setdefault(section, {})[key] = [numbered[n] for n in sorted(numbered)]
        return data


# --- plainly valid records: facts without building a profile ---------------------------------

#: What a cell that is not plainly valid maps to (the row then goes through ``profile_from_data``).
NOT_PLAIN: Any = object()
#: A list cell with more items than this is left to the full validation (which has a limit).
_PLAIN_LIST_ITEMS = 100
#: A schema_version cell of a plainly valid record: blank or the current version.
_PLAIN_VERSIONS = ("", str(SCHEMA_VERSION))
_LOCATION = tuple(f"{p}_{w}" for p in ("registered", "tax", "stats") for w in ("city", "district"))
_LOCATION_UNANSWERED = (None,) * len(_LOCATION)

#: The derived facts of many companies at once (``facts.derived_fact_columns``): from the revenue
#: years, each year's values, each company's survey first year and how many companies, per fact its values.
Derive = Callable[[Sequence[int], Sequence[Sequence[Any]], Iterable[Any], int], dict[str, list[Any]]]


def _plain_value(model: type[BaseModel], key: str, typed: Any, kind: str) -> Any:
    """The validated value of one typed cell, or NOT_PLAIN when a profile file holding it
    would be refused or converted (``"100"`` for an amount, ``1`` for true/false)."""
    if kind in ("int", "number"):
        if isinstance(typed, bool) or not isinstance(typed, (int, Decimal)):
            return NOT_PLAIN
    elif kind == "bool":
        if not isinstance(typed, bool):
            return NOT_PLAIN
    elif kind == "list":
        if not isinstance(typed, list) or len(typed) > _PLAIN_LIST_ITEMS:
            return NOT_PLAIN
    elif not isinstance(typed, str):
        return NOT_PLAIN
    try:
        return getattr(model.model_validate({key: typed}), key)
    except (ValidationError, ValueError, TypeError, ArithmeticError, RecursionError):
        return NOT_PLAIN


def _validator_of(model: type[BaseModel]) -> Callable[[Any], Any]:
    """What ``model.model_validate`` calls, without its wrapper (half the time of an item's
    validation); a model that defers building is built first."""
    if not model.__pydantic_complete__:
        model.model_rebuild()
    return model.__pydantic_validator__.validate_python


def _year_valid(scale: type[BaseModel], year: int) -> bool:
    """Whether the Scale model takes ``year`` as a revenue year."""
    try:
        scale.model_validate({"revenue_wan": {year: 0}})
    except ValidationError:
        return False
    return True


Rules = tuple[type, list[tuple[str, Any]]]


def _field_rules(annotation: Any) -> Rules | None:
    """For ``X | None`` fields whose X is int, Decimal or str with only bounds, a length
    limit, decimal places or plain after-validators (years, amounts in 万元, rents, names,
    credit codes): X and those rules in order, as (``"ge"``, ``"le"``, ``"max_length"``,
    ``"decimal_places"`` or ``"after"``, argument). None for anything else."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if len(args) != 1 or typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return None
    tp, metadata = args[0], []
    while typing.get_origin(tp) is typing.Annotated:
        tp, *more = typing.get_args(tp)
        metadata.extend(more)
    if tp not in (int, Decimal, str):
        return None
    rules: list[tuple[str, Any]] = []
    for item in metadata:
        inner = item.metadata if isinstance(item, FieldInfo) else [item]
        if isinstance(item, FieldInfo) and (item.default is not PydanticUndefined or item.default_factory is not None):
            return None
        for constraint in inner:
            if isinstance(constraint, AfterValidator) and callable(constraint.func):
                rules.append(("after", constraint.func))
            elif isinstance(constraint, annotated_types.Ge):
                rules.append(("ge", constraint.ge))
            elif isinstance(constraint, annotated_types.Le):
                rules.append(("le", constraint.le))
            elif isinstance(constraint, annotated_types.MaxLen):
                rules.append(("max_length", constraint.max_length))
            elif tp is Decimal and _only_decimal_places(constraint) is not None:
                rules.append(("decimal_places", _only_decimal_places(constraint)))
            else:
                return None
    return tp, rules


def _direct_check(annotation: Any) -> Callable[[Any], Any] | None:
    """For the fields ``_field_rules`` reads: a function applying exactly their checks to
    one typed cell, without pydantic's per-call overhead. None for anything else (those
    fields are validated by pydantic, memoised per distinct cell)."""
    found = _field_rules(annotation)
    if found is None:
        return None
    tp, rules = found
    checks: list[Callable[[Any], Any]] = [
        typing.cast(Callable[[Any], Any], arg)
        if rule == "after"
        else _decimal_places(arg)
        if rule == "decimal_places"
        else _bound(rule, arg)
        for rule, arg in rules
    ]

    def check(value: Any) -> Any:
        if tp is str:
            if type(value) is not str:
                raise TypeError
        elif isinstance(value, bool) or type(value) not in ((int,) if tp is int else (int, Decimal)):
            raise TypeError
        elif tp is Decimal and type(value) is int:
            value = Decimal(value)
        for one in checks:
            value = one(value)
        return value

    return check


#: After-validators with a check of a whole list: True when the validator returns every value as it is.
_UNCHANGED_BY: dict[Callable[[Any], Any], Callable[[list[Any]], bool]] = {validate_credit_code: credit_codes_unchanged}


def _column_check(annotation: Any, kind: str) -> Callable[[list[str]], list[Any] | None] | None:
    """For the fields ``_field_rules`` reads: the values of a block's distinct cells read
    all at once when every one is plainly written and the field takes them all (the same
    rules applied to the whole list: a bound to its least or greatest value), else None (then
    each cell is read on its own, and refused ones are marked). Numbers must be unsigned
    digits with at most one point, no comma, exponent or space, which ``_typed`` reads as
    ``int(text)`` or ``Decimal(text)`` too (an int becomes that Decimal in a Decimal field);
    a Decimal field's decimal places are then those written, so a limit on them is checked
    on the text. None for fields not read that way or of another kind."""
    found = _field_rules(annotation)
    if found is None or (kind, found[0]) not in (("text", str), ("int", int), ("number", Decimal)):
        return None
    tp, rules = found
    places = min([30, *(arg for rule, arg in rules if rule == "decimal_places")]) if tp is Decimal else None
    checks = [(rule, arg) for rule, arg in rules if rule != "decimal_places"]
    most = None
    if tp is not str:
        # bounds before any after-validator apply to the numbers as read: unsigned, so never below
        # a ``ge`` of 0 or less; the least ``le`` is checked by ``_plain_numbers``, on the text first
        leading = list(takewhile(lambda check: check[0] in ("ge", "le"), checks))
        most = min((arg for rule, arg in leading if rule == "le"), default=None)
        kept = [(rule, arg) for rule, arg in leading if rule == "ge" and arg > 0]
        checks = kept + checks[len(leading) :]

    def read(distinct: list[str]) -> list[Any] | None:
        if tp is not str:
            present, blank = _without_blank(distinct)
            if blank is not None or present is distinct:
                return _numbers_read(distinct, present, blank, places, most, checks)
        cells = list(map(str.strip, distinct)) if tp is str else distinct
        present = [cell for cell in cells if cell]
        if not present:
            return [None] * len(cells)
        if tp is str:
            values: list[Any] | None = present
        else:
            values = _plain_numbers(present, places, most)
        values = _checked(values, checks)
        if values is None:
            return None
        if len(values) == len(cells):
            return values
        taken = iter(values)
        return [next(taken) if cell else None for cell in cells]

    return read


def _without_blank(distinct: list[str]) -> tuple[list[str], int | None]:
    """The distinct cells but the blank one, and where it was (None: no blank, the list
    itself returned); with more than one blank cell (not distinct), a copy and None."""
    blanks = distinct.count("")
    if not blanks:
        return distinct, None
    if blanks > 1:
        return list(distinct), None
    blank = distinct.index("")
    return distinct[:blank] + distinct[blank + 1 :], blank


def _numbers_read(
    distinct: list[str],
    present: list[str],
    blank: int | None,
    places: int | None,
    most: Any,
    checks: list[tuple[str, Any]],
) -> list[Any] | None:
    """``_column_check``'s reading of number cells holding at most one blank (at ``blank``,
    the others ``present``): the values, None at the blank, or None when any is refused."""
    if not present:
        return [None] * len(distinct)
    values = _checked(_plain_numbers(present, places, most), checks)
    if values is not None and blank is not None:
        values.insert(blank, None)
    return values


def _checked(values: list[Any] | None, checks: list[tuple[str, Any]]) -> list[Any] | None:
    """``values`` after ``_column_check``'s rules, each applied to the whole list; None when
    any value is refused (or ``values`` is None)."""
    if values is None:
        return None
    for rule, arg in checks:
        if rule == "ge":
            if min(values) < arg:
                return None
        elif rule == "le":
            if max(values) > arg:
                return None
        elif rule == "max_length":
            if max(map(len, values)) > arg:
                return None
        elif arg in _UNCHANGED_BY:
            if not _UNCHANGED_BY[arg](values):
                return None
        else:
            try:
                values = list(map(arg, values))
            except (ValueError, TypeError, ArithmeticError):
                return None
    return values


def _bound(kind: str, limit: Any) -> Callable[[Any], Any]:
    """A check raising ValueError when a value is below ``ge``, above ``le`` or longer than ``max_length``."""

    def check(value: Any) -> Any:
        ok = value >= limit if kind == "ge" else value <= limit if kind == "le" else len(value) <= limit
        if not ok:
            raise ValueError(kind)
        return value

    return check


def _only_decimal_places(constraint: Any) -> int | None:
    """The limit of pydantic's ``Field(decimal_places=n)`` when that is all the constraint says."""
    if type(constraint).__name__ != "_PydanticGeneralMetadata":
        return None
    found = getattr(constraint, "__dict__", {})
    limit = found.get("decimal_places") if found.keys() == {"decimal_places"} else None
    return limit if type(limit) is int else None


def _decimal_places(limit: int) -> Callable[[Any], Any]:
    """pydantic-core's ``decimal_places`` rule: refused when the Decimal has more than
    ``limit`` digits after the point both as written and normalised (``1.500`` passes
    ``decimal_places=2``); a value that cannot be normalised counts as written."""

    def places(value: Decimal) -> int:
        exponent = value.as_tuple().exponent
        return -exponent if isinstance(exponent, int) and exponent < 0 else 0

    def check(value: Decimal) -> Decimal:
        if not value.is_finite():
            raise ValueError("decimal_places")
        if places(value) > limit:
            try:
                normalised = value.normalize()
            except ArithmeticError:
                normalised = value
            if places(normalised) > limit:
                raise ValueError("decimal_places")
        return value

    return check


def _builds_unvalidated(model: type[BaseModel]) -> bool:
    """Whether an item of ``model`` validated from field values that each field has already
    validated is just those values set: no validator or serializer but the fields' own, no
    private attribute, no post-init hook, no extra field kept, not a root model, and every
    field optional with None as its default (so a field left out reads None); and instances
    have the slots ``_unvalidated_items`` sets."""
    decorators = model.__pydantic_decorators__
    return (
        _SLOT_SETTERS is not None
        and not any(
            (
                decorators.validators,
                decorators.field_validators,
                decorators.root_validators,
                decorators.model_validators,
                decorators.field_serializers,
                decorators.model_serializers,
                decorators.computed_fields,
                model.__private_attributes__,
            )
        )
        and model.__pydantic_post_init__ is None
        and not model.__pydantic_root_model__
        and model.model_config.get("extra") in (None, "forbid", "ignore")
        and all(info.default is None and info.default_factory is None for info in model.model_fields.values())
    )


#: The slots of a pydantic model instance, which ``_unvalidated_items`` sets. A pydantic whose
#: instances have other slots (none of the 2.x releases so far) gets its items validated.
_ITEM_SLOTS = ("__dict__", "__pydantic_fields_set__", "__pydantic_extra__", "__pydantic_private__")


def _slot_setters() -> tuple[Callable[[Any, Any], None], ...] | None:
    """The setters of ``_ITEM_SLOTS`` (in that order), or None when model instances have other slots."""
    if sorted(getattr(BaseModel, "__slots__", ())) != sorted(_ITEM_SLOTS):
        return None
    try:
        return tuple(typing.cast(Any, BaseModel.__dict__[name]).__set__ for name in _ITEM_SLOTS)
    except (KeyError, AttributeError):
        return None


_SLOT_SETTERS = _slot_setters()


def _unvalidated_items(
    model: type[BaseModel], fields: list[tuple[str, list[Any]]], combos: list[tuple[int, ...]]
) -> list[BaseModel | None]:
    """For a model ``_builds_unvalidated`` takes: one item per combination of codes (a code
    per field of ``fields``: its name and its validated values, None for a blank cell), equal
    to what ``model.model_validate`` gives for the values that are not None (the same fields
    in the model's order, the same fields set, no extra, no private), or None when all are
    None. The items are built the way pydantic builds a validated instance, its four slots
    set directly, all of them at once (no Python step per item: most companies' items are
    their own)."""
    if not combos:
        return []
    order = list(model.model_fields)
    codes = dict(zip((name for name, _ in fields), zip(*combos, strict=True), strict=True))
    values = dict(fields)
    # each model field's value per combination (None for a field the header leaves out)
    columns = [
        list(map(values[name].__getitem__, codes[name])) if name in codes else [None] * len(combos) for name in order
    ]
    # per combination: which fields are set (True where the value is not None)
    patterns = list(zip(*(list(map(is_not, column, repeat(None))) for column in columns), strict=True))
    fields_sets = {pattern: frozenset(compress(order, pattern)) for pattern in set(patterns)}
    dicts = _dicts_of_columns(order, columns, len(combos))
    assert _SLOT_SETTERS is not None  # (``_builds_unvalidated`` said so)
    _set_dict, _set_fields_set, _set_extra, _set_private = _SLOT_SETTERS
    items: list[Any] = list(map(object.__new__, repeat(model, len(combos))))
    deque(map(_set_dict, items, dicts), maxlen=0)
    deque(map(_set_fields_set, items, map(set, map(fields_sets.__getitem__, patterns))), maxlen=0)
    deque(map(_set_extra, items, repeat(None)), maxlen=0)
    deque(map(_set_private, items, repeat(None)), maxlen=0)
    nothing_set = (False,) * len(order)
    for position in compress(count(), map(nothing_set.__eq__, patterns)):
        items[position] = None
    return items


class _Memo:
    """Cell text → validated value, for one column; cleared when it grows past ``limit``."""

    __slots__ = ("direct", "eager", "key", "kind", "limit", "memo", "model", "read", "wan", "whole")

    #: A block with more distinct cells than this in a column (amounts, names) is read without
    #: keeping them: the next block will not repeat them.
    KEEP_UP_TO = 256

    def __init__(self, model: type[BaseModel], key: str, kind: str, limit: int):
        self.model, self.key, self.kind, self.limit = model, key, kind, limit
        self.direct = _direct_check(model.model_fields[key].annotation) if kind != "list" else None
        self.memo: dict[Any, Any] = {}
        self.read = self._number_reader() if kind == "number" and self.direct is not None else self._read
        self.wan = [a for a in typing.get_args(model.model_fields[key].annotation) if a is not type(None)] == [Wan]
        self.whole = _column_check(model.model_fields[key].annotation, kind)
        #: Read as a whole even in a small block (a chunk's few amounts, names, codes) when the
        #: whole-column checks do no per-value work: cheaper than a memo of cells that rarely come again.
        rules = _field_rules(model.model_fields[key].annotation)
        self.eager = self.wan or (
            self.whole is not None
            and rules is not None
            and all(rule != "after" or arg in _UNCHANGED_BY for rule, arg in rules[1])
        )

    def _read(self, raw: str) -> Any:
        """The value of a cell as read (spaces around it allowed); None for a blank cell;
        NOT_PLAIN for a cell a profile file would not hold as it is."""
        cell = raw.strip()
        if not cell:
            return None
        typed = _typed(cell, self.kind)
        if self.direct is None:
            return _plain_value(self.model, self.key, typed, self.kind)
        try:
            return self.direct(typed)
        except (ValueError, TypeError, ArithmeticError):
            return NOT_PLAIN

    def _number_reader(self) -> Callable[[str], Any]:
        """``_read`` for an amount (most cells of a register are amounts): ``_typed``'s number
        rule and the field's own checks, without the dispatch."""
        check = self.direct
        assert check is not None
        is_int, is_number = _INT.fullmatch, _NUMBER.fullmatch

        def read(raw: str) -> Any:
            cell = raw.strip()
            if not cell:
                return None
            text = cell.replace(",", "")
            if is_int(text):
                typed: Any = int(text)
            elif is_number(text):
                typed = Decimal(text)
            else:
                return NOT_PLAIN  # text where a number belongs: refused by validation
            try:
                return check(typed)
            except (ValueError, TypeError, ArithmeticError):
                return NOT_PLAIN

        return read

    def __call__(self, raw: str) -> Any:
        """``read`` of one cell, memoised."""
        found = self.memo.get(raw, self)
        if found is self:
            found = self.read(raw)
            if len(self.memo) > self.limit:
                self.memo.clear()
            self.memo[raw] = found
        return found

    def values(self, distinct: list[str]) -> list[Any]:
        """``self(raw)`` of each distinct cell of a block's column."""
        return self.checked_values(distinct)[0]

    def checked_values(self, distinct: list[str]) -> tuple[list[Any], bool]:
        """``values`` and whether every one is plain (no NOT_PLAIN among them, so nobody needs
        marking)."""
        many = len(distinct) > self.KEEP_UP_TO
        if many or self.eager:
            found = _plain_wan(distinct) if self.wan else None
            if found is None and self.whole is not None:
                found = self.whole(distinct)
            if found is not None:
                return found, True
            if many:
                values = list(map(self.read, distinct))
                return values, NOT_PLAIN not in values
        values = list(map(self, distinct))
        return values, NOT_PLAIN not in values


class PlainDecoder:
    """The engine's facts for a *plainly valid* CSV record, without building a Profile.

    Plain means every cell is one a profile file would hold as it is: each cell is validated
    by its own section model's field (the same constraints as a profile file; once per
    distinct cell of a block), with no type conversion; the identity's city and district
    answers are validated together by the Identity model itself; the items of a list
    (projects.funded, events.held) are validated by their item model, numbered as
    ``ColumnPlan.data`` numbers them; no schema_version but the current one; as many cells
    as the header. ``facts()`` returns None for anything else, and that row goes through
    ``profile_from_data`` so its messages stay exact.

    ``tests/unit/test_batch_vector.py`` checks that the facts equal
    ``profile_facts(profile_from_data(plan.data(record)))`` for thousands of generated rows.
    """

    #: Per column: low-cardinality columns fit; unique ones (names, amounts) just cycle.
    MEMO_LIMIT = 2_000

    def __init__(self, plan: ColumnPlan, derive: Derive):
        models: dict[str, type[BaseModel]] = {
            s: typing.cast(type[BaseModel], Profile.model_fields[s].annotation) for s in FACT_SECTIONS
        }
        self.width = plan.width
        self.schema_version = plan.schema_version
        self.template: dict[str, Any] = {
            f"{s}.{name}": None for s, fields in _section_fields().items() for name in fields
        }
        self.columns = [
            (index, f"{section}.{key}", _Memo(models[section], key, kind, self.MEMO_LIMIT))
            for index, section, key, kind in plan.simple
        ]
        self.revenue = [(index, int(year), _year_valid(models["scale"], int(year))) for index, year in plan.revenue]
        self.revenue_value = _Memo(models["scale"], "revenue_tier_rewarded_wan", "number", self.MEMO_LIMIT)
        item_models = _item_models()
        # per item list: its path, its model, and (index, item number, field, validator) per column
        lists: dict[str, list[tuple[int, int, str, _Memo]]] = {}
        for index, section, key, number, field_name, kind in plan.items:
            model = item_models[f"{section}.{key}"]
            memo = _Memo(model, field_name, kind, self.MEMO_LIMIT)
            lists.setdefault(f"{section}.{key}", []).append((index, number, field_name, memo))
        self.items = [(path, item_models[path], cells) for path, cells in lists.items()]
        self.item_validators = {item_models[path]: _validator_of(item_models[path]) for path in lists}
        self.unvalidated_items = {model for model in self.item_validators if _builds_unvalidated(model)}
        #: How each column read in is validated, by its index in the header.
        self.readers: dict[int, _Memo] = {index: memo for index, _, memo in self.columns}
        self.readers.update((index, memo) for _, _, cells in self.items for index, _, _, memo in cells)
        self.readers.update((index, self.revenue_value) for index, _, _ in self.revenue)
        self.identity = models["identity"]
        self.locations: dict[tuple[Any, ...], bool] = {}
        self.derive = derive

    def _locations_valid(self, key: tuple[Any, ...]) -> bool:
        """Whether the Identity model takes these city and district answers together (one
        per name of ``_LOCATION``, None when not answered; memoised)."""
        found = self.locations.get(key)
        if found is None:
            try:
                self.identity.model_validate({n: v for n, v in zip(_LOCATION, key, strict=True) if v is not None})
                found = True
            except (ValidationError, ValueError):
                found = False
            if len(self.locations) > self.MEMO_LIMIT:
                self.locations.clear()
            self.locations[key] = found
        return found

    def facts(self, record: list[str]) -> dict[str, Any] | None:
        """Every fact of the company (as ``profile_facts`` gives them), or None when the
        record is not plainly valid."""
        return self.facts_block([record])[0]

    def facts_block(self, records: list[list[str]]) -> list[dict[str, Any] | None]:
        """``facts`` of many records (None for a record that is not plain)."""
        block, positions = self.columns_block(records)
        out: list[dict[str, Any] | None] = [None] * len(records)
        for position, row in zip(positions, block.rows(), strict=True):
            out[position] = {**self.template, **row}
        return out

    def columns_block(self, records: list[list[str]]) -> tuple[FactColumns, list[int]]:
        """The facts of the plainly valid records, column by column (each distinct cell
        validated once), and those records' positions in ``records``."""
        version = self.schema_version
        good = [
            i
            for i, r in enumerate(records)
            if len(r) == self.width and (version is None or r[version].strip() in _PLAIN_VERSIONS)
        ]
        if not good:
            return FactColumns(0), []
        rows = records if len(good) == len(records) else [records[i] for i in good]
        readers = self.readers
        # each column is numbered as zip gives it, while its cells are still in the CPU's cache
        coded = (
            (index, Column(*factorise(cells)))
            for index, cells in enumerate(zip(*rows, strict=True))
            if index in readers
        )
        block, kept = self._coded_columns(coded, len(rows), bytearray(len(rows)))
        return block, good if len(kept) == len(good) else [good[i] for i in kept]

    def coded_block(self, columns: Sequence[Column]) -> tuple[FactColumns, list[int]]:
        """``columns_block`` of records given column by column: per header column, the
        records' codes and the distinct cells as values (``arrow_columns.read_columns``);
        every record has as many cells as the header."""
        if len(columns) != self.width or not columns or not len(columns[0]):
            raise ValueError("coded columns do not match the header")
        size = len(columns[0])
        bad = bytearray(size)
        if self.schema_version is not None:
            version = columns[self.schema_version]
            refused = {code for code, cell in enumerate(version.values) if cell.strip() not in _PLAIN_VERSIONS}
            _mark_codes(bad, version, refused)
        readers = self.readers
        coded = ((index, column) for index, column in enumerate(columns) if index in readers)
        return self._coded_columns(coded, size, bad)

    def _coded_columns(
        self, coded: Iterable[tuple[int, Column]], size: int, bad: bytearray
    ) -> tuple[FactColumns, list[int]]:
        """The facts of ``size`` records from their columns read in (header index, the
        column of distinct cells), and the positions of the records kept: those not marked in
        ``bad`` already and whose every cell, item and location is plain."""
        read: dict[int, Column] = {}
        readers = self.readers
        for index, cells in coded:
            read[index] = _validated(cells, readers[index], bad)
        columns = {path: read[index] for index, path, _ in self.columns}
        for path, model, item_columns in self.items:
            columns[path] = self._item_lists(model, [(n, name, read[i]) for i, n, name, _ in item_columns], bad)
        revenue = [(year, valid, read[i]) for i, year, valid in self.revenue]
        for _, valid, column in revenue:
            if not valid:
                _mark(bad, column, lambda value: value is not None)
        columns.update(self._derived(revenue, columns.get("scale.survey_first_year"), size))
        self._check_locations(columns, bad, size)
        if not any(bad):
            return FactColumns(size, columns), list(range(size))
        keep = [i for i in range(size) if not bad[i]]
        for column in columns.values():
            codes = column.codes
            column.codes = [codes[i] for i in keep]
            column.array = None
        return FactColumns(len(keep), columns), keep

    def _item_lists(self, model: type[BaseModel], cells: list[tuple[int, str, Column]], bad: bytearray) -> Column:
        """The item list (e.g. projects.funded) of every company, its items made from the
        company's numbered cells (each distinct item once: an item stands on its own, whatever
        the company's other items) by ``_items``; companies whose item is refused are marked
        in ``bad``."""
        numbers: dict[int, list[tuple[str, Column]]] = {}
        for number, name, column in cells:
            numbers.setdefault(number, []).append((name, column))
        item_codes: list[Column] = []
        item_values: list[list[Any]] = []
        for number in sorted(numbers):
            fields = numbers[number]
            joint = joint_column([column for _, column in fields])
            items, refused = self._items(model, [(name, column.values) for name, column in fields], joint.values)
            _mark_codes(bad, joint, refused)
            item_codes.append(joint)
            item_values.append(items)
        lists = joint_column(item_codes)
        # per combination: its item of each number, then those items in number order, blanks left out
        numbers_codes = zip(*lists.values, strict=True)
        numbered = [
            list(map(items.__getitem__, codes)) for items, codes in zip(item_values, numbers_codes, strict=True)
        ]
        found = map(list, map(filter, repeat(partial(is_not, None)), zip(*numbered, strict=True)))
        return lists.with_values([items or None for items in found])

    def _items(
        self, model: type[BaseModel], fields: list[tuple[str, list[Any]]], combos: list[tuple[int, ...]]
    ) -> tuple[list[Any], set[int]]:
        """One item per combination of codes (a code per field of ``fields``: its name and
        its values, each validated by its column, None for a blank cell): None when every
        value is None, else the item ``model.model_validate`` gives for the values that are
        not None; and the combinations refused. Built without validating again when
        ``_builds_unvalidated(model)`` (the item's validation would only repeat its fields':
        nothing is refused then), validated otherwise."""
        if model in self.unvalidated_items:
            return _unvalidated_items(model, fields, combos), set()
        validate = self.item_validators[model]
        names = [name for name, _ in fields]
        field_values = [values for _, values in fields]
        items: list[Any] = []
        refused: set[int] = set()
        for code, combo in enumerate(combos):
            found = {
                name: value
                for name, value in zip(names, map(getitem, field_values, combo), strict=True)
                if value is not None
            }
            try:
                items.append(validate(found) if found else None)
            except (ValidationError, ValueError):
                items.append(None)
                refused.add(code)
        return items, refused

    def _derived(self, revenue: list[tuple[int, bool, Column]], survey: Column | None, size: int) -> dict[str, Column]:
        """scale.revenue_wan (year → 万元) and the facts derived from it, per company."""
        columns = [column for _, _, column in revenue] + ([survey] if survey is not None else [])
        joint = joint_column(columns) if columns else Column([0] * size, [()] if size else [])
        combos = joint.values
        # per part: each combination's code in it (the survey year's last)
        part_codes = list(zip(*combos, strict=True))
        years = [year for year, _, _ in revenue]
        per_year = [
            list(map(column.values.__getitem__, codes))
            for (_, _, column), codes in zip(revenue, part_codes, strict=False)
        ]
        revenues = _year_tables(years, per_year, len(combos))
        first_years = list(map(survey.values.__getitem__, part_codes[-1])) if survey is not None else repeat(None)
        out = {"scale.revenue_wan": joint.with_values(revenues)}
        if not combos:
            return out
        for name, values in self.derive(years, per_year, first_years, len(combos)).items():
            out[name] = joint.with_values(values)
        return out

    def _check_locations(self, columns: dict[str, Column], bad: bytearray, size: int) -> None:
        """Marks the companies whose city and district answers the Identity model refuses together."""
        present = [(name, columns[f"identity.{name}"]) for name in _LOCATION if f"identity.{name}" in columns]
        if not any(name.endswith("_district") for name, _ in present):
            return
        joint = joint_column([column for _, column in present])
        combos = joint.values
        # per name of _LOCATION: each combination's answer (None when the header has no such column)
        answers: dict[str, Iterable[Any]] = dict.fromkeys(_LOCATION, repeat(None))
        for (name, column), codes in zip(present, zip(*combos, strict=True), strict=True):
            answers[name] = list(map(column.values.__getitem__, codes))
        keys = list(zip(*answers.values()))  # noqa: B905 (the columns not in the header repeat None)
        districts = itemgetter(*(i for i, name in enumerate(_LOCATION) if name.endswith("_district")))
        no_district = districts(_LOCATION_UNANSWERED)
        distinct = list(set(keys))
        # only keys with a district answered are checked (a tuple compare per key, in C)
        answered = compress(distinct, map(no_district.__ne__, map(districts, distinct)))
        refused_keys = {key for key in answered if not self._locations_valid(key)}
        if refused_keys:
            _mark_codes(bad, joint, set(compress(count(), map(refused_keys.__contains__, keys))))


def _year_tables(years: list[int], per_year: list[list[Any]], size: int) -> list[dict[int, Any] | None]:
    """``size`` tables year → value from each year's values (None: not answered), the years
    in the order given and unanswered ones left out; None for a table left empty."""
    tables = _dicts_of_columns(years, per_year, size)
    for year, values in zip(years, per_year, strict=True):
        for position in compress(count(), map(is_, values, repeat(None))):
            del tables[position][year]
    return [table or None for table in tables]


def _dicts_of_columns(keys: list[Any], columns: Sequence[list[Any]], size: int) -> list[dict[Any, Any]]:
    """``size`` dicts holding ``keys`` in that order, each key's value in the n-th dict the n-th
    of its column (``columns`` in the order of ``keys``), filled a column at a time in C."""
    dicts = list(map(dict.copy, repeat(dict.fromkeys(keys), size)))
    for key, column in zip(keys, columns, strict=True):
        deque(map(setitem, dicts, repeat(key), column), maxlen=0)
    return dicts


_NOT_DIGITS = {False: b"0123456789\n", True: b"0123456789.\n"}  # what may remain is anything else
#: Digits to "x", so that runs of digits are found by plain byte search (no pattern, no per-cell step).
_AS_RUNS = bytes.maketrans(b"0123456789", b"xxxxxxxxxx")
_LONGEST_RUN = 30  # digits before or after the point, as ``_INT`` and ``_NUMBER`` take them
#: Reads a Decimal from plain digits as ``Decimal(text)`` does (exact: at most 60 digits here, and
#: 64 kept), without the constructor's whitespace and underscore handling (a quarter of its time).
_EXACT = Context(prec=64)


def _plain_numbers(cells: list[str], places: int | None, most: Decimal | None = None) -> list[Any] | None:
    """``int(cell)`` of every cell (``Decimal(cell)`` when ``places`` is given) when each is
    unsigned ASCII digits, at most 30 of them (with at most one point and at most 30 digits,
    ``places`` for a Decimal, after it), which is what ``_typed`` reads them as too: an integer
    text becomes that int, which a Decimal field takes as ``Decimal(int)``, the same value and
    text. None when any cell is written otherwise (a sign, a comma, an exponent, a space,
    full-width digits, a line break: then each cell is read on its own), or when a value is
    above ``most``. All checks run over the whole list, on its text."""
    text = "\n".join(cells)
    if text.count("\n") != len(cells) - 1:
        return None  # (a cell holding a line break would pass as two numbers)
    raw = text.encode()
    if raw.translate(None, _NOT_DIGITS[places is not None]):
        return None
    runs = raw.translate(_AS_RUNS)
    if b"x" * (_LONGEST_RUN + 1) in runs:
        return None
    if places is not None and places < _LONGEST_RUN and b"." + b"x" * (places + 1) in runs:
        return None
    read: Callable[[str], Any] = _EXACT.create_decimal if places is not None else int
    try:
        values = list(map(read, cells))
    except (ValueError, ArithmeticError):  # "1.2.3", "."
        return None
    # a value below 10 ** (d - 1) (its integer part shorter than ``most``'s d digits) is below a
    # ``most`` of at least 1; a smaller (or negative) bound is compared with every value
    if most is not None and (most < 1 or b"x" * len(str(int(most))) in runs) and max(values) > most:
        return None
    return values


def _plain_wan(distinct: list[str]) -> list[Any] | None:
    """The values of a block's distinct amount cells when every one is a plain amount (or
    blank), in one pass; None when any is not (then each is read on its own). Plain: what
    ``_plain_numbers`` reads with at most four places (whole yuan) and at most
    ``money.MAX_WAN``, which ``check_wan`` accepts unchanged (never negative: no sign)."""
    try:
        blank: int | None = distinct.index("")
    except ValueError:
        blank = None
    cells = distinct if blank is None else distinct[:blank] + distinct[blank + 1 :]
    if not cells:
        return None
    values = _plain_numbers(cells, 4, MAX_WAN)
    if values is None:
        return None
    if blank is not None:
        values.insert(blank, None)
    return values


def _validated(cells: Column, memo: _Memo, bad: bytearray) -> Column:
    """The column of validated cells of a column of distinct cells (the same codes);
    companies with a cell that is not plain are marked in ``bad`` (their value reads None,
    never the marker)."""
    values, plain = memo.checked_values(cells.values)
    column = cells.with_values(values)
    if not plain:
        _mark(bad, column)
    return column


def _mark(bad: bytearray, column: Column, refused: Callable[[Any], bool] | None = None) -> None:
    """Marks in ``bad`` the companies whose value is refused (default: NOT_PLAIN, which then
    reads None: never the marker)."""
    if refused is None:
        found = {code for code, value in enumerate(column.values) if value is NOT_PLAIN}
    else:
        found = {code for code, value in enumerate(column.values) if refused(value)}
    for code in found:
        if column.values[code] is NOT_PLAIN:
            column.values[code] = None
    _mark_codes(bad, column, found)


def _mark_codes(bad: bytearray, column: Column, refused: set[int]) -> None:
    """Marks in ``bad`` the companies whose code in ``column`` is one of ``refused`` (its codes
    list is read only when some code is refused)."""
    if refused:
        for position, code in enumerate(column.codes):
            if code in refused:
                bad[position] = 1
