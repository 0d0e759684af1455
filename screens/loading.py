"""Loading the rule set after the first paint.

The app paints its home screen first and only then builds the engine, in a thread
worker (see ``AdvisorApp.load_rules``). The engine is handed over whole, in one
message, only after ``load_engine`` has fully validated the rule set (models, quotes
against the source texts, cross-references), so no screen ever sees a half-loaded
rule set. Actions that need the engine are wrapped in ``needs_engine``: before the
engine is there they are queued and the user sees "正在加载政策库…"; after a loading
error they show that error again instead of running.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from textual.message import Message

from advisor.terminal_text import printable

if TYPE_CHECKING:
    from advisor.engine import Engine

LOADING_TEXT = "正在加载政策库…"
FAILED_TITLE = "政策库无法加载"

Method = TypeVar("Method", bound=Callable[..., Any])


@dataclass
class EngineLoaded(Message):
    """The rule set was read and fully validated; ``engine`` is ready to use."""

    engine: Engine


@dataclass
class RulesFailed(Message):
    """The rule set could not be loaded; ``text`` says why, in Chinese."""

    text: str


def load_rules_message(load: Callable[[], Engine]) -> EngineLoaded | RulesFailed:
    """Run ``load`` and say how it went as a message; never raises (no traceback on screen)."""
    from advisor.errors import RuleSetError

    try:
        return EngineLoaded(load())
    except RuleSetError as exc:
        shown = [printable(str(p)) for p in exc.problems[:20]]
        more = f"\n……另有 {len(exc.problems) - 20} 处问题" if len(exc.problems) > 20 else ""
        return RulesFailed(
            f"规则库有误，无法使用，共 {len(exc.problems)} 处问题：\n"
            + "\n".join(f"· {p}" for p in shown)
            + more
            + "\n\n请运行 advisor rules check 查看全部问题，修正规则文件后重新启动。"
        )
    except OSError as exc:
        return RulesFailed(f"无法读取规则库：{printable(exc.strerror or str(exc))}。请检查安装是否完整后重新启动。")
    except Exception as exc:
        return RulesFailed(
            f"加载规则库时出错：{printable(type(exc).__name__)}：{printable(str(exc))}。请重新安装后再试。"
        )


def needs_engine(method: Method) -> Method:
    """Run the app action only once the engine is loaded; until then queue it.

    The wrapped method's ``self`` is the app, which provides ``engine`` (None until
    loaded), ``rules_problem`` (the Chinese text of a loading error, else None) and
    ``when_engine_ready(callback)``.
    """

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        if self.engine is not None:
            return method(self, *args, **kwargs)
        self.when_engine_ready(lambda: method(self, *args, **kwargs))
        return None

    return wrapper  # type: ignore[return-value]
