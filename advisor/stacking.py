"""Totals under the same-kind rule (rules/groups.toml, e.g. 光明区措施第十九条: 同类…就高不就低).

Of the measures a company may get in one group only the highest counts; every member's result
says which group it is in and why it counts or not; the totals add what counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from advisor import rule_model as rm
from advisor.amounts import CASE_BY_CASE, EXACT, NON_MONETARY, NOT_PUBLISHED, UNQUANTIFIED, AmountResult
from advisor.catalogue import Catalogue
from advisor.results import ELIGIBLE, INELIGIBLE, POSSIBLE, STATUS_RANK, GroupVerdict, MatchResult, Totals

# How the tool counts (product wording, not policy wording: rules/vocabulary.toml holds that):
# why a result with no figure to add stays out of the totals, by amount kind.
TAX_CATEGORY: rm.Category = "tax_incentive"
TAX_NOTE = "税收优惠，不计入资金合计"
NOT_COUNTED = {
    UNQUANTIFIED: "原文未量化金额（未公布档位或比例），不计入合计",
    CASE_BY_CASE: "一事一议，无法估算",
    NOT_PUBLISHED: "原文未公布金额",
    NON_MONETARY: "非资金支持",
}
NO_FIGURE_YET = "金额待定，未计入"


def apply_stacking(
    results: list[MatchResult], catalogue: Catalogue, groups_of: Mapping[str, list[rm.SameKindGroup]] | None = None
) -> Totals:
    """Same-kind groups (rules/groups.toml, e.g. article 十九): of the measures a
    company may get in one group only the highest is counted.

    One rule for every group: the results are taken from the highest down
    (``group_rank``); a result is blocked when a higher one already taken shares a
    group with it. Every member's result names its groups and why it counts or not.
    ``groups_of`` (measure id → its groups) may be passed precomputed, as the engine does.
    """
    if groups_of is None:
        groups_of = {m.id: catalogue.groups_of(m.id) for m in catalogue.measures}
    assert catalogue.vocabulary is not None, "load_catalogue always reads rules/vocabulary.toml"
    wording = catalogue.vocabulary.same_kind
    taken, blocked = take_highest(results, groups_of)
    not_counted: list[tuple[str, str]] = []
    sums = {ELIGIBLE: [0, 0], POSSIBLE: [0, 0]}
    for r in results:
        groups = groups_of.get(r.measure.id, [])
        r.groups = []
        if r.status == INELIGIBLE:
            r.counted_in_total, r.count_note = False, "不符合条件"
            r.groups = [GroupVerdict(g, False, wording.ineligible) for g in groups]
            continue
        hit = blocked.get(id(r))
        if hit is not None:
            group, best = hit
            r.counted_in_total = False
            r.count_note = wording.blocked.format(
                best=best.measure.title, group=group.title, source=group_source(catalogue, group)
            )
        else:
            r.counted_in_total = counts_in_total(r)
            if r.measure.category == TAX_CATEGORY:
                r.count_note = TAX_NOTE
            elif r.amount.kind == UNQUANTIFIED:
                r.count_note = NOT_COUNTED[UNQUANTIFIED]
            elif not r.counted_in_total:
                r.count_note = NOT_COUNTED.get(r.amount.kind, NO_FIGURE_YET)
            else:
                r.count_note = "计入合计" if r.amount.kind == EXACT else "按区间计入合计"
                sums[r.status][0] += r.amount.total_min_yuan or 0
                sums[r.status][1] += r.amount.total_max_yuan or 0
        for g in groups:
            leader = taken.get(g.id)
            if leader is r:
                r.groups.append(GroupVerdict(g, True, wording.highest))
            else:
                why = wording.led_by.format(best=leader.measure.title) if leader else wording.not_chosen
                r.groups.append(GroupVerdict(g, False, why))
        if hit is None and groups and r.counted_in_total:
            r.count_note += "；" + "、".join(wording.counted.format(group=g.title) for g in groups)
        if not r.counted_in_total:
            not_counted.append((r.measure.id, r.count_note))
    notes = list(catalogue.vocabulary.totals.notes)
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


class Candidate(Protocol):
    """What the same-kind rule reads of a result (``MatchResult`` is one)."""

    @property
    def measure(self) -> rm.Measure: ...
    @property
    def status(self) -> str: ...
    @property
    def amount(self) -> AmountResult: ...


def take_highest(
    results: Sequence[Candidate], groups_of: Mapping[str, list[rm.SameKindGroup]]
) -> tuple[dict[str, Candidate], dict[int, tuple[rm.SameKindGroup, Candidate]]]:
    """The same-kind rule itself: results taken from the highest down (``group_rank``), each
    blocked when a higher one already taken shares a group with it. Returns (group id → the
    result that leads it, id(result) → (the group, the higher result) for each blocked one).
    Batch decides who counts through here too, without the wording."""
    taken: dict[str, Candidate] = {}
    blocked: dict[int, tuple[rm.SameKindGroup, Candidate]] = {}
    for r in sorted((r for r in results if r.status != INELIGIBLE), key=group_rank):
        groups = groups_of.get(r.measure.id, [])
        hit = next(((g, taken[g.id]) for g in groups if g.id in taken), None)
        if hit is not None:
            blocked[id(r)] = hit
        else:
            for g in groups:
                taken[g.id] = r
    return taken, blocked


def counts_in_total(r: Candidate) -> bool:
    """Whether a result not blocked by a higher one of its kind adds to the company's total:
    a figure to add, not a tax benefit, not an unquantified tier."""
    return (
        r.status != INELIGIBLE
        and r.measure.category != TAX_CATEGORY
        and r.amount.kind != UNQUANTIFIED
        and r.amount.total_max_yuan is not None
    )


def group_source(catalogue: Catalogue, group: rm.SameKindGroup) -> str:
    """Where a group's rule is written: "光明区AI软件措施第十九条"."""
    source = catalogue.sources.get(group.document)
    name = (source.short_title or source.title) if source else group.document
    return f"{name} {group.article}" if "（" in group.article else f"{name}第{group.article}条"


def group_rank(r: Candidate) -> tuple[int, int, int, str]:
    """Which member of a same-kind group is "the highest": eligible before possible,
    then the larger certain amount (minimum), then the larger maximum."""
    low = r.amount.total_min_yuan if r.amount.total_min_yuan is not None else -1
    high = r.amount.total_max_yuan if r.amount.total_max_yuan is not None else -1
    return (STATUS_RANK[r.status], -low, -high, r.measure.id)
