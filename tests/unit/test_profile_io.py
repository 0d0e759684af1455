"""Reading and writing profile files: messages, positions, migration, atomic writes."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest

from advisor.errors import ProfileError
from advisor.files import atomic_write_text
from advisor.profile import Profile
from advisor.profile_io import (
    dump_profile,
    load_profile,
    migrate,
    parse_profile,
    profile_from_data,
    read_profile_text,
    save_profile,
)

V = "schema_version = 2\n"


def _message(text: str) -> str:
    with pytest.raises(ProfileError) as info:
        parse_profile(text)
    return str(info.value)


# --- where ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (V + '[space]\nleased_area_m2 = "大"\n', 3),
        (V + '\n\n[identity]\nname = "x"\n[space]\n# 注释\nleased_area_m2 = -1\n', 8),
        (V + "space.leased_area_m2 = -1\n", 2),
        (V + "[space]\n  leased_area_m2   =   -1\n", 3),
        (V + '[[projects.funded]]\nname = "甲"\n[[projects.funded]]\nname = "乙"\ngrant_wan = -1\n', 6),
        (V + '[projects]\nfunded = [{name = "甲", grant_wan = -1}]\n', 3),  # inline: the line holding it
        (V + "[scale.revenue_wan]\n2023 = 1\n2024 = -1\n", 4),
        (V + "[scale]\nrevenue_wan = {2023 = 1, 2024 = -1}\n", 3),
    ],
)
def test_validation_messages_give_the_line(text: str, line: int) -> None:
    assert f"（第 {line} 行）" in _message(text)


def test_many_problems_are_summarised_in_one_paragraph() -> None:
    text = V + "[space]\n" + "".join(f"k{i} = 1\n" for i in range(12))
    message = _message(text)
    assert message.count("不是画像中的键") == 5 and "另有 7 处问题" in message
    assert "\n" not in message


def test_toml_errors_are_in_chinese_with_line_and_column() -> None:
    message = _message(V + '[identity]\nname = "甲"\nname = "乙"\n')
    assert "第 4 行第 6 列" in message or "第 4 行" in message
    assert "同一个键被重复定义" in message and '这一行是：name = "乙"' in message


def test_impossible_dates_are_refused_with_position() -> None:
    for value in ("2025-02-30T10:00:00", "2025-02-29T00:00:00", "2025-04-31T00:00:00", "2025-13-01T00:00:00"):
        message = _message(V + f"[consultation]\ncreated = {value}\n")
        assert "第 3 行" in message and "日期或时间无效" in message, message
    assert parse_profile(V + "[consultation]\ncreated = 2024-02-29T00:00:00\n").consultation.created is not None


# --- text from the file is shown safely ---------------------------------------------------------


def test_control_characters_and_markup_in_messages_are_shown_literally() -> None:
    message = _message(V + '[space]\nleased_area_m2 = "\\u001b[31m[bold]大[/bold]\\u0007"\n')
    assert "\x1b" not in message and "\x07" not in message
    assert "\\x1b[31m[bold]大[/bold]\\x07" in message


def test_long_values_are_cut_in_messages() -> None:
    message = _message(V + '[space]\nleased_area_m2 = "' + "大" * 5000 + '"\n')
    assert len(message) < 300 and "…" in message


def test_a_raw_escape_character_is_refused_and_not_echoed() -> None:
    message = _message(V + '[identity]\nname = "光明\x1b[2J科技"\n')
    assert "控制字符" in message and "\x1b" not in message and "\\x1b[2J" in message


def test_markup_text_round_trips_through_a_file(tmp_path: Path) -> None:
    name = "[bold red]光明[/] [link=file:///etc/passwd]科技[/link] \x1b[31m\x00\x7f\u202e"
    profile = Profile.model_validate({"identity": {"name": name}, "consultation": {"notes": name * 3 + "\n第二行"}})
    path = tmp_path / "画像.toml"
    save_profile(profile, path)
    assert load_profile(path) == profile
    raw = path.read_bytes()
    assert b"\x1b" not in raw and b"\x00" not in raw  # escaped in the file, restored on reading


# --- migration ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("identity", "expected"),
    [
        ({"city": "深圳市", "district": "光明区"}, {"registered_city": "深圳市", "stats_district": "光明区"}),
        ({"city": "广州市"}, {"tax_city": "广州市", "tax_district": None}),
        ({"district": "南山区"}, {"registered_district": "南山区", "registered_city": None}),
        (
            {"city": "深圳市", "district": "光明区", "tax_city": "深圳市", "tax_district": "南山区"},
            {"tax_district": "南山区", "registered_district": "光明区"},
        ),
        ({}, {"registered_city": None}),
    ],
)
def test_version_1_locations_are_migrated(identity: dict[str, str], expected: dict[str, str | None]) -> None:
    profile = profile_from_data({"schema_version": 1, "identity": identity})
    for key, value in expected.items():
        assert getattr(profile.identity, key) == value


def test_version_1_without_identity_is_migrated() -> None:
    assert profile_from_data({"schema_version": 1, "space": {"leased_area_m2": 10}}).space.leased_area_m2 == 10


def test_migration_does_not_change_its_input() -> None:
    data = {"schema_version": 1, "identity": {"city": "深圳市"}}
    migrate(data)
    assert data == {"schema_version": 1, "identity": {"city": "深圳市"}}


@pytest.mark.parametrize(
    ("version", "fragment"),
    [
        (3, "更新版本"),
        (10**30, "更新版本"),
        (0, "未知的 schema_version"),
        (-1, "未知的 schema_version"),
        ("2", "应为整数"),
        (True, "现为“true”"),
        (Decimal("2"), "应为整数"),
        (None, "缺少 schema_version"),
    ],
)
def test_bad_versions(version: object, fragment: str) -> None:
    data = {} if version is None else {"schema_version": version}
    with pytest.raises(ProfileError, match=fragment):
        profile_from_data(data)


def test_non_table_data_is_refused() -> None:
    with pytest.raises(ProfileError, match="顶层"):
        profile_from_data([1, 2])  # type: ignore[arg-type]


# --- reading files ------------------------------------------------------------------------------


def test_messages_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "公司A.toml"
    path.write_bytes('schema_version = 2\n[identity]\nname = "光明"\n'.encode("gbk"))
    with pytest.raises(ProfileError, match=r"^公司A\.toml：文件不是 UTF-8 编码"):
        load_profile(path)
    path.write_text(V + "[identity]\nnmae = 1\n", encoding="utf-8")
    with pytest.raises(ProfileError, match=r"^公司A\.toml：画像内容有误"):
        load_profile(path)


def test_read_profile_text_strips_nothing_but_a_bom(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_bytes(b"\xef\xbb\xbf" + V.encode() + b"# \xe6\xb3\xa8\r\n")
    assert read_profile_text(path) == V + "# 注\r\n"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads anything")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "locked.toml"
    path.write_text(V, encoding="utf-8")
    path.chmod(0)
    try:
        with pytest.raises(ProfileError, match="没有读取权限"):
            load_profile(path)
    finally:
        path.chmod(0o600)


def test_a_nul_in_the_path_is_refused() -> None:
    with pytest.raises(ProfileError, match="不允许的字符"):
        load_profile("bad\x00name.toml")


# --- writing ------------------------------------------------------------------------------------


def test_atomic_write_replaces_whole_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "p.toml"
    atomic_write_text(path, "一")
    atomic_write_text(path, "二")
    assert path.read_text(encoding="utf-8") == "二"
    assert [p.name for p in path.parent.iterdir()] == ["p.toml"]


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    atomic_write_text(path, "旧内容")
    with pytest.raises(UnicodeEncodeError):
        atomic_write_text(path, "坏\udcff")  # a lone surrogate cannot be written as UTF-8
    assert path.read_text(encoding="utf-8") == "旧内容"
    assert [p.name for p in tmp_path.iterdir()] == ["p.toml"]


def test_dump_writes_lf_and_utf8(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    save_profile(Profile.model_validate({"identity": {"name": "a\r\nb"}}), path)
    raw = path.read_bytes()
    assert b"\r" not in raw and raw.decode("utf-8").startswith("# 政策顾问")
    assert dump_profile(load_profile(path)) == raw.decode("utf-8")


def test_a_rejected_answer_does_not_stay_in_the_profile() -> None:
    profile = Profile.model_validate({"identity": {"registered_city": "深圳市", "registered_district": "光明区"}})
    with pytest.raises(ValueError):
        profile.set("identity.registered_district", "天河区")  # not a district of 深圳市
    assert profile.identity.registered_district == "光明区"
    assert parse_profile(dump_profile(profile)) == profile
