"""A corpus of broken rule sets, each refused as a whole with the file and key named.

Each case in tests/corpus/rules/manifest.toml is a copy of the real rules/
folder with one mutation. ``advisor rules check --rules DIR`` must exit 2 and
``load_catalogue(DIR)`` must raise RuleSetError, both naming the file and the
key on one line; the app shows such a set as a Chinese error dialog.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from advisor.catalogue import load_catalogue
from advisor.errors import RuleSetError

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules"
MANIFEST = tomllib.loads((ROOT / "tests" / "corpus" / "rules" / "manifest.toml").read_text(encoding="utf-8"))
CASES: list[dict[str, Any]] = MANIFEST["case"]
MUTANT = "measures/zz-mutant.toml"
ENGLISH = re.compile(r"Traceback|Input should|Field required|Expected|Invalid|Cannot|errno|No such file", re.I)


@pytest.fixture(scope="module")
def placeholders() -> dict[str, str]:
    catalogue = load_catalogue(RULES)
    first = catalogue.measures[0]
    return {
        "{document}": json.dumps(first.document, ensure_ascii=False),
        "{quote}": json.dumps(first.quote, ensure_ascii=False),
        "{id}": first.id,
        "{material}": next(iter(catalogue.materials)),
    }


def _fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace(key, value)
    return text


def _measure_text(case: dict[str, Any]) -> str:
    header, *lines = MANIFEST["template"].strip().splitlines()
    entries = {line.split("=", 1)[0].strip(): line for line in lines}
    for key in case.get("drop", []):
        entries.pop(key)
    for line in case.get("set", "").splitlines():
        if line.strip():
            entries[line.split("=", 1)[0].strip()] = line
    amount = case.get("amount", MANIFEST["default_amount"])
    return "\n".join([header, *entries.values()]) + "\n" + amount + case.get("tail", "")


def mutate(case: dict[str, Any], root: Path, values: dict[str, str]) -> Path:
    """A copy of the real rules with the case's one mutation."""
    rules = root / "rules"
    shutil.copytree(RULES, rules)
    action = case["action"]
    target = rules / case.get("file", MUTANT)
    text = _fill(case.get("text", ""), values)
    if action == "measure":
        target.write_text(_fill(_measure_text(case), values), encoding="utf-8")
    elif action == "append":
        with target.open("a", encoding="utf-8") as handle:
            handle.write(text)
    elif action == "replace":
        original = target.read_text(encoding="utf-8")
        changed = re.sub(case["pattern"], lambda _: text, original, count=1)
        assert changed != original, f"pattern {case['pattern']!r} no longer matches {case['file']}"
        target.write_text(changed, encoding="utf-8")
    elif action == "write":
        target.write_text(text, encoding="utf-8")
    elif action == "write_gbk":
        target.write_bytes(text.encode("gbk"))
    elif action == "deep":
        target.write_text("[[measure]]\nid = " + "[" * 3000 + "]" * 3000 + "\n", encoding="utf-8")
    elif action == "delete":
        shutil.rmtree(target) if target.is_dir() else target.unlink()
        if case["file"] == "measures":
            target.mkdir()
    elif action == "mkdir":
        target.mkdir()
    else:
        raise AssertionError(f"unknown action {action}")
    return rules


def _expected(case: dict[str, Any]) -> tuple[str, str, str]:
    return case.get("report_file", case.get("file", MUTANT)), case["key"], case.get("expect", "")


BAD = [c for c in CASES if not c.get("valid")]


def test_corpus_size() -> None:
    assert len(BAD) >= 30
    assert len({c["name"] for c in CASES}) == len(CASES)


def test_real_rules_and_template_are_valid(tmp_path: Path, placeholders: dict[str, str]) -> None:
    """Guards the corpus: without the mutation the set loads, so each failure below is the mutation's."""
    for case in (c for c in CASES if c.get("valid")):
        rules = mutate(case, tmp_path / case["name"], placeholders)
        catalogue = load_catalogue(rules)
        assert "zz-mutant" in {m.id for m in catalogue.measures}


@pytest.mark.parametrize("case", BAD, ids=[c["name"] for c in BAD])
def test_load_catalogue_refuses(case: dict[str, Any], tmp_path: Path, placeholders: dict[str, str]) -> None:
    rules = mutate(case, tmp_path, placeholders)
    with pytest.raises(RuleSetError) as info:
        load_catalogue(rules)
    file, key, expect = _expected(case)
    lines = [p for p in info.value.problems if file in p and key in p and expect in p]
    assert lines, f"no problem names {file} / {key} / {expect}: {info.value.problems}"
    for problem in info.value.problems:
        assert not ENGLISH.search(problem), problem


@pytest.mark.parametrize("case", BAD, ids=[c["name"] for c in BAD])
def test_rules_check_refuses(case: dict[str, Any], tmp_path: Path, placeholders: dict[str, str]) -> None:
    rules = mutate(case, tmp_path, placeholders)
    run = subprocess.run(
        [sys.executable, "-m", "advisor", "rules", "check", "--rules", str(rules)],
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    stderr = run.stderr.decode("utf-8")
    assert run.returncode == 2, stderr
    assert stderr.startswith("规则检查未通过")
    file, key, expect = _expected(case)
    assert any(file in line and key in line and expect in line for line in stderr.splitlines()), stderr
    assert "Traceback" not in stderr


def test_app_shows_a_broken_rule_set_as_a_chinese_dialog(
    tmp_path: Path, placeholders: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app paints first, then loads the whole set; a broken set is a Chinese error
    dialog naming the file and key (never a traceback), and no engine is ever used."""
    import asyncio

    from advisor import catalogue, rulestore
    from screens.app import AdvisorApp
    from screens.dialogs import ErrorDialog

    case = next(c for c in CASES if c["name"] == "quote_not_in_source")
    rules = mutate(case, tmp_path, placeholders)
    monkeypatch.setattr(catalogue, "default_rules_dir", lambda: rules)
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    rulestore.load_engine.cache_clear()

    async def run() -> str:
        app = AdvisorApp()  # no engine passed in: the app loads the (broken) bundled rules itself
        async with app.run_test(size=(100, 34)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, ErrorDialog)
            assert app.engine is None
            return app.screen.message

    try:
        message = asyncio.run(run())
    finally:
        rulestore.load_engine.cache_clear()
    assert "规则库有误" in message and MUTANT in message and ".quote" in message
    assert not ENGLISH.search(message), message
