"""The profile model: credit code check character, unknowns, TOML round trip, migration."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from pydantic import ValidationError

from advisor.profile import Profile, credit_code_check_char, validate_credit_code
from advisor.profile_io import ProfileError, dump_profile, parse_profile


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
