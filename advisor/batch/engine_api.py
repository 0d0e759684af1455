"""What batch uses of the single-profile engine, in one place.

Batch decides statuses, amounts and who counts in a total with the engine's own compiled
conditions, amount functions and stacking rule; this module is the only place it reaches
for them, so the engine can change its inside without batch noticing.
"""

from __future__ import annotations

from advisor import rule_model as rm
from advisor.conditions import AS_OF_YEAR, FAILED, MET, UNKNOWN, CompiledCondition, compile_condition
from advisor.engine import Engine
from advisor.facts import derived_facts, profile_facts
from advisor.results import ELIGIBLE, INELIGIBLE, POSSIBLE, STATUS_LABEL, MatchResult
from advisor.stacking import apply_stacking as _stacking

__all__ = [
    "AS_OF_YEAR",
    "ELIGIBLE",
    "FAILED",
    "INELIGIBLE",
    "MET",
    "POSSIBLE",
    "STATUS_LABEL",
    "UNKNOWN",
    "CompiledCondition",
    "Engine",
    "MatchResult",
    "apply_stacking",
    "compile_condition",
    "compiled",
    "conditions",
    "derived_facts",
    "profile_facts",
]


def compiled(engine: Engine, measure_id: str) -> tuple[CompiledCondition, ...]:
    """The compiled top-level conditions of a measure, in the engine's order."""
    return engine.compiled(measure_id)


def conditions(engine: Engine, measure_id: str) -> tuple[rm.Condition, ...]:
    """The top-level conditions of a measure (applicant kind, shared, its own), as compiled."""
    return engine.conditions(measure_id)


def apply_stacking(engine: Engine, results: list[MatchResult]) -> None:
    """Mark who counts in the total: the engine's same-kind rule, on these results."""
    _stacking(results, engine.catalogue, engine.groups_of)
