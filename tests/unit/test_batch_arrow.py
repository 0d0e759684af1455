"""Reading a chunk column by column with pyarrow (``arrow_columns``) gives exactly what the
Python path gives: the same cells per column and line, the same companies, facts, row
numbers and messages, and the same output files; lines it cannot read exactly (quotes,
carriage returns, blank lines, a byte-order mark, another number of cells) are left to the
Python path, and plain lines are never left to it."""

from __future__ import annotations

import builtins
import datetime as dt
import io
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("pyarrow")
pytest.importorskip("numpy")

from advisor.batch import arrow_columns, errors_path, run_batch, runner, summary_path, template_columns
from advisor.batch.columns import factorise

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import profile_to_row, random_profiles  # noqa: E402

AS_OF = dt.date(2026, 11, 21)

#: Cell text: plain, Chinese, spaces, backslashes, what other CSV readers take as null, control characters.
PLAIN_CELLS = st.sampled_from(["a", "甲公司", "", " ", "\t", "NA", "null", "nan", "1.5", "a\\", "\x1b[31m", "\u2028"])
#: What the reader must leave to the Python path.
ODD_CELLS = st.sampled_from(['"', "\r", "\ufeff"])


def split_columns(lines: list[str]) -> list[tuple[list[int], list[Any]]]:
    """The reference: each line split at commas, each column numbered in first-seen order."""
    return [factorise(cells) for cells in zip(*(line.split(",") for line in lines), strict=True)]


def read(data: bytes, width: int) -> list[tuple[list[int], list[Any]]] | None:
    """``read_columns`` as (codes, distinct) per column, once its codes list (made from the numpy
    codes when first read) is checked equal to the array."""
    found = arrow_columns.read_columns(data, width)
    if found is None:
        return None
    for column in found:
        assert column.array.tolist() == column.codes
        assert all(type(code) is int for code in column.codes)
        assert len(column) == len(column.codes)
    return [(column.codes, column.values) for column in found]


@settings(max_examples=300, deadline=None)
@given(
    width=st.integers(1, 4),
    rows=st.lists(st.lists(PLAIN_CELLS, min_size=4, max_size=4), min_size=1, max_size=20),
)
def test_plain_lines_read_as_splitting_them(width, rows):
    lines = [",".join(row[:width]) for row in rows]
    if any(not line.strip(" \t,") for line in lines):  # a blank line: the Python path leaves it out
        assert read("\n".join(lines).encode(), width) is None
        return
    assert read("\n".join(lines).encode(), width) == split_columns(lines)


@settings(max_examples=300, deadline=None)
@given(
    width=st.integers(1, 3),
    lines=st.lists(st.lists(st.one_of(PLAIN_CELLS, ODD_CELLS, st.just(",")), max_size=6).map("".join), max_size=12),
)
def test_any_lines_read_as_splitting_them_or_not_at_all(width, lines):
    found = read("\n".join(lines).encode(), width)
    if found is None:
        return
    assert all('"' not in line and "\r" not in line and line.strip(" \t,") for line in lines)
    assert not lines[0].startswith("\ufeff")
    assert found == split_columns(lines)


#: Any text a cell can hold (no comma, line break or quote), surrogates left out: they do not encode.
ANY_CELL = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=',\n\r"'), max_size=6)


@settings(max_examples=200, deadline=None)
@given(width=st.integers(1, 3), rows=st.lists(st.lists(ANY_CELL, min_size=3, max_size=3), min_size=1, max_size=30))
def test_any_text_reads_as_the_same_str_as_splitting_it(width, rows):
    lines = [",".join(row[:width]) for row in rows]
    if any(not line.strip(" \t,") for line in lines) or lines[0].startswith("\ufeff"):
        return  # left to the Python path (checked above)
    assert read("\n".join(lines).encode(), width) == split_columns(lines)


@pytest.mark.parametrize("distinct", [1, 2, 255, 256, 257, 1000, 3000, 5000])
def test_columns_of_many_distinct_cells_read_as_splitting_them(distinct):
    """Codes past a byte and past the shared ints made so far come out as the same list."""
    rng = random.Random(distinct)
    cells = [f"值{rng.randrange(distinct)}" if distinct < 5000 else f"名{n}" for n in range(5000)]
    lines = [f"{cell},{n % 7},{cell[::-1]}甲" for n, cell in enumerate(cells)]
    found = read("\n".join(lines).encode(), 3)
    assert found == split_columns(lines)
    assert found is not None and len(found[0][1]) == len(set(cells))


def test_bytes_that_are_not_utf8_are_left_to_the_python_path():
    for data in (b"a,\xff\nb,c", b"a,\xed\xa0\x80", b"\xc3,a", "甲".encode("gb18030") + b",a"):
        assert read(data, 2) is None, data


def test_reading_does_not_import_pyarrows_python_compute_module():
    """Importing ``pyarrow.compute`` wraps every compute function in Python (~50 ms a worker):
    a chunk is read, with the same columns, without it."""
    script = (
        "import sys; from advisor.batch import arrow_columns as a; "
        "found = a.read_columns('名,1\\n名,2\\n甲,1'.encode(), 2); "
        "print((found[0].codes, found[0].values), (found[1].codes, found[1].values), 'pyarrow.compute' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.split() == [
        "([0,",
        "0,",
        "1],",
        "['名',",
        "'甲'])",
        "([0,",
        "1,",
        "0],",
        "['1',",
        "'2'])",
        "False",
    ]


def test_each_kind_of_odd_line_is_left_to_the_python_path():
    for lines in (["a,b", "c,d,e"], ["a,b", ""], ["a,b", " ,\t"], ['a,"b"'], ["a,b\r"], ["\ufeffa,b"], [",", "a,b"]):
        assert read("\n".join(lines).encode(), 2) is None, lines
    assert read("a,\ufeffb\nc,d".encode(), 2) == split_columns(["a,\ufeffb", "c,d"])
    for lines in (["a,b", ",", "c,d"], ["a,b", "\t, ", "c,d"], ["a,b", "", "c,d"], ["a,b", "c,d", ""], [" ,", "a,b"]):
        assert read("\n".join(lines).encode(), 2) is None, lines
    # lines that start as a blank one would but hold a cell are read
    lines = [",b", " ,c", "\t,d", ", x", "e,"]
    assert read("\n".join(lines).encode(), 2) == split_columns(lines)


# --- whole chunks: companies, facts and messages -----------------------------------------------

HEADER = [*template_columns(AS_OF), "schema_version"]
#: Cells a plain decoder refuses or routes to full validation (no quote: the chunk stays Arrow's).
HOSTILE = {
    "finance.loan_interest_wan": ["十二", "1e3", "１２", "-5", " 12 ", "12.123456", "99999999999999999999"],
    "qualifications.high_tech": ["是", "TRUE", "yes", ""],
    "identity.registered_district": ["光明区", "某区", "\x1b[31m红"],
    "identity.credit_code": ["91440300MA5XXXXXXX", "abc"],
    "schema_version": ["", "1", "99", " 1 ", "x"],
    "projects.funded.1.grant_wan": ["-1", "abc", "5"],
    "scale.revenue_wan.2024": ["1200.5", "0", "-3", "１"],
}


def _chunk_text(seed: int, size: int, hostile: float) -> str:
    rng = random.Random(seed)
    lines = []
    for data in random_profiles(size, seed=seed):
        row = profile_to_row(data)
        for key, cells in HOSTILE.items():
            if rng.random() < hostile:
                row[key] = rng.choice(cells)
        lines.append(",".join(row.get(name, "") for name in HEADER))
    return "\n".join(lines)


def _pieces(text: str, encoding: str = "utf-8") -> list[runner.Piece]:
    reader = runner._LineReader(io.BytesIO((",".join(HEADER) + "\n" + text + "\n").encode(encoding)), "in.csv")
    next(iter(reader))
    return list(reader.pieces())


def _facts(pieces: list[runner.Piece], arrow: bool) -> tuple[Any, ...]:
    runner._worker_init(None, AS_OF, HEADER, "wide", True)
    errors: list[tuple[str, str]] = []
    companies, facts = runner._chunk_facts(pieces, runner._WORKER["plan"], runner._WORKER["decoder"], errors, arrow)
    return companies, facts.rows(), errors


@pytest.mark.parametrize(("seed", "hostile"), [(1, 0.0), (2, 0.05), (3, 0.3), (4, 1.0)])
def test_a_chunk_reads_the_same_either_way(seed, hostile, monkeypatch):
    pieces = _pieces(_chunk_text(seed, 300, hostile))
    calls = []
    monkeypatch.setattr(runner, "_decode_coded", lambda *a: calls.append(1) or _decode_coded(*a))
    with_arrow = _facts(pieces, arrow=True)
    assert calls, "plain lines must be read by Arrow"
    assert with_arrow == _facts(pieces, arrow=False)
    if hostile:
        assert with_arrow[2], "hostile cells must produce row messages"


_decode_coded = runner._decode_coded


def test_a_chunk_with_a_line_of_more_cells_is_read_by_the_python_path(monkeypatch):
    text = _chunk_text(9, 50, 0.1).split("\n")
    text[20] += ",1,200"  # more cells than the header: the row gets its message
    pieces = _pieces("\n".join(text))
    calls = []
    monkeypatch.setattr(runner, "_decode_coded", lambda *a: calls.append(1) or _decode_coded(*a))
    with_arrow = _facts(pieces, arrow=True)
    assert not calls
    assert with_arrow == _facts(pieces, arrow=False)
    assert "22" in [row for row, _ in with_arrow[2]]


def test_a_gbk_chunk_is_read_by_arrow_with_the_same_facts(monkeypatch):
    monkeypatch.setattr(runner, "_BLOCK_BYTES", 4000)
    # the first block is read line by line (it switches the file to GB18030), the rest as blocks
    pieces = [piece for piece in _pieces(_chunk_text(5, 200, 0.1), "gb18030") if piece[2] == "gb18030"]
    assert len(pieces) > 3
    calls = []
    monkeypatch.setattr(runner, "_decode_coded", lambda *a: calls.append(1) or _decode_coded(*a))
    assert _facts(pieces, arrow=True) == _facts(pieces, arrow=False)
    assert calls


def test_row_numbers_follow_the_lines_across_pieces(monkeypatch):
    monkeypatch.setattr(runner, "_BLOCK_BYTES", 2000)
    pieces = _pieces(_chunk_text(6, 120, 0.0))
    assert len(pieces) > 3
    companies, _, _ = _facts(pieces, arrow=True)
    assert [row for row, _, _ in companies] == [str(n) for n in range(2, 122)]


def test_row_numbers_skip_lines_between_pieces():
    """Pieces with lines between them (reported, or read on their own) are numbered piece by piece."""
    width = len(HEADER)
    text = _chunk_text(10, 6, 0.0).split("\n")
    pieces: list[runner.Piece] = [
        (2, "\n".join(text[:3]).encode(), "utf-8"),
        (9, text[3].encode(), "utf-8"),
        (11, "\n".join(text[4:]).encode("gb18030"), "gb18030"),
    ]
    coded = runner._coded_chunk(pieces, width)
    assert coded is not None and coded.rows == ["2", "3", "4", "9", "11", "12"]
    assert [coded.record(i) for i in range(6)] == [line.split(",") for line in text]
    following = [(2, "\n".join(text[:3]).encode(), "utf-8"), (5, "\n".join(text[3:]).encode(), "utf-8")]
    coded = runner._coded_chunk(following, width)
    assert coded is not None and coded.rows == [str(n) for n in range(2, 8)]


# --- whole runs ---------------------------------------------------------------------------------


def _write(path: Path, text: str) -> Path:
    path.write_text(",".join(HEADER) + "\n" + text + "\n", encoding="utf-8")
    return path


def test_a_run_with_arrow_writes_what_a_run_without_it_writes(tmp_path, monkeypatch):
    source = _write(tmp_path / "in.csv", _chunk_text(7, 700, 0.05) + "\n,,,\n" + _chunk_text(8, 300, 0.0))
    monkeypatch.setattr(runner, "_CHUNK_LINES", 250)
    calls = []
    monkeypatch.setattr(runner, "_decode_coded", lambda *a: calls.append(1) or _decode_coded(*a))
    small = tmp_path / "small.csv"
    run_batch(source, small, AS_OF, jobs=1)
    assert not calls, "a run this small is not worth importing pyarrow"
    monkeypatch.setattr(runner, "ARROW_FROM_ROWS", 500)  # the file holds 1,000
    with_arrow = tmp_path / "a.csv"
    run_batch(source, with_arrow, AS_OF, jobs=1)
    assert calls, "the run must read its plain chunks with Arrow"
    assert small.read_bytes() == with_arrow.read_bytes()

    real_import = builtins.__import__

    def no_pyarrow(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "pyarrow" or name.startswith("pyarrow."):
            raise ImportError("no pyarrow here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr("builtins.__import__", no_pyarrow)
    monkeypatch.delitem(sys.modules, "pyarrow", raising=False)
    monkeypatch.delitem(sys.modules, "pyarrow.csv", raising=False)
    arrow_columns._arrow.cache_clear()
    try:
        assert not arrow_columns.available()
        without = tmp_path / "b.csv"
        run_batch(source, without, AS_OF, jobs=1)
    finally:
        arrow_columns._arrow.cache_clear()
    assert with_arrow.read_bytes() == without.read_bytes()
    assert summary_path(with_arrow).read_bytes() == summary_path(without).read_bytes()
    assert errors_path(with_arrow).read_bytes() == errors_path(without).read_bytes()
    assert "的" in errors_path(with_arrow).read_text(encoding="utf-8")  # the hostile rows' messages
