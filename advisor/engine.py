"""Matching a profile against the catalogue.

For each measure: eligible, possible (names the unanswered questions that
decide it) or ineligible (names the failed requirement with actual and
required values); its amount and calculation; whether it counts in the total
under article 十九's same-kind rule; its source's status on the as-of date.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from advisor import rule_model as rm
from advisor.amounts import EXACT, AmountResult, compute_amount
from advisor.catalogue import DERIVED_FACTS, Catalogue, amount_facts
from advisor.conditions import FAILED, UNKNOWN, CompiledCondition, ConditionResult
from advisor.display import amount_formula, basis_statement, show_fact, supersession_statement
from advisor.facts import profile_facts
from advisor.profile import Profile
from advisor.results import (
    ELIGIBLE,
    INELIGIBLE,
    POSSIBLE,
    STATUS_RANK,
    Assessment,
    ChecklistItem,
    MatchResult,
    NearMiss,
    Validity,
)
from advisor.stacking import apply_stacking

_CITY_OF = {
    "identity.registered_district": "identity.registered_city",
    "identity.tax_district": "identity.tax_city",
    "identity.stats_district": "identity.stats_city",
}
ALWAYS_ASKED = ("applicant.kind", "identity.name", "identity.credit_code")


# --- the engine ---------------------------------------------------------------------------


class Engine:
    """Matches profiles against one validated catalogue."""

    def __init__(self, catalogue: Catalogue):
        self.catalogue = catalogue
        if catalogue.vocabulary is None:
            raise ValueError("the catalogue has no vocabulary (rules/vocabulary.toml): load it with load_catalogue")
        self.vocabulary: rm.Vocabulary = catalogue.vocabulary
        applicant_label = self.vocabulary.applicants
        self._conditions: dict[str, list[rm.Condition]] = {}
        self._amount_inputs: dict[str, tuple[str, ...]] = {}
        for measure in catalogue.measures:
            # Made here from the validated measure's applicants, its shape fixed: constructed
            # without validating again (that would build Condition's own validator, ~1.5 ms,
            # for nothing: the rule files' conditions are validated inside their files' models).
            applicants = rm.Condition.model_construct(
                label="申请主体为" + "或".join(applicant_label[a] for a in measure.applicants),
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
        self._states: dict[str, tuple[Callable[[Mapping[str, Any]], str], ...]] = {
            mid: tuple(c.state for c in compiled) for mid, compiled in self._compiled.items()
        }
        # A measure's status straight from the states, stopping at the first failed one.
        self._status: dict[str, Callable[[Mapping[str, Any]], str]] = {
            mid: _status_function(states) for mid, states in self._states.items()
        }
        self._validity: dict[tuple[str, _dt.date], Validity] = {}
        # The amount of a measure whose amount reads no answer (a fixed sum, a ceiling, 一事一议 …)
        # is the same for every profile: computed once, then shared by every result, read-only.
        self._constant_amounts: dict[str, AmountResult] = {}
        self._interpretations: dict[str, list[rm.Interpretation]] = {
            m.id: catalogue.interpretations_of(m) for m in catalogue.measures
        }
        self._groups_of: dict[str, list[rm.SameKindGroup]] = {
            m.id: catalogue.groups_of(m.id) for m in catalogue.measures
        }
        # Per measure, in catalogue order, what matching reads: one tuple instead of five lookups.
        self._plan: list[_Planned] = [
            (m, self._status[m.id], catalogue.sources[m.document], self._interpretations[m.id])
            for m in catalogue.measures
        ]
        # Every measure's validity on an as-of date (a few dates per process: today, --as-of).
        self._validities: dict[_dt.date, list[Validity]] = {}
        self._material_order: dict[str, int] = {m: i for i, m in enumerate(catalogue.materials)}

    # the compiled rules, for callers that evaluate many profiles (batch)

    def conditions(self, measure_id: str) -> tuple[rm.Condition, ...]:
        """A measure's conditions as evaluated: applicant, the document's common ones, its own."""
        return tuple(self._conditions[measure_id])

    def compiled(self, measure_id: str) -> tuple[CompiledCondition, ...]:
        """The same conditions compiled, in the same order as ``conditions``."""
        return tuple(self._compiled[measure_id])

    def amount_inputs(self, measure_id: str) -> tuple[str, ...]:
        """The answerable questions a measure's amount reads."""
        return self._amount_inputs[measure_id]

    @property
    def groups_of(self) -> dict[str, list[rm.SameKindGroup]]:
        """Measure id → the same-kind groups it belongs to (for ``apply_stacking``)."""
        return self._groups_of

    # facts and their display

    def inputs_of(self, fact: str) -> tuple[str, ...]:
        """The answerable questions a fact comes from (a derived fact has several)."""
        derived = DERIVED_FACTS.get(fact)
        return derived[2] if derived else (fact,)

    def label(self, fact: str) -> str:
        return self.catalogue.fact_label(fact)

    def show(self, fact: str, value: Any) -> str:
        """A value as a person reads it: 400平方米, 1,500万元, 是, 国家级."""
        question = self.catalogue.questions.get(fact)
        unit = DERIVED_FACTS.get(fact, ("", "", ()))[1] if question is None else question.unit
        return show_fact(question, self._options.get(fact), unit, value)

    # matching

    def validity(self, source: rm.Source, measure: rm.Measure, as_of: _dt.date) -> Validity:
        """A measure's standing on the as-of date (kept per measure and date: it depends on
        the rules only; the same ``Validity`` is shared by every result, read-only)."""
        key = (measure.id, as_of)
        own = source is self.catalogue.sources.get(measure.document)
        known = self._validity.get(key) if own else None
        if known is not None:
            return known
        result = self._compute_validity(source, measure, as_of)
        if own and len(self._validity) < 100_000:
            self._validity[key] = result
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
            warnings.append(basis_statement(basis))
            state, label = "in_force", "国家规定有效" + ("（引用文件已到期）" if state == "expired" else "")
        return Validity(state, label, warnings)

    def shown(self, facts: Mapping[str, Any]) -> Callable[[str], str]:
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
        self,
        measure: rm.Measure,
        facts: Mapping[str, Any],
        as_of: _dt.date,
        shown: Callable[[str], str] | None = None,
    ) -> MatchResult:
        """One measure's verdict: status and amount now, the reasons on first read.

        The status comes from the compiled conditions' three-valued ``state`` (no text);
        ``conditions``, ``missing`` and ``near_miss`` of the result are written by an
        ``_Explanation`` when read, exactly as ``evaluate_measure_eagerly`` writes them; so
        ``facts`` must not be changed afterwards (``profile_facts`` makes a fresh dict).
        """
        source = self.catalogue.sources[measure.document]
        planned = (measure, self._status[measure.id], source, self._interpretations[measure.id])
        explanation = _Explanation(self, facts, shown or self.shown(facts))
        return self._verdict(planned, facts, explanation, self.validity(source, measure, as_of))

    def _verdict(
        self, planned: _Planned, facts: Mapping[str, Any], explanation: _Explanation, validity: Validity
    ) -> MatchResult:
        """``evaluate_measure`` from a measure's plan entry and its validity on the date."""
        measure, status_of, source, interpretations = planned
        status = status_of(facts)
        amount = self._constant_amounts.get(measure.id)
        if amount is None:
            amount = compute_amount(measure, facts, self.label)
            if not self._amount_inputs[measure.id]:
                self._constant_amounts[measure.id] = amount
        if status != INELIGIBLE and _nothing_to_pay(amount):
            status = INELIGIBLE
        return MatchResult.explained_later(measure, source, status, amount, validity, interpretations, explanation)

    def validities(self, as_of: _dt.date) -> list[Validity]:
        """Every measure's validity on the as-of date, in catalogue order (kept for a few dates)."""
        found = self._validities.get(as_of)
        if found is None:
            found = [self.validity(source, measure, as_of) for measure, _, source, _ in self._plan]
            if len(self._validities) < 64:
                self._validities[as_of] = found
        return found

    def evaluate_measure_eagerly(
        self,
        measure: rm.Measure,
        facts: Mapping[str, Any],
        as_of: _dt.date,
        shown: Callable[[str], str] | None = None,
    ) -> MatchResult:
        """The same verdict with every reason written first and the status read from
        them: the reference the lazy path is tested against (and benchmarked with)."""
        shown = shown or self.shown(facts)
        results = [c.evaluate(facts, shown) for c in self._compiled[measure.id]]
        status = status_of([r.state for r in results])
        amount = compute_amount(measure, facts, self.label)
        amount.calculation  # noqa: B018  # written now too, as before issue 9
        if status != INELIGIBLE and _nothing_to_pay(amount):
            results.append(self.nothing_to_pay_result(measure, amount))
            status = INELIGIBLE
        missing = self.missing_questions(results, amount) if status != INELIGIBLE else []
        source = self.catalogue.sources[measure.document]
        result = MatchResult(measure, source, status, results, amount, missing, self.validity(source, measure, as_of))
        result.interpretations = self._interpretations[measure.id]
        if status == INELIGIBLE:
            result.near_miss = self._near_miss(measure, [r for r in results if r.state == FAILED], facts)
        return result

    def nothing_to_pay_result(self, measure: rm.Measure, amount: AmountResult) -> ConditionResult:
        """The requirement a measure fails when its clause pays nothing (tier already
        rewarded, tax burden under the line): not an application."""
        return ConditionResult(
            "按条款计算可获金额大于 0",
            FAILED,
            f"按条款计算可获金额为 0：{amount.calculation}",
            facts=frozenset(self._amount_inputs[measure.id]),
        )

    def missing_questions(self, results: list[ConditionResult], amount: AmountResult) -> list[str]:
        """The unanswered questions behind a verdict, then those the amount still needs."""
        missing: list[str] = []
        for r in results:
            missing.extend(m for m in r.missing if m not in missing)
        missing.extend(m for f in amount.missing for m in self.inputs_of(f) if m not in missing)
        return missing

    def _near_miss(
        self, measure: rm.Measure, failed: list[ConditionResult], facts: Mapping[str, Any]
    ) -> NearMiss | None:
        """A gap worth naming, or a suggestion, when exactly one requirement failed.

        Only what the company itself can change counts: never who or where it is
        (applicant and identity answers), never a category it belongs to. A numeric
        "more than" gap is kept when it is at most the current value (reachable) and
        reaching it pays a nonzero amount; "more than 0" on something not yet done,
        and yes/no requirements, become suggestions with the clause's formula.
        """
        if len(failed) != 1:
            return None
        miss = failed[0]
        fact = miss.fact
        if fact is None:
            return None
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

    def match(self, profile: Profile, as_of: _dt.date | None = None, *, eager: bool = False) -> Assessment:
        """Rank every measure for this profile on the as-of date (default today).

        Reasons are written when first read (``eager`` writes them all first, as before
        issue 9: the reference for tests and benchmarks; what a person reads is the same)."""
        as_of = as_of or _dt.date.today()
        facts = profile_facts(profile, as_of)
        shown = self.shown(facts)
        if eager:
            results = [self.evaluate_measure_eagerly(m, facts, as_of, shown) for m in self.catalogue.measures]
        else:
            verdict = self._verdict
            explanation = _Explanation(self, facts, shown)
            results = [
                verdict(planned, facts, explanation, validity)
                for planned, validity in zip(self._plan, self.validities(as_of), strict=True)
            ]
        totals = apply_stacking(results, self.catalogue, self._groups_of)
        results.sort(key=_rank)
        marks = dict(profile.consultation.checklist)  # the marks as they are now
        if eager:
            return Assessment(as_of, results, totals, self._checklist(results, marks))
        ranked = list(results)
        return Assessment(as_of, results, totals, lambda: self._checklist(ranked, marks))

    def checklist(self, results: Iterable[MatchResult], profile: Profile) -> list[ChecklistItem]:
        """Materials across eligible and possible measures, with the measures needing each.

        Materials an eligible measure needs come first; those needed only by possible
        measures follow, marked ``for_eligible = False``. Catalogue order within each part.
        """
        return self._checklist(results, profile.consultation.checklist)

    def _checklist(self, results: Iterable[MatchResult], marks: Mapping[str, bool]) -> list[ChecklistItem]:
        needed: dict[str, list[MatchResult]] = {}
        for r in results:
            if r.status == INELIGIBLE:
                continue
            for material in r.measure.materials:
                needed.setdefault(material, []).append(r)
        order = self._material_order
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


#: A measure as matching reads it: the measure, its status function, its source, its interpretations.
_Planned = tuple[rm.Measure, Callable[[Mapping[str, Any]], str], rm.Source, list[rm.Interpretation]]


def _rank(r: MatchResult) -> tuple[int, int, int, int, str]:
    """Eligible, then possible, then ineligible; within each, by estimated value (``value_key``)."""
    estimated, high, low = r.value_key
    return (STATUS_RANK[r.status], -estimated, -high, -low, r.measure.id)


def _nothing_to_pay(amount: AmountResult) -> bool:
    return amount.kind == EXACT and amount.max_yuan == 0 and not amount.later_yuan


class _Explanation:
    """The reasons behind the verdicts of one match, written on first read (a ``MatchResult``
    asks, giving itself: its measure, status and amount).

    Holds what the statuses were decided on: the facts (``profile_facts`` copies lists and
    tables, answers are replaced rather than edited, so these stay the facts of this match).
    ``near_miss`` reads the conditions' states again and evaluates only the one failed
    requirement, when exactly one failed; ``conditions`` evaluates them all.
    """

    __slots__ = ("engine", "facts", "shown")

    def __init__(self, engine: Engine, facts: Mapping[str, Any], shown: Callable[[str], str]) -> None:
        self.engine = engine
        self.facts = facts
        self.shown = shown

    def _nothing_to_pay(self, result: MatchResult) -> bool:
        """Whether the result is ineligible only because its clause pays nothing (its
        conditions alone would not rule it out)."""
        return (
            result.status == INELIGIBLE
            and _nothing_to_pay(result.amount)
            and self.engine._status[result.measure.id](self.facts) != INELIGIBLE
        )

    def conditions(self, result: MatchResult) -> list[ConditionResult]:
        facts, shown = self.facts, self.shown
        results = [c.evaluate(facts, shown) for c in self.engine._compiled[result.measure.id]]
        if self._nothing_to_pay(result):
            results.append(self.engine.nothing_to_pay_result(result.measure, result.amount))
        return results

    def missing(self, result: MatchResult, conditions: list[ConditionResult]) -> list[str]:
        return [] if result.status == INELIGIBLE else self.engine.missing_questions(conditions, result.amount)

    def near_miss(self, result: MatchResult) -> NearMiss | None:
        if result.status != INELIGIBLE:
            return None
        # Nothing to pay fails a requirement on no fact (no condition failed): never a near miss.
        states = [state(self.facts) for state in self.engine._states[result.measure.id]]
        failed = [i for i, state in enumerate(states) if state == FAILED]
        if len(failed) != 1:
            return None
        condition = self.engine._compiled[result.measure.id][failed[0]]
        return self.engine._near_miss(result.measure, [condition.evaluate(self.facts, self.shown)], self.facts)


def _status_function(states: tuple[Callable[[Mapping[str, Any]], str], ...]) -> Callable[[Mapping[str, Any]], str]:
    """A measure's status (``status_of``) straight from its conditions' states, read in order
    up to the first failed one (the states after it cannot change the status)."""

    def status(facts: Mapping[str, Any]) -> str:
        return status_of(state(facts) for state in states)

    return status


def status_of(states: Iterable[str]) -> str:
    """A measure's status from its conditions' states, read in order: one failed rules it
    out (and decides it: the rest are not read), one undecided leaves it possible, all met
    make it eligible."""
    unknown = False
    for state in states:
        if state == FAILED:
            return INELIGIBLE
        if state == UNKNOWN:
            unknown = True
    return POSSIBLE if unknown else ELIGIBLE


#: Answers that say who or where the company is: not something to "nearly" reach.
_UNREACHABLE_SECTIONS = frozenset({"applicant", "identity"})


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
