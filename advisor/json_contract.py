"""The JSON contract: every result type as the JSON the README documents.

``advisor match --format json``, the exports and the batch's cross-checks all write through
these functions, so the shape lives in one place.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from advisor import rule_model as rm
from advisor.amounts import AmountResult
from advisor.conditions import ConditionResult
from advisor.results import Assessment, GroupVerdict, MatchResult, NearMiss, Totals, Validity

if TYPE_CHECKING:
    from advisor.engine import Engine
    from advisor.profile import Profile


def jsonable(value: Any) -> Any:
    """An answer or requirement as JSON: whole Decimals as integers, others as exact text."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    return value


def condition_json(c: ConditionResult) -> dict[str, Any]:
    return {
        "label": c.label,
        "state": c.state,
        "text": c.text,
        "fact": c.fact,
        "actual": jsonable(c.actual),
        "required": jsonable(c.required),
        "undecidable": c.undecidable,
    }


def validity_json(v: Validity) -> dict[str, Any]:
    return {"state": v.state, "label": v.label, "warnings": v.warnings}


def near_miss_json(n: NearMiss) -> dict[str, Any]:
    return {
        "kind": n.kind,
        "condition": n.condition,
        "fact": n.fact,
        "gap": n.gap_text,
        "formula": n.formula,
        "would_be": amount_json(n.amount),
    }


def totals_json(t: Totals) -> dict[str, Any]:
    return {
        "eligible": {
            "count": t.eligible_count,
            "min_yuan": t.eligible_min_yuan,
            "max_yuan": t.eligible_max_yuan,
        },
        "possible": {
            "count": t.possible_count,
            "min_yuan": t.possible_min_yuan,
            "max_yuan": t.possible_max_yuan,
        },
        "ineligible": {"count": t.ineligible_count},
        "not_counted": [{"measure_id": m, "reason": r} for m, r in t.not_counted],
        "notes": t.notes,
    }


def group_json(verdict: GroupVerdict) -> dict[str, Any]:
    group = verdict.group
    return {
        "id": group.id,
        "title": group.title,
        "article": group.article,
        "counted": verdict.counted,
        "why": verdict.why,
        "reasoning": group.reasoning,
    }


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
        "reasons": [condition_json(c) for c in r.conditions],
        "missing": [{"question": q, "label": engine.label(q)} for q in r.missing],
        "materials": [{"id": mid, "name": engine.catalogue.materials[mid].name} for mid in m.materials],
        "exclusive_group": r.groups[0].group.id if r.groups else None,
        "groups": [group_json(g) for g in r.groups],
        "counted_in_total": r.counted_in_total,
        "count_note": r.count_note,
        "interpretations": [interpretation_json(i) for i in engine.catalogue.interpretations_of(m)],
        "validity": validity_json(r.validity),
        "near_miss": near_miss_json(r.near_miss) if r.near_miss else None,
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
        "totals": totals_json(assessment.totals),
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


def document_text(assessment: Assessment, engine: Engine, profile: Profile) -> str:
    """The whole JSON document of one company's assessment (``advisor match --format json``)."""
    data = {"company": profile.identity.name, **assessment_json(assessment, engine)}
    return json.dumps(data, ensure_ascii=False, indent=2)
