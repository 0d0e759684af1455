"""Running a batch: read the input streaming, assess it in chunks (in worker processes),
write the outputs atomically.

Input: a CSV file (one company per row, read line by line: bounded memory whatever its
size), a folder of profile files (``*.toml``, listed as the run goes) or a Parquet file
(read one row group at a time, its columns named like the CSV header).

Each CSV row that is plainly valid is turned straight into facts (``PlainDecoder``); every
other row is validated like a profile file (``profile_from_data``), so a bad row gets the
usual message with its row number and is skipped, the run goes on. A chunk of companies is
decided at once by the vectorised evaluator (numpy), or company by company when numpy is
not installed; the figures are the same either way.
"""

from __future__ import annotations

import collections
import csv
import datetime as _dt
import io
import itertools
import os
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from advisor.batch.arrow_columns import available as arrow_available
from advisor.batch.arrow_columns import read_columns
from advisor.batch.columns import Column, FactColumns
from advisor.batch.engine_api import Engine, derived_fact_columns, profile_facts
from advisor.batch.evaluate import Assessed, RowEvaluator
from advisor.batch.output import (
    FORMATS,
    RESULT_COLUMNS,
    SUMMARY_COLUMNS,
    AtomicOutputs,
    BlockWriter,
    ParquetSink,
    SummaryKey,
    errors_path,
    parquet_columns,
    parquet_missing_message,
    summary_path,
    summary_rows,
    wide_columns,
    write_rows,
)
from advisor.batch.plan import ColumnPlan, PlainDecoder, UnusableInput
from advisor.collector import collector_paused
from advisor.errors import ProfileError
from advisor.files import os_error_text, temp_prefix
from advisor.profile_io import load_profile, profile_from_data
from advisor.terminal_text import printable

#: A chunk's result: output (bytes, or columns for Parquet), summary counts, (row, message) errors, companies assessed.
ChunkResult = tuple[Any, Counter[SummaryKey], list[tuple[str, str]], int]
#: A company of a chunk: its row number, name and credit code.
Company = tuple[str, str | None, str | None]
Progress = Callable[[int], None]


def numpy_available() -> bool:
    """Whether the vectorised evaluator can run (numpy is an optional extra)."""
    try:
        import numpy  # noqa: F401
    except ImportError:
        return False
    return True


# --- workers --------------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _worker_init(rules_root: str | None, as_of: _dt.date, header: list[str] | None, fmt: str, vector: bool) -> None:
    key = (rules_root, as_of, tuple(header or ()), fmt, vector)
    if _WORKER.get("key") == key:
        return  # inherited through fork
    from advisor.rulestore import load_engine

    engine = load_engine(Path(rules_root) if rules_root else None)
    rows = RowEvaluator(engine, as_of)
    evaluator: Any = rows
    if vector:
        from advisor.batch.vector import VectorEvaluator

        evaluator = VectorEvaluator(engine, as_of)
    plan = ColumnPlan(header) if header is not None else None
    _WORKER.update(
        key=key,
        engine=engine,
        rows=rows,
        evaluator=evaluator,
        plan=plan,
        decoder=PlainDecoder(plan, derived_fact_columns) if plan is not None else None,
        writer=BlockWriter(engine.catalogue.measures, fmt),
        vector=vector,
    )


def _row_failure(exc: BaseException) -> str:
    """A Chinese message for a row that failed in an unexpected way (never a traceback)."""
    if isinstance(exc, RecursionError):
        return "内容嵌套过深，无法读取。"
    if isinstance(exc, (ValueError, OverflowError)):
        return "有一个数字或值超出了可以处理的范围（例如位数过多），已跳过。"
    return f"无法评估该行（内部错误 {type(exc).__name__}），已跳过，其余照常评估。"


def _assess_block(
    companies: list[tuple[str, str | None, str | None]], facts: FactColumns, errors: list[tuple[str, str]]
) -> ChunkResult:
    """Decide a block of companies and render it; a company whose figures cannot be
    computed is reported as its row's error, the others are kept."""
    summary: Counter[SummaryKey] = Counter()
    try:
        block: Assessed = _WORKER["evaluator"].assess(facts)
    except Exception:
        rows: RowEvaluator = _WORKER["rows"]
        kept_companies, kept_facts = [], []
        for company, one in zip(companies, facts.rows(), strict=True):
            try:
                rows.assess_one(dict(one))
            except Exception as exc:
                errors.append((company[0], _row_failure(exc)))
                continue
            kept_companies.append(company)
            kept_facts.append(one)
        companies = kept_companies
        block = rows.assess(kept_facts)
    output = _WORKER["writer"].write(companies, block, summary)
    return output, summary, errors, len(companies)


def _split(line: str) -> list[str]:
    """One CSV record; a line without quotes or carriage returns is split directly."""
    if '"' not in line and "\r" not in line:
        return line.split(",")
    return _parse_line(line)


def _without_gc(work: Callable[[Any], ChunkResult]) -> Callable[[Any], ChunkResult]:
    """``work`` with the cyclic garbage collector paused (``collector_paused``): a chunk
    allocates hundreds of thousands of small objects that all live until it ends (and form
    no cycles), and the collector would walk them again and again (a third of the time, measured)."""

    def run(job: Any) -> ChunkResult:
        with collector_paused():
            return work(job)

    run.__name__ = run.__qualname__ = work.__name__
    return run


#: glibc's ``mallopt`` parameters (malloc.h) and the values a batch run sets.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_HEAP_BLOCKS_UP_TO = 32 << 20
_FREE_KEPT_UP_TO = 128 << 20


def _keep_freed_memory() -> None:
    """Has the C allocator keep what a chunk frees for the next chunk instead of giving it back
    to the system (glibc's ``mallopt``; elsewhere nothing changes). A chunk's output bytes and
    arrays, megabytes each, were otherwise mapped afresh for every chunk and faulted in page by
    page: blocks up to 32 MB now come from the heap, which keeps up to 128 MB free at its end.
    Measured on 100,000 companies: 100,000 → 62,000 page faults, 0.1-0.2 s less system time,
    the peak memory of any process 174 → 176 MB. Called before the workers are forked, which
    inherit it."""
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):
            return
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError, ValueError):  # not glibc
        return
    mallopt(_M_MMAP_THRESHOLD, _HEAP_BLOCKS_UP_TO)
    mallopt(_M_TRIM_THRESHOLD, _FREE_KEPT_UP_TO)


class PartFile(NamedTuple):
    """A chunk's output bytes left by a worker process at the start of a part file, to be
    appended to the results in order by ``append_part`` rather than sent back through a pipe.
    Part files are reused from chunk to chunk (``_run``): only the first ``size`` bytes are this
    chunk's, what follows is left from an earlier, longer one."""

    path: str
    size: int


class Slices(NamedTuple):
    """A CSV chunk as a forked worker process reads it from the input file's descriptor
    (inherited, read with ``os.pread``, which leaves the parent's position alone): the
    chunk's pieces with each block's bytes left out, and where they lie (offset, length;
    -1 for a line read on its own, sent whole). Receiving megabytes of blocks through a
    pipe and unpickling them costs a worker several times more (measured: 70-88 ms against
    9-11 ms for 100,000 companies, and 24-30 ms less in the parent)."""

    fd: int
    name: str
    pieces: list[Piece]
    spans: list[tuple[int, int]]
    rest: tuple[Any, ...]  # the job's other items, as they are

    def read(self) -> list[Piece]:
        """The chunk's pieces, blocks read from the file. Blocks that follow one another in
        the file (only the newline between them) with the same encoding are read at once, as
        one piece: the same lines with the same numbers, in one buffer, which the column reader
        then takes without joining."""
        pieces: list[Piece] = []
        run: tuple[int, int, str, int] | None = None  # first line, start, encoding, end of a run of blocks
        for piece, (offset, length) in zip(self.pieces, self.spans, strict=True):
            if offset < 0:
                if run is not None:
                    pieces.append(self._block(*run))
                    run = None
                pieces.append(piece)
            elif run is not None and run[3] + 1 == offset and run[2] == piece[2]:
                run = (run[0], run[1], run[2], offset + length)
            else:
                if run is not None:
                    pieces.append(self._block(*run))
                run = (piece[0], offset, piece[2], offset + length)
        if run is not None:
            pieces.append(self._block(*run))
        return pieces

    def _block(self, first: int, start: int, encoding: str, end: int) -> Piece:
        payload = os.pread(self.fd, end - start, start)
        if len(payload) != end - start:
            raise UnusableInput(_changed_message(self.name))
        return first, payload, encoding


def _changed_message(name: str) -> str:
    return f"{printable(name)} 在评估过程中被改动了，本次结果没有写入。请在它不再变化时重新运行。"


def _for_worker(job: Any) -> Any:
    """What a forked worker process is sent for ``job``: a CSV chunk with blocks as ``Slices``
    (the worker reads them itself), anything else as it is."""
    chunk = job[0] if isinstance(job, tuple) and job else None
    if not isinstance(chunk, Chunk) or chunk.fd < 0 or max(chunk.offsets, default=-1) < 0:
        return job
    pieces: list[Piece] = []
    spans: list[tuple[int, int]] = []
    for piece, offset in zip(chunk, chunk.offsets, strict=True):
        if offset >= 0:
            pieces.append((piece[0], b"", piece[2]))
            spans.append((offset, len(piece[1])))
        else:
            pieces.append(piece)
            spans.append((-1, 0))
    return Slices(chunk.fd, chunk.name, pieces, spans, job[1:])


def _in_part_file(work: Callable[[Any], ChunkResult], job: Any, path: str) -> ChunkResult:
    """``work(job)`` in a worker process, its output bytes written to ``path``: a worker
    writes its own output (the two processes write at once), and the parent appends the
    file in the kernel (``append_part``) instead of receiving, unpickling and writing it.
    The file is overwritten in place, not truncated: rewriting blocks the file system already
    holds costs the kernel less than freeing them and allocating new ones. A ``Slices`` job
    is read from the input file first."""
    if isinstance(job, Slices):
        try:
            data, summary, errors, assessed = work((job.read(), *job.rest))
        except UnicodeDecodeError:  # the bytes are not those the parent checked
            raise UnusableInput(_changed_message(job.name)) from None
    else:
        data, summary, errors, assessed = work(job)
    if not isinstance(data, bytes):
        return data, summary, errors, assessed
    handle = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        _write_all(handle, data)
    finally:
        os.close(handle)
    return PartFile(path, len(data)), summary, errors, assessed


def _write_all(fd: int, data: bytes) -> None:
    """Writes all of ``data`` to the descriptor ``fd`` (``os.write`` may write less at a time)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def append_part(handle: Any, part: PartFile) -> None:
    """Appends the first ``part.size`` bytes of a part file to the open results ``handle``:
    copied in the kernel (``os.copy_file_range``) where the system can, else read and
    written. The file stays for the next chunk (``_run`` removes the folder at the end)."""
    handle.flush()
    out = handle.fileno()
    source = os.open(part.path, os.O_RDONLY)
    try:
        left = part.size
        copy = getattr(os, "copy_file_range", None)
        while left and copy is not None:
            try:
                done = copy(source, out, left)
            except OSError:
                break  # not across these file systems: read and write what is left
            if not done:
                break
            left -= done
        while left and (block := os.read(source, min(left, 1 << 20))):
            left -= len(block)
            _write_all(out, block)
    finally:
        os.close(source)
    handle.seek(0, os.SEEK_END)


def start_writeback(handle: Any, start: int) -> int:
    """Flushes the open results ``handle`` and has the system start writing its bytes from
    ``start`` to the disk now, without waiting (``POSIX_FADV_DONTNEED``: Linux writes the dirty
    pages back, then drops them from the cache), while the workers go on; the ``fsync`` that
    ends the run then has little left to wait for (measured for 100,000 companies: 70-115 ms,
    all of it after the last chunk, down to under 12 ms). Returns where the next call starts."""
    handle.flush()
    end: int = handle.tell()
    advise = getattr(os, "posix_fadvise", None)
    if advise is not None and end > start:
        try:
            advise(handle.fileno(), start, end - start, os.POSIX_FADV_DONTNEED)
        except OSError:
            pass  # only advice: the final fsync still writes everything
    return end


#: Companies a process reads from which it reads them with pyarrow: importing pyarrow costs
#: 50–80 ms of CPU per process, reading with it saves about a third of a company's CPU, 20–30 µs
#: (measured block by block, interleaved, under load): it pays from about 2,500 companies.
ARROW_FROM_ROWS = 3_000


@_without_gc
def _csv_chunk(job: tuple[list[Piece], int]) -> ChunkResult:
    """Assess a chunk of CSV lines; ``job`` is (``_LineReader.pieces``, about how many
    companies each process reads in the whole run)."""
    pieces, rows_per_process = job
    errors: list[tuple[str, str]] = []
    arrow = _WORKER["vector"] and rows_per_process >= ARROW_FROM_ROWS
    companies, facts = _chunk_facts(pieces, _WORKER["plan"], _WORKER["decoder"], errors, arrow)
    errors.sort(key=lambda e: int(e[0]))
    return _assess_block(companies, facts, errors)


def _chunk_facts(
    pieces: list[Piece], plan: ColumnPlan, decoder: PlainDecoder, errors: list[tuple[str, str]], arrow: bool
) -> tuple[list[Company], FactColumns]:
    """The companies of a chunk of CSV lines and their facts: read column by column by
    pyarrow when ``arrow`` (and pyarrow is installed) and the lines are ones it reads
    exactly, else split line by line (``_records``)."""
    coded = _coded_chunk(pieces, plan.width) if arrow and arrow_available() else None
    if coded is not None:
        return _decode_coded(coded, plan, decoder, errors)
    return _decode(_records(pieces, errors), plan, decoder, errors)


class CodedChunk:
    """A chunk's companies read column by column: their row numbers, and per header column
    a ``Column`` of the cells (``arrow_columns.read_columns``)."""

    __slots__ = ("columns", "rows")

    def __init__(self, rows: list[str], columns: list[Column]):
        self.rows = rows
        self.columns = columns

    def record(self, position: int) -> list[str]:
        """The cells of the company at ``position``, as splitting its line gives them."""
        return [column.value(position) for column in self.columns]


def _coded_chunk(pieces: list[Piece], width: int) -> CodedChunk | None:
    """The chunk read by ``arrow_columns.read_columns``, or None when a piece was read line
    by line or the reader does not take its lines. A GB18030 block is read as UTF-8."""
    parts: list[bytes] = []
    for _, payload, encoding in pieces:
        if not isinstance(payload, bytes):
            return None
        parts.append(payload if encoding == "utf-8" else payload.decode(encoding).encode("utf-8"))
    columns = read_columns(b"\n".join(parts), width)
    if columns is None:
        return None
    return CodedChunk(_row_numbers(pieces, len(columns[0])), columns)


def _row_numbers(pieces: list[Piece], lines: int) -> list[str]:
    """The numbers (as text) of the ``lines`` lines the block pieces of a chunk hold together.
    Pieces come in order without overlapping, so they follow one another without a gap (the
    usual chunk: a gap is lines reported or read on their own) exactly when the last one ends
    ``lines`` lines after the first starts: then only the last one's lines are counted, and
    none for a chunk of one piece (the usual: ``Slices.read`` joins blocks that follow one another),
    whose lines are the ``lines`` read from it."""
    first, last = pieces[0][0], pieces[-1][0]
    if len(pieces) == 1 or last - first + piece_size(pieces[-1]) == lines:
        return list(map(str, range(first, first + lines)))
    return [str(number) for piece in pieces for number in range(piece[0], piece[0] + piece_size(piece))]


#: What a blank line holds (it is not a company).
_BLANK = " \t\r\n,"


def _records(pieces: Iterable[Piece], errors: list[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    """The numbered CSV records of a chunk's lines, blank lines left out; a line whose quotes
    are wrong is reported in ``errors``. Lines without quotes or carriage returns (a block
    of them at a time) are split at commas directly."""
    numbered: list[tuple[str, list[str]]] = []
    for first, payload, encoding in pieces:
        text = payload if isinstance(payload, str) else payload.decode(encoding)
        lines = text.split("\n")
        if '"' not in text and "\r" not in text:
            numbered += [
                (str(number), line.split(","))
                for number, line in enumerate(lines, first)
                if line[:1] not in _BLANK or line.strip(_BLANK)
            ]
            continue
        for number, line in enumerate(lines, first):
            line = line.rstrip("\r")
            if not line.strip(_BLANK):
                continue
            try:
                numbered.append((str(number), _split(line)))
            except ProfileError as exc:
                errors.append((str(number), str(exc)))
    return numbered


def _decode(
    numbered: list[tuple[str, list[str]]],
    plan: ColumnPlan,
    decoder: PlainDecoder,
    errors: list[tuple[str, str]],
) -> tuple[list[Company], FactColumns]:
    """The companies (row, name, credit code) and their facts in columns of numbered records
    (``_records``): see ``_companies``."""
    plain, plain_positions = decoder.columns_block([record for _, record in numbered])
    return _companies(
        [row for row, _ in numbered], lambda position: numbered[position][1], plain, plain_positions, plan, errors
    )


def _decode_coded(
    chunk: CodedChunk, plan: ColumnPlan, decoder: PlainDecoder, errors: list[tuple[str, str]]
) -> tuple[list[Company], FactColumns]:
    """``_decode`` of a chunk read column by column."""
    plain, plain_positions = decoder.coded_block(chunk.columns)
    return _companies(chunk.rows, chunk.record, plain, plain_positions, plan, errors)


def _companies(
    rows: list[str],
    record: Callable[[int], list[str]],
    plain: FactColumns,
    plain_positions: list[int],
    plan: ColumnPlan,
    errors: list[tuple[str, str]],
) -> tuple[list[Company], FactColumns]:
    """The companies (row, name, credit code) and their facts in columns: the plainly valid
    records (``plain``, decoded column by column, at ``plain_positions``) as they are, the
    others (``record(position)``) validated like a profile file (so their messages are the
    usual ones); a refused record is reported in ``errors``."""
    names, codes = plain.column("identity.name"), plain.column("identity.credit_code")
    if plain.size == len(rows):  # every record plain (the usual block): no per-company loop
        shown_names = map(names.values.__getitem__, names.codes)
        return list(zip(rows, shown_names, map(codes.values.__getitem__, codes.codes), strict=True)), plain
    plain_at = dict(zip(plain_positions, range(plain.size), strict=True))
    companies: list[Company] = []
    kept_plain: list[int] = []
    validated: list[dict[str, Any]] = []
    validated_at: list[int] = []
    for position, row in enumerate(rows):
        found = plain_at.get(position)
        if found is not None:
            kept_plain.append(len(companies))
            companies.append((row, names.value(found), codes.value(found)))
            continue
        try:
            facts = profile_facts(profile_from_data(plan.data(record(position))))
        except ProfileError as exc:
            errors.append((row, str(exc)))
            continue
        except Exception as exc:
            errors.append((row, _row_failure(exc)))
            continue
        validated_at.append(len(companies))
        validated.append(facts)
        companies.append((row, facts["identity.name"], facts["identity.credit_code"]))
    if not validated:
        return companies, plain
    parts = [(plain, kept_plain), (FactColumns.from_rows(validated), validated_at)]
    return companies, FactColumns.interleave(parts, len(companies))


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


@_without_gc
def _toml_chunk(paths: list[str]) -> ChunkResult:
    errors: list[tuple[str, str]] = []
    companies: list[tuple[str, str | None, str | None]] = []
    facts: list[dict[str, Any]] = []
    for name in paths:
        path = Path(name)
        try:
            profile = load_profile(path)
            found = profile_facts(profile)
        except ProfileError as exc:
            errors.append((path.name, str(exc)))
            continue
        except Exception as exc:
            errors.append((path.name, _row_failure(exc)))
            continue
        companies.append((path.name, profile.identity.name, profile.identity.credit_code))
        facts.append(found)
    return _assess_block(companies, FactColumns.from_rows(facts), errors)


@_without_gc
def _parquet_chunk(job: tuple[list[tuple[int, list[str]]], int]) -> ChunkResult:
    """Assess a chunk of Parquet rows, each already as CSV-like cells (text)."""
    records, _ = job
    errors: list[tuple[str, str]] = []
    numbered = [(str(number), record) for number, record in records]
    companies, facts = _decode(numbered, _WORKER["plan"], _WORKER["decoder"], errors)
    return _assess_block(companies, facts, errors)


# --- input ----------------------------------------------------------------------------------


class _LineReader:
    """The lines of a CSV file, read streaming (bounded memory), numbered from 1.

    Encoding: UTF-8 (a BOM is skipped); the first line that is not UTF-8 but is GBK
    switches the file to GB18030 (Excel on Chinese Windows). A line that neither
    decodes is reported as that row's error, never the file's.

    Iterating gives (number, line) one line at a time (the header); ``pieces`` gives the rest
    as blocks of many lines, each checked and decoded at once, which is what a worker is sent.
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
                self._skip_rest_of_line(raw)
                yield None
                continue
            yield raw

    def _skip_rest_of_line(self, raw: bytes) -> None:
        """Reads on to the end of an overlong line, never holding more than 1 MB of it."""
        while raw and not raw.endswith(b"\n"):
            raw = self.handle.readline(1 << 20)

    def _text(self, raw: bytes | None) -> str | None:
        """One more line's text (line ending removed), or None when it is reported in ``bad``."""
        self.number += 1
        if raw is None:
            if self.number == 1:
                raise UnusableInput(
                    f"{printable(self.name)} 的第一行超过 {MAX_LINE_BYTES // 1024 // 1024} MB，不是 CSV 表头。"
                )
            self.bad.append(
                (str(self.number), f"这一行超过 {MAX_LINE_BYTES // 1024 // 1024} MB，不是一家企业的数据，已跳过。")
            )
            return None
        if self.number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if b"\x00" in raw:
            if self.number == 1:
                raise UnusableInput(
                    f"{printable(self.name)} 看起来是二进制文件或 UTF-16 编码，不是 CSV。请另存为 UTF-8 编码的 CSV。"
                )
            self.bad.append((str(self.number), "这一行含有 NUL 字节（\\x00），不是文本，已跳过。"))
            return None
        text = self._decode(raw)
        if text is None:
            self.bad.append((str(self.number), "这一行既不是 UTF-8 也不是 GBK 编码，无法读取，已跳过。"))
            return None
        return text.rstrip("\r\n")

    def __iter__(self) -> Iterator[tuple[int, str]]:
        for raw in self._lines():
            text = self._text(raw)
            if text is not None:
                yield self.number, text

    def pieces(self) -> Iterator[Piece]:
        """The lines not read yet, as pieces: (number of the first line, its text, "") for a
        line read on its own, or (number of the first line, the raw bytes of several lines
        without the last newline, the encoding that decodes them) for a block.

        A block of about ``_BLOCK_BYTES`` of whole lines that is all within the length limit,
        holds no NUL and decodes as a whole is one piece: exactly the lines reading it line by
        line would give (a newline byte is never part of a UTF-8 or GB18030 character). The
        worker decodes it again (sending the bytes costs less than sending the text). Any
        other block is read line by line, as ``__iter__`` does."""
        for piece, _lines, _offset in self.counted_pieces():
            yield piece

    def counted_pieces(self) -> Iterator[tuple[Piece, int, int]]:
        """``pieces``, each with the number of lines it holds (counted once, here, where the
        line numbers need it, so that cutting chunks does not count them again) and, for a
        block, where its bytes start in the file (-1 for a line read on its own)."""
        while True:
            offset = self.handle.tell()
            block = self.handle.read(_BLOCK_BYTES)
            if not block:
                return
            ended = block.endswith(b"\n")
            if ended:
                payload = block[:-1]
            else:  # complete the last line; the block's bytes are copied once
                tail = self.handle.readline(MAX_LINE_BYTES + 1)
                ended = tail.endswith(b"\n")
                payload = block + tail[:-1] if ended else block + tail
            if len(payload) + ended <= MAX_LINE_BYTES and b"\x00" not in payload:
                try:
                    payload.decode(self.encoding)
                except UnicodeDecodeError:
                    pass
                else:
                    first = self.number + 1
                    lines = _newlines(payload) + 1
                    self.number += lines
                    yield (first, payload, self.encoding), lines, offset
                    continue
            raws: list[bytes] = payload.split(b"\n")
            last = b"" if ended else raws.pop()  # the file's last line (no newline) or an overlong one
            for raw in raws:
                text = self._text(None if len(raw) > MAX_LINE_BYTES else raw)
                if text is not None:
                    yield (self.number, text, ""), 1, -1
            if last:
                if len(last) > MAX_LINE_BYTES:
                    self._skip_rest_of_line(last)
                    last_text = self._text(None)
                else:
                    last_text = self._text(last)
                if last_text is not None:
                    yield (self.number, last_text, ""), 1, -1


def _newlines(payload: bytes) -> int:
    """How many newline bytes ``payload`` holds: counted by numpy where it is installed (a
    comparison over the whole block, about a tenth of ``bytes.count``'s time: 16 against 158 µs
    per 256 KB block, measured), which the parent does for every block of the file."""
    try:
        import numpy
    except ImportError:
        return payload.count(b"\n")
    return int(numpy.count_nonzero(numpy.frombuffer(payload, numpy.uint8) == 10))


#: Lines of a CSV file (``_LineReader.pieces``): (first line's number, text or raw bytes, encoding of the bytes).
Piece = tuple[int, str | bytes, str]


def cut_chunks(pieces: Iterable[Piece], size: int) -> Iterator[list[Piece]]:
    """``pieces`` in chunks of ``size`` lines (the last may hold fewer); a block that a
    chunk ends in is cut at a line."""
    return _cut_counted(((piece, piece_size(piece), -1) for piece in pieces), size)


class Chunk(list[Piece]):
    """A chunk's pieces, and where each block piece's bytes lie in the input file (``offsets``,
    -1 for a line read on its own): a worker process that shares the file's descriptor reads
    them itself (``Slices``) instead of receiving them through a pipe."""

    def __init__(self) -> None:
        super().__init__()
        self.offsets: list[int] = []
        self.fd = -1  # the input file's descriptor, where the offsets are valid
        self.name = ""  # the input file's name, for messages

    def add(self, piece: Piece, offset: int) -> None:
        self.append(piece)
        self.offsets.append(offset)


def _cut_counted(
    counted: Iterable[tuple[Piece, int, int]],
    size: int,
    lines_left: Callable[[], float] | None = None,
    processes: int = 1,
) -> Iterator[Chunk]:
    """``cut_chunks`` of pieces given with their line counts and offsets in the file
    (``_LineReader.counted_pieces``). With ``lines_left`` (an estimate of the lines not read
    yet), a chunk followed by fewer than half a chunk of lines takes them (up to half as many
    lines again): no last chunk of a few rows that one process runs alone while the others wait.
    With several ``processes`` too, the last chunks get smaller (``_tail_size``)."""
    chunk = Chunk()
    count = 0
    base = limit = 0  # this chunk's size, and the most lines it may take (0: not decided yet)
    for piece, lines, offset in counted:
        while True:
            if not base:
                base = limit = _tail_size(size, lines, lines_left, processes)
            if (
                limit == base
                and lines_left is not None
                and count + lines >= base
                and count + lines - base + lines_left() < base // 2
            ):
                limit = base + base // 2  # only a straggler would follow: this chunk takes it
            if count + lines <= limit:
                break
            take = limit - count  # this piece ends the chunk: cut it at a line
            head, piece = split_piece(piece, take)
            chunk.add(head, offset)
            yield chunk
            if offset >= 0:
                offset += len(head[1]) + 1  # the rest starts after the head's last newline
            chunk, count, lines, base = Chunk(), 0, lines - take, 0
        chunk.add(piece, offset)
        count += lines
        if count >= limit:
            yield chunk
            chunk, count, base = Chunk(), 0, 0
    if chunk:
        yield chunk


def _tail_size(size: int, lines: int, lines_left: Callable[[], float] | None, processes: int) -> int:
    """Lines for the next chunk, which starts with a piece of ``lines`` lines: ``size``, but
    once fewer than ``2 × processes`` chunks of it are left, a ``2 × processes``-th of what is
    left, never under a quarter of ``size`` (guided scheduling). Processes do not run equally fast
    (one chunk took 0.17 s in one and 0.29 s in the other, measured on a shared machine), so with
    equal chunks one of them often ran the last whole chunk alone (0.1-0.5 s idle on the other
    core, measured); small last chunks let them finish close together, for a few more chunks'
    fixed costs."""
    if lines_left is None or processes <= 1:
        return size
    left = lines + lines_left()
    return max(size // 4, 1, int(min(size, left // (2 * processes))))  # (an unknown estimate is inf)


def split_piece(piece: Piece, lines: int) -> tuple[Piece, Piece]:
    """A block piece cut after its first ``lines`` lines (fewer than it holds)."""
    first, payload, encoding = piece
    assert isinstance(payload, bytes)
    parts = payload.split(b"\n", lines)
    return (first, b"\n".join(parts[:lines]), encoding), (first + lines, parts[lines], encoding)


def piece_size(piece: Piece) -> int:
    """How many lines a piece holds."""
    payload = piece[1]
    return payload.count(b"\n") + 1 if isinstance(payload, bytes) else 1


#: Bytes of a file read at once: whole lines are added to complete a block.
_BLOCK_BYTES = 1 << 18


#: Most companies per chunk. A chunk has a fixed cost (numpy calls per measure and per column,
#: about 130 M instructions, callgrind), which larger chunks spread over more companies: 10,000
#: cost 4.3% fewer instructions per company than 5,000, yet more CPU time (36-39 against 30 µs
#: per company, measured interleaved): a chunk's columns then no longer stay in the CPU's caches.
#: The last chunks of a run get smaller (``_tail_size``).
_CHUNK_LINES = 5000


def chunk_lines(rows: int, jobs: int) -> int:
    """Companies per chunk for about ``rows`` companies over ``jobs`` processes: about
    ``_CHUNK_LINES`` (rows are estimated: a few more per chunk rather than one more chunk of
    each process, at most half as many again), the number of chunks a multiple of ``jobs``
    (every process gets as many, so none waits idle at the end for the last chunk of
    another), never below a fifth of ``_CHUNK_LINES``."""
    if jobs <= 1 or rows <= 0:
        return _CHUNK_LINES
    chunks = max(jobs, round(rows / _CHUNK_LINES))
    chunks = -(-chunks // jobs) * jobs
    return min(_CHUNK_LINES * 3 // 2, max(_CHUNK_LINES // 5, -(-rows // chunks)))


#: One company's row is a few KB; a longer line is reported, never held in memory whole.
MAX_LINE_BYTES = 1 << 20


def _csv_jobs(path: Path, jobs: int = 1) -> tuple[list[str], Generator[tuple[list[Piece], int]], _LineReader, Any]:
    """The header and a lazy stream of line chunks of a CSV file (read as the run goes),
    sized by ``chunk_lines`` for the rows the file's size suggests."""
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

    def chunks() -> Generator[tuple[list[Piece], int]]:
        try:
            start = handle.tell()
            pieces = reader.counted_pieces()
            first = next(pieces, None)
            if first is None:
                return
            size, rows, file_size, row_bytes = _CHUNK_LINES, 0, 0, 0.0
            try:
                row_bytes = max((handle.tell() - start) / first[1], 1)
                file_size = os.fstat(handle.fileno()).st_size
                rows = int((file_size - start) / row_bytes)
                size = chunk_lines(rows, jobs)
            except (OSError, ValueError):
                pass

            def lines_left() -> float:
                """The lines not read yet, estimated from the bytes left (the first block's bytes per line)."""
                return (file_size - handle.tell()) / row_bytes if row_bytes else float("inf")

            for chunk in _cut_counted(itertools.chain([first], pieces), size, lines_left, jobs):
                chunk.fd, chunk.name = handle.fileno(), path.name
                yield chunk, rows // max(jobs, 1)
        finally:
            handle.close()

    return header, chunks(), reader, handle


#: Profile files per job: a few hundred keep every worker busy without holding much.
_FOLDER_CHUNK = 200


def _folder_jobs(path: Path, jobs: int) -> Iterator[list[str]]:
    """The profile files of a folder in chunks, listed as the run goes (``os.scandir``:
    a folder of a million files is never held as one list). Files come in the folder's
    own order; each result row names its file."""
    try:
        entries = os.scandir(path)
    except OSError as exc:
        raise UnusableInput(f"无法读取文件夹 {printable(path)}：{os_error_text(exc)}。") from None
    size = _FOLDER_CHUNK
    first: list[str] = []
    try:
        for entry in entries:
            if entry.name.endswith(".toml"):
                first.append(entry.path)
                break
    except OSError as exc:
        entries.close()
        raise UnusableInput(f"无法读取文件夹 {printable(path)}：{os_error_text(exc)}。") from None
    if not first:
        entries.close()
        raise UnusableInput(f"文件夹 {printable(path)} 中没有画像文件（*.toml）。")

    def chunks() -> Iterator[list[str]]:
        with entries:
            batch = first
            for entry in entries:
                if entry.name.endswith(".toml"):
                    batch.append(entry.path)
                    if len(batch) >= size:
                        yield batch
                        batch = []
            if batch:
                yield batch

    return chunks()


def _cell_text(value: Any) -> str:
    """A Parquet value as the CSV cell that would hold it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ";".join(_cell_text(v) for v in value) if value else "无"
    return str(value)


def _parquet_jobs(path: Path, jobs: int = 1) -> tuple[list[str], Generator[tuple[list[tuple[int, list[str]]], int]]]:
    """The column names and a lazy stream of row chunks of a Parquet file (one batch at a time)."""
    missing = parquet_missing_message()
    if missing:
        raise UnusableInput(missing.replace("输出 Parquet", "读取 Parquet"))
    import pyarrow.parquet as pq

    try:
        source = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises its own error types for a damaged file
        raise UnusableInput(f"{printable(path.name)} 不是可读取的 Parquet 文件（{type(exc).__name__}）。") from None
    header = list(source.schema_arrow.names)

    def chunks() -> Generator[tuple[list[tuple[int, list[str]]], int]]:
        number = 0
        try:
            size = chunk_lines(source.metadata.num_rows, jobs)
            for batch in source.iter_batches(batch_size=size, columns=header):
                columns = [[_cell_text(v) for v in column.to_pylist()] for column in batch.columns]
                rows = []
                for record in zip(*columns, strict=True):
                    number += 1
                    rows.append((number, list(record)))
                yield rows, 0
        finally:
            source.close()

    return header, chunks()


def _input_jobs(path: Path, jobs: int) -> tuple[str, list[str] | None, Iterator[Any], _LineReader | None]:
    """(kind, header, lazy jobs, line reader of a CSV)."""
    try:
        exists = path.exists()
        is_dir = path.is_dir()
        is_file = path.is_file()
    except (OSError, ValueError):
        raise UnusableInput(f"无法访问输入：{printable(path)}。") from None
    if not exists:
        raise UnusableInput(f"找不到输入：{printable(path)}。")
    if is_dir:
        return "toml", None, _folder_jobs(path, jobs), None
    if not is_file:
        raise UnusableInput(f"{printable(path)} 不是普通文件或文件夹。")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        header, parquet_chunks = _parquet_jobs(path, jobs)
        try:
            ColumnPlan(header)
        except BaseException:
            parquet_chunks.close()
            raise
        return "parquet", header, parquet_chunks, None
    if suffix != ".csv":
        raise UnusableInput(
            f"{printable(path.name)} 不是 CSV 文件（.csv）、Parquet 文件（.parquet）或画像文件夹。单个画像请用 advisor match。"
        )
    header, chunks, reader, _handle = _csv_jobs(path, jobs)
    try:
        ColumnPlan(header)  # refuse a bad header before starting workers
    except BaseException:
        chunks.close()
        raise
    return "csv", header, chunks, reader


# --- the run --------------------------------------------------------------------------------


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


def _csv_text(rows: Iterable[Iterable[object]]) -> bytes:
    """A small CSV file (summary, errors): BOM, every cell neutralised."""
    text = io.StringIO()
    text.write("\ufeff")
    write_rows(text, rows)
    return text.getvalue().encode("utf-8")


def run_batch(
    input_path: Path,
    out: Path,
    as_of: _dt.date | None = None,
    jobs: int = 0,
    rules_root: Path | None = None,
    progress: Progress | None = None,
    fmt: str = "wide",
    vector: bool | None = None,
) -> dict[str, Any]:
    """Assess every company in ``input_path``; write RESULTS (``fmt``: wide, long or
    parquet), its summary and errors.

    ``progress`` is called with the number of companies (and bad rows) done after each
    chunk. ``vector`` chooses the evaluator (default: numpy's when installed).

    Raises UnusableInput (input unusable, nothing written), OSError (a write failed) or
    KeyboardInterrupt; in every such case the previous output files are untouched and
    no temporary file is left.
    """
    from advisor.rulestore import load_engine

    if fmt not in FORMATS:
        raise ValueError(fmt)
    if fmt == "parquet":
        missing = parquet_missing_message()
        if missing:
            raise UnusableInput(missing)
    vector = numpy_available() if vector is None else vector
    as_of = as_of or _dt.date.today()
    jobs = jobs if jobs and jobs > 0 else (os.cpu_count() or 1)
    input_path, out = Path(input_path), Path(out)
    _refuse_unsafe_output(input_path, out)
    kind, header, pieces, reader = _input_jobs(input_path, jobs)
    try:
        with collector_paused(freeze=True):  # lives until the end, shared with forked workers
            engine: Engine = load_engine(rules_root)
            root = str(rules_root) if rules_root else None
            settings = (root, as_of, header, fmt, vector)
            _worker_init(*settings)
        _keep_freed_memory()  # (inherited by forked workers)
        workers: dict[str, Callable[[Any], ChunkResult]] = {
            "csv": _csv_chunk,
            "toml": _toml_chunk,
            "parquet": _parquet_chunk,
        }
        work = workers[kind]
        out.parent.mkdir(parents=True, exist_ok=True)
        outputs = AtomicOutputs(out)
        summary: Counter[SummaryKey] = Counter()
        errors: list[tuple[str, str]] = []
        assessed = 0
        try:
            with outputs.open("results") as handle:
                sink = ParquetSink(handle, parquet_columns(engine.catalogue.measures)) if fmt == "parquet" else None
                if sink is None:
                    columns = RESULT_COLUMNS if fmt == "long" else wide_columns(engine.catalogue.measures)
                    handle.write(("\ufeff" + ",".join(columns) + "\r\n").encode("utf-8"))
                written = 0
                for data, part, bad, ok in _run(work, pieces, jobs, settings, out):
                    if sink is not None:
                        sink.write(data)
                    elif isinstance(data, PartFile):
                        append_part(handle, data)
                    else:
                        handle.write(data)
                    written = start_writeback(handle, written)
                    summary.update(part)
                    errors.extend(bad)
                    assessed += ok
                    if progress is not None:
                        progress(ok + len(bad))
                if sink is not None:
                    sink.close()
                handle.flush()
                os.fsync(handle.fileno())
            if reader is not None:
                errors.extend(reader.bad)
            errors.sort(key=lambda e: (0, int(e[0])) if e[0].isdigit() else (1, e[0]))
            rows = summary_rows(engine.catalogue.measures, summary)
            with outputs.open("summary") as handle:
                handle.write(_csv_text([SUMMARY_COLUMNS, *([row[c] for c in SUMMARY_COLUMNS] for row in rows)]))
            if errors:
                with outputs.open("errors") as handle:
                    handle.write(
                        _csv_text(
                            [["row", "error"], *([printable(row), printable(message)] for row, message in errors)]
                        )
                    )
            outputs.commit(bool(errors))
        except BaseException:
            outputs.discard()
            raise
    finally:
        close = getattr(pieces, "close", None)
        if close is not None:
            close()
    return {"assessed": assessed, "errors": errors, "summary": rows, "as_of": as_of, "kind": kind, "format": fmt}


def _run(
    work: Callable[[Any], ChunkResult], pieces: Iterable[Any], jobs: int, settings: tuple[Any, ...], out: Path
) -> Iterator[ChunkResult]:
    """Results of ``work`` over ``pieces`` in order; at most a few pieces are in flight,
    so a huge input is read as the run goes (bounded memory). With worker processes, their
    output comes in part files (``PartFile``) in a temporary folder beside ``out``, removed
    when the run ends, however it ends."""
    iterator = iter(pieces)
    first = list(itertools.islice(iterator, 2))
    if jobs <= 1 or len(first) <= 1:
        for piece in itertools.chain(first, iterator):
            yield work(piece)
        return
    import multiprocessing
    import shutil
    import tempfile
    from concurrent.futures import Future, ProcessPoolExecutor

    parts = tempfile.mkdtemp(prefix=temp_prefix(out.name), suffix=".parts.tmp", dir=out.parent)
    methods = multiprocessing.get_all_start_methods()
    forked = "fork" in methods  # a forked worker shares the input file's descriptor
    context = multiprocessing.get_context("fork" if forked else "spawn")
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_worker_init, initargs=settings)
    free: list[str] = []  # part files appended already, to be overwritten by a next chunk
    names = itertools.count()
    try:
        pending: collections.deque[tuple[str, Future[ChunkResult]]] = collections.deque()
        for piece in itertools.chain(first, iterator):
            path = free.pop() if free else os.path.join(parts, f"{next(names)}.part")
            job = _for_worker(piece) if forked else piece
            pending.append((path, pool.submit(_in_part_file, work, job, path)))
            if len(pending) >= jobs * 2:
                path, done = pending.popleft()
                yield done.result()
                free.append(path)  # the caller has appended it before asking for the next result
        while pending:
            yield pending.popleft()[1].result()
    finally:
        # (waiting for the workers to end costs 30-50 ms, but a run that leaves them to the system
        # would have its time and memory counted without theirs: ``time advisor batch``)
        pool.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(parts, ignore_errors=True)
