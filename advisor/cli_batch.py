"""``advisor batch`` on the command line: arguments in, the summary table and messages out.

The assessing itself is ``advisor.batch``; this module only reads the parsed arguments,
calls ``run_batch`` and says what happened, in Chinese, through ``printable``.
"""

from __future__ import annotations

import argparse
import os
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


#: The summary's columns: heading, and whether its figures are right-aligned.
_SUMMARY_COLUMNS = (
    ("措施", False),
    ("符合", True),
    ("可能符合", True),
    ("符合者合计（万元）", True),
    ("可能符合者合计（万元）", True),
)


def summary_lines(result: dict[str, Any], out: Path, width: int | None) -> list[str]:
    """The summary as plain text lines: per measure with any eligible or possible company,
    columns aligned in terminal cells. With ``width`` (a terminal's), the measure column is
    cut with "…" so that a line fits; without it (a file or a pipe) nothing is cut."""
    from rich.cells import cell_len, set_cell_size

    from advisor.batch import summary_path

    rows = [
        [
            printable(f"{row['title']}（{row['measure_id']}）"),
            str(row["eligible"]),
            str(row["possible"]),
            _range(row["eligible_min_wan"], row["eligible_max_wan"]),
            _range(row["possible_min_wan"], row["possible_max_wan"]),
        ]
        for row in result["summary"]
        if row["eligible"] or row["possible"]
    ]
    table = [[heading for heading, _ in _SUMMARY_COLUMNS], *rows]
    widths = [max(cell_len(line[i]) for line in table) for i in range(len(_SUMMARY_COLUMNS))]
    if width is not None:
        room = width - sum(widths[1:]) - 2 * (len(widths) - 1)
        widths[0] = max(min(widths[0], room), cell_len(_SUMMARY_COLUMNS[0][0]))

    def fit(text: str, cells: int, right: bool) -> str:
        if cell_len(text) > cells:
            text = set_cell_size(text, cells - 1).rstrip() + "…"  # a wide character may leave a cell over
        pad = " " * (cells - cell_len(text))
        return pad + text if right else text + pad

    lines = [f"批量评估汇总（{result['assessed']} 家企业，评估日期 {result['as_of'].isoformat()}）"]
    for line in table:
        cells = (fit(text, w, right) for text, w, (_, right) in zip(line, widths, _SUMMARY_COLUMNS, strict=True))
        lines.append("  ".join(cells).rstrip())
    if not rows:
        lines.append("（没有符合或可能符合的措施）")
    lines += [f"结果：{printable(out)}", f"汇总：{printable(summary_path(out))}"]
    return lines


def print_summary(result: dict[str, Any], out: Path) -> None:
    """The summary table on standard output (fitted to the terminal's width when it is one)."""
    import shutil

    width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
    sys.stdout.write("\n".join(summary_lines(result, out, width)) + "\n")


def _range(low: str, high: str) -> str:
    return high if low == high else f"{low}–{high}"


def cmd_batch(args: argparse.Namespace) -> int:
    """Run ``advisor batch``; the exit code says how it went (0, 1 write failed, 2 unusable, 130 interrupted)."""
    # numpy's OpenBLAS otherwise starts a thread per core when numpy is imported, which spins for
    # about 0.1 s beside the start-up and the workers; batch does no floating-point linear algebra
    # (one company: 0.49 s -> 0.39 s CPU, farm-bench). A value the user set is kept.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
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
