"""Facts a profile gives the rules: every answer by dotted path, the derived facts
(latest revenue, growth) and the as-of year that time words are compared with."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from decimal import Context, Decimal
from typing import Any

from advisor.conditions import AS_OF_YEAR
from advisor.profile import FACT_SECTIONS, Profile

DERIVED_FACT_IDS = (
    "derived.latest_revenue_wan",
    "derived.latest_revenue_growth_pct",
    "derived.survey_next_year_growth_pct",
)


#: Where growth is computed: 60 digits, the rest as Python's default context (a context of
#: its own rather than a copy of the thread's per call, a third of growth_pct's time).
_GROWTH = Context(prec=60)
_SUBTRACT, _MULTIPLY, _DIVIDE = _GROWTH.subtract, _GROWTH.multiply, _GROWTH.divide
_HUNDRED = Decimal(100)  # (what the context turns 100 into at every call)


def growth_pct(previous: Decimal | None, current: Decimal | None) -> Decimal | None:
    """Growth in percent, not rounded: thresholds are compared with the exact value
    (+800元 on 1亿元 is 正增长; 9.996% is not 10%以上). Rounding is for display only."""
    if previous is None or current is None or previous <= 0:
        return None
    return _DIVIDE(_MULTIPLY(_SUBTRACT(current, previous), _HUNDRED), previous)


def profile_facts(profile: Profile, as_of: _dt.date | None = None) -> dict[str, Any]:
    """Every answer of the profile by dotted path, plus the derived facts and the
    as-of year that time words (首次认定, 新落户 …) are compared with."""
    facts: dict[str, Any] = {AS_OF_YEAR: (as_of or _dt.date.today()).year}
    for section_name, keys in _FACT_KEYS:
        # A validated section keeps each field's value in its ``__dict__`` (pydantic).
        values = getattr(profile, section_name).__dict__
        for name, key in keys:
            value = values[name]
            # Lists and tables copied: explanations written later (issue 9) read these facts,
            # whatever is appended to the profile meanwhile.
            facts[key] = list(value) if type(value) is list else (dict(value) if type(value) is dict else value)
    facts.update(derived_facts(facts.get("scale.revenue_wan"), facts.get("scale.survey_first_year")))
    return facts


def _section_keys(section_name: str) -> tuple[tuple[str, str], ...]:
    model: Any = Profile.model_fields[section_name].annotation
    return tuple((name, f"{section_name}.{name}") for name in model.model_fields)


#: Per fact section, its field names with their dotted paths.
_FACT_KEYS = tuple((section_name, _section_keys(section_name)) for section_name in FACT_SECTIONS)


def derived_facts(revenue: dict[int, Decimal] | None, survey_first_year: int | None) -> dict[str, Any]:
    """The facts derived from the revenue answers: the latest year's revenue, its growth on
    the year before, and the growth in the year after first joining the statistics survey."""
    if not revenue:
        return dict.fromkeys(DERIVED_FACT_IDS)
    latest = max(revenue)
    first = survey_first_year
    return {
        "derived.latest_revenue_wan": revenue[latest],
        "derived.latest_revenue_growth_pct": growth_pct(revenue.get(latest - 1), revenue[latest]),
        "derived.survey_next_year_growth_pct": (
            growth_pct(revenue.get(first), revenue.get(first + 1)) if first is not None else None
        ),
    }


def derived_fact_columns(
    years: Sequence[int],
    per_year: Sequence[Sequence[Decimal | None]],
    survey_first_years: Iterable[int | None],
    size: int,
) -> dict[str, list[Any]]:
    """``derived_facts`` of ``size`` companies at once, fact by fact: company n's revenue is the
    n-th value of each year's list in ``per_year`` (in the order of ``years``, distinct; None:
    not answered), its survey first year the n-th of ``survey_first_years``. The same values
    as ``derived_facts`` of each company's table, in one loop without a table or a call per
    company (a register's batch derives the facts of thousands)."""
    by_year = dict(zip(years, per_year, strict=True))
    # latest year first: per year, its values and the year before's (None: no such column)
    newest_first = [(by_year[year], by_year.get(year - 1)) for year in sorted(years, reverse=True)]
    latest: list[Any] = [None] * size
    latest_growth: list[Any] = [None] * size
    survey_growth: list[Any] = [None] * size
    for position, first in zip(range(size), survey_first_years, strict=False):  # (may repeat None)
        for values, before in newest_first:
            current = values[position]
            if current is not None:
                latest[position] = current
                latest_growth[position] = growth_pct(before[position] if before is not None else None, current)
                break
        else:
            continue  # no revenue answered: every derived fact unknown
        if first is not None:
            start, end = by_year.get(first), by_year.get(first + 1)
            if start is not None and end is not None:
                survey_growth[position] = growth_pct(start[position], end[position])
    return dict(zip(DERIVED_FACT_IDS, (latest, latest_growth, survey_growth), strict=True))
