"""``facts.growth_pct`` computes in a context of its own: it gives exactly what the earlier
code gave (the thread's context copied, 60 digits), value, digits and exponent alike."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, localcontext

from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.facts import growth_pct


def _growth_before(previous: Decimal | None, current: Decimal | None) -> Decimal | None:
    """growth_pct as it was written before (the reference)."""
    if previous is None or current is None or previous <= 0:
        return None
    with localcontext() as context:
        context.prec = 60
        return (current - previous) * 100 / previous


Growth = Callable[[Decimal | None, Decimal | None], Decimal | None]

_AMOUNTS = st.one_of(
    st.none(),
    st.decimals(min_value=-1, max_value=100_000_000, places=4),
    st.decimals(allow_nan=False),
    st.integers(min_value=-(10**40), max_value=10**40).map(Decimal),
    st.sampled_from([Decimal("0"), Decimal("-0"), Decimal("0.0001"), Decimal("1E+8"), Decimal("3"), Decimal("7")]),
)


def _outcome(previous: Decimal | None, current: Decimal | None, growth: Growth) -> tuple[str, str]:
    try:
        found = growth(previous, current)
    except ArithmeticError as exc:
        return ("raised", type(exc).__name__)
    return ("value", repr(found))


@settings(max_examples=3000, deadline=None, derandomize=True)
@given(_AMOUNTS, _AMOUNTS)
def test_growth_is_what_it_was(previous: Decimal | None, current: Decimal | None) -> None:
    assert _outcome(previous, current, growth_pct) == _outcome(previous, current, _growth_before)


def test_growth_keeps_sixty_digits() -> None:
    assert growth_pct(Decimal(3), Decimal(4)) == Decimal(
        "33.3333333333333333333333333333333333333333333333333333333333"
    )
    assert growth_pct(Decimal(100_000_000), Decimal("100000000.08")) == Decimal("0.00000008")
    assert growth_pct(Decimal(0), Decimal(5)) is None
