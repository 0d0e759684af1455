"""What matching produces: per-measure results, totals, the checklist and the assessment.

Plain data; ``advisor.json_contract`` writes it as JSON, ``advisor.report`` and the UI render it.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

from advisor import rule_model as rm
from advisor.amounts import AmountResult
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
    groups: list[GroupVerdict] = field(default_factory=list)  # same-kind groups: counted or not, and why
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
