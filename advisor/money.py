"""Exact money: integer yuan inside, 万元 at the edges.

Policy texts state amounts in 万元, so inputs and displays use 万元; every
computation runs on integer yuan so no figure is ever rounded by a float.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

YUAN_PER_WAN = 10_000
#: Largest amount a profile may state: 1万亿元. Anything above is a typing error.
MAX_WAN = Decimal(100_000_000)
#: One yuan in 万元: amounts are exact to the yuan.
WHOLE_YUAN = Decimal("0.0001")


def wan_to_yuan(wan: Decimal | int) -> int:
    """Convert 万元 (at most four decimals, i.e. whole yuan) to integer yuan."""
    value = Decimal(wan) * YUAN_PER_WAN
    if value != value.to_integral_value():
        raise ValueError(f"{wan} 万元不是整数元")
    return int(value)


def yuan_to_wan(yuan: int) -> Decimal:
    """Integer yuan as an exact Decimal of 万元 without trailing zeros."""
    wan = Decimal(yuan) / YUAN_PER_WAN
    return wan.normalize() if wan != wan.to_integral_value() else wan.quantize(Decimal(1))


def check_wan(value: Decimal) -> Decimal:
    """``value`` if it is a possible amount in 万元: finite, not negative, at most 1万亿元 and
    whole yuan; ValueError with a Chinese message otherwise. Profiles validate every amount
    with it and ``advisor.units.parse_money`` checks what a person typed with it."""
    if not value.is_finite():
        raise ValueError("金额必须是有限数字")
    if value < 0:
        raise ValueError("金额不能为负数")
    if value > MAX_WAN:
        raise ValueError("金额超过 1 万亿元，请检查单位")
    if value != value.quantize(WHOLE_YUAN, rounding=ROUND_DOWN):
        raise ValueError("金额最多精确到元（万元后四位小数）")
    return value


def format_wan(yuan: int | None, *, unit: bool = True) -> str:
    """Show yuan as 万元 the way policy texts do: 1,500万元, 12.5万元, 0.3万元."""
    if yuan is None:
        return "—"
    wan = yuan_to_wan(yuan)
    sign = "-" if wan < 0 else ""
    wan = abs(wan)
    whole = int(wan.to_integral_value(rounding=ROUND_DOWN))
    fraction = wan - whole
    text = f"{whole:,}"
    if fraction:
        text += str(fraction.normalize())[1:]
    return f"{sign}{text}{'万元' if unit else ''}"


def format_wan_range(low: int | None, high: int | None) -> str:
    """A range in 万元: '300万元', '0–500万元', '最高500万元'."""
    if low is None and high is None:
        return "—"
    if high is None:
        return f"不少于{format_wan(low)}"
    if low is None or (low == 0 and high > 0):
        return f"最高{format_wan(high)}"
    if low == high:
        return format_wan(low)
    return f"{format_wan(low, unit=False)}–{format_wan(high)}"
