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
import csv
import datetime as _dt
import io
import os
import re
import sys
from collections import Counter
from decimal import Decimal
from operator import itemgetter
from pathlib import Path
from typing import Any, Iterable, Iterator

from advisor.amounts import compute_amount
from advisor.conditions import FAILED, UNKNOWN, CompiledCondition
from advisor.conditions import AS_OF_YEAR
from advisor.engine import ELIGIBLE, INELIGIBLE, POSSIBLE, STATUS_LABEL, Engine, MatchResult, profile_facts
from advisor.money import yuan_to_wan
from advisor.profile import FACT_SECTIONS, SCHEMA_VERSION, Profile
from advisor.profile_io import ProfileError, load_profile, profile_from_data

EXIT_OK, EXIT_UNUSABLE = 0, 2

RESULT_COLUMNS = [
    "row", "company", "credit_code", "measure_id", "status", "status_label", "amount_kind",
    "min_yuan", "max_yuan", "per_year", "years", "total_min_yuan", "total_max_yuan",
    "total_min_wan", "total_max_wan", "amount_display", "counted_in_total",
]
SUMMARY_COLUMNS = [
    "measure_id", "title", "eligible", "possible", "ineligible",
    "eligible_min_yuan", "eligible_max_yuan", "possible_min_yuan", "possible_max_yuan",
    "eligible_min_wan", "eligible_max_wan", "possible_min_wan", "possible_max_wan",
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


_INT = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
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
            name = raw.strip()
            if name in seen:
                problems.append(f"第 {index + 1} 列“{name}”与第 {seen[name] + 1} 列重复")
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
            elif path == "scale.revenue_wan" and len(parts) == 3 and parts[2].strip().isdigit():
                self.revenue.append((index, parts[2].strip()))
            elif path in item_models and len(parts) == 4 and parts[2].isdigit() and int(parts[2]) >= 1 \
                    and parts[3] in item_models[path].model_fields:
                kind = _kind(item_models[path].model_fields[parts[3]])
                self.items.append((index, section, parts[1], int(parts[2]), parts[3], kind))
            else:
                from advisor.catalogue import nearest

                hint = nearest(name, template_columns())
                problems.append(f"第 {index + 1} 列“{name}”不是画像中的键" + (f"，是否想写“{hint}”？" if hint else ""))
        if problems:
            raise UnusableInput("CSV 表头有误：" + "；".join(problems[:10])
                                + ("" if len(problems) <= 10 else f"；另有 {len(problems) - 10} 处") + "。"
                                + "可用 advisor batch --template 生成表头模板。")
        self.items.sort(key=lambda t: (t[1], t[2], t[3]))

    def data(self, record: list[str]) -> dict[str, Any]:
        """TOML-shaped data for one CSV record; empty cells are unknown answers."""
        if len(record) > self.width:
            extra = [c for c in record[self.width:] if c.strip()]
            if extra:
                raise ProfileError(f"该行比表头多出 {len(record) - self.width} 列。")
        if len(record) < self.width:
            record = record + [""] * (self.width - len(record))
        data: dict[str, Any] = {}
        if self.schema_version is not None and record[self.schema_version].strip():
            text = record[self.schema_version].strip()
            data["schema_version"] = int(text) if text.isdigit() else text
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
        return ("L",) + tuple(_freeze(v) for v in value)
    if kind is dict:
        return ("M",) + tuple((k, _freeze(v)) for k, v in value.items())
    if hasattr(kind, "model_fields"):
        return (kind.__name__,) + tuple(_freeze(v) for v in value.__dict__.values())
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
            for compiled, condition in zip(engine._compiled[measure.id], engine._conditions[measure.id], strict=True):
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
        self.engine._apply_stacking(live)
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
        cells = [self._ids[index], status, STATUS_LABEL[status], kind, _num(low), _num(high),
                 "true" if per_year else "false", str(years), _num(total_low), _num(total_high),
                 _wan(total_low), _wan(total_high), display, "true" if counted else "false"]
        return ",".join(_csv_cell(c) for c in cells) + "\r\n"


def _amount_tuple(a: Any) -> tuple:
    """The figures of an AmountResult, hashable, with the result itself last (read-only)."""
    return (a.kind, a.min_yuan, a.max_yuan, a.per_year, a.years, a.total_min_yuan, a.total_max_yuan,
            a.later_yuan, a.display(), _Frozen(a))


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


def _csv_cell(text: str) -> str:
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _text_cell(text: str | None) -> str:
    """A company's own text in the results: quoted for CSV, and never read as a formula."""
    if not text:
        return ""
    if text[0] in "=+-@\t\r":
        text = "'" + text
    return _csv_cell(text)


# --- workers --------------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _worker_init(rules_root: str | None, as_of: _dt.date, header: list[str] | None) -> None:
    if _WORKER.get("key") == (rules_root, as_of, tuple(header or ())):
        return  # inherited through fork
    from advisor.rulestore import load_engine

    engine = load_engine(Path(rules_root) if rules_root else None)
    _WORKER.update(key=(rules_root, as_of, tuple(header or ())), evaluator=BatchEvaluator(engine, as_of),
                   plan=ColumnPlan(header) if header is not None else None)


def _assess_profile(profile: Profile, row: str, summary: Counter) -> str:
    evaluator: BatchEvaluator = _WORKER["evaluator"]
    prefix = f"{_csv_cell(row)},{_text_cell(profile.identity.name)},{_text_cell(profile.identity.credit_code)},"
    return evaluator.lines(prefix, profile_facts(profile), summary)


def _csv_chunk(job: tuple[str, int]) -> tuple[bytes, Counter, list[tuple[str, str]], int]:
    text, first_row = job
    plan: ColumnPlan = _WORKER["plan"]
    summary: Counter = Counter()
    errors: list[tuple[str, str]] = []
    out: list[str] = []
    ok = 0
    for offset, record in enumerate(csv.reader(io.StringIO(text, newline=""))):
        row = str(first_row + offset)
        if not record or not any(cell.strip() for cell in record):
            continue  # a blank line is not a company
        try:
            profile = profile_from_data(plan.data(record))
        except ProfileError as exc:
            errors.append((row, str(exc)))
            continue
        except (RecursionError, ValueError, TypeError) as exc:
            errors.append((row, f"无法读取：{exc}"))
            continue
        out.append(_assess_profile(profile, row, summary))
        ok += 1
    return "".join(out).encode("utf-8"), summary, errors, ok


def _toml_chunk(paths: list[str]) -> tuple[bytes, Counter, list[tuple[str, str]], int]:
    summary: Counter = Counter()
    errors: list[tuple[str, str]] = []
    out: list[str] = []
    for name in paths:
        path = Path(name)
        try:
            profile = load_profile(path)
        except ProfileError as exc:
            errors.append((path.name, str(exc)))
            continue
        out.append(_assess_profile(profile, path.name, summary))
    return "".join(out).encode("utf-8"), summary, errors, len(paths) - len(errors)


# --- input ----------------------------------------------------------------------------------


def _decode(raw: bytes, name: str) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if b"\x00" in raw[:4096]:
        raise UnusableInput(f"{name} 看起来是二进制文件或 UTF-16 编码，不是 CSV。请另存为 UTF-8 编码的 CSV。")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return raw.decode("gb18030")  # Excel in Chinese Windows saves CSV as GBK
        except UnicodeDecodeError:
            raise UnusableInput(f"{name} 既不是 UTF-8 也不是 GBK 编码，无法读取。") from None


def _split_records(text: str, start: int, target: int) -> Iterator[tuple[int, int, int]]:
    """Cut ``text[start:]`` into pieces of whole CSV records of about ``target`` characters.

    A newline ends a record only outside quotes; quotes are balanced in every piece
    (RFC 4180 doubles a quote inside a quoted field). Yields (begin, end, records).
    """
    begin = start
    n = len(text)
    while begin < n:
        end = text.find("\n", min(begin + target, n - 1))
        end = n if end < 0 else end + 1
        while text.count('"', begin, end) % 2 and end < n:
            nxt = text.find("\n", end)
            end = n if nxt < 0 else nxt + 1
        piece = text[begin:end]
        if '"' in piece or "\r" in piece.replace("\r\n", ""):
            records = sum(1 for _ in csv.reader(io.StringIO(piece, newline="")))
        else:
            records = piece.count("\n") + (0 if piece.endswith("\n") else 1)
        yield begin, end, records
        begin = end


def _read_csv(path: Path, chunk_chars: int) -> tuple[list[str], list[tuple[str, int]], int]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UnusableInput(f"无法读取 {path}：{exc.strerror or exc}。") from None
    text = _decode(raw, path.name)
    if not text.strip():
        raise UnusableInput(f"{path.name} 是空的，没有表头。可用 advisor batch --template 生成表头模板。")
    # the header is the first record
    first = next(_split_records(text, 0, 1))
    try:
        header = next(csv.reader(io.StringIO(text[first[0]:first[1]], newline="")))
    except csv.Error as exc:
        raise UnusableInput(f"{path.name} 不是有效的 CSV：{exc}。") from None
    if len(header) < 2 and "." not in "".join(header):
        raise UnusableInput(f"{path.name} 的第一行不是画像键组成的表头（以逗号分隔）。可用 advisor batch --template 生成表头模板。")
    jobs = []
    row = 2
    total = 0
    for begin, end, records in _split_records(text, first[1], chunk_chars):
        jobs.append((text[begin:end], row))
        row += records
        total += records
    return header, jobs, total


def _input_jobs(path: Path, jobs: int) -> tuple[str, list[str] | None, list[Any], int]:
    if not path.exists():
        raise UnusableInput(f"找不到输入：{path}。")
    if path.is_dir():
        files = sorted(str(p) for p in path.glob("*.toml"))
        if not files:
            raise UnusableInput(f"文件夹 {path} 中没有画像文件（*.toml）。")
        size = max(16, min(500, len(files) // (jobs * 8) or 1))
        return "toml", None, [files[i:i + size] for i in range(0, len(files), size)], len(files)
    if not path.is_file():
        raise UnusableInput(f"{path} 不是普通文件或文件夹。")
    if path.suffix.lower() != ".csv":
        raise UnusableInput(f"{path.name} 不是 CSV 文件（.csv）或画像文件夹。单个画像请用 advisor match。")
    size_hint = max(1, path.stat().st_size)
    chunk_chars = max(64_000, min(1_000_000, size_hint // (jobs * 8)))
    header, pieces, total = _read_csv(path, chunk_chars)
    ColumnPlan(header)  # refuse a bad header before starting workers
    return "csv", header, pieces, total


# --- the command ----------------------------------------------------------------------------


def summary_rows(engine: Engine, summary: Counter) -> list[dict[str, Any]]:
    rows = []
    for index, measure in enumerate(engine.catalogue.measures):
        rows.append({"measure_id": measure.id, "title": measure.title, "eligible": 0, "possible": 0, "ineligible": 0,
                     "eligible_min_yuan": 0, "eligible_max_yuan": 0, "possible_min_yuan": 0, "possible_max_yuan": 0})
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


def run_batch(input_path: Path, out: Path, as_of: _dt.date | None = None, jobs: int = 0,
              rules_root: Path | None = None, progress: bool = False) -> dict[str, Any]:
    """Assess every company in ``input_path``; write RESULTS and its summary. Raises UnusableInput."""
    from advisor.rulestore import load_engine

    as_of = as_of or _dt.date.today()
    jobs = jobs if jobs and jobs > 0 else (os.cpu_count() or 1)
    kind, header, pieces, total = _input_jobs(Path(input_path), jobs)
    engine = load_engine(rules_root)
    root = str(rules_root) if rules_root else None
    _worker_init(root, as_of, header)
    work = _csv_chunk if kind == "csv" else _toml_chunk
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    summary: Counter = Counter()
    errors: list[tuple[str, str]] = []
    assessed = 0
    bar = _progress(total) if progress else None
    try:
        with out.open("wb") as handle:
            handle.write(("\ufeff" + ",".join(RESULT_COLUMNS) + "\r\n").encode("utf-8"))
            for data, part, bad, ok in _run(work, pieces, jobs, root, as_of, header):
                handle.write(data)
                summary.update(part)
                errors.extend(bad)
                assessed += ok
                if bar is not None:
                    bar[0].update(bar[1], advance=ok + len(bad))
    finally:
        if bar is not None:
            bar[0].stop()
    rows = summary_rows(engine, summary)
    with summary_path(out).open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=SUMMARY_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    if errors:
        with errors_path(out).open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["row", "error"])
            writer.writerows(errors)
    elif errors_path(out).exists():
        errors_path(out).unlink()
    return {"assessed": assessed, "errors": errors, "summary": rows, "as_of": as_of, "kind": kind}


def _run(work: Any, pieces: list[Any], jobs: int, root: str | None, as_of: _dt.date,
         header: list[str] | None) -> Iterable[tuple[bytes, Counter, list[tuple[str, str]], int]]:
    if jobs <= 1 or len(pieces) <= 1:
        for piece in pieces:
            yield work(piece)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ProcessPoolExecutor(max_workers=min(jobs, len(pieces)), mp_context=context,
                             initializer=_worker_init, initargs=(root, as_of, header)) as pool:
        yield from pool.map(work, pieces)


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
    for column, justify in (("措施", "left"), ("符合", "right"), ("可能符合", "right"),
                            ("符合者合计（万元）", "right"), ("可能符合者合计（万元）", "right")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for row in result["summary"]:
        if not row["eligible"] and not row["possible"]:
            continue
        table.add_row(Text(f"{row['title']}（{row['measure_id']}）"), str(row["eligible"]), str(row["possible"]),
                      _range(row["eligible_min_wan"], row["eligible_max_wan"]),
                      _range(row["possible_min_wan"], row["possible_max_wan"]))
    console.print(table)
    console.print(Text(f"结果：{out}\n汇总：{summary_path(out)}"))


def _range(low: str, high: str) -> str:
    return high if low == high else f"{low}–{high}"


def cmd_batch(args: argparse.Namespace) -> int:
    if args.template:
        sys.stdout.write(",".join(template_columns()) + "\n")
        return EXIT_OK
    if args.input is None:
        sys.stderr.write("请给出画像文件夹或 CSV 文件：advisor batch 输入 --out 结果.csv（表头模板：advisor batch --template）\n")
        return EXIT_UNUSABLE
    out = args.out or Path(f"{Path(args.input).stem}-results.csv")
    from advisor.catalogue import RuleSetError

    try:
        result = run_batch(Path(args.input), out, args.as_of, args.jobs or 0, progress=sys.stdout.isatty())
    except UnusableInput as exc:
        sys.stderr.write(f"无法批量评估：{exc}\n")
        return EXIT_UNUSABLE
    except RuleSetError as exc:
        sys.stderr.write("规则库有误，无法使用：\n" + "\n".join(f"  {p}" for p in exc.problems) + "\n")
        return EXIT_UNUSABLE
    except OSError as exc:
        sys.stderr.write(f"无法写入结果：{exc}\n")
        return EXIT_UNUSABLE
    for row, message in result["errors"][:20]:
        where = f"第 {row} 行" if row.isdigit() else row
        sys.stderr.write(f"{where}：{message}\n")
    if result["errors"]:
        sys.stderr.write(f"共 {len(result['errors'])} 行有误，已跳过（详见 {errors_path(out)}）。\n")
    print_summary(result, out)
    return EXIT_OK
