"""advisor.files: bounded, encoding-aware reading, atomic writing, and the Chinese wording of both."""

from __future__ import annotations

import codecs
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from advisor.error_text import FILE_PROBLEM_TEXT, file_problem_text
from advisor.errors import FileProblem
from advisor.files import (
    NAME_MAX_BYTES,
    atomic_write_text,
    create_temp_beside,
    current_umask,
    decode_text,
    os_error_text,
    read_bytes_bounded,
    read_text_bounded,
)

#: An English word; the names of encodings and programs the person sees elsewhere are allowed.
ENGLISH = re.compile(r"(?<![A-Za-z])(?!(?:UTF|Unicode|Windows|GBK|NUL)(?![A-Za-z]))[A-Za-z]{3,}")


def _problem(path: Path, limit: int = 1000) -> FileProblem:
    with pytest.raises(FileProblem) as caught:
        read_bytes_bounded(path, limit)
    return caught.value


def test_reads_a_file_within_the_limit_and_refuses_one_over_it(tmp_path: Path) -> None:
    path = tmp_path / "画像.toml"
    path.write_bytes(b"x" * 1000)
    assert read_bytes_bounded(path, 1000) == b"x" * 1000
    problem = _problem(path, 999)
    assert (problem.kind, problem.size, problem.limit) == ("too_large", 1000, 999)


def test_folder_missing_file_device_and_symlink_loop_are_named(tmp_path: Path) -> None:
    assert _problem(tmp_path).kind == "directory"
    assert _problem(tmp_path / "无此文件.toml").kind == "missing"
    loop = tmp_path / "loop.toml"
    loop.symlink_to(loop)
    assert _problem(loop).kind == "symlink_loop"
    dangling = tmp_path / "dangling.toml"
    dangling.symlink_to(tmp_path / "gone.toml")
    assert _problem(dangling).kind == "missing"
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    assert _problem(fifo).kind == "not_regular"  # refused without opening: a pipe would block
    assert _problem(Path("a\x00b.toml")).kind == "bad_path"


@pytest.mark.parametrize(
    ("raw", "kind", "line"),
    [
        ("姓名 = 1\n".encode("utf-16"), "utf16", None),
        ("a = 1\nb = 2\n".encode("utf-16-le"), "utf16", None),
        (b"a = 1\nb\x00 = 2\n", "nul", 2),
        (b"a = 1\n\nname = \xff\n", "not_utf8", 3),
        (b"   \n", "empty", None),
    ],
)
def test_undecodable_bytes_are_named_with_their_line(raw: bytes, kind: str, line: int | None) -> None:
    with pytest.raises(FileProblem) as caught:
        decode_text(raw, allow_empty=False)
    assert (caught.value.kind, caught.value.line) == (kind, line)


def test_a_byte_order_mark_is_dropped_and_gbk_is_recognised() -> None:
    assert decode_text(codecs.BOM_UTF8 + "名称 = 1".encode()) == "名称 = 1"
    with pytest.raises(FileProblem) as caught:
        decode_text('# 光明区措施\nname = "光明科技"\n'.encode("gbk"))
    assert caught.value.hint == "看起来是 GBK/GB2312 编码"
    assert decode_text(b"") == ""  # allowed unless the caller says otherwise


def test_a_decoding_problem_carries_the_path(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(FileProblem) as caught:
        read_text_bounded(path, 100)
    assert caught.value.path == path


def test_every_problem_is_worded_in_chinese_with_its_noun_and_figures() -> None:
    cases = [
        FileProblem("missing"),
        FileProblem("directory"),
        FileProblem("not_regular"),
        FileProblem("too_large", size=50 * 1024 * 1024, limit=2 * 1024 * 1024),
        FileProblem("too_large", limit=16 * 1024 * 1024),
        FileProblem("symlink_loop"),
        FileProblem("bad_path"),
        FileProblem("os", errno=13),
        FileProblem("os", errno=99999),
        FileProblem("empty"),
        FileProblem("utf16"),
        FileProblem("nul", line=2),
        FileProblem("not_utf8", line=3, hint="看起来是 GBK/GB2312 编码"),
    ]
    texts = [file_problem_text(p, "规则") for p in cases]
    assert len(set(texts)) == len(texts)
    for text in texts:
        assert not ENGLISH.search(text), text
    assert "文件过大（50.0 MB），规则文件的上限为 2 MB" in texts[3]
    assert "超过 16 MB" in texts[4]
    assert "没有访问权限" in texts[7] and "错误号 99999" in texts[8]
    assert "第 2 行" in texts[11] and "GBK" in texts[12]
    assert set(FILE_PROBLEM_TEXT) >= {c.kind for c in cases}


def test_os_errors_are_chinese() -> None:
    assert os_error_text(PermissionError(13, "Permission denied")) == "没有访问权限"
    assert os_error_text(OSError(28, "No space left on device")) == "磁盘空间不足"
    assert os_error_text(OSError("no errno")) == "系统错误"


def test_atomic_write_replaces_whole_and_leaves_no_temporary_on_failure(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "画像.toml"
    atomic_write_text(path, "旧\n")
    with pytest.raises(UnicodeEncodeError):
        atomic_write_text(path, "新\udcff")
    assert path.read_text(encoding="utf-8") == "旧\n"
    assert sorted(p.name for p in path.parent.iterdir()) == ["画像.toml"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # private, as mkstemp makes it


def test_a_255_byte_name_can_be_written(tmp_path: Path) -> None:
    name = "光" * ((NAME_MAX_BYTES - len(".toml")) // 3) + ".toml"
    assert len(name.encode()) <= NAME_MAX_BYTES
    atomic_write_text(tmp_path / name, "x")
    assert (tmp_path / name).read_text(encoding="utf-8") == "x"


def test_a_shared_temporary_gets_the_umask_mode(tmp_path: Path) -> None:
    fd, path = create_temp_beside(tmp_path / "结果.csv", shared=True)
    os.close(fd)
    assert path.parent == tmp_path and path.name.startswith(".结果.csv.")
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~current_umask()


def test_files_and_error_text_do_not_import_pydantic() -> None:
    """Profile-free paths (JSON output, rule wording) stay light."""
    code = (
        "import sys, advisor.files, advisor.error_text, advisor.errors; "
        "print(sorted(m for m in ('pydantic', 'rich', 'textual') if m in sys.modules))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"
