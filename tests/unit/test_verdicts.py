"""Status semantics a desk officer can defend (issue 13).

符合 only when every condition the clause states is decided true from the answers;
undecidable conditions and time windows never yield 符合; assumptions are visible;
same-kind groups come from rules/groups.toml; the superseded draft is said before any
figure; every interpretation a measure rests on is registered and documented.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from advisor import rule_model as rm
from advisor.catalogue import load_catalogue
from advisor.conditions import AS_OF_YEAR, FAILED, MET, UNKNOWN, CompiledCondition
from advisor.engine import Engine
from advisor.errors import RuleSetError
from advisor.facts import profile_facts
from advisor.json_contract import assessment_json
from advisor.profile import Profile
from advisor.profile_io import profile_from_data
from advisor.results import ELIGIBLE, INELIGIBLE, POSSIBLE

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules"
AS_OF = dt.date(2026, 11, 21)


def _conditions_of(engine: Engine, measure: rm.Measure) -> list[rm.Condition]:
    return engine.conditions(measure.id)


def _walk(conditions: list[rm.Condition]):
    for c in conditions:
        yield c
        yield from _walk([*c.any, *c.all])


def _has_undecidable(engine: Engine, measure: rm.Measure) -> bool:
    return any(c.op == "undecidable" for c in _walk(_conditions_of(engine, measure)))


def _gate_profile(measure: rm.Measure, kind: str) -> Profile:
    """Only the gate facts: who applies and where it is registered (from the measure's region)."""
    identity: dict[str, str] = {}
    for district in ("光明区", "龙岗区"):
        if district in measure.region:
            identity = {"registered_city": "深圳市", "registered_district": district}
    if not identity and "广州" in measure.region:
        identity = {"registered_city": "广州市"}
    elif not identity and "深圳" in measure.region:
        identity = {"registered_city": "深圳市"}
    return Profile.model_validate({"applicant": {"kind": kind}, "identity": identity})


def _known_profiles() -> list[Profile]:
    """Every profile the repository holds: the hand-computed cases and the examples."""
    profiles = []
    for path in sorted((ROOT / "tests" / "cases").glob("*.toml")):
        for case in tomllib.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)["case"]:
            profiles.append(profile_from_data({"schema_version": 2, **case.get("profile", {})}))
    for path in sorted((ROOT / "examples").glob("*.toml")):
        profiles.append(profile_from_data(tomllib.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)))
    return profiles


# --- 符合 only on decided conditions -------------------------------------------------------


def test_gate_facts_alone_never_make_a_measure_eligible_on_an_unanswered_condition(engine) -> None:
    """Walk every measure with all answers unknown except applicant kind and region."""
    walked = 0
    for measure in engine.catalogue.measures:
        for kind in measure.applicants:
            profile = _gate_profile(measure, kind)
            result = next(r for r in engine.match(profile, AS_OF).results if r.measure.id == measure.id)
            walked += 1
            if _has_undecidable(engine, measure):
                assert result.status != ELIGIBLE, measure.id
            if result.status == ELIGIBLE:
                assert all(c.state == MET and not c.undecidable for c in result.conditions), measure.id
                read = set().union(*(c.facts for c in engine.compiled(measure.id)))
                answered = {f for f in read if profile_facts(profile).get(f) is not None}
                assert read <= answered, f"{measure.id} eligible while {read - answered} unanswered"
            else:
                assert any(c.state in (UNKNOWN, FAILED) for c in result.conditions), measure.id
    assert walked >= len(engine.catalogue.measures)


def test_no_known_profile_makes_a_measure_eligible_on_an_undecidable_condition(engine) -> None:
    undecidable_ids = {m.id for m in engine.catalogue.measures if _has_undecidable(engine, m)}
    assert {"gm-12-3", "gm-16-2", "cn-tax-gba-iit-subsidy"} <= undecidable_ids
    for profile in _known_profiles():
        for r in engine.match(profile, AS_OF).results:
            if r.measure.id in undecidable_ids or any(c.undecidable for c in r.conditions):
                assert r.status != ELIGIBLE, (r.measure.id, [c.text for c in r.conditions])


def test_undecidable_condition_is_shown_with_its_reason_and_asks_nothing(engine) -> None:
    profile = profile_from_data(
        {
            "schema_version": 2,
            "applicant": {"kind": "enterprise"},
            "identity": {"registered_city": "深圳市", "registered_district": "光明区"},
            "industry": {"sectors": ["ai"]},
            "scale": {"above_designated_size": True, "revenue_wan": {"2024": 1000, "2025": 900000}},
        }
    )
    r = next(r for r in engine.match(profile, AS_OF).results if r.measure.id == "gm-16-2")
    assert r.status == POSSIBLE
    assert r.missing == []  # no question can decide it, so none is asked
    undecided = [c for c in r.conditions if c.undecidable]
    assert undecided and "以当年申请指南为准" in undecided[0].text
    data = next(
        x for x in assessment_json(engine.match(profile, AS_OF), engine)["results"] if x["measure_id"] == "gm-16-2"
    )
    assert any(reason["undecidable"] and reason["state"] == "unknown" for reason in data["reasons"])


def test_no_question_a_company_cannot_answer(engine) -> None:
    assert "scale.exec_team_award_condition_met" not in engine.catalogue.questions
    assert "scale.exec_team_award_condition_met" not in engine.relevant_questions(Profile())
    for measure in engine.catalogue.measures:
        for c in _walk(_conditions_of(engine, measure)):
            assert c.fact != "scale.exec_team_award_condition_met", measure.id


# --- time windows --------------------------------------------------------------------------


def _year_condition(window: int, closed: str = "unknown") -> CompiledCondition:
    condition = rm.Condition(
        label="首次认定年份",
        fact="qualifications.key_software_year",
        op="within_years",
        value=window,
        reason="认定当年或次年",
        window_closed=closed,
    )
    return CompiledCondition(condition, lambda fact, value: str(value), lambda fact: (fact,))


@pytest.mark.parametrize(
    ("year", "state"), [(2026, MET), (2025, MET), (2024, UNKNOWN), (2027, FAILED), (None, UNKNOWN)]
)
def test_within_years_compares_with_the_as_of_year(year, state) -> None:
    compiled = _year_condition(1)
    facts = {AS_OF_YEAR: 2026, "qualifications.key_software_year": year}
    result = compiled.evaluate(facts, lambda fact: str(facts.get(fact)))
    assert result.state == state == compiled.state(facts)
    if year is not None:
        assert f"{year}年" in result.text and "2026" in result.text
    assert result.undecidable == (state == UNKNOWN and year is not None)
    assert result.missing == ([] if year is not None else ["qualifications.key_software_year"])


def test_a_closed_window_fails_where_a_national_rule_fixes_it() -> None:
    compiled = _year_condition(4, "failed")
    assert compiled.state({AS_OF_YEAR: 2026, "qualifications.key_software_year": 2021}) == FAILED
    assert compiled.state({AS_OF_YEAR: 2026, "qualifications.key_software_year": 2022}) == MET


def test_within_years_needs_a_rule_text_and_a_whole_window() -> None:
    with pytest.raises(ValueError):
        rm.Condition(label="x", fact="identity.settled_year", op="within_years", value=1)
    with pytest.raises(ValueError):
        rm.Condition(label="x", fact="identity.settled_year", op="within_years", value=True, reason="r")
    with pytest.raises(ValueError):
        rm.Condition(label="x", op="undecidable")


def test_the_as_of_date_decides_the_window(engine) -> None:
    profile = profile_from_data(
        {
            "schema_version": 2,
            "applicant": {"kind": "enterprise"},
            "identity": {"registered_city": "深圳市", "registered_district": "光明区"},
            "industry": {"sectors": ["software"]},
            "qualifications": {"key_software_enterprise": True, "key_software_year": 2025},
        }
    )
    status = {
        as_of.year: next(r for r in engine.match(profile, as_of).results if r.measure.id == "gm-13-1").status
        for as_of in (dt.date(2025, 6, 1), dt.date(2026, 11, 21), dt.date(2028, 1, 1))
    }
    assert status == {2025: ELIGIBLE, 2026: ELIGIBLE, 2028: POSSIBLE}


# --- assumptions ---------------------------------------------------------------------------


def test_assumed_registration_is_visible_and_does_not_touch_article_17(engine) -> None:
    outside = profile_from_data(
        {
            "schema_version": 2,
            "applicant": {"kind": "enterprise"},
            "identity": {"registered_city": "深圳市", "registered_district": "南山区"},
            "industry": {"sectors": ["ai"]},
            "finance": {"vc_institution_filed": True, "vc_investment_wan": 100},
            "events": {
                "held": [
                    {
                        "name": "全球AI大会",
                        "scope": "global",
                        "in_guangming": True,
                        "ai_software": True,
                        "filed_in_advance": True,
                        "cost_wan": 100,
                    }
                ]
            },
        }
    )
    results = {r.measure.id: r for r in engine.match(outside, AS_OF).results}
    vc = results["gm-15-1"]
    assert vc.status == INELIGIBLE
    assert any("本工具假定" in c.text and c.state == FAILED for c in vc.conditions)
    assert results["gm-17-1"].status == ELIGIBLE
    assert results["gm-17-1"].amount.max_yuan == 500_000


# --- same-kind groups ----------------------------------------------------------------------


def test_groups_live_in_rules_not_in_python(engine) -> None:
    groups = tomllib.loads((RULES / "groups.toml").read_text(encoding="utf-8"))["group"]
    assert {g["id"] for g in groups} == set(engine.catalogue.groups)
    for path in (ROOT / "advisor").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for group in groups:
            assert f'"{group["id"]}"' not in text, f"{path.name} names group {group['id']}"


def test_every_group_member_says_which_group_and_why(engine) -> None:
    profile = profile_from_data(
        {
            "schema_version": 2,
            "applicant": {"kind": "enterprise"},
            "identity": {
                "registered_city": "深圳市",
                "registered_district": "光明区",
                "newly_settled": True,
                "settled_year": 2026,
            },
            "industry": {"sectors": ["software"]},
            "qualifications": {"key_software_enterprise": True, "key_software_year": 2026},
        }
    )
    assessment = engine.match(profile, AS_OF)
    data = {r["measure_id"]: r for r in assessment_json(assessment, engine)["results"]}
    for measure_id in ("gm-06-2", "gm-13-1"):
        titles = {g["id"]: g for g in data[measure_id]["groups"]}
        assert "gm-key-software-status" in titles
        assert titles["gm-key-software-status"]["why"] and titles["gm-key-software-status"]["reasoning"]
    counted = [m for m in ("gm-06-2", "gm-13-1") if data[m]["counted_in_total"]]
    assert counted == ["gm-06-2"]
    # the total holds one 1000万 ceiling for the one status, not two
    key_software = [r for r in assessment.results if r.measure.id in ("gm-06-2", "gm-13-1") and r.counted_in_total]
    assert sum(r.amount.total_max_yuan for r in key_software) == 10_000_000


def test_a_group_naming_an_unknown_measure_is_refused(tmp_path) -> None:
    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    text = (root / "groups.toml").read_text(encoding="utf-8")
    (root / "groups.toml").write_text(text.replace('"gm-11-2"]', '"gm-11-3"]', 1), encoding="utf-8")
    with pytest.raises(RuleSetError) as error:
        load_catalogue(root)
    assert any("gm-11-3" in p for p in error.value.problems)


# --- the superseded draft ------------------------------------------------------------------


def test_superseded_statement_comes_before_any_figure_in_json(engine) -> None:
    profile = profile_from_data(
        {"schema_version": 2, "applicant": {"kind": "enterprise"}, "identity": {"registered_city": "广州市"}}
    )  # every 光明 measure ineligible
    assessment = engine.match(profile, AS_OF)
    statement = next(n for n in assessment.notices if "深光府规〔2025〕4号" in n)
    for words in ("征求意见稿", "正式文件", "可能不同", "申请指南"):
        assert words in statement
    data = assessment_json(assessment, engine)
    keys = list(data)
    assert keys.index("notices") < keys.index("results")
    text = json.dumps(data, ensure_ascii=False)
    assert text.index("深光府规〔2025〕4号") < text.index('"results"')


def test_superseded_source_is_data_with_where_each_difference_comes_from(engine) -> None:
    later = engine.catalogue.sources["gm-measures"].superseded_by
    assert later is not None and later.number == "深光府规〔2025〕4号"
    assert later.differences and all(d.where for d in later.differences)
    assert any("600万元" in d.text for d in later.differences)


def test_staff_retire_the_draft_by_adding_the_final_text(tmp_path) -> None:
    """A later version of a document, named in superseded_by.document, retires the draft's measures."""
    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    sources = (root / "sources.toml").read_text(encoding="utf-8")
    sources = sources.replace('evidence = "2025年3月', 'document = "gm-measures-final"\nevidence = "2025年3月', 1)
    sources += """
[[source]]
id = "gm-measures-final"
file = "001_94343582583f7f65.txt"
title = "光明区关于推动人工智能和软件信息产业高质量发展的若干措施"
issuer = "深圳市光明区人民政府"
region = "深圳市光明区"
kind = "措施"
status = "已发布"
is_draft = false
dates_text = "（示例）"
"""
    (root / "sources.toml").write_text(sources, encoding="utf-8")
    catalogue = load_catalogue(root)
    assert not [m for m in catalogue.measures if m.document == "gm-measures"]
    assert {m.id for m in catalogue.retired} >= {"gm-11-1", "gm-17-1"}
    Engine(catalogue)  # groups naming retired measures still load


def test_a_single_measure_can_be_retired_by_a_later_version(tmp_path) -> None:
    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    path = root / "measures" / "gm-10-17.toml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('id = "gm-17-1"\n', 'id = "gm-17-1"\nretired_by = "gm-explanation"\n', 1)
    path.write_text(text, encoding="utf-8")
    catalogue = load_catalogue(root)
    assert "gm-17-1" not in {m.id for m in catalogue.measures}
    assert "gm-17-1" in {m.id for m in catalogue.retired}


# --- interpretations -----------------------------------------------------------------------


def test_every_interpretation_is_documented_and_linked(engine) -> None:
    doc = (ROOT / "docs" / "interpretations.md").read_text(encoding="utf-8")
    entries = engine.catalogue.interpretations
    assert {"gm-12-cap-50", "gm-17-per-event", "same-kind-groups", "time-windows", "assumed-gm-registration"} <= set(
        entries
    )
    for entry_id, entry in entries.items():
        assert re.search(rf"^## .*`{re.escape(entry_id)}`", doc, re.M), entry_id
        assert entry.clause in doc, entry_id
    linked = {i.id for m in engine.catalogue.measures for i in engine.catalogue.interpretations_of(m)}
    assert linked == set(entries), set(entries) ^ linked


def test_interpretations_document_is_generated_from_the_data(engine) -> None:
    from advisor.interpretations import render_markdown

    assert (ROOT / "docs" / "interpretations.md").read_text(encoding="utf-8") == render_markdown(engine.catalogue)


def test_interpretations_reach_the_json(engine) -> None:
    profile = profile_from_data({"schema_version": 2, "applicant": {"kind": "event_organiser"}})
    data = assessment_json(engine.match(profile, AS_OF), engine)
    event = next(r for r in data["results"] if r["measure_id"] == "gm-17-1")
    assert [i["id"] for i in event["interpretations"]] == ["gm-17-per-event", "assumed-gm-registration"]
    assert event["interpretations"][0]["chosen"]
    rent = next(r for r in data["results"] if r["measure_id"] == "gm-11-1")
    assert "assumed-gm-registration" in [i["id"] for i in rent["interpretations"]]


def test_a_missing_reason_is_one_clear_message_in_chinese(tmp_path) -> None:
    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    path = root / "measures" / "gm-10-17.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace('reason = "条件未公布，以当年申请指南为准"\n', "", 1), encoding="utf-8"
    )
    with pytest.raises(RuleSetError) as error:
        load_catalogue(root)
    assert len(error.value.problems) == 1, error.value.problems
    assert "gm-16-2" in error.value.problems[0] and "必须写 reason" in error.value.problems[0]


def test_markdown_and_html_reports_show_the_interpretations(engine) -> None:
    from advisor.report import to_html, to_markdown

    profile = profile_from_data(
        {
            "schema_version": 2,
            "applicant": {"kind": "event_organiser"},
            "events": {
                "held": [
                    {
                        "name": "全国AI大赛",
                        "scope": "national",
                        "in_guangming": True,
                        "ai_software": True,
                        "filed_in_advance": True,
                        "cost_wan": 100,
                    }
                ]
            },
        }
    )
    assessment = engine.match(profile, AS_OF)
    for text in (to_markdown(assessment, engine, profile), to_html(assessment, engine, profile)):
        assert "采用的解读" in text and "每次活动还是每个举办单位" in text
