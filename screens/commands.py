"""The command palette's main actions (ctrl+p)."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

#: (palette text, help, app action name)
MAIN_ACTIONS = (
    ("新建咨询", "从空白画像开始一次新的咨询", "new_consultation"),
    ("打开画像", "打开一个已保存的画像文件（.toml）", "open_profile"),
    ("保存画像", "把当前咨询的全部回答保存为 .toml 文件", "save_profile"),
    ("查看结果", "按当前回答查看符合、可能符合的政策和金额", "show_results"),
    ("导出报告", "把匹配结果导出为报告文件", "export_report"),
    ("浏览政策库", "查看全部措施及其原文出处", "show_library"),
    ("帮助", "快捷键与使用说明", "show_help"),
)


class AdvisorCommands(Provider):
    """Offers the app's main actions by their Chinese names."""

    async def discover(self) -> Hits:
        for name, help_text, action in MAIN_ACTIONS:
            yield DiscoveryHit(name, partial(self.app.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, action in MAIN_ACTIONS:
            score = max(matcher.match(name), matcher.match(action.replace("_", " ")))
            if score > 0:
                yield Hit(score, matcher.highlight(name), partial(self.app.run_action, action), help=help_text)
