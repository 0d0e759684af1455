"""``advisor batch``: assess many companies at once.

INPUT is a folder of profile files (``*.toml``) or a CSV file with one company per row,
columns named by the profile's dotted keys (``advisor batch --template`` prints them).
Every row is validated exactly like a profile file (``profile_io.profile_from_data``);
a bad row is reported with its row number and skipped, the run goes on.

Output: RESULTS (one row per company × measure: status, amounts in yuan and 万元,
whether it counts in the company's total) and RESULTS-summary.csv (per measure: how many
companies are eligible / possible, and the summed estimates), printed as a table.

Speed: the catalogue is prepared once per process (``BatchEvaluator``); conditions shared
by many measures are decided once per company; amounts are memoised by the exact values
they read. The figures are the engine's own: ``tests/unit/test_batch.py`` checks that every
row equals what ``Engine.match`` / ``assessment_json`` gives for that company and measure.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import csv
import datetime as _dt
import io
import itertools
import os
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from decimal import Decimal
from operator import itemgetter
from pathlib import Path
from typing import Any

from advisor.amounts import compute_amount
from advisor.conditions import AS_OF_YEAR, FAILED, UNKNOWN
from advisor.engine import Engine
from advisor.facts import profile_facts
from advisor.money import yuan_to_wan
from advisor.profile import FACT_SECTIONS, SCHEMA_VERSION, Profile
from advisor.profile_io import ProfileError, load_profile, os_error_text, profile_from_data
from advisor.results import ELIGIBLE, INELIGIBLE, POSSIBLE, STATUS_LABEL, MatchResult
from advisor.stacking import apply_stacking
from advisor.terminal_text import printable

EXIT_OK, EXIT_UNUSABLE, EXIT_WRITE_FAILED, EXIT_INTERRUPTED = 0, 2, 1, 130

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
_LIST_SEPARATORS = (";", "；")
_EMPTY_LIST = ("无", "[]")  # an answered list with nothing in it; an empty cell is unknown


class UnusableInput(Exception):
    """The input cannot be read at all (exit 2); ``str()`` is a Chinese message."""


# --- CSV columns ----------------------------------------------------------------------------


def _section_fields() -> dict[str, dict[str, Any]]:
    return {s: dict(Profile.model_fields[s].annotation.model_fields) for s in FACT_SECTIONS}  # type: ignore[union-attr]


def _item_models() -> dict[str, type]:
    """Answers that are lists of items (projects.funded, events.held) and their item model."""
    found: dict[str, type] = {}
    for section, fields in _section_fields().items():
        for name, info in fields.items():
            for arg in getattr(info.annotation, "__args__", ()):
                inner = getattr(arg, "__args__", ())
                if inner and isinstance(inner[0], type) and hasattr(inner[0], "model_fields"):
                    found[f"{section}.{name}"] = inner[0]
    return found


def _kind(info: Any) -> str:
    """How a cell is read for this field, as TOML would type the value:
    list (``a;b``), bool, int, number (万元, Decimal) or text."""
    import typing

    def base(tp: Any) -> Any:
        while typing.get_origin(tp) is typing.Annotated:
            tp = typing.get_args(tp)[0]
        return tp

    args = [base(a) for a in typing.get_args(info.annotation) if a is not type(None)] or [base(info.annotation)]
    tp = args[0]
    if typing.get_origin(tp) is list:
        return "list"
    if tp is bool:
        return "bool"
    if tp is int:
        return "int"
    if tp is Decimal:
        return "number"
    return "text"


# ASCII digits only: full-width or superscript digits stay text and are refused by validation
_INT = re.compile(r"[+-]?[0-9]{1,30}")
_NUMBER = re.compile(r"[+-]?([0-9]{1,30}(\.[0-9]{0,30})?|\.[0-9]{1,30})([eE][+-]?[0-9]{1,3})?")
_SMALL_INT = re.compile(r"[0-9]{1,6}")
_YEAR = re.compile(r"[0-9]{4}")
_MAX_ITEM_NUMBER = 1000
_ITEM_NUMBER = re.compile(r"[1-9][0-9]{0,2}|1000")
_BOOL_WORDS = {"true": True, "false": False, "是": True, "否": False}


def _typed(cell: str, kind: str) -> Any:
    """A CSV cell as the TOML value a profile file would hold; anything else stays text
    so validation refuses it with the usual message."""
    if kind == "text":
        return cell
    if kind == "bool":
        found = _BOOL_WORDS.get(cell.lower() if cell.isascii() else cell)
        return cell if found is None else found
    if kind == "list":
        for sep in _LIST_SEPARATORS[1:]:
            cell = cell.replace(sep, _LIST_SEPARATORS[0])
        return [] if cell in _EMPTY_LIST else [p.strip() for p in cell.split(_LIST_SEPARATORS[0]) if p.strip()]
    text = cell.replace(",", "") if kind == "number" else cell
    if _INT.fullmatch(text):
        return int(text)
    if kind == "number" and _NUMBER.fullmatch(text):
        return Decimal(text)
    return cell


def template_columns(today: _dt.date | None = None, items: int = 2) -> list[str]:
    """The CSV header: every answerable key, three revenue years, two slots per item list."""
    year = (today or _dt.date.today()).year
    item_models = _item_models()
    columns: list[str] = []
    for section, fields in _section_fields().items():
        for name in fields:
            path = f"{section}.{name}"
            if path == "scale.revenue_wan":
                columns += [f"{path}.{y}" for y in range(year - 3, year)]
            elif path in item_models:
                columns += [f"{path}.{i}.{f}" for i in range(1, items + 1) for f in item_models[path].model_fields]
            else:
                columns.append(path)
    return columns


class ColumnPlan:
    """How each CSV column maps into TOML-shaped profile data."""

    def __init__(self, header: list[str]):
        fields = _section_fields()
        item_models = _item_models()
        self.width = len(header)
        self.simple: list[tuple[int, str, str, str]] = []  # (index, section, key, kind)
        self.revenue: list[tuple[int, str]] = []
        self.items: list[tuple[int, str, str, int, str, str]] = []  # (index, section, key, n, field, kind)
        self.schema_version: int | None = None
        problems: list[str] = []
        seen: dict[str, int] = {}
        for index, raw in enumerate(header):
            name = ".".join(part.strip() for part in raw.strip().split("."))
            shown = printable(name[:60]) + ("…" if len(name) > 60 else "")
            if name in seen:
                problems.append(f"第 {index + 1} 列“{shown}”与第 {seen[name] + 1} 列重复")
                continue
            seen[name] = index
            if name == "schema_version":
                self.schema_version = index
                continue
            parts = name.split(".")
            section = parts[0]
            info = fields.get(section, {}).get(parts[1]) if len(parts) >= 2 else None
            path = ".".join(parts[:2])
            if info is not None and len(parts) == 2 and path not in item_models:
                self.simple.append((index, section, parts[1], _kind(info)))
            elif path == "scale.revenue_wan" and len(parts) == 3 and _YEAR.fullmatch(parts[2]):
                self.revenue.append((index, parts[2]))
            elif (
                path in item_models
                and len(parts) == 4
                and _ITEM_NUMBER.fullmatch(parts[2])
                and parts[3] in item_models[path].model_fields
            ):
                kind = _kind(item_models[path].model_fields[parts[3]])
                self.items.append((index, section, parts[1], int(parts[2]), parts[3], kind))
            else:
                from advisor.catalogue import nearest

                hint = nearest(name[:200], template_columns())
                if path == "scale.revenue_wan" and len(parts) == 3:
                    problems.append(f"第 {index + 1} 列“{shown}”的年份应为四位半角数字，如 scale.revenue_wan.2024")
                elif path in item_models and len(parts) == 4 and not _ITEM_NUMBER.fullmatch(parts[2]):
                    problems.append(f"第 {index + 1} 列“{shown}”的序号应为 1 至 {_MAX_ITEM_NUMBER} 的半角数字")
                else:
                    problems.append(
                        f"第 {index + 1} 列“{shown}”不是画像中的键" + (f"，是否想写“{hint}”？" if hint else "")
                    )
        if problems:
            raise UnusableInput(
                "CSV 表头有误："
                + "；".join(problems[:10])
                + ("" if len(problems) <= 10 else f"；另有 {len(problems) - 10} 处")
                + "。"
                + "可用 advisor batch --template 生成表头模板。"
            )
        self.items.sort(key=lambda t: (t[1], t[2], t[3]))

    def data(self, record: list[str]) -> dict[str, Any]:
        """TOML-shaped data for one CSV record; empty cells are unknown answers."""
        if len(record) > self.width:
            extra = [c for c in record[self.width :] if c.strip()]
            if extra:
                raise ProfileError(f"该行比表头多出 {len(record) - self.width} 列。")
        if len(record) < self.width:
            record = record + [""] * (self.width - len(record))
        data: dict[str, Any] = {}
        if self.schema_version is not None and record[self.schema_version].strip():
            text = record[self.schema_version].strip()
            data["schema_version"] = int(text) if _SMALL_INT.fullmatch(text) else text
        else:
            data["schema_version"] = SCHEMA_VERSION
        for index, section, key, kind in self.simple:
            cell = record[index].strip()
            if not cell:
                continue
            value = cell if kind == "text" else _typed(cell, kind)
            target = data.get(section)
            if target is None:
                target = data[section] = {}
            target[key] = value
        if self.revenue:
            revenue = {year: _typed(record[i].strip(), "number") for i, year in self.revenue if record[i].strip()}
            if revenue:
                data.setdefault("scale", {})["revenue_wan"] = revenue
        if self.items:
            lists: dict[tuple[str, str], dict[int, dict[str, Any]]] = {}
            for index, section, key, n, field, kind in self.items:
                cell = record[index].strip()
                if cell:
                    lists.setdefault((section, key), {}).setdefault(n, {})[field] = _typed(cell, kind)
            for (section, key), numbered in lists.items():
                data.setdefault(section, {})[key] = [numbered[n] for n in sorted(numbered)]
        return data


# --- fast evaluation ------------------------------------------------------------------------


def _freeze(value: Any) -> Any:
    """A hashable stand-in that differs whenever the value could be read differently."""
    kind = type(value)
    if value is None or kind is str or kind is int or kind is bool:
        return value
    if kind is Decimal:
        return ("D", str(value))
    if kind is list or kind is tuple:
        return ("L", *tuple(_freeze(v) for v in value))
    if kind is dict:
        return ("M", *tuple((k, _freeze(v)) for k, v in value.items()))
    if hasattr(kind, "model_fields"):
        return (kind.__name__, *tuple(_freeze(v) for v in value.__dict__.values()))
    raise TypeError(kind)


class BatchEvaluator:
    """Status, amount and count-in-total of every measure for many profiles.

    Equivalent to ``Engine.match`` for those figures (not the explanations):
    each distinct top-level condition is decided once per company with the same
    compiled comparisons the engine uses; amounts come from ``compute_amount`` itself,
    memoised by the exact (frozen) values of the facts the amount reads.
    """

    MEMO_LIMIT = 200_000

    def __init__(self, engine: Engine, as_of: _dt.date):
        self.engine = engine
        self.as_of = as_of
        self.measures = list(engine.catalogue.measures)
        unique: dict[str, int] = {}
        self._state_fns: list[Any] = []
        self._condition_ids: list[tuple[int, ...]] = []
        for measure in self.measures:
            ids = []
            for compiled, condition in zip(engine.compiled(measure.id), engine.conditions(measure.id), strict=True):
                key = condition.model_dump_json(exclude={"label"}, round_trip=True)
                if key not in unique:
                    unique[key] = len(self._state_fns)
                    self._state_fns.append(compiled.state)
                ids.append(unique[key])
            self._condition_ids.append(tuple(ids))
        amount_facts_of = [tuple(_amount_fact_names(m)) for m in self.measures]
        self._amount_facts = sorted({f for facts in amount_facts_of for f in facts})
        self._amount_key = [_getter(facts) for facts in amount_facts_of]
        self._amount_memo: list[dict[Any, tuple]] = [{} for _ in self.measures]
        self._sources = [engine.catalogue.sources[m.document] for m in self.measures]
        self._ids = [m.id for m in self.measures]
        self._out_memo: dict[tuple, tuple[str, tuple]] = {}

    def _amount(self, index: int, frozen: dict[str, Any], facts: dict[str, Any]) -> tuple:
        key = self._amount_key[index](frozen)
        memo = self._amount_memo[index]
        found = memo.get(key)
        if found is None:
            found = _amount_tuple(compute_amount(self.measures[index], facts, self.engine.label))
            if len(memo) > self.MEMO_LIMIT:
                memo.clear()
            memo[key] = found
        return found

    def assess(self, facts: dict[str, Any]) -> list[tuple[str, tuple[str, ...] | tuple]]:
        """For one company: per measure (catalogue order) the status and amount tuple and counted flag."""
        facts[AS_OF_YEAR] = self.as_of.year  # time words compare with the batch's as-of date
        try:
            frozen = {f: _freeze(facts.get(f)) for f in self._amount_facts}
        except TypeError:  # a value we cannot key by: compute without the memo
            frozen = None
        states: list[str | None] = [None] * len(self._state_fns)
        state_fns = self._state_fns
        out = []
        live: list[MatchResult] = []
        for index, ids in enumerate(self._condition_ids):
            status = ELIGIBLE
            for i in ids:
                s = states[i]
                if s is None:
                    s = states[i] = state_fns[i](facts)
                if s == FAILED:
                    status = INELIGIBLE
                    break
                if s == UNKNOWN:
                    status = POSSIBLE
            if frozen is None:
                amount = _amount_tuple(compute_amount(self.measures[index], facts, self.engine.label))
            else:
                amount = self._amount(index, frozen, facts)
            if status != INELIGIBLE and amount[0] == "exact" and amount[2] == 0 and not amount[7]:
                status = INELIGIBLE  # as Engine.evaluate_measure: nothing left to pay
            if status != INELIGIBLE:
                measure = self.measures[index]
                live.append(MatchResult(measure, self._sources[index], status, [], amount[9].value, [], None))  # type: ignore[arg-type]
            out.append((status, amount))
        # who counts in the total: the engine's own rule (same-kind groups, tax, unquantified)
        apply_stacking(live, self.engine.catalogue, self.engine.groups_of)
        counted = {r.measure.id for r in live if r.counted_in_total}
        return [(status, amount, self._ids[i] in counted) for i, (status, amount) in enumerate(out)]

    def lines(self, prefix: str, facts: dict[str, Any], summary: Counter) -> str:
        """The result CSV lines of one company (``prefix`` is its first three cells)."""
        memo = self._out_memo
        keys = []
        parts = []
        for index, (status, amount, counted) in enumerate(self.assess(facts)):
            key = (index, status, amount, counted)
            found = memo.get(key)
            if found is None:
                found = (self._suffix(index, status, amount, counted), (index, status, amount[5], amount[6]))
                if len(memo) > self.MEMO_LIMIT:
                    memo.clear()
                memo[key] = found
            parts.append(found[0])
            keys.append(found[1])
        summary.update(keys)
        return prefix + prefix.join(parts)

    def _suffix(self, index: int, status: str, amount: tuple, counted: bool) -> str:
        kind, low, high, per_year, years, total_low, total_high, _later, display, _ = amount
        cells = [
            self._ids[index],
            status,
            STATUS_LABEL[status],
            kind,
            _num(low),
            _num(high),
            "true" if per_year else "false",
            str(years),
            _num(total_low),
            _num(total_high),
            _wan(total_low),
            _wan(total_high),
            display,
            "true" if counted else "false",
        ]
        return ",".join(_csv_cell(c) for c in cells) + "\r\n"


def _amount_tuple(a: Any) -> tuple:
    """The figures of an AmountResult, hashable, with the result itself last (read-only)."""
    return (
        a.kind,
        a.min_yuan,
        a.max_yuan,
        a.per_year,
        a.years,
        a.total_min_yuan,
        a.total_max_yuan,
        a.later_yuan,
        a.display(),
        _Frozen(a),
    )


class _Frozen:
    """Wraps a memoised AmountResult so it takes no part in hashing or equality."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value

    def __hash__(self) -> int:
        return 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Frozen)


def _amount_fact_names(measure: Any) -> list[str]:
    from advisor.catalogue import DERIVED_FACTS, amount_facts

    names = list(amount_facts(measure.amount))
    # a derived fact is computed from its inputs; keying by the inputs too is harmless
    return names + [i for n in names for i in DERIVED_FACTS.get(n, ("", "", ()))[2]]


def _getter(names: tuple[str, ...]) -> Any:
    if not names:
        return lambda frozen: ()
    if len(names) == 1:
        name = names[0]
        return lambda frozen: frozen[name]
    return itemgetter(*names)


def _num(value: int | None) -> str:
    return "" if value is None else str(value)


def _wan(value: int | None) -> str:
    return "" if value is None else format(yuan_to_wan(value), "f")


_FORMULA_START = frozenset("=+-@\t\r\x00")


def neutralise(text: str) -> str:
    """A cell a spreadsheet will never run (OWASP CSV injection): a cell whose first
    character, or first after leading spaces, is = + - @ tab CR or NUL gets a leading '."""
    stripped = text.lstrip(" \u3000\n\x0b\x0c")
    if (stripped and stripped[0] in _FORMULA_START) or text[:1] in _FORMULA_START:
        return "'" + text
    return text


def _csv_cell(text: str) -> str:
    """One written CSV cell: neutralised, and quoted when it holds a separator."""
    text = neutralise(text)
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _text_cell(text: str | None) -> str:
    """A company's own text in the results: control characters shown as escapes, never a formula."""
    if not text:
        return ""
    return _csv_cell(printable(text))


def _write_rows(handle: Any, rows: Iterable[Iterable[object]]) -> None:
    """Write rows of cells, every cell through ``_csv_cell``."""
    for row in rows:
        handle.write(",".join(_csv_cell(str(cell)) for cell in row) + "\r\n")


# --- workers --------------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _worker_init(rules_root: str | None, as_of: _dt.date, header: list[str] | None) -> None:
    if _WORKER.get("key") == (rules_root, as_of, tuple(header or ())):
        return  # inherited through fork
    from advisor.rulestore import load_engine

    engine = load_engine(Path(rules_root) if rules_root else None)
    _WORKER.update(
        key=(rules_root, as_of, tuple(header or ())),
        evaluator=BatchEvaluator(engine, as_of),
        plan=ColumnPlan(header) if header is not None else None,
    )


def _assess_profile(profile: Profile, row: str, summary: Counter) -> str:
    evaluator: BatchEvaluator = _WORKER["evaluator"]
    prefix = f"{_text_cell(row)},{_text_cell(profile.identity.name)},{_text_cell(profile.identity.credit_code)},"
    return evaluator.lines(prefix, profile_facts(profile), summary)


def _row_failure(exc: BaseException) -> str:
    """A Chinese message for a row that failed in an unexpected way (never a traceback)."""
    if isinstance(exc, RecursionError):
        return "内容嵌套过深，无法读取。"
    if isinstance(exc, (ValueError, OverflowError)):
        return "有一个数字或值超出了可以处理的范围（例如位数过多），已跳过。"
    return f"无法评估该行（内部错误 {type(exc).__name__}），已跳过，其余照常评估。"


def _csv_chunk(job: tuple[list[tuple[int, str]], int]) -> tuple[bytes, Counter, list[tuple[str, str]], int]:
    """Assess a chunk of CSV lines; ``job`` is ((line number, text) pairs, unused)."""
    lines, _ = job
    plan: ColumnPlan = _WORKER["plan"]
    summary: Counter = Counter()
    errors: list[tuple[str, str]] = []
    out: list[str] = []
    ok = 0
    for number, line in lines:
        row = str(number)
        if not line.strip(" \t\r\n,"):
            continue  # a blank line is not a company
        try:
            record = _parse_line(line)
            profile = profile_from_data(plan.data(record))
            out.append(_assess_profile(profile, row, summary))
        except ProfileError as exc:
            errors.append((row, str(exc)))
            continue
        except Exception as exc:
            errors.append((row, _row_failure(exc)))
            continue
        ok += 1
    return "".join(out).encode("utf-8"), summary, errors, ok


def _parse_line(line: str) -> list[str]:
    """One physical line as one CSV record, strictly: a quote that is not closed on its
    own line is an error for this row (it never swallows the rows after it)."""
    if line.count('"') % 2:
        raise ProfileError(
            "这一行的引号不成对（某个单元格以引号开始却没有结束），已跳过；"
            '后面的行不受影响。单元格内的引号请写成两个引号（""）。'
        )
    try:
        records = list(csv.reader([line], strict=True))
    except csv.Error:
        raise ProfileError(
            "这一行不是有效的 CSV（引号的位置不对：含引号的单元格应整体用引号括起，内部引号写成两个）。"
        ) from None
    return records[0] if records else []


def _toml_chunk(paths: list[str]) -> tuple[bytes, Counter, list[tuple[str, str]], int]:
    summary: Counter = Counter()
    errors: list[tuple[str, str]] = []
    out: list[str] = []
    for name in paths:
        path = Path(name)
        try:
            profile = load_profile(path)
            out.append(_assess_profile(profile, path.name, summary))
        except ProfileError as exc:
            errors.append((path.name, str(exc)))
        except Exception as exc:
            errors.append((path.name, _row_failure(exc)))
    return "".join(out).encode("utf-8"), summary, errors, len(paths) - len(errors)


# --- input ----------------------------------------------------------------------------------


class _LineReader:
    """The lines of a CSV file, read streaming (bounded memory), numbered from 1.

    Encoding: UTF-8 (a BOM is skipped); the first line that is not UTF-8 but is GBK
    switches the file to GB18030 (Excel on Chinese Windows). A line that neither
    decodes is reported as that row's error, never the file's.
    """

    def __init__(self, handle: Any, name: str):
        self.handle = handle
        self.name = name
        self.encoding = "utf-8"
        self.bad: list[tuple[str, str]] = []
        self.number = 0

    def _decode(self, raw: bytes) -> str | None:
        try:
            return raw.decode(self.encoding)
        except UnicodeDecodeError:
            if self.encoding == "utf-8":
                try:
                    text = raw.decode("gb18030")
                except UnicodeDecodeError:
                    return None
                self.encoding = "gb18030"
                return text
            return None

    def _lines(self) -> Iterator[bytes | None]:
        """Raw lines; None for a line longer than ``MAX_LINE_BYTES`` (skipped whole, never held)."""
        while True:
            raw = self.handle.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                while raw and not raw.endswith(b"\n"):
                    raw = self.handle.readline(1 << 20)
                yield None
                continue
            yield raw

    def __iter__(self) -> Iterator[tuple[int, str]]:
        for raw in self._lines():
            self.number += 1
            if raw is None:
                if self.number == 1:
                    raise UnusableInput(
                        f"{printable(self.name)} 的第一行超过 {MAX_LINE_BYTES // 1024 // 1024} MB，不是 CSV 表头。"
                    )
                self.bad.append(
                    (str(self.number), f"这一行超过 {MAX_LINE_BYTES // 1024 // 1024} MB，不是一家企业的数据，已跳过。")
                )
                continue
            if self.number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if b"\x00" in raw:
                if self.number == 1:
                    raise UnusableInput(
                        f"{printable(self.name)} 看起来是二进制文件或 UTF-16 编码，不是 CSV。请另存为 UTF-8 编码的 CSV。"
                    )
                self.bad.append((str(self.number), "这一行含有 NUL 字节（\\x00），不是文本，已跳过。"))
                continue
            text = self._decode(raw)
            if text is None:
                self.bad.append((str(self.number), "这一行既不是 UTF-8 也不是 GBK 编码，无法读取，已跳过。"))
                continue
            yield self.number, text.rstrip("\r\n")


_CHUNK_LINES = 2000
#: One company's row is a few KB; a longer line is reported, never held in memory whole.
MAX_LINE_BYTES = 1 << 20


def _csv_jobs(path: Path) -> tuple[list[str], Iterator[tuple[list[tuple[int, str]], int]], _LineReader, Any]:
    """The header and a lazy stream of line chunks of a CSV file (read as the run goes)."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise UnusableInput(f"无法读取 {printable(path)}：{os_error_text(exc)}。") from None
    reader = _LineReader(handle, path.name)
    lines = iter(reader)
    try:
        header_line = None
        for _, text in lines:
            if text.strip():
                header_line = text
                break
        if header_line is None:
            raise UnusableInput(
                f"{printable(path.name)} 是空的，没有表头。可用 advisor batch --template 生成表头模板。"
            )
        try:
            header = _parse_line(header_line)
        except ProfileError:
            raise UnusableInput(
                f"{printable(path.name)} 的第一行（表头）不是有效的 CSV：引号不成对或位置不对。"
            ) from None
        if len(header) < 2 and "." not in "".join(header):
            raise UnusableInput(
                f"{printable(path.name)} 的第一行不是画像键组成的表头（以逗号分隔）。可用 advisor batch --template 生成表头模板。"
            )
    except BaseException:
        handle.close()
        raise

    def chunks() -> Iterator[tuple[list[tuple[int, str]], int]]:
        try:
            batch: list[tuple[int, str]] = []
            for item in lines:
                batch.append(item)
                if len(batch) >= _CHUNK_LINES:
                    yield batch, 0
                    batch = []
            if batch:
                yield batch, 0
        finally:
            handle.close()

    return header, chunks(), reader, handle


def _input_jobs(path: Path, jobs: int) -> tuple[str, list[str] | None, Iterable[Any], int | None, Any]:
    """(kind, CSV header, lazy jobs, number of companies if known, line reader or None)."""
    try:
        exists = path.exists()
        is_dir = path.is_dir()
        is_file = path.is_file()
    except (OSError, ValueError):
        raise UnusableInput(f"无法访问输入：{printable(path)}。") from None
    if not exists:
        raise UnusableInput(f"找不到输入：{printable(path)}。")
    if is_dir:
        try:
            files = sorted(str(p) for p in path.glob("*.toml"))
        except OSError as exc:
            raise UnusableInput(f"无法读取文件夹 {printable(path)}：{os_error_text(exc)}。") from None
        if not files:
            raise UnusableInput(f"文件夹 {printable(path)} 中没有画像文件（*.toml）。")
        size = max(16, min(500, len(files) // (jobs * 8) or 1))
        return "toml", None, [files[i : i + size] for i in range(0, len(files), size)], len(files), None
    if not is_file:
        raise UnusableInput(f"{printable(path)} 不是普通文件或文件夹。")
    if path.suffix.lower() != ".csv":
        raise UnusableInput(f"{printable(path.name)} 不是 CSV 文件（.csv）或画像文件夹。单个画像请用 advisor match。")
    header, chunks, reader, _handle = _csv_jobs(path)
    try:
        ColumnPlan(header)  # refuse a bad header before starting workers
    except BaseException:
        chunks.close()
        raise
    return "csv", header, chunks, None, reader


# --- the command ----------------------------------------------------------------------------


def summary_rows(engine: Engine, summary: Counter) -> list[dict[str, Any]]:
    rows = []
    for measure in engine.catalogue.measures:
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
    for (index, status, low, high), count in summary.items():
        row = rows[index]
        row[status] += count
        if status != INELIGIBLE and high is not None:
            row[f"{status}_min_yuan"] += (low or 0) * count
            row[f"{status}_max_yuan"] += high * count
    for row in rows:
        for key in ("eligible_min", "eligible_max", "possible_min", "possible_max"):
            row[f"{key}_wan"] = format(yuan_to_wan(row[f"{key}_yuan"]), "f")
    return rows


def summary_path(results: Path) -> Path:
    return results.with_name(f"{results.stem}-summary{results.suffix or '.csv'}")


def errors_path(results: Path) -> Path:
    return results.with_name(f"{results.stem}-errors{results.suffix or '.csv'}")


def _refuse_unsafe_output(input_path: Path, out: Path) -> None:
    """``--out`` (and its summary/errors twins) must not be the input nor inside an input folder,
    and must not be a folder: a run can never overwrite what it reads."""
    try:
        source = input_path.resolve()
        targets = [p.parent.resolve() / p.name for p in (out, summary_path(out), errors_path(out))]
    except (OSError, RuntimeError, ValueError):
        raise UnusableInput(f"无法确定结果文件的位置：{printable(out)}。") from None
    for target in targets:
        if target == source or (input_path.is_file() and target.exists() and _same_file(target, input_path)):
            raise UnusableInput(f"结果文件 {printable(target)} 就是输入文件，会覆盖输入。请用 --out 指定另一个文件。")
        if input_path.is_dir() and source in target.parents:
            raise UnusableInput(
                f"结果文件 {printable(target)} 位于输入文件夹 {printable(input_path)} 之内，请用 --out 指定文件夹外的位置。"
            )
        if target.is_dir() and not target.is_symlink():
            raise UnusableInput(f"结果路径 {printable(target)} 是一个文件夹，请在 --out 中写上文件名，如 结果.csv。")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


class _Outputs:
    """The three output files written as temporaries beside their targets and renamed
    into place only by ``commit()``: a failed or interrupted run leaves the previous
    results intact and no temporary file behind. A target that is a symlink is
    replaced by the new file (rename does not follow it)."""

    def __init__(self, out: Path):
        self.targets = {"results": out, "summary": summary_path(out), "errors": errors_path(out)}
        self.temps: dict[str, Path] = {}

    def open(self, key: str) -> Any:
        import tempfile

        from advisor.profile_io import temp_prefix

        target = self.targets[key]
        fd, name = tempfile.mkstemp(prefix=temp_prefix(target.name), suffix=".tmp", dir=target.parent)
        self.temps[key] = Path(name)
        os.chmod(name, 0o666 & ~_UMASK)  # mkstemp makes 0600; results are ordinary files
        return os.fdopen(fd, "wb")

    def commit(self, has_errors: bool) -> None:
        """Rename every temporary into place; if any rename fails, the targets already
        replaced get their previous content back, so the three files stay one run's."""
        import secrets

        from advisor.profile_io import cut_to_bytes

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


def run_batch(
    input_path: Path,
    out: Path,
    as_of: _dt.date | None = None,
    jobs: int = 0,
    rules_root: Path | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Assess every company in ``input_path``; write RESULTS, its summary and errors.

    Raises UnusableInput (input unusable, nothing written), OSError (a write failed) or
    KeyboardInterrupt; in every such case the previous output files are untouched and
    no temporary file is left.
    """
    from advisor.rulestore import load_engine

    as_of = as_of or _dt.date.today()
    jobs = jobs if jobs and jobs > 0 else (os.cpu_count() or 1)
    input_path, out = Path(input_path), Path(out)
    _refuse_unsafe_output(input_path, out)
    kind, header, pieces, total, reader = _input_jobs(input_path, jobs)
    try:
        engine = load_engine(rules_root)
        root = str(rules_root) if rules_root else None
        _worker_init(root, as_of, header)
        work = _csv_chunk if kind == "csv" else _toml_chunk
        out.parent.mkdir(parents=True, exist_ok=True)
        outputs = _Outputs(out)
        summary: Counter = Counter()
        errors: list[tuple[str, str]] = []
        assessed = 0
        bar = _progress(total) if progress else None
        try:
            with outputs.open("results") as handle:
                handle.write(("\ufeff" + ",".join(RESULT_COLUMNS) + "\r\n").encode("utf-8"))
                for data, part, bad, ok in _run(work, pieces, jobs, root, as_of, header):
                    handle.write(data)
                    summary.update(part)
                    errors.extend(bad)
                    assessed += ok
                    if bar is not None:
                        bar[0].update(bar[1], advance=ok + len(bad))
                handle.flush()
                os.fsync(handle.fileno())
            if reader is not None:
                errors.extend(reader.bad)
                errors.sort(key=lambda e: (0, int(e[0])) if e[0].isdigit() else (1, e[0]))
            rows = summary_rows(engine, summary)
            with outputs.open("summary") as handle:
                text = io.StringIO()
                text.write("\ufeff")
                _write_rows(text, [SUMMARY_COLUMNS, *([row[c] for c in SUMMARY_COLUMNS] for row in rows)])
                handle.write(text.getvalue().encode("utf-8"))
            if errors:
                with outputs.open("errors") as handle:
                    text = io.StringIO()
                    text.write("\ufeff")
                    _write_rows(
                        text, [["row", "error"], *([printable(row), printable(message)] for row, message in errors)]
                    )
                    handle.write(text.getvalue().encode("utf-8"))
            outputs.commit(bool(errors))
        except BaseException:
            outputs.discard()
            raise
        finally:
            if bar is not None:
                bar[0].stop()
    finally:
        if hasattr(pieces, "close"):
            pieces.close()
    return {"assessed": assessed, "errors": errors, "summary": rows, "as_of": as_of, "kind": kind}


def _run(
    work: Any, pieces: Iterable[Any], jobs: int, root: str | None, as_of: _dt.date, header: list[str] | None
) -> Iterable[tuple[bytes, Counter, list[tuple[str, str]], int]]:
    """Results of ``work`` over ``pieces`` in order; at most a few pieces are in flight,
    so a huge input is read as the run goes (bounded memory)."""
    iterator = iter(pieces)
    first = list(itertools.islice(iterator, 2))
    if jobs <= 1 or len(first) <= 1:
        for piece in itertools.chain(first, iterator):
            yield work(piece)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    pool = ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=_worker_init, initargs=(root, as_of, header)
    )
    try:
        pending: collections.deque = collections.deque()
        for piece in itertools.chain(first, iterator):
            pending.append(pool.submit(work, piece))
            if len(pending) >= jobs * 2:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _progress(total: int) -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn("评估中"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True)
    task = bar.add_task("batch", total=total)
    bar.start()
    return bar, task


def print_summary(result: dict[str, Any], out: Path) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
    table = Table(title=f"批量评估汇总（{result['assessed']} 家企业，评估日期 {result['as_of'].isoformat()}）")
    for column, justify in (
        ("措施", "left"),
        ("符合", "right"),
        ("可能符合", "right"),
        ("符合者合计（万元）", "right"),
        ("可能符合者合计（万元）", "right"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for row in result["summary"]:
        if not row["eligible"] and not row["possible"]:
            continue
        table.add_row(
            Text(printable(f"{row['title']}（{row['measure_id']}）")),
            str(row["eligible"]),
            str(row["possible"]),
            _range(row["eligible_min_wan"], row["eligible_max_wan"]),
            _range(row["possible_min_wan"], row["possible_max_wan"]),
        )
    console.print(table)
    console.print(Text(f"结果：{printable(out)}\n汇总：{printable(summary_path(out))}"))


def _range(low: str, high: str) -> str:
    return high if low == high else f"{low}–{high}"


def cmd_batch(args: argparse.Namespace) -> int:
    if args.template:
        sys.stdout.write(",".join(template_columns()) + "\n")
        return EXIT_OK
    if args.input is None:
        sys.stderr.write(
            "请给出画像文件夹或 CSV 文件：advisor batch 输入 --out 结果.csv（表头模板：advisor batch --template）\n"
        )
        return EXIT_UNUSABLE
    out = args.out or Path(f"{Path(args.input).stem}-results.csv")
    from advisor.catalogue import RuleSetError

    try:
        result = run_batch(Path(args.input), out, args.as_of, args.jobs or 0, progress=sys.stdout.isatty())
    except UnusableInput as exc:
        sys.stderr.write(f"无法批量评估：{printable(exc, multiline=True)}\n")
        return EXIT_UNUSABLE
    except RuleSetError as exc:
        sys.stderr.write("规则库有误，无法使用：\n" + "\n".join(f"  {printable(p)}" for p in exc.problems) + "\n")
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        sys.stderr.write("已中断：本次结果没有写入，之前的结果文件保持不变。\n")
        return EXIT_INTERRUPTED
    except OSError as exc:
        where = f" {printable(exc.filename)}" if getattr(exc, "filename", None) else ""
        sys.stderr.write(f"无法写入结果{where}：{os_error_text(exc)}。本次结果没有写入，之前的结果文件保持不变。\n")
        return EXIT_WRITE_FAILED
    for row, message in result["errors"][:20]:
        where = f"第 {row} 行" if row.isdigit() else printable(row)
        sys.stderr.write(f"{where}：{printable(message)}\n")
    if result["errors"]:
        sys.stderr.write(f"共 {len(result['errors'])} 行有误，已跳过（详见 {printable(errors_path(out))}）。\n")
    print_summary(result, out)
    return EXIT_OK
