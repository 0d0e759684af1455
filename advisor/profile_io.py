"""Reading and writing profile TOML files, safely.

Reading refuses anything that is not a sensible profile with one Chinese
paragraph that says what is wrong and where. Writing is atomic: a temporary
file in the same folder, fsync, then rename, so a file is never half-written.
"""

from __future__ import annotations

import os
import re
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from advisor.error_text import file_problem_text, nearest, toml_message, validation_text, value_text, visible, wording
from advisor.errors import FileProblem, ProfileError
from advisor.files import (
    atomic_write_text,
    decode_text,
    read_text_bounded,
)
from advisor.profile import SCHEMA_VERSION, Profile

#: Profiles are a few KB; anything above this is not a profile and is not read whole.
MAX_PROFILE_BYTES = 2 * 1024 * 1024
#: A profile is a few hundred lines even with many projects; far more is not a profile.
MAX_PROFILE_LINES = 20_000


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
        raise ProfileError(f"schema_version 应为整数 {SCHEMA_VERSION}，现为“{value_text(version)}”。")
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

#: Problems found while decoding the bytes: the message names the file, not its folder.
_CONTENT_PROBLEMS = ("empty", "utf16", "nul", "not_utf8")


def _file_message(path: Path, problem: FileProblem) -> str:
    shown = visible(path.name if problem.kind in _CONTENT_PROBLEMS else path, 200)
    advice = "请选择一个 .toml 文件。" if problem.kind == "directory" else ""
    return f"{shown}：{file_problem_text(problem, '画像')}。{advice}"


def read_profile_text(path: Path) -> str:
    """Read a profile file as text, refusing what cannot be a profile (``advisor.files``:
    the size is checked before reading and no more than the limit is ever read)."""
    path = Path(path)
    try:
        return read_text_bounded(path, MAX_PROFILE_BYTES, allow_empty=False)
    except FileProblem as problem:
        raise ProfileError(_file_message(path, problem)) from None


def decode_profile_bytes(raw: bytes) -> str:
    """A profile's bytes as text (UTF-8, with or without a byte-order mark); ProfileError otherwise."""
    try:
        return decode_text(raw, allow_empty=False)
    except FileProblem as problem:
        raise ProfileError(f"{file_problem_text(problem, '画像')}。") from None


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
        raise ProfileError(toml_message(exc, text)) from None
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
                        (key, f"中的年份“{visible(key)}”含有全角、上标或其他非半角数字，应写成四位半角数字，如 2024")
                    )
                else:
                    problems.append((key, f"中的年份“{visible(key)}”应为四位数年份，如 2024"))
                continue
            year = int(bare)
            if year in converted:
                problems.append((key, f"中的年份“{visible(key)}”与前面的年份 {year} 重复（同一年只能填写一次）"))
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
        raise ProfileError(f"{visible(path.name, 200)}：{exc}") from None


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
            parts.append(("." if parts else "") + visible(step, 60))
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


def _problem(error: Any, data: Any) -> tuple[Loc, str]:
    """Where one pydantic error is and what it says, to follow the key's name (``error_text``)."""
    loc, about_key = _clean_loc(tuple(error["loc"]), data)
    kind = error["type"]
    ctx = error.get("ctx") or {}
    given = value_text(error.get("input"))
    if isinstance(error.get("input"), bool) and not kind.startswith("bool") and kind != "extra_forbidden":
        return loc, "".join(wording("bool_for_other", given=given))
    if about_key:
        reason = ctx.get("error")
        return loc, (f"中的年份有误：{reason}" if reason else f"中的年份“{given}”应为四位数年份，如 2024")
    if kind == "extra_forbidden":
        hint = _nearest_key(loc)
        return loc, "".join(wording("unknown_key_hint" if hint else "unknown_key", hint=hint, noun="画像"))
    if kind in ("value_error", "assertion_error"):
        reason = str(ctx.get("error", error["msg"]))
        first = reason.split(" ", 1)
        if len(first) == 2 and _is_field(loc, first[0]):  # a check across fields names the one at fault
            return (*loc, first[0]), f"：{first[1]}"
    return loc, "".join(validation_text(error))


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
            return [(loc, "".join(wording("wrong_bool", given=value_text(data))))]
    elif isinstance(value, (int, Decimal)):
        if isinstance(data, bool):
            return [(loc, "".join(wording("bool_for_number", given=value_text(data))))]
        if isinstance(data, str):
            return [(loc, "".join(wording("quoted_number", given=value_text(data))))]
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
    import tomli_w  # only for writing: reading a profile (advisor match) never loads it

    header = "# 政策顾问 企业画像。未出现的问题表示“未知”。金额单位：万元；面积单位：平方米。\n"
    return header + tomli_w.dumps(profile_to_data(profile))


def save_profile(profile: Profile, path: str | os.PathLike[str]) -> None:
    atomic_write_text(path, dump_profile(profile))
