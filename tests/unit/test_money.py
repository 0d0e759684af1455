"""Money is exact: 万元 in and out, integer yuan inside."""

from decimal import Decimal as D

import pytest

from advisor.money import format_wan, format_wan_range, parse_wan, wan_to_yuan, yuan_to_wan


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1500", D(1500)), ("1,500", D(1500)), ("12.5万元", D("12.5")), ("１２", D(12)), ("0.0001", D("0.0001"))],
)
def test_parse_wan(text: str, expected: D) -> None:
    assert parse_wan(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-1", "不能为负数"),
        ("abc", "不是金额"),
        ("0.00001", "精确到元"),
        ("1e20", "超过 1 万亿元"),
        ("nan", "不是金额"),
    ],
)
def test_parse_wan_refuses_with_chinese_message(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_wan(text)


def test_round_trip_yuan_and_wan() -> None:
    assert wan_to_yuan(D("28.8")) == 288_000
    assert yuan_to_wan(288_000) == D("28.8")
    with pytest.raises(ValueError):
        wan_to_yuan(D("0.00001"))


@pytest.mark.parametrize(
    ("yuan", "shown"),
    [
        (2_000_000, "200万元"),
        (288_000, "28.8万元"),
        (15_000_000, "1,500万元"),
        (3_000, "0.3万元"),
        (1, "0.0001万元"),
        (0, "0万元"),
    ],
)
def test_format_wan(yuan: int, shown: str) -> None:
    assert format_wan(yuan) == shown


def test_format_range() -> None:
    assert format_wan_range(0, 5_000_000) == "最高500万元"
    assert format_wan_range(1_000_000, 1_000_000) == "100万元"
    assert format_wan_range(1_000_000, 3_000_000) == "100–300万元"
