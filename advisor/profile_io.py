"""Reading and writing profile TOML files, safely.

Reading refuses anything that is not a sensible profile with one Chinese
paragraph that says what is wrong and where. Writing is atomic: a temporary
file in the same folder, fsync, then rename, so a file is never half-written.
"""

from __future__ import annotations

import codecs
import os
import re
import tempfile
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from advisor.profile import SCHEMA_VERSION, Profile

#: Profiles are a few KB; anything above this is not a profile and is not read whole.
MAX_PROFILE_BYTES = 2 * 1024 * 1024


class ProfileError(Exception):
    """A profile file that cannot be used; ``str()`` is a Chinese paragraph for the user."""


# --- migration ----------------------------------------------------------------------------


def _migrate_v1(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 kept one location (``identity.city`` / ``identity.district``) for
    registration, tax and statistics; version 2 asks for each separately."""
    identity = dict(data.get("identity") or {})
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
    version = data.get("schema_version", None)
    if version is None:
        raise ProfileError("文件缺少 schema_version（画像格式版本号），无法确认是本软件导出的画像。请在文件开头加上 schema_version = 2。")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ProfileError(f"schema_version 应为整数，现为“{version}”。")
    if version > SCHEMA_VERSION:
        raise ProfileError(f"该画像由更新版本的软件导出（schema_version = {version}），本版本最高支持 {SCHEMA_VERSION}，请升级软件后再打开。")
    if version < 1:
        raise ProfileError(f"未知的 schema_version = {version}，本版本支持 1 至 {SCHEMA_VERSION}。")
    while version < SCHEMA_VERSION:
        data = MIGRATIONS[version](data)
        version = data["schema_version"]
    return data


# --- reading ------------------------------------------------------------------------------

_TOML_POS = re.compile(r"\(at line (\d+), column (\d+)\)")
_TOML_REASONS = {
    "Cannot overwrite a value": "同一个键被重复定义",
    "Cannot declare": "表（[section]）被重复声明",
    "Invalid value": "值的写法不正确",
    "Invalid statement": "这一行不是有效的 TOML 语句",
    "Expected '=' after a key in a key/value pair": "键后面缺少“=”",
    "Invalid initial character for a key part": "键名含有不允许的字符",
    "Unterminated string": "字符串缺少结束引号",
    "Invalid date or datetime": "日期或时间无效",
    "Expected newline or end of document after a statement": "一行只能写一条语句",
}


def _toml_message(exc: tomllib.TOMLDecodeError) -> str:
    text = str(exc)
    position = _TOML_POS.search(text)
    where = f"第 {position.group(1)} 行第 {position.group(2)} 列" if position else "文件中"
    reason = next((zh for en, zh in _TOML_REASONS.items() if text.startswith(en)), None)
    detail = reason or _TOML_POS.sub("", text).strip()
    return f"不是有效的 TOML：{where}，{detail}。"


def read_profile_text(path: Path) -> str:
    """Read a profile file as text, refusing what cannot be a profile."""
    try:
        if path.is_symlink():
            path.resolve(strict=True)  # a loop raises here
        if not path.exists():
            raise ProfileError(f"找不到文件：{path}。请检查路径是否正确。")
        if path.is_dir():
            raise ProfileError(f"{path} 是一个文件夹，不是画像文件。请选择一个 .toml 文件。")
        if not path.is_file():
            raise ProfileError(f"{path} 不是普通文件（可能是设备或管道），无法作为画像读取。")
        size = path.stat().st_size
        if size > MAX_PROFILE_BYTES:
            raise ProfileError(f"文件过大（{size / 1024 / 1024:.1f} MB），画像文件通常只有几 KB，上限为 2 MB，未读取。")
        with path.open("rb") as handle:
            raw = handle.read(MAX_PROFILE_BYTES + 1)
    except RuntimeError:
        raise ProfileError(f"{path} 是一个循环的符号链接，无法打开。") from None
    except OSError as exc:
        if exc.errno == 40:  # ELOOP
            raise ProfileError(f"{path} 是一个循环的符号链接，无法打开。") from None
        raise ProfileError(f"无法读取 {path}：{exc.strerror or exc}。") from None
    if len(raw) > MAX_PROFILE_BYTES:
        raise ProfileError("文件过大，上限为 2 MB，未读取。")
    return decode_profile_bytes(raw)


def decode_profile_bytes(raw: bytes) -> str:
    if not raw.strip():
        raise ProfileError("文件是空的，没有任何内容。请选择由本软件导出的画像文件。")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (len(raw) > 1 and (raw[0] == 0 or raw[1] == 0)):
        raise ProfileError("文件是 UTF-16 编码（常见于 Windows 记事本“Unicode”格式），请另存为 UTF-8 编码后再打开。")
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    nul = raw.find(b"\x00")
    if nul >= 0:
        line = raw[:nul].count(b"\n") + 1
        raise ProfileError(f"文件第 {line} 行含有 NUL 字节，可能是二进制文件而不是画像。")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        try:
            raw.decode("gb18030")
            hint = "看起来是 GBK/GB18030 编码"
        except UnicodeDecodeError:
            hint = "可能是其他编码或二进制文件"
        raise ProfileError(f"文件不是 UTF-8 编码（第 {line} 行起无法解码，{hint}），请另存为 UTF-8 编码后再打开。") from None


def parse_profile(text: str) -> Profile:
    """Parse TOML text into a validated profile (migrating older versions)."""
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(_toml_message(exc)) from None
    except RecursionError:
        raise ProfileError("文件中的数组或表嵌套过深，不是有效的画像。") from None
    return profile_from_data(data)


def profile_from_data(data: dict[str, Any]) -> Profile:
    data = migrate(data)
    data = _years_as_ints(data)
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(describe_profile_errors(exc)) from None
    except RecursionError:
        raise ProfileError("文件中的数组或表嵌套过深，不是有效的画像。") from None


def _years_as_ints(data: dict[str, Any]) -> dict[str, Any]:
    """TOML table keys are strings; revenue years are integers in the model."""
    scale = data.get("scale")
    if isinstance(scale, dict) and isinstance(scale.get("revenue_wan"), dict):
        converted: dict[Any, Any] = {}
        for key, value in scale["revenue_wan"].items():
            converted[int(key) if isinstance(key, str) and key.strip().isdigit() else key] = value
        data = {**data, "scale": {**scale, "revenue_wan": converted}}
    return data


def load_profile(path: str | os.PathLike[str]) -> Profile:
    """Load a profile file or raise ProfileError with a Chinese message."""
    path = Path(path)
    text = read_profile_text(path)
    try:
        return parse_profile(text)
    except ProfileError as exc:
        raise ProfileError(f"{path.name}：{exc}") from None


# --- validation messages ------------------------------------------------------------------


def _location(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for step in loc:
        if isinstance(step, int):
            parts.append(f"[{step + 1}]")
        elif step in ("function-after[_check_wan(), decimal]", "function-after[_check_year(), int]"):
            continue
        elif isinstance(step, str) and not step.startswith(("function-", "literal[")):
            parts.append(("." if parts else "") + step)
    return "".join(parts) or "文件顶层"


def _nearest_key(loc: tuple[Any, ...]) -> str | None:
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


def describe_profile_errors(exc: ValidationError) -> str:
    """One Chinese paragraph naming each problem and its key."""
    messages = []
    for error in exc.errors()[:5]:
        loc = tuple(error["loc"])
        where = _location(loc)
        kind = error["type"]
        if kind == "extra_forbidden":
            hint = _nearest_key(loc)
            messages.append(f"“{where}”不是画像中的键" + (f"，是否想写“{hint}”？" if hint else "。"))
        elif kind == "literal_error":
            expected = error.get("ctx", {}).get("expected", "")
            messages.append(f"“{where}”的值“{error.get('input')}”不在可选范围内（可选：{expected}）。")
        elif kind == "value_error":
            messages.append(f"“{where}”：{str(error.get('ctx', {}).get('error', error['msg']))}。")
        elif kind in ("int_parsing", "int_type", "int_from_float"):
            messages.append(f"“{where}”应为整数，现为“{error.get('input')}”。")
        elif kind in ("decimal_parsing", "decimal_type", "float_parsing"):
            messages.append(f"“{where}”应为数字（金额以万元为单位），现为“{error.get('input')}”。")
        elif kind in ("bool_parsing", "bool_type"):
            messages.append(f"“{where}”应为 true 或 false，现为“{error.get('input')}”。")
        elif kind in ("string_type",):
            messages.append(f"“{where}”应为文字（加引号），现为“{error.get('input')}”。")
        elif kind in ("string_too_long",):
            messages.append(f"“{where}”过长（上限 {error.get('ctx', {}).get('max_length')} 字）。")
        elif kind in ("greater_than_equal", "greater_than"):
            messages.append(f"“{where}”不能小于 {error.get('ctx', {}).get('ge', error.get('ctx', {}).get('gt'))}，现为 {error.get('input')}。")
        elif kind in ("less_than_equal", "less_than"):
            messages.append(f"“{where}”过大（上限 {error.get('ctx', {}).get('le', error.get('ctx', {}).get('lt'))}），现为 {error.get('input')}。")
        elif kind in ("list_type", "dict_type", "model_type", "model_attributes_type"):
            messages.append(f"“{where}”的结构不对：应为{'列表' if kind == 'list_type' else '表'}。")
        elif kind in ("datetime_parsing", "datetime_type", "datetime_from_date_parsing"):
            messages.append(f"“{where}”不是有效的日期时间。")
        else:
            messages.append(f"“{where}”：{error['msg']}。")
    more = len(exc.errors()) - 5
    if more > 0:
        messages.append(f"另有 {more} 处问题。")
    return "画像内容有误：" + "".join(messages)


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


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write a file so that readers see the old or the new content, never a mix."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
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
