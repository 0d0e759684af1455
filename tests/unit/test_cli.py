"""The command line as a user and an integration see it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
CHINESE_NUMERALS = [
    "一",
    "二",
    "三",
    "四",
    "五",
    "六",
    "七",
    "八",
    "九",
    "十",
    "十一",
    "十二",
    "十三",
    "十四",
    "十五",
    "十六",
    "十七",
]


def advisor(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "advisor", *args], capture_output=True, text=True, encoding="utf-8", cwd=ROOT, timeout=60
    )


def test_rules_check_passes() -> None:
    done = advisor("rules", "check")
    assert done.returncode == 0, done.stderr
    assert "规则检查通过" in done.stdout


def test_rules_list_json_covers_every_article_and_document() -> None:
    done = advisor("rules", "list", "--format", "json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert all(set(r) >= {"id", "title", "region", "source"} for r in rows)
    articles = {r["source"]["article"] for r in rows if r["source"]["document"] == "gm-measures"}
    assert set(CHINESE_NUMERALS) <= articles
    longgang = [r for r in rows if r["source"]["document"] == "lg-ai-rules-explanation"]
    assert len(longgang) == 10
    assert any(r["source"]["document"] == "sz-software-plan" for r in rows)
    assert any(r["source"]["document"] == "gz-internet-software-plan" for r in rows)
    texts = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "rules" / "sources").glob("*.txt")}
    assert all(any(r["source"]["quote"] in t for t in texts.values()) for r in rows)


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.toml")))
def test_match_every_example_in_every_format(example: str) -> None:
    for fmt in ("table", "markdown", "html"):
        done = advisor("match", str(EXAMPLES / example), "--format", fmt, "--as-of", "2026-11-21")
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip()
    data = json.loads(advisor("match", str(EXAMPLES / example), "--format", "json", "--as-of", "2026-11-21").stdout)
    assert set(data) >= {"results", "totals"}
    ranks = [{"eligible": 0, "possible": 1, "ineligible": 2}[r["status"]] for r in data["results"]]
    assert ranks == sorted(ranks)


def test_guangming_example_figures() -> None:
    data = json.loads(
        advisor(
            "match", str(EXAMPLES / "guangming-ai-company.toml"), "--format", "json", "--as-of", "2026-11-21"
        ).stdout
    )
    by_id = {r["measure_id"]: r for r in data["results"]}
    # 20% × 1,500万 = 300万 → 单个项目最高200万
    matching = by_id["gm-01-1"]
    assert (matching["status"], matching["amount"]["max_yuan"]) == ("eligible", 2_000_000)
    # 30元 × 800㎡ × 12月 = 28.8万/年 × 3年
    rent = by_id["gm-11-1"]
    assert (rent["status"], rent["amount"]["max_yuan"], rent["amount"]["total_max_yuan"]) == (
        "eligible",
        288_000,
        864_000,
    )
    assert rent["source"]["article"] == "十一"


def test_table_output_aligns_chinese() -> None:
    """Rich pads every row to the table width in terminal cells; a len()-based
    layout would leave Chinese rows wider than ASCII ones."""
    from rich.cells import cell_len

    done = advisor("match", str(EXAMPLES / "guangming-ai-company.toml"), "--as-of", "2026-11-21")
    lines = done.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if "估算金额" in line)
    end = next(i for i, line in enumerate(lines) if line.startswith("符合 ") and "项" in line)
    table = [line for line in lines[start:end] if line.strip()]
    assert len(table) > 5
    widths = {cell_len(line) for line in table}
    assert len(widths) == 1 and widths.pop() <= 80


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("not = [toml", "不是有效的 TOML"),
        ("schema_version = 2\n[finance]\nvc_investment_wan = -5\n", "不能为负数"),
        ("schema_version = 2\n[space]\nleased_area = 800\n", "leased_area_m2"),
    ],
)
def test_bad_profile_exits_2_with_chinese_message(tmp_path: Path, content: str, fragment: str) -> None:
    path = tmp_path / "坏画像.toml"
    path.write_text(content, encoding="utf-8")
    done = advisor("match", str(path))
    assert done.returncode == 2
    assert fragment in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert "找不到文件" in advisor("match", str(tmp_path / "无此文件.toml")).stderr
    assert "文件夹" in advisor("match", str(tmp_path)).stderr


def test_schema_prints_json_schema() -> None:
    schema = json.loads(advisor("schema").stdout)
    assert "identity" in schema["properties"] and "$defs" in schema


def test_bad_date_argument() -> None:
    done = advisor("match", str(EXAMPLES / "nanshan-company.toml"), "--as-of", "2026-02-30")
    assert done.returncode == 2 and "不是有效日期" in done.stderr
