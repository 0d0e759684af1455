"""docs/interpretations.md from rules/interpretations.toml, so the two never drift.

Regenerate after editing the data file:
``python -c "from advisor.interpretations import write; write()"``
(tests/unit/test_verdicts.py fails while the document is stale).
"""

from __future__ import annotations

from pathlib import Path

from advisor.catalogue import Catalogue, load_catalogue

HEADER = """# 解读登记（interpretations）

原文有歧义、没说清，或本工具必须作出假定的地方，都登记在这里：条款原文、可能的理解、本工具选定的理解和理由、
对金额和结论的影响。窗口人员应能据此为每个数字辩护。

数据在 `rules/interpretations.toml`，本文件由它生成（`python -c "from advisor.interpretations import write; write()"`）。
措施用 `interpretations = ["id"]` 引用（一份文件全部措施共用的，写在 `rules/sources.toml` 的 `[[common]]`）；
措施详情页的“本工具采用的解读”和 JSON 中每条结果的 `interpretations` 显示这里的文字。

另见：同类措施组（第十九条等）的成员和理由在 `rules/groups.toml`；征求意见稿已被正式文件取代的事实
（深光府规〔2025〕4号、已知的差异及出处）在 `rules/sources.toml` 的 `superseded_by`。
"""


def render_markdown(catalogue: Catalogue) -> str:
    lines = [HEADER]
    for entry in catalogue.interpretations.values():
        source = catalogue.sources[entry.document]
        users = [m.id for m in catalogue.measures if entry in catalogue.interpretations_of(m)]
        lines += [
            f"## {entry.title} `{entry.id}`",
            "",
            f"**条款**：《{source.title}》{entry.article}：“{entry.clause}”",
            "",
            "**可能的理解**：",
            "",
        ]
        lines += [f"{n}. {reading}" for n, reading in enumerate(entry.readings, start=1)]
        lines += [
            "",
            f"**选定**：{entry.chosen}",
            "",
            f"**理由**：{entry.why}",
            "",
            f"**对金额和结论的影响**：{entry.effect}",
            "",
            "**适用的措施**：" + ("、".join(f"`{u}`" for u in users) or "（无）"),
            "",
        ]
    return "\n".join(lines)


def write(path: Path | None = None) -> None:
    target = path or Path(__file__).resolve().parent.parent / "docs" / "interpretations.md"
    target.write_text(render_markdown(load_catalogue()), encoding="utf-8")
