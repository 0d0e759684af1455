"""The ranked table of match results: one row per measure, keyed by measure id.

Columns are sized in terminal cells to the table's width so that the article
number, the amount and the status always show, at 80 columns and wider;
the full text of every cell is on the detail screen.
"""

from __future__ import annotations

from typing import Iterable

from rich.text import Text
from textual import events
from textual.widgets import DataTable

from advisor.engine import STATUS_LABEL, MatchResult
from advisor.report import STATUS_STYLE, source_ref
from screens.widgets.cells import fit, fit_keeping_tail

#: (column key, header) in display order.
COLUMNS = (
    ("status", "状态"),
    ("title", "措施"),
    ("source", "文件与条款"),
    ("amount", "估算金额"),
    ("review", "审核方式"),
    ("counted", "计入合计"),
)
#: Below this many cells of table the fixed columns get narrower headers.
NARROW = 96
_FIXED = {"status": 8, "review": 10, "counted": 8}
_FIXED_NARROW = {"status": 8, "review": 8, "counted": 4}
_SCROLLBAR = 2


def column_widths(total: int, cell_padding: int = 1) -> dict[str, int]:
    """Column widths (cells) that fill ``total`` cells of table."""
    fixed = _FIXED_NARROW if total < NARROW else _FIXED
    room = max(total - 2 * cell_padding * len(COLUMNS) - _SCROLLBAR, 56)
    flexible = room - sum(fixed.values())
    amount = max(14, min(22, flexible * 4 // 10))
    rest = flexible - amount
    title = rest * 55 // 100
    return {**fixed, "title": title, "source": rest - title, "amount": amount}


def column_header(key: str, header: str, width: int) -> Text:
    """The header, shortened to fit (计入合计 → 计入 in a narrow table)."""
    if key == "counted" and width < 8:
        header = "计入"
    return fit(header, width, justify="right" if key == "amount" else "left")


def source_cell(result: MatchResult, width: int) -> Text:
    """Document and article; the document name gives way before the article does."""
    ref = source_ref(result)
    head, sep, article = ref.rpartition(" ")
    if not sep:
        return fit(ref, width)
    return fit_keeping_tail(head, article, width)


class ResultsTable(DataTable[Text]):
    """Match results in the order given; the row key is the measure id."""

    DEFAULT_CSS = """
    ResultsTable {
        height: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)
        self._results: list[MatchResult] = []
        self._built_width = -1

    @property
    def results(self) -> list[MatchResult]:
        return list(self._results)

    def show(self, results: Iterable[MatchResult]) -> None:
        """Replace the rows, keeping the cursor on the same measure when it is still shown."""
        kept = self.selected_result()
        self._results = list(results)
        self._rebuild(force=True, keep_id=kept.measure.id if kept is not None else None)

    def selected_result(self) -> MatchResult | None:
        """The result under the cursor, if any."""
        if not self._results or self.row_count == 0:
            return None
        index = min(max(self.cursor_row, 0), len(self._results) - 1)
        return self._results[index]

    def result_for(self, measure_id: str) -> MatchResult | None:
        return next((r for r in self._results if r.measure.id == measure_id), None)

    def on_resize(self, event: events.Resize) -> None:
        self._rebuild()

    def _available_width(self) -> int:
        width = self.region.width or self.size.width
        return width if width > 0 else self.app.size.width

    def _rebuild(self, force: bool = False, keep_id: str | None = None) -> None:
        width = self._available_width()
        if not force and width == self._built_width:
            return
        self._built_width = width
        if keep_id is None and (kept := self.selected_result()) is not None:
            keep_id = kept.measure.id
        widths = column_widths(width, self.cell_padding)
        self.clear(columns=True)
        for key, header in COLUMNS:
            self.add_column(column_header(key, header, widths[key]), width=widths[key], key=key)
        for result in self._results:
            self.add_row(*self._cells(result, widths), key=result.measure.id)
        ids = [r.measure.id for r in self._results]
        if keep_id in ids:
            self.move_cursor(row=ids.index(keep_id), animate=False)

    @staticmethod
    def _cells(r: MatchResult, widths: dict[str, int]) -> list[Text]:
        counted = "是" if r.counted_in_total else "否"
        return [
            fit(STATUS_LABEL[r.status], widths["status"], style=STATUS_STYLE[r.status]),
            fit(r.measure.title, widths["title"], style="dim" if r.status == "ineligible" else ""),
            source_cell(r, widths["source"]),
            fit(r.amount.display(), widths["amount"], justify="right"),
            fit(r.measure.review, widths["review"]),
            fit(counted, widths["counted"], style="" if r.counted_in_total else "dim"),
        ]
