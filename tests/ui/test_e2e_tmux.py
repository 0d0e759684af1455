"""End to end in a real terminal: the installed ``advisor`` inside tmux.

Types answers key by key, saves the profile with Ctrl+S, quits, checks the
file, restarts ``advisor FILE`` and checks the same answers are on screen.
Waiting polls ``capture-pane`` against a deadline; assertions never rely on
a fixed sleep.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from advisor.profile import credit_code_check_char
from advisor.profile_io import load_profile

sys.path.insert(0, str(Path(__file__).resolve().parent))
from private_tmux import TMUX, PrivateTerminal

ADVISOR = Path(sys.executable).parent / "advisor"
pytestmark = [
    pytest.mark.skipif(TMUX is None, reason="tmux 未安装：无法在真实终端中做端到端测试"),
    pytest.mark.skipif(not ADVISOR.exists(), reason=f"未找到已安装的 advisor 命令：{ADVISOR}"),
]

CODE = "91440300MA5DC1234" + credit_code_check_char("91440300MA5DC1234")
NAME = "光明智算科技"
KEY_PACE, TYPE_PACE = 0.08, 0.05  # paced like a person, not a paste


def test_answer_save_quit_and_reopen(tmp_path: Path) -> None:
    home = tmp_path / "home"  # made with its Documents folder by the isolated_user fixture
    env = {"ADVISOR_DATA_DIR": str(tmp_path / "data"), "HOME": str(home), "TEXTUAL_ANIMATIONS": "none"}
    with PrivateTerminal([str(ADVISOR)], env, 100, 34) as first:
        first.wait_for("新建咨询")
        first.keys("n", pace=KEY_PACE)
        first.wait_for("申请主体类型", "已答 0/")
        first.keys("Enter", pace=KEY_PACE)  # open the list of applicant kinds, as a person would, and look
        first.wait_for("活动举办单位（专业机构、行业协会）")
        first.keys("Down", "Enter", pace=KEY_PACE)  # 企业
        first.wait_for("已答 1/")
        first.keys("PageDown", pace=KEY_PACE)
        first.wait_for("单位名称")
        first.type(NAME, pace=TYPE_PACE)
        first.keys("Tab", pace=KEY_PACE)
        first.wait_for("█ 统一社会信用代码", "已答 2/")  # focus has moved: the code cannot land in the name
        first.type(CODE, pace=TYPE_PACE)
        first.wait_for("把注册地填为")  # the code's 440300 suggests 深圳市 (never a district)
        first.keys("Enter", pace=KEY_PACE)  # 采用; on to 注册地所在区
        first.wait_for("深圳市")
        first.keys("Enter", pace=KEY_PACE)
        first.wait_for("福田区")
        first.keys(*["Down"] * 9, "Enter", pace=KEY_PACE)  # 注册地所在区: 光明区 (ninth)
        first.wait_for("光明区")
        first.keys("C-s", pace=KEY_PACE)
        first.wait_for("保存画像（.toml）")
        first.keys("Enter", pace=KEY_PACE)
        first.wait_for("已保存到")
        first.keys("C-q", pace=KEY_PACE)
        first.wait_for("__EXITED__ 0")

    saved = list((home / "Documents").glob("*.toml"))
    assert [p.name for p in saved] == [f"{NAME}-画像-{time.strftime('%Y-%m-%d')}.toml"]
    profile = load_profile(saved[0])
    assert profile.applicant.kind == "enterprise"
    assert profile.identity.name == NAME
    assert profile.identity.credit_code == CODE
    assert (profile.identity.registered_city, profile.identity.registered_district) == ("深圳市", "光明区")

    with PrivateTerminal([str(ADVISOR), str(saved[0])], env, 100, 34) as second:
        # the same file continues its consultation in the section the person was in (issue 11)
        shown = second.wait_for("已答 5/", NAME, CODE, "光明区")  # kind, name, code, city, district
        assert "深圳市" in shown and "谁在咨询     1/1" in shown
        second.keys("C-q", pace=KEY_PACE)
        second.wait_for("__EXITED__ 0")
