"""Pydantic models of the rule files in ``rules/``.

Rules are data: conditions are (fact, operator, value) triples and amounts
are one of a fixed set of kinds. Nothing in a rule file is ever executed.
Every model forbids unknown keys so a typo is caught with its location.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

Scalar = Union[bool, int, Decimal, str]


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
    notes: list[str] = Field(default_factory=list)


class Option(RuleModel):
    value: str
    label: str


QuestionType = Literal["bool", "choice", "multi", "int", "area", "wan", "year", "text", "list"]


class ListField(RuleModel):
    """A field of one item in a repeating answer (a funded project, an event)."""

    id: str
    label: str
    type: QuestionType
    unit: str = ""
    help: str = ""
    options: list[Option] = Field(default_factory=list)


class Question(RuleModel):
    """One answerable fact, bound to a dotted path of the profile model."""

    id: str  # dotted profile path, e.g. space.leased_area_m2
    section: str
    label: str
    help: str
    type: QuestionType
    unit: str = ""
    options: list[Option] = Field(default_factory=list)
    item_fields: list[ListField] = Field(default_factory=list)  # for type = "list"
    order: int = 0


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
    "eq", "ne", "in", "not_in", "ge", "gt", "le", "lt",
    "is_true", "is_false", "contains_any", "any_item",
]


class ItemCondition(RuleModel):
    """A test on one field of a list item (used inside ``any_item`` and list amounts)."""

    field: str
    op: Literal["eq", "ne", "in", "not_in", "ge", "gt", "le", "lt", "is_true", "is_false"]
    value: Scalar | list[Scalar] | None = None


class Condition(RuleModel):
    """A requirement: ``fact op value``, or ``any``/``all`` of several requirements.

    ``label`` is the requirement in plain Chinese, shown to the user.
    """

    label: str
    fact: str | None = None
    op: Op | None = None
    value: Scalar | list[Scalar] | None = None
    where: list[ItemCondition] = Field(default_factory=list)
    any: list[Condition] = Field(default_factory=list)
    all: list[Condition] = Field(default_factory=list)

    @model_validator(mode="after")
    def _shape(self) -> Condition:
        if self.any and self.all:
            raise ValueError("a condition takes 'any' or 'all', not both")
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
    where: list[ItemCondition] = Field(default_factory=list)
    rate: Rate
    item_cap_wan: WanValue | None = None
    total_cap_wan: WanValue | None = None
    up_to: bool = False


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
    def _ascending(self) -> Tiers:
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


class ExcessRefund(RuleModel):
    """Refund of what was paid above ``rate`` × base: 实际税负超过3%的部分即征即退."""

    kind: Literal["excess_refund"]
    paid: str  # fact (万元): tax actually paid
    base: str  # fact (万元): the sales it was paid on
    rate: Rate
    text: str


Amount = Annotated[
    Union[
        Fixed, Ceiling, Ratio, RatioItems, PerUnit, Tiers, Table, BasePlusStep, Staged,
        Unquantified, CaseByCase, NotPublished, NonMonetary, TaxBenefit, ExcessRefund,
    ],
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
    "cash_award", "matching_funds", "rent_subsidy", "interest_subsidy",
    "tax_incentive", "service", "investment_subsidy", "cost_subsidy",
]
Review = Literal["核准", "评审", "一事一议", "核准或评审", "未说明"]


class Measure(RuleModel):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    document: str
    article: str  # Chinese numeral as printed, e.g. 十一
    item: int = 1  # position of the sub-item within the article
    quote: str  # verbatim clause from the source text
    region: str
    applicants: list[Literal["enterprise", "park_operator", "event_organiser", "research_team"]]
    category: Category
    review: Review
    conditions: list[Condition] = Field(default_factory=list)
    amount: Amount
    duration: Duration = Field(default_factory=Duration)
    exclusive_group: str | None = None
    materials: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    basis: str = ""  # national document cited where a real rate is encoded
    also_cited: list[AlsoCited] = Field(default_factory=list)
    context: str = ""  # e.g. a budget line from the drafting explanation


class MeasureFile(RuleModel):
    """One file of rules/measures/: the measures of one document or article group."""

    measure: list[Measure]


class CommonCondition(RuleModel):
    """Conditions that apply to every measure of a document (e.g. registered in 龙岗)."""

    document: str
    conditions: list[Condition]
    notes: list[str] = Field(default_factory=list)


class SourcesFile(RuleModel):
    source: list[Source]
    common: list[CommonCondition] = Field(default_factory=list)


class QuestionsFile(RuleModel):
    section: list[SectionInfo]
    question: list[Question]


class MaterialsFile(RuleModel):
    material: list[Material]
