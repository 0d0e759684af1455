"""Money as typed, rent per m², the magnitude question and the credit code's region."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from advisor.profile import Profile
from advisor.units import annual_rent_wan, parse_money, parse_unit_price, region_from_credit_code, rent_conversion_text


@pytest.mark.parametrize(
    ("text", "wan", "unit_given"),
    [
        ("60万", D(60), True),
        ("60万元", D(60), True),
        ("600000元", D(60), True),
        ("600,000 元", D(60), True),
        ("1.3亿", D(13000), True),
        ("1.3亿元", D(13000), True),
        ("8,000", D(8000), False),
        ("１２.５", D("12.5"), False),
        ("123456元", D("12.3456"), True),
        ("0", D(0), False),
        ("1,500", D(1500), False),
        ("１２", D(12), False),
        ("１２，５００万", D(12500), True),
        ("0.0001", D("0.0001"), False),
        ("12.5万元", D("12.5"), True),
    ],
)
def test_money_in_the_company_s_units_is_exact(text: str, wan: D, unit_given: bool) -> None:
    money = parse_money(text)
    assert money.wan == wan and money.unit_given is unit_given


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("一百万", "不是金额"),
        ("-5万", "负数"),
        ("0.5元", "精确到元"),
        ("12.34567", "精确到元"),
        ("20000亿", "1 万亿"),
        ("NaN", "不是金额"),
        ("inf", "不是金额"),
        ("abc", "不是金额"),
        ("-1", "不能为负数"),
        ("0.00001", "精确到元"),
        ("1e20", "超过 1 万亿元"),
    ],
)
def test_bad_money_is_refused_in_chinese(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_money(text)


def test_an_implausible_bare_figure_asks_whether_yuan_was_meant() -> None:
    question = parse_money("600000").magnitude_question()
    assert question is not None and "是否把元填成了万元" in question and "600000元" in question and "60万元" in question
    assert parse_money("600000元").magnitude_question() is None  # the unit was written
    assert parse_money("99999").magnitude_question() is None
    assert parse_money("60亿").magnitude_question() is None


def test_rent_per_square_metre_converts_exactly_and_says_how() -> None:
    assert parse_unit_price("80") == D(80) and parse_unit_price("85.5元/平方米/月") == D("85.5")
    with pytest.raises(ValueError):
        parse_unit_price("85.555")
    assert annual_rent_wan(D(80), 1200) == D("115.2")
    assert rent_conversion_text(D(80), 1200) == "80元/平方米/月 × 1,200平方米 × 12个月 = 115.2万元/年"
    # 0.01 × 1 × 12 = 0.12元: the fraction is dropped (never rounded up) and said so
    assert annual_rent_wan(D("0.01"), 1) == D(0)
    assert "舍去" in rent_conversion_text(D("0.01"), 1)


def test_profile_derives_the_annual_rent_and_keeps_a_typed_annual_rent() -> None:
    p = Profile()
    assert p.set("space.rent_yuan_per_m2_month", D(80)) == []  # no area yet: nothing to derive
    assert p.set("space.leased_area_m2", 1200) == ["space.annual_rent_wan"]
    assert p.space.annual_rent_wan == D("115.2")
    p.set("space.leased_area_m2", 1000)
    assert p.space.annual_rent_wan == D(96)
    assert p.set("space.annual_rent_wan", D(100)) == ["space.rent_yuan_per_m2_month"]  # typed directly: it wins
    assert (p.space.rent_yuan_per_m2_month, p.space.annual_rent_wan) == (None, D(100))


def test_same_as_registered_sets_tax_and_statistics_place() -> None:
    p = Profile()
    p.set("identity.registered_city", "深圳市")
    p.set("identity.registered_district", "光明区")
    p.set("identity.tax_city", "广州市")
    p.copy_registered_location()
    i = p.identity
    assert (i.tax_city, i.tax_district, i.stats_city, i.stats_district) == ("深圳市", "光明区", "深圳市", "光明区")


@pytest.mark.parametrize(
    ("code", "city", "district"),
    [
        ("91440300MA5DC12345", "深圳市", None),  # city-level authority: never a guessed district
        ("91440311MA5DC12345", "深圳市", "光明区"),
        ("91440307MA5DC12345", "深圳市", "龙岗区"),
        ("91440101MA5DC12345", "广州市", None),
        ("91440106MA5DC12345", "广州市", "天河区"),
    ],
)
def test_credit_code_region(code: str, city: str, district: str | None) -> None:
    suggestion = region_from_credit_code(code)
    assert suggestion is not None and (suggestion.city, suggestion.district) == (city, district)
    assert code[2:8] in suggestion.text()


def test_credit_code_from_elsewhere_suggests_nothing() -> None:
    assert region_from_credit_code("91110105MA5DC12345") is None  # 北京
    assert region_from_credit_code(None) is None and region_from_credit_code("9144") is None
