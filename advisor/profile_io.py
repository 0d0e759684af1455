"""Reading and writing profile TOML files, safely.

Reading refuses anything that is not a sensible profile with one Chinese
paragraph that says what is wrong and where. Writing is atomic: a temporary
file in the same folder, fsync, then rename, so a file is never half-written.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import os
import re
import stat
import tempfile
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import BaseModel, ValidationError

from advisor.profile import SCHEMA_VERSION, Profile
from advisor.terminal_text import is_clean, printable

#: Profiles are a few KB; anything above this is not a profile and is not read whole.
MAX_PROFILE_BYTES = 2 * 1024 * 1024
#: A profile is a few hundred lines even with many projects; far more is not a profile.
MAX_PROFILE_LINES = 20_000


class ProfileError(Exception):
    """A profile file that cannot be used; ``str()`` is a Chinese paragraph for the user."""


# --- migration ----------------------------------------------------------------------------


def _migrate_v1(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 kept one location (``identity.city`` / ``identity.district``) for
    registration, tax and statistics; version 2 asks for each separately."""
    identity = data.get("identity")
    if not isinstance(identity, dict):
        return {**data, "schema_version": 2}  # validation reports the broken section
    identity = dict(identity)
    city = identity.pop("city", None)
    district = identity.pop("district", None)
    for prefix in ("registered", "tax", "stats"):
        if city is not None:
            identity.setdefault(f"{prefix}_city", city)
        if district is not None:
            identity.setdefault(f"{prefix}_district", district)
    migrated = dict(data)
    migrated["identity"] = identity
    migrated["schema_version"] = 2
    return migrated


MIGRATIONS = {1: _migrate_v1}


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    version = data.get("schema_version")
    if version is None:
        raise ProfileError(
            "文件缺少 schema_version（画像格式版本号），无法确认是本软件导出的画像。请在文件开头加上 schema_version = 2。"
        )
    if isinstance(version, bool) or not isinstance(version, int):
        raise ProfileError(f"schema_version 应为整数 {SCHEMA_VERSION}，现为“{_value(version)}”。")
    if version > SCHEMA_VERSION:
        raise ProfileError(
            f"该画像由更新版本的软件导出（schema_version = {version}），本版本最高支持 {SCHEMA_VERSION}，请升级软件后再打开。"
        )
    if version < 1:
        raise ProfileError(f"未知的 schema_version = {version}，本版本支持 1 至 {SCHEMA_VERSION}。")
    while version < SCHEMA_VERSION:
        data = MIGRATIONS[version](data)
        version = data["schema_version"]
    return data


# --- reading ------------------------------------------------------------------------------

_TOML_POS = re.compile(r"\s*\(at line (\d+), column (\d+)\)|\s*\(at end of document\)")
#: tomllib's messages (Python 3.11–3.13) in plain Chinese; ``{0}`` is the key when the message names one.
_DATE_REASON = "日期或时间无效（该日期不存在或格式不对，应写成 2025-01-31）"
_TOML_REASONS = (
    (re.compile(r"^Cannot overwrite a value"), "同一个键被重复定义"),
    (re.compile(r"^Cannot declare (.+) twice"), "表 [{0}] 被重复声明"),
    (re.compile(r"^Cannot mutate immutable namespace (.+)"), "不能再往已写完的表 {0} 中添加键"),
    (re.compile(r"^Cannot redefine namespace (.+)"), "表 {0} 与前面的定义冲突"),
    (re.compile(r"^Duplicate inline table key (.+)"), "行内表中的键 {0} 重复"),
    (re.compile(r"^Invalid value"), "值的写法不正确（文字要加引号，数字和 true/false 不加）"),
    (re.compile(r"^Invalid statement"), "这一行不是有效的语句（应为“键 = 值”或 [表名]）"),
    (re.compile(r"^Expected '=' after a key"), "键后面缺少“=”"),
    (re.compile(r"^Invalid initial character for a key part"), "键名含有不允许的字符"),
    (re.compile(r"^Unterminated string"), "字符串缺少结束引号"),
    (re.compile(r"^Invalid date or datetime"), _DATE_REASON),
    (re.compile(r"^Expected newline or end of document"), "一行只能写一条语句"),
    (re.compile(r"^Expected ']' at the end of a table declaration"), "表名缺少结束的“]”"),
    (re.compile(r"^Expected ']]' at the end of an array declaration"), "表数组名缺少结束的“]]”"),
    (re.compile(r"^Unclosed array"), "数组缺少结束的“]”"),
    (re.compile(r"^Unclosed inline table"), "行内表缺少结束的“}”"),
    (re.compile(r"^Escaped character is not a Unicode scalar value"), "转义字符不是有效的 Unicode 字符"),
    (re.compile(r"^Invalid hex value"), "\\u 或 \\U 转义的十六进制值不正确"),
    (re.compile(r"^Unescaped '\\\\' in a string"), "字符串中的反斜杠“\\”需要写成“\\\\”"),
    (re.compile(r"^Illegal character '\\n'"), "字符串缺少结束引号（文字须在同一行内用引号括起）"),
    (re.compile(r"^Illegal character"), "含有不允许出现的控制字符"),
    (re.compile(r"^Found invalid character"), "含有不允许出现的字符"),
    (re.compile(r"^Expected"), "缺少必要的符号"),
)


def _visible(text: object, limit: int = 40) -> str:
    """Text from the file, safe to print in a message (``terminal_text.printable``), cut to
    ``limit`` characters. An integer too long to write out is described, not converted."""
    if isinstance(text, int) and not isinstance(text, bool) and text.bit_length() > 200:
        return f"{'-' if text < 0 else ''}一个约 {int(text.bit_length() * 0.30103) + 1} 位的整数"
    text = str(text)
    cut = len(text) > limit
    return printable(text[:limit]) + ("…" if cut else "")


def os_error_text(exc: OSError) -> str:
    """An operating-system error in Chinese (never the English ``strerror``)."""
    reasons = {
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
    return reasons.get(exc.errno or 0, f"系统错误（错误号 {exc.errno}）" if exc.errno else "系统错误")


def _toml_key(raw: str) -> str:
    """tomllib names keys as a tuple repr, e.g. ``('identity', 'name')``."""
    parts = re.findall(r"'([^']*)'|\"([^\"]*)\"", raw)
    return _visible(".".join(a or b for a, b in parts) if parts else raw.strip("()"))


def _toml_message(exc: tomllib.TOMLDecodeError, text: str | None = None) -> str:
    message = str(exc)
    position = _TOML_POS.search(message)
    line = int(position.group(1)) if position and position.group(1) else None
    if line is not None:
        where = f"第 {line} 行第 {position.group(2)} 列"  # type: ignore[union-attr]
    elif position:
        where = "文件末尾"
    else:
        where = "文件中"
    bare = _TOML_POS.sub("", message).strip()
    detail = "写法不符合 TOML 格式"
    for pattern, zh in _TOML_REASONS:
        found = pattern.search(bare)
        if found:
            detail = zh.format(*(_toml_key(g) for g in found.groups()))
            break
    shown = ""
    if text is not None and line is not None:
        lines = text.splitlines()
        if 0 < line <= len(lines) and lines[line - 1].strip():
            content = lines[line - 1].strip()
            shown = f"；这一行是：{_visible(content)}"
            if re.search(r"=\s*\d{4}-\d{1,2}-\d{1,2}", content) and bare.startswith(
                ("Expected newline", "Invalid value")
            ):
                detail = _DATE_REASON  # 2025-13-01: tomllib does not see a date at all
    return f"不是有效的 TOML 格式：{where}，{detail}{shown}。"


def _os_error(path: Path, exc: OSError) -> str:
    return f"无法读取 {_visible(path, 200)}：{os_error_text(exc)}。"


def read_profile_text(path: Path) -> str:
    """Read a profile file as text, refusing what cannot be a profile.

    The size is checked with ``stat`` before reading, and no more than the
    limit is ever read, so a huge file or a device is refused at once.
    """
    path = Path(path)
    shown = _visible(path, 200)
    try:
        if path.is_symlink():
            path.resolve(strict=True)  # a loop raises here
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise ProfileError(f"{shown} 是一个文件夹，不是画像文件。请选择一个 .toml 文件。")
        if not stat.S_ISREG(info.st_mode):
            raise ProfileError(f"{shown} 不是普通文件（可能是设备或管道），无法作为画像读取。")
        if info.st_size > MAX_PROFILE_BYTES:
            raise ProfileError(
                f"{shown} 文件过大（{info.st_size / 1024 / 1024:.1f} MB）。画像文件通常只有几 KB，上限为 2 MB，未读取。"
            )
        with path.open("rb") as handle:
            raw = handle.read(MAX_PROFILE_BYTES + 1)
    except RuntimeError:  # Path.resolve on a symlink loop (Python ≤ 3.12)
        raise ProfileError(f"{shown} 是一个循环的符号链接，无法打开。") from None
    except FileNotFoundError:
        raise ProfileError(f"找不到文件：{shown}。请检查路径是否正确。") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ProfileError(f"{shown} 是一个循环的符号链接，无法打开。") from None
        raise ProfileError(_os_error(path, exc)) from None
    except ValueError:  # e.g. a NUL character in the path
        raise ProfileError(f"文件路径“{shown}”含有不允许的字符。") from None
    if len(raw) > MAX_PROFILE_BYTES:
        raise ProfileError(f"{shown} 文件过大（超过 2 MB），画像文件通常只有几 KB，未读取。")
    try:
        return decode_profile_bytes(raw)
    except ProfileError as exc:
        raise ProfileError(f"{_visible(path.name, 200)}：{exc}") from None


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


def decode_profile_bytes(raw: bytes) -> str:
    if not raw.strip():
        raise ProfileError("文件是空的，没有任何内容。请选择由本软件导出的画像文件。")
    if _looks_utf16(raw):
        raise ProfileError("文件是 UTF-16 编码（常见于 Windows 记事本“Unicode”格式），请另存为 UTF-8 编码后再打开。")
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    nul = raw.find(b"\x00")
    if nul >= 0:
        line = raw[:nul].count(b"\n") + 1
        raise ProfileError(f"文件第 {line} 行含有 NUL 字节（\\x00），看起来是二进制文件，不是文本格式的画像。")
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
        raise ProfileError(
            f"文件不是 UTF-8 编码（第 {line} 行起无法解码，{hint}），请另存为 UTF-8 编码后再打开。"
        ) from None


def parse_profile(text: str) -> Profile:
    """Parse TOML text into a validated profile (migrating older versions)."""
    lines = text.count("\n") + 1
    if lines > MAX_PROFILE_LINES:  # refused before the (pure-Python) TOML parser reads it all
        raise ProfileError(
            f"文件有 {lines} 行，超过画像文件的上限 {MAX_PROFILE_LINES} 行（画像通常只有几十到几百行），不是有效的画像。"
        )
    items = text.count(",")
    if items > MAX_PROFILE_LINES:  # e.g. 100,000 list items on one line
        raise ProfileError(
            f"文件中有 {items} 个逗号分隔的条目，远超画像文件可能的数量（上限 {MAX_PROFILE_LINES}），不是有效的画像。"
        )
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(_toml_message(exc, text)) from None
    except RecursionError:
        raise ProfileError("文件中的数组或表嵌套过深，不是有效的画像。") from None
    except ValueError:  # tomllib converts integers with int(): past 4,300 digits it refuses
        raise ProfileError(_long_number_message(text)) from None
    return _validate(data, text)


_LONG_DIGITS = re.compile(r"[0-9_]{100,}")


def _long_number_message(text: str) -> str:
    """The place of an integer too long to read (Python refuses more than 4,300 digits)."""
    found = _LONG_DIGITS.search(text)
    where = f"第 {text.count(chr(10), 0, found.start()) + 1} 行" if found else "文件中"
    return f"{where}有一个位数过多的数字（上千位），不是有效的画像数值。请检查这一行。"


def profile_from_data(data: dict[str, Any]) -> Profile:
    return _validate(data, None)


def _validate(data: Any, text: str | None) -> Profile:
    if not isinstance(data, dict):
        raise ProfileError("画像内容有误：文件顶层应为键值对（TOML 表）。")
    data = migrate(data)
    _refuse_oversized(data, text)
    data = _years_as_ints(data, text)
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(describe_profile_errors(exc, data, text)) from None
    except RecursionError:
        raise ProfileError("文件中的数组或表嵌套过深，不是有效的画像。") from None
    except (ValueError, OverflowError, TypeError):  # e.g. a number too long to print in a check
        raise ProfileError(
            "画像内容有误：有一个数字或键超出了可以处理的范围（位数过多），请检查文件中的数字。"
        ) from None
    problems = _coercions(data, profile, ())
    if problems:
        lines = _LineIndex(text) if text else None
        shown = [_with_line(loc, msg, lines, data) for loc, msg in problems[:_SHOWN_PROBLEMS]]
        raise ProfileError(_join_problems(shown, total=len(problems)))
    return profile


#: No answer holds more items than this (a company's funded projects, events, years);
#: a longer list is refused before validation, so its errors are never enumerated.
MAX_LIST_ITEMS = 1000


def _refuse_oversized(data: dict[str, Any], text: str | None) -> None:
    """Refuse a list or table with more than ``MAX_LIST_ITEMS`` entries, with its place."""
    stack: list[tuple[Loc, Any]] = [((), data)]
    while stack:
        loc, node = stack.pop()
        if isinstance(node, (list, dict)) and len(node) > MAX_LIST_ITEMS and loc:
            where = _with_line(loc, "", _LineIndex(text) if text else None)
            raise ProfileError(
                f"画像内容有误：{where}有 {len(node)} 项，超过上限 {MAX_LIST_ITEMS} 项，不是有效的画像。"
            )
        if len(loc) < 4:  # profile answers are at most four levels deep
            if isinstance(node, dict):
                stack.extend(((*loc, k), v) for k, v in node.items())
            elif isinstance(node, list):
                stack.extend(((*loc, i), v) for i, v in enumerate(node))


_YEAR_KEY = re.compile(r"[0-9]{4}")


def _years_as_ints(data: dict[str, Any], text: str | None = None) -> dict[str, Any]:
    """TOML table keys are strings; revenue years are integers in the model.

    Only four ASCII digits (spaces around allowed) are a year: superscript or full-width
    digits, longer digit strings and other text are refused here with the place, and two
    keys naming the same year (``" 2024 "`` and ``"2024"``) are a duplicate, not a merge.
    """
    scale = data.get("scale")
    if isinstance(scale, dict) and isinstance(scale.get("revenue_wan"), dict):
        converted: dict[Any, Any] = {}
        problems: list[tuple[str, str]] = []  # (key, what is wrong); placed in the text only when shown
        for key, value in scale["revenue_wan"].items():
            if not isinstance(key, str):
                converted[key] = value
                continue
            bare = key.strip()
            if not _YEAR_KEY.fullmatch(bare):
                if any(ch.isdigit() or ch.isnumeric() for ch in bare) and not bare.isascii():
                    problems.append(
                        (key, f"中的年份“{_visible(key)}”含有全角、上标或其他非半角数字，应写成四位半角数字，如 2024")
                    )
                else:
                    problems.append((key, f"中的年份“{_visible(key)}”应为四位数年份，如 2024"))
                continue
            year = int(bare)
            if year in converted:
                problems.append((key, f"中的年份“{_visible(key)}”与前面的年份 {year} 重复（同一年只能填写一次）"))
                continue
            converted[year] = value
        if problems:
            lines = _LineIndex(text) if text else None
            shown = [_with_line(("scale", "revenue_wan", key), rest, lines) for key, rest in problems[:_SHOWN_PROBLEMS]]
            raise ProfileError(_join_problems(shown, total=len(problems)))
        data = {**data, "scale": {**scale, "revenue_wan": converted}}
    return data


def load_profile(path: str | os.PathLike[str]) -> Profile:
    """Load a profile file or raise ProfileError with a Chinese message."""
    path = Path(path)
    text = read_profile_text(path)
    try:
        return parse_profile(text)
    except ProfileError as exc:
        raise ProfileError(f"{_visible(path.name, 200)}：{exc}") from None


# --- validation messages ------------------------------------------------------------------

Loc = tuple[Any, ...]


def _clean_loc(loc: Loc, data: Any) -> tuple[Loc, bool]:
    """The location as path steps of the data (list indices and dict keys), dropping
    pydantic's wrapper steps; and whether the error is about a dict key itself."""
    steps: list[Any] = []
    about_key = False
    node = data
    for step in loc:
        if step == "[key]":
            about_key = True
            continue
        if isinstance(step, str) and (
            step.startswith(("function-", "literal[", "constrained-")) or step in ("decimal", "int")
        ):
            continue
        steps.append(step)
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            node = None
    return tuple(steps), about_key


def _location(loc: Loc, data: Any = None) -> str:
    parts: list[str] = []
    node = data
    for step in loc:
        if isinstance(step, int) and (
            isinstance(node, list) or (data is None and step < 1000)
        ):  # no data: years are keys
            parts.append(f"[第{step + 1}项]")
        else:
            parts.append(("." if parts else "") + _visible(step, 60))
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            node = None
    return "".join(parts) or "文件顶层"


def _split_key(name: str) -> list[str]:
    return [p.strip().strip("\"'") for p in re.findall(r'"[^"]*"|\'[^\']*\'|[^.]+', name) if p.strip()]


class _LineIndex:
    """The text's lines split once, so several look-ups do not split it again."""

    def __init__(self, text: str):
        self.lines = text.splitlines()


def _line_of(text: str | _LineIndex | None, loc: Loc) -> int | None:
    """Best-effort line number of the key at ``loc`` in the TOML text."""
    if not text or not loc:
        return None
    lines = text.lines if isinstance(text, _LineIndex) else text.splitlines()
    target = [str(step) for step in loc]
    header: list[str] = []
    counts: dict[tuple[str, ...], int] = {}
    fallback = None
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped.startswith("[["):
            parts = tuple(_split_key(stripped[2 : stripped.find("]]")]))
            counts[parts] = counts.get(parts, 0) + 1
            header = [*parts, str(counts[parts] - 1)]
            if header == target or list(parts) == target:
                return number
            continue
        if stripped.startswith("["):
            header = _split_key(stripped[1 : stripped.find("]")])
            if header == target:
                return number
            continue
        found = re.match(r"^((?:\"[^\"]*\"|'[^']*'|[^=\[#\"'])+?)\s*=", stripped)
        if found:
            full = header + _split_key(found.group(1))
            if full == target:
                return number
            if fallback is None and len(full) < len(target) and target[: len(full)] == full:
                fallback = number  # an inline table or array holding the key
    return fallback


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return "表" if isinstance(value, dict) else "列表"
    return _visible(value)


def _choices(expected: str) -> str:
    values = re.findall(r"'([^']*)'", expected)
    return "、".join(values) if values else expected


def _problem(error: Any, data: Any) -> tuple[Loc, str]:
    loc, about_key = _clean_loc(tuple(error["loc"]), data)
    kind = error["type"]
    ctx = error.get("ctx") or {}
    given = _value(error.get("input"))
    if isinstance(error.get("input"), bool) and not kind.startswith("bool") and kind != "extra_forbidden":
        return loc, f"应为数字或文字，现为 true/false（“{given}”）"
    if about_key:
        reason = ctx.get("error")
        return loc, (f"中的年份有误：{reason}" if reason else f"中的年份“{given}”应为四位数年份，如 2024")
    if kind == "extra_forbidden":
        hint = _nearest_key(loc)
        return loc, "不是画像中的键" + (f"，是否想写“{hint}”？" if hint else "。请删除这一项或检查拼写")
    if kind == "literal_error":
        return loc, f"的值“{given}”不在可选范围内（可选：{_choices(str(ctx.get('expected', '')))}）"
    if kind in ("value_error", "assertion_error"):
        reason = str(ctx.get("error", error["msg"]))
        first = reason.split(" ", 1)
        if len(first) == 2 and _is_field(loc, first[0]):  # a check across fields names the one at fault
            return (*loc, first[0]), f"：{first[1]}"
        return loc, f"：{reason}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return loc, f"应为整数，现为“{given}”"
    if kind in ("decimal_parsing", "decimal_type", "float_parsing", "float_type", "is_instance_of"):
        return loc, f"应为数字（金额以万元为单位，不加引号），现为“{given}”"
    if kind in ("finite_number",):
        return loc, f"应为有限的数字，现为“{given}”"
    if kind in ("decimal_max_digits", "decimal_max_places", "decimal_whole_digits"):
        return loc, f"数字位数过多，现为“{given}”"
    if kind in ("bool_parsing", "bool_type"):
        return loc, f"应为 true 或 false，现为“{given}”"
    if kind in ("string_type",):
        return loc, f"应为文字（加引号），现为“{given}”"
    if kind in ("string_too_long",):
        return loc, f"过长（上限 {ctx.get('max_length')} 字）"
    if kind in ("greater_than_equal", "greater_than"):
        return loc, f"不能小于 {ctx.get('ge', ctx.get('gt'))}，现为 {given}"
    if kind in ("less_than_equal", "less_than"):
        return loc, f"过大（上限 {ctx.get('le', ctx.get('lt'))}），现为 {given}"
    if kind in ("list_type", "dict_type", "model_type", "model_attributes_type", "set_type", "tuple_type"):
        return loc, f"的结构不对：应为{'列表（用 [ ] 括起）' if kind == 'list_type' else '表'}，现为“{given}”"
    if kind.startswith(("datetime", "date")):
        return loc, f"不是有效的日期时间，现为“{given}”（应写成 2025-01-31T10:00:00，不加引号）"
    if kind == "missing":
        return loc, "缺少必填的内容"
    if kind == "recursion_loop":
        return loc, "嵌套过深"
    return loc, f"的值“{given}”不符合要求"


def _is_field(loc: Loc, name: str) -> bool:
    model: Any = Profile
    for step in loc:
        field = getattr(model, "model_fields", {}).get(step)
        if field is None:
            return False
        model = field.annotation
    return name in getattr(model, "model_fields", {})


def _with_line(loc: Loc, rest: str, text: str | _LineIndex | None, data: Any = None) -> str:
    line = _line_of(text, loc)
    where = f"“{_location(loc, data)}”"
    if line is not None:
        where += f"（第 {line} 行）"
    if not loc:
        where = "文件顶层"
        rest = rest.lstrip("：")
    return where + rest


_SHOWN_PROBLEMS = 5


def _join_problems(messages: list[str], total: int | None = None) -> str:
    """One paragraph: the first few problems, and how many more there are."""
    total = len(messages) if total is None else total
    shown = [m if m.endswith(("。", "？")) else m + "。" for m in messages[:_SHOWN_PROBLEMS]]
    if total > len(shown):
        shown.append(f"另有 {total - len(shown)} 处问题。")
    return "画像内容有误：" + "".join(shown)


def _nearest_key(loc: Loc) -> str | None:
    from advisor.catalogue import nearest

    model: Any = Profile
    for step in loc[:-1]:
        if isinstance(step, int):
            continue
        field = getattr(model, "model_fields", {}).get(step)
        if field is None:
            return None
        annotation = field.annotation
        for candidate in getattr(annotation, "__args__", ()) or (annotation,):
            inner = getattr(candidate, "__args__", None)
            if inner:
                candidate = inner[0]
            if hasattr(candidate, "model_fields"):
                model = candidate
                break
        else:
            if hasattr(annotation, "model_fields"):
                model = annotation
    return nearest(str(loc[-1]), getattr(model, "model_fields", {}))


def describe_profile_errors(exc: ValidationError, data: Any = None, text: str | None = None) -> str:
    """One Chinese paragraph naming each problem, its key and (when known) its line."""
    errors = exc.errors()
    lines = _LineIndex(text) if text else None
    messages = []
    for error in errors[:_SHOWN_PROBLEMS]:  # each is looked up in the text; the rest only counted
        loc, rest = _problem(error, data)
        messages.append(_with_line(loc, rest, lines, data))
    return _join_problems(messages, total=len(errors))


def _coercions(data: Any, value: Any, loc: Loc) -> list[tuple[Loc, str]]:
    """Answers of the wrong TOML type that validation would silently convert
    (``true`` as a number, ``"yes"`` or ``1`` as true/false, ``"100"`` as an amount)."""
    if isinstance(value, BaseModel):
        if not isinstance(data, dict):
            return []
        found: list[tuple[Loc, str]] = []
        for key, item in data.items():
            if key in type(value).model_fields:
                found.extend(_coercions(item, getattr(value, key), (*loc, key)))
        return found
    if isinstance(value, list) and isinstance(data, list):
        return [p for i, (d, v) in enumerate(zip(data, value, strict=False)) for p in _coercions(d, v, (*loc, i))]
    if isinstance(value, dict) and isinstance(data, dict):
        return [p for k, v in value.items() if k in data for p in _coercions(data[k], v, (*loc, k))]
    if isinstance(value, bool):
        if not isinstance(data, bool):
            return [(loc, f"应为 true 或 false，现为“{_value(data)}”")]
    elif isinstance(value, (int, Decimal)):
        if isinstance(data, bool):
            return [(loc, f"应为数字，现为“{_value(data)}”")]
        if isinstance(data, str):
            return [(loc, f"应为数字（不加引号），现为文字“{_value(data)}”")]
    return []


# --- writing ------------------------------------------------------------------------------


def profile_to_data(profile: Profile) -> dict[str, Any]:
    """The profile as plain TOML-ready data: unknown answers are left out."""
    data = profile.model_dump(mode="python", exclude_none=True)
    revenue = data.get("scale", {}).get("revenue_wan")
    if revenue is not None:
        data["scale"]["revenue_wan"] = {str(year): value for year, value in sorted(revenue.items())}
    consultation = data.get("consultation", {})
    for key in ("skipped", "checklist"):
        if not consultation.get(key):
            consultation.pop(key, None)
    return {k: v for k, v in data.items() if v != {}}


def dump_profile(profile: Profile) -> str:
    header = "# 政策顾问 企业画像。未出现的问题表示“未知”。金额单位：万元；面积单位：平方米。\n"
    return header + tomli_w.dumps(profile_to_data(profile))


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


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write a file so that readers see the old or the new content, never a mix."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(path.name), suffix=".tmp", dir=path.parent)
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


def save_profile(profile: Profile, path: str | os.PathLike[str]) -> None:
    atomic_write_text(path, dump_profile(profile))
