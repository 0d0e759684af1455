"""CSV lines read column by column by pyarrow's CSV reader (pyarrow is in the ``fast`` extra).

``read_columns`` gives what splitting the lines at commas (``runner._records``) and numbering
each column's cells (``columns.factorise``) give: per column, each line's code and the distinct
cells in first-seen order. Arrow's reader does both in C++, where the Python path makes a
string object and a dictionary lookup of every cell (measured on generated registers: about
12 instead of 40–50 µs of CPU per company, under load).

The lines are read as plain strings without Arrow's UTF-8 check and each column is then
dictionary-encoded on its own: 11% fewer instructions than reading every column as a
dictionary (callgrind, 5,000 generated companies of 93 columns). The check is not needed: the
bytes are ones that decoded as UTF-8 already (``runner._LineReader.pieces``), and Python's
strict decoder still makes every distinct cell a ``str`` (a byte sequence it refuses makes
the whole chunk the Python path's).

It takes only lines it reads exactly as splitting at commas does: no double quote, no carriage
return, no blank line (nothing but spaces, tabs and commas, which ``_records`` leaves out), no
UTF-8 byte-order mark at the start (Arrow would drop it), and as many cells on every line as
the header has. For anything else it returns None and the Python path reads the lines, so
quoted cells, odd rows and their messages stay exactly as they are.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from advisor.batch.columns import Column

#: A blank line from where it starts: nothing but spaces, tabs and commas up to the next newline or the end.
_BLANK_LINE = re.compile(rb"[ \t,]*(?:\n|\Z)")
#: The bytes a blank line may start with (a newline: it is empty).
_BLANK_STARTS = b" \t,\n"
_BOM = b"\xef\xbb\xbf"
#: Arrow's block size is a 32-bit count; a chunk this large is left to the Python path.
_MAX_BYTES = 1 << 30


@functools.cache
def _arrow() -> Any:
    """(pyarrow, pyarrow.csv, the call of pyarrow's ``dictionary_encode``, numpy), or None without
    pyarrow or numpy."""
    try:
        import numpy
        import pyarrow
        import pyarrow.csv
    except ImportError:
        return None
    return pyarrow, pyarrow.csv, _dictionary_encode(), numpy


def _dictionary_encode() -> Any:
    """The ``call`` of the ``dictionary_encode`` function of pyarrow's compiled compute module,
    looked up once (by name on every call, 3,500 more instructions a column). Importing
    ``pyarrow.compute`` itself also makes a Python wrapper of every compute function: about
    50 ms of each worker's start (measured: importing pyarrow and its CSV reader took 91-106 ms
    with it, 38-55 without), for the one function this reader calls."""
    try:
        from pyarrow._compute import get_function
    except ImportError:  # a pyarrow that names its compiled module otherwise
        from pyarrow.compute import get_function
    return get_function("dictionary_encode").call


@functools.lru_cache(maxsize=4)
def _csv_options(width: int) -> tuple[list[str], Any, Any]:
    """(column names, parse options, convert options) for lines of ``width`` cells, made once
    per width: every cell a string, as it is written (no quotes, no nulls, no UTF-8 check)."""
    pyarrow, csv, _, _ = _arrow()
    names = [f"c{i}" for i in range(width)]
    parse = csv.ParseOptions(quote_char=False, newlines_in_values=False, ignore_empty_lines=False)
    convert = csv.ConvertOptions(
        column_types=dict.fromkeys(names, pyarrow.string()),
        null_values=[],
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        check_utf8=False,
    )
    return names, parse, convert


def available() -> bool:
    """Whether chunks can be read by pyarrow (this imports it: call it in a worker, after forking)."""
    return _arrow() is not None


def read_columns(data: bytes, width: int) -> list[Column] | None:
    """Per column of ``width``, a ``Column`` of the UTF-8 lines ``data`` (no final newline):
    each line's code as a numpy array (its list made only when read) and the distinct cells in
    first-seen order as values; None when pyarrow is missing or the lines are not ones this
    reader takes exactly as splitting them at commas would (see the module docstring)."""
    arrow = _arrow()
    if arrow is None or width < 1 or len(data) >= _MAX_BYTES or b'"' in data or b"\r" in data or data.startswith(_BOM):
        return None
    pyarrow, csv, dictionary_encode, numpy = arrow
    lines = _lines_if_none_blank(data, numpy)
    if lines is None:
        return None
    names, parse_options, convert_options = _csv_options(width)
    try:
        table = csv.read_csv(
            pyarrow.BufferReader(data),
            read_options=csv.ReadOptions(column_names=names, use_threads=False, block_size=len(data) + 1),
            parse_options=parse_options,
            convert_options=convert_options,
        )
    except Exception:  # a line with another number of cells, say: the Python path reports it
        return None
    batches = table.to_batches()  # one batch (the lines are one block): its columns are single arrays
    if table.num_rows != lines or len(batches) != 1:  # (never seen: every column must hold a code per line)
        return None
    columns: list[Column] = []
    for cells in batches[0].columns:
        encoded = dictionary_encode([cells])
        try:
            distinct = encoded.dictionary.to_pylist()
        except UnicodeDecodeError:  # not UTF-8 after all: the Python path reports the line
            return None
        columns.append(Column(None, distinct, encoded.indices.to_numpy()))
    return columns


@functools.cache
def _blank_starts(numpy: Any) -> Any:
    """Per byte value, whether a blank line may start with it (``_BLANK_STARTS``): a table
    looked up per line, instead of ``numpy.isin`` and its fixed cost (100,000 more instructions a
    call, callgrind)."""
    table = numpy.zeros(256, bool)
    table[list(_BLANK_STARTS)] = True
    return table


def _lines_if_none_blank(data: bytes, numpy: Any) -> int | None:
    """How many lines ``data`` holds, or None when one is blank (empty, or nothing but spaces,
    tabs and commas). numpy finds where the lines start; only those that start with one of
    these bytes are matched one by one (a regular-expression search over every byte cost 5
    instructions a byte, 11 million per 5,000-company block)."""
    raw = numpy.frombuffer(data, numpy.uint8)
    starts = numpy.flatnonzero(raw == 10) + 1  # of the lines after the first
    if starts.size and starts[-1] == len(data):  # the last line is empty
        return None
    maybe = numpy.flatnonzero(_blank_starts(numpy)[raw[starts]])
    match = _BLANK_LINE.match
    if match(data) or any(match(data, start) for start in starts[maybe].tolist()):
        return None
    return int(starts.size) + 1
