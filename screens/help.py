"""The help screen (F1): what each key does and how a consultation works."""

from __future__ import annotations

from rich.cells import cell_len
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

KEYS = (
    (
        "全局",
        (
            ("F1", "帮助（本页）"),
            ("Ctrl+P", "命令面板：新建、打开、保存、结果、导出、帮助"),
            ("Ctrl+S", "把当前咨询保存为画像文件（.toml）"),
            ("Ctrl+Q", "退出（进行中的咨询已自动保存）"),
        ),
    ),
    (
        "首页",
        (
            ("n", "新建咨询"),
            ("o", "打开画像"),
            ("l", "浏览政策库"),
            ("Enter", "继续所选的未完成咨询 / 打开所选的最近画像"),
            ("Delete", "丢弃所选的未完成咨询"),
        ),
    ),
    (
        "问卷",
        (
            ("Tab / Shift+Tab", "下一个 / 上一个问题"),
            ("PageDown 或 ]", "下一组问题"),
            ("PageUp 或 [", "上一组问题"),
            ("↑ ↓ ← →", "在选项间移动；Enter 或空格选定"),
            ("F2", "不确定 / 跳过：该项保持“未知”"),
            ("r 或 F5", "查看结果"),
            ("Esc", "结束咨询（可先保存）"),
        ),
    ),
    (
        "结果",
        (
            ("1 / 2 / 3 / 4", "显示全部 / 符合 / 可能符合 / 不符合"),
            ("r", "按地区筛选（循环）"),
            ("c", "按类别筛选（循环）"),
            ("s", "排序：推荐顺序 → 按金额（状态分组内）→ 按金额（不分状态）"),
            ("n", "差一点与可以考虑的措施"),
            ("m", "申请材料清单（空格勾选，随画像保存）"),
            ("w", "注意事项全文（征求意见稿、已到期等）"),
            ("t 或 Tab", "移到合计栏，↑ ↓ PageUp PageDown 滚动"),
            ("Enter", "所选措施的详情：原文、条件、计算、材料"),
            ("e", "导出报告（HTML 或 Markdown）"),
            ("j", "导出 JSON"),
            ("Esc", "返回问卷"),
        ),
    ),
    (
        "措施详情",
        (
            ("↑ ↓ PageUp PageDown", "滚动"),
            ("Home / End", "顶部 / 底部"),
            ("Esc 或 q", "返回"),
        ),
    ),
    (
        "材料清单",
        (
            ("↑ ↓", "选择材料"),
            ("空格", "已准备 / 未准备"),
            ("Esc 或 q", "返回"),
        ),
    ),
)

ABOUT = (
    "只会问与本单位相关的问题：前面的回答（如注册地、申请主体类型）会决定后面还要问什么。"
    "每个回答都立即自动保存；不知道的可以选“不确定”，结果会列为“可能符合”并说明还缺哪些信息。"
)


def key_table(current: tuple[str, list[tuple[str, str]]] | None = None) -> str:
    """The key list as aligned plain text (widths measured in cells); the keys of the
    current screen, when given, come first."""
    groups = list(KEYS)
    if current is not None and current[1]:
        groups.insert(0, (f"当前页面：{current[0]}", tuple(current[1])))
    width = max(cell_len(key) for _, keys in groups for key, _ in keys) + 2
    lines: list[str] = []
    for group, keys in groups:
        lines.append(f"【{group}】")
        lines.extend(f"  {key}{' ' * (width - cell_len(key))}{what}" for key, what in keys)
    return "\n".join(lines)


class HelpScreen(ModalScreen[None]):
    """Lists the keys; any of escape, F1 or q closes it."""

    BINDINGS = [Binding("escape,f1,q", "close", "关闭")]

    def __init__(self, current: tuple[str, list[tuple[str, str]]] | None = None) -> None:
        """``current``: the name of the screen under the help and its keys (key, what it does)."""
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help-dialog"):
            yield Static("帮助", classes="dialog-title")
            with VerticalScroll(id="help-body"):
                yield Static(key_table(self.current), markup=False, id="help-keys")
                yield Static(ABOUT, markup=False, id="help-about")
            yield Button("关闭", id="close")

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()  # ↑↓ scroll the keys on a small terminal

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)
