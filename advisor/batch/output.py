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
import functools
import itertools
import operator
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
from advisor.terminal_text import is_clean, printable

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
#: A cell whose first character is none of these (formula starts, and what ``neutralise``
#: strips before looking for one) and that holds no separator is written as it is.
_CELL_RISKY_FIRST = _FORMULA_START | frozenset(" \u3000\n\x0b\x0c")


#: The characters of ``_CELL_RISKY_FIRST`` that clean text (``is_clean``) can hold (the others
#: are control characters): clean text holding none of these anywhere starts with none of them.
_CLEAN_RISKY_FIRST = "=+-@ \u3000"


def neutralise(text: str) -> str:
    """A cell a spreadsheet will never run (OWASP CSV injection): a cell whose first
    character, or first after leading spaces, is = + - @ tab CR or NUL gets a leading '."""
    stripped = text.lstrip(" \u3000\n\x0b\x0c")
    if (stripped and stripped[0] in _FORMULA_START) or text[:1] in _FORMULA_START:
        return "'" + text
    return text


def csv_cell(text: str) -> str:
    """One written CSV cell: neutralised, and quoted when it holds a separator."""
    if not text or (
        text[0] not in _CELL_RISKY_FIRST
        and "," not in text
        and '"' not in text
        and "\r" not in text
        and "\n" not in text
    ):
        return text  # what the general path gives, without its work (most cells)
    text = neutralise(text)
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def text_cell(text: str | None) -> str:
    """A company's own text in the results: control characters shown as escapes, never a formula."""
    if not text:
        return ""
    if text[0] not in _CELL_RISKY_FIRST and "," not in text and '"' not in text and is_clean(text):
        return text  # nothing to escape, quote or neutralise (is_clean: no CR or LF either)
    return csv_cell(printable(text))


def write_rows(handle: Any, rows: Iterable[Iterable[object]]) -> None:
    """Write rows of cells, every cell through ``_csv_cell``."""
    for row in rows:
        handle.write(",".join(csv_cell(str(cell)) for cell in row) + "\r\n")


def _num(value: int | None) -> str:
    return "" if value is None else str(value)


#: Below this, integer arithmetic gives exactly the text of ``yuan_to_wan`` (whose Decimal
#: division is exact up to 28 digits); larger figures go through the Decimal itself.
_EXACT_WAN_LIMIT = 10**24


def _wan(value: int | None) -> str:
    """Yuan as plain 万元 text ("12.5", "3", "-0.01"), as ``format(yuan_to_wan(value), "f")``."""
    if value is None:
        return ""
    if -_EXACT_WAN_LIMIT < value < _EXACT_WAN_LIMIT:
        whole, rest = divmod(-value if value < 0 else value, 10_000)
        text = f"{whole}.{rest:04d}".rstrip("0") if rest else str(whole)
        return "-" + text if value < 0 else text
    return format(yuan_to_wan(value), "f")


class _WanTexts(dict[int | None, str]):
    """``_wan`` of each value seen, kept (most values repeat: a company's totals are mostly 0,
    a measure's figures recur across companies and blocks)."""

    LIMIT = 100_000  # entries, about 10 MB at most

    def __missing__(self, value: int | None) -> str:
        text = self[value] = _wan(value)
        return text


_WAN_TEXTS = _WanTexts()


def _wan_texts() -> _WanTexts:
    """The kept 万元 texts, emptied first when they have grown past their limit."""
    if len(_WAN_TEXTS) > _WanTexts.LIMIT:
        _WAN_TEXTS.clear()
    return _WAN_TEXTS


def _wan_column(values: Sequence[int | None]) -> list[str]:
    """``_wan`` of each value (a column of figures or totals), through the kept texts."""
    return list(map(_wan_texts().__getitem__, values))


#: The decimals of a 万元 figure by its last four yuan digits: "" for whole 万, ".5" for 5,000, ".0001" for 1.
_WAN_DECIMALS = ["", *(f".{rest:04d}".rstrip("0") for rest in range(1, 10_000))]
#: Fewer figures than this are formatted one by one, through the kept texts.
_VECTOR_MIN = 64
#: Stands for None in an int64 array of figures (a figure equal to it is formatted on its own).
_ABSENT = -(2**63)


@functools.cache
def _wan_decimals(np: Any) -> Any:
    """``_WAN_DECIMALS`` as a numpy object array (taken by the last four digits of many figures at once)."""
    return _objects(np, _WAN_DECIMALS)


def _wan_of_int64(np: Any, yuan: Any) -> list[str]:
    """``_wan`` of each value of an int64 array, formatted together: whole 万 and the decimals
    (looked up by the last four yuan digits) come from integer division, so the text is exact.
    A negative figure (floor division would misplace its sign) is formatted on its own."""
    whole, rest = np.divmod(yuan, 10_000)
    # repr: the str of an int, without str()'s argument parsing
    texts = list(map(operator.add, map(repr, whole.tolist()), _wan_decimals(np)[rest].tolist()))
    for position in np.flatnonzero(yuan < 0).tolist():
        texts[position] = _wan(int(yuan[position]))
    return texts


def _wan_list(values: Sequence[int | None], np: Any) -> list[str]:
    """``_wan`` of each value (None: ""). Many values with numpy are formatted as one int64
    array (a block's new figures are mostly a company's own amounts, seen once, which the kept
    texts would only churn); few values, or one beyond int64, go through the kept texts."""
    if np is None or len(values) < _VECTOR_MIN:
        return _wan_column(values)
    try:
        yuan = np.array([_ABSENT if v is None else v for v in values], dtype=np.int64)
    except OverflowError:
        return _wan_column(values)
    texts = _wan_of_int64(np, yuan)
    for position in np.flatnonzero(yuan == _ABSENT).tolist():
        texts[position] = _wan(values[position])
    return texts


def _wan_totals(np: Any, yuan: Any) -> list[str]:
    """``_wan`` of a column of company totals (an int64 array, most of it 0)."""
    texts = np.full(len(yuan), "0", dtype=object)
    nonzero = np.flatnonzero(yuan)
    if len(nonzero):
        texts[nonzero] = _objects(np, _wan_of_int64(np, yuan[nonzero]))
    return texts.tolist()  # type: ignore[no-any-return]


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
            row[f"{key}_wan"] = _wan(row[f"{key}_yuan"])
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


def _numpy() -> Any:
    """The numpy module, or None when it is not installed (it is an optional extra): the
    writer then takes its pure-Python path, which writes the same bytes."""
    try:
        import numpy
    except ImportError:
        return None
    return numpy


#: What the wide and Parquet rows, the totals and the summary read of an outcome:
#: (status, total min yuan, total max yuan, counted). Never the display text.
Figures = tuple[str, int | None, int | None, bool]
_COUNTED_CELLS = {True: ",true", False: ",false"}
#: The status labels as the first cell of a measure's column group in the wide format.
_STATUS_CELLS = {status: f",{label}," for status, label in STATUS_LABEL.items()}
#: The same cells as UTF-8.
_STATUS_BYTES = {status: cell.encode() for status, cell in _STATUS_CELLS.items()}
_COUNTED_BYTES = {counted: cell.encode() for counted, cell in _COUNTED_CELLS.items()}


def _figures_of(table: Sequence[Outcome]) -> list[Figures]:
    """The figures of each outcome (status, total min and max yuan, counted), taken in C."""
    if not table:
        return []
    statuses, amounts, counted = zip(*table, strict=True)
    return list(zip(statuses, map(_TOTAL_MIN, amounts), map(_TOTAL_MAX, amounts), counted, strict=True))


#: An amount's total minimum and maximum yuan (``evaluate.amount_tuple``'s layout).
_TOTAL_MIN, _TOTAL_MAX = operator.itemgetter(5), operator.itemgetter(6)


class _Column:
    """One measure in one block, reduced to what the wide and Parquet rows read: the
    ``figures`` of each of its outcomes, each company's index in them (``codes``: a numpy
    array or a list) and how many companies have each (``counts``). Outcomes with equal
    figures (rare: they differ only in what the long format shows) stay apart; every reader
    gives them the same cells and sums."""

    __slots__ = ("codes", "counts", "figures")

    def __init__(self, table: Sequence[Outcome], codes: Any, np: Any):
        self.figures: list[Figures] = _figures_of(table)
        if np is not None:
            self.codes: Any = np.asarray(codes, dtype=np.intp)
            self.counts: Any = np.bincount(self.codes, minlength=len(self.figures))
        else:
            self.codes = codes
            self.counts = [0] * len(self.figures)
            for code, count in Counter(self.codes).items():
                self.counts[code] = count

    def count_into(self, summary: Counter[SummaryKey], index: int) -> None:
        """Add this measure's companies to the summary (count, and the summed estimates)."""
        per_status: dict[str, list[int]] = {}
        counts = self.counts if type(self.counts) is list else self.counts.tolist()
        for (status, low, high, _counted), count in zip(self.figures, counts, strict=True):
            if not count:
                continue
            figures = per_status.get(status)
            if figures is None:
                figures = per_status[status] = [0, 0, 0, 0]
            figures[0] += count
            if status != INELIGIBLE and high is not None:
                figures[1] += (low or 0) * count
                figures[2] += high * count
                figures[3] = 1
        for status, (count, low_sum, high_sum, has_amount) in per_status.items():
            summary[(index, status, "count")] += count
            if has_amount:
                summary[(index, status, "min_yuan")] += low_sum
                summary[(index, status, "max_yuan")] += high_sum


class BlockWriter:
    """Turns an evaluated block into the bytes (CSV) or columns (Parquet) of its rows, and
    counts it into the summary.

    Work is done per distinct outcome, not per company: the text of each outcome is built
    once (and memoised across blocks, as UTF-8 bytes), then every company's row is put
    together from those pieces with C-level joins (numpy object arrays when numpy is
    installed, ``map``/``zip`` otherwise; the bytes are the same). ``block.codes[m]`` may
    be a list or a numpy integer array.
    """

    MEMO_LIMIT = 2_000  # per measure: rendered cells of distinct outcomes

    def __init__(self, measures: Sequence[rm.Measure], fmt: str):
        self.measures = list(measures)
        self.ids = [m.id for m in self.measures]
        self.format = fmt
        self._cells: list[dict[Any, bytes]] = [{} for _ in self.measures]

    def _wide_cells(self, index: int, figures: list[Figures]) -> list[bytes]:
        """Per figures: ``,status,min 万元,max 万元,counted`` as UTF-8 (kept across blocks)."""
        memo = self._cells[index]
        cells: list[bytes | None] = list(map(memo.get, figures))
        if None not in cells:
            return cells  # type: ignore[return-value]
        if len(memo) > self.MEMO_LIMIT:
            memo.clear()
        missing = [position for position, found in enumerate(cells) if found is None]
        keys = figures if len(missing) == len(figures) else [figures[position] for position in missing]
        statuses, lows, highs, counted = zip(*keys, strict=True)
        np = _numpy()
        # the figures (ASCII) joined and encoded apart from the status label (Chinese): a
        # narrow join and an ASCII encoding are copies, a wide one converts every character
        figures_text = map(str.encode, map(",".join, zip(_wan_list(lows, np), _wan_list(highs, np), strict=True)))
        parts = zip(
            map(_STATUS_BYTES.__getitem__, statuses),
            figures_text,
            map(_COUNTED_BYTES.__getitem__, counted),
            strict=True,
        )
        rendered = list(map(b"".join, parts))
        memo.update(zip(keys, rendered, strict=True))
        if keys is figures:
            return rendered
        for position, found in zip(missing, rendered, strict=True):
            cells[position] = found
        return cells  # type: ignore[return-value]

    def _long_cells(self, index: int, table: Sequence[Outcome]) -> list[bytes]:
        """Per outcome: the rest of its long row after the company's three cells, CRLF included."""
        memo = self._cells[index]
        keys = [(status, amount[:9], counted) for status, amount, counted in table]
        cells: list[bytes | None] = list(map(memo.get, keys))
        if None not in cells:
            return cells  # type: ignore[return-value]
        if len(memo) > self.MEMO_LIMIT:
            memo.clear()
        head = f"{csv_cell(self.ids[index])},"
        wan = _wan_texts()
        for position, found in enumerate(cells):
            if found is None:
                key = keys[position]
                found = memo.get(key)  # the same figures earlier in this table
                if found is None:
                    found = memo[key] = _long_cell(head, wan, *key)
                cells[position] = found
        return cells  # type: ignore[return-value]

    def write(
        self, companies: Sequence[tuple[str, str | None, str | None]], block: Assessed, summary: Counter[SummaryKey]
    ) -> Any:
        """The output of these companies (row label, name, credit code) and their outcomes:
        bytes of CSV rows, or for Parquet a dict of pyarrow arrays (column name → array)."""
        np = _numpy()
        codes = list(block.codes) if np is not None else [c if type(c) is list else list(c) for c in block.codes]
        columns = [_Column(table, code, np) for table, code in zip(block.tables, codes, strict=True)]
        flat = _Flat.of(columns, len(companies), np) if np is not None else None
        if flat is not None:
            flat.count_into(summary)
        else:
            for index, column in enumerate(columns):
                column.count_into(summary, index)
        if not companies:
            return b"" if self.format != "parquet" else {}
        if self.format == "parquet":
            return self._parquet(companies, columns, flat)
        if self.format == "long":
            prefixes = [
                f"{row},{name},{code},".encode() for row, name, code in zip(*_identity_columns(companies), strict=True)
            ]
            cells = [self._long_cells(i, table) for i, table in enumerate(block.tables)]
            return _interleave(prefixes, cells, codes, np)
        totals = _totals_columns(columns, len(companies), flat)
        texts = zip(*_identity_columns(companies), *_totals_texts(totals, np), strict=True)
        prefixes = list(map(str.encode, map(",".join, texts)))
        cells = [self._wide_cells(i, column.figures) for i, column in enumerate(columns)]
        return _rows(prefixes, cells, [column.codes for column in columns], np)

    def _parquet(
        self, companies: Sequence[tuple[str, str | None, str | None]], columns: list[_Column], flat: _Flat | None
    ) -> dict[str, Any]:
        """The Parquet columns as pyarrow arrays: each measure's four columns are its few
        distinct figures taken by the companies' codes (in C)."""
        import pyarrow as pa

        out: dict[str, Any] = {
            "row": pa.array([c[0] for c in companies], pa.string()),
            "company": pa.array([c[1] for c in companies], pa.string()),
            "credit_code": pa.array([c[2] for c in companies], pa.string()),
        }
        totals = _totals_columns(columns, len(companies), flat)
        for name, total in zip(COMPANY_COLUMNS[3:], totals, strict=True):
            out[name.replace("_wan", "_yuan")] = pa.array(total, pa.int64())
        types = (pa.string(), pa.int64(), pa.int64(), pa.bool_())
        for measure_id, column in zip(self.ids, columns, strict=True):
            taken = pa.array(column.codes, pa.int64())
            for part, values, kind in zip(PARQUET_PARTS, zip(*column.figures, strict=True), types, strict=True):
                out[f"{measure_id}.{part}"] = pa.array(values, kind).take(taken)
        return out


def _identity_columns(
    companies: Sequence[tuple[str, str | None, str | None]],
) -> tuple[list[str], list[str], list[str]]:
    """The row labels, names and credit codes of the companies as written CSV cells."""
    rows, names, codes = zip(*companies, strict=True)
    return _text_column(rows), _text_column(names), _text_column(codes)


def _text_column(values: Sequence[str | None]) -> list[str]:
    """``text_cell`` of each value; a column with nothing to escape, quote or neutralise
    (almost always) is checked as a whole."""
    texts = [v or "" for v in values]
    joined = "".join(texts)
    if (
        "," not in joined
        and '"' not in joined
        and (joined.isprintable() or is_clean(joined))  # printable is clean, and checked in a C loop
        and (
            not any(char in joined for char in _CLEAN_RISKY_FIRST)  # a character search each, in C
            or _CELL_RISKY_FIRST.isdisjoint([t[:1] for t in texts])
        )
    ):
        return texts
    return list(map(text_cell, values))


def _rows(prefixes: list[bytes], cells: list[list[bytes]], codes: list[Any], np: Any) -> bytes:
    """Wide rows: each company's prefix, then its cell of every measure, then CRLF.

    With numpy, neighbouring measures with few distinct cells are joined into one column
    first (every combination of their cells, indexed by the combined code), so the final
    join has a third of the pieces, and the last column's cells end with the CRLF; the bytes
    are the same."""
    if np is None:
        taken = [list(map(found.__getitem__, code)) for found, code in zip(cells, codes, strict=True)]
        return b"".join(map(b"".join, zip(prefixes, *taken, itertools.repeat(b"\r\n", len(prefixes)), strict=True)))
    groups = _groups([len(found) for found in cells], min(_GROUP_LIMIT, len(prefixes)))
    grid = np.empty((len(prefixes), len(groups) + 1), dtype=object)
    grid[:, 0] = _objects(np, prefixes)
    for position, (start, stop) in enumerate(groups, start=1):
        combined = codes[start]
        for found, code in zip(cells[start + 1 : stop], codes[start + 1 : stop], strict=True):
            combined = combined * len(found) + code
        # itertools.product varies the last measure fastest, as the combined code does
        found = cells[start] if stop == start + 1 else list(map(b"".join, itertools.product(*cells[start:stop])))
        if stop == len(cells):
            found = [cell + b"\r\n" for cell in found]
        grid[:, position] = _objects(np, found)[combined]
    if not groups:  # no measures: the row is its prefix
        grid[:, -1] = _objects(np, [prefix + b"\r\n" for prefix in prefixes])
    return b"".join(grid.ravel().tolist())


#: At most this many combined cells per group of measures (built once per block).
_GROUP_LIMIT = 512


def _groups(sizes: list[int], limit: int) -> list[tuple[int, int]]:
    """Runs of neighbouring measures whose numbers of distinct cells multiply to at most
    ``limit`` (a measure with more is a run of its own), as (start, stop) indexes."""
    groups: list[tuple[int, int]] = []
    start, product = 0, 1
    for index, size in enumerate(sizes):
        if index > start and product * size > limit:
            groups.append((start, index))
            start, product = index, 1
        product *= size
    if sizes:
        groups.append((start, len(sizes)))
    return groups


def _interleave(prefixes: list[bytes], cells: list[list[bytes]], codes: list[Any], np: Any) -> bytes:
    """Long rows: per company, its prefix before each of its measure rows."""
    if np is None:
        taken = [list(map(found.__getitem__, code)) for found, code in zip(cells, codes, strict=True)]
    else:
        taken = [
            _objects(np, found)[np.asarray(code, dtype=np.intp)].tolist()
            for found, code in zip(cells, codes, strict=True)
        ]
    # prefix.join((b"", r1, …, rn)) is prefix r1 prefix r2 … prefix rn
    return b"".join(map(bytes.join, prefixes, zip(itertools.repeat(b"", len(prefixes)), *taken, strict=True)))


#: A status as its two cells in the long format (status code, label).
_STATUS_LONG = {status: f"{csv_cell(status)},{csv_cell(label)}," for status, label in STATUS_LABEL.items()}


#: Characters of number cells (integers, 万元, true/false, None) that ``csv_cell`` leaves as they are.
_PLAIN_NUMBER_TEXT = frozenset("0123456789.,truefalsNon")


def _long_cell(head: str, wan: _WanTexts, status: str, figures: tuple[Any, ...], counted: bool) -> bytes:
    """One long row after the company's cells: ``head`` (the measure id cell and a comma),
    the status, the amount's figures and display text (all empty for 不符合), counted; CRLF.
    ``wan``: the kept 万元 texts."""
    kind, low, high, per_year, years, total_low, total_high, _later, result = figures
    if result.value is None:  # 不符合: no amount (NO_AMOUNT), every amount cell empty
        return f"{head}{_STATUS_LONG[status]}{',' * 10}{'true' if counted else 'false'}\r\n".encode()
    display = result.value.display()
    numbers = (
        _num(low),
        _num(high),
        "true" if per_year else "false",
        str(years),
        _num(total_low),
        _num(total_high),
        wan[total_low],
        wan[total_high],
    )
    text = ",".join(numbers)
    if not _PLAIN_NUMBER_TEXT.issuperset(text):  # a negative figure, say
        text = ",".join(map(csv_cell, numbers))
    return (
        f"{head}{_STATUS_LONG[status]}{csv_cell(kind)},{text},{csv_cell(display)},{'true' if counted else 'false'}\r\n"
    ).encode()


def _objects(np: Any, items: Sequence[object]) -> Any:
    """A one-dimensional object array holding exactly these objects (no conversion; ``fromiter``
    does not look into each item for a shape, as assigning a list does)."""
    return np.fromiter(items, dtype=object, count=len(items))


def _parts(figures: list[Figures]) -> list[tuple[int, int, int, int, int, int]]:
    """Per distinct figures, what they add to a company's (eligible, possible, eligible min,
    eligible max, possible min, possible max), as ``Totals`` adds them (a range counts from
    its minimum to its maximum; only outcomes counted in the total add money)."""
    parts = []
    for status, low, high, counted in figures:
        low = (low or 0) if counted else 0
        high = (high or 0) if counted else 0
        if status == ELIGIBLE:
            parts.append((1, 0, low, high, 0, 0))
        elif status == POSSIBLE:
            parts.append((0, 1, 0, 0, low, high))
        else:
            parts.append((0, 0, 0, 0, 0, 0))
    return parts


def _totals_columns(columns: list[_Column], size: int, flat: _Flat | None) -> list[Any]:
    """Per company its counts and counted sums (yuan), as six columns (int64 arrays from
    ``flat``, else lists of ints): eligible, possible, eligible min, eligible max, possible
    min, possible max."""
    if flat is not None:
        return flat.totals(columns)
    # pure Python (no numpy, or a figure too large for int64): exact integers
    adding = [(column, parts) for column in columns if any(map(any, parts := _parts(column.figures)))]
    totals: list[list[int]] = []
    for k in range(6):
        taken = []
        for column, parts in adding:
            values = [part[k] for part in parts]
            if any(values):
                codes = column.codes if type(column.codes) is list else column.codes.tolist()
                taken.append(list(map(values.__getitem__, codes)))
        totals.append(list(map(sum, zip(*taken, strict=True))) if taken else [0] * size)
    return totals


def _totals_texts(totals: list[Any], np: Any) -> list[list[str]]:
    """The six totals columns (``_totals_columns``) as written cells: counts, then 万元."""
    counts, sums = totals[:2], totals[2:]
    if type(counts[0]) is list:  # the pure-Python totals
        return [*(list(map(str, c)) for c in counts), *map(_wan_column, sums)]
    numbers = _objects(np, list(map(str, range(int(max(c.max() for c in counts)) + 1))))
    return [*(numbers[c].tolist() for c in counts), *(_wan_totals(np, s) for s in sums)]


#: Sums in int64 stay exact while every figure times the number of terms stays below this.
_INT64_SUM_LIMIT = 1 << 62
_STATUS_INDEX = {ELIGIBLE: 0, POSSIBLE: 1, INELIGIBLE: 2}
#: A company's eligible and possible counts share one int64, the possible ones shifted by
#: this many bits (a count is at most the number of measures, far below 2**24).
_COUNT_BITS = 24


class _Flat:
    """The distinct figures of every measure of a block side by side as numpy arrays, so
    the summary and the company totals are a few array operations; ``of`` gives None when
    a figure is too large for exact int64 sums (the pure-Python path then adds them)."""

    def __init__(self, np: Any, status: Any, low: Any, high: Any, has_high: Any, money: Any, counts: Any, starts: Any):
        self.np, self.status, self.low, self.high = np, status, low, high
        self.has_high, self.money, self.counts, self.starts = has_high, money, counts, starts

    @classmethod
    def of(cls, columns: list[_Column], size: int, np: Any) -> _Flat | None:
        sizes = [len(column.figures) for column in columns]
        if not size or not columns or not all(sizes) or len(columns) >> _COUNT_BITS:
            return None
        statuses, lows, highs, counted = zip(*itertools.chain.from_iterable(c.figures for c in columns), strict=True)
        if not set(statuses) <= _STATUS_INDEX.keys():
            return None
        try:
            low = np.array([v or 0 for v in lows], dtype=np.int64)
            high = np.array([v or 0 for v in highs], dtype=np.int64)
        except OverflowError:
            return None
        bound = max(int(np.abs(low).max()), int(np.abs(high).max()))
        if bound * max(size, len(columns)) >= _INT64_SUM_LIMIT:
            return None
        return cls(
            np,
            np.array(list(map(_STATUS_INDEX.__getitem__, statuses)), dtype=np.int8),
            low,
            high,
            np.array([v is not None for v in highs], dtype=bool),
            np.array(counted, dtype=bool),
            np.concatenate([column.counts for column in columns]).astype(np.int64),
            np.cumsum([0, *sizes[:-1]]),
        )

    def count_into(self, summary: Counter[SummaryKey]) -> None:
        """Add every measure's companies to the summary, as ``_Column.count_into`` does."""
        np, starts, counts = self.np, self.starts, self.counts
        for status, code in _STATUS_INDEX.items():
            mine = counts * (self.status == code)
            number = np.add.reduceat(mine, starts).tolist()
            if status != INELIGIBLE:
                priced = mine * self.has_high
                has_amount = (np.add.reduceat(priced, starts) > 0).tolist()
                low_sum = np.add.reduceat(self.low * priced, starts).tolist()
                high_sum = np.add.reduceat(self.high * priced, starts).tolist()
            for index, count in enumerate(number):
                if count:
                    summary[(index, status, "count")] += count
                    if status != INELIGIBLE and has_amount[index]:
                        summary[(index, status, "min_yuan")] += low_sum[index]
                        summary[(index, status, "max_yuan")] += high_sum[index]

    def totals(self, columns: list[_Column]) -> list[Any]:
        """``_totals_columns``: each company's parts of every measure gathered and added.
        The two counts travel as one integer (possible ones above ``_COUNT_BITS``), so they
        take one gather instead of two."""
        np = self.np
        eligible = (self.status == 0).astype(np.int64)
        possible = (self.status == 1).astype(np.int64)
        low = self.low * self.money  # only outcomes counted in the total add money
        high = self.high * self.money
        where = np.stack([column.codes for column in columns]) + self.starts[:, None]  # (measures, companies)
        parts = (eligible + (possible << _COUNT_BITS), low * eligible, high * eligible, low * possible, high * possible)
        size = where.shape[1]
        totals = []
        for part in parts:
            adding = np.add.reduceat(part != 0, self.starts) > 0  # the measures that add to this part
            if adding.any():
                totals.append(np.take(part, where[adding]).sum(axis=0))
            else:
                totals.append(np.zeros(size, dtype=np.int64))
        counts = totals[0]
        return [counts & ((1 << _COUNT_BITS) - 1), counts >> _COUNT_BITS, *totals[1:]]


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

    def write(self, columns: dict[str, Any]) -> None:
        """Append one block's columns (``BlockWriter.write``: pyarrow arrays or lists)."""
        if columns and len(columns["row"]):
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
