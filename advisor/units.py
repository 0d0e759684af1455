"""The company's own units: money as typed ("60万", "600000元", "1.3亿"), rent per
square metre per month, and the region a 统一社会信用代码 carries.

Pure functions, no UI: the questionnaire uses them so a desk officer can type
figures as they appear on the company's papers, and every stored value stays
an exact Decimal of 万元 (whole yuan).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from advisor.money import YUAN_PER_WAN, check_wan, format_wan, yuan_to_wan

#: A 万元 answer typed without a unit at or above this (10亿元) is asked about first:
#: such figures are far more often yuan typed into a 万元 field than real amounts.
PLAUSIBLE_WAN = Decimal(100_000)
MAX_RENT_YUAN_PER_M2_MONTH = Decimal(100_000)

_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")
_UNITS = (
    ("亿元", Decimal(10_000)),
    ("亿", Decimal(10_000)),
    ("万元", Decimal(1)),
    ("万", Decimal(1)),
    ("元", Decimal(1) / YUAN_PER_WAN),
)


@dataclass(frozen=True)
class Money:
    """A typed amount: its exact value in 万元 and whether the person wrote a unit."""

    wan: Decimal
    unit_given: bool

    def magnitude_question(self) -> str | None:
        """The question to ask before accepting an implausible figure, or None."""
        if self.unit_given or self.wan < PLAUSIBLE_WAN:
            return None
        typed = f"{self.wan.normalize():f}"
        as_yuan = format_wan(int(self.wan)) if self.wan == self.wan.to_integral_value() else f"{typed}元"
        return (
            f"{typed}万元即{_yi(self.wan)}——是否把元填成了万元？"
            f"如果是 {as_yuan}，请输入“{typed}元”；确实是万元，请再按一次回车确认。"
        )


def _yi(wan: Decimal) -> str:
    value = (wan / 10_000).normalize()
    return f"{value:f}亿元"


def parse_money(text: str) -> Money:
    """Parse "60万", "600000元", "1.3亿", "8,000" (万元 by default) to exact 万元.

    Raises ValueError with a Chinese message for anything that is not a
    non-negative amount of whole yuan up to 1万亿元.
    """
    cleaned = text.strip().translate(_FULL_WIDTH).replace(",", "").replace(" ", "").lstrip("¥￥")
    factor, unit_given = Decimal(1), False
    for suffix, wan_per_unit in _UNITS:
        if cleaned.endswith(suffix):
            cleaned, factor, unit_given = cleaned[: -len(suffix)], wan_per_unit, True
            break
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"“{text.strip()}”不是金额，请输入数字，可带单位：60万、600000元、1.3亿") from None
    if not number.is_finite():
        raise ValueError(f"“{text.strip()}”不是金额，请输入数字，可带单位：60万、600000元、1.3亿")
    wan = check_wan(number * factor)
    return Money(wan.normalize() if wan != wan.to_integral_value() else wan.quantize(Decimal(1)), unit_given)


def parse_unit_price(text: str) -> Decimal:
    """A rent in 元/平方米/月 ("80", "80元", "85.5") as an exact Decimal (at most 2 decimals)."""
    cleaned = text.strip().translate(_FULL_WIDTH).replace(",", "").replace(" ", "")
    for suffix in ("元/平方米/月", "元/㎡/月", "元/m2/月", "元/平方米", "元"):
        if cleaned.endswith(suffix):
            cleaned = cleaned[: -len(suffix)]
            break
    try:
        price = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"“{text.strip()}”不是租金单价，请输入每平方米每月的元数，如 80") from None
    if not price.is_finite() or price < 0:
        raise ValueError("租金单价应为不小于 0 的数字（元/平方米/月）")
    if price > MAX_RENT_YUAN_PER_M2_MONTH:
        raise ValueError("租金单价超过每平方米每月 10 万元，请检查单位（元/平方米/月）")
    if price.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError("租金单价最多精确到分")
    return price


def annual_rent_yuan(price_per_m2_month: Decimal, area_m2: int) -> int:
    """Annual rent in whole yuan: price × area × 12 (a fraction of a yuan is dropped, never rounded up)."""
    return int((price_per_m2_month * area_m2 * 12).to_integral_value(rounding=ROUND_DOWN))


def annual_rent_wan(price_per_m2_month: Decimal, area_m2: int) -> Decimal:
    return yuan_to_wan(annual_rent_yuan(price_per_m2_month, area_m2))


def rent_conversion_text(price_per_m2_month: Decimal, area_m2: int) -> str:
    """The conversion as shown to the user: 80元/平方米/月 × 1,200平方米 × 12个月 = 115.2万元/年."""
    exact = price_per_m2_month * area_m2 * 12
    yuan = annual_rent_yuan(price_per_m2_month, area_m2)
    note = "（不足1元的部分舍去）" if exact != yuan else ""
    return f"{price_per_m2_month.normalize():f}元/平方米/月 × {area_m2:,}平方米 × 12个月 = {format_wan(yuan)}/年{note}"


# --- 统一社会信用代码 → 登记管理机关所在地 ----------------------------------------------------

#: GB/T 2260 codes of the district-level registration authorities the product knows.
DISTRICT_CODES = {
    "440303": ("深圳市", "罗湖区"),
    "440304": ("深圳市", "福田区"),
    "440305": ("深圳市", "南山区"),
    "440306": ("深圳市", "宝安区"),
    "440307": ("深圳市", "龙岗区"),
    "440308": ("深圳市", "盐田区"),
    "440309": ("深圳市", "龙华区"),
    "440310": ("深圳市", "坪山区"),
    "440311": ("深圳市", "光明区"),
    "440103": ("广州市", "荔湾区"),
    "440104": ("广州市", "越秀区"),
    "440105": ("广州市", "海珠区"),
    "440106": ("广州市", "天河区"),
    "440111": ("广州市", "白云区"),
    "440112": ("广州市", "黄埔区"),
    "440113": ("广州市", "番禺区"),
    "440114": ("广州市", "花都区"),
    "440115": ("广州市", "南沙区"),
    "440117": ("广州市", "从化区"),
    "440118": ("广州市", "增城区"),
}
CITY_PREFIXES = {"4403": "深圳市", "4401": "广州市"}


@dataclass(frozen=True)
class RegionSuggestion:
    """What the code's 登记管理机关行政区划码 (characters 3–8) says about the registration place."""

    authority_code: str
    city: str
    district: str | None  # only when the authority itself is district-level

    def text(self) -> str:
        place = self.city + (self.district or "")
        caveat = "" if self.district else "（市级登记机关，代码不说明所在区）"
        return f"统一社会信用代码的登记管理机关行政区划码为 {self.authority_code}：{place}{caveat}"


def region_from_credit_code(code: str | None) -> RegionSuggestion | None:
    """The city — and the district only where the code names a district-level authority.

    440300 (深圳市市场监督管理局, which registers most Shenzhen companies) gives the
    city alone: a district is never guessed from a city-level code.
    """
    if not code or len(code) < 8:
        return None
    authority = code[2:8]
    if authority in DISTRICT_CODES:
        city, district = DISTRICT_CODES[authority]
        return RegionSuggestion(authority, city, district)
    city_only = CITY_PREFIXES.get(authority[:4])
    return RegionSuggestion(authority, city_only, None) if city_only else None
