"""The Chinese wording of file, TOML and validation errors, shared by profiles, rules and the questionnaire.

One table (``VALIDATION_TEXT``) from an error kind to its text, so a wrong type, an unknown
key, a missing key or a value out of range reads the same wherever it is found. Pydantic's
error types are mapped to these kinds (``PYDANTIC_KINDS``); an error arrives here as the plain
dict ``ValidationError.errors()`` gives, so this module does not import pydantic.
Each text is written to follow a key's name in running prose (“space.leased_area_m2”应为整数…);
``Wording.joiner`` is what goes between the name and the text (“的”, “：” or nothing).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from typing import Any, Literal, NamedTuple

from advisor.errors import FileProblem
from advisor.files import errno_text
from advisor.terminal_text import printable

# --- values as shown in a message -----------------------------------------------------------------


def visible(text: object, limit: int = 40) -> str:
    """Text from a file, safe to print in a message (``terminal_text.printable``), cut to
    ``limit`` characters. An integer too long to write out is described, not converted."""
    if isinstance(text, int) and not isinstance(text, bool) and text.bit_length() > 200:
        return f"{'-' if text < 0 else ''}一个约 {int(text.bit_length() * 0.30103) + 1} 位的整数"
    text = str(text)
    cut = len(text) > limit
    return printable(text[:limit]) + ("…" if cut else "")


def value_text(value: Any) -> str:
    """A value as TOML would show it: true/false, 表 for a table, 列表 for a list, else the text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return "表" if isinstance(value, dict) else "列表"
    return visible(value)


def choices_text(expected: str) -> str:
    """Pydantic's ``'a', 'b' or 'c'`` as ``a、b、c``."""
    values = re.findall(r"'([^']*)'", expected)
    return "、".join(values) if values else expected


def nearest(word: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate to a misspelt key or id, if any is close."""
    import difflib  # only when a name is not known: not at every start-up

    found = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return found[0] if found else None


def nearest_text(word: str, candidates: Iterable[str]) -> str:
    """“，最接近的是“X””, to follow a name that is not known, or nothing when none is close."""
    hint = nearest(word, candidates)
    return f"，最接近的是“{visible(hint, 200)}”" if hint else ""


# --- validation errors ----------------------------------------------------------------------------


class Wording(NamedTuple):
    """How one kind of error reads after a key's name: ``joiner`` + ``text`` (a format string).

    ``rule_text`` replaces ``text`` in a line of ``advisor rules check`` where the rule author
    needs other words (e.g. the nearest valid key instead of a question); ``answer_text`` is the
    short form under a question the questionnaire shows (the question itself is on screen)."""

    joiner: str
    text: str
    rule_text: str | None = None
    answer_text: str | None = None


#: Who reads a message: a profile's user, a rule author (``rules check``), a person answering a question.
Audience = Literal["profile", "rules", "answer"]


#: Error kind → wording. Placeholders: {given} (the value, printable), {limit}, {choices},
#: {reason} (a check's own Chinese reason), {key} (the unknown key), {hint} (the nearest valid key),
#: {noun} (画像, 规则). A placeholder not given is empty.
VALIDATION_TEXT: dict[str, Wording] = {
    "missing": Wording("", "缺少必填的键"),
    "unknown_key": Wording("", "不是{noun}中的键。请删除这一项或检查拼写", "未知的键“{key}”"),
    "unknown_key_hint": Wording(
        "", "不是{noun}中的键，是否想写“{hint}”？", "未知的键“{key}”，最接近的有效键是“{hint}”"
    ),
    "not_a_choice": Wording("的", "值“{given}”不在可选范围内（可选：{choices}）"),
    "wrong_int": Wording("", "应为整数，现为“{given}”"),
    "wrong_number": Wording("", "应为数字（金额以万元为单位，不加引号），现为“{given}”", "应为数字，现为“{given}”"),
    "not_finite": Wording("", "应为有限的数字，现为“{given}”"),
    "too_many_digits": Wording("", "数字位数过多，现为“{given}”"),
    "wrong_bool": Wording("", "应为 true 或 false，现为“{given}”"),
    "bool_for_number": Wording("", "应为数字，现为“{given}”"),
    "bool_for_other": Wording("", "应为数字或文字，现为 true/false（“{given}”）"),
    "quoted_number": Wording("", "应为数字（不加引号），现为文字“{given}”"),
    "wrong_text": Wording("", "应为文字（加引号），现为“{given}”"),
    "too_long": Wording("", "过长（上限 {limit} 字）", answer_text="太长了（上限 {limit} 字）"),
    "too_small": Wording("", "不能小于 {limit}，现为 {given}", answer_text="不能小于 {limit}"),
    "not_above": Wording("", "应大于 {limit}，现为 {given}", answer_text="不能小于 {limit}"),
    "too_large": Wording("", "过大（上限 {limit}），现为 {given}", answer_text="不能大于 {limit}"),
    "not_below": Wording("", "应小于 {limit}，现为 {given}", answer_text="不能大于 {limit}"),
    "not_list": Wording(
        "的",
        "结构不对：应为列表（用 [ ] 括起），现为“{given}”",
        "结构不对：应为列表（用 [ ] 括起或写成 [[表数组]]），现为“{given}”",
    ),
    "not_table": Wording("的", "结构不对：应为表，现为“{given}”"),
    "bad_datetime": Wording("", "不是有效的日期时间，现为“{given}”（应写成 2025-01-31T10:00:00，不加引号）"),
    "bad_date": Wording("", "不是有效的日期，现为“{given}”（应写成 2025-01-31）"),
    "bad_pattern": Wording("的", "值“{given}”格式不对（应匹配 {limit}：小写字母、数字和连字符）"),
    "unknown_tag": Wording("", "kind 的值“{given}”不是已知的类型（可选：{choices}）"),
    "missing_tag": Wording("", "缺少 kind（金额类型）"),
    "check_failed": Wording("：", "{reason}"),
    "too_deep": Wording("", "嵌套过深"),
    "invalid": Wording("的", "值“{given}”不符合要求"),
}

#: Pydantic's error types → the kinds above.
PYDANTIC_KINDS: dict[str, str] = {
    "missing": "missing",
    "extra_forbidden": "unknown_key",
    "literal_error": "not_a_choice",
    "enum": "not_a_choice",
    "int_parsing": "wrong_int",
    "int_type": "wrong_int",
    "int_from_float": "wrong_int",
    "decimal_parsing": "wrong_number",
    "decimal_type": "wrong_number",
    "float_parsing": "wrong_number",
    "float_type": "wrong_number",
    "is_instance_of": "wrong_number",
    "finite_number": "not_finite",
    "decimal_max_digits": "too_many_digits",
    "decimal_max_places": "too_many_digits",
    "decimal_whole_digits": "too_many_digits",
    "bool_parsing": "wrong_bool",
    "bool_type": "wrong_bool",
    "string_type": "wrong_text",
    "string_too_long": "too_long",
    "greater_than_equal": "too_small",
    "greater_than": "not_above",
    "less_than_equal": "too_large",
    "less_than": "not_below",
    "list_type": "not_list",
    "dict_type": "not_table",
    "model_type": "not_table",
    "model_attributes_type": "not_table",
    "set_type": "not_table",
    "tuple_type": "not_table",
    "string_pattern_mismatch": "bad_pattern",
    "union_tag_invalid": "unknown_tag",
    "union_tag_not_found": "missing_tag",
    "value_error": "check_failed",
    "assertion_error": "check_failed",
    "recursion_loop": "too_deep",
}

#: The rule model's own checks (``advisor.rule_model`` raises them in English) in Chinese.
RULE_MODEL_REASONS = {
    "a condition takes 'any' or 'all', not both": "条件不能同时写 any 和 all",
    "a condition with 'any'/'all' takes no 'fact' or 'op'": "写了 any/all 的条件不能再写 fact 或 op",
    "a condition needs 'fact' and 'op' (or 'any')": "条件需要 fact 和 op（或 any/all）",
    "tiers must be in ascending threshold order": "档位门槛应从低到高排列",
    "an 'undecidable' condition takes no 'fact', 'any' or 'all'": 'op = "undecidable" 的条件不写 fact、any 或 all',
    "an 'undecidable' condition needs a 'reason'": 'op = "undecidable" 的条件必须写 reason（为什么无法判定，如“标准未公布，以当年申请指南为准”）',
    "op 'within_years' needs an integer 'value' from 0 to 20": 'op = "within_years" 的 value 应为 0 到 20 的整数（窗口年数）',
    "op 'within_years' needs a 'reason' (the rule used)": 'op = "within_years" 的条件必须写 reason（采用的时间规则）',
}


def error_kind(error: Mapping[str, Any]) -> str:
    """The kind (a key of ``VALIDATION_TEXT``) of one pydantic error."""
    kind = str(error["type"])
    if kind in PYDANTIC_KINDS:
        return PYDANTIC_KINDS[kind]
    if kind.startswith("datetime"):
        return "bad_datetime"
    if kind.startswith("date"):
        return "bad_date"
    return "invalid"


#: Rule-model reasons that name the operator they are about (patterns compiled on first use, by ``re``).
RULE_MODEL_PATTERNS = ((r"^op '([a-z_]+)' needs a 'value'$", 'op = "{0}" 的条件必须写 value（比较的值）'),)


def check_reason(error: Mapping[str, Any]) -> str:
    """The reason a value or assertion check gave (already Chinese, or a rule-model reason)."""
    ctx = error.get("ctx") or {}
    reason = str(ctx.get("error", error.get("msg", "")))
    if reason in RULE_MODEL_REASONS:
        return RULE_MODEL_REASONS[reason]
    for pattern, text in RULE_MODEL_PATTERNS:
        found = re.match(pattern, reason)
        if found:
            return text.format(*found.groups())
    return reason


def wording(kind: str, **values: object) -> tuple[str, str]:
    """(joiner, text) of an error kind for a profile's user, with its placeholders filled."""
    return fill(kind, values)


def fill(kind: str, values: Mapping[str, object], audience: Audience = "profile") -> tuple[str, str]:
    """(joiner, text) of an error kind for ``audience`` with the placeholders in ``values`` filled."""
    entry = VALIDATION_TEXT[kind]
    special = {"rules": entry.rule_text, "answer": entry.answer_text}.get(audience)
    template = special if special is not None else entry.text
    return entry.joiner, template.format(**{**_NO_VALUES, **values})


#: Every placeholder of ``VALIDATION_TEXT``, empty unless given (the noun is 画像 unless given).
_NO_VALUES: dict[str, object] = {
    "given": "",
    "limit": "",
    "choices": "",
    "reason": "",
    "key": "",
    "hint": "",
    "noun": "画像",
}


def error_values(error: Mapping[str, Any]) -> dict[str, object]:
    """The placeholders of ``VALIDATION_TEXT`` filled from one pydantic error."""
    ctx = error.get("ctx") or {}
    limit = next((ctx[k] for k in ("ge", "gt", "le", "lt", "max_length", "pattern") if k in ctx), "")
    kind = str(error["type"])
    if kind == "union_tag_invalid":
        return {"given": visible(ctx.get("tag")), "choices": choices_text(str(ctx.get("expected_tags", "")))}
    return {
        "given": value_text(error.get("input")),
        "limit": limit,
        "choices": choices_text(str(ctx.get("expected", ""))),
        "reason": check_reason(error),
    }


def validation_text(error: Mapping[str, Any], audience: Audience = "profile", noun: str = "画像") -> tuple[str, str]:
    """(joiner, text) for one pydantic error, to follow the name of the key it is about."""
    return fill(error_kind(error), {**error_values(error), "noun": noun}, audience)


def answer_error_text(error: Mapping[str, Any]) -> str:
    """A short message for an answer the questionnaire refused (the question is on screen,
    so no key is named). ``error`` is the first item of ``ValidationError.errors()``."""
    return validation_text(error, "answer")[1]


# --- files that cannot be read as text ----------------------------------------------------------


def _size_text(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def _limit_text(limit: int) -> str:
    megabytes = limit / 1024 / 1024
    return f"{megabytes:.0f} MB" if megabytes == int(megabytes) else f"{megabytes:.1f} MB"


#: Each file problem in Chinese, without its subject: the caller puts the file's name before it.
#: ``{noun}`` is what the file should have been (画像, 规则).
FILE_PROBLEM_TEXT = {
    "missing": "找不到文件（文件不存在或路径有误）",
    "directory": "这是一个文件夹，不是{noun}文件",
    "not_regular": "不是普通文件（可能是设备或管道），无法作为{noun}读取",
    "too_large": "文件过大（{size}），{noun}文件的上限为 {limit}，未读取",
    "too_large_unknown": "文件过大（超过 {limit}），不是{noun}文件，未读取",
    "symlink_loop": "这是一个循环的符号链接，无法打开",
    "bad_path": "文件路径含有不允许的字符",
    "os": "无法读取：{reason}",
    "empty": "文件是空的，没有任何内容。请选择由本软件导出的{noun}文件",
    "utf16": "文件是 UTF-16 编码（常见于 Windows 记事本“Unicode”格式），请另存为 UTF-8 编码后再打开",
    "nul": "文件第 {line} 行含有 NUL 字节（\\x00），看起来是二进制文件，不是文本格式的{noun}",
    "not_utf8": "文件不是 UTF-8 编码（第 {line} 行起无法解码，{hint}），请另存为 UTF-8 编码后再打开",
}


def file_problem_text(problem: FileProblem, noun: str) -> str:
    """What is wrong with the file, in Chinese, without the file's name and final stop."""
    key = "too_large_unknown" if problem.kind == "too_large" and problem.size is None else problem.kind
    return FILE_PROBLEM_TEXT[key].format(
        noun=noun,
        size=_size_text(problem.size or 0),
        limit=_limit_text(problem.limit or 0),
        line=problem.line,
        hint=problem.hint,
        reason=errno_text(problem.errno),
    )


# --- TOML syntax errors ----------------------------------------------------------------------

# The patterns below are compiled on first use (``re``'s cache), not at every start-up: only a
# broken file needs them.
_TOML_POS = r"\s*\(at line (\d+), column (\d+)\)|\s*\(at end of document\)"
DATE_REASON = "日期或时间无效（该日期不存在或格式不对，应写成 2025-01-31）"
#: tomllib's messages (Python 3.11–3.13) in plain Chinese; ``{0}`` is the key when the message names one.
TOML_REASONS = (
    (r"^Cannot overwrite a value", "同一个键被重复定义"),
    (r"^Cannot declare (.+) twice", "表 [{0}] 被重复声明"),
    (r"^Cannot mutate immutable namespace (.+)", "不能再往已写完的表 {0} 中添加键"),
    (r"^Cannot redefine namespace (.+)", "表 {0} 与前面的定义冲突"),
    (r"^Duplicate inline table key (.+)", "行内表中的键 {0} 重复"),
    (r"^Invalid value", "值的写法不正确（文字要加引号，数字和 true/false 不加）"),
    (r"^Invalid statement", "这一行不是有效的语句（应为“键 = 值”或 [表名]）"),
    (r"^Expected '=' after a key", "键后面缺少“=”"),
    (r"^Invalid initial character for a key part", "键名含有不允许的字符"),
    (r"^Unterminated string", "字符串缺少结束引号"),
    (r"^Invalid date or datetime", DATE_REASON),
    (r"^Expected newline or end of document", "一行只能写一条语句"),
    (r"^Expected ']' at the end of a table declaration", "表名缺少结束的“]”"),
    (r"^Expected ']]' at the end of an array declaration", "表数组名缺少结束的“]]”"),
    (r"^Unclosed array", "数组缺少结束的“]”"),
    (r"^Unclosed inline table", "行内表缺少结束的“}”"),
    (r"^Escaped character is not a Unicode scalar value", "转义字符不是有效的 Unicode 字符"),
    (r"^Invalid hex value", "\\u 或 \\U 转义的十六进制值不正确"),
    (r"^Unescaped '\\\\' in a string", "字符串中的反斜杠“\\”需要写成“\\\\”"),
    (r"^Illegal character '\\n'", "字符串缺少结束引号（文字须在同一行内用引号括起）"),
    (r"^Illegal character", "含有不允许出现的控制字符"),
    (r"^Found invalid character", "含有不允许出现的字符"),
    (r"^Expected", "缺少必要的符号"),
)
TOO_DEEP_TEXT = "数组或表嵌套过深"


def _toml_key(raw: str) -> str:
    """tomllib names keys as a tuple repr, e.g. ``('identity', 'name')``."""
    parts = re.findall(r"'([^']*)'|\"([^\"]*)\"", raw)
    return visible(".".join(a or b for a, b in parts) if parts else raw.strip("()"))


def toml_message(exc: tomllib.TOMLDecodeError, text: str | None = None) -> str:
    """A TOML syntax error as one Chinese sentence: where (line and column), what, and the line."""
    message = str(exc)
    position = re.search(_TOML_POS, message)
    line = int(position.group(1)) if position and position.group(1) else None
    if position is not None and line is not None:
        where = f"第 {line} 行第 {position.group(2)} 列"
    elif position:
        where = "文件末尾"
    else:
        where = "文件中"
    bare = re.sub(_TOML_POS, "", message).strip()
    detail = "写法不符合 TOML 格式"
    for pattern, zh in TOML_REASONS:
        found = re.search(pattern, bare)
        if found:
            detail = zh.format(*(_toml_key(g) for g in found.groups()))
            break
    shown = ""
    if text is not None and line is not None:
        lines = text.splitlines()
        if 0 < line <= len(lines) and lines[line - 1].strip():
            content = lines[line - 1].strip()
            shown = f"；这一行是：{visible(content)}"
            if re.search(r"=\s*\d{4}-\d{1,2}-\d{1,2}", content) and bare.startswith(
                ("Expected newline", "Invalid value")
            ):
                detail = DATE_REASON  # 2025-13-01: tomllib does not see a date at all
    return f"不是有效的 TOML 格式：{where}，{detail}{shown}。"
