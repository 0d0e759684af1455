"""Every amount kind against figures computed by hand from the clauses they model."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from advisor import rule_model as rm
from advisor.amounts import compute_amount
from advisor.profile import Event, FundedProject


def measure(amount: dict, **duration) -> rm.Measure:
    return rm.Measure.model_validate(
        {
            "id": "t-1",
            "title": "测试",
            "document": "gm-measures",
            "article": "一",
            "quote": "q",
            "region": "深圳市光明区",
            "applicants": ["enterprise"],
            "category": "cash_award",
            "review": "未说明",
            "amount": amount,
            "duration": duration or {},
        }
    )


def run(amount: dict, facts: dict, **duration):
    return compute_amount(measure(amount, **duration), facts, lambda f: f)


def test_fixed() -> None:
    r = run({"kind": "fixed", "value_wan": 100}, {})
    assert (r.kind, r.min_yuan, r.max_yuan) == ("exact", 1_000_000, 1_000_000)


def test_ceiling_is_up_to_never_a_point_figure() -> None:
    r = run({"kind": "ceiling", "max_wan": 2000}, {})
    assert (r.kind, r.min_yuan, r.max_yuan) == ("up_to", 0, 20_000_000)
    assert "最高2,000万元" in r.display()


def test_ratio_with_cap_writes_the_calculation() -> None:
    # 5% × 3亿 = 1,500万 → 最高1000万
    r = run({"kind": "ratio", "base": "x", "rate": "0.05", "cap_wan": 1000}, {"x": D(30000)})
    assert (r.kind, r.min_yuan, r.max_yuan) == ("exact", 10_000_000, 10_000_000)
    assert r.calculation == "5% × 30,000万元 = 1,500万元 → 上限1,000万元"


def test_ratio_below_cap_keeps_exact_yuan() -> None:
    # 30% × 33.3333万 = 99,999.9元 → 99,999元 (never rounded up)
    r = run({"kind": "ratio", "base": "x", "rate": "0.3", "cap_wan": 200}, {"x": D("33.3333")})
    assert r.max_yuan == 99_999


def test_ratio_up_to_is_a_ceiling() -> None:
    # 不超过投资额的10%，最高100万：投资 500万 → 0–50万
    r = run({"kind": "ratio", "base": "x", "rate": "0.1", "cap_wan": 100, "up_to": True}, {"x": D(500)})
    assert (r.kind, r.min_yuan, r.max_yuan) == ("up_to", 0, 500_000)


def test_ratio_unknown_base_falls_back_to_cap_and_names_it() -> None:
    r = run({"kind": "ratio", "base": "x", "rate": "0.3", "cap_wan": 200}, {"x": None})
    assert (r.kind, r.min_yuan, r.max_yuan, r.missing) == ("up_to", 0, 2_000_000, ["x"])
    no_cap = run({"kind": "ratio", "base": "x", "rate": "0.3"}, {"x": None})
    assert (no_cap.kind, no_cap.max_yuan) == ("unknown", None)


def test_ratio_items_per_item_cap_then_company_cap() -> None:
    # 20%：1,500万→300万→单项200万；800万→160万；国家 2,000万→400万→200万；合计560万→同一企业500万
    amount = {
        "kind": "ratio_items",
        "items": "p",
        "item_base": "grant_wan",
        "rate": "0.2",
        "item_cap_wan": 200,
        "total_cap_wan": 500,
        "where": [{"field": "level", "op": "in", "value": ["national", "provincial", "municipal"]}],
    }
    projects = [
        FundedProject(name="甲", level="municipal", grant_wan=D(1500)),
        FundedProject(name="乙", level="provincial", grant_wan=D(800)),
        FundedProject(name="丙", level="district", grant_wan=D(900)),
        FundedProject(name="丁", level="national", grant_wan=D(2000)),
    ]
    r = run(amount, {"p": projects})
    assert (r.kind, r.min_yuan, r.max_yuan) == ("exact", 5_000_000, 5_000_000)
    assert "丙：不符合条件，不计" in r.calculation
    assert "上限500万元" in r.calculation
    one = run(amount, {"p": projects[:1]})
    assert one.max_yuan == 2_000_000


def test_ratio_items_event_cost() -> None:
    # 50% × 150万 = 75万；50% × 600万 = 300万 → 单次上限200万；合计275万
    amount = {
        "kind": "ratio_items",
        "items": "e",
        "item_base": "cost_wan",
        "rate": "0.5",
        "item_cap_wan": 200,
        "where": [{"field": "filed_in_advance", "op": "is_true"}],
    }
    events = [
        Event(name="A", filed_in_advance=True, cost_wan=D(150)),
        Event(name="B", filed_in_advance=True, cost_wan=D(600)),
        Event(name="C", filed_in_advance=False, cost_wan=D(100)),
    ]
    r = run(amount, {"e": events})
    assert r.max_yuan == 2_750_000 and r.min_yuan == 2_750_000


def test_per_unit_rent_limited_by_rate_actual_rent_and_cap() -> None:
    amount = {
        "kind": "per_unit",
        "quantity": "area",
        "unit_rate_yuan": 30,
        "unit_label": "元/平方米/月",
        "actual_cost": "rent",
        "cap_wan": 360,
    }
    # 30 × 800 × 12 = 288,000元 < 实际租金 60万
    r = run(amount, {"area": 800, "rent": D(60)}, per_year=True, years=3)
    assert (r.min_yuan, r.max_yuan, r.total_max_yuan, r.years) == (288_000, 288_000, 864_000, 3)
    # 不超过实际租金 20万
    assert run(amount, {"area": 800, "rent": D(20)}).max_yuan == 200_000
    # 30 × 20,000 × 12 = 720万 → 每年最高360万
    assert run(amount, {"area": 20_000, "rent": D(1000)}).max_yuan == 3_600_000
    # 实际租金未填写：不超过按面积计算的金额
    unknown_rent = run(amount, {"area": 800, "rent": None})
    assert (unknown_rent.kind, unknown_rent.min_yuan, unknown_rent.max_yuan) == ("up_to", 0, 288_000)


def test_tiers_pay_the_difference_for_tiers_already_rewarded() -> None:
    amount = {
        "kind": "tiers",
        "fact": "rev",
        "rewarded": "done",
        "tiers": [
            {"threshold_wan": 5000, "award_wan": 150},
            {"threshold_wan": 10000, "award_wan": 300},
            {"threshold_wan": 50000, "award_wan": 500},
            {"threshold_wan": 100000, "award_wan": 1000},
            {"threshold_wan": 200000, "award_wan": 2000},
        ],
    }
    # 营收 6.2亿 达到 5亿档 500万；已按 1亿档获 300万 → 差额 200万
    r = run(amount, {"rev": D(62000), "done": D(10000)})
    assert (r.kind, r.max_yuan) == ("exact", 2_000_000)
    assert run(amount, {"rev": D(62000), "done": D(0)}).max_yuan == 5_000_000
    assert run(amount, {"rev": D(4999), "done": D(0)}).max_yuan == 0
    unknown = run(amount, {"rev": D(62000), "done": None})
    assert (unknown.kind, unknown.max_yuan) == ("up_to", 5_000_000)


def test_base_plus_step() -> None:
    amount = {
        "kind": "base_plus_step",
        "fact": "rev",
        "threshold_wan": 10000,
        "base_wan": 10,
        "step_wan": 10000,
        "step_award_wan": 5,
        "rewarded": "done",
    }
    # 3.5亿：10万 + 2 × 5万 = 20万
    assert run(amount, {"rev": D(35000), "done": D(0)}).max_yuan == 200_000
    # 已按 2亿 获 15万 → 5万
    assert run(amount, {"rev": D(35000), "done": D(20000)}).max_yuan == 50_000
    assert run(amount, {"rev": D(9000), "done": D(0)}).max_yuan == 0


def test_table_by_level() -> None:
    amount = {
        "kind": "table",
        "fact": "lvl",
        "entries": [
            {"key": "national", "label": "国家级", "award_wan": 120},
            {"key": "provincial", "label": "省级", "award_wan": 80},
            {"key": "municipal", "label": "市级", "award_wan": 60},
        ],
    }
    assert run(amount, {"lvl": "provincial"}).max_yuan == 800_000
    unknown = run(amount, {"lvl": None})
    assert (unknown.kind, unknown.max_yuan) == ("up_to", 1_200_000)


def test_staged_now_and_later() -> None:
    amount = {
        "kind": "staged",
        "reached": "r",
        "rewarded": "paid",
        "stages": [
            {"key": "shareholding_reformed", "label": "完成股改", "award_wan": 100},
            {"key": "application_accepted", "label": "获交易所受理", "award_wan": 200},
            {"key": "listed", "label": "成功上市", "award_wan": 300},
        ],
    }
    r = run(amount, {"r": ["shareholding_reformed", "application_accepted"], "paid": ["shareholding_reformed"]})
    assert (r.max_yuan, r.later_yuan) == (2_000_000, 3_000_000)
    assert "完成股改已领取" in r.calculation


def test_unquantified_case_by_case_not_published_are_never_figures() -> None:
    u = run({"kind": "unquantified", "text": "按增速分档给予叠加奖励", "max_wan": 40}, {})
    assert (u.kind, u.min_yuan, u.max_yuan) == ("unquantified", 0, 400_000)
    assert "未量化" in u.display()
    for kind, shown in (("case_by_case", "一事一议"), ("not_published", "金额未公布")):
        r = run({"kind": kind}, {})
        assert (r.min_yuan, r.max_yuan, r.display()) == (None, None, shown)


def test_excess_refund() -> None:
    amount = {"kind": "excess_refund", "paid": "vat", "base": "sales", "rate": "0.03", "text": "即征即退"}
    # 130万 − 3% × 1,000万 = 100万
    assert run(amount, {"vat": D(130), "sales": D(1000)}).max_yuan == 1_000_000
    assert run(amount, {"vat": D(20), "sales": D(1000)}).max_yuan == 0


def test_tax_benefit_states_the_deduction_without_a_cash_figure() -> None:
    r = run({"kind": "tax", "text": "加计扣除", "base": "rd", "rate": 1, "base_label": "研发费用"}, {"rd": D(800)})
    assert r.min_yuan is None and "研发费用 800万元 × 100% = 800万元" in r.calculation


@pytest.mark.parametrize("years", [1, 3])
def test_per_year_totals(years: int) -> None:
    r = run({"kind": "fixed", "value_wan": 100}, {}, per_year=True, years=years)
    assert r.total_max_yuan == 1_000_000 * years


def test_every_amount_kind_of_the_rule_model_has_a_handler_and_the_lists_agree() -> None:
    """The amount kinds are read from the rule model: every kind a rule may write has one
    handler, the catalogue's error wording knows every kind, and the kinds left out of the
    totals are result kinds the amounts produce."""
    from typing import get_args

    from advisor import amounts
    from advisor import rule_model as rm
    from advisor.catalogue import _AMOUNT_TAGS
    from advisor.stacking import NOT_COUNTED

    models = get_args(get_args(rm.Amount)[0])
    assert set(amounts._HANDLERS) == set(models)
    assert len(rm.AMOUNT_KINDS) == len(models) == len(set(rm.AMOUNT_KINDS))
    assert set(_AMOUNT_TAGS) == set(rm.AMOUNT_KINDS)
    result_kinds = {amounts.EXACT, amounts.UP_TO, amounts.RANGE, amounts.UNQUANTIFIED, amounts.CASE_BY_CASE}
    result_kinds |= {amounts.NOT_PUBLISHED, amounts.NON_MONETARY, amounts.TAX, amounts.UNKNOWN}
    assert set(NOT_COUNTED) <= result_kinds and result_kinds >= amounts.ESTIMATED_KINDS
