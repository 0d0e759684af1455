"""advisor.error_text: one table from error kind to Chinese text, for profiles, rules and answers."""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from advisor import rule_model as rm
from advisor.error_text import (
    PYDANTIC_KINDS,
    RULE_MODEL_REASONS,
    VALIDATION_TEXT,
    answer_error_text,
    error_kind,
    fill,
    nearest,
    toml_message,
    validation_text,
    visible,
)
from advisor.profile import Identity, Profile, Space

ENGLISH = re.compile(
    r"(?<![A-Za-z])(?!(?:true|false|kind|any|all|fact|op|reason|value|within_years|undecidable)(?![A-Za-z_]))[A-Za-z]{3,}"
)


def _errors(model: Any, data: dict[str, Any]) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return [dict(e) for e in caught.value.errors()]


def test_every_kind_has_wording_for_profiles_and_rules() -> None:
    assert set(PYDANTIC_KINDS.values()) <= set(VALIDATION_TEXT)
    for kind in VALIDATION_TEXT:
        for audience in ("profile", "rules", "answer"):
            joiner, text = fill(kind, {}, audience)  # every placeholder has a default
            assert joiner in ("", "的", "：") and (text or kind == "check_failed")  # a check brings its reason
            assert not ENGLISH.search(text), (kind, text)
    assert all(
        not ENGLISH.search(v.replace("undecidable", "").replace("within_years", ""))
        for v in RULE_MODEL_REASONS.values()
    )


@pytest.mark.parametrize(
    ("model", "data", "kind", "text"),
    [
        (Space, {"leased_area_m2": "八百"}, "wrong_int", "应为整数，现为“八百”"),
        (Space, {"leased_area_m2": -1}, "too_small", "不能小于 0，现为 -1"),
        (Space, {"leased_area_m2": 10**9}, "too_large", "过大（上限 100000000），现为 1000000000"),
        (
            Identity,
            {"registered_city": "北京市"},
            "not_a_choice",
            "值“北京市”不在可选范围内（可选：深圳市、广州市、其他）",
        ),
        (Identity, {"name": "x" * 2001}, "too_long", "过长（上限 2000 字）"),
        (Identity, {"nmae": "x"}, "unknown_key", "不是画像中的键。请删除这一项或检查拼写"),
        (Profile, {"identity": []}, "not_table", "结构不对：应为表，现为“列表”"),
        (Space, {"annual_rent_wan": -3}, "check_failed", "金额不能为负数"),
    ],
)
def test_a_pydantic_error_reads_as_its_kind(model: Any, data: dict[str, Any], kind: str, text: str) -> None:
    error = _errors(model, data)[0]
    assert error_kind(error) == kind
    assert validation_text(error)[1] == text


def test_the_value_shown_is_printable_and_cut() -> None:
    error = _errors(Space, {"leased_area_m2": "\x1b[2J[bold]" + "八" * 100})[0]
    text = validation_text(error)[1]
    assert "\x1b" not in text and "\\x1b[2J[bold]" in text and text.endswith("…”")
    assert visible(10**400).startswith("一个约 401 位的整数")


def test_rule_lines_name_the_unknown_key_and_the_nearest_valid_one() -> None:
    assert fill("unknown_key_hint", {"key": "titel", "hint": "title"}, "rules")[1] == (
        "未知的键“titel”，最接近的有效键是“title”"
    )
    assert fill("unknown_key_hint", {"hint": "name"})[1] == "不是画像中的键，是否想写“name”？"
    assert nearest("titel", ["title", "quote"]) == "title"
    assert nearest("zzzz", ["title", "quote"]) is None


def test_rule_model_checks_are_translated() -> None:
    errors = _errors(
        rm.Condition, {"label": "x", "fact": "a.b", "op": "eq", "any": [{"label": "y", "fact": "c.d", "op": "is_true"}]}
    )
    text = validation_text(errors[0], "rules", noun="规则")[1]
    assert text in RULE_MODEL_REASONS.values(), text
    errors = _errors(rm.Condition, {"label": "x", "fact": "a.b", "op": "eq"})
    assert validation_text(errors[0], "rules")[1] == 'op = "eq" 的条件必须写 value（比较的值）'


@pytest.mark.parametrize(
    ("model", "data", "text"),
    [
        (Space, {"leased_area_m2": 10**9}, "不能大于 100000000"),
        (Space, {"leased_area_m2": -1}, "不能小于 0"),
        (Identity, {"name": "x" * 2001}, "太长了（上限 2000 字）"),
        (Identity, {"credit_code": "91440300MA5G0000X"}, "统一社会信用代码应为 18 位，现为 17 位"),
        (Space, {"leased_area_m2": "八百"}, "应为整数，现为“八百”"),
    ],
)
def test_a_refused_answer_gets_a_short_message(model: Any, data: dict[str, Any], text: str) -> None:
    assert answer_error_text(_errors(model, data)[0]) == text


@pytest.mark.parametrize(
    ("toml", "fragment"),
    [
        ("a = 1\na = 2\n", "第 2 行第 6 列，同一个键被重复定义；这一行是：a = 2"),
        ("[x\n", "表名缺少结束的“]”"),
        ("d = 2025-13-01\n", "日期或时间无效"),
        ('[[measure]\nid = "x"\n', "第 1 行第 10 列，表数组名缺少结束的“]]”"),
    ],
)
def test_toml_syntax_errors_in_chinese(toml: str, fragment: str) -> None:
    with pytest.raises(tomllib.TOMLDecodeError) as caught:
        tomllib.loads(toml, parse_float=Decimal)
    message = toml_message(caught.value, toml)
    assert fragment in message and message.startswith("不是有效的 TOML 格式：")
