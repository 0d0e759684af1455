"""Nothing a file, a name or a fault can do: classes of hostile input, each at every entry.

* number and key forms (superscript / full-width digits, integers past Python's 4,300-digit
  limit, 5,000-digit years and item indexes, ``true`` as a year, " 2024 " beside "2024")
  give one Chinese paragraph: exit 2 from ``match``, a damaged entry in the autosave list,
  a reported file in a batch folder, a reported row or a refused header in a batch CSV;
* a 100k-item list of wrong items is refused at once (timing printed, not asserted);
* batch faults (a failing rename, a failing write, Ctrl-C) keep the previous results and
  leave no temporary file; ``--out`` on or inside the input is refused; a symlinked output
  is replaced, never followed; an unbalanced quote is that row's error only;
* every cell of every CSV the product writes is neutralised against formula injection;
* no home folder: no autosave, no recent list, and a message; names fit 255 bytes.
"""

from __future__ import annotations

import csv
import errno
import os
import subprocess
import sys
import time
from argparse import Namespace
from pathlib import Path

import pytest

from advisor import storage
from advisor.batch import errors_path, run_batch, summary_path
from advisor.cli_batch import cmd_batch
from advisor.errors import ProfileError
from advisor.files import os_error_text
from advisor.profile import Profile
from advisor.profile_io import load_profile, parse_profile, save_profile
from advisor.terminal_text import is_clean

ROOT = Path(__file__).resolve().parents[2]
BIG = "1" * 5000
CJK = __import__("re").compile(r"[\u4e00-\u9fff]")

#: (name, TOML body after ``schema_version = 2``): every form a number or key can take wrongly.
FORMS = {
    "superscript_year_key": '[scale.revenue_wan]\n"²⁰²⁴" = 100\n',
    "full_width_year_key": '[scale.revenue_wan]\n"２０２４" = 100\n',
    "spaced_duplicate_year": '[scale.revenue_wan]\n" 2024 " = 100\n"2024" = 200\n',
    "5000_digit_year_key": f'[scale.revenue_wan]\n"{BIG}" = 100\n',
    "5000_digit_year_value": f"[identity]\nsettled_year = {BIG}\n",
    "5000_digit_amount": f"[scale.revenue_wan]\n2024 = {BIG}\n",
    "5000_digit_count": f"[scale]\nemployees = {BIG}\n",
    "5000_digit_item_year": f'[[projects.funded]]\nname = "x"\nyear = {BIG}\n',
    "year_true": "[identity]\nsettled_year = true\n",
    "full_width_year_text": '[identity]\nsettled_year = "２０２４"\n',
    "superscript_year_text": '[identity]\nsettled_year = "²⁰²⁴"\n',
}


def one_chinese_paragraph(message: str) -> None:
    message = message.strip()
    assert CJK.search(message), message
    assert "\n" not in message.strip() and "Traceback" not in message, message
    assert is_clean(message), repr(message)
    assert len(message) < 2000


@pytest.mark.parametrize("name", sorted(FORMS))
def test_number_and_key_forms_are_refused_in_chinese(name: str) -> None:
    with pytest.raises(ProfileError) as caught:
        parse_profile("schema_version = 2\n" + FORMS[name])
    one_chinese_paragraph(str(caught.value))


def test_a_spaced_year_next_to_the_same_year_is_a_duplicate_not_a_merge() -> None:
    with pytest.raises(ProfileError) as caught:
        parse_profile("schema_version = 2\n" + FORMS["spaced_duplicate_year"])
    assert "重复" in str(caught.value)


@pytest.mark.parametrize("name", sorted(FORMS))
def test_match_exits_2_with_one_paragraph(tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.toml"
    path.write_text("schema_version = 2\n" + FORMS[name], encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "advisor", "match", str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert run.returncode == 2, run.stderr
    one_chinese_paragraph(run.stderr)


def test_autosave_list_shows_every_bad_form_as_damaged_and_still_lists_the_good(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(tmp_path / "data"))
    good = Profile()
    good.set("identity.name", "好公司")
    storage.autosave(good, "20261120-101500-aaaaaa")
    folder = storage.autosave_dir()
    for index, body in enumerate(FORMS.values()):
        (folder / f"20261120-1016{index:02d}-bbbbbb.toml").write_text("schema_version = 2\n" + body, encoding="utf-8")
    (folder / "20261120-101700-cccccc.toml").mkdir()  # a folder where a file should be
    (folder / "\x1b]0;x\x07.toml").write_bytes(b"\xff\xfe\x00")
    unfinished, damaged = storage.scan_autosaves()
    assert [u.company for u in unfinished] == ["好公司"]
    assert len(damaged) == len(FORMS) + 2
    for entry in damaged:
        assert is_clean(entry.label) and CJK.search(entry.reason)
    target = storage.move_aside(damaged[0].path)
    assert target.exists() and not damaged[0].path.exists()
    assert len(storage.scan_autosaves()[1]) == len(FORMS) + 1


def test_a_batch_folder_reports_each_bad_form_and_assesses_the_rest(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name, body in FORMS.items():
        (folder / f"{name}.toml").write_text("schema_version = 2\n" + body, encoding="utf-8")
    shutil_copy = (ROOT / "examples").glob("*.toml")
    good = sorted(shutil_copy)[0]
    (folder / "zz-good.toml").write_bytes(good.read_bytes())
    result = run_batch(folder, tmp_path / "out.csv", jobs=1)
    assert result["assessed"] == 1
    assert sorted(row for row, _ in result["errors"]) == sorted(f"{n}.toml" for n in FORMS)
    for _, message in result["errors"]:
        one_chinese_paragraph(message)


def _csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


CELL_FORMS = {
    "identity.settled_year": [BIG, "²⁰²⁴", "２０２４", "true", " 2024 x"],
    "projects.vertical_model_cases": [BIG, "１２", "1e999999"],
    "scale.revenue_wan.2024": [BIG + ".5", "１００", "1e999999", "nan"],
    "projects.funded.1.year": [BIG, "²⁰²⁴"],
    "schema_version": [BIG, "²"],
}


def test_batch_csv_cells_in_every_bad_form_are_reported_rows(tmp_path: Path) -> None:
    header = ["identity.name", *CELL_FORMS]
    rows = [{"identity.name": "好公司"}]
    for column, values in CELL_FORMS.items():
        rows += [{"identity.name": f"坏{column}", column: value} for value in values]
    source = tmp_path / "in.csv"
    _csv(source, header, rows)
    result = run_batch(source, tmp_path / "out.csv", jobs=1)
    assert result["assessed"] == 1
    assert len(result["errors"]) == len(rows) - 1
    for row, message in result["errors"]:
        assert row.isdigit()
        one_chinese_paragraph(message)


@pytest.mark.parametrize(
    "column",
    [
        "scale.revenue_wan.²⁰²⁴",
        "scale.revenue_wan.２０２４",
        f"scale.revenue_wan.{BIG}",
        f"projects.funded.{BIG}.name",
        "projects.funded.¹.name",
        "projects.funded.0.name",
    ],
)
def test_batch_csv_header_forms_are_refused_with_exit_2(tmp_path: Path, capsys, column: str) -> None:
    source = tmp_path / "in.csv"
    source.write_text(f"identity.name,{column}\n好公司,1\n", encoding="utf-8")
    code = cmd_batch(Namespace(template=False, input=source, out=tmp_path / "o.csv", as_of=None, jobs=1))
    assert code == 2
    one_chinese_paragraph(capsys.readouterr().err)


def test_batch_csv_header_duplicate_after_spaces(tmp_path: Path, capsys) -> None:
    source = tmp_path / "in.csv"
    source.write_text("identity.name,scale.revenue_wan. 2024 ,scale.revenue_wan.2024\n好公司,1,2\n", encoding="utf-8")
    assert cmd_batch(Namespace(template=False, input=source, out=tmp_path / "o.csv", as_of=None, jobs=1)) == 2
    assert "重复" in capsys.readouterr().err


# --- size ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["one_line", "one_per_line", "tables", "inline_tables"])
def test_a_100k_item_list_of_wrong_items_is_refused_at_once(layout: str) -> None:
    items = {
        "one_line": "[industry]\nsectors = [" + ",".join(['"xx"'] * 100_000) + "]\n",
        "one_per_line": "[industry]\nsectors = [\n" + ",\n".join(['"xx"'] * 100_000) + "]\n",
        "tables": "".join("[[projects.funded]]\nbogus = 1\n" for _ in range(100_000)),
        "inline_tables": "[projects]\nfunded = [" + ",".join(["{bogus=1}"] * 100_000) + "]\n",
    }[layout]
    start = time.perf_counter()
    with pytest.raises(ProfileError) as caught:
        parse_profile("schema_version = 2\n" + items)
    elapsed = time.perf_counter() - start
    print(f"100k wrong items ({layout}): refused in {elapsed:.3f} s")
    one_chinese_paragraph(str(caught.value))
    assert "100000" in str(caught.value) or "100003" in str(caught.value) or "上限" in str(caught.value)


def test_many_wrong_items_below_the_limit_look_up_only_the_shown_lines(monkeypatch) -> None:
    """Errors are placed in the text for the few shown, never once per error."""
    from advisor import profile_io

    calls = []
    original = profile_io._line_of
    monkeypatch.setattr(profile_io, "_line_of", lambda text, loc: calls.append(loc) or original(text, loc))
    with pytest.raises(ProfileError) as caught:
        parse_profile("schema_version = 2\n[industry]\nsectors = [\n" + ",\n".join(['"xx"'] * 900) + "]\n")
    assert "另有 895 处问题" in str(caught.value)
    assert len(calls) <= 5


# --- batch faults ---------------------------------------------------------------------------------


@pytest.fixture
def batch_input(tmp_path: Path) -> tuple[Path, Path, dict[Path, bytes]]:
    """A CSV input and a previous run's three output files, with their bytes."""
    source = tmp_path / "in.csv"
    header = ["identity.name", "applicant.kind"]
    _csv(
        source,
        header,
        [{"identity.name": f"公司{i}", "applicant.kind": "enterprise"} for i in range(50)]
        + [{"identity.name": "坏", "applicant.kind": "nobody"}],
    )
    out = tmp_path / "res.csv"
    previous = {
        out: b"previous results\n",
        summary_path(out): b"previous summary\n",
        errors_path(out): b"previous errors\n",
    }
    for path, data in previous.items():
        path.write_bytes(data)
    return source, out, previous


def _assert_untouched(out: Path, previous: dict[Path, bytes]) -> None:
    for path, data in previous.items():
        assert path.read_bytes() == data, path
    litter = [p.name for p in out.parent.iterdir() if p.name.endswith(".tmp")]
    assert litter == []


@pytest.mark.parametrize("fail_at", [1, 2, 3, 4, 5, 6])
@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EIO])
def test_a_failing_rename_keeps_the_previous_results(batch_input, monkeypatch, capsys, code: int, fail_at: int) -> None:
    source, out, previous = batch_input
    real_replace = os.replace
    calls = []

    def failing(src, dst):  # one rename fails: nothing of the run may be left half-done
        calls.append(dst)
        if len(calls) == fail_at:
            raise OSError(code, os.strerror(code))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing)
    status = cmd_batch(Namespace(template=False, input=source, out=out, as_of=None, jobs=1))
    assert status != 0
    err = capsys.readouterr().err
    assert CJK.search(err) and os.strerror(code) not in err
    _assert_untouched(out, previous)


def test_a_failing_write_keeps_the_previous_results(batch_input, monkeypatch, capsys) -> None:
    source, out, previous = batch_input
    from advisor.batch import runner

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(runner, "write_rows", full_disk)
    status = cmd_batch(Namespace(template=False, input=source, out=out, as_of=None, jobs=1))
    assert status != 0
    assert "磁盘空间不足" in capsys.readouterr().err
    _assert_untouched(out, previous)


def test_ctrl_c_keeps_the_previous_results(batch_input, monkeypatch, capsys) -> None:
    source, out, previous = batch_input
    from advisor.batch import runner

    real = runner._csv_chunk
    seen = []

    def interrupted(job):
        seen.append(job)
        if len(seen) == 1:
            return real(job)
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "_CHUNK_LINES", 10)
    monkeypatch.setattr(runner, "_csv_chunk", interrupted)
    status = cmd_batch(Namespace(template=False, input=source, out=out, as_of=None, jobs=1))
    assert status == 130
    assert "中断" in capsys.readouterr().err
    _assert_untouched(out, previous)


def test_out_on_or_inside_the_input_is_refused(tmp_path: Path, batch_input, capsys) -> None:
    source, _out, _previous = batch_input
    before = source.read_bytes()
    assert cmd_batch(Namespace(template=False, input=source, out=source, as_of=None, jobs=1)) == 2
    assert source.read_bytes() == before
    folder = tmp_path / "profiles"
    folder.mkdir()
    save_profile(load_profile(sorted((ROOT / "examples").glob("*.toml"))[0]), folder / "a.toml")
    for target in (folder / "out.csv", folder / "sub" / "out.csv"):
        assert cmd_batch(Namespace(template=False, input=folder, out=target, as_of=None, jobs=1)) == 2
        assert not target.exists()
    err = capsys.readouterr().err
    assert "输入" in err


def test_a_symlinked_output_is_replaced_not_followed(tmp_path: Path, batch_input) -> None:
    source, _out, _ = batch_input
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    link = tmp_path / "linked.csv"
    link.symlink_to(victim)
    run_batch(source, link, jobs=1)
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert not link.is_symlink() and link.read_bytes().startswith("\ufeffrow".encode())


def test_an_unbalanced_quote_is_one_row_error_and_later_rows_are_assessed(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text(
        'identity.name,applicant.kind\n甲,enterprise\n"乙,enterprise\n丙,enterprise\n丁,enterprise\n', encoding="utf-8"
    )
    result = run_batch(source, tmp_path / "out.csv", jobs=1)
    assert result["assessed"] == 3
    assert [row for row, _ in result["errors"]] == ["3"]
    assert "引号" in result["errors"][0][1]
    companies = {r["company"] for r in csv.DictReader((tmp_path / "out.csv").open(encoding="utf-8-sig"))}
    assert companies == {"甲", "丙", "丁"}


def test_the_csv_is_read_streaming(tmp_path: Path, monkeypatch) -> None:
    """Bounded memory: the input is never read whole (no read_bytes/read_text of it)."""
    source = tmp_path / "in.csv"
    _csv(source, ["identity.name"], [{"identity.name": f"公司{i}"} for i in range(3000)])
    original = Path.read_bytes

    def guarded(self):
        assert self != source, "the CSV input was read whole"
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", guarded)
    monkeypatch.setattr(
        Path,
        "read_text",
        lambda self, *a, **k: (
            (_ for _ in ()).throw(AssertionError("read whole"))
            if self == source
            else original(self).decode(k.get("encoding") or "utf-8")
        ),
    )
    assert run_batch(source, tmp_path / "out.csv", jobs=1)["assessed"] == 3000


# --- formula injection ------------------------------------------------------------------------

FORMULA_STARTS = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "\x00=1", " =1", "　=1", "  @x", "\n=1"]


def test_every_written_cell_is_neutralised(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    rows = [{"identity.name": name, "applicant.kind": "enterprise"} for name in FORMULA_STARTS]
    rows += [{"identity.name": name, "applicant.kind": "=bad"} for name in FORMULA_STARTS]
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["identity.name", "applicant.kind"])
        writer.writeheader()
        for row in rows:
            writer.writerow({k: v.replace("\n", " ").replace("\r", " ") for k, v in row.items()})
    folder = tmp_path / "folder"
    folder.mkdir()
    for index, start in enumerate(FORMULA_STARTS):
        safe = start.replace("\x00", "").replace("/", "")
        (folder / f"{safe}{index}.toml").write_text(
            f"schema_version = 2\n[identity]\nname = {start!r}\n".replace("'", '"'), encoding="utf-8"
        )
    for given, out in ((source, tmp_path / "a.csv"), (folder, tmp_path / "b.csv")):
        run_batch(given, out, jobs=1)
        for path in (out, summary_path(out), errors_path(out)):
            if not path.exists():
                continue
            with path.open(encoding="utf-8-sig", newline="") as handle:
                for record in csv.reader(handle):
                    for cell in record:
                        stripped = cell.lstrip(" \u3000\n\x0b\x0c")
                        assert not stripped or stripped[0] not in "=+-@\t\r\x00", (path.name, cell)
                        assert not cell or cell[0] not in "=+-@\t\r\x00", (path.name, cell)
                        assert is_clean(cell), (path.name, cell)  # names and file names escaped too


# --- no home folder, names, OS errors ------------------------------------------------------------


def test_without_a_home_folder_there_is_no_autosave_and_it_is_said(monkeypatch, tmp_path: Path) -> None:
    from pathlib import Path as P

    monkeypatch.delenv("ADVISOR_DATA_DIR", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.delenv("HOME", raising=False)
    monkeypatch.setattr(P, "home", classmethod(lambda cls: (_ for _ in ()).throw(RuntimeError("no home"))))
    assert storage.home() is None
    reason = storage.unavailable_reason()
    assert reason and CJK.search(reason)
    assert storage.autosave(Profile(), "20261120-101500-abcdef") is None
    assert storage.scan_autosaves() == ([], [])
    assert storage.recent_profiles() == []
    storage.remember_profile(tmp_path / "x.toml")  # no error
    storage.discard("20261120-101500-abcdef")
    assert storage.suggested_folder().is_dir()


def test_the_cli_runs_without_home(tmp_path: Path) -> None:
    example = sorted((ROOT / "examples").glob("*.toml"))[0]
    env = {
        k: v for k, v in os.environ.items() if k not in ("HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "ADVISOR_DATA_DIR")
    }
    env["PYTHONPATH"] = str(ROOT)
    run = subprocess.run(
        [sys.executable, "-m", "advisor", "match", str(example), "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=tmp_path,
    )
    assert run.returncode == 0 and "Traceback" not in run.stderr


@pytest.mark.parametrize("company", ["测" * 300, "a" * 400, "\x1b]0;x\x07" + "名" * 200, "", "..", "/etc/passwd"])
def test_export_names_fit_255_bytes_with_the_temporary_suffix(tmp_path: Path, company: str) -> None:
    from advisor.files import atomic_write_text

    for suffix in (".toml", ".html", ".md", ".json"):
        name = storage.suggested_filename(company, suffix)
        assert len(name.encode()) <= 255 and "/" not in name and is_clean(name)
        atomic_write_text(tmp_path / name, "x")  # the temporary twin fits too
        assert (tmp_path / name).read_text() == "x"
    longest = "名" * 85  # 255 bytes
    atomic_write_text(tmp_path / longest, "y")
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_os_errors_are_worded_in_chinese(tmp_path: Path) -> None:
    plain = tmp_path / "file.toml"
    plain.write_text("schema_version = 2\n", encoding="utf-8")
    for bad in (plain / "child.toml", tmp_path / ("长" * 200 + ".toml")):
        with pytest.raises(ProfileError) as caught:
            load_profile(bad)
        one_chinese_paragraph(str(caught.value))
        assert "Not a directory" not in str(caught.value) and "too long" not in str(caught.value)
    for code in (errno.ENOTDIR, errno.EFBIG, errno.ENAMETOOLONG, errno.ENOSPC, errno.EROFS, 9999):
        text = os_error_text(OSError(code, "English"))
        assert CJK.search(text) and "English" not in text


# --- CLI output and the Markdown report ------------------------------------------------------

HOSTILE_NAME = (
    "恶意\x1b[31m\x1b]0;PWNED\x07\x1b]52;c;UFdORUQ=\x1b\\\x1bPq\x1b\\\x1b_G\x1b\\\x9b31m\x9d0;x\x9c"
    "\u202e反转\u2066[bold]粗[/bold]\n===\n- 列表\n# 标题\n| a | b |"
)


@pytest.mark.parametrize("fmt", ["table", "json", "markdown", "html"])
def test_match_output_holds_no_control_character(tmp_path: Path, fmt: str) -> None:
    profile = Profile()
    profile.set("applicant.kind", "enterprise")
    profile.set("identity.name", HOSTILE_NAME)
    path = tmp_path / "hostile.toml"
    save_profile(profile, path)
    run = subprocess.run(
        [sys.executable, "-m", "advisor", "match", str(path), "--format", fmt],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert is_clean(run.stdout, multiline=True), [c for c in run.stdout if not is_clean(c, multiline=True)][:5]
    assert "恶意" in run.stdout
    if fmt == "json":
        import json

        assert json.loads(run.stdout)["company"] == HOSTILE_NAME  # escaped for the terminal, nothing lost


def test_a_name_cannot_give_the_markdown_report_structure() -> None:
    from advisor.report import to_markdown
    from advisor.rulestore import load_engine

    engine = load_engine()
    profile = load_profile(sorted((ROOT / "examples").glob("*.toml"))[0])
    plain = to_markdown(engine.match(profile), engine, profile)
    profile.set("identity.name", HOSTILE_NAME)
    hostile = to_markdown(engine.match(profile), engine, profile)
    assert len(hostile.splitlines()) == len(plain.splitlines())
    for line in hostile.splitlines():
        assert not line.startswith(("===", "- 列表", "# 标题", "| a")), line
    assert is_clean(hostile, multiline=True)


def test_an_overlong_line_is_one_row_error(tmp_path: Path, monkeypatch) -> None:
    from advisor.batch import runner

    monkeypatch.setattr(runner, "MAX_LINE_BYTES", 1000)
    source = tmp_path / "in.csv"
    source.write_text(
        "identity.name,applicant.kind\n甲,enterprise\n" + "x" * 5000 + "\n乙,enterprise\n", encoding="utf-8"
    )
    result = run_batch(source, tmp_path / "out.csv", jobs=1)
    assert result["assessed"] == 2
    assert [row for row, _ in result["errors"]] == ["3"]
