"""CSV lines read column by column by pyarrow's CSV reader (pyarrow is in the ``fast`` extra).

``read_columns`` gives what splitting the lines at commas (``runner._records``) and numbering
each column's cells (``columns.factorise``) give: per column, each line's code and the distinct
cells in first-seen order. Arrow's reader does both in C++, where the Python path makes a
string object and a dictionary lookup of every cell (measured on generated registers: about
12 instead of 40–50 µs of CPU per company, under load).

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

#: A blank line after the first: a newline, then nothing but spaces, tabs and commas up to the next
#: newline or the end (a literal first character, so the search runs at memchr speed).
_BLANK_AFTER_FIRST = re.compile(rb"\n[ \t,]*(?:\n|\Z)")
_BLANK_FIRST = re.compile(rb"[ \t,]*(?:\n|\Z)")
_BOM = b"\xef\xbb\xbf"
#: A column read in: each line's code, the distinct cells, the codes as a numpy array.
CodedColumn = tuple[list[int], list[str], Any]
#: Arrow's block size is a 32-bit count; a chunk this large is left to the Python path.
_MAX_BYTES = 1 << 30


@functools.cache
def _arrow() -> Any:
    """(pyarrow, pyarrow.csv, the dictionary type of a column), or None without pyarrow."""
    try:
        import pyarrow
        import pyarrow.csv
    except ImportError:
        return None
    return pyarrow, pyarrow.csv, pyarrow.dictionary(pyarrow.int32(), pyarrow.string())


def available() -> bool:
    """Whether chunks can be read by pyarrow (this imports it: call it in a worker, after forking)."""
    return _arrow() is not None


def read_columns(data: bytes, width: int) -> list[CodedColumn] | None:
    """Per column of ``width``, each line's code (a list, and a numpy array), and the distinct
    cells in first-seen order, of the UTF-8 lines ``data`` (no final newline); None when pyarrow
    is missing or the lines are not ones this reader takes exactly as splitting them at commas
    would (see the module docstring)."""
    arrow = _arrow()
    if (
        arrow is None
        or width < 1
        or len(data) >= _MAX_BYTES
        or b'"' in data
        or b"\r" in data
        or data.startswith(_BOM)
        or _BLANK_FIRST.match(data)
        or _BLANK_AFTER_FIRST.search(data)
    ):
        return None
    pyarrow, csv, dictionary = arrow
    names = [f"c{i}" for i in range(width)]
    try:
        table = csv.read_csv(
            pyarrow.BufferReader(data),
            read_options=csv.ReadOptions(column_names=names, use_threads=False, block_size=len(data) + 1),
            parse_options=csv.ParseOptions(quote_char=False, newlines_in_values=False, ignore_empty_lines=False),
            convert_options=csv.ConvertOptions(
                column_types=dict.fromkeys(names, dictionary),
                null_values=[],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except Exception:  # a line with another number of cells, say: the Python path reports it
        return None
    columns: list[CodedColumn] = []
    for column in table.columns:
        if column.num_chunks != 1:
            return None
        array = column.chunk(0)
        codes = array.indices.to_numpy()
        columns.append((codes.tolist(), array.dictionary.to_pylist(), codes))
    return columns
