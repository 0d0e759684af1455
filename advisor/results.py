"""What matching produces: per-measure results, totals, the checklist and the assessment.

Plain data; ``advisor.json_contract`` writes it as JSON, ``advisor.report`` and the UI render it.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from advisor import rule_model as rm
from advisor.amounts import ESTIMATED_KINDS, AmountResult
from advisor.conditions import FAILED, ConditionResult
from advisor.display import supersession_statement

ELIGIBLE, POSSIBLE, INELIGIBLE = "eligible", "possible", "ineligible"
STATUS_LABEL = {ELIGIBLE: "符合", POSSIBLE: "可能符合", INELIGIBLE: "不符合"}
STATUS_RANK = {ELIGIBLE: 0, POSSIBLE: 1, INELIGIBLE: 2}


@dataclass
class Validity:
    state: str  # draft | expired | in_force | not_yet | unknown
    label: str
    warnings: list[str]


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


@dataclass
class GroupVerdict:
    """One same-kind group a result belongs to: whether this result is the one counted, and why."""

    group: rm.SameKindGroup
    counted: bool
    why: str


class Explanation(Protocol):
    """What the verdicts of one match rest on, built on first read (issue 9): matching
    decides statuses and amounts from the compiled conditions' three-valued states; the
    Chinese reasons, the questions still to answer and the near miss of a result are only
    written when someone reads them. One explanation serves every result of a match (it
    holds the facts; a result gives its measure, status and amount). ``advisor.engine``
    provides the one implementation."""

    def conditions(self, result: MatchResult) -> list[ConditionResult]:
        """Every requirement checked, with its reason text, in rule order."""
        ...

    def missing(self, result: MatchResult, conditions: list[ConditionResult]) -> list[str]:
        """The unanswered questions that decide the verdict or sharpen the amount."""
        ...

    def near_miss(self, result: MatchResult) -> NearMiss | None:
        """What separates an ineligible measure from eligibility, when it means something."""
        ...


class MatchResult:
    """One measure's verdict for one profile: status, amount, validity and totals flag at
    once; ``conditions``, ``missing`` and ``near_miss`` either given or, with an
    ``explanation``, built on first read and kept (from the facts the status was decided on:
    ``profile_facts`` copies the profile's lists and tables, answers are replaced, not edited).
    """

    __slots__ = (
        "_conditions",
        "_explanation",
        "_missing",
        "_near_miss",
        "amount",
        "count_note",
        "counted_in_total",
        "groups",
        "interpretations",
        "measure",
        "source",
        "status",
        "validity",
    )

    def __init__(
        self,
        measure: rm.Measure,
        source: rm.Source,
        status: str,
        conditions: list[ConditionResult] | None,
        amount: AmountResult,
        missing: list[str] | None,
        validity: Validity,
        counted_in_total: bool = False,
        count_note: str = "",
        near_miss: NearMiss | None = None,
        groups: list[GroupVerdict] | None = None,  # same-kind groups: counted or not, and why
        interpretations: list[rm.Interpretation] | None = None,  # readings the figures rest on
        *,
        explanation: Explanation | None = None,
    ) -> None:
        self.measure = measure
        self.source = source
        self.status = status
        self.amount = amount
        self.validity = validity
        self.counted_in_total = counted_in_total
        self.count_note = count_note
        self.groups: list[GroupVerdict] = groups if groups is not None else []
        self.interpretations: list[rm.Interpretation] = interpretations if interpretations is not None else []
        self._explanation = explanation
        self._conditions = conditions if conditions is not None or explanation is not None else []
        self._missing = missing if missing is not None or explanation is not None else []
        self._near_miss: object = _UNREAD if explanation is not None else near_miss

    @classmethod
    def explained_later(
        cls,
        measure: rm.Measure,
        source: rm.Source,
        status: str,
        amount: AmountResult,
        validity: Validity,
        interpretations: list[rm.Interpretation],
        explanation: Explanation,
    ) -> MatchResult:
        """A verdict whose conditions, missing questions and near miss ``explanation``
        writes on first read: what ``MatchResult(..., explanation=...)`` makes, for the
        engine's loop (one per measure and match, so the shortest way there)."""
        result = cls.__new__(cls)
        result.measure = measure
        result.source = source
        result.status = status
        result.amount = amount
        result.validity = validity
        result.counted_in_total = False
        result.count_note = ""
        result.groups = []
        result.interpretations = interpretations
        result._explanation = explanation
        result._conditions = result._missing = None
        result._near_miss = _UNREAD
        return result

    @property
    def conditions(self) -> list[ConditionResult]:
        """Every requirement checked against the profile, with its reason, in rule order."""
        if self._conditions is None:
            assert self._explanation is not None
            self._conditions = self._explanation.conditions(self)
        return self._conditions

    @conditions.setter
    def conditions(self, value: list[ConditionResult]) -> None:
        self._conditions = value

    @property
    def missing(self) -> list[str]:
        """Questions that decide a possible verdict or sharpen the amount (none when ineligible)."""
        if self._missing is None:
            assert self._explanation is not None
            self._missing = self._explanation.missing(self, self.conditions)
        return self._missing

    @missing.setter
    def missing(self, value: list[str]) -> None:
        self._missing = value

    @property
    def near_miss(self) -> NearMiss | None:
        """For an ineligible measure: a reachable gap or a suggestion, else None."""
        if self._near_miss is _UNREAD:
            assert self._explanation is not None
            self._near_miss = self._explanation.near_miss(self)
        return self._near_miss  # type: ignore[return-value]

    @near_miss.setter
    def near_miss(self, value: NearMiss | None) -> None:
        self._near_miss = value

    def _fields(self) -> tuple[Any, ...]:
        return (
            self.measure,
            self.source,
            self.status,
            self.conditions,
            self.amount,
            self.missing,
            self.validity,
            self.counted_in_total,
            self.count_note,
            self.near_miss,
            self.groups,
            self.interpretations,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MatchResult):
            return NotImplemented
        return self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dataclass it replaced

    def __repr__(self) -> str:
        return f"MatchResult(measure={self.measure.id!r}, status={self.status!r}, amount={self.amount!r})"

    @property
    def value_key(self) -> tuple[int, int, int]:
        """Sort key by estimated value: estimated amounts first (an unquantified
        ceiling is not an estimate), then total maximum, then total minimum."""
        high = self.amount.total_max_yuan
        low = self.amount.total_min_yuan
        estimated = self.amount.kind in ESTIMATED_KINDS
        return (1 if estimated else 0, high if high is not None else -1, low if low is not None else -1)

    @property
    def failed(self) -> list[ConditionResult]:
        return [c for c in self.conditions if c.state == FAILED]


#: ``MatchResult.near_miss`` not yet worked out.
_UNREAD = object()


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


class Assessment:
    """One profile's match on a date: ranked results, totals and the materials checklist.

    ``checklist`` may be given as a function that builds it (from the results and the
    checklist marks as they were at the match): it is then built on first read and kept.
    """

    __slots__ = ("_checklist", "as_of", "results", "totals")

    def __init__(
        self,
        as_of: _dt.date,
        results: list[MatchResult],
        totals: Totals,
        checklist: list[ChecklistItem] | Callable[[], list[ChecklistItem]] | None = None,
    ) -> None:
        self.as_of = as_of
        self.results = results
        self.totals = totals
        self._checklist = checklist if checklist is not None else []

    @property
    def checklist(self) -> list[ChecklistItem]:
        """Materials across eligible and possible measures (``Engine.checklist``)."""
        items = self._checklist
        if callable(items):
            items = self._checklist = items()
        return items

    @checklist.setter
    def checklist(self, value: list[ChecklistItem]) -> None:
        self._checklist = value

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Assessment):
            return NotImplemented
        mine = (self.as_of, self.results, self.totals, self.checklist)
        return mine == (other.as_of, other.results, other.totals, other.checklist)

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dataclass it replaced

    def __repr__(self) -> str:
        return f"Assessment(as_of={self.as_of!r}, results={self.results!r}, totals={self.totals!r})"

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
