"""Engine behaviour on a small catalogue built from real clauses: status, reasons,
stacking under article 十九, ranking, near misses, validity and question relevance."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal as D
from pathlib import Path

import pytest

from advisor.catalogue import load_catalogue
from advisor.engine import Engine
from advisor.json_contract import assessment_json
from advisor.profile import Profile
from advisor.results import ELIGIBLE, INELIGIBLE, POSSIBLE

RULES = Path(__file__).resolve().parents[2] / "rules"

MEASURES = """
[[measure]]
id = "t-rent-pro"
title = "专业园租金补贴"
document = "gm-measures"
article = "十一"
quote = "给予30元/平方米/月的租金补贴，连续补贴3年，每家企业每年最高资助360万元"
region = "深圳市光明区"
applicants = ["enterprise"]
category = "rent_subsidy"
review = "未说明"
materials = ["lease_contract", "application_form"]
[[measure.conditions]]
label = "园区类型"
fact = "space.park_kind"
op = "eq"
value = "gm_professional"
[[measure.conditions]]
label = "租赁产业用房面积"
fact = "space.leased_area_m2"
op = "ge"
value = 500
[measure.amount]
kind = "per_unit"
quantity = "space.leased_area_m2"
unit_rate_yuan = 30
unit_label = "元/平方米/月"
actual_cost = "space.annual_rent_wan"
cap_wan = 360
[measure.duration]
per_year = true
years = 3

[[measure]]
id = "t-rent-other"
title = "其他园区租金补贴"
document = "gm-measures"
article = "十一"
quote = "给予15元/平方米/月的租金补贴，连续补贴3年，每家企业每年最高资助180万元"
region = "深圳市光明区"
applicants = ["enterprise"]
category = "rent_subsidy"
review = "未说明"
materials = ["lease_contract"]
[[measure.conditions]]
label = "租赁产业用房面积"
fact = "space.leased_area_m2"
op = "ge"
value = 500
[measure.amount]
kind = "per_unit"
quantity = "space.leased_area_m2"
unit_rate_yuan = 15
unit_label = "元/平方米/月"
actual_cost = "space.annual_rent_wan"
cap_wan = 180
[measure.duration]
per_year = true
years = 3

[[measure]]
id = "t-vc"
title = "风投资助"
document = "gm-measures"
article = "十五"
quote = "按照不超过投资机构实际投资额的10%，给予最高100万元资助"
region = "深圳市光明区"
applicants = ["enterprise"]
category = "investment_subsidy"
review = "未说明"
[[measure.conditions]]
label = "投资机构已备案"
fact = "finance.vc_institution_filed"
op = "is_true"
[measure.amount]
kind = "ratio"
base = "finance.vc_investment_wan"
rate = 0.1
cap_wan = 100
up_to = true

[[measure]]
id = "t-harmony"
title = "鸿蒙基地"
document = "gm-measures"
article = "九"
quote = "按“一事一议”方式，在基地建设"
region = "深圳市光明区"
applicants = ["park_operator"]
category = "cash_award"
review = "一事一议"
[measure.amount]
kind = "case_by_case"
"""


GROUPS = """
[[group]]
id = "rent"
title = "产业用房租金补贴"
document = "gm-measures"
article = "十九"
clause = "与光明区其它同类优惠措施由企业按照就高不就低的原则选择适用，不重复补贴"
members = ["t-rent-pro", "t-rent-other"]
reasoning = "同一产业用房的租金补贴"
"""


@pytest.fixture(scope="module")
def small_engine(tmp_path_factory) -> Engine:
    root = tmp_path_factory.mktemp("rules")
    shutil.copytree(RULES, root, dirs_exist_ok=True)
    for existing in (root / "measures").glob("*.toml"):
        existing.unlink()
    (root / "measures" / "t.toml").write_text(MEASURES, encoding="utf-8")
    (root / "groups.toml").write_text(GROUPS, encoding="utf-8")
    return Engine(load_catalogue(root))


def guangming(**space) -> Profile:
    return Profile.model_validate(
        {
            "applicant": {"kind": "enterprise"},
            "identity": {"name": "光明智算科技有限公司", "registered_city": "深圳市", "registered_district": "光明区"},
            "industry": {"sectors": ["ai"]},
            "space": space,
        }
    )


AS_OF = dt.date(2026, 11, 21)


def result(assessment, measure_id):
    return next(r for r in assessment.results if r.measure.id == measure_id)


def test_failed_condition_names_actual_and_required(small_engine) -> None:
    a = small_engine.match(guangming(park_kind="gm_professional", leased_area_m2=400, annual_rent_wan=D(60)), AS_OF)
    r = result(a, "t-rent-pro")
    assert r.status == INELIGIBLE
    assert [c.text for c in r.failed] == ["租赁产业用房面积：400平方米 < 500平方米"]


def test_unknown_answers_make_possible_and_name_the_questions(small_engine) -> None:
    a = small_engine.match(guangming(park_kind="gm_professional"), AS_OF)
    r = result(a, "t-rent-pro")
    assert r.status == POSSIBLE
    assert "space.leased_area_m2" in r.missing and "space.annual_rent_wan" in r.missing
    assert r.amount.max_yuan == 3_600_000  # area unknown: only the yearly cap is known


def test_stacking_counts_only_the_highest_of_a_group(small_engine) -> None:
    a = small_engine.match(guangming(park_kind="gm_professional", leased_area_m2=800, annual_rent_wan=D(60)), AS_OF)
    pro, other = result(a, "t-rent-pro"), result(a, "t-rent-other")
    assert pro.status == other.status == ELIGIBLE
    assert pro.counted_in_total and not other.counted_in_total
    assert "就高不就低" in other.count_note
    assert a.totals.eligible_max_yuan == 864_000  # 28.8万 × 3, the 15元 measure not added


def test_ranking_eligible_then_possible_then_ineligible_by_value(small_engine) -> None:
    p = guangming(park_kind="gm_professional", leased_area_m2=800, annual_rent_wan=D(60))
    p.finance.vc_institution_filed = True
    p.finance.vc_investment_wan = D(500)  # 10% → 50万 < 86.4万
    a = small_engine.match(p, AS_OF)
    order = [(r.status, r.measure.id) for r in a.results]
    # 86.4万 (rent) > 0–50万 (VC) > 43.2万 (other rent, by its maximum)
    assert order == [
        (ELIGIBLE, "t-rent-pro"),
        (ELIGIBLE, "t-vc"),
        (ELIGIBLE, "t-rent-other"),
        (INELIGIBLE, "t-harmony"),
    ]


def test_near_miss_says_how_far_and_what_it_is_worth(small_engine) -> None:
    a = small_engine.match(guangming(park_kind="gm_professional", leased_area_m2=450, annual_rent_wan=D(60)), AS_OF)
    r = result(a, "t-rent-pro")
    assert r.near_miss is not None
    assert "450平方米 → 500平方米" in r.near_miss.gap_text
    assert r.near_miss.amount.max_yuan == 180_000  # 30 × 500 × 12


def test_draft_status_is_carried_by_every_result(small_engine) -> None:
    a = small_engine.match(guangming(), AS_OF)
    assert all(r.validity.state == "draft" for r in a.results)
    assert any("征求意见稿" in w for w in result(a, "t-vc").validity.warnings)


def test_other_district_is_ineligible_for_guangming_measures(small_engine) -> None:
    p = guangming()
    p.identity.registered_district = "南山区"
    a = small_engine.match(p, AS_OF)
    assert {r.status for r in a.results} == {INELIGIBLE}


def test_relevance_drops_questions_of_ruled_out_measures(small_engine) -> None:
    p = guangming()
    asked = small_engine.relevant_questions(p)
    assert "space.leased_area_m2" in asked
    p.identity.registered_district = "南山区"
    asked = small_engine.relevant_questions(p)
    assert "space.leased_area_m2" not in asked
    assert "identity.registered_district" in asked  # the answer that ruled them out stays editable


def test_park_operator_is_not_asked_enterprise_questions(small_engine) -> None:
    p = Profile.model_validate(
        {
            "applicant": {"kind": "park_operator"},
            "identity": {"registered_city": "深圳市", "registered_district": "光明区"},
        }
    )
    asked = small_engine.relevant_questions(p)
    assert "space.park_kind" not in asked and "finance.vc_investment_wan" not in asked


def test_json_contract_fields(small_engine) -> None:
    a = small_engine.match(guangming(park_kind="gm_professional", leased_area_m2=800, annual_rent_wan=D(60)), AS_OF)
    data = assessment_json(a, small_engine)
    assert set(data) >= {"results", "totals"}
    first = data["results"][0]
    assert set(first) >= {
        "measure_id",
        "title",
        "source",
        "status",
        "amount",
        "reasons",
        "missing",
        "materials",
        "exclusive_group",
        "counted_in_total",
    }
    assert set(first["source"]) == {"document", "title", "article", "quote"}
    assert set(first["amount"]) >= {
        "kind",
        "min_yuan",
        "max_yuan",
        "per_year",
        "years",
        "total_min_yuan",
        "total_max_yuan",
        "calculation",
    }
    assert first["amount"]["total_max_yuan"] == 864_000


def test_checklist_combines_materials_across_measures(small_engine) -> None:
    p = guangming(park_kind="gm_professional", leased_area_m2=800, annual_rent_wan=D(60))
    p.consultation.checklist = {"lease_contract": True}
    a = small_engine.match(p, AS_OF)
    items = {c.material.id: c for c in a.checklist}
    assert items["lease_contract"].measures == ["t-rent-other", "t-rent-pro"] or set(
        items["lease_contract"].measures
    ) == {"t-rent-pro", "t-rent-other"}
    assert items["lease_contract"].ready and not items["application_form"].ready


# --- policy vocabulary as data (rules/vocabulary.toml) ----------------------------------------


def _rules_with_vocabulary(tmp_path: Path, edit) -> Path:
    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    path = root / "vocabulary.toml"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    return root


def test_policy_wording_comes_from_the_vocabulary_file(tmp_path: Path) -> None:
    """Applicant and category labels, the notes under the totals and the same-kind wording
    are read from rules/vocabulary.toml: changing the file changes what a person reads."""

    def edit(text: str) -> str:
        text = text.replace('enterprise = "企业"', 'enterprise = "[企业]单位"')
        text = text.replace('rent_subsidy = "租金补贴"', 'rent_subsidy = "房租"')
        text = text.replace("光明区资金受区经济发展专项资金年度总额控制", "专项资金总额控制（测试）")
        return text.replace("只享受其一，按就高不就低计", "只取其一（测试），计")

    root = _rules_with_vocabulary(tmp_path, edit)
    for existing in (root / "measures").glob("*.toml"):
        existing.unlink()
    (root / "measures" / "t.toml").write_text(MEASURES, encoding="utf-8")
    (root / "groups.toml").write_text(GROUPS, encoding="utf-8")
    engine = Engine(load_catalogue(root))
    a = engine.match(guangming(park_kind="gm_professional", leased_area_m2=800, annual_rent_wan=D(60)), AS_OF)
    applicant = result(a, "t-rent-pro").conditions[0]
    assert applicant.label == "申请主体为[企业]单位"
    assert "只取其一（测试），计“专业园租金补贴”" in result(a, "t-rent-other").count_note
    assert any("专项资金总额控制（测试）" in note for note in a.totals.notes)
    assert engine.vocabulary.categories["rent_subsidy"] == "房租"


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda t: t.replace('research_team = "科研团队"\n', ""), "申请主体“research_team”没有名称"),
        (lambda t: t.replace('service = "服务保障"\n', ""), "类别“service”没有名称"),
        (lambda t: t.replace('service = "服务保障"', 'servise = "服务保障"'), "vocabulary.toml"),
        (lambda t: t.replace("[totals]", "[totals]\nnote = []"), "vocabulary.toml"),
        (lambda t: t.replace("{group}”中本项最高", "{best}”中本项最高"), "不能使用占位符“{best}”"),
        (lambda t: t.replace("“{best}”为准", "“{best.__class__}”为准"), "不能使用占位符“{best.__class__}”"),
    ],
    ids=["applicant-unlabelled", "category-unlabelled", "unknown-category", "unknown-key", "placeholder", "attribute"],
)
def test_rules_check_refuses_a_vocabulary_that_does_not_cover_the_measures(tmp_path: Path, edit, expected) -> None:
    from advisor.errors import RuleSetError

    root = _rules_with_vocabulary(tmp_path, edit)
    with pytest.raises(RuleSetError) as caught:
        load_catalogue(root)
    assert any(expected in problem and problem.startswith("vocabulary.toml") for problem in caught.value.problems), (
        caught.value.problems
    )


def test_a_rule_set_without_vocabulary_is_refused(tmp_path: Path) -> None:
    from advisor.errors import RuleSetError

    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    (root / "vocabulary.toml").unlink()
    with pytest.raises(RuleSetError, match=r"vocabulary\.toml"):
        load_catalogue(root)


def test_category_labels_are_the_bundled_vocabulary(engine) -> None:
    import tomllib

    labels = tomllib.loads((RULES / "vocabulary.toml").read_text(encoding="utf-8"))["categories"]
    assert labels == engine.vocabulary.categories


def test_a_lazy_explanation_reads_the_facts_of_its_match_not_later_edits() -> None:
    """Reasons written after the profile's lists changed still explain the verdict given."""
    from advisor.rulestore import load_engine

    engine = load_engine()
    profile = Profile.model_validate(
        {
            "applicant": {"kind": "enterprise"},
            "identity": {"registered_city": "深圳市", "registered_district": "光明区"},
            "projects": {"funded": [{"name": "甲项目", "level": "municipal", "grant_wan": D(1500), "year": 2026}]},
        }
    )
    lazy = engine.match(profile, AS_OF)
    eager = engine.match(profile, AS_OF, eager=True)
    profile.projects.funded.append(profile.projects.funded[0].model_copy(update={"name": "乙项目"}))
    profile.projects.funded[0] = profile.projects.funded[0].model_copy(update={"grant_wan": D(1)})
    for mine, theirs in zip(lazy.results, eager.results, strict=True):
        assert (mine.conditions, mine.missing, mine.near_miss) == (theirs.conditions, theirs.missing, theirs.near_miss)
    assert assessment_json(lazy, engine) == assessment_json(eager, engine)


def test_a_lazy_checklist_keeps_the_marks_and_results_of_its_match() -> None:
    """The checklist is built on first read, from the marks as they were when matching
    (ticking a material afterwards shows in the next match, not in this one)."""
    from advisor.profile_io import load_profile
    from advisor.rulestore import load_engine

    engine = load_engine()
    profile = load_profile(RULES.parent / "examples" / "guangming-ai-company.toml")
    first, second = [item.material.id for item in engine.match(profile, AS_OF).checklist][:2]
    profile.consultation.checklist = {first: True}
    lazy = engine.match(profile, AS_OF)
    eager = engine.match(profile, AS_OF, eager=True)
    profile.consultation.checklist = {first: False, second: True}
    lazy.results.reverse()  # a caller reordering its results does not reorder the checklist
    assert lazy.checklist == eager.checklist and lazy.checklist is lazy.checklist
    ready = {item.material.id: item.ready for item in lazy.checklist}
    assert (ready[first], ready[second]) == (True, False)
    later = {item.material.id: item.ready for item in engine.match(profile, AS_OF).checklist}
    assert (later[first], later[second]) == (False, True)
