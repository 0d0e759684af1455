"""Matching a profile against the catalogue.

For each measure: eligible, possible (names the unanswered questions that
decide it) or ineligible (names the failed requirement with actual and
required values); its amount and calculation; whether it counts in the total
under article 十九's same-kind rule; its source's status on the as-of date.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable

from advisor import rule_model as rm
from advisor.amounts import AmountResult, compute_amount
from advisor.catalogue import DERIVED_FACTS, Catalogue, amount_facts
from advisor.conditions import FAILED, NUMERIC_OPS, UNKNOWN, CompiledCondition, ConditionResult
from advisor.money import format_wan, wan_to_yuan
from advisor.profile import FACT_SECTIONS, Profile

ELIGIBLE, POSSIBLE, INELIGIBLE = "eligible", "possible", "ineligible"
STATUS_LABEL = {ELIGIBLE: "符合", POSSIBLE: "可能符合", INELIGIBLE: "不符合"}
_STATUS_RANK = {ELIGIBLE: 0, POSSIBLE: 1, INELIGIBLE: 2}
_CITY_OF = {"identity.registered_district": "identity.registered_city",
            "identity.tax_district": "identity.tax_city", "identity.stats_district": "identity.stats_city"}
ALWAYS_ASKED = ("applicant.kind", "identity.name", "identity.credit_code")
APPLICANT_LABEL = {"enterprise": "企业", "park_operator": "园区运营单位",
                   "event_organiser": "活动举办单位", "research_team": "科研团队"}


# --- facts --------------------------------------------------------------------------------


def _growth_pct(previous: Decimal | None, current: Decimal | None) -> Decimal | None:
    if previous is None or current is None or previous <= 0:
        return None
    return ((current - previous) * 100 / previous).quantize(Decimal("0.01"))


def profile_facts(profile: Profile) -> dict[str, Any]:
    """Every answer of the profile by dotted path, plus the derived facts."""
    facts: dict[str, Any] = {}
    for section_name in FACT_SECTIONS:
        section = getattr(profile, section_name)
        for name in type(section).model_fields:
            facts[f"{section_name}.{name}"] = getattr(section, name)
    revenue: dict[int, Decimal] = facts.get("scale.revenue_wan") or {}
    latest_year = max(revenue) if revenue else None
    facts["derived.latest_revenue_wan"] = revenue[latest_year] if latest_year is not None else None
    facts["derived.latest_revenue_growth_pct"] = (
        _growth_pct(revenue.get(latest_year - 1), revenue[latest_year]) if latest_year is not None else None
    )
    first = facts.get("scale.survey_first_year")
    facts["derived.survey_next_year_growth_pct"] = (
        _growth_pct(revenue.get(first), revenue.get(first + 1)) if first is not None else None
    )
    return facts


def format_answer(kind: str, options: dict[str, str], unit: str, value: Any) -> str:
    """An answer as a person reads it, by question type: 是, 国家级, 1,500万元, 400平方米, 2024年."""
    if value is None:
        return "未回答"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(options.get(str(v), str(v)) for v in value) if value else "无"
    if str(value) in options:
        return options[str(value)]
    if kind == "wan":
        return format_wan(wan_to_yuan(Decimal(value)))
    if kind == "area":
        return f"{int(value):,}平方米"
    if kind == "year":
        return f"{value}年"
    if isinstance(value, dict):
        return "；".join(f"{k}年 {format_wan(wan_to_yuan(Decimal(v)))}" for k, v in sorted(value.items()))
    return f"{value}{unit}"


# --- results ------------------------------------------------------------------------------


@dataclass
class Validity:
    state: str  # draft | expired | in_force | not_yet | unknown
    label: str
    warnings: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"state": self.state, "label": self.label, "warnings": self.warnings}


@dataclass
class NearMiss:
    condition: str
    fact: str
    actual: Any
    required: Any
    gap_text: str
    amount: AmountResult

    def to_json(self) -> dict[str, Any]:
        return {"condition": self.condition, "fact": self.fact, "gap": self.gap_text,
                "would_be": amount_json(self.amount)}


@dataclass
class MatchResult:
    measure: rm.Measure
    source: rm.Source
    status: str
    conditions: list[ConditionResult]
    amount: AmountResult
    missing: list[str]
    validity: Validity
    counted_in_total: bool = False
    count_note: str = ""
    near_miss: NearMiss | None = None

    @property
    def value_key(self) -> tuple[int, int, int]:
        """Sort key by estimated value: estimated amounts first (an unquantified
        ceiling is not an estimate), then total maximum, then total minimum."""
        high = self.amount.total_max_yuan
        low = self.amount.total_min_yuan
        estimated = self.amount.kind in ("exact", "range", "up_to")
        return (1 if estimated else 0, high if high is not None else -1, low if low is not None else -1)

    @property
    def failed(self) -> list[ConditionResult]:
        return [c for c in self.conditions if c.state == FAILED]


@dataclass
class ChecklistItem:
    material: rm.Material
    measures: list[str]
    ready: bool


@dataclass
class Totals:
    eligible_count: int
    possible_count: int
    ineligible_count: int
    eligible_min_yuan: int
    eligible_max_yuan: int
    possible_min_yuan: int
    possible_max_yuan: int
    not_counted: list[tuple[str, str]]
    notes: list[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "eligible": {"count": self.eligible_count, "min_yuan": self.eligible_min_yuan, "max_yuan": self.eligible_max_yuan},
            "possible": {"count": self.possible_count, "min_yuan": self.possible_min_yuan, "max_yuan": self.possible_max_yuan},
            "ineligible": {"count": self.ineligible_count},
            "not_counted": [{"measure_id": m, "reason": r} for m, r in self.not_counted],
            "notes": self.notes,
        }


@dataclass
class Assessment:
    as_of: _dt.date
    results: list[MatchResult]
    totals: Totals
    checklist: list[ChecklistItem] = field(default_factory=list)

    def by_status(self, status: str) -> list[MatchResult]:
        return [r for r in self.results if r.status == status]

    @property
    def notices(self) -> list[str]:
        """What every output states before its first figure: each warning about the
        status of a source the results rest on (draft, superseded, period ended), once."""
        seen: dict[str, None] = {}
        for r in self.results:
            if r.status == INELIGIBLE:
                continue
            for warning in r.validity.warnings:
                seen.setdefault(warning, None)
        return list(seen)

    @property
    def near_misses(self) -> list[MatchResult]:
        return [r for r in self.results if r.near_miss is not None]


# --- the engine ---------------------------------------------------------------------------


class Engine:
    """Matches profiles against one validated catalogue."""

    def __init__(self, catalogue: Catalogue):
        self.catalogue = catalogue
        self._conditions: dict[str, list[rm.Condition]] = {}
        self._amount_inputs: dict[str, tuple[str, ...]] = {}
        for measure in catalogue.measures:
            applicants = rm.Condition(
                label="申请主体为" + "或".join(APPLICANT_LABEL[a] for a in measure.applicants),
                fact="applicant.kind", op="in", value=list(measure.applicants),
            )
            common = catalogue.common.get(measure.document)
            self._conditions[measure.id] = [applicants, *(common.conditions if common else []), *measure.conditions]
            self._amount_inputs[measure.id] = tuple(
                i for f in amount_facts(measure.amount) for i in self.inputs_of(f)
            )
        # Everything below depends only on the rules: computed once so matching a profile
        # is lookups and comparisons (see advisor.conditions.CompiledCondition).
        self._options: dict[str, dict[str, str]] = {
            q.id: {o.value: o.label for o in q.options} for q in catalogue.questions.values()
        }
        self._compiled: dict[str, list[CompiledCondition]] = {
            mid: [CompiledCondition(c, self.show, self.inputs_of) for c in conditions]
            for mid, conditions in self._conditions.items()
        }
        self._validity: dict[tuple[str, _dt.date], tuple[str, str, tuple[str, ...]]] = {}

    # facts and their display

    def inputs_of(self, fact: str) -> tuple[str, ...]:
        """The answerable questions a fact comes from (a derived fact has several)."""
        derived = DERIVED_FACTS.get(fact)
        return derived[2] if derived else (fact,)

    def label(self, fact: str) -> str:
        return self.catalogue.fact_label(fact)

    def show(self, fact: str, value: Any) -> str:
        """A value as a person reads it: 400平方米, 1,500万元, 是, 国家级."""
        if value is None:
            return "未回答"
        question = self.catalogue.questions.get(fact)
        if question is None:
            unit = DERIVED_FACTS.get(fact, ("", "", ()))[1]
            if unit == "万元":
                return format_wan(wan_to_yuan(Decimal(value)))
            return f"{Decimal(value).normalize():f}{unit}" if isinstance(value, (int, Decimal)) else str(value)
        options = self._options[fact] if fact in self._options else {o.value: o.label for o in question.options}
        return format_answer(question.type, options, question.unit, value)

    # matching

    def validity(self, source: rm.Source, measure: rm.Measure, as_of: _dt.date) -> Validity:
        key = (measure.id, as_of)
        known = self._validity.get(key) if source is self.catalogue.sources.get(measure.document) else None
        if known is not None:
            return Validity(known[0], known[1], list(known[2]))
        result = self._compute_validity(source, measure, as_of)
        if source is self.catalogue.sources.get(measure.document) and len(self._validity) < 100_000:
            self._validity[key] = (result.state, result.label, tuple(result.warnings))
        return result

    def _compute_validity(self, source: rm.Source, measure: rm.Measure, as_of: _dt.date) -> Validity:
        warnings: list[str] = []
        state = "unknown"
        if source.period_end and as_of > source.period_end:
            state = "expired"
            warnings.append(f"文件期限已过：{source.dates_text}，按 {as_of.isoformat()} 计已到期")
        elif source.period_start and as_of < source.period_start:
            state = "not_yet"
            warnings.append(f"文件尚未开始实施：{source.dates_text}")
        elif source.period_start or source.period_end:
            state = "in_force"
        if source.is_draft:
            if state != "expired":
                state = "draft"
            warnings.append(f"{source.status}：尚未正式施行，条款和金额以正式发布的文件为准")
        label = {"draft": source.status, "expired": "已到期", "in_force": "有效期内",
                 "not_yet": "尚未施行", "unknown": source.status}[state]
        if measure.basis:
            # A national rule cited by a plan stays in force whatever the plan's own period.
            basis = measure.basis.split("：")[0].split("（")[0]
            warnings.append(f"所依据的国家规定（{basis}）独立有效，不随引用它的文件期限变化")
            state, label = "in_force", "国家规定有效" + ("（引用文件已到期）" if state == "expired" else "")
        return Validity(state, label, warnings)

    def shown(self, facts: dict[str, Any]) -> Any:
        """``show(fact, facts[fact])``, memoised for one set of facts."""
        memo: dict[str, str] = {}
        show = self.show

        def shown(fact: str) -> str:
            text = memo.get(fact)
            if text is None:
                text = memo[fact] = show(fact, facts.get(fact))
            return text
        return shown

    def evaluate_measure(self, measure: rm.Measure, facts: dict[str, Any], as_of: _dt.date, shown: Any = None) -> MatchResult:
        shown = shown or self.shown(facts)
        results = [c.evaluate(facts, shown) for c in self._compiled[measure.id]]
        states = {r.state for r in results}
        status = INELIGIBLE if FAILED in states else (POSSIBLE if UNKNOWN in states else ELIGIBLE)
        amount = compute_amount(measure, facts, self.label)
        if status != INELIGIBLE and amount.kind == "exact" and amount.max_yuan == 0 and not amount.later_yuan:
            # Nothing left to pay (tier already rewarded, tax burden under the line): not an application.
            results.append(ConditionResult("按条款计算可获金额大于 0", FAILED, f"按条款计算可获金额为 0：{amount.calculation}",
                                           facts=frozenset(i for f in amount_facts(measure.amount) for i in self.inputs_of(f))))
            status = INELIGIBLE
        missing: list[str] = []
        if status != INELIGIBLE:
            for r in results:
                missing.extend(m for m in r.missing if m not in missing)
            missing.extend(m for f in amount.missing for m in self.inputs_of(f) if m not in missing)
        source = self.catalogue.sources[measure.document]
        result = MatchResult(measure, source, status, results, amount, missing, self.validity(source, measure, as_of))
        if status == INELIGIBLE:
            result.near_miss = self._near_miss(measure, results, facts)
        return result

    def _near_miss(self, measure: rm.Measure, results: list[ConditionResult], facts: dict[str, Any]) -> NearMiss | None:
        failed = [r for r in results if r.state == FAILED]
        if len(failed) != 1 or failed[0].op not in NUMERIC_OPS or failed[0].fact is None:
            return None
        miss = failed[0]
        actual, required = Decimal(miss.actual), Decimal(miss.required)
        gap = abs(required - actual)
        what = "还差" if miss.op in ("ge", "gt") else "超出"
        gap_text = f"{miss.label}：现为 {self.show(miss.fact, miss.actual)}，要求 {self.show(miss.fact, miss.required)}，{what} {self.show(miss.fact, gap)}"
        if miss.op == "gt" or miss.op == "lt":
            gap_text += "（须超过界限）" if miss.op == "gt" else "（须低于界限）"
        unlocked = dict(facts)
        unlocked[miss.fact] = miss.required if not isinstance(miss.actual, int) else int(miss.required)
        return NearMiss(miss.label, miss.fact, miss.actual, miss.required, gap_text,
                        compute_amount(measure, unlocked, self.label))

    def match(self, profile: Profile, as_of: _dt.date | None = None) -> Assessment:
        """Rank every measure for this profile on the as-of date (default today)."""
        as_of = as_of or _dt.date.today()
        facts = profile_facts(profile)
        shown = self.shown(facts)
        results = [self.evaluate_measure(m, facts, as_of, shown) for m in self.catalogue.measures]
        totals = self._apply_stacking(results)
        results.sort(key=lambda r: (_STATUS_RANK[r.status], *(-v for v in r.value_key), r.measure.id))
        return Assessment(as_of, results, totals, self.checklist(results, profile))

    def _apply_stacking(self, results: list[MatchResult]) -> Totals:
        """Article 十九: within a same-kind group only the highest is counted."""
        best_in_group: dict[str, MatchResult] = {}
        for r in results:
            group = r.measure.exclusive_group
            if group is None or r.status == INELIGIBLE:
                continue
            current = best_in_group.get(group)
            if current is None or _group_rank(r) < _group_rank(current):
                best_in_group[group] = r
        not_counted: list[tuple[str, str]] = []
        sums = {ELIGIBLE: [0, 0], POSSIBLE: [0, 0]}
        for r in results:
            if r.status == INELIGIBLE:
                r.counted_in_total, r.count_note = False, "不符合条件"
                continue
            group = r.measure.exclusive_group
            if group is not None and best_in_group[group] is not r:
                best = best_in_group[group]
                r.counted_in_total = False
                r.count_note = (f"与“{best.measure.title}”属同类措施，按第十九条就高不就低，只计一项"
                                if r.measure.document == "gm-measures"
                                else f"与“{best.measure.title}”只能选择其一享受，只计一项")
            elif r.measure.category == "tax_incentive":
                r.counted_in_total = False
                r.count_note = "税收优惠，不计入资金合计"
            elif r.amount.kind == "unquantified":
                r.counted_in_total = False
                r.count_note = "原文未量化金额（未公布档位或比例），不计入合计"
            elif r.amount.total_max_yuan is None:
                r.counted_in_total = False
                r.count_note = {"case_by_case": "一事一议，无法估算", "not_published": "原文未公布金额",
                                "non_monetary": "非资金支持"}.get(r.amount.kind, "金额待定，未计入")
            else:
                r.counted_in_total = True
                r.count_note = "计入合计" if r.amount.kind == "exact" else "按区间计入合计"
                sums[r.status][0] += r.amount.total_min_yuan or 0
                sums[r.status][1] += r.amount.total_max_yuan or 0
            if not r.counted_in_total:
                not_counted.append((r.measure.id, r.count_note))
        notes = [
            "合计按各措施全部年度之和计算；只给出上限的措施按 0 至上限计入区间。",
            "一事一议、未公布金额、未量化金额、非资金支持和税收优惠不计入合计。",
            "光明区同类措施按第十九条就高不就低，同组只计最高的一项；资金受区经济发展专项资金年度总额控制。",
        ]
        return Totals(
            eligible_count=sum(r.status == ELIGIBLE for r in results),
            possible_count=sum(r.status == POSSIBLE for r in results),
            ineligible_count=sum(r.status == INELIGIBLE for r in results),
            eligible_min_yuan=sums[ELIGIBLE][0], eligible_max_yuan=sums[ELIGIBLE][1],
            possible_min_yuan=sums[POSSIBLE][0], possible_max_yuan=sums[POSSIBLE][1],
            not_counted=not_counted, notes=notes,
        )

    def checklist(self, results: Iterable[MatchResult], profile: Profile) -> list[ChecklistItem]:
        """Materials across eligible and possible measures, with the measures needing each."""
        needed: dict[str, list[str]] = {}
        for r in results:
            if r.status == INELIGIBLE:
                continue
            for material in r.measure.materials:
                needed.setdefault(material, []).append(r.measure.id)
        marks = profile.consultation.checklist
        order = list(self.catalogue.materials)
        return [
            ChecklistItem(self.catalogue.materials[m], ids, bool(marks.get(m, False)))
            for m, ids in sorted(needed.items(), key=lambda kv: order.index(kv[0]))
        ]

    # the questionnaire

    def relevant_questions(self, profile: Profile, as_of: _dt.date | None = None) -> list[str]:
        """Questions that still matter for this company, in catalogue order.

        A question matters while some measure that reads it is not already
        ruled out by another requirement; amount inputs matter while the
        measure is not ruled out at all.
        """
        facts = profile_facts(profile)
        wanted: set[str] = set(ALWAYS_ASKED)
        for measure in self.catalogue.measures:
            compiled = self._compiled[measure.id]
            failing = [c.facts for c in compiled if c.state(facts) == FAILED]
            if not failing:
                for c in compiled:
                    wanted.update(c.facts)
                wanted.update(self._amount_inputs[measure.id])
                continue
            shared = failing[0].intersection(*failing[1:])
            for c in compiled:
                wanted.update(c.facts & shared)
        for district, city in _CITY_OF.items():
            if district in wanted:
                wanted.add(city)
        wanted = _gated(self.catalogue.questions, facts, wanted)
        return [q for q in self.catalogue.questions if q in wanted]


def _gated(questions: dict[str, rm.Question], facts: dict[str, Any], wanted: set[str]) -> set[str]:
    """A wanted question's gate question is asked too; a gated question only once its
    gate is answered with one of the gate's values (unknown keeps it hidden).
    A question ``ask_with`` another is asked whenever that one is."""
    wanted = set(wanted) | {q for q, question in questions.items() if question.ask_with in wanted}
    pending = list(wanted)
    while pending:
        question = questions.get(pending.pop())
        gate = question.ask_if if question is not None else None
        if gate is not None and gate.question not in wanted:
            wanted.add(gate.question)
            pending.append(gate.question)

    def is_open(q: str, seen: frozenset[str] = frozenset()) -> bool:
        question = questions.get(q)
        gate = question.ask_if if question is not None else None
        if gate is None or q in seen:
            return gate is None
        return facts.get(gate.question) in gate.values and is_open(gate.question, seen | {q})

    return {q for q in wanted if is_open(q)}


def _group_rank(r: MatchResult) -> tuple[int, int, int, str]:
    """Which member of a same-kind group is "the highest": eligible before possible,
    then the larger certain amount (minimum), then the larger maximum."""
    low = r.amount.total_min_yuan if r.amount.total_min_yuan is not None else -1
    high = r.amount.total_max_yuan if r.amount.total_max_yuan is not None else -1
    return (_STATUS_RANK[r.status], -low, -high, r.measure.id)


# --- JSON contract ------------------------------------------------------------------------


def amount_json(amount: AmountResult) -> dict[str, Any]:
    return {
        "kind": amount.kind, "min_yuan": amount.min_yuan, "max_yuan": amount.max_yuan,
        "per_year": amount.per_year, "years": amount.years,
        "total_min_yuan": amount.total_min_yuan, "total_max_yuan": amount.total_max_yuan,
        "later_yuan": amount.later_yuan, "display": amount.display(), "calculation": amount.calculation,
    }


def result_json(r: MatchResult, engine: Engine) -> dict[str, Any]:
    m = r.measure
    return {
        "measure_id": m.id,
        "title": m.title,
        "source": source_json(m, r.source),
        "region": m.region,
        "category": m.category,
        "review": m.review,
        "status": r.status,
        "amount": amount_json(r.amount),
        "reasons": [c.to_json() for c in r.conditions],
        "missing": [{"question": q, "label": engine.label(q)} for q in r.missing],
        "materials": [{"id": mid, "name": engine.catalogue.materials[mid].name} for mid in m.materials],
        "exclusive_group": m.exclusive_group,
        "counted_in_total": r.counted_in_total,
        "count_note": r.count_note,
        "validity": r.validity.to_json(),
        "near_miss": r.near_miss.to_json() if r.near_miss else None,
        "notes": list(m.notes),
        "basis": m.basis or None,
    }


def source_json(measure: rm.Measure, source: rm.Source) -> dict[str, Any]:
    return {"document": source.id, "title": source.title, "article": measure.article, "quote": measure.quote}


def assessment_json(assessment: Assessment, engine: Engine) -> dict[str, Any]:
    return {
        "as_of": assessment.as_of.isoformat(),
        "results": [result_json(r, engine) for r in assessment.results],
        "totals": assessment.totals.to_json(),
        "checklist": [
            {"material_id": c.material.id, "name": c.material.name, "measures": c.measures, "ready": c.ready}
            for c in assessment.checklist
        ],
    }
