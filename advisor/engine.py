"""Matching a profile against the catalogue.

For each measure: eligible, possible (names the unanswered questions that
decide it) or ineligible (names the failed requirement with actual and
required values); its amount and calculation; whether it counts in the total
under article 十九's same-kind rule; its source's status on the as-of date.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal, localcontext
from typing import Any

from advisor import rule_model as rm
from advisor.amounts import AmountResult, compute_amount
from advisor.catalogue import DERIVED_FACTS, Catalogue, amount_facts
from advisor.conditions import AS_OF_YEAR, FAILED, UNKNOWN, CompiledCondition, ConditionResult
from advisor.money import format_wan, wan_to_yuan
from advisor.profile import FACT_SECTIONS, Profile

ELIGIBLE, POSSIBLE, INELIGIBLE = "eligible", "possible", "ineligible"
STATUS_LABEL = {ELIGIBLE: "符合", POSSIBLE: "可能符合", INELIGIBLE: "不符合"}
_STATUS_RANK = {ELIGIBLE: 0, POSSIBLE: 1, INELIGIBLE: 2}
_CITY_OF = {
    "identity.registered_district": "identity.registered_city",
    "identity.tax_district": "identity.tax_city",
    "identity.stats_district": "identity.stats_city",
}
ALWAYS_ASKED = ("applicant.kind", "identity.name", "identity.credit_code")
APPLICANT_LABEL = {
    "enterprise": "企业",
    "park_operator": "园区运营单位",
    "event_organiser": "活动举办单位",
    "research_team": "科研团队",
}


# --- facts --------------------------------------------------------------------------------


def _growth_pct(previous: Decimal | None, current: Decimal | None) -> Decimal | None:
    """Growth in percent, not rounded: thresholds are compared with the exact value
    (+800元 on 1亿元 is 正增长; 9.996% is not 10%以上). Rounding is for display only."""
    if previous is None or current is None or previous <= 0:
        return None
    with localcontext() as context:
        context.prec = 60
        return (current - previous) * 100 / previous


def profile_facts(profile: Profile, as_of: _dt.date | None = None) -> dict[str, Any]:
    """Every answer of the profile by dotted path, plus the derived facts and the
    as-of year that time words (首次认定, 新落户 …) are compared with."""
    facts: dict[str, Any] = {AS_OF_YEAR: (as_of or _dt.date.today()).year}
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
    """What separates an ineligible measure from eligibility, when it means something.

    ``kind`` "gap": one numeric requirement not yet reached, reachable (the gap is at
    most the current value) and worth a nonzero amount once reached; ``gap_text`` reads
    "租赁面积 400 → 500平方米". ``kind`` "suggestion": one yes/no requirement, or a
    "spend more than 0" one, the company could act on; ``formula`` says what the
    measure pays by its clause ("按……的30%，最高200万元/年").
    """

    condition: str
    fact: str
    actual: Any
    required: Any
    gap_text: str
    amount: AmountResult
    kind: str = "gap"  # gap | suggestion
    formula: str = ""

    @property
    def worth_yuan(self) -> int:
        """What reaching the requirement unlocks (total over all years), for ranking."""
        return self.amount.total_max_yuan or 0

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "condition": self.condition,
            "fact": self.fact,
            "gap": self.gap_text,
            "formula": self.formula,
            "would_be": amount_json(self.amount),
        }


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
    groups: list[dict[str, Any]] = field(default_factory=list)  # same-kind groups: counted or not, and why
    interpretations: list[rm.Interpretation] = field(default_factory=list)  # readings the figures rest on

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
    """One material, the measures that need it (ids and names), and the saved mark.

    ``for_eligible`` is true when an eligible measure needs it: such materials come
    first; the others serve only measures still possible, to prepare once confirmed.
    """

    material: rm.Material
    measures: list[str]
    ready: bool
    titles: list[str] = field(default_factory=list)
    for_eligible: bool = True
    eligible_titles: list[str] = field(default_factory=list)


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
            "eligible": {
                "count": self.eligible_count,
                "min_yuan": self.eligible_min_yuan,
                "max_yuan": self.eligible_max_yuan,
            },
            "possible": {
                "count": self.possible_count,
                "min_yuan": self.possible_min_yuan,
                "max_yuan": self.possible_max_yuan,
            },
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
        for r in self.results:  # a superseded text is said whatever the verdicts
            if r.source.superseded_by is not None:
                seen.setdefault(supersession_statement(r.source), None)
        for r in self.results:
            if r.status == INELIGIBLE:
                continue
            for warning in r.validity.warnings:
                seen.setdefault(warning, None)
        return list(seen)

    @property
    def near_misses(self) -> list[MatchResult]:
        """Reachable numeric gaps, ranked by what reaching them is worth."""
        found = [r for r in self.results if r.near_miss is not None and r.near_miss.kind == "gap"]
        return sorted(found, key=lambda r: -r.near_miss.worth_yuan)  # type: ignore[union-attr]

    @property
    def suggestions(self) -> list[MatchResult]:
        """Measures one yes/no or "spend more than 0" step away, by their ceiling."""
        found = [r for r in self.results if r.near_miss is not None and r.near_miss.kind == "suggestion"]
        return sorted(found, key=lambda r: -r.near_miss.worth_yuan)  # type: ignore[union-attr]


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
                fact="applicant.kind",
                op="in",
                value=list(measure.applicants),
            )
            common = catalogue.common.get(measure.document)
            shared = common.conditions if common and measure.id not in common.except_measures else []
            self._conditions[measure.id] = [applicants, *shared, *measure.conditions]
            self._amount_inputs[measure.id] = tuple(i for f in amount_facts(measure.amount) for i in self.inputs_of(f))
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
        self._interpretations: dict[str, list[rm.Interpretation]] = {
            m.id: catalogue.interpretations_of(m) for m in catalogue.measures
        }
        self._groups_of: dict[str, list[rm.SameKindGroup]] = {
            m.id: catalogue.groups_of(m.id) for m in catalogue.measures
        }

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
            if unit == "%" and isinstance(value, Decimal):
                shown = value.quantize(Decimal("0.0001"), rounding=ROUND_DOWN)  # never rounds up past a threshold
                return f"{'' if shown == value else '约'}{shown.normalize():f}%"
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
        if source.superseded_by is not None:
            warnings.append(supersession_statement(source))
        if source.is_draft:
            if state != "expired":
                state = "draft"
            if source.superseded_by is None:
                warnings.append(f"{source.status}：尚未正式施行，条款和金额以正式发布的文件为准")
        label = {
            "draft": source.status,
            "expired": "已到期",
            "in_force": "有效期内",
            "not_yet": "尚未施行",
            "unknown": source.status,
        }[state]
        if source.superseded_by is not None:
            label += f"（已被{source.superseded_by.number or '正式文件'}取代）"
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

    def evaluate_measure(
        self, measure: rm.Measure, facts: dict[str, Any], as_of: _dt.date, shown: Any = None
    ) -> MatchResult:
        shown = shown or self.shown(facts)
        results = [c.evaluate(facts, shown) for c in self._compiled[measure.id]]
        states = {r.state for r in results}
        status = INELIGIBLE if FAILED in states else (POSSIBLE if UNKNOWN in states else ELIGIBLE)
        amount = compute_amount(measure, facts, self.label)
        if status != INELIGIBLE and amount.kind == "exact" and amount.max_yuan == 0 and not amount.later_yuan:
            # Nothing left to pay (tier already rewarded, tax burden under the line): not an application.
            results.append(
                ConditionResult(
                    "按条款计算可获金额大于 0",
                    FAILED,
                    f"按条款计算可获金额为 0：{amount.calculation}",
                    facts=frozenset(i for f in amount_facts(measure.amount) for i in self.inputs_of(f)),
                )
            )
            status = INELIGIBLE
        missing: list[str] = []
        if status != INELIGIBLE:
            for r in results:
                missing.extend(m for m in r.missing if m not in missing)
            missing.extend(m for f in amount.missing for m in self.inputs_of(f) if m not in missing)
        source = self.catalogue.sources[measure.document]
        result = MatchResult(measure, source, status, results, amount, missing, self.validity(source, measure, as_of))
        result.interpretations = self._interpretations[measure.id]
        if status == INELIGIBLE:
            result.near_miss = self._near_miss(measure, results, facts)
        return result

    def _near_miss(self, measure: rm.Measure, results: list[ConditionResult], facts: dict[str, Any]) -> NearMiss | None:
        """A gap worth naming, or a suggestion, when exactly one requirement failed.

        Only what the company itself can change counts: never who or where it is
        (applicant and identity answers), never a category it belongs to. A numeric
        "more than" gap is kept when it is at most the current value (reachable) and
        reaching it pays a nonzero amount; "more than 0" on something not yet done,
        and yes/no requirements, become suggestions with the clause's formula.
        """
        failed = [r for r in results if r.state == FAILED]
        if len(failed) != 1 or failed[0].fact is None:
            return None
        miss = failed[0]
        fact = miss.fact
        if fact.split(".")[0] in _UNREACHABLE_SECTIONS:
            return None
        formula = amount_formula(measure, self.label)
        if miss.op in ("is_true", "is_false"):
            unlocked = dict(facts)
            unlocked[fact] = miss.op == "is_true"
            return NearMiss(
                miss.label,
                fact,
                miss.actual,
                miss.op == "is_true",
                miss.label,
                compute_amount(measure, unlocked, self.label),
                "suggestion",
                formula,
            )
        if miss.op not in ("ge", "gt") or miss.actual is None or miss.required is None:
            return None
        try:
            actual, required = Decimal(miss.actual), Decimal(miss.required)
        except (ArithmeticError, TypeError, ValueError):
            return None
        if required <= 0 or actual <= 0:
            # "spend more than 0" (or nothing done yet): an action to consider, not a gap.
            return NearMiss(
                miss.label,
                fact,
                miss.actual,
                miss.required,
                miss.label,
                compute_amount(measure, facts, self.label),
                "suggestion",
                formula,
            )
        if required - actual > actual:
            return None  # more than doubling is not "nearly"
        target: Any = required if not isinstance(miss.actual, int) else int(required)
        if miss.op == "gt":
            return None  # "more than X" has no single value to reach; the text names none
        unlocked = dict(facts)
        unlocked[fact] = target
        amount = compute_amount(measure, unlocked, self.label)
        if not amount.total_max_yuan:
            return None
        gap_text = f"{self.label(fact)} {self.show(fact, miss.actual)} → {self.show(fact, target)}"
        return NearMiss(miss.label, fact, miss.actual, target, gap_text, amount, "gap", formula)

    def match(self, profile: Profile, as_of: _dt.date | None = None) -> Assessment:
        """Rank every measure for this profile on the as-of date (default today)."""
        as_of = as_of or _dt.date.today()
        facts = profile_facts(profile, as_of)
        shown = self.shown(facts)
        results = [self.evaluate_measure(m, facts, as_of, shown) for m in self.catalogue.measures]
        totals = self._apply_stacking(results)
        results.sort(key=lambda r: (_STATUS_RANK[r.status], *(-v for v in r.value_key), r.measure.id))
        return Assessment(as_of, results, totals, self.checklist(results, profile))

    def _apply_stacking(self, results: list[MatchResult]) -> Totals:
        """Same-kind groups (rules/groups.toml, e.g. article 十九): of the measures a
        company may get in one group only the highest is counted.

        One rule for every group: the results are taken from the highest down
        (``_group_rank``); a result is blocked when a higher one already taken shares a
        group with it. Every member's result names its groups and why it counts or not.
        """
        taken: dict[str, MatchResult] = {}
        blocked: dict[int, tuple[rm.SameKindGroup, MatchResult]] = {}
        for r in sorted((r for r in results if r.status != INELIGIBLE), key=_group_rank):
            groups = self._groups_of.get(r.measure.id, [])
            hit = next(((g, taken[g.id]) for g in groups if g.id in taken), None)
            if hit is not None:
                blocked[id(r)] = hit
            else:
                for g in groups:
                    taken[g.id] = r
        not_counted: list[tuple[str, str]] = []
        sums = {ELIGIBLE: [0, 0], POSSIBLE: [0, 0]}
        for r in results:
            groups = self._groups_of.get(r.measure.id, [])
            r.groups = []
            if r.status == INELIGIBLE:
                r.counted_in_total, r.count_note = False, "不符合条件"
                r.groups = [_group_json(g, False, "本项不符合条件，不参与同类比较") for g in groups]
                continue
            hit = blocked.get(id(r))
            if hit is not None:
                group, best = hit
                r.counted_in_total = False
                r.count_note = (
                    f"与“{best.measure.title}”同属同类组“{group.title}”（{self._group_source(group)}）："
                    f"只享受其一，按就高不就低计“{best.measure.title}”，本项不计入合计"
                )
            elif r.measure.category == "tax_incentive":
                r.counted_in_total = False
                r.count_note = "税收优惠，不计入资金合计"
            elif r.amount.kind == "unquantified":
                r.counted_in_total = False
                r.count_note = "原文未量化金额（未公布档位或比例），不计入合计"
            elif r.amount.total_max_yuan is None:
                r.counted_in_total = False
                r.count_note = {
                    "case_by_case": "一事一议，无法估算",
                    "not_published": "原文未公布金额",
                    "non_monetary": "非资金支持",
                }.get(r.amount.kind, "金额待定，未计入")
            else:
                r.counted_in_total = True
                r.count_note = "计入合计" if r.amount.kind == "exact" else "按区间计入合计"
                sums[r.status][0] += r.amount.total_min_yuan or 0
                sums[r.status][1] += r.amount.total_max_yuan or 0
            for g in groups:
                best = taken.get(g.id)
                if best is r:
                    why = "本项为该组中可获得的最高一项，按就高不就低以本项为准"
                    r.groups.append(_group_json(g, True, why))
                else:
                    why = (
                        f"同组以“{best.measure.title}”为准（就高不就低），本项不重复计"
                        if best
                        else "同组比较未选中本项"
                    )
                    r.groups.append(_group_json(g, False, why))
            if hit is None and groups and r.counted_in_total:
                r.count_note += "；" + "、".join(f"同类组“{g.title}”中本项最高" for g in groups)
            if not r.counted_in_total:
                not_counted.append((r.measure.id, r.count_note))
        notes = [
            "合计按各措施全部年度之和计算；只给出上限的措施按 0 至上限计入区间。",
            "一事一议、未公布金额、未量化金额、非资金支持和税收优惠不计入合计。",
            "同类措施（rules/groups.toml，如光明区措施第十九条）就高不就低，同组只计最高的一项；光明区资金受区经济发展专项资金年度总额控制。",
        ]
        return Totals(
            eligible_count=sum(r.status == ELIGIBLE for r in results),
            possible_count=sum(r.status == POSSIBLE for r in results),
            ineligible_count=sum(r.status == INELIGIBLE for r in results),
            eligible_min_yuan=sums[ELIGIBLE][0],
            eligible_max_yuan=sums[ELIGIBLE][1],
            possible_min_yuan=sums[POSSIBLE][0],
            possible_max_yuan=sums[POSSIBLE][1],
            not_counted=not_counted,
            notes=notes,
        )

    def _group_source(self, group: rm.SameKindGroup) -> str:
        source = self.catalogue.sources.get(group.document)
        name = (source.short_title or source.title) if source else group.document
        return f"{name} {group.article}" if "（" in group.article else f"{name}第{group.article}条"

    def checklist(self, results: Iterable[MatchResult], profile: Profile) -> list[ChecklistItem]:
        """Materials across eligible and possible measures, with the measures needing each.

        Materials an eligible measure needs come first; those needed only by possible
        measures follow, marked ``for_eligible = False``. Catalogue order within each part.
        """
        needed: dict[str, list[MatchResult]] = {}
        for r in results:
            if r.status == INELIGIBLE:
                continue
            for material in r.measure.materials:
                needed.setdefault(material, []).append(r)
        marks = profile.consultation.checklist
        order = {m: i for i, m in enumerate(self.catalogue.materials)}
        items = []
        for m, rs in needed.items():
            eligible = [r.measure.title for r in rs if r.status == ELIGIBLE]
            items.append(
                ChecklistItem(
                    self.catalogue.materials[m],
                    [r.measure.id for r in rs],
                    bool(marks.get(m, False)),
                    titles=[r.measure.title for r in rs],
                    for_eligible=bool(eligible),
                    eligible_titles=eligible,
                )
            )
        items.sort(key=lambda item: (not item.for_eligible, order.get(item.material.id, len(order))))
        return items

    # the questionnaire

    def relevant_questions(self, profile: Profile, as_of: _dt.date | None = None) -> list[str]:
        """Questions that still matter for this company, in catalogue order.

        A question matters while some measure that reads it is not already
        ruled out by another requirement; amount inputs matter while the
        measure is not ruled out at all.
        """
        facts = profile_facts(profile, as_of)
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


#: Answers that say who or where the company is: not something to "nearly" reach.
_UNREACHABLE_SECTIONS = frozenset({"applicant", "identity"})


def _wan(value: Any) -> str:
    return format_wan(wan_to_yuan(Decimal(value)))


def amount_formula(measure: rm.Measure, label: Any) -> str:
    """What the clause pays, as a formula from the rule's own figures:
    "按向光明区内算力平台购买算力服务的费用的30%，最高200万元/年"."""
    a = measure.amount
    cap = ""
    if a.kind == "fixed":
        text = _wan(a.value_wan)
    elif a.kind == "ceiling":
        text = f"{_wan(a.min_wan)}–{_wan(a.max_wan)}" if a.min_wan is not None else f"最高{_wan(a.max_wan)}"
    elif a.kind == "ratio":
        text = f"按{label(a.base)}的{'不超过' if a.up_to else ''}{(a.rate * 100).normalize():f}%"
        cap = f"最高{_wan(a.cap_wan)}" if a.cap_wan is not None else ""
    elif a.kind == "ratio_items":
        text = f"按每个项目的{'不超过' if a.up_to else ''}{(a.rate * 100).normalize():f}%"
        caps = [
            f"单项最高{_wan(a.item_cap_wan)}" if a.item_cap_wan is not None else "",
            f"合计最高{_wan(a.total_cap_wan)}" if a.total_cap_wan is not None else "",
        ]
        cap = "，".join(c for c in caps if c)
    elif a.kind == "per_unit":
        text = f"{Decimal(a.unit_rate_yuan).normalize():f}{a.unit_label}"
        cap = f"最高{_wan(a.cap_wan)}" if a.cap_wan is not None else ""
    elif a.kind == "tiers":
        text = (
            "按"
            + label(a.fact)
            + "分档："
            + "、".join(f"{_wan(t.threshold_wan)}奖{_wan(t.award_wan)}" for t in a.tiers)
        )
    elif a.kind == "table":
        text = "、".join(f"{e.label}{_wan(e.award_wan)}" for e in a.entries)
    elif a.kind == "base_plus_step":
        text = f"达到{_wan(a.threshold_wan)}奖{_wan(a.base_wan)}，每增加{_wan(a.step_wan)}再奖{_wan(a.step_award_wan)}"
    elif a.kind == "staged":
        text = "、".join(f"{s.label}{_wan(s.award_wan)}" for s in a.stages)
    elif a.kind == "unquantified":
        text = a.text + (f"，最高{_wan(a.max_wan)}" if a.max_wan is not None else "")
    else:
        text = getattr(a, "text", "")
    if measure.duration.per_year:
        if cap:
            cap += "/年"
        else:
            text += "/年"
    out = "，".join(t for t in (text, cap) if t)
    if measure.duration.text:
        out += f"（{measure.duration.text}）"
    return out


def _group_json(group: rm.SameKindGroup, counted: bool, why: str) -> dict[str, Any]:
    return {
        "id": group.id,
        "title": group.title,
        "article": group.article,
        "counted": counted,
        "why": why,
        "reasoning": group.reasoning,
    }


def supersession_statement(source: rm.Source) -> str:
    """What every output says before its first figure about a text replaced by a later one."""
    later = source.superseded_by
    assert later is not None
    number = f"（{later.number}）" if later.number else ""
    examples = "；".join(d.text for d in later.differences[:2])
    text = (
        f"本工具的金额按《{source.title}》计算；该文件已被{later.issued}印发的正式文件{later.title}{number}取代，"
        f"正式文件的条款和金额可能不同"
    )
    if examples:
        text += f"（例如：{examples}）"
    return text + "；请按正式文件和当年申请指南申报，本工具的估算仅供参考"


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
        "kind": amount.kind,
        "min_yuan": amount.min_yuan,
        "max_yuan": amount.max_yuan,
        "per_year": amount.per_year,
        "years": amount.years,
        "total_min_yuan": amount.total_min_yuan,
        "total_max_yuan": amount.total_max_yuan,
        "later_yuan": amount.later_yuan,
        "display": amount.display(),
        "calculation": amount.calculation,
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
        "exclusive_group": r.groups[0]["id"] if r.groups else None,
        "groups": r.groups,
        "counted_in_total": r.counted_in_total,
        "count_note": r.count_note,
        "interpretations": [interpretation_json(i) for i in engine.catalogue.interpretations_of(m)],
        "validity": r.validity.to_json(),
        "near_miss": r.near_miss.to_json() if r.near_miss else None,
        "notes": list(m.notes),
        "basis": m.basis or None,
    }


def interpretation_json(entry: rm.Interpretation) -> dict[str, Any]:
    return {
        "id": entry.id,
        "title": entry.title,
        "article": entry.article,
        "clause": entry.clause,
        "readings": list(entry.readings),
        "chosen": entry.chosen,
        "why": entry.why,
        "effect": entry.effect,
    }


def source_json(measure: rm.Measure, source: rm.Source) -> dict[str, Any]:
    return {"document": source.id, "title": source.title, "article": measure.article, "quote": measure.quote}


def assessment_json(assessment: Assessment, engine: Engine) -> dict[str, Any]:
    return {
        "as_of": assessment.as_of.isoformat(),
        "notices": assessment.notices,
        "results": [result_json(r, engine) for r in assessment.results],
        "totals": assessment.totals.to_json(),
        "checklist": [
            {
                "material_id": c.material.id,
                "name": c.material.name,
                "measures": c.measures,
                "ready": c.ready,
                "measure_titles": c.titles,
                "for_eligible": c.for_eligible,
            }
            for c in assessment.checklist
        ],
    }
