"""Reading a CSV file in blocks gives exactly the lines, numbers and reported lines that
reading it line by line gives (``runner._LineReader``), for any bytes: CR and CRLF endings,
blank lines, NUL bytes, GBK and invalid bytes, lines over the length limit, no final newline."""

from __future__ import annotations

import io
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.batch import runner

HEADER = b"identity.name,applicant.kind\n"

LINE_PARTS = st.sampled_from(
    [
        b"a,b",
        "甲公司,enterprise".encode(),
        "乙公司".encode("gbk"),  # GBK: switches the file to GB18030 when UTF-8 fails
        b"\xff\xfe",  # neither UTF-8 nor GBK
        b"\x00",
        b"\r",
        b",",
        b" ",
        b'"q"',
        b"x" * 40,  # with the limit lowered below, a few of these make a line too long
    ]
)
LINES = st.lists(st.lists(LINE_PARTS, max_size=6).map(b"".join), max_size=40)


def piece_lines(pieces):
    """(number, line) of every line of ``_LineReader.pieces``, line endings removed: the plain
    reading that the runner's block-at-a-time reading must equal."""
    for first, payload, encoding in pieces:
        if isinstance(payload, str):
            yield first, payload
            continue
        for number, line in enumerate(payload.decode(encoding).split("\n"), first):
            yield number, line.rstrip("\r")


def _by_line(data: bytes) -> tuple[list[tuple[int, str]], list[tuple[str, str]], str]:
    reader = runner._LineReader(io.BytesIO(data), "in.csv")
    lines = list(reader)
    return lines[1:], reader.bad, reader.encoding


def _by_block(data: bytes) -> tuple[list[tuple[int, str]], list[tuple[str, str]], str]:
    reader = runner._LineReader(io.BytesIO(data), "in.csv")
    next(iter(reader))  # the header, as _csv_jobs reads it
    lines = list(piece_lines(reader.pieces()))
    return lines, reader.bad, reader.encoding


@settings(max_examples=300, deadline=None)
@given(
    lines=LINES,
    final_newline=st.booleans(),
    block=st.sampled_from([16, 64, 1 << 18]),
    limit=st.sampled_from([60, 100, 1 << 20]),
)
def test_blocks_read_like_lines(lines, final_newline, block, limit):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(runner, "_BLOCK_BYTES", block)
        patch.setattr(runner, "MAX_LINE_BYTES", limit)
        data = HEADER + b"\n".join(lines) + (b"\n" if final_newline and lines else b"")
        assert _by_block(data) == _by_line(data)


def test_a_long_line_is_reported_and_the_next_ones_read(monkeypatch):
    monkeypatch.setattr(runner, "_BLOCK_BYTES", 32)
    monkeypatch.setattr(runner, "MAX_LINE_BYTES", 50)
    data = HEADER + "甲,a\n".encode() + b"y" * 500 + b"\n" + "乙,b\r\n".encode()
    lines, bad, _ = _by_block(data)
    assert lines == [(2, "甲,a"), (4, "乙,b")]
    assert [row for row, _ in bad] == ["3"]
    assert (lines, bad) == _by_line(data)[:2]


RECORD_PARTS = st.sampled_from(["a", "甲公司", ",", " ", "\t", "\r", '"', '"x,y"', '""', "1.5", ""])


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(st.lists(RECORD_PARTS, max_size=8).map("".join), max_size=30),
    block=st.sampled_from([8, 64, 1 << 18]),
)
def test_records_of_a_chunk_are_its_lines_split_as_csv(lines, block):
    """``_records`` (blocks split at commas at once) gives what splitting each line gives."""
    from advisor.errors import ProfileError

    data = HEADER + "\n".join(lines).encode() + b"\n"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(runner, "_BLOCK_BYTES", block)
        reader = runner._LineReader(io.BytesIO(data), "in.csv")
        next(iter(reader))
        pieces = list(reader.pieces())
    expected, expected_errors = [], []
    for number, line in piece_lines(pieces):
        if not line.strip(" \t\r\n,"):
            continue
        try:
            expected.append((str(number), runner._split(line)))
        except ProfileError as exc:
            expected_errors.append((str(number), str(exc)))
    errors: list[tuple[str, str]] = []
    assert runner._records(pieces, errors) == expected
    assert errors == expected_errors


def _numbered_lines(chunks):
    return [line for chunk in chunks for line in piece_lines(chunk)]


@st.composite
def _counted_pieces(draw):
    """A file's bytes and its pieces as ``_LineReader.counted_pieces`` gives them: blocks of
    several lines (with where they start in the file) and single lines (offset -1)."""
    number, counted, data = 2, [], b""
    for lines in draw(st.lists(st.integers(0, 12), max_size=25)):
        if lines == 0:
            counted.append(((number, f"单行{number}", ""), 1, -1))
            data += f"单行{number}\n".encode()
            number += 1
        else:
            payload = "\n".join(f"行{n},x" for n in range(number, number + lines)).encode()
            counted.append(((number, payload, "utf-8"), lines, len(data)))
            data += payload + b"\n"
            number += lines
    return data, counted


@settings(max_examples=300, deadline=None)
@given(file=_counted_pieces(), size=st.integers(1, 20), error=st.integers(-15, 15), processes=st.integers(1, 4))
def test_chunks_hold_every_line_once_in_order_and_no_straggler(file, size, error, processes):
    """Cutting chunks keeps every line once, in order, with its number, and where each block's
    bytes lie in the file; chunks hold ``size`` lines, but the last one may take up to half as
    many again rather than leave a last chunk of fewer than half; a wrong estimate of the lines
    left never makes a chunk bigger than that. For several processes the last chunks get
    smaller, down to a quarter of ``size``, so that they finish close together."""
    data, counted = file
    total = sum(lines for _, lines, _ in counted)
    pieces = [piece for piece, _, _ in counted]
    plain = list(runner.cut_chunks(pieces, size))
    assert _numbered_lines(plain) == list(piece_lines(pieces))
    assert [sum(map(runner.piece_size, c)) for c in plain[:-1]] == [size] * (len(plain) - 1)

    consumed = 0

    def reading():
        nonlocal consumed
        for piece, lines, offset in counted:
            consumed += lines
            yield piece, lines, offset

    def lines_left():  # the lines not read yet, estimated up to ``error`` lines wrong
        return max(0, total - consumed + error)

    chunks = list(runner._cut_counted(reading(), size, lines_left, processes))
    assert _numbered_lines(chunks) == list(piece_lines(pieces))
    sizes = [sum(map(runner.piece_size, c)) for c in chunks]
    assert all(0 < s <= size + size // 2 for s in sizes)
    smallest = size if processes == 1 else max(size // 4, 1)
    assert all(s >= smallest for s in sizes[:-1])
    if error == 0:
        assert sizes[:-1] == sorted(sizes[:-1], reverse=True)  # they only get smaller
    if error == 0 and len(sizes) > 1:
        assert sizes[-1] >= smallest // 2  # an exact estimate leaves no straggler
    if error == 0 and processes > 1 and sizes:
        assert sizes[-1] <= smallest + smallest // 2  # nor a last chunk larger than the smallest share
        if len(sizes) > 1:
            assert sizes[0] == max(smallest, min(size, total // (2 * processes)))
    for chunk in chunks:  # a worker reading the blocks from the file gets the same pieces
        assert len(chunk.offsets) == len(chunk)
        for (_, payload, _), offset in zip(chunk, chunk.offsets, strict=True):
            if isinstance(payload, bytes):
                assert data[offset : offset + len(payload)] == payload
            else:
                assert offset == -1


def test_a_worker_reads_a_chunks_blocks_as_the_parent_read_them(tmp_path):
    """``Slices``: the pieces a forked worker reads from the shared descriptor hold the chunk's lines."""
    path = tmp_path / "in.csv"
    lines = [f"公司{n},enterprise,{n}" for n in range(3000)]
    path.write_bytes(("identity.name,applicant.kind,x\n" + "\n".join(lines) + "\n").encode())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(runner, "_CHUNK_LINES", 700)
        patch.setattr(runner, "_BLOCK_BYTES", 4096)
        _header, jobs, _reader, handle = runner._csv_jobs(path, 2)
        seen = 0
        for job in jobs:
            sent = runner._for_worker(job)
            assert isinstance(sent, runner.Slices)
            assert all(payload == b"" for _, payload, _ in sent.pieces if isinstance(payload, bytes))
            read = sent.read()
            assert list(piece_lines(read)) == list(piece_lines(job[0]))  # the same lines, numbered alike
            assert len(read) == 1  # blocks that follow one another in the file are read as one
            assert sent.rest == job[1:]  # what else the job says reaches the worker as it is
            seen += sum(map(runner.piece_size, job[0]))
            assert handle.tell() >= 0  # the parent's reading goes on where it was
        assert seen == 3000


def test_a_file_changed_under_the_run_is_refused_with_a_message(tmp_path):
    path = tmp_path / "in.csv"
    path.write_bytes(b"a,b\n" + "甲,1\n".encode() * 50)
    with path.open("rb") as handle:
        sent = runner.Slices(handle.fileno(), "in.csv", [(2, b"", "utf-8")], [(4, 10_000)], (0,))
        with pytest.raises(runner.UnusableInput, match="在评估过程中被改动了"):
            sent.read()


def test_bytes_that_no_longer_decode_in_the_worker_are_refused_with_a_message(tmp_path):
    """A block the parent checked but the worker reads changed (not UTF-8 now) is the
    changed-file message, never a traceback."""
    path = tmp_path / "in.csv"
    path.write_bytes(b"a,b\n" + "甲,1".encode("gbk") + b"\n")

    def work(job):
        pieces, _ = job
        return pieces[0][1].decode(pieces[0][2]), None, [], 1

    with path.open("rb") as handle:
        sent = runner.Slices(handle.fileno(), "in.csv", [(2, b"", "utf-8")], [(4, 5)], (0,))
        with pytest.raises(runner.UnusableInput, match="在评估过程中被改动了"):
            runner._in_part_file(work, sent, str(tmp_path / "0.part"))


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=600), numpy_installed=st.booleans())
def test_newlines_are_counted_as_bytes_count_counts_them(data, numpy_installed):
    with pytest.MonkeyPatch.context() as patch:
        if not numpy_installed:
            patch.setitem(sys.modules, "numpy", None)  # importing it then raises ImportError
        assert runner._newlines(data) == data.count(b"\n")
