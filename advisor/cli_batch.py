"""``advisor batch`` on the command line: arguments in, the summary table and messages out.

The assessing itself is ``advisor.batch``; this module only reads the parsed arguments,
calls ``run_batch`` and says what happened, in Chinese, through ``printable``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from advisor.collector import collector_paused
from advisor.terminal_text import printable

EXIT_OK, EXIT_UNUSABLE, EXIT_WRITE_FAILED, EXIT_INTERRUPTED = 0, 2, 1, 130


def add_arguments(batch: argparse.ArgumentParser, date: Callable[[str], Any]) -> None:
    """The options of ``advisor batch``; ``date`` parses ``--as-of`` (the CLI's own, for one wording)."""
    batch.add_argument("input", nargs="?", type=Path, help="画像文件夹、CSV 文件或 Parquet 文件")
    batch.add_argument("--out", type=Path, help="结果文件的路径（默认：输入名-results.csv）")
    batch.add_argument("--template", action="store_true", help="输出 CSV 表头模板")
    batch.add_argument("--as-of", type=date, default=None, help="评估日期，默认今天（YYYY-MM-DD）")
    batch.add_argument("--jobs", type=int, default=0, help="并行进程数（默认全部 CPU 核）")
    batch.add_argument(
        "--format",
        choices=("wide", "long", "parquet"),
        default=None,
        help="结果格式：wide 每家企业一行（默认）；long 每家企业×每项措施一行；parquet 供数据仓库使用（需 pyarrow）",
    )
    batch.add_argument("--parquet", action="store_true", help="同 --format parquet")


def _progress_bar() -> tuple[Any, Any]:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("评估中"), BarColumn(), TextColumn("{task.completed} 家"), TimeElapsedColumn(), transient=True
    )
    task = bar.add_task("batch", total=None)
    bar.start()
    return bar, task


def print_summary(result: dict[str, Any], out: Path) -> None:
    """The summary as a table: per measure with any eligible or possible company."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from advisor.batch import summary_path

    console = Console()
    table = Table(title=f"批量评估汇总（{result['assessed']} 家企业，评估日期 {result['as_of'].isoformat()}）")
    for column in ("措施", "符合", "可能符合", "符合者合计（万元）", "可能符合者合计（万元）"):
        table.add_column(column, justify="left" if column == "措施" else "right")
    for row in result["summary"]:
        if not row["eligible"] and not row["possible"]:
            continue
        table.add_row(
            Text(printable(f"{row['title']}（{row['measure_id']}）")),
            str(row["eligible"]),
            str(row["possible"]),
            _range(row["eligible_min_wan"], row["eligible_max_wan"]),
            _range(row["possible_min_wan"], row["possible_max_wan"]),
        )
    console.print(table)
    console.print(Text(f"结果：{printable(out)}\n汇总：{printable(summary_path(out))}"))


def _range(low: str, high: str) -> str:
    return high if low == high else f"{low}–{high}"


def cmd_batch(args: argparse.Namespace) -> int:
    """Run ``advisor batch``; the exit code says how it went (0, 1 write failed, 2 unusable, 130 interrupted)."""
    with collector_paused(freeze=True):  # the models and the rule set live until the end
        from advisor.batch import UnusableInput, errors_path, run_batch, template_columns
        from advisor.errors import RuleSetError
        from advisor.files import os_error_text

    if args.template:
        sys.stdout.write(",".join(template_columns()) + "\n")
        return EXIT_OK
    if args.input is None:
        sys.stderr.write(
            "请给出画像文件夹、CSV 或 Parquet 文件：advisor batch 输入 --out 结果.csv（表头模板：advisor batch --template）\n"
        )
        return EXIT_UNUSABLE
    fmt = getattr(args, "format", None) or ("parquet" if getattr(args, "parquet", False) else "wide")
    if getattr(args, "parquet", False) and fmt != "parquet":
        sys.stderr.write("参数错误：--parquet 与 --format " + printable(fmt) + " 不能同时使用。\n")
        return EXIT_UNUSABLE
    suffix = ".parquet" if fmt == "parquet" else ".csv"
    out = args.out or Path(f"{Path(args.input).stem}-results{suffix}")
    bar = _progress_bar() if sys.stdout.isatty() else None
    try:
        result = run_batch(
            Path(args.input),
            out,
            args.as_of,
            args.jobs or 0,
            progress=(lambda n: bar[0].update(bar[1], advance=n)) if bar is not None else None,
            fmt=fmt,
        )
    except UnusableInput as exc:
        sys.stderr.write(f"无法批量评估：{printable(exc, multiline=True)}\n")
        return EXIT_UNUSABLE
    except RuleSetError as exc:
        sys.stderr.write("规则库有误，无法使用：\n" + "\n".join(f"  {printable(p)}" for p in exc.problems) + "\n")
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        sys.stderr.write("已中断：本次结果没有写入，之前的结果文件保持不变。\n")
        return EXIT_INTERRUPTED
    except OSError as exc:
        where = f" {printable(exc.filename)}" if getattr(exc, "filename", None) else ""
        sys.stderr.write(f"无法写入结果{where}：{os_error_text(exc)}。本次结果没有写入，之前的结果文件保持不变。\n")
        return EXIT_WRITE_FAILED
    finally:
        if bar is not None:
            bar[0].stop()
    for row, message in result["errors"][:20]:
        where = f"第 {row} 行" if row.isdigit() else printable(row)
        sys.stderr.write(f"{where}：{printable(message)}\n")
    if result["errors"]:
        sys.stderr.write(f"共 {len(result['errors'])} 行有误，已跳过（详见 {printable(errors_path(out))}）。\n")
    print_summary(result, out)
    return EXIT_OK
