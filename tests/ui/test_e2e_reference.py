"""The reference consultation of issue 11 in a real terminal, from the keyboard.

Runs the installed ``advisor`` in tmux on a private socket (``private_tmux.PrivateTerminal``,
never the default server), presses the keys of
``reference_consultation.STEPS`` one by one, waits for each step's text with
``capture-pane`` against a deadline, and asserts the results screen and the
autosaved answers. Prints the keystroke count and the time taken.
"""

from __future__ import annotations

import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from private_tmux import TMUX, PrivateTerminal
from reference_consultation import NAME, STEPS, keystrokes

from advisor.profile_io import load_profile

ADVISOR = Path(sys.executable).parent / "advisor"
pytestmark = [
    pytest.mark.skipif(TMUX is None, reason="tmux 未安装：无法在真实终端中做端到端测试"),
    pytest.mark.skipif(not ADVISOR.exists(), reason=f"未找到已安装的 advisor 命令：{ADVISOR}"),
]


def test_reference_consultation_from_the_keyboard(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {"ADVISOR_DATA_DIR": str(data), "HOME": str(tmp_path / "home"), "TEXTUAL_ANIMATIONS": "none"}
    with PrivateTerminal([str(ADVISOR)], env, 120, 40) as term:
        term.wait_for("新建咨询")
        started = time.monotonic()
        for keys, text, expect in STEPS:
            for name in keys:
                term.key(name)
            for char in text:
                term.key(char)
            if expect:
                term.wait_for(expect)
        shown = term.wait_for("匹配结果", "43.2万元/年 × 3年", "160万元")  # 租金补贴 30元×1,200×12; 配套 20%×800万
        elapsed = time.monotonic() - started
        assert "最高18万元/年 × 3" in shown  # 贷款贴息 30% × 60万
        print(f"\nreference consultation in tmux: {keystrokes()} keystrokes, {elapsed:.1f} s")
        term.keys("C-q")
        term.wait_for("__EXITED__ 0")
    autosaves = list((data / "autosave").glob("*.toml"))
    assert len(autosaves) == 1  # one consultation, one autosave
    p = load_profile(autosaves[0])
    assert p.identity.name == NAME and p.identity.stats_district == "光明区"
    assert p.scale.revenue_wan == {2024: Decimal(8000), 2025: Decimal(13000)}
    assert (p.space.leased_area_m2, p.space.rent_yuan_per_m2_month, p.space.annual_rent_wan) == (
        1200,
        80,
        Decimal("115.2"),
    )
    assert p.finance.vc_invested is False and p.events.held == [] and p.listing.stages_reached == []
    assert not list((data / "autosave").glob("*.lock"))  # released on quit
