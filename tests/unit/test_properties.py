"""Property-based guarantees (hypothesis).

* Any valid profile round-trips exactly through TOML: ``load(dump(p)) == p``,
  including Chinese, markup, ANSI and control-character text, Decimal money
  with up to four decimals, unknowns, and empty lists as distinct from None.
* The engine never raises on a valid profile, even with every answer unknown.
* Amounts are never negative, never above the measure's caps, and min ≤ max.
* The result does not depend on the order or names of the rule files.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args, get_origin

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from advisor import rule_model as rm
from advisor.engine import Engine
from advisor.json_contract import assessment_json, condition_json
from advisor.money import MAX_WAN, wan_to_yuan
from advisor.profile import (
    DISTRICTS_BY_CITY,
    FACT_SECTIONS,
    Profile,
    credit_code_check_char,
)
from advisor.profile_io import dump_profile, parse_profile, profile_from_data

AS_OF = dt.date(2026, 11, 21)
ROOT = Path(__file__).resolve().parents[2]
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- strategies ---------------------------------------------------------------------------

TRICKY_TEXT = [
    "光明科技有限公司",
    "[bold]加粗[/bold]",
    "[link=https://example.com]链接[/link]",
    "[/]",
    "[red",
    "\x1b[31m红色\x1b[0m",
    "\x1b]8;;https://x\x07x\x1b]8;;\x07",
    "\x00\x07\x08\x0b\x0c\x7f\x85",
    "a\r\nb\rc\n",
    "\t制表\t",
    '"引号" \'单引号\' \\反斜杠\\ """三引号"""',
    "''' 三单引号 '''",
    "#不是注释",
    "= 等号 [表] {花括号}",
    "\u202e反向\u202c",
    "\ufeffBOM",
    "😀 emoji 𠀀",
    " ",
    "",
]
texts = st.one_of(
    st.sampled_from(TRICKY_TEXT),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60),
    st.lists(st.sampled_from(TRICKY_TEXT), min_size=2, max_size=4).map("".join),
)
short_text = texts.filter(lambda t: len(t) <= 2000)
long_text = st.text(st.sampled_from("光明\x1b[]\n"), min_size=1500, max_size=2000)


@st.composite
def wan(draw: st.DrawFn) -> Decimal:
    """Exact 万元 with at most four decimals, from 0 to the 1万亿元 ceiling."""
    places = draw(st.integers(0, 4))
    top = int(MAX_WAN) * 10**places
    units = draw(st.one_of(st.integers(0, top), st.sampled_from([0, 1, top, top - 1])))
    value = Decimal(units).scaleb(-places)
    return draw(st.sampled_from([value, value.normalize()])) if value else value


years = st.integers(1949, 2100)
_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
credit_codes = st.text(st.sampled_from(_CODE_CHARS), min_size=17, max_size=17).map(
    lambda s: s + credit_code_check_char(s)
)
datetimes = st.datetimes(
    min_value=dt.datetime(1970, 1, 1),
    max_value=dt.datetime(2100, 1, 1),
    timezones=st.sampled_from([None, dt.UTC, dt.timezone(dt.timedelta(hours=8))]),
)


def _strategy(annotation: Any, name: str) -> st.SearchStrategy[Any]:
    """A strategy for one profile field, read from its pydantic annotation."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is type(int | None) or str(origin) == "typing.Union":
        inner = [a for a in args if a is not type(None)]
        return st.one_of(st.none(), *[_strategy(a, name) for a in inner])
    if str(origin) == "typing.Annotated" or hasattr(annotation, "__metadata__"):
        base = args[0] if args else annotation.__origin__
        if name == "credit_code":
            return credit_codes
        if base is Decimal and name == "rent_yuan_per_m2_month":
            return st.integers(0, 10_000_000).map(lambda cents: Decimal(cents).scaleb(-2))
        if base is Decimal:
            return wan()
        if base is int:
            if "year" in name:
                return years
            return st.integers(0, 1_000_000)
        if base is str:
            limit = min((m.max_length for m in annotation.__metadata__ if getattr(m, "max_length", None)), default=2000)
            if limit > 2000:
                return st.one_of(short_text, long_text)
            return short_text.map(lambda t: t[:limit])
        return _strategy(base, name)
    if str(origin) == "typing.Literal":
        return st.sampled_from(args)
    if origin is list:
        return st.lists(_strategy(args[0], name), max_size=4)
    if origin is dict:
        return st.dictionaries(_strategy(args[0], "year"), _strategy(args[1], name), max_size=4)
    if annotation is bool:
        return st.booleans()
    if annotation is int:
        return st.integers(0, 1_000_000)
    if annotation is str:
        return short_text
    if annotation is dt.datetime:
        return datetimes
    if hasattr(annotation, "model_fields"):
        return _section(annotation)
    raise AssertionError(f"no strategy for {name}: {annotation!r}")


def _section(model: Any) -> st.SearchStrategy[Any]:
    fields = {name: _strategy(info.annotation, name) for name, info in model.model_fields.items()}
    return st.fixed_dictionaries({}, optional=fields).map(lambda d: model.model_validate(d))


@st.composite
def identities(draw: st.DrawFn) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for prefix in ("registered", "tax", "stats"):
        city = draw(st.sampled_from([None, "深圳市", "广州市", "其他"]))
        if city is not None:
            data[f"{prefix}_city"] = city
        known = DISTRICTS_BY_CITY.get(city or "")
        district = draw(st.one_of(st.none(), st.sampled_from(known) if known else short_text))
        if district is not None:
            data[f"{prefix}_district"] = district
    for name, strategy in (
        ("name", short_text),
        ("credit_code", credit_codes),
        ("independent_legal_person", st.booleans()),
        ("newly_settled", st.booleans()),
        ("settled_year", years),
    ):
        value = draw(st.one_of(st.none(), strategy))
        if value is not None:
            data[name] = value
    return data


@st.composite
def profiles(draw: st.DrawFn) -> Profile:
    data: dict[str, Any] = {}
    for section in FACT_SECTIONS:
        if draw(st.booleans()):
            continue  # the whole section unknown
        if section == "identity":
            data[section] = draw(identities())
        else:
            data[section] = draw(_section(Profile.model_fields[section].annotation))
    if draw(st.booleans()):
        data["consultation"] = draw(_section(Profile.model_fields["consultation"].annotation))
    try:
        return Profile.model_validate(data)
    except ValidationError:
        assume(False)
        raise


def _field_strategies() -> dict[str, st.SearchStrategy[Any]]:
    found = {}
    for section in FACT_SECTIONS:
        model = Profile.model_fields[section].annotation
        for name, info in model.model_fields.items():  # type: ignore[union-attr]
            found[f"{section}.{name}"] = _strategy(info.annotation, name)
    return found


FIELDS = _field_strategies()
EXAMPLES = [parse_profile(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "examples").glob("*.toml"))]


@st.composite
def near_examples(draw: st.DrawFn) -> Profile:
    """A shipped example with a few answers changed or made unknown: reaches eligible
    measures and real amounts far more often than a profile drawn from nothing."""
    profile = draw(st.sampled_from(EXAMPLES))
    for path in draw(st.lists(st.sampled_from(sorted(FIELDS)), max_size=6, unique=True)):
        value = draw(st.one_of(st.none(), FIELDS[path]))
        section, _, name = path.partition(".")
        data = profile.model_dump()
        data[section][name] = value.model_dump() if hasattr(value, "model_dump") else value
        if isinstance(data[section][name], list):
            data[section][name] = [v.model_dump() if hasattr(v, "model_dump") else v for v in data[section][name]]
        try:
            profile = Profile.model_validate(data)
        except ValidationError:
            pass  # e.g. a district that is not in the city: keep the old answer
    return profile


# --- round trip ---------------------------------------------------------------------------


@SETTINGS
@given(st.one_of(profiles(), near_examples()))
def test_any_valid_profile_round_trips_through_toml(profile: Profile) -> None:
    text = dump_profile(profile)
    again = parse_profile(text)
    assert again == profile
    assert dump_profile(again) == text  # and the file is stable


@SETTINGS
@given(st.lists(texts, min_size=1, max_size=5), texts)
def test_user_text_round_trips_unchanged(names: list[str], notes: str) -> None:
    profile = Profile.model_validate(
        {
            "identity": {"name": names[0][:2000]},
            "projects": {"funded": [{"name": n[:2000]} for n in names]},
            "events": {"held": [{"name": n[:2000]} for n in names]},
            "consultation": {
                "notes": notes,
                "skipped": [n[:200] for n in names],
                "checklist": {n[:200]: True for n in names},
            },
        }
    )
    again = parse_profile(dump_profile(profile))
    assert again.identity.name == names[0][:2000]
    assert [p.name for p in again.projects.funded or []] == [n[:2000] for n in names]
    assert again.consultation.notes == notes
    assert again == profile


def test_unknown_and_empty_are_kept_apart() -> None:
    profile = Profile.model_validate(
        {"projects": {"funded": []}, "industry": {"sectors": []}, "events": {"held": [{}]}}
    )
    again = parse_profile(dump_profile(profile))
    assert (
        again.projects.funded == [] and again.industry.sectors == [] and again.events.held == [profile.events.held[0]]
    )
    assert again.listing.stages_reached is None and again.space.leased_area_m2 is None


@SETTINGS
@given(wan())
def test_money_round_trips_exactly(value: Decimal) -> None:
    profile = Profile.model_validate({"finance": {"vc_investment_wan": value}, "scale": {"revenue_wan": {2024: value}}})
    again = parse_profile(dump_profile(profile))
    assert again.finance.vc_investment_wan == value
    assert wan_to_yuan(again.finance.vc_investment_wan) == wan_to_yuan(value)
    assert again.scale.revenue_wan == {2024: value}


# --- the engine ---------------------------------------------------------------------------


def _caps_yuan(amount: Any) -> int | None:
    """The most one year of this measure can pay, as the rule states it (None: no stated cap)."""

    def y(v: Decimal | None) -> int | None:
        return None if v is None else wan_to_yuan(v)

    if isinstance(amount, rm.Fixed):
        return y(amount.value_wan)
    if isinstance(amount, (rm.Ceiling, rm.Unquantified)):
        return y(amount.max_wan)
    if isinstance(amount, (rm.Ratio, rm.PerUnit)):
        return y(amount.cap_wan)
    if isinstance(amount, rm.RatioItems):
        return y(amount.total_cap_wan)
    if isinstance(amount, rm.Tiers):
        return max(y(t.award_wan) for t in amount.tiers)  # type: ignore[type-var]
    if isinstance(amount, rm.Table):
        return max(y(e.award_wan) for e in amount.entries)  # type: ignore[type-var]
    if isinstance(amount, rm.Staged):
        return sum(y(s.award_wan) or 0 for s in amount.stages)
    return None


def _check_amounts(engine: Engine, assessment: Any) -> None:
    for result in assessment.results:
        amounts = [result.amount] + ([result.near_miss.amount] if result.near_miss else [])
        cap = _caps_yuan(result.measure.amount)
        for amount in amounts:
            low, high = amount.min_yuan, amount.max_yuan
            for value in (low, high, amount.later_yuan):
                assert value is None or value >= 0, (result.measure.id, amount)
            if low is not None and high is not None:
                assert low <= high, (result.measure.id, amount)
            if cap is not None and high is not None:
                assert high <= cap, (result.measure.id, amount, cap)
            if (
                isinstance(result.measure.amount, rm.Ceiling)
                and result.measure.amount.min_wan is not None
                and low is not None
            ):
                assert low >= wan_to_yuan(result.measure.amount.min_wan)
    totals = assessment.totals
    assert 0 <= totals.eligible_min_yuan <= totals.eligible_max_yuan
    assert 0 <= totals.possible_min_yuan <= totals.possible_max_yuan


def test_engine_on_an_entirely_unknown_profile(engine: Engine) -> None:
    assessment = engine.match(Profile(), AS_OF)
    _check_amounts(engine, assessment)
    assessment_json(assessment, engine)
    assert engine.relevant_questions(Profile(), AS_OF)


@SETTINGS
@given(st.one_of(profiles(), near_examples()))
def test_engine_never_raises_and_amounts_are_sane(engine: Engine, profile: Profile) -> None:
    assessment = engine.match(profile, AS_OF)
    _check_amounts(engine, assessment)
    assessment_json(assessment, engine)
    engine.relevant_questions(profile, AS_OF)
    for result in assessment.results:
        for condition in result.conditions:
            condition_json(condition)


# --- order of rule files --------------------------------------------------------------------


@pytest.fixture(scope="module")
def reordered_engines(tmp_path_factory: pytest.TempPathFactory) -> list[Engine]:
    """The real rules, and copies whose measure files are renamed so they sort in a different
    (reversed, shuffled) order. (Material files are left alone: their order is the
    checklist's display order, by design.)"""
    from advisor.catalogue import load_catalogue

    engines = [Engine(load_catalogue(ROOT / "rules"))]
    for n, order in enumerate(("reversed", "shuffled")):
        copy = tmp_path_factory.mktemp(f"rules-{order}") / "rules"
        shutil.copytree(ROOT / "rules", copy)
        for folder in ("measures",):
            files = sorted((copy / folder).glob("*.toml"))
            ranked = list(reversed(files)) if order == "reversed" else random.Random(n).sample(files, len(files))
            for rank, path in enumerate(ranked):
                path.rename(path.with_name(f"{rank:02d}-{order}-{path.stem}.toml"))
        engines.append(Engine(load_catalogue(copy)))
    return engines


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(st.one_of(profiles(), near_examples()))
def test_result_does_not_depend_on_rule_file_order(reordered_engines: list[Engine], profile: Profile) -> None:
    first, *others = reordered_engines
    expected = assessment_json(first.match(profile, AS_OF), first)
    for engine in others:
        assert assessment_json(engine.match(profile, AS_OF), engine) == expected
        assert engine.relevant_questions(profile, AS_OF) == first.relevant_questions(profile, AS_OF)


def test_profile_from_data_accepts_model_dump(engine: Engine) -> None:
    """The app's path from a form back to a profile keeps unknowns unknown."""
    profile = Profile.model_validate({"space": {"leased_area_m2": 0}, "identity": {"newly_settled": False}})
    data = profile.model_dump(exclude_none=True)
    data["schema_version"] = 2
    assert profile_from_data(data) == profile


# --- lazy explanations (issue 9) ------------------------------------------------------------

_RESULT_FIELDS = (
    "status",
    "amount",
    "validity",
    "counted_in_total",
    "count_note",
    "groups",
    "interpretations",
    "conditions",
    "missing",
    "near_miss",
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(profiles(), near_examples()), st.booleans())
def test_lazy_explanations_equal_eager_ones(engine: Engine, profile: Profile, near_miss_first: bool) -> None:
    """Statuses decided from states with the reasons written on first read give, field by
    field, what writing every reason first gives: same order, verdicts, texts, questions,
    near misses, totals and JSON (whichever explanation is read first)."""
    lazy, eager = engine.match(profile, AS_OF), engine.match(profile, AS_OF, eager=True)
    assert [r.measure.id for r in lazy.results] == [r.measure.id for r in eager.results]
    for mine, theirs in zip(lazy.results, eager.results, strict=True):
        if near_miss_first:
            assert mine.near_miss == theirs.near_miss, mine.measure.id
        for name in _RESULT_FIELDS:
            assert getattr(mine, name) == getattr(theirs, name), (mine.measure.id, name)
    assert lazy.totals == eager.totals
    assert lazy.checklist == eager.checklist
    assert [r.measure.id for r in lazy.near_misses] == [r.measure.id for r in eager.near_misses]
    assert assessment_json(lazy, engine) == assessment_json(eager, engine)


def test_lazy_explanation_is_written_once_and_only_when_read(engine: Engine) -> None:
    """Matching writes no reason; reading one writes it once and keeps it."""
    profile = profile_from_data(
        {"schema_version": 2, "applicant": {"kind": "enterprise"}, "space": {"leased_area_m2": 400}}
    )
    result = next(r for r in engine.match(profile, AS_OF).results if r.status == "possible")
    assert result._conditions is None and result._missing is None  # nothing written yet
    first = result.conditions
    assert first and result.conditions is first
    assert result.missing and result.missing is result.missing
