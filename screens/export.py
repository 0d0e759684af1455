"""Exporting the results: the format dialog, file names and error messages.

The writing itself happens in a thread worker of the results screen, which
calls ``advisor.exports.export`` (atomic: an old file stays intact on error).
"""

from __future__ import annotations

import datetime as _dt
import errno
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from advisor import storage
from advisor.files import os_error_text
from advisor.terminal_text import printable


@dataclass(frozen=True)
class ExportFormat:
    kind: str  # the kind advisor.exports.render takes
    suffix: str
    name: str
    help: str


EXPORT_FORMATS = {
    "html": ExportFormat("html", ".html", "可打印的 HTML 报告", "用浏览器打开，可直接打印或另存为 PDF"),
    "markdown": ExportFormat("markdown", ".md", "Markdown 报告", "纯文本，便于编辑、粘贴到文档或邮件"),
    "json": ExportFormat("json", ".json", "JSON 结果", "与 advisor match --format json 相同，供其他程序读取"),
}
REPORT_KINDS = ("html", "markdown")


def suggested_path(company: str | None, fmt: ExportFormat, as_of: _dt.date) -> tuple[Path, str]:
    """The folder and file name offered in the save dialog."""
    return storage.suggested_folder(), storage.suggested_filename(company, fmt.suffix, today=as_of)


def export_error_message(path: Path, error: OSError) -> str:
    """Why a file could not be written, in Chinese, with what to do."""
    where = printable(str(path))
    if isinstance(error, PermissionError):
        return f"没有权限写入“{where}”。\n请换一个文件夹（例如“文档”），或检查这个文件夹的权限。"
    if isinstance(error, IsADirectoryError):
        return f"“{where}”是一个文件夹，请写上文件名。"
    if isinstance(error, FileNotFoundError):
        return f"文件夹不存在：“{printable(path.parent)}”。\n请选择一个已存在的文件夹。"
    if error.errno == errno.ENOSPC:
        return f"磁盘空间不足，无法写入“{where}”。\n原来的文件（如有）没有被改动。"
    if error.errno == errno.EROFS:
        return f"“{printable(path.parent)}”所在的磁盘是只读的，请换一个位置保存。"
    reason = os_error_text(error)
    return f"无法写入“{where}”：{reason}。\n原来的文件（如有）没有被改动。"


def format_prompt(fmt: ExportFormat) -> Text:
    text = Text(end="")
    text.append(f"{fmt.name}（{fmt.suffix}）", style="bold")
    text.append(f"\n  {fmt.help}", style="dim")
    return text


class ExportDialog(ModalScreen[str | None]):
    """Choose an export format; returns its kind (html, markdown, json) or None."""

    BINDINGS = [Binding("escape", "cancel", "取消")]

    def __init__(self, kinds: tuple[str, ...] = ("html", "markdown", "json"), *, title: str = "导出结果") -> None:
        super().__init__()
        self.kinds = kinds
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog", classes="dialog"):
            yield Static(self.title_text, markup=False, id="export-title")
            yield OptionList(
                *(Option(format_prompt(EXPORT_FORMATS[kind]), id=kind) for kind in self.kinds),
                id="export-formats",
            )
            yield Static("↑↓ 选择格式，回车确定；下一步选择保存位置。", markup=False, id="export-help")
            with Horizontal(id="export-buttons", classes="dialog-buttons"):
                yield Button("下一步", variant="primary", id="export-next")
                yield Button("取消", id="export-cancel")

    def on_mount(self) -> None:
        formats = self.query_one("#export-formats", OptionList)
        formats.highlighted = 0
        formats.focus()

    @on(OptionList.OptionSelected, "#export-formats")
    def choose_selected_format(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    @on(Button.Pressed, "#export-next")
    def choose_highlighted_format(self) -> None:
        formats = self.query_one("#export-formats", OptionList)
        option = formats.highlighted_option
        self.dismiss(option.id if option is not None else None)

    @on(Button.Pressed, "#export-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
