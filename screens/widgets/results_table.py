"""The ranked table of match results: one row per measure, keyed by measure id.

Columns are sized in terminal cells to the table's width so that the status,
the article number and the whole amount always show, at 80 columns and wider:
the amount column is as wide as the longest amount shown, the review column is
left out when it says the same on every row, and measure names wrap onto a
second line before they are cut. The full text of every cell is on the detail screen.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.widgets import DataTable

from advisor.report import STATUS_STYLE, article_ref, fold_cells, short_source, uniform_review
from advisor.results import STATUS_LABEL, MatchResult
from advisor.terminal_text import printable
from screens.widgets.cells import fit, fit_keeping_tail, shorten

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
#: Lines a row may take so a long measure name wraps instead of being cut.
ROW_LINES = 2


def review_says_something(results: Iterable[MatchResult]) -> bool:
    """False when the review column would repeat itself: the same method on every row
    still in play, or different only where the amount already says it (一事一议).
    How an ineligible measure would be reviewed does not matter to the company."""
    return uniform_review(list(results)) is None


def amount_width(results: Iterable[MatchResult]) -> int:
    """Cells the longest amount shown needs (at least the header's 8)."""
    return max([8, *(cell_len(printable(r.amount.display())) for r in results)])


def column_widths(total: int, cell_padding: int = 1, *, amount: int = 14, review: bool = True) -> dict[str, int]:
    """Column widths (cells) that fill ``total`` cells of table; the amount column gets
    ``amount`` cells whole, the names share what is left."""
    fixed = dict(_FIXED_NARROW if total < NARROW else _FIXED)
    if not review:
        fixed.pop("review")
    columns = len(fixed) + 3
    room = max(total - 2 * cell_padding * columns - _SCROLLBAR, 44)
    flexible = room - sum(fixed.values())
    rest = max(flexible - amount, 16)
    title = rest * 55 // 100
    return {**fixed, "title": title, "source": rest - title, "amount": amount}


def column_header(key: str, header: str, width: int) -> Text:
    """The header, shortened to fit (计入合计 → 计入, 审核方式 → 审核 in a narrow table)."""
    if key == "counted" and width < 8:
        header = "计入"
    if key == "review" and width < 8:
        header = "审核"
    return fit(header, width, justify="right" if key == "amount" else "left")


def source_cell(result: MatchResult, width: int, lines: int = 1) -> Text:
    """Document and article; the document name gives way before the article does.
    With two lines the short document name and the article each get one."""
    head, article = printable(short_source(result.source)), article_ref(printable(result.measure.article))
    if cell_len(head) + 1 + cell_len(article) <= width:
        return fit(f"{head} {article}", width)
    if lines >= 2:
        return Text(f"{shorten(head, width)}\n{shorten(article, width)}", no_wrap=True, end="")
    return fit_keeping_tail(head + " ", article, width)


def title_lines(title: str, width: int, lines: int = ROW_LINES) -> list[str]:
    """The measure name folded onto at most ``lines`` lines, cut with an ellipsis after that."""
    folded = fold_cells(printable(title), max(width, 2))
    if len(folded) <= lines:
        return folded
    return [*folded[: lines - 1], shorten("".join(folded[lines - 1 :]), width)]


def row_height(result: MatchResult, widths: dict[str, int]) -> int:
    """1, or 2 when the name or the source needs a second line."""
    title = len(title_lines(result.measure.title, widths["title"]))
    ref = cell_len(printable(short_source(result.source))) + 1 + cell_len(article_ref(result.measure.article))
    return max(title, 2 if ref > widths["source"] else 1)


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
        self.widths: dict[str, int] = {}
        """The column widths last laid out (no "review" key when that column is left out)."""

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
        widths = column_widths(
            width, self.cell_padding, amount=amount_width(self._results), review=review_says_something(self._results)
        )
        self.widths = widths
        self.clear(columns=True)
        for key, header in COLUMNS:
            if key in widths:
                self.add_column(column_header(key, header, widths[key]), width=widths[key], key=key)
        for result in self._results:
            height = row_height(result, widths)
            self.add_row(*self._cells(result, widths, height), key=result.measure.id, height=height)
        ids = [r.measure.id for r in self._results]
        if keep_id in ids:
            self.move_cursor(row=ids.index(keep_id), animate=False)

    @staticmethod
    def _cells(r: MatchResult, widths: dict[str, int], height: int = 1) -> list[Text]:
        counted = "是" if r.counted_in_total else "否"
        title = Text(
            "\n".join(title_lines(r.measure.title, widths["title"], height)),
            style="dim" if r.status == "ineligible" else "",
            no_wrap=True,
            end="",
        )
        cells = [
            fit(STATUS_LABEL[r.status], widths["status"], style=STATUS_STYLE[r.status]),
            title,
            source_cell(r, widths["source"], height),
            fit(printable(r.amount.display()), widths["amount"], justify="right"),
        ]
        if "review" in widths:
            cells.append(fit(printable(r.measure.review), widths["review"]))
        cells.append(fit(counted, widths["counted"], style="" if r.counted_in_total else "dim"))
        return cells
