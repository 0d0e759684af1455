"""The ``advisor`` command line.

``advisor`` alone starts the Textual app, imported only then, so ``--help``,
``match`` and the rule commands never load Textual.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.collector import collector_paused
from advisor.terminal_text import printable

if TYPE_CHECKING:
    from advisor.engine import Engine

EXIT_USAGE = 2
EXIT_INTERNAL = 70


class ChineseHelpFormatter(argparse.HelpFormatter):
    """argparse's help in Chinese: "用法：" for "usage:"."""

    def add_usage(self, usage, actions, groups, prefix=None):  # type: ignore[no-untyped-def]
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


class ChineseParser(argparse.ArgumentParser):
    """An ArgumentParser whose own words (usage, options, -h) are Chinese."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        add_help = kwargs.pop("add_help", True)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示本帮助并退出")

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"参数错误：{in_chinese(message)}\n")


#: argparse's own error phrases, in Chinese (the rest of a message is the user's input).
_ARGPARSE_PHRASES = (
    ("the following arguments are required: ", "缺少参数："),
    ("unrecognized arguments: ", "无法识别的参数："),
    ("invalid choice: ", "无效的选项："),
    ("choose from ", "可选："),
    ("expected one argument", "需要一个值"),
    ("argument ", "参数 "),
)


def in_chinese(message: str) -> str:
    """An argparse error message with its English phrases said in Chinese."""
    for english, chinese in _ARGPARSE_PHRASES:
        message = message.replace(english, chinese)
    return printable(message)


def _date(text: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}”不是有效日期，请写成 2026-11-21 的格式") from None


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseParser(
        prog="advisor",
        description="政策顾问：离线匹配企业可申请的政府扶持措施。不带参数时启动交互界面；advisor 画像.toml 直接打开该画像。",
    )
    sub = parser.add_subparsers(dest="command", parser_class=ChineseParser, metavar="命令")

    open_ = sub.add_parser("open", help="启动界面并打开一个画像文件")
    open_.add_argument("profile", nargs="?", help="画像文件（.toml）")

    match = sub.add_parser("match", help="对一个画像文件进行匹配并输出结果")
    match.add_argument("profile", help="画像文件（.toml）")
    match.add_argument(
        "--format", choices=("table", "json", "markdown", "html"), default="table", help="输出格式（默认 table）"
    )
    match.add_argument("--as-of", type=_date, default=None, help="评估日期，默认今天（YYYY-MM-DD）")
    match.add_argument("--all", action="store_true", help="表格中也列出不符合的措施")

    rules = sub.add_parser("rules", help="规则库：检查或列出措施")
    rules_sub = rules.add_subparsers(dest="rules_command", required=True, parser_class=ChineseParser)
    check = rules_sub.add_parser("check", help="校验全部规则文件")
    check.add_argument("--rules", type=Path, default=None, help="规则目录（默认内置规则）")
    listing = rules_sub.add_parser("list", help="列出全部措施")
    listing.add_argument("--format", choices=("table", "json"), default="table")

    sub.add_parser("schema", help="输出画像文件的 JSON Schema")

    from advisor.cli_batch import add_arguments

    add_arguments(sub.add_parser("batch", help="批量评估多家企业（画像文件夹、CSV 或 Parquet）"), _date)
    return parser


def _fail(message: str) -> int:
    from advisor.terminal_text import printable

    sys.stderr.write(printable(message.rstrip(), multiline=True) + "\n")
    return EXIT_USAGE


def _json_safe(text: str) -> str:
    """JSON for a terminal: C1 controls, bidi overrides and lone surrogates that
    ``json.dumps(ensure_ascii=False)`` leaves raw are written as \\uXXXX escapes
    (the same JSON value, nothing lost)."""
    import re

    return re.sub(
        "[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]",
        lambda m: f"\\u{ord(m.group()):04x}",
        text,
    )


COMMANDS = ("open", "match", "rules", "schema", "batch")


#: Commands that end as soon as their output is written: they run without the cyclic
#: garbage collector (see ``main``). The app and batch run long and keep it.
SHORT_COMMANDS = ("match", "rules", "schema")


#: Commands after which the process ends at once (``entry``): everything but the app.
QUICK_EXIT_COMMANDS = (*SHORT_COMMANDS, "batch")


def entry() -> None:
    """The ``advisor`` command (and ``python -m advisor``): ``main``; after any command but the
    app, the process then ends at once (``os._exit``) once stdout and stderr are flushed.
    Every file such a command writes is closed by then (each in a ``with`` block; a batch run's
    worker processes are joined and its temporary folder removed before ``main`` returns), so
    tearing the interpreter down would only free memory the system takes back anyway: 50-60 ms
    at the end of every batch run (the rule set, the models, numpy, pyarrow; measured)."""
    argv = sys.argv[1:]
    code = main(argv)
    if argv and argv[0] in QUICK_EXIT_COMMANDS:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass  # a closed pipe (``| head``): nothing more can be shown
        os._exit(code)
    sys.exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] not in COMMANDS and not argv[0].startswith("-"):
        argv = ["open", *argv]  # ``advisor FILE.toml`` opens the app on that file
    args = build_parser().parse_args(argv)
    if args.command not in SHORT_COMMANDS:
        return _run(args)
    # A short command's start-up builds objects that live until it exits (about 20 ms of a
    # 300 ms ``advisor match`` went to the collector walking them, measured).
    with collector_paused(freeze=True):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    try:
        if args.command == "match":
            return cmd_match(args)
        if args.command == "rules":
            return cmd_rules(args)
        if args.command == "schema":
            return cmd_schema()
        if args.command == "batch":
            from advisor.cli_batch import cmd_batch

            return cmd_batch(args)
        return cmd_app(args)
    except KeyboardInterrupt:
        sys.stderr.write("已中断。\n")
        return 130
    except BrokenPipeError:
        return 0
    except RecursionError:
        sys.stderr.write("输入嵌套过深，无法处理。\n")
        return EXIT_INTERNAL
    except Exception as exc:
        sys.stderr.write(
            f"内部错误（{type(exc).__name__}），操作未完成，没有写入任何文件。请把这条信息和所用文件反馈给开发者。\n"
        )
        return EXIT_INTERNAL


def _engine() -> Engine:
    from advisor.errors import RuleSetError
    from advisor.rulestore import load_engine

    try:
        return load_engine()
    except RuleSetError as exc:
        raise SystemExit(_fail("规则库有误，无法使用：\n" + "\n".join(f"  {p}" for p in exc.problems))) from None


def cmd_match(args: argparse.Namespace) -> int:
    from advisor.errors import ProfileError
    from advisor.profile_io import load_profile

    try:
        profile = load_profile(args.profile)
    except ProfileError as exc:
        return _fail(f"无法读取画像：{exc}")
    engine = _engine()
    assessment = engine.match(profile, args.as_of)
    from advisor.terminal_text import printable

    if args.format == "json":
        from advisor.json_contract import document_text

        sys.stdout.write(_json_safe(document_text(assessment, engine, profile)) + "\n")
        return 0
    from advisor import report

    if args.format == "markdown":
        sys.stdout.write(printable(report.to_markdown(assessment, engine, profile), multiline=True))
    elif args.format == "html":
        sys.stdout.write(printable(report.to_html(assessment, engine, profile), multiline=True))
    else:
        from rich.console import Console

        report.print_table(assessment, engine, profile, Console(), show_all=args.all)
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    from advisor.catalogue import load_catalogue
    from advisor.errors import RuleSetError

    if args.rules_command == "check":
        try:
            catalogue = load_catalogue(args.rules)
        except RuleSetError as exc:
            return _fail(
                f"规则检查未通过，共 {len(exc.problems)} 处问题：\n" + "\n".join(f"  {p}" for p in exc.problems)
            )
        print(
            f"规则检查通过：{len(catalogue.sources)} 份文件，{len(catalogue.measures)} 条措施，"
            f"{len(catalogue.questions)} 个问题，{len(catalogue.materials)} 种材料；全部引文均在原文中逐字找到。"
        )
        return 0
    engine = _engine()
    catalogue = engine.catalogue
    from advisor.json_contract import source_json

    if args.format == "json":
        rows = [
            {
                "id": m.id,
                "title": m.title,
                "region": m.region,
                "category": m.category,
                "review": m.review,
                "source": source_json(m, catalogue.sources[m.document]),
            }
            for m in catalogue.measures
        ]
        sys.stdout.write(_json_safe(json.dumps(rows, ensure_ascii=False, indent=2)) + "\n")
        return 0
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"措施一览（{len(catalogue.measures)} 条）")
    for column in ("id", "措施", "地区", "文件", "条款", "原文摘录"):
        table.add_column(column)
    from advisor.terminal_text import printable

    for m in catalogue.measures:
        quote = m.quote if len(m.quote) <= 40 else m.quote[:39] + "…"
        cells = (m.id, m.title, m.region, catalogue.sources[m.document].title[:18], m.article, quote)
        table.add_row(*(Text(printable(cell)) for cell in cells))
    Console().print(table)
    return 0


def cmd_schema() -> int:
    from advisor.profile import Profile

    sys.stdout.write(json.dumps(Profile.model_json_schema(), ensure_ascii=False, indent=2) + "\n")
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    profile_path = Path(args.profile) if getattr(args, "profile", None) else None
    if profile_path is not None:
        from advisor.errors import ProfileError
        from advisor.profile_io import load_profile

        try:
            load_profile(profile_path)
        except ProfileError as exc:
            return _fail(f"无法读取画像：{exc}")
    from screens.app import AdvisorApp  # the UI is imported only here

    app = AdvisorApp(profile_path=profile_path)  # paints first, then loads and validates the rules
    app.run()
    return app.return_code or 0  # non-zero when the app stopped on an error
