"""Money is exact: 万元 in and out, integer yuan inside."""

from decimal import Decimal as D

import pytest

from advisor.money import check_wan, format_wan, format_wan_range, wan_to_yuan, yuan_to_wan


@pytest.mark.parametrize(
    ("wan", "message"),
    [
        (D(-1), "不能为负数"),
        (D("0.00001"), "精确到元"),
        (D("1e20"), "超过 1 万亿元"),
        (D("100000000.0001"), "超过 1 万亿元"),
        (D("nan"), "有限数字"),
        (D("-inf"), "有限数字"),
    ],
)
def test_check_wan_refuses_with_chinese_message(wan: D, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_wan(wan)


@pytest.mark.parametrize("wan", [D(0), D("0.0001"), D("12.34560"), D(100_000_000), D("1E+2")])
def test_check_wan_accepts_whole_yuan_up_to_one_trillion(wan: D) -> None:
    assert check_wan(wan) == wan


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
