"""What batch uses of the single-profile engine, in one place.

Batch decides statuses, amounts and who counts in a total with the engine's own compiled
conditions, amount functions and stacking rule; this module is the only place it reaches
for them, so the engine can change its inside without batch noticing.
"""

from __future__ import annotations

from advisor import rule_model as rm
from advisor.amounts import AmountResult
from advisor.conditions import AS_OF_YEAR, FAILED, MET, UNKNOWN, CompiledCondition, compile_condition
from advisor.engine import Engine, status_of
from advisor.facts import derived_fact_columns, derived_facts, profile_facts
from advisor.results import ELIGIBLE, INELIGIBLE, POSSIBLE, STATUS_LABEL
from advisor.stacking import counts_in_total, group_rank, take_highest

__all__ = [
    "AS_OF_YEAR",
    "ELIGIBLE",
    "FAILED",
    "INELIGIBLE",
    "MET",
    "POSSIBLE",
    "STATUS_LABEL",
    "UNKNOWN",
    "Candidate",
    "CompiledCondition",
    "Engine",
    "compile_condition",
    "compiled",
    "conditions",
    "counted_flags",
    "counts_in_total",
    "derived_fact_columns",
    "derived_facts",
    "group_rank",
    "profile_facts",
    "status_of",
]


def compiled(engine: Engine, measure_id: str) -> tuple[CompiledCondition, ...]:
    """The compiled top-level conditions of a measure, in the engine's order."""
    return engine.compiled(measure_id)


def conditions(engine: Engine, measure_id: str) -> tuple[rm.Condition, ...]:
    """The top-level conditions of a measure (applicant kind, shared, its own), as compiled."""
    return engine.conditions(measure_id)


class Candidate:
    """A measure's outcome for one company, as the same-kind rule reads it (no explanation)."""

    __slots__ = ("amount", "measure", "status")

    def __init__(self, measure: rm.Measure, status: str, amount: AmountResult):
        self.measure = measure
        self.status = status
        self.amount = amount


def counted_flags(engine: Engine, candidates: list[Candidate]) -> list[bool]:
    """Whether each outcome counts in the company's total: the engine's same-kind rule
    (``stacking.take_highest``) and what adds to a total (``stacking.counts_in_total``),
    the two halves of ``apply_stacking`` without its wording."""
    _, blocked = take_highest(candidates, engine.groups_of)
    return [id(c) not in blocked and counts_in_total(c) for c in candidates]
