"""What ``advisor batch`` writes: the results in one of three formats, the summary, the errors.

* ``wide`` (default): one row per company — identity, the company's counts and totals, then
  per measure a column group (status, total minimum and maximum in 万元, counted in the
  total): what a district officer opens in a spreadsheet;
* ``long``: one row per company × measure with every figure (amount kind, per-year figures,
  yuan and 万元, the display text);
* ``parquet``: the wide table with exact integer yuan and status codes, for data warehouses
  (needs pyarrow: ``pip install 'policy-advisor[parquet]'``).

Every CSV cell is neutralised against spreadsheet formulas (OWASP CSV injection) and every
CSV file starts with a UTF-8 BOM so Excel reads the Chinese. All files are written as
temporaries and renamed into place only when the whole run succeeded (``AtomicOutputs``).
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from advisor import rule_model as rm
from advisor.batch.engine_api import ELIGIBLE, INELIGIBLE, POSSIBLE, STATUS_LABEL
from advisor.batch.evaluate import Assessed, Outcome
from advisor.files import create_temp_beside, cut_to_bytes
from advisor.money import yuan_to_wan
from advisor.terminal_text import printable

FORMATS = ("wide", "long", "parquet")
#: (measure index, status, "count" | "min_yuan" | "max_yuan"): summed as the run goes, so the
#: summary takes the same room for ten companies or ten million.
SummaryKey = tuple[int, str, str]

#: The long format: one row per company × measure.
RESULT_COLUMNS = [
    "row",
    "company",
    "credit_code",
    "measure_id",
    "status",
    "status_label",
    "amount_kind",
    "min_yuan",
    "max_yuan",
    "per_year",
    "years",
    "total_min_yuan",
    "total_max_yuan",
    "total_min_wan",
    "total_max_wan",
    "amount_display",
    "counted_in_total",
]
SUMMARY_COLUMNS = [
    "measure_id",
    "title",
    "eligible",
    "possible",
    "ineligible",
    "eligible_min_yuan",
    "eligible_max_yuan",
    "possible_min_yuan",
    "possible_max_yuan",
    "eligible_min_wan",
    "eligible_max_wan",
    "possible_min_wan",
    "possible_max_wan",
]

#: The first columns of the wide format; the totals are the company's own (same-kind rule applied).
COMPANY_COLUMNS = [
    "row",
    "company",
    "credit_code",
    "eligible",
    "possible",
    "eligible_min_wan",
    "eligible_max_wan",
    "possible_min_wan",
    "possible_max_wan",
]
#: Per measure in the wide format: ``<measure id>.<part>``.
MEASURE_PARTS = ("status", "min_wan", "max_wan", "counted")
#: Per measure in Parquet: exact yuan and the status code.
PARQUET_PARTS = ("status", "min_yuan", "max_yuan", "counted")


def wide_columns(measures: Sequence[rm.Measure], parts: Sequence[str] = MEASURE_PARTS) -> list[str]:
    return [*COMPANY_COLUMNS, *(f"{m.id}.{part}" for m in measures for part in parts)]


def parquet_columns(measures: Sequence[rm.Measure]) -> list[str]:
    companies = [c.replace("_wan", "_yuan") for c in COMPANY_COLUMNS]
    return [*companies, *(f"{m.id}.{part}" for m in measures for part in PARQUET_PARTS)]


_FORMULA_START = frozenset("=+-@\t\r\x00")


def neutralise(text: str) -> str:
    """A cell a spreadsheet will never run (OWASP CSV injection): a cell whose first
    character, or first after leading spaces, is = + - @ tab CR or NUL gets a leading '."""
    stripped = text.lstrip(" \u3000\n\x0b\x0c")
    if (stripped and stripped[0] in _FORMULA_START) or text[:1] in _FORMULA_START:
        return "'" + text
    return text


def csv_cell(text: str) -> str:
    """One written CSV cell: neutralised, and quoted when it holds a separator."""
    text = neutralise(text)
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def text_cell(text: str | None) -> str:
    """A company's own text in the results: control characters shown as escapes, never a formula."""
    if not text:
        return ""
    return csv_cell(printable(text))


def write_rows(handle: Any, rows: Iterable[Iterable[object]]) -> None:
    """Write rows of cells, every cell through ``_csv_cell``."""
    for row in rows:
        handle.write(",".join(csv_cell(str(cell)) for cell in row) + "\r\n")


def _num(value: int | None) -> str:
    return "" if value is None else str(value)


def _wan(value: int | None) -> str:
    return "" if value is None else format(yuan_to_wan(value), "f")


def summary_rows(measures: Sequence[rm.Measure], summary: Counter[SummaryKey]) -> list[dict[str, Any]]:
    """Per measure: how many companies are eligible / possible / not, and the summed estimates."""
    rows: list[dict[str, Any]] = []
    for measure in measures:
        rows.append(
            {
                "measure_id": measure.id,
                "title": measure.title,
                "eligible": 0,
                "possible": 0,
                "ineligible": 0,
                "eligible_min_yuan": 0,
                "eligible_max_yuan": 0,
                "possible_min_yuan": 0,
                "possible_max_yuan": 0,
            }
        )
    for (index, status, figure), value in summary.items():
        row = rows[index]
        if figure == "count":
            row[status] += value
        elif status != INELIGIBLE:
            row[f"{status}_{figure}"] += value
    for row in rows:
        for key in ("eligible_min", "eligible_max", "possible_min", "possible_max"):
            row[f"{key}_wan"] = format(yuan_to_wan(row[f"{key}_yuan"]), "f")
    return rows


def _side_suffix(results: Path) -> str:
    return ".csv" if results.suffix.lower() in ("", ".parquet") else results.suffix


def summary_path(results: Path) -> Path:
    """The summary beside the results (always CSV: a few dozen rows people read)."""
    return results.with_name(f"{results.stem}-summary{_side_suffix(results)}")


def errors_path(results: Path) -> Path:
    """The rows that could not be assessed, beside the results (always CSV)."""
    return results.with_name(f"{results.stem}-errors{_side_suffix(results)}")


class AtomicOutputs:
    """The three output files written as temporaries beside their targets and renamed
    into place only by ``commit()``: a failed or interrupted run leaves the previous
    results intact and no temporary file behind. A target that is a symlink is
    replaced by the new file (rename does not follow it)."""

    def __init__(self, out: Path):
        self.targets = {"results": out, "summary": summary_path(out), "errors": errors_path(out)}
        self.temps: dict[str, Path] = {}

    def open(self, key: str) -> Any:
        """A new temporary file (binary) for ``key``: results, summary or errors."""
        fd, path = create_temp_beside(self.targets[key], shared=True)  # results are ordinary files
        self.temps[key] = path
        return os.fdopen(fd, "wb")

    def commit(self, has_errors: bool) -> None:
        """Rename every temporary into place; if any rename fails, the targets already
        replaced get their previous content back, so the three files stay one run's."""
        import secrets

        done: list[tuple[Path, Path | None]] = []
        try:
            for key in ("results", "summary", "errors"):
                if key not in self.temps:
                    continue
                target, temp = self.targets[key], self.temps[key]
                backup = None
                if os.path.lexists(target):
                    backup = target.with_name(f".{cut_to_bytes(target.name, 200)}.{secrets.token_hex(4)}.old.tmp")
                    os.replace(target, backup)
                try:
                    os.replace(temp, target)
                except BaseException:
                    if backup is not None:
                        os.replace(backup, target)
                    raise
                del self.temps[key]
                done.append((target, backup))
        except BaseException:
            for target, backup in reversed(done):  # put the previous run's files back
                try:
                    if backup is not None:
                        os.replace(backup, target)
                    else:
                        target.unlink()
                except OSError:
                    pass
            raise
        for _, backup in done:
            if backup is not None:
                with contextlib.suppress(OSError):
                    backup.unlink()
        if not has_errors:
            try:
                if self.targets["errors"].is_symlink() or self.targets["errors"].is_file():
                    self.targets["errors"].unlink()  # errors of an earlier run would mislead
            except OSError:
                pass

    def discard(self) -> None:
        for temp in self.temps.values():
            with contextlib.suppress(OSError):
                temp.unlink()
        self.temps.clear()


# --- one block of companies as output --------------------------------------------------------


class BlockWriter:
    """Turns an evaluated block into the bytes (CSV) or columns (Parquet) of its rows, and
    counts it into the summary. The text of each distinct outcome is built once and reused."""

    MEMO_LIMIT = 2_000  # per measure: rendered cells of distinct outcomes

    def __init__(self, measures: Sequence[rm.Measure], fmt: str):
        self.measures = list(measures)
        self.ids = [m.id for m in self.measures]
        self.format = fmt
        self._cells: list[dict[Outcome, Any]] = [{} for _ in self.measures]

    def _cell(self, index: int, outcome: Outcome) -> Any:
        memo = self._cells[index]
        found = memo.get(outcome)
        if found is None:
            if len(memo) > self.MEMO_LIMIT:
                memo.clear()
            found = memo[outcome] = self._render(index, outcome)
        return found

    def _render(self, index: int, outcome: Outcome) -> Any:
        status, amount, counted = outcome
        kind, low, high, per_year, years, total_low, total_high, _later, result = amount
        if self.format == "wide":
            return ",".join((STATUS_LABEL[status], _wan(total_low), _wan(total_high), "true" if counted else "false"))
        if self.format == "parquet":
            return (status, total_low, total_high, counted)
        cells = [
            self.ids[index],
            status,
            STATUS_LABEL[status],
            *(
                ("",) * 10  # 不符合: no amount (NO_AMOUNT)
                if result.value is None
                else (
                    kind,
                    _num(low),
                    _num(high),
                    "true" if per_year else "false",
                    str(years),
                    _num(total_low),
                    _num(total_high),
                    _wan(total_low),
                    _wan(total_high),
                    result.value.display(),
                )
            ),
            "true" if counted else "false",
        ]
        return ",".join(csv_cell(c) for c in cells) + "\r\n"

    def write(
        self, companies: Sequence[tuple[str, str | None, str | None]], block: Assessed, summary: Counter[SummaryKey]
    ) -> Any:
        """The output of these companies (row label, name, credit code) and their outcomes."""
        for index, (table, codes) in enumerate(zip(block.tables, block.codes, strict=True)):
            for outcome_code, count in Counter(codes).items():
                status, amount, _counted = table[outcome_code]
                summary[(index, status, "count")] += count
                if status != INELIGIBLE and amount[6] is not None:
                    summary[(index, status, "min_yuan")] += (amount[5] or 0) * count
                    summary[(index, status, "max_yuan")] += amount[6] * count
        if not companies:
            return b"" if self.format != "parquet" else {}
        cell_tables = [[self._cell(i, o) for o in table] for i, table in enumerate(block.tables)]
        columns = [[cells[c] for c in codes] for cells, codes in zip(cell_tables, block.codes, strict=True)]
        totals = _company_totals(block)
        if self.format == "parquet":
            return self._parquet(companies, columns, totals)
        if self.format == "long":
            lines = []
            for (row, name, code), parts in zip(companies, zip(*columns, strict=True), strict=True):
                prefix = f"{text_cell(row)},{text_cell(name)},{text_cell(code)},"
                lines.append(prefix + prefix.join(parts))
            return "".join(lines).encode("utf-8")
        lines = []
        for (row, name, code), total, parts in zip(companies, totals, zip(*columns, strict=True), strict=True):
            e, p, e_low, e_high, p_low, p_high = total
            lines.append(
                f"{text_cell(row)},{text_cell(name)},{text_cell(code)},{e},{p},"
                f"{_wan(e_low)},{_wan(e_high)},{_wan(p_low)},{_wan(p_high)},{','.join(parts)}\r\n"
            )
        return "".join(lines).encode("utf-8")

    def _parquet(
        self,
        companies: Sequence[tuple[str, str | None, str | None]],
        columns: list[list[Any]],
        totals: list[tuple[int, int, int, int, int, int]],
    ) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {
            "row": [c[0] for c in companies],
            "company": [c[1] for c in companies],
            "credit_code": [c[2] for c in companies],
        }
        for position, name in enumerate(COMPANY_COLUMNS[3:]):
            out[name.replace("_wan", "_yuan")] = [t[position] for t in totals]
        for measure_id, column in zip(self.ids, columns, strict=True):
            for position, part in enumerate(PARQUET_PARTS):
                out[f"{measure_id}.{part}"] = [cell[position] for cell in column]
        return out


def _company_totals(block: Assessed) -> list[tuple[int, int, int, int, int, int]]:
    """Per company: eligible and possible counts, and the counted sums (yuan) of each,
    as ``Totals`` adds them (a range counts from its minimum to its maximum)."""
    size = len(block.codes[0]) if block.codes else 0
    fast = _company_totals_numpy(block, size)
    if fast is not None:
        return fast
    sums = [[0] * 6 for _ in range(size)]
    for table, codes in zip(block.tables, block.codes, strict=True):
        parts: list[tuple[int, int, int, int, int, int] | None] = []
        for status, amount, counted in table:
            low = amount[5] or 0 if counted else 0
            high = amount[6] or 0 if counted else 0
            if status == ELIGIBLE:
                parts.append((1, 0, low, high, 0, 0))
            elif status == POSSIBLE:
                parts.append((0, 1, 0, 0, low, high))
            else:
                parts.append(None)
        for company, code in enumerate(codes):
            part = parts[code]
            if part is not None:
                row = sums[company]
                for k in range(6):
                    row[k] += part[k]
    return [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in sums]


#: Sums stay exact in int64 while every part is below this (2^62 spread over a few hundred measures).
_INT64_PART_LIMIT = 1 << 52


def _company_totals_numpy(block: Assessed, size: int) -> list[tuple[int, int, int, int, int, int]] | None:
    """``_company_totals`` with numpy; None without numpy or when a figure is too large to sum in int64."""
    try:
        import numpy as np
    except ImportError:
        return None
    sums = np.zeros((size, 6), dtype=np.int64)
    for table, codes in zip(block.tables, block.codes, strict=True):
        parts = np.zeros((len(table), 6), dtype=np.int64)
        for position, (status, amount, counted) in enumerate(table):
            low = (amount[5] or 0) if counted else 0
            high = (amount[6] or 0) if counted else 0
            if max(abs(low), abs(high)) >= _INT64_PART_LIMIT:
                return None
            if status == ELIGIBLE:
                parts[position] = (1, 0, low, high, 0, 0)
            elif status == POSSIBLE:
                parts[position] = (0, 1, 0, 0, low, high)
        sums += parts[np.asarray(codes, dtype=np.int64)]
    return [(a, b, c, d, e, f) for a, b, c, d, e, f in sums.tolist()]


class ParquetSink:
    """Row groups appended to a Parquet file as the run goes (bounded memory)."""

    def __init__(self, handle: Any, columns: list[str]):
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.pa = pa
        fields = []
        for name in columns:
            if name in ("row", "company", "credit_code") or name.endswith(".status"):
                fields.append(pa.field(name, pa.string()))
            elif name.endswith(".counted"):
                fields.append(pa.field(name, pa.bool_()))
            else:
                fields.append(pa.field(name, pa.int64()))
        self.schema = pa.schema(fields)
        self.writer = pq.ParquetWriter(handle, self.schema, compression="zstd")

    def write(self, columns: dict[str, list[Any]]) -> None:
        if columns and columns["row"]:
            self.writer.write_table(self.pa.table(columns, schema=self.schema))

    def close(self) -> None:
        self.writer.close()


def parquet_missing_message() -> str | None:
    """None when pyarrow can be imported, else the Chinese message saying how to get it."""
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return (
            "输出 Parquet 需要 pyarrow，当前环境没有安装。"
            "请运行 pip install 'policy-advisor[parquet]'（或 pip install pyarrow）后重试，"
            "或改用默认的 CSV 输出。"
        )
    return None
