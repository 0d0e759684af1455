"""Pydantic models of the rule files in ``rules/``.

Rules are data: conditions are (fact, operator, value) triples and amounts
are one of a fixed set of kinds. Nothing in a rule file is ever executed.
Every model forbids unknown keys so a typo is caught with its location.

Start-up cost (every command validates the whole rule set): annotations are evaluated when
a class is defined (no ``from __future__ import annotations``; the few forward references
are quoted), since pydantic would otherwise compile every annotation string again; and an
empty list is a plain default, ``Field(default=[])`` (pydantic copies it for each instance),
since a builtin ``list`` as default factory has its text signature parsed at every schema
build (about 7% of ``advisor match``'s work, measured).
"""

import datetime as _dt
import string
from decimal import Decimal
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from advisor import pydantic_plugins  # noqa: F401  (before any model is built: no pydantic plugins)

Scalar = bool | int | Decimal | str


class RuleModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


# --- sources, questions, materials --------------------------------------------------------


class Source(RuleModel):
    """One policy document, described exactly as its text gives it."""

    id: str
    file: str  # the verbatim text under rules/sources/
    title: str
    short_title: str = ""  # for narrow tables, e.g. 光明区AI软件措施
    issuer: str
    region: str
    kind: Literal["措施", "实施细则", "起草说明", "行动计划", "国家规定"]
    status: str  # e.g. 征求意见稿 / 起草说明 / 已发布
    is_draft: bool
    dates_text: str  # dates exactly as printed, e.g. "自****年*月*日起施行，有效期至****年12月31日"
    period_start: _dt.date | None = None
    period_end: _dt.date | None = None
    notes: list[str] = Field(default=[])
    superseded_by: "Supersession | None" = None


class KnownDifference(RuleModel):
    """One way the later text differs from this one, with where the fact comes from."""

    text: str  # e.g. 算力服务资助：正式稿为年度实际采购费用的30%、最高600万元（征求意见稿：最高200万元）
    where: str  # the public source of the fact, e.g. 2025年3月新闻稿所载正式文本


class Supersession(RuleModel):
    """This document has been replaced by a later text (e.g. a draft by its final version).

    ``document`` names the later text's own ``[[source]]`` once staff have encoded it:
    every measure of this document is then retired (see docs/rules.md). Until then the
    results keep computing from this text and say so before any figure.
    """

    title: str  # 《光明区关于推动人工智能和软件信息产业高质量发展的若干措施》
    number: str = ""  # 深光府规〔2025〕4号
    issued: str = ""  # as reported, e.g. 2025年3月
    evidence: str = ""  # where the fact comes from
    document: str | None = None  # id of the later text's [[source]] once it is encoded
    differences: list[KnownDifference] = Field(default=[])


class Option(RuleModel):
    value: str
    label: str


QuestionType = Literal["bool", "choice", "multi", "int", "area", "wan", "year", "text", "list", "price"]


class ListField(RuleModel):
    """A field of one item in a repeating answer (a funded project, an event)."""

    id: str
    label: str
    type: QuestionType
    unit: str = ""
    help: str = ""
    options: list[Option] = Field(default=[])


class Gate(RuleModel):
    """Ask a question only once another question is answered with one of ``values``
    (e.g. the VC amount only after 获得风投创投投资 = 是)."""

    question: str
    values: list[Scalar]


class Question(RuleModel):
    """One answerable fact, bound to a dotted path of the profile model."""

    id: str  # dotted profile path, e.g. space.leased_area_m2
    section: str
    label: str
    help: str
    type: QuestionType
    unit: str = ""
    options: list[Option] = Field(default=[])
    item_fields: list[ListField] = Field(default=[])  # for type = "list"
    order: int = 0
    ask_if: Gate | None = None
    ask_with: str | None = None  # shown whenever this other question is (rent per m² beside the annual rent)


class SectionInfo(RuleModel):
    id: str
    title: str
    help: str = ""


class Material(RuleModel):
    id: str
    name: str
    help: str = ""


# --- conditions ---------------------------------------------------------------------------

Op = Literal[
    "eq",
    "ne",
    "in",
    "not_in",
    "ge",
    "gt",
    "le",
    "lt",
    "is_true",
    "is_false",
    "contains_any",
    "any_item",
    "undecidable",
    "within_years",
]


class ItemCondition(RuleModel):
    """A test on one field of a list item (used inside ``any_item`` and list amounts)."""

    field: str
    op: Literal["eq", "ne", "in", "not_in", "ge", "gt", "le", "lt", "is_true", "is_false"]
    value: Scalar | list[Scalar] | None = None


class Condition(RuleModel):
    """A requirement: ``fact op value``, or ``any``/``all`` of several requirements.

    ``label`` is the requirement in plain Chinese, shown to the user.

    Two kinds say what the answers cannot settle:

    - ``op = "undecidable"`` (no fact): a condition the clause states but no answer can
      decide (an unpublished standard, a review judgment, eligibility of individuals).
      It is always unknown, so the measure is at most 可能符合; ``reason`` is shown.
    - ``op = "within_years"`` (fact = a year, value = N): a time word (首次认定, 新落户,
      次年 …) compared with the as-of year: met when the year is the as-of year or up to
      N years before; later than the as-of year fails; earlier is ``window_closed``
      (unknown by default: the window is the guide's, so never 符合; ``failed`` where a
      national rule fixes it, e.g. the five years of 两免三减半). ``reason`` states the rule.

    ``assumption`` marks a condition the text leaves open and the tool assumes (e.g.
    registration in 光明区): the result shows "本工具假定…，以申请指南为准".
    """

    label: str
    fact: str | None = None
    op: Op | None = None
    value: Scalar | list[Scalar] | None = None
    where: list[ItemCondition] = Field(default=[])
    any: "list[Condition]" = Field(default=[])
    all: "list[Condition]" = Field(default=[])
    reason: str = ""
    assumption: str = ""
    window_closed: Literal["unknown", "failed"] = "unknown"

    @model_validator(mode="after")
    def _shape(self) -> "Condition":
        if self.any and self.all:
            raise ValueError("a condition takes 'any' or 'all', not both")
        if self.op == "undecidable":
            if self.fact is not None or self.any or self.all:
                raise ValueError("an 'undecidable' condition takes no 'fact', 'any' or 'all'")
            if not self.reason:
                raise ValueError("an 'undecidable' condition needs a 'reason'")
            return self
        if self.op == "within_years":
            if not isinstance(self.value, int) or isinstance(self.value, bool) or not 0 <= self.value <= 20:
                raise ValueError("op 'within_years' needs an integer 'value' from 0 to 20")
            if not self.reason:
                raise ValueError("op 'within_years' needs a 'reason' (the rule used)")
        if self.any or self.all:
            if self.fact is not None or self.op is not None:
                raise ValueError("a condition with 'any'/'all' takes no 'fact' or 'op'")
        elif self.fact is None or self.op is None:
            raise ValueError("a condition needs 'fact' and 'op' (or 'any')")
        elif self.op not in ("is_true", "is_false", "any_item") and self.value is None:
            raise ValueError(f"op '{self.op}' needs a 'value'")
        return self


# --- amounts ------------------------------------------------------------------------------

WanValue = Annotated[Decimal, Field(ge=0)]
Rate = Annotated[Decimal, Field(gt=0, le=1)]


class Fixed(RuleModel):
    """A stated sum: 给予一次性100万元奖励."""

    kind: Literal["fixed"]
    value_wan: WanValue


class Ceiling(RuleModel):
    """Only a ceiling is stated: 给予最高2000万元奖励 → 0 to max."""

    kind: Literal["ceiling"]
    max_wan: WanValue
    min_wan: WanValue | None = None  # where the text gives a range (X–Y万元)


class Ratio(RuleModel):
    """rate × base, capped. ``up_to`` when the text says 不超过 (the rate is a ceiling)."""

    kind: Literal["ratio"]
    base: str  # fact (万元)
    rate: Rate
    cap_wan: WanValue | None = None
    up_to: bool = False


class RatioItems(RuleModel):
    """rate × each matching list item, each capped, the sum capped per company."""

    kind: Literal["ratio_items"]
    items: str  # list fact
    item_base: str  # field of the item (万元)
    item_label: str = "name"
    where: list[ItemCondition] = Field(default=[])
    rate: Rate
    item_cap_wan: WanValue | None = None
    total_cap_wan: WanValue | None = None
    up_to: bool = False
    # Where the text may cap per applicant rather than per item (十七 “最高200万元”):
    # the other reading's cap; the amount becomes the range between the two readings.
    other_reading_total_cap_wan: WanValue | None = None


class PerUnit(RuleModel):
    """unit_rate × quantity × months, not above the actual cost, capped per year."""

    kind: Literal["per_unit"]
    quantity: str  # fact, e.g. space.leased_area_m2
    unit_rate_yuan: WanValue  # 元 per unit per month
    unit_label: str  # e.g. 元/平方米/月
    months: int = 12
    actual_cost: str | None = None  # fact (万元/年) the subsidy may not exceed
    cap_wan: WanValue | None = None


class Tier(RuleModel):
    threshold_wan: WanValue
    award_wan: WanValue


class Tiers(RuleModel):
    """Award by the highest threshold reached; ``rewarded`` pays only the difference."""

    kind: Literal["tiers"]
    fact: str  # numeric fact (万元) compared with thresholds
    tiers: list[Tier]
    rewarded: str | None = None  # fact: threshold already rewarded (万元)

    @model_validator(mode="after")
    def _ascending(self) -> "Tiers":
        if [t.threshold_wan for t in self.tiers] != sorted(t.threshold_wan for t in self.tiers):
            raise ValueError("tiers must be in ascending threshold order")
        return self


class TableEntry(RuleModel):
    key: str
    label: str
    award_wan: WanValue


class Table(RuleModel):
    """Award by a categorical answer: 国家级/省级/市级 → 120/80/60万元."""

    kind: Literal["table"]
    fact: str
    entries: list[TableEntry]
    up_to: bool = False


class BasePlusStep(RuleModel):
    """base award at a threshold plus a step award per further increment."""

    kind: Literal["base_plus_step"]
    fact: str  # numeric fact (万元)
    threshold_wan: WanValue
    base_wan: WanValue
    step_wan: Annotated[Decimal, Field(gt=0)]
    step_award_wan: WanValue
    rewarded: str | None = None  # fact: level (万元) up to which awards were already paid


class Stage(RuleModel):
    key: str
    label: str
    award_wan: WanValue


class Staged(RuleModel):
    """Awards paid at successive stages; what is payable now and what comes later."""

    kind: Literal["staged"]
    reached: str  # list fact of stage keys reached
    rewarded: str | None = None  # list fact of stage keys already paid
    stages: list[Stage]


class Unquantified(RuleModel):
    """The text promises support without a figure (分档, 一定比例); maybe with a ceiling."""

    kind: Literal["unquantified"]
    text: str
    max_wan: WanValue | None = None


class CaseByCase(RuleModel):
    kind: Literal["case_by_case"]
    text: str = "一事一议"


class NotPublished(RuleModel):
    kind: Literal["not_published"]
    text: str = "原文未公布具体金额"


class NonMonetary(RuleModel):
    kind: Literal["non_monetary"]
    text: str


class TaxBenefit(RuleModel):
    """A national tax incentive: the figure is a deduction or a rate, not a cash award."""

    kind: Literal["tax"]
    text: str
    base: str | None = None  # fact (万元) the rate applies to, if any
    rate: Annotated[Decimal, Field(gt=0, le=10)] | None = None
    base_label: str = ""
    # The tax the deduction saves: deduction × the company's income-tax rate (a choice fact).
    tax_rate_fact: str | None = None
    tax_rates: "list[TaxRate]" = Field(default=[])


class TaxRate(RuleModel):
    key: str  # option value of the tax-rate question
    rate: Annotated[Decimal, Field(ge=0, le=1)]


class ExcessRefund(RuleModel):
    """Refund of what was paid above ``rate`` × base: 实际税负超过3%的部分即征即退."""

    kind: Literal["excess_refund"]
    paid: str  # fact (万元): tax actually paid
    base: str  # fact (万元): the sales it was paid on
    rate: Rate
    text: str


Amount = Annotated[
    Fixed
    | Ceiling
    | Ratio
    | RatioItems
    | PerUnit
    | Tiers
    | Table
    | BasePlusStep
    | Staged
    | Unquantified
    | CaseByCase
    | NotPublished
    | NonMonetary
    | TaxBenefit
    | ExcessRefund,
    Field(discriminator="kind"),
]


class Duration(RuleModel):
    """One-off, or the same award per year for N years."""

    per_year: bool = False
    years: Annotated[int, Field(ge=1, le=10)] = 1
    text: str = ""  # as the clause says, e.g. 连续补贴3年


class AlsoCited(RuleModel):
    document: str
    article: str
    quote: str


Category = Literal[
    "cash_award",
    "matching_funds",
    "rent_subsidy",
    "interest_subsidy",
    "tax_incentive",
    "service",
    "investment_subsidy",
    "cost_subsidy",
]
Review = Literal["核准", "评审", "一事一议", "核准或评审", "未说明"]
ApplicantKind = Literal["enterprise", "park_operator", "event_organiser", "research_team"]


class Measure(RuleModel):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    document: str
    article: str  # Chinese numeral as printed, e.g. 十一
    item: int = 1  # position of the sub-item within the article
    quote: str  # verbatim clause from the source text
    region: str
    applicants: list[ApplicantKind]
    category: Category
    review: Review
    conditions: list[Condition] = Field(default=[])
    amount: Amount
    duration: Duration = Field(default_factory=Duration)
    materials: list[str] = Field(default=[])
    notes: list[str] = Field(default=[])
    basis: str = ""  # national document cited where a real rate is encoded
    also_cited: list[AlsoCited] = Field(default=[])
    context: str = ""  # e.g. a budget line from the drafting explanation
    interpretations: list[str] = Field(default=[])  # ids in rules/interpretations.toml
    # The measure no longer applies: the id of the [[source]] (a later version) that replaces it.
    retired_by: str | None = None


class MeasureFile(RuleModel):
    """One file of rules/measures/: the measures of one document or article group."""

    measure: list[Measure]


class CommonCondition(RuleModel):
    """Conditions that apply to every measure of a document (e.g. registered in 龙岗)."""

    document: str
    conditions: list[Condition]
    notes: list[str] = Field(default=[])
    except_measures: list[str] = Field(default=[])  # measures whose text plainly includes others
    interpretations: list[str] = Field(default=[])  # readings behind these conditions


class SameKindGroup(RuleModel):
    """Measures of which a company enjoys only one (第十九条: 同类…就高不就低、不重复补贴).

    Only the highest member the company may get is counted in the totals; every
    member's result names the group and why it is or is not counted.
    """

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str  # e.g. 新落户、新引进奖励
    document: str  # the document whose clause sets the rule
    article: str
    clause: str  # verbatim
    members: list[str] = Field(min_length=2)
    reasoning: str  # why these measures are the same kind


class GroupsFile(RuleModel):
    group: list[SameKindGroup]


class Interpretation(RuleModel):
    """One reading chosen where a text is ambiguous (docs/interpretations.md)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    document: str
    article: str
    clause: str  # verbatim
    readings: list[str] = Field(min_length=1)
    chosen: str
    why: str
    effect: str  # effect on amounts and verdicts


class InterpretationsFile(RuleModel):
    interpretation: list[Interpretation]


class SourcesFile(RuleModel):
    source: list[Source]
    common: list[CommonCondition] = Field(default=[])


class QuestionsFile(RuleModel):
    section: list[SectionInfo]
    question: list[Question]


class MaterialsFile(RuleModel):
    material: list[Material]


# --- policy vocabulary (rules/vocabulary.toml) ---------------------------------------------


class SameKindWording(RuleModel):
    """How a same-kind verdict (article 十九: 就高不就低、不重复补贴) reads. Each text may
    name only the placeholders its field allows: ``{best}`` the counted member's title,
    ``{group}`` the group's title, ``{source}`` where the group's rule is written."""

    blocked: str  # why this result is not counted: a higher member of a group it shares
    counted: str  # added to a counted result's note, one per group
    highest: str  # group verdict: this result is the one counted
    led_by: str  # group verdict: another member is counted
    not_chosen: str  # group verdict: no member counted
    ineligible: str  # group verdict: this result is ineligible

    @model_validator(mode="after")
    def _placeholders(self) -> "SameKindWording":
        for name, allowed in SAME_KIND_PLACEHOLDERS.items():
            text = getattr(self, name)
            try:
                fields = [(f, spec, conv) for _, f, spec, conv in string.Formatter().parse(text) if f is not None]
            except ValueError as exc:
                raise ValueError(f"{name}: 花括号不成对（{exc}）；字面的花括号写成 {{{{ }}}}") from None
            for field_name, spec, conversion in fields:
                if field_name not in allowed or spec or conversion:
                    names = "、".join(f"{{{a}}}" for a in allowed) or "无"
                    raise ValueError(f"{name}: 不能使用占位符“{{{field_name}}}”，可用：{names}")
        return self


#: The placeholders each same-kind text may use (checked when the rules load).
SAME_KIND_PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "blocked": ("best", "group", "source"),
    "counted": ("group",),
    "highest": (),
    "led_by": ("best",),
    "not_chosen": (),
    "ineligible": (),
}


class Totals(RuleModel):
    notes: list[str]  # printed under the totals, in order


class Vocabulary(RuleModel):
    """rules/vocabulary.toml: the policy wording results use (applicant kinds, categories,
    the notes under the totals, the same-kind wording), kept as data beside the measures."""

    applicants: dict[ApplicantKind, str]
    categories: dict[Category, str]
    totals: Totals
    same_kind: SameKindWording

    def unlabelled(self, measures: list[Measure]) -> list[str]:
        """Problems for ``advisor rules check``: an applicant kind or category a measure
        uses that has no label here."""
        problems = []
        for kind in sorted({a for m in measures for a in m.applicants} - set(self.applicants)):
            users = ", ".join(m.id for m in measures if kind in m.applicants)
            problems.append(f"applicants: 申请主体“{kind}”没有名称（措施 {users} 使用）")
        for category in sorted({m.category for m in measures} - set(self.categories)):
            users = ", ".join(m.id for m in measures if m.category == category)
            problems.append(f"categories: 类别“{category}”没有名称（措施 {users} 使用）")
        return problems


def _amount_kinds() -> tuple[str, ...]:
    union = get_args(Amount)[0]
    return tuple(get_args(model.model_fields["kind"].annotation)[0] for model in get_args(union))


for _model in (Source, TaxBenefit, Measure, MeasureFile, SourcesFile):
    _model.model_rebuild()

#: Every amount ``kind`` a rule may write, read from the amount models (never copied).
AMOUNT_KINDS: tuple[str, ...] = _amount_kinds()
