"""How answers, amount formulas and a source's status read in Chinese.

One place for the wording a person sees: 是, 国家级, 1,500万元, 400平方米, 2024年; the
clause's formula ("按……的30%，最高200万元/年"); the statement that a text was superseded.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import ROUND_DOWN, Decimal
from typing import Any

from advisor import rule_model as rm
from advisor.money import format_wan, wan_to_yuan


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


def show_fact(question: rm.Question | None, options: dict[str, str] | None, unit: str, value: Any) -> str:
    """A fact's value as a person reads it. ``question`` is None for a derived fact, whose
    ``unit`` (万元, %) says how to show it; percentages are truncated, never rounded up
    past a threshold, and marked 约 when cut."""
    if value is None:
        return "未回答"
    if question is None:
        if unit == "万元":
            return format_wan(wan_to_yuan(Decimal(value)))
        if unit == "%" and isinstance(value, Decimal):
            shown = value.quantize(Decimal("0.0001"), rounding=ROUND_DOWN)
            return f"{'' if shown == value else '约'}{shown.normalize():f}%"
        return f"{Decimal(value).normalize():f}{unit}" if isinstance(value, (int, Decimal)) else str(value)
    if options is None:
        options = {o.value: o.label for o in question.options}
    return format_answer(question.type, options, question.unit, value)


def wan(value: Any) -> str:
    """A 万元 figure from a rule, formatted exactly."""
    return format_wan(wan_to_yuan(Decimal(value)))


def amount_formula(measure: rm.Measure, label: Callable[[str], str]) -> str:
    """What the clause pays, as a formula from the rule's own figures:
    "按向光明区内算力平台购买算力服务的费用的30%，最高200万元/年"."""
    a = measure.amount
    cap = ""
    if a.kind == "fixed":
        text = wan(a.value_wan)
    elif a.kind == "ceiling":
        text = f"{wan(a.min_wan)}–{wan(a.max_wan)}" if a.min_wan is not None else f"最高{wan(a.max_wan)}"
    elif a.kind == "ratio":
        text = f"按{label(a.base)}的{'不超过' if a.up_to else ''}{(a.rate * 100).normalize():f}%"
        cap = f"最高{wan(a.cap_wan)}" if a.cap_wan is not None else ""
    elif a.kind == "ratio_items":
        text = f"按每个项目的{'不超过' if a.up_to else ''}{(a.rate * 100).normalize():f}%"
        caps = [
            f"单项最高{wan(a.item_cap_wan)}" if a.item_cap_wan is not None else "",
            f"合计最高{wan(a.total_cap_wan)}" if a.total_cap_wan is not None else "",
        ]
        cap = "，".join(c for c in caps if c)
    elif a.kind == "per_unit":
        text = f"{Decimal(a.unit_rate_yuan).normalize():f}{a.unit_label}"
        cap = f"最高{wan(a.cap_wan)}" if a.cap_wan is not None else ""
    elif a.kind == "tiers":
        text = (
            "按" + label(a.fact) + "分档：" + "、".join(f"{wan(t.threshold_wan)}奖{wan(t.award_wan)}" for t in a.tiers)
        )
    elif a.kind == "table":
        text = "、".join(f"{e.label}{wan(e.award_wan)}" for e in a.entries)
    elif a.kind == "base_plus_step":
        text = f"达到{wan(a.threshold_wan)}奖{wan(a.base_wan)}，每增加{wan(a.step_wan)}再奖{wan(a.step_award_wan)}"
    elif a.kind == "staged":
        text = "、".join(f"{s.label}{wan(s.award_wan)}" for s in a.stages)
    elif a.kind == "unquantified":
        text = a.text + (f"，最高{wan(a.max_wan)}" if a.max_wan is not None else "")
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


BASIS_NOTICE = "所依据的国家规定"
_BASIS_TAIL = "独立有效，不随引用它的文件期限变化"
_BASIS_PATTERN = re.compile(f"{BASIS_NOTICE}（(.+)）{_BASIS_TAIL}")


def basis_statement(*rules: str) -> str:
    """That the national rules a measure rests on stay in force whatever the period of the
    plan citing them: "所依据的国家规定（财税〔2011〕100号）独立有效，……"."""
    return f"{BASIS_NOTICE}（{'、'.join(rules)}）{_BASIS_TAIL}"


def basis_cited(notice: str) -> str | None:
    """The rule a ``basis_statement`` of one rule names; None for any other notice."""
    found = _BASIS_PATTERN.fullmatch(notice)
    return found.group(1) if found else None
