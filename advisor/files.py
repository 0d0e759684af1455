"""Reading and writing files safely: the one place the domain touches the file system for text.

Reading is bounded and encoding-aware: the size is checked with ``stat`` before reading and no
more than the limit is ever read (a huge file or a device is refused at once); UTF-8 with or
without a byte-order mark is accepted, and UTF-16, GBK and binary files are recognised and
refused with a message saying so. Writing is atomic: a temporary file in the same folder,
fsync, rename, so a reader sees the old or the new content and never a half-written file.
Problems are raised as ``FileProblem`` (worded by ``advisor.error_text.file_problem_text``);
operating-system errors are worded here (``os_error_text``).
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import os
import re
import stat
import tempfile
from pathlib import Path

from advisor.errors import FileProblem
from advisor.terminal_text import is_clean

# --- reading ------------------------------------------------------------------------------


def read_bytes_bounded(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; ``FileProblem`` otherwise.

    A symbolic-link loop, a folder, a device or pipe and a file over the limit are refused
    before anything is read; at most ``limit + 1`` bytes are ever read (a file growing while
    it is read is refused too).
    """
    path = Path(path)
    try:
        if path.is_symlink():
            path.resolve(strict=True)  # a loop raises here
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise FileProblem("directory", path)
        if not stat.S_ISREG(info.st_mode):
            raise FileProblem("not_regular", path)
        if info.st_size > limit:
            raise FileProblem("too_large", path, size=info.st_size, limit=limit)
        with path.open("rb") as handle:
            raw = handle.read(limit + 1)
    except RuntimeError:  # Path.resolve on a symlink loop (Python ≤ 3.12)
        raise FileProblem("symlink_loop", path) from None
    except FileNotFoundError:
        raise FileProblem("missing", path) from None
    except IsADirectoryError:
        raise FileProblem("directory", path) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise FileProblem("symlink_loop", path) from None
        raise FileProblem("os", path, errno=exc.errno) from None
    except ValueError:  # e.g. a NUL character in the path
        raise FileProblem("bad_path", path) from None
    if len(raw) > limit:
        raise FileProblem("too_large", path, limit=limit)
    return raw


def _looks_utf16(raw: bytes) -> bool:
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    head = raw[:200]
    if len(head) < 4 or len(head) % 2:
        head = head[: len(head) // 2 * 2]
    if len(head) < 4:
        return False
    even, odd = head[0::2], head[1::2]
    # ASCII text in UTF-16 has a zero byte in every other position
    if even.count(0) < len(even) * 0.6 and odd.count(0) < len(odd) * 0.6:
        return False
    try:
        text = raw.decode("utf-16-le" if odd.count(0) > even.count(0) else "utf-16-be")
    except UnicodeDecodeError:
        return False
    return is_clean(text.replace("\x00", "\x01"), multiline=True)


def decode_text(raw: bytes, *, allow_empty: bool = True) -> str:
    """UTF-8 text (a leading byte-order mark is dropped); ``FileProblem`` for anything else.

    Checked in this order: empty (when not allowed), UTF-16, NUL bytes (a binary file),
    then UTF-8, naming the line where decoding fails and whether the bytes look like GBK.
    """
    if not allow_empty and not raw.strip():
        raise FileProblem("empty")
    if _looks_utf16(raw):
        raise FileProblem("utf16")
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise FileProblem("nul", line=raw[:nul].count(b"\n") + 1)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        hint = "可能是其他编码或二进制文件"
        try:
            decoded = raw.decode("gbk")
        except UnicodeDecodeError:
            pass
        else:
            if re.search(r"[\u4e00-\u9fff]", decoded) and is_clean(decoded, multiline=True):
                hint = "看起来是 GBK/GB2312 编码"
        raise FileProblem("not_utf8", line=line, hint=hint) from None


def read_text_bounded(path: str | os.PathLike[str], limit: int, *, allow_empty: bool = True) -> str:
    """``read_bytes_bounded`` then ``decode_text``; a decoding problem carries the path too."""
    raw = read_bytes_bounded(path, limit)
    try:
        return decode_text(raw, allow_empty=allow_empty)
    except FileProblem as problem:
        problem.path = Path(path)
        raise


# --- wording ------------------------------------------------------------------------------

#: Operating-system errors in Chinese (never the English ``strerror``).
OS_ERROR_TEXT = {
    errno.ENOENT: "找不到该文件或文件夹",
    errno.EACCES: "没有访问权限",
    errno.EPERM: "没有访问权限",
    errno.ELOOP: "这是一个循环的符号链接",
    errno.EISDIR: "这是一个文件夹",
    errno.ENAMETOOLONG: "文件名或路径过长",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.EIO: "磁盘读写错误",
    errno.EFBIG: "文件过大",
    errno.ENOSPC: "磁盘空间不足",
    errno.EDQUOT: "超出磁盘配额",
    errno.EROFS: "磁盘是只读的",
    errno.EEXIST: "文件已存在",
    errno.EBUSY: "文件正被占用",
    errno.EMFILE: "打开的文件过多",
    errno.ENFILE: "打开的文件过多",
    errno.EXDEV: "不能跨磁盘移动",
    errno.ENOTEMPTY: "文件夹不是空的",
    errno.EINVAL: "参数无效（文件名可能含有不允许的字符）",
    errno.ENXIO: "设备不存在",
    errno.ENODEV: "设备不存在",
    errno.ETXTBSY: "文件正被占用",
}


def os_error_text(exc: OSError) -> str:
    """An operating-system error in Chinese (never the English ``strerror``)."""
    return errno_text(exc.errno)


def errno_text(number: int | None) -> str:
    """The Chinese wording of an ``errno`` value."""
    return OS_ERROR_TEXT.get(number or 0, f"系统错误（错误号 {number}）" if number else "系统错误")


# --- writing ------------------------------------------------------------------------------

#: Most file systems allow 255 bytes in one file name.
NAME_MAX_BYTES = 255
#: What ``tempfile.mkstemp`` adds to the prefix: 8 random characters and ".tmp".
_TEMP_TAIL_BYTES = 8 + len(".tmp")


def cut_to_bytes(text: str, limit: int) -> str:
    """``text`` cut at a character boundary so its UTF-8 form has at most ``limit`` bytes."""
    encoded = text.encode("utf-8", "surrogatepass")
    if len(encoded) <= limit:
        return text
    return encoded[: max(limit, 0)].decode("utf-8", "ignore")


def temp_prefix(name: str) -> str:
    """``.NAME.`` for a temporary file beside ``name``, shortened so the whole temporary
    name still fits in 255 bytes (a 255-byte target name would otherwise fail to save)."""
    return "." + cut_to_bytes(name, NAME_MAX_BYTES - _TEMP_TAIL_BYTES - 2) + "."


def current_umask() -> int:
    """The process's umask (read by setting and restoring it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def create_temp_beside(target: Path, *, shared: bool = False) -> tuple[int, Path]:
    """A new temporary file in ``target``'s folder, named after it: (open descriptor, path).

    It is private (0600, what ``mkstemp`` makes) unless ``shared``: then it gets the mode an
    ordinary new file would get (0666 less the umask), e.g. results others in the team open.
    """
    fd, name = tempfile.mkstemp(prefix=temp_prefix(target.name), suffix=".tmp", dir=target.parent)
    if shared:
        os.chmod(name, 0o666 & ~current_umask())
    return fd, Path(name)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write a file so that readers see the old or the new content, never a mix.

    The folder is created if needed; the temporary file is removed if anything fails
    (including a text that cannot be encoded); the folder is fsynced after the rename.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = create_temp_beside(path)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    try:
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass
