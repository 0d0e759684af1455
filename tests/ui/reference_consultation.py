"""The reference consultation of issue 11, as the keys a desk officer presses.

A 光明区 AI software company, 规模以上, revenue 2024 8,000万 / 2025 1.3亿, just
moved into a specialised AI park renting 1,200 m² at 80 元/m²/月, a 市级科技计划
grant of 800万, bank-loan interest 60万 a year, 专精特新“小巨人” recognised this
year, no events, no listing plans, no VC. Used by the Pilot test and the tmux
end-to-end test; each step is (keys, text typed, what the screen shows after).
"""

from __future__ import annotations

NAME = "光明智算科技"

#: (key names pressed one by one, text typed character by character, text to wait for after)
STEPS: list[tuple[tuple[str, ...], str, str]] = [
    (("n",), "", "申请主体类型"),
    (("1",), "", "单位名称"),  # 企业 → moves on to 身份与所在地
    ((), NAME, ""),
    (("enter", "tab"), "", ""),  # past 统一社会信用代码 (not at hand)
    (("1",), "", "注册地所在区"),  # 深圳市
    (("9",), "", "光明区"),  # 光明区
    (("f3",), "", "同注册地"),  # 纳税地、统计地 = 注册地
    (("pagedown",), "", "所属行业"),
    (("1", "2"), "", ""),  # 人工智能, 软件和信息技术服务业
    (("pagedown",), "", "规模以上"),
    (("y",), "", ""),  # 规模以上
    (("tab",), "8000", ""),  # past 首次纳入一套表 to 2024年
    (("enter",), "1.3亿", ""),  # 2025年
    (("enter", "pagedown"), "", "专精特新"),
    (("tab", "tab", "y", "t"), "", ""),  # 小巨人: 是; 首次认定年份: t = 今年
    (("pagedown",), "", "获得资助的科技计划项目"),
    (("enter",), "", "█ 项目名称"),  # 添加: the dialog is open and its first field has focus
    (("tab", "3"), "", ""),  # 市级
    ((), "800", ""),
    (("enter", "pagedown"), "", "租用产业用房所在园区"),
    (("1", "y", "t"), "1200", ""),  # 专业园区, 新入驻, 入驻年份 t = 今年, 面积
    (("enter",), "80", ""),  # 元/平方米/月
    (("enter",), "", "115.2万元/年"),
    (("pagedown",), "", "风投创投"),
    (("n",), "60万", ""),  # 没有风投; 贷款利息
    (("enter", "tab", "tab", "tab", "0"), "", "举办的产业活动"),  # 上市进程：无
    (("0",), "", ""),  # 活动：无 (上市进程 was the last question: on to 产业活动)
    (("f5",), "", "符合"),
]


def keystrokes() -> int:
    """Keys pressed for the whole consultation: each key and each typed character counts one."""
    return sum(len(keys) + len(text) for keys, text, _ in STEPS)
