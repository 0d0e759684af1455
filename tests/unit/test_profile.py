"""The profile model: credit code check character, unknowns, TOML round trip, migration."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from pydantic import ValidationError

from advisor.errors import ProfileError
from advisor.profile import Profile, credit_code_check_char, validate_credit_code
from advisor.profile_io import dump_profile, parse_profile


def test_credit_code_check_character() -> None:
    # 91350100M000100Y43 is the example printed in GB 32100-2015.
    assert credit_code_check_char("91350100M000100Y4") == "3"
    assert validate_credit_code("91350100m000100y43") == "91350100M000100Y43"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91350100M000100Y44", "校验位错误：第 18 位应为“3”"),
        ("91350100M000100Y4", "应为 18 位"),
        ("91350100M0001O0Y43", "不允许的字符“O”"),
    ],
)
def test_credit_code_errors(code: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_credit_code(code)


def test_unknown_is_none_not_false_or_zero() -> None:
    p = Profile()
    assert p.get("space.leased_area_m2") is None
    assert p.get("identity.independent_legal_person") is None
    p.set("space.leased_area_m2", 0)
    assert p.get("space.leased_area_m2") == 0


def test_set_validates() -> None:
    p = Profile()
    with pytest.raises(ValidationError):
        p.set("finance.vc_investment_wan", D(-1))
    p.set("identity.registered_district", "天河区")  # not given a city: allowed
    assert p.set("identity.registered_city", "深圳市") == ["identity.registered_district"]
    assert p.identity.registered_district is None  # 天河区 is not in 深圳市: cleared, and said so
    with pytest.raises(ValidationError):
        p.set("identity.registered_district", "天河区")  # refused now the city is known
    assert p.identity.registered_district is None


@pytest.mark.parametrize("prefix", ["registered", "tax", "stats"])
def test_a_new_city_clears_a_district_not_in_it_and_says_why(prefix: str) -> None:
    """The district-follows-city rule lives in the model: the questionnaire only shows the note."""
    p = Profile()
    p.set(f"identity.{prefix}_city", "深圳市")
    p.set(f"identity.{prefix}_district", "南山区")
    p.set("identity.name", "[bold]光明科技[/bold]")
    changes = p.set_answer(f"identity.{prefix}_city", "广州市")
    assert changes == {f"identity.{prefix}_district": "原来的“南山区”不属于广州市，请重新选择"}
    assert p.get(f"identity.{prefix}_city") == "广州市"
    assert p.get(f"identity.{prefix}_district") is None
    others = {"registered", "tax", "stats"} - {prefix}
    assert all(p.get(f"identity.{o}_city") is None for o in others)  # only this place changed


def test_a_district_that_fits_the_new_city_or_an_unknown_city_is_kept() -> None:
    p = Profile()
    p.set("identity.registered_district", "光明区")  # no city yet: any district
    assert p.set_answer("identity.registered_city", "深圳市") == {}
    assert p.identity.registered_district == "光明区"
    assert p.set_answer("identity.registered_city", "其他") == {}  # districts of 其他 are not known
    assert p.identity.registered_district == "光明区"
    assert p.set_answer("identity.registered_city", None) == {}
    assert p.identity.registered_district == "光明区"


def test_a_refused_city_changes_nothing() -> None:
    p = Profile()
    p.set("identity.registered_city", "深圳市")
    p.set("identity.registered_district", "光明区")
    with pytest.raises(ValidationError):
        p.set_answer("identity.registered_city", "北京市")
    assert (p.identity.registered_city, p.identity.registered_district) == ("深圳市", "光明区")


def test_round_trip_keeps_unknowns_empty_lists_and_text() -> None:
    p = Profile.model_validate(
        {
            "applicant": {"kind": "enterprise"},
            "identity": {
                "name": '[bold]光明\x1b[31m科技"有限"公司',
                "registered_city": "深圳市",
                "registered_district": "光明区",
            },
            "scale": {"revenue_wan": {2024: D("3200.5"), 2025: D(4100)}},
            "projects": {"funded": []},
            "events": {"held": [{"name": "AI 大会", "cost_wan": D("150.0001"), "filed_in_advance": True}]},
            "consultation": {"skipped": ["space.annual_rent_wan"], "checklist": {"lease_contract": True}},
        }
    )
    again = parse_profile(dump_profile(p))
    assert again == p
    assert again.projects.funded == [] and again.space.leased_area_m2 is None


def test_version_1_is_migrated() -> None:
    text = 'schema_version = 1\n[identity]\nname = "旧版企业"\ncity = "深圳市"\ndistrict = "光明区"\n'
    p = parse_profile(text)
    assert (p.identity.registered_district, p.identity.tax_district, p.identity.stats_district) == ("光明区",) * 3
    assert p.schema_version == 2


def test_future_version_is_refused_in_chinese() -> None:
    with pytest.raises(ProfileError, match="更新版本"):
        parse_profile("schema_version = 9\n")
