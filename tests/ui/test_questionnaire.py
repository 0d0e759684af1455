"""The questionnaire driven by keys for three kinds of applicant.

Asserts on the Profile, on which questions are shown and on the live panel.
"""

from __future__ import annotations

from decimal import Decimal

from advisor.money import format_wan_range
from advisor.profile import credit_code_check_char

SIZE = (100, 34)
GUANGMING_ONLY = ("space.", "park.")


def valid_code(first17: str = "91440300MA5DC1234") -> str:
    return first17 + credit_code_check_char(first17)


async def test_guangming_ai_company_in_professional_park(make_app, driver_for) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        d = driver_for(pilot)
        await d.press("n")
        await d.choose("applicant.kind", "enterprise")
        await d.fill("identity.name", "光明智算科技有限公司")
        await d.fill("identity.credit_code", valid_code())
        await d.choose("identity.registered_city", "深圳市")
        await d.choose("identity.registered_district", "光明区")
        assert "identity.tax_city" not in d.visible_questions()  # decided by the registered district
        await d.choose("identity.stats_city", "深圳市")
        await d.choose("identity.stats_district", "光明区")
        await d.yes_no("identity.newly_settled", True)
        await d.pick("industry.sectors", ["ai"])
        await d.choose("space.park_kind", "gm_professional")
        await d.yes_no("space.newly_moved_in", True)
        await d.fill("space.leased_area_m2", "800")
        await d.fill("space.annual_rent_wan", "96")
        # a municipal funded project through the item dialog
        await d.go_to("projects.funded")
        assert app.focused.id == "add-item"  # an empty list is entered at 添加
        await d.press("enter")
        await d.type("智能算力调度平台")
        await d.press("tab", "enter", "home", *["down"] * 3, "enter")  # 级别: 市级 (third option)
        await d.press("tab")
        await d.type("150")
        await d.press("tab")
        await d.type("2025")
        await d.press("ctrl+s")  # the dialog's 确定
        await pilot.pause()

        p = app.profile
        assert p.applicant.kind == "enterprise"
        assert p.identity.name == "光明智算科技有限公司"
        assert p.identity.credit_code == valid_code()
        assert (p.identity.registered_district, p.identity.stats_district) == ("光明区",) * 2
        assert p.identity.newly_settled is True
        assert p.industry.sectors == ["ai"]
        assert p.space.park_kind == "gm_professional"
        assert p.space.newly_moved_in is True
        assert p.space.leased_area_m2 == 800
        assert p.space.annual_rent_wan == Decimal("96")
        assert len(p.projects.funded) == 1
        project = p.projects.funded[0]
        assert (project.name, project.level, project.grant_wan, project.year) == (
            "智能算力调度平台",
            "municipal",
            Decimal("150"),
            2025,
        )

        totals = app.engine.match(p, app.as_of).totals
        assert totals.eligible_count >= 1
        panel = d.panel_text()
        assert f"符合：{totals.eligible_count} 项" in panel
        assert format_wan_range(totals.eligible_min_yuan, totals.eligible_max_yuan) in panel
        assert f"可能符合：{totals.possible_count} 项" in panel
        await app.workers.wait_for_complete()


async def test_nanshan_company_is_never_asked_guangming_park_questions(make_app, driver_for) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        d = driver_for(pilot)
        await d.press("n")
        await d.choose("applicant.kind", "enterprise")
        await d.fill("identity.name", "南山软件有限公司")
        await d.choose("identity.registered_city", "深圳市")
        await d.choose("identity.registered_district", "南山区")
        seen = await d.walk_sections()
        assert "industry.sectors" in seen
        assert not [q for q in seen if q.startswith(GUANGMING_ONLY)], seen
        assert app.profile.identity.registered_district == "南山区"
        assert "产业空间" in d.screen.query_one("#sections").get_option_at_index(6).prompt.plain
        assert d.screen.query_one("#sections").get_option_at_index(6).prompt.plain.rstrip().endswith("—")


async def test_changing_district_re_decides_later_questions(make_app, driver_for) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        d = driver_for(pilot)
        await d.press("n")
        await d.choose("applicant.kind", "enterprise")
        await d.choose("identity.registered_city", "深圳市")
        await d.choose("identity.registered_district", "光明区")
        await d.go_to_section("space")
        assert "space.leased_area_m2" in d.visible_questions()
        await d.choose("identity.registered_district", "南山区")
        await d.go_to_section("space")
        assert not [q for q in d.visible_questions() if q.startswith(GUANGMING_ONLY)]


async def test_park_operator_is_not_asked_enterprise_questions(make_app, driver_for) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        d = driver_for(pilot)
        await d.press("n")
        await d.choose("applicant.kind", "park_operator")
        await d.fill("identity.name", "光明人工智能产业园运营有限公司")
        await d.choose("identity.registered_city", "深圳市")
        await d.choose("identity.registered_district", "光明区")
        seen = await d.walk_sections()
        for enterprise_only in (
            "space.leased_area_m2",
            "industry.llm_or_ai_chip",
            "qualifications.high_tech",
            "projects.funded",
            "finance.vc_investment_wan",
            "tax.rd_expense_wan",
        ):
            assert enterprise_only not in seen
        assert "park.building_area_m2" in seen
        await d.yes_no("park.feature_park_recognised", True)
        await d.fill("park.building_area_m2", "120000")
        await d.fill("park.tenants_revenue_wan", "150000")
        assert app.profile.park.feature_park_recognised is True
        assert app.profile.park.building_area_m2 == 120000
        assert app.profile.park.tenants_revenue_wan == Decimal("150000")
        totals = app.engine.match(app.profile, app.as_of).totals
        assert f"符合：{totals.eligible_count} 项" in d.panel_text()


async def test_moving_back_and_forth_keeps_answers(make_app, driver_for) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        d = driver_for(pilot)
        await d.press("n")
        await d.choose("applicant.kind", "enterprise")
        await d.fill("identity.name", "往返测试科技")
        await d.press("pagedown", "pagedown")
        assert d.screen.current_section == "scale"
        await d.press("pageup", "pageup", "pageup")
        assert d.screen.current_section == "applicant"
        await d.press("right_square_bracket")
        assert d.screen.current_section == "identity"
        await d.press("shift+tab", "shift+tab", "tab", "tab")
        assert app.profile.identity.name == "往返测试科技"
        assert d.screen.fields["identity.name"].editor.value == "往返测试科技"
        assert d.screen.fields["applicant.kind"].editor.value == "enterprise"


async def test_skip_keeps_answer_unknown(make_app, driver_for) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        d = driver_for(pilot)
        await d.press("n")
        await d.choose("applicant.kind", "enterprise")
        await d.choose("identity.registered_city", "深圳市")
        await d.choose("identity.registered_district", "光明区")
        await d.fill("space.leased_area_m2", "500", submit=False)  # Enter would move on to the next question
        assert app.profile.space.leased_area_m2 == 500
        await d.press("f2")
        assert app.profile.space.leased_area_m2 is None
        assert "space.leased_area_m2" in app.profile.consultation.skipped
        assert d.screen.fields["space.leased_area_m2"].editor.value == ""
        await d.yes_no("identity.newly_settled", True)
        assert app.profile.identity.newly_settled is True
        await d.yes_no("identity.newly_settled", None)  # 不确定
        assert app.profile.identity.newly_settled is None
        assert "identity.newly_settled" in app.profile.consultation.skipped
        # answering later removes the skip mark
        await d.fill("space.leased_area_m2", "300")
        assert app.profile.space.leased_area_m2 == 300
        assert "space.leased_area_m2" not in app.profile.consultation.skipped


async def test_bad_credit_code_shows_message_at_the_field(make_app, driver_for) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        d = driver_for(pilot)
        await d.press("n")
        await d.fill("identity.credit_code", valid_code())
        good = app.profile.identity.credit_code
        assert good == valid_code()
        field = d.screen.fields["identity.credit_code"]
        # the code's 440300 suggested 深圳市 (confirmed by that Enter), never a district
        assert (app.profile.identity.registered_city, app.profile.identity.registered_district) == ("深圳市", None)
        await d.go_to("identity.credit_code")
        await d.press("end", "X", "enter")  # one character too many
        assert field.has_error
        assert "18 位" in str(field.query_one(".field-error").visual)
        assert app.profile.identity.credit_code == good  # the bad text lost nothing
        wrong = valid_code()[:17] + ("0" if valid_code()[17] != "0" else "1")
        await d.fill("identity.credit_code", wrong)
        message = str(field.query_one(".field-error").visual)
        assert "校验位" in message and "未保存" in message
        assert app.profile.identity.credit_code != wrong
        await d.fill("identity.credit_code", valid_code().lower())
        assert not field.has_error
        assert app.profile.identity.credit_code == valid_code()


async def test_bad_money_and_year_show_messages(make_app, driver_for) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        d = driver_for(pilot)
        await d.press("n")
        await d.choose("applicant.kind", "enterprise")
        await d.choose("identity.registered_city", "深圳市")
        await d.choose("identity.registered_district", "光明区")
        await d.fill("space.annual_rent_wan", "一百万")
        field = d.screen.fields["space.annual_rent_wan"]
        assert field.has_error
        assert "不是金额" in str(field.query_one(".field-error").visual)
        assert app.profile.space.annual_rent_wan is None
        await d.fill("space.annual_rent_wan", "12.34567")
        assert "四位小数" in str(field.query_one(".field-error").visual)
        await d.fill("space.annual_rent_wan", "１２.５")
        assert not field.has_error
        assert app.profile.space.annual_rent_wan == Decimal("12.5")
        await d.fill("space.leased_area_m2", "-5")
        assert "不能为负数" in str(d.screen.fields["space.leased_area_m2"].query_one(".field-error").visual)


async def test_city_change_clears_a_district_of_another_city(make_app, driver_for) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        d = driver_for(pilot)
        await d.press("n")
        await d.choose("applicant.kind", "enterprise")
        await d.choose("identity.registered_city", "深圳市")
        await d.choose("identity.registered_district", "光明区")
        assert next(v for v, _ in d.screen.fields["identity.registered_district"].choices) == "福田区"
        await d.choose("identity.registered_city", "广州市")
        assert app.profile.identity.registered_city == "广州市"
        assert app.profile.identity.registered_district is None
        district = d.screen.fields["identity.registered_district"]
        assert "天河区" in [v for v, _ in district.choices]
        assert "不属于广州市" in str(district.query_one(".field-error").visual)


async def test_every_answer_is_autosaved(make_app, driver_for) -> None:
    from advisor import storage

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        d = driver_for(pilot)
        await d.press("n")
        await d.choose("applicant.kind", "enterprise")
        await d.fill("identity.name", "[bold]自动保存[/bold]")
        await app.workers.wait_for_complete()
        saved = storage.load_unfinished(app.consultation_id)
        assert saved.identity.name == "[bold]自动保存[/bold]"
        assert saved.applicant.kind == "enterprise"
