"""The batch decoder's shortcuts give exactly what the slow path gives.

* a block's distinct cells read all at once (``_Memo.whole``) equal each cell read on its
  own (``_Memo.read``), for every field that has the shortcut, on plain and hostile cells
  (full-width digits, signs, exponents, commas, huge numbers, control characters, line
  breaks, spaces, lower-case or wrong credit codes, blanks);
* the direct check of a field with ``decimal_places`` (the rent per m²) accepts and returns
  what pydantic does;
* the credit-code check computed as one base-34 number equals the weighted sum of GB 32100,
  and ``credit_codes_unchanged`` says exactly whether ``validate_credit_code`` returns every
  code as it is.
"""

from __future__ import annotations

import operator
import random
import sys
import typing
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from advisor.batch.plan import NOT_PLAIN, _direct_check, _item_models, _kind, _Memo, _section_fields
from advisor.profile import (
    _CODE_CHARS,
    _CODE_WEIGHTS,
    FACT_SECTIONS,
    Profile,
    Space,
    credit_code_check_char,
    credit_codes_unchanged,
    validate_credit_code,
)

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from benchmarks.synthetic import credit_code  # noqa: E402


def _memos() -> list[_Memo]:
    """A memo for every field of the profile and its item models that reads whole columns."""
    models: list[type[BaseModel]] = [
        typing.cast(type[BaseModel], Profile.model_fields[s].annotation) for s in FACT_SECTIONS
    ]
    models += list(_item_models().values())
    found = []
    for model in models:
        for key, info in model.model_fields.items():
            kind = _kind(info)
            if kind == "list":
                continue
            memo = _Memo(model, key, kind, 10)
            if memo.whole is not None:
                found.append(memo)
    return found


MEMOS = _memos()
CODES = [credit_code(random.Random(seed)) for seed in range(40)]


def test_the_shortcut_covers_the_busy_columns() -> None:
    names = {f"{m.model.__name__}.{m.key}" for m in MEMOS}
    assert {
        "Identity.name",
        "Identity.credit_code",
        "Space.rent_yuan_per_m2_month",
        "Space.leased_area_m2",
        "Park.building_area_m2",
        "Tax.rd_expense_wan",
        "FundedProject.grant_wan",
        "Event.cost_wan",
    } <= names


_number = st.from_regex(r"[0-9]{1,9}(\.[0-9]{0,5})?", fullmatch=True)
_hostile = st.sampled_from(
    [
        "",
        " ",
        " 12 ",
        "１２",
        "+1",
        "-1",
        "-0",
        "1e3",
        "1E-2",
        "1,000",
        "0.001",
        "12.50",
        "100000",
        "100000.00",
        "100000.01",
        "99999.999",
        "1." + "0" * 29,
        "9" * 30,
        "9" * 31,
        "1" + "0" * 8,
        "1\n2",
        "3\n",
        "\x1b[31m",
        "\u202e1",
        "abc",
        "无",
        "x" * 2001,
        "x" * 2000,
        "true",
        "1949",
        "2100",
        "2101",
    ]
)
_codes = st.sampled_from(CODES).flatmap(
    lambda code: st.sampled_from(
        [code, code.lower(), code[:17] + "0", code[:17], f" {code}", code[:5] + "O" + code[6:]]
    )
)
_plain_cells = st.lists(st.one_of(_number, st.just(""), st.sampled_from(CODES)), min_size=1, max_size=40)
_cells = st.one_of(
    _plain_cells,
    st.tuples(_plain_cells, _hostile).map(lambda t: [*t[0], t[1]]),
    st.lists(st.one_of(_number, _hostile, _codes, st.text(max_size=6)), min_size=1, max_size=40),
)


def test_a_whole_column_reads_as_its_cells_do() -> None:
    taken = declined = wholes = 0

    @settings(max_examples=1500, deadline=None, derandomize=True)
    @given(st.sampled_from(MEMOS), _cells)
    def check(memo: _Memo, cells: list[str]) -> None:
        nonlocal taken, declined, wholes
        distinct = list(dict.fromkeys(cells))
        assert memo.whole is not None
        many = list(dict.fromkeys([*distinct, *map(str, range(300))]))  # past KEEP_UP_TO: read as a whole
        values, plain = memo.checked_values(many)
        assert values == [memo.read(cell) for cell in many]
        assert not plain or NOT_PLAIN not in values
        wholes += plain
        found = memo.whole(distinct)
        if found is None:
            declined += 1
            return
        taken += 1
        expected = [memo.read(cell) for cell in distinct]
        assert NOT_PLAIN not in expected
        assert found == expected
        assert [type(v) for v in found] == [type(v) for v in expected]
        assert [str(v) for v in found] == [str(v) for v in expected]

    check()
    assert taken >= 200 and declined >= 200 and wholes >= 200, (taken, declined, wholes)


def test_whole_columns_are_taken_when_plain_and_declined_otherwise() -> None:
    by_name = {f"{m.model.__name__}.{m.key}": m for m in MEMOS}
    rent, area, name, code = (
        by_name[n]
        for n in ("Space.rent_yuan_per_m2_month", "Space.leased_area_m2", "Identity.name", "Identity.credit_code")
    )
    assert rent.whole is not None and area.whole is not None and name.whole is not None and code.whole is not None
    assert rent.whole(["12.5", "", "100000", "0.10"]) == [Decimal("12.5"), None, Decimal(100000), Decimal("0.10")]
    assert rent.whole(["12.5", "0.125"]) is None  # three places: each cell read on its own
    assert rent.read("0.125") is NOT_PLAIN and rent.read("0.120") == Decimal("0.120")
    assert rent.whole(["100000.01"]) is None and rent.read("100000.01") is NOT_PLAIN
    assert area.whole(["0", "100000000", ""]) == [0, 100_000_000, None]
    assert area.whole(["100000001"]) is None and area.whole(["1\n2"]) is None
    assert name.whole([" 甲 ", "", "  "]) == ["甲", None, None]
    assert name.whole(["x" * 2001]) is None
    assert code.whole([*CODES[:3], ""]) == [*CODES[:3], None]
    assert code.whole([CODES[0].lower()]) is None and code.read(CODES[0].lower()) == CODES[0]


_rent_values = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=None),
    st.decimals(min_value=-1, max_value=100_001, allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(10**35), max_value=10**35),
    st.from_regex(r"[0-9]{1,6}\.[0-9]{0,34}", fullmatch=True).map(Decimal),
    st.from_regex(r"[0-9]{1,30}(\.[0-9]{0,30})?[eE][+-]?[0-9]{1,3}", fullmatch=True).map(Decimal),
)


@settings(max_examples=500, deadline=None, derandomize=True)
@given(_rent_values)
def test_the_rent_check_is_pydantics(value: Any) -> None:
    check = _direct_check(Space.model_fields["rent_yuan_per_m2_month"].annotation)
    assert check is not None
    try:
        expected: Any = Space.model_validate({"rent_yuan_per_m2_month": value}).rent_yuan_per_m2_month
    except ValidationError:
        expected = NOT_PLAIN
    try:
        found: Any = check(value)
    except (ValueError, TypeError, ArithmeticError):
        found = NOT_PLAIN
    assert (found is NOT_PLAIN) == (expected is NOT_PLAIN), value
    if found is not NOT_PLAIN:
        assert found == expected and str(found) == str(expected) and type(found) is type(expected)


def _weighted_check_char(first17: str) -> str:
    """GB 32100-2015 as written: the weighted sum of the character values."""
    values = {ch: value for value, ch in enumerate(_CODE_CHARS)}
    if len(first17) != 17 or not values.keys() >= set(first17):
        raise ValueError(first17)
    total = sum(map(operator.mul, map(values.__getitem__, first17), _CODE_WEIGHTS))
    return _CODE_CHARS[(31 - total % 31) % 31]


@settings(max_examples=2000, deadline=None, derandomize=True)
@given(st.text(alphabet=_CODE_CHARS + "IOSVZios ０\n", min_size=15, max_size=19) | st.text(max_size=18))
def test_the_check_character_is_the_weighted_sum(first17: str) -> None:
    try:
        expected = _weighted_check_char(first17)
    except ValueError:
        with pytest.raises(ValueError):
            credit_code_check_char(first17)
        return
    assert credit_code_check_char(first17) == expected


def _unchanged(codes: list[str]) -> bool:
    for code in codes:
        try:
            if validate_credit_code(code) != code:
                return False
        except ValueError:
            return False
    return True


@settings(max_examples=600, deadline=None, derandomize=True)
@given(st.lists(st.one_of(_codes, st.sampled_from(CODES), st.text(max_size=20)), max_size=8))
def test_credit_codes_unchanged_is_each_code_validated(codes: list[str]) -> None:
    assert credit_codes_unchanged(codes) == _unchanged(codes)


def test_credit_codes_unchanged_on_joined_codes() -> None:
    """Two codes in one cell (a line break between) are not two codes."""
    assert credit_codes_unchanged(CODES[:4])
    assert not credit_codes_unchanged([CODES[0] + "\n" + CODES[1]])
    assert not credit_codes_unchanged([CODES[0], CODES[1][:17] + ("0" if CODES[1][17] != "0" else "1")])
    assert not credit_codes_unchanged([CODES[0], ""])


def test_every_section_field_has_a_kind() -> None:
    assert all(_kind(info) for fields in _section_fields().values() for info in fields.values())


def test_items_decode_in_a_fresh_process() -> None:
    """Item models defer building; the decoder builds them itself (a worker decodes items
    before anything else has validated one)."""
    import subprocess

    script = (
        "import datetime as dt\n"
        "from advisor.batch.plan import ColumnPlan, PlainDecoder, template_columns\n"
        "from advisor.facts import derived_fact_columns\n"
        "h = template_columns(dt.date(2026, 11, 21))\n"
        "d = PlainDecoder(ColumnPlan(h), derived_fact_columns)\n"
        "r = [''] * len(h)\n"
        "r[h.index('identity.name')] = '甲'\n"
        "r[h.index('events.held.1.name')] = '会'\n"
        "r[h.index('projects.funded.2.year')] = '2024'\n"
        "f = d.facts(r)\n"
        "print(f['events.held'][0].name, f['projects.funded'][0].year)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["会", "2024"]
