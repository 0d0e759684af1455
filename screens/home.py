"""The first screen: start, open or resume a consultation, or browse the library.

Damaged files in the autosave folder are listed under their own heading with the
reason; choosing one offers to move it aside (into ``autosave/damaged``), so a bad
file never stops the app starting. Every name shown goes through ``printable``.

The screen paints before anything reads the data folder: the lists are read in a
worker started after the first paint, and ``advisor.storage`` (which brings the
profile model and pydantic) is only imported there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from advisor.terminal_text import printable
from screens.dialogs import ConfirmDialog
from screens.file_dialog import display_path
from screens.messages import DiscardAutosaveRequested, OpenProfileRequested, ResumeRequested

if TYPE_CHECKING:
    from advisor import storage


class HomeScreen(Screen[None]):
    """新建咨询 / 打开画像 / 继续未完成的咨询 / 最近的画像 / 浏览政策库."""

    BINDINGS = [
        Binding("n", "app.new_consultation", "新建咨询"),
        Binding("o", "app.open_profile", "打开画像"),
        Binding("l", "app.show_library", "政策库"),
        Binding("delete", "discard_unfinished", "丢弃所选未完成咨询", show=False),
        Binding("q", "app.quit", "退出"),
    ]

    @dataclass
    class ListsLoaded(Message):
        """Unfinished consultations and recent files, read in a worker.

        ``unavailable``: why autosave and recent files are off (no home folder), said once.
        """

        unfinished: list[storage.Unfinished]
        recent: list[Path]
        damaged: list[storage.Damaged] = field(default_factory=list)
        unavailable: str | None = None

    def __init__(self) -> None:
        super().__init__()
        self.unfinished: list[storage.Unfinished] = []
        self.recent: list[Path] = []
        self.damaged: list[storage.Damaged] = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="home"):
            yield Static(
                "离线匹配企业可申请的政府扶持措施：回答问题，实时查看符合的政策与金额。", markup=False, id="home-intro"
            )
            with Horizontal(id="home-actions"):
                yield Button("新建咨询 (n)", variant="primary", id="new", action="app.new_consultation")
                yield Button("打开画像 (o)", id="open", action="app.open_profile")
                yield Button("浏览政策库 (l)", id="library", action="app.show_library")
            yield Static("继续上次未完成的咨询", markup=False, classes="home-heading")
            yield OptionList(markup=False, id="unfinished")
            yield Static(
                "无法读取的自动保存文件（回车：移到 damaged 文件夹）",
                markup=False,
                classes="home-heading",
                id="damaged-heading",
            )
            yield OptionList(markup=False, id="damaged")
            yield Static("最近的画像文件", markup=False, classes="home-heading")
            yield OptionList(markup=False, id="recent")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#new", Button).focus()
        self.query_one("#damaged-heading").display = False
        self.query_one("#damaged").display = False
        self.call_after_refresh(self.load_lists, True)

    def on_screen_resume(self) -> None:
        self.load_lists()

    @work(thread=True, group="home-lists")
    def load_lists(self, first: bool = False) -> None:
        """Read the lists; ``first`` (the first time): also say if there is no data folder."""
        from advisor import storage

        unavailable = storage.unavailable_reason() if first else None
        unfinished, damaged = storage.scan_autosaves()
        self.post_message(self.ListsLoaded(unfinished, storage.recent_profiles(), damaged, unavailable))

    @on(ListsLoaded)
    def show_lists(self, message: ListsLoaded) -> None:
        if message.unavailable:
            self.notify(message.unavailable, severity="warning", timeout=15, markup=False)
        self.unfinished, self.recent, self.damaged = message.unfinished, message.recent, message.damaged
        unfinished = self.query_one("#unfinished", OptionList)
        unfinished.clear_options()
        if self.unfinished:
            unfinished.add_options(
                Option(f"{printable(u.company)}　{u.saved_at:%Y-%m-%d %H:%M} 自动保存", id=u.consultation_id)
                for u in self.unfinished
            )
            unfinished.highlighted = 0
        else:
            unfinished.add_option(Option("（没有未完成的咨询）", disabled=True))
        recent = self.query_one("#recent", OptionList)
        recent.clear_options()
        if self.recent:
            recent.add_options(Option(display_path(p), id=str(i)) for i, p in enumerate(self.recent))
            recent.highlighted = 0
        else:
            recent.add_option(Option("（还没有打开或保存过画像）", disabled=True))
        damaged = self.query_one("#damaged", OptionList)
        damaged.clear_options()
        damaged.add_options(
            Option(f"{d.label}：{printable(d.reason)[:120]}", id=str(i)) for i, d in enumerate(self.damaged)
        )
        damaged.display = bool(self.damaged)
        self.query_one("#damaged-heading").display = bool(self.damaged)
        if self.damaged:
            damaged.highlighted = 0

    @on(OptionList.OptionSelected, "#unfinished")
    def resume(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.post_message(ResumeRequested(event.option.id))

    @on(OptionList.OptionSelected, "#recent")
    def open_recent(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.post_message(OpenProfileRequested(self.recent[int(event.option.id)]))

    @on(OptionList.OptionSelected, "#damaged")
    def offer_move_aside(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is None:
            return
        chosen = self.damaged[int(event.option.id)]

        def move(confirmed: bool | None) -> None:
            if not confirmed:
                return
            from advisor import storage
            from advisor.files import os_error_text

            try:
                target = storage.move_aside(chosen.path)
            except OSError as exc:
                self.notify(f"无法移动 {chosen.label}：{os_error_text(exc)}", severity="error", markup=False)
                return
            self.notify(f"已移到 {printable(target.parent)}", markup=False)
            self.damaged = [d for d in self.damaged if d is not chosen]
            self.show_lists(self.ListsLoaded(self.unfinished, self.recent, self.damaged))

        self.app.push_screen(
            ConfirmDialog(
                f"自动保存文件“{chosen.label}”无法读取：{chosen.reason}\n\n把它移到 damaged 文件夹？文件会保留，不会删除。",
                confirm_label="移走",
            ),
            move,
        )

    def action_discard_unfinished(self) -> None:
        listing = self.query_one("#unfinished", OptionList)
        if self.focused is not listing or listing.highlighted is None or not self.unfinished:
            return
        chosen = self.unfinished[listing.highlighted]

        def discard(confirmed: bool | None) -> None:
            if confirmed:
                self.post_message(DiscardAutosaveRequested(chosen.consultation_id))
                self.unfinished = [u for u in self.unfinished if u is not chosen]
                self.show_lists(self.ListsLoaded(self.unfinished, self.recent, self.damaged))

        self.app.push_screen(
            ConfirmDialog(f"丢弃“{printable(chosen.company)}”这次未完成的咨询？丢弃后无法恢复。", confirm_label="丢弃"),
            discard,
        )
