"""Issue 11: a consultation in three minutes. The reference consultation by keys, 无 as
an answer, the company's own units, the magnitude question, gates, the credit code's
region, focus, and one autosave per consultation (with its lock)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from reference_consultation import STEPS, keystrokes

from advisor import storage
from advisor.profile import Profile, credit_code_check_char
from advisor.profile_io import save_profile

SIZE = (100, 34)  # as new_consultation runs
#: Keys the same consultation took before issue 11 (Pilot, the base commit's questionnaire,
#: the Driver's shortest paths, the annual rent worked out by hand, F5 for the results).
KEYS_BEFORE = 139


def code(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


async def keys(pilot, *names: str) -> None:
    for name in names:
        await pilot.press(name)
        await pilot.pause()


async def test_reference_consultation_by_keys_in_half_the_keystrokes(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        for names, text, _ in STEPS:
            await keys(pilot, *names)
            await keys(pilot, *text)
        p = app.profile
        assert p.identity.stats_district == p.identity.tax_district == "光明区"
        assert p.scale.revenue_wan == {2024: Decimal(8000), 2025: Decimal(13000)}
        assert p.space.rent_yuan_per_m2_month == 80 and p.space.annual_rent_wan == Decimal("115.2")
        assert p.finance.loan_interest_wan == 60 and p.finance.vc_invested is False
        assert p.events.held == [] and p.listing.stages_reached == []
        assert [(f.level, f.grant_wan) for f in p.projects.funded] == [("municipal", Decimal(800))]
        results = {r.measure.id: r for r in app.engine.match(p, app.as_of).results}
        rent = results["gm-11-1"]
        assert (
            rent.status == "eligible"
            and rent.amount.per_year
            and rent.amount.max_yuan == 432_000
            and rent.amount.years == 3
        )
        assert rent.amount.display() == "43.2万元/年 × 3年"
        assert "30元/平方米/月 × 1,200 × 12月" in rent.amount.calculation
        assert results["gm-01-1"].status == "eligible" and results["gm-01-1"].amount.display() == "160万元"
        assert results["gm-15-2"].status == "eligible" and results["gm-15-2"].amount.max_yuan == 180_000
        assert results["gm-13-2"].status == "eligible"
        assert results["gm-15-1"].status == "ineligible"  # no VC: decided, not "possible"
        assert type(app.screen).__name__ == "ResultsScreen"
        print(f"reference consultation: {keystrokes()} keystrokes (before issue 11: {KEYS_BEFORE})")
        assert keystrokes() * 2 <= KEYS_BEFORE
        await app.workers.wait_for_complete()


async def test_none_is_an_answer_distinct_from_unknown(new_consultation) -> None:
    async with new_consultation(place="光明区") as d:
        app = d.app
        await d.go_to("events.held")
        assert app.profile.events.held is None
        await d.press("0")
        assert app.profile.events.held == []  # 无, saved
        assert "无（已确认没有）" in str(
            d.screen.fields["events.held"].query_one(".list-items").get_option_at_index(0).prompt
        )
        statuses = {r.measure.id: r.status for r in app.engine.match(app.profile, app.as_of).results}
        assert all(statuses[m] == "ineligible" for m in statuses if m.startswith("gm-17"))
        # a multi-select: 无 and an option exclude each other; nothing ticked is unknown again
        await d.go_to("listing.stages_reached")
        await d.press("0")
        assert app.profile.listing.stages_reached == []
        field = d.screen.fields["listing.stages_reached"]
        field.focus_editor()
        await d.press("1")
        assert app.profile.listing.stages_reached == ["shareholding_reformed"]
        await d.press("1")
        assert app.profile.listing.stages_reached is None


async def test_money_and_rent_in_the_company_s_units(new_consultation) -> None:
    async with new_consultation(place="光明区") as d:
        app = d.app
        await d.fill("finance.loan_interest_wan", "600000元")
        assert app.profile.finance.loan_interest_wan == Decimal(60)
        await d.fill("finance.loan_interest_wan", "1.3亿")
        assert app.profile.finance.loan_interest_wan == Decimal(13000)
        await d.fill("space.leased_area_m2", "1200")
        await d.fill("space.rent_yuan_per_m2_month", "80")
        assert app.profile.space.annual_rent_wan == Decimal("115.2")
        annual = d.screen.fields["space.annual_rent_wan"]
        assert annual.editor.value == "115.2"
        assert "80元/平方米/月 × 1,200平方米 × 12个月 = 115.2万元/年" in str(annual.query_one(".field-note").visual)
        await d.fill("space.leased_area_m2", "1000")  # the annual rent follows the area
        assert app.profile.space.annual_rent_wan == Decimal(96) and annual.editor.value == "96"


async def test_an_implausible_figure_is_asked_about_before_it_is_kept(new_consultation) -> None:
    async with new_consultation(place="光明区") as d:
        app = d.app
        await d.fill("finance.loan_interest_wan", "600000", submit=False)
        field = d.screen.fields["finance.loan_interest_wan"]
        message = str(field.query_one(".field-error").visual)
        assert "是否把元填成了万元" in message and "600000元" in message
        assert app.profile.finance.loan_interest_wan is None  # not kept until confirmed
        assert field.editor.value == "600000"  # the typed text stays visible
        await d.press("enter")  # yes, really 万元
        assert app.profile.finance.loan_interest_wan == Decimal(600000)
        assert not field.has_error
        await d.fill("finance.loan_interest_wan", "abc")  # an invalid answer keeps its text next to the message
        assert field.editor.value == "abc" and "“abc”" in str(field.query_one(".field-error").visual)
        assert field.has_class("-invalid") and field.editor.content_size.height >= 1  # the red mark hides no text


async def test_follow_up_questions_wait_for_their_gate(new_consultation) -> None:
    async with new_consultation(place="光明区") as d:
        await d.go_to_section("finance")
        shown = d.visible_questions()
        assert "finance.vc_invested" in shown
        assert "finance.vc_investment_wan" not in shown and "finance.vc_institution_filed" not in shown
        await d.yes_no("finance.vc_invested", True)
        assert {"finance.vc_investment_wan", "finance.vc_institution_filed"} <= set(d.visible_questions())
        await d.go_to_section("projects")
        assert "compute.platform_built" in d.visible_questions()
        assert "compute.platform_key_project" not in d.visible_questions()
        await d.yes_no("compute.platform_built", True)
        assert "compute.platform_key_project" in d.visible_questions()
        await d.go_to_section("space")
        tenant_sees = set(d.visible_questions())
        assert not {q for q in tenant_sees if q.startswith("park.") and q != "park.incubator_resident"}, tenant_sees
        await d.choose("applicant.kind", "park_operator")
        await d.go_to_section("space")
        assert "park.harmony_base_approved" in d.visible_questions()


async def test_credit_code_suggests_the_place_it_carries(new_consultation) -> None:
    async with new_consultation() as d:
        app = d.app
        await d.fill("identity.credit_code", code("91440311MA5DC1234"), submit=False)
        assert type(app.screen).__name__ == "ConfirmDialog"
        assert "440311" in str(app.screen.query_one(".dialog-message").visual)
        assert app.profile.identity.registered_district is None  # only a suggestion so far
        await d.press("enter")  # 采用
        assert (app.profile.identity.registered_city, app.profile.identity.registered_district) == ("深圳市", "光明区")
    async with new_consultation() as d:
        app = d.app
        await d.fill("identity.credit_code", code("91440300MA5DC1234"), submit=False)
        assert "不说明所在区" in str(app.screen.query_one(".dialog-message").visual)
        await d.press("enter")
        assert (app.profile.identity.registered_city, app.profile.identity.registered_district) == ("深圳市", None)
    async with new_consultation() as d:
        app = d.app
        await d.fill("identity.credit_code", code("91440307MA5DC1234"), submit=False)
        await d.press("escape")  # 不采用: nothing is filled
        assert app.profile.identity.registered_city is None
        assert app.profile.identity.credit_code == code("91440307MA5DC1234")


async def test_entering_a_section_focuses_its_first_question_and_marks_it(new_consultation) -> None:
    async with new_consultation() as d:
        app = d.app
        assert d.focused_field().key == "applicant.kind"
        await d.press("1")  # 企业, and on to the next section
        assert d.screen.current_section == "identity" and d.focused_field().key == "identity.name"
        assert d.focused_field().has_pseudo_class("focus-within")
        await d.choose("identity.registered_city", "深圳市")
        await d.choose("identity.registered_district", "光明区")
        await d.go_to_section("projects")
        assert d.focused_field().key == "projects.funded" and app.focused.id == "add-item"
        await d.press("enter", "tab", "3")  # item dialog: 级别 市级 moves on to the amount
        await d.type("800")
        await d.press("enter")  # Enter submits the dialog
        assert type(app.screen).__name__ == "QuestionnaireScreen"
        assert [(f.level, f.grant_wan) for f in app.profile.projects.funded] == [("municipal", Decimal(800))]
        await d.press("pageup")
        assert d.screen.current_section == "qualifications"
        assert d.focused_field().key == d.visible_questions()[0]


async def test_one_consultation_one_autosave_and_resume_returns_to_the_section(
    make_app, driver_for, tmp_path: Path
) -> None:
    path = tmp_path / "画像.toml"
    profile = Profile()
    profile.set("applicant.kind", "enterprise")
    profile.set("identity.name", "光明智算")
    save_profile(profile, path)
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        d = driver_for(pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        await d.go_to_section("space")
        await d.yes_no("space.newly_moved_in", True)
        await app.workers.wait_for_complete()
        first_id = app.consultation_id
    assert [u.consultation_id for u in storage.list_unfinished()] == [first_id]
    assert storage.autosave_record(first_id).section == "space"
    assert not list(storage.autosave_dir().glob("*.lock"))  # released on exit
    app = make_app(path)  # the same file again: the same consultation continues
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.consultation_id == first_id
        assert app.profile.space.newly_moved_in is True  # the autosaved answer, not lost
        assert app.screen.current_section == "space"
        await app.workers.wait_for_complete()
    assert len(storage.list_unfinished()) == 1


async def test_a_consultation_open_elsewhere_is_not_opened_twice(make_app, tmp_path: Path) -> None:
    cid = storage.new_consultation_id()
    profile = Profile()
    profile.set("identity.name", "光明智算")
    storage.autosave(profile, cid, section="identity")
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    lock = storage.autosave_dir() / f"{cid}.lock"
    lock.write_text(json.dumps({"pid": other.pid, "host": os.uname().nodename}), encoding="utf-8")
    try:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            app.resume_consultation(cid)
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert type(app.screen).__name__ == "ChoiceDialog"
            assert str(other.pid) in str(app.screen.query_one(".dialog-message").visual)
            await pilot.press("enter")  # 以副本继续 (the first button)
            await pilot.pause()
            assert type(app.screen).__name__ == "QuestionnaireScreen"
            assert app.consultation_id != cid and app.profile.identity.name == "光明智算"
            await pilot.press("tab")
            await app.workers.wait_for_complete()
    finally:
        other.kill()
        other.wait()
    assert json.loads(lock.read_text(encoding="utf-8"))["pid"] == other.pid  # the other's lock untouched
    app = make_app()  # its process is gone: the stale lock is recovered
    async with app.run_test(size=SIZE) as pilot:
        app.resume_consultation(cid)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert type(app.screen).__name__ == "QuestionnaireScreen" and app.consultation_id == cid
        assert app.screen.current_section == "identity"


async def test_orphan_temp_files_are_cleaned_on_start(make_app) -> None:
    folder = storage.autosave_dir()
    folder.mkdir(parents=True)
    orphan = folder / f".{storage.new_consultation_id()}.toml.x1y2z3.tmp"
    orphan.write_text("half", encoding="utf-8")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not orphan.exists()


async def test_a_list_item_is_changed_in_the_item_dialog_or_left_as_it_was(new_consultation) -> None:
    """The list answer asks its screen for the item dialog (ListAnswer.EditRequested) and stores what it returns."""
    from textual.widgets import OptionList

    from screens.item_dialog import ItemDialog
    from screens.widgets.question_field import QuestionField

    async with new_consultation(place="光明区") as d:
        app = d.app
        await d.go_to_section("projects")
        await d.press("enter", "tab", "3")  # 添加: 级别 市级
        await d.type("800")
        await d.press("enter")
        assert [(f.level, f.grant_wan) for f in app.profile.projects.funded] == [("municipal", Decimal(800))]

        async def edit_first(grant_now: int) -> ItemDialog:
            d.screen.fields["projects.funded"].editor.query_one(OptionList).focus()
            await d.press("home", "enter")  # 回车 on the first item: 修改
            assert isinstance(app.screen, ItemDialog) and app.screen.item["grant_wan"] == grant_now
            return app.screen

        dialog = await edit_first(800)
        grant = next(f for f in dialog.query(QuestionField) if f.key == "grant_wan")
        grant.focus_editor()
        await d.press(*["backspace"] * 3)
        await d.type("900")
        await d.press("ctrl+s")  # 确定
        assert type(app.screen).__name__ == "QuestionnaireScreen"
        assert [(f.level, f.grant_wan) for f in app.profile.projects.funded] == [("municipal", Decimal(900))]

        await edit_first(900)
        await d.press("escape")  # 取消: nothing changes
        assert type(app.screen).__name__ == "QuestionnaireScreen"
        assert [(f.level, f.grant_wan) for f in app.profile.projects.funded] == [("municipal", Decimal(900))]
        await app.workers.wait_for_complete()
