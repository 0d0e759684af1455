"""Batch assessment gives the engine's own answers, and the speed-ups change nothing.

* every batch row equals what ``Engine.match`` / ``assessment_json`` gives for that company
  and measure (example profiles from a folder, random profiles from a CSV);
* a compiled condition's quick state (batch) equals the state of its full explanation;
* no cache folder can change a result (there is no rule cache).
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import sys
from argparse import Namespace
from collections import Counter
from pathlib import Path

import pytest

from advisor.batch import RESULT_COLUMNS, run_batch, summary_path, template_columns
from advisor.cli_batch import cmd_batch
from advisor.facts import profile_facts
from advisor.json_contract import assessment_json
from advisor.profile_io import load_profile, profile_from_data

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from benchmarks.synthetic import csv_equivalent, random_profiles, write_csv  # noqa: E402

AS_OF = dt.date(2026, 11, 21)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _expected(engine, profile, as_of=AS_OF) -> dict[str, dict[str, str]]:
    """What the batch row of each measure must say, from the engine's JSON contract."""
    from advisor.money import yuan_to_wan

    def num(v):
        return "" if v is None else str(v)

    def wan(v):
        return "" if v is None else format(yuan_to_wan(v), "f")

    out = {}
    for r in assessment_json(engine.match(profile, as_of), engine)["results"]:
        a = r["amount"]
        if r["status"] == "ineligible":  # batch shows no amount for 不符合
            a = dict.fromkeys(a, None) | {"display": "", "kind": ""}
        out[r["measure_id"]] = {
            "status": r["status"],
            "amount_kind": a["kind"],
            "min_yuan": num(a["min_yuan"]),
            "max_yuan": num(a["max_yuan"]),
            "per_year": "" if a["per_year"] is None else "true" if a["per_year"] else "false",
            "years": num(a["years"]),
            "total_min_yuan": num(a["total_min_yuan"]),
            "total_max_yuan": num(a["total_max_yuan"]),
            "total_min_wan": wan(a["total_min_yuan"]),
            "total_max_wan": wan(a["total_max_yuan"]),
            "amount_display": a["display"],
            "counted_in_total": "true" if r["counted_in_total"] else "false",
        }
    return out


def _check(rows: list[dict[str, str]], key: str, expected: dict[str, dict[str, dict[str, str]]]) -> None:
    seen: dict[str, set[str]] = {}
    for row in rows:
        want = expected[row[key]][row["measure_id"]]
        got = {k: row[k] for k in want}
        assert got == want, (row[key], row["measure_id"])
        seen.setdefault(row[key], set()).add(row["measure_id"])
    for company, measures in expected.items():
        assert seen[company] == set(measures), company


def test_folder_of_example_profiles_matches_engine(tmp_path, engine):
    out = tmp_path / "results.csv"
    result = run_batch(ROOT / "examples", out, AS_OF, jobs=1, fmt="long")
    files = sorted((ROOT / "examples").glob("*.toml"))
    assert result["assessed"] == len(files) and not result["errors"]
    expected = {p.name: _expected(engine, load_profile(p)) for p in files}
    rows = _rows(out)
    assert list(rows[0]) == RESULT_COLUMNS
    _check(rows, "row", expected)
    assert len(rows) == len(files) * len(engine.catalogue.measures)


@pytest.mark.parametrize("answered", [0.3, 0.7, 0.95])
def test_csv_of_random_profiles_matches_engine(tmp_path, engine, answered):
    data = random_profiles(120, seed=int(answered * 100), answered=answered)
    source = write_csv(tmp_path / "companies.csv", data)
    out = tmp_path / "results.csv"
    result = run_batch(source, out, AS_OF, jobs=1, fmt="long")
    assert not result["errors"] and result["assessed"] == len(data)
    expected = {str(i + 2): _expected(engine, profile_from_data(csv_equivalent(d))) for i, d in enumerate(data)}
    _check(_rows(out), "row", expected)
    # the summary adds up the rows
    summary = {r["measure_id"]: r for r in _rows(summary_path(out))}
    for measure in engine.catalogue.measures:
        statuses = [e[measure.id]["status"] for e in expected.values()]
        assert int(summary[measure.id]["eligible"]) == statuses.count("eligible")
        assert int(summary[measure.id]["possible"]) == statuses.count("possible")
        high = sum(
            int(e[measure.id]["total_max_yuan"] or 0)
            for e in expected.values()
            if e[measure.id]["status"] == "eligible"
        )
        assert int(summary[measure.id]["eligible_max_yuan"]) == high


@pytest.mark.parametrize("fmt", ["wide", "long"])
def test_parallel_run_gives_the_same_file(tmp_path, monkeypatch, fmt):
    from advisor.batch import runner

    source = write_csv(tmp_path / "many.csv", random_profiles(400, seed=11))
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    run_batch(source, one, AS_OF, jobs=1, fmt=fmt)
    monkeypatch.setattr(runner, "_CHUNK_LINES", 60)  # several chunks: the worker processes really run
    appended = []
    real_append = runner.append_part
    monkeypatch.setattr(runner, "append_part", lambda handle, part: (appended.append(part), real_append(handle, part)))
    run_batch(source, two, AS_OF, jobs=2, fmt=fmt)
    assert len(appended) >= 4  # the workers' output came through part files
    assert one.read_bytes() == two.read_bytes()
    assert summary_path(one).read_bytes() == summary_path(two).read_bytes()
    # the part files and their folder are gone
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["many.csv", "one.csv", "one-summary.csv", "two.csv", "two-summary.csv"]
    )
    # and the worker processes have ended and been waited for (their time and memory count in the run's)
    import multiprocessing

    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("rows", [30, 400])
def test_chunks_in_the_main_process_run_with_the_collector_paused(tmp_path, monkeypatch, rows):
    """One process (``--jobs 1``) or one chunk: chunks run in the main process, and like the
    workers' without the cyclic garbage collector (``_without_gc``); it is on again afterwards."""
    import gc

    from advisor.batch import runner

    source = write_csv(tmp_path / "many.csv", random_profiles(rows, seed=2))
    monkeypatch.setattr(runner, "_CHUNK_LINES", 100)
    seen = []
    real = runner._records
    monkeypatch.setattr(
        runner, "_records", lambda pieces, errors: (seen.append(gc.isenabled()), real(pieces, errors))[1]
    )
    assert gc.isenabled()
    run_batch(source, tmp_path / "out.csv", AS_OF, jobs=1)
    assert seen and not any(seen)
    assert gc.isenabled()


def test_parallel_run_of_a_hostile_file_gives_the_same_files(tmp_path, monkeypatch):
    """Workers that read their blocks from the input file (``Slices``) give what one process
    gives, also for a file that switches to GBK half way, with NUL bytes, bad quotes, CRLF,
    blank and undecodable lines (blocks and single lines mixed in chunks)."""
    from advisor.batch import errors_path, runner

    source = write_csv(tmp_path / "many.csv", random_profiles(300, seed=5))
    lines = source.read_bytes().split(b"\n")
    # the file is GB18030 from row 200 on (Excel on Chinese Windows)
    lines = [line if i < 200 else line.decode().encode("gbk", "replace") for i, line in enumerate(lines)]
    lines[40] += b"\r"
    lines[77] = b"bad\x00line"
    lines[120] = b'"unclosed,' + lines[120]
    lines[150] = b""
    lines[230] = b"\xff\xfe,x"  # neither UTF-8 nor GBK
    source.write_bytes(b"\n".join(lines))
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    run_batch(source, one, AS_OF, jobs=1)
    monkeypatch.setattr(runner, "_CHUNK_LINES", 40)
    monkeypatch.setattr(runner, "_BLOCK_BYTES", 2048)
    sent = []
    real = runner._for_worker
    monkeypatch.setattr(runner, "_for_worker", lambda job: (sent.append(real(job)), sent[-1])[1])
    run_batch(source, two, AS_OF, jobs=2)
    assert sum(isinstance(job, runner.Slices) for job in sent) >= 4  # the workers read the file
    for a, b in [(one, two), (summary_path(one), summary_path(two)), (errors_path(one), errors_path(two))]:
        assert a.read_bytes() == b.read_bytes()
    assert len(_rows(errors_path(two))) >= 3


@pytest.mark.parametrize("kernel_copies", [True, False])
def test_a_part_file_gives_only_its_chunks_bytes(tmp_path, monkeypatch, kernel_copies):
    """A reused part file holds a chunk's bytes at its start and an earlier, longer chunk's
    after them: only the first ``size`` bytes are appended, by the kernel or read and written."""
    from advisor.batch import runner

    data = "企业,符合\r\n".encode() * 50_000
    path = tmp_path / "0.part"
    path.write_bytes(data + "旧的更长的块\r\n".encode() * 1000)
    if not kernel_copies:

        def refuse(*_args):
            raise OSError(18, "Invalid cross-device link")

        monkeypatch.setattr(runner.os, "copy_file_range", refuse, raising=False)
    out = tmp_path / "out.csv"
    with out.open("wb") as handle:
        handle.write(b"head\r\n")
        runner.append_part(handle, runner.PartFile(str(path), len(data)))
        handle.write(b"tail")
    assert out.read_bytes() == b"head\r\n" + data + b"tail"


def test_a_worker_overwrites_a_reused_part_file(tmp_path):
    from advisor.batch import runner

    path = tmp_path / "0.part"
    path.write_bytes(b"x" * 100)
    result = runner._in_part_file(lambda job: (job, Counter(), [], 1), "甲,乙\r\n".encode(), str(path))
    assert result[0] == runner.PartFile(str(path), len("甲,乙\r\n".encode()))
    assert path.read_bytes() == "甲,乙\r\n".encode() + b"x" * (100 - len("甲,乙\r\n".encode()))


def test_writeback_is_asked_for_each_new_range_and_never_fails_the_run(tmp_path, monkeypatch):
    from advisor.batch import runner

    asked = []
    monkeypatch.setattr(
        runner.os, "posix_fadvise", lambda fd, start, length, how: asked.append((start, length)), raising=False
    )
    out = tmp_path / "out.csv"
    with out.open("wb") as handle:
        handle.write("甲".encode() * 10)
        written = runner.start_writeback(handle, 0)
        assert (written, out.read_bytes()) == (30, "甲".encode() * 10)  # flushed
        assert runner.start_writeback(handle, written) == 30  # nothing new: nothing asked
        handle.write(b"x" * 5)
        assert runner.start_writeback(handle, written) == 35
    assert asked == [(0, 30), (30, 5)]

    def refuse(*_args):
        raise OSError(22, "Invalid argument")

    monkeypatch.setattr(runner.os, "posix_fadvise", refuse, raising=False)
    with out.open("ab") as handle:
        handle.write(b"y")
        assert runner.start_writeback(handle, 35) == 36
    assert out.read_bytes() == "甲".encode() * 10 + b"x" * 5 + b"y"


@pytest.mark.parametrize("jobs", [1, 2, 3, 4, 8])
def test_chunks_share_the_work_evenly_between_processes(jobs):
    from advisor.batch.runner import _CHUNK_LINES, chunk_lines

    for rows in (1, 150, 999, 2_500, 10_000, 20_000, 20_001, 99_999, 100_000, 333_333, 1_000_000):
        size = chunk_lines(rows, jobs)
        assert _CHUNK_LINES // 5 <= size <= _CHUNK_LINES * 3 // 2
        chunks = -(-rows // size)
        if jobs > 1 and rows >= jobs * _CHUNK_LINES:
            # every process gets as many chunks: none waits idle at the end
            assert chunks % jobs == 0, (rows, jobs, size)
        if jobs > 1 and rows >= jobs * (_CHUNK_LINES // 5):
            assert chunks >= jobs  # every process has work


def test_csv_chunks_follow_the_size_the_file_suggests(tmp_path, monkeypatch):
    from advisor.batch import runner

    source = write_csv(tmp_path / "many.csv", random_profiles(700, seed=3))
    monkeypatch.setattr(runner, "_CHUNK_LINES", 100)
    _header, chunks, _reader, _handle = runner._csv_jobs(source, 2)
    sizes = [sum(map(runner.piece_size, pieces)) for pieces, _ in chunks]
    assert sum(sizes) == 700
    size = runner.chunk_lines(700, 2)
    assert sizes[:4] == [size] * 4  # as long as plenty is left, chunks are the suggested size
    assert sizes[:-1] == sorted(sizes[:-1], reverse=True)  # then they get smaller,
    assert min(sizes[:-1]) == size // 4  # down to a quarter, so that both processes finish together
    assert size // 8 <= sizes[-1] <= size // 4 + size // 8  # and no last chunk of a few rows


def test_bad_rows_are_reported_with_their_row_number_and_skipped(tmp_path, capsys):
    header = [
        "identity.name",
        "applicant.kind",
        "space.leased_area_m2",
        "industry.sectors",
        "identity.independent_legal_person",
    ]
    source = tmp_path / "in.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerow(["甲公司", "enterprise", "800", "ai;software", "是"])
        writer.writerow(["乙公司", "enterprise", "很多", "", ""])
        writer.writerow(['=HYPERLINK("x")', "company", "", "", ""])
        writer.writerow(["丁公司", "", "", "", "false"])
    out = tmp_path / "r.csv"
    code = cmd_batch(Namespace(input=source, out=out, template=False, as_of=AS_OF, jobs=1))
    assert code == 0
    err = capsys.readouterr().err
    assert "第 3 行" in err and "space.leased_area_m2" in err
    assert "第 4 行" in err and "applicant.kind" in err
    companies = {r["company"] for r in _rows(out)}
    assert companies == {"甲公司", "丁公司"}


def test_formula_like_names_are_not_formulas(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("identity.name,applicant.kind\n=1+1,enterprise\n", encoding="utf-8")
    out = tmp_path / "r.csv"
    run_batch(source, out, AS_OF, jobs=1)
    assert {r["company"] for r in _rows(out)} == {"'=1+1"}


@pytest.mark.parametrize(
    "make",
    [
        lambda d: d / "missing.csv",
        lambda d: (d / "x.txt").write_text("a,b\n") and d / "x.txt",
        lambda d: (d / "e.csv").write_text("") or d / "e.csv",
        lambda d: (d / "h.csv").write_text("identity.nmae,space.area\n1,2\n") and d / "h.csv",
    ],
)
def test_unusable_input_exits_2(tmp_path, make, capsys):
    code = cmd_batch(Namespace(input=make(tmp_path), out=tmp_path / "r.csv", template=False, as_of=AS_OF, jobs=1))
    assert code == 2
    assert capsys.readouterr().err.strip()


def test_template_is_a_valid_header(tmp_path, capsys):
    assert cmd_batch(Namespace(input=None, out=None, template=True, as_of=None, jobs=0)) == 0
    header = capsys.readouterr().out.strip().split(",")
    assert header == template_columns()
    assert "scale.revenue_wan.2025" in template_columns(dt.date(2026, 1, 1))
    source = tmp_path / "t.csv"
    cells = ["测试公司" if c == "identity.name" else "" for c in header]
    source.write_text(
        ",".join(header) + "\n" + ",".join(cells) + "\n" + ",".join("" for _ in header) + "\n", encoding="utf-8"
    )
    result = run_batch(source, tmp_path / "r.csv", AS_OF, jobs=1)
    assert result["assessed"] == 1 and not result["errors"]


def test_quick_state_equals_explained_state(engine):
    for data in random_profiles(150, seed=5) + random_profiles(50, seed=6, answered=0.2):
        facts = profile_facts(profile_from_data(data))
        shown = engine.shown(facts)
        for measure in engine.catalogue.measures:
            for compiled in engine.compiled(measure.id):
                assert compiled.state(facts) == compiled.evaluate(facts, shown).state


# --- no rule cache: nothing in a cache folder can change a result ---------------------------


def _poisoned_caches(base: Path) -> list[Path]:
    """Cache folders holding every kind of damage a cache file can have."""
    import os

    good = '{"format": 1, "version": "0.1.0", "entries": {}}'
    kinds = {
        "truncated": good[:17],
        "edited": '{"format": 1, "version": "0.1.0", "entries": {"0": {"$d": "99999999"}}}',
        "wrong-types": '{"format": "1", "version": 2, "entries": [1, 2]}',
        "deep": "[" * 200_000 + "]" * 200_000,
        "binary": "\x00\xff\x1b]0;pwned\x07",
    }
    folders = []
    for name, text in kinds.items():
        folder = base / name
        folder.mkdir()
        (folder / "rules-parsed.json").write_text(text, encoding="utf-8", errors="surrogateescape")
        folders.append(folder)
    as_dir = base / "dir"
    (as_dir / "rules-parsed.json").mkdir(parents=True)
    folders.append(as_dir)
    fifo = base / "fifo"
    fifo.mkdir()
    os.mkfifo(fifo / "rules-parsed.json")  # a reader that opened it would hang
    folders.append(fifo)
    return folders


def test_no_cache_folder_changes_a_figure_or_hangs(tmp_path, monkeypatch):
    """Every class of damaged cache (truncated, edited figure, wrong types, deep nesting,
    a directory, a FIFO) in every place a cache could live gives the same JSON as no cache."""
    from advisor import rulestore
    from advisor.json_contract import document_text as to_json

    profile = load_profile(ROOT / "examples" / sorted(p.name for p in (ROOT / "examples").glob("*.toml"))[0])
    rulestore.load_engine.cache_clear()
    monkeypatch.setenv("ADVISOR_CACHE_DIR", "off")
    engine = rulestore.load_engine()
    expected = to_json(engine.match(profile, AS_OF), engine, profile)
    for folder in _poisoned_caches(tmp_path):
        for variable in ("ADVISOR_CACHE_DIR", "XDG_CACHE_HOME", "HOME"):
            monkeypatch.setenv(variable, str(folder))
            rulestore.load_engine.cache_clear()
            engine = rulestore.load_engine()
            assert to_json(engine.match(profile, AS_OF), engine, profile) == expected, (folder.name, variable)
    rulestore.load_engine.cache_clear()


def test_match_and_rules_check_read_the_same_files(tmp_path):
    """``rules check`` and the engine read the rule files themselves: a broken file is refused by both."""
    from advisor.catalogue import load_catalogue
    from advisor.errors import RuleSetError
    from advisor.rulestore import load_engine, load_rules

    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    assert load_rules(rules) == load_catalogue(rules)
    target = sorted((rules / "measures").glob("*.toml"))[0]
    target.write_text(
        target.read_text(encoding="utf-8").replace('quote = "', 'quote = "不在原文中的引文', 1), encoding="utf-8"
    )
    for load in (load_catalogue, load_rules, load_engine):
        with pytest.raises(RuleSetError) as caught:
            load(rules)
        assert any("引文" in p for p in caught.value.problems)


# --- output formats -------------------------------------------------------------------------


def _wide_expected(engine, profile) -> dict[str, str]:
    """The wide row of a company, from the engine's JSON contract (results and totals)."""
    from advisor.money import yuan_to_wan

    def wan(v):
        return "" if v is None else format(yuan_to_wan(v), "f")

    labels = {"eligible": "符合", "possible": "可能符合", "ineligible": "不符合"}
    document = assessment_json(engine.match(profile, AS_OF), engine)
    totals = document["totals"]
    out = {
        "eligible": str(totals["eligible"]["count"]),
        "possible": str(totals["possible"]["count"]),
        "eligible_min_wan": wan(totals["eligible"]["min_yuan"]),
        "eligible_max_wan": wan(totals["eligible"]["max_yuan"]),
        "possible_min_wan": wan(totals["possible"]["min_yuan"]),
        "possible_max_wan": wan(totals["possible"]["max_yuan"]),
    }
    for r in document["results"]:
        a = r["amount"]
        if r["status"] == "ineligible":  # batch shows no amount for 不符合
            a = dict.fromkeys(a, None)
        out[f"{r['measure_id']}.status"] = labels[r["status"]]
        out[f"{r['measure_id']}.min_wan"] = wan(a["total_min_yuan"])
        out[f"{r['measure_id']}.max_wan"] = wan(a["total_max_yuan"])
        out[f"{r['measure_id']}.counted"] = "true" if r["counted_in_total"] else "false"
    return out


def test_wide_is_the_default_one_row_per_company_with_the_engine_figures(tmp_path, engine):
    from advisor.batch import wide_columns

    data = random_profiles(150, seed=77)
    source = write_csv(tmp_path / "companies.csv", data)
    out = tmp_path / "results.csv"
    result = run_batch(source, out, AS_OF, jobs=1)
    assert result["format"] == "wide" and result["assessed"] == len(data)
    assert out.read_bytes().startswith("\ufeffrow,company,credit_code,".encode())
    rows = _rows(out)
    assert list(rows[0]) == wide_columns(engine.catalogue.measures)
    assert len(rows) == len(data)
    for i, row in enumerate(rows):
        assert row["row"] == str(i + 2)
        want = _wide_expected(engine, profile_from_data(csv_equivalent(data[i])))
        assert {k: row[k] for k in want} == want, i


def test_folder_wide_rows_name_their_files(tmp_path, engine):
    out = tmp_path / "results.csv"
    result = run_batch(ROOT / "examples", out, AS_OF, jobs=1)
    files = {p.name: p for p in (ROOT / "examples").glob("*.toml")}
    rows = _rows(out)
    assert result["assessed"] == len(files) == len(rows)
    for row in rows:
        want = _wide_expected(engine, load_profile(files[row["row"]]))
        assert {k: row[k] for k in want} == want


def test_long_and_wide_agree_and_the_cli_chooses(tmp_path, capsys):
    source = write_csv(tmp_path / "c.csv", random_profiles(40, seed=78))
    wide, long = tmp_path / "w.csv", tmp_path / "l.csv"
    assert cmd_batch(Namespace(input=source, out=wide, template=False, as_of=AS_OF, jobs=1, format=None)) == 0
    assert cmd_batch(Namespace(input=source, out=long, template=False, as_of=AS_OF, jobs=1, format="long")) == 0
    long_rows = _rows(long)
    wide_rows = {r["row"]: r for r in _rows(wide)}
    assert len(long_rows) == len(wide_rows) * len({r["measure_id"] for r in long_rows})
    for r in long_rows:
        w = wide_rows[r["row"]]
        assert w[f"{r['measure_id']}.status"] == r["status_label"]
        assert w[f"{r['measure_id']}.max_wan"] == r["total_max_wan"]
        assert w[f"{r['measure_id']}.counted"] == r["counted_in_total"]
    assert summary_path(wide).read_bytes() == summary_path(long).read_bytes()


def test_parquet_out_and_in(tmp_path, engine):
    pq = pytest.importorskip("pyarrow.parquet")
    data = random_profiles(120, seed=79)
    source = write_csv(tmp_path / "c.csv", data)
    out = tmp_path / "r.parquet"
    result = run_batch(source, out, AS_OF, jobs=1, fmt="parquet")
    assert result["assessed"] == len(data)
    table = pq.read_table(out).to_pylist()
    assert len(table) == len(data)
    first = profile_from_data(csv_equivalent(data[0]))
    by_id = {r["measure_id"]: r for r in assessment_json(engine.match(first, AS_OF), engine)["results"]}
    for measure_id, r in by_id.items():
        assert table[0][f"{measure_id}.status"] == r["status"]
        shown = None if r["status"] == "ineligible" else r["amount"]["total_max_yuan"]  # batch: no amount for 不符合
        assert table[0][f"{measure_id}.max_yuan"] == shown
        assert table[0][f"{measure_id}.counted"] is r["counted_in_total"]
    assert summary_path(out).suffix == ".csv" and summary_path(out).exists()
    # Parquet in: the same companies as a Parquet table give the same results
    import csv as _csv

    import pyarrow as pa

    with source.open(encoding="utf-8", newline="") as handle:
        records = list(_csv.reader(handle))
    header, body = records[0], records[1:]
    columns = {name: [row[i] or None for row in body] for i, name in enumerate(header)}
    pq.write_table(pa.table(columns), tmp_path / "c.parquet")
    again = tmp_path / "again.csv"
    from_csv = tmp_path / "from-csv.csv"
    run_batch(tmp_path / "c.parquet", again, AS_OF, jobs=1)
    run_batch(source, from_csv, AS_OF, jobs=1)
    strip_row = [{k: v for k, v in r.items() if k != "row"} for r in _rows(again)]
    assert strip_row == [{k: v for k, v in r.items() if k != "row"} for r in _rows(from_csv)]


def test_parquet_without_pyarrow_is_a_chinese_message(tmp_path, monkeypatch, capsys):
    real_import = __import__

    def no_pyarrow(name, *args, **kwargs):
        if name == "pyarrow" or name.startswith("pyarrow."):
            raise ImportError("no pyarrow")
        return real_import(name, *args, **kwargs)

    source = write_csv(tmp_path / "c.csv", random_profiles(5, seed=80))
    monkeypatch.setattr("builtins.__import__", no_pyarrow)
    code = cmd_batch(Namespace(input=source, out=None, template=False, as_of=AS_OF, jobs=1, format="parquet"))
    assert code == 2
    err = capsys.readouterr().err
    assert "pyarrow" in err and "policy-advisor[parquet]" in err
    assert not list(tmp_path.glob("*.parquet"))


def test_a_folder_is_listed_as_the_run_goes(tmp_path, monkeypatch):
    """Bounded memory for a folder too: its files are never gathered into one list first
    (no glob/listdir/sorted over the folder), and each chunk is assessed as it is listed."""
    from advisor.batch import runner

    folder = tmp_path / "profiles"
    folder.mkdir()
    example = sorted((ROOT / "examples").glob("*.toml"))[0].read_bytes()
    for i in range(450):
        (folder / f"c{i:04d}.toml").write_bytes(example)

    real_glob, real_iterdir = Path.glob, Path.iterdir

    def guard(real):
        def listing(self, *args, **kwargs):
            assert self != folder, "the folder was listed whole"
            return real(self, *args, **kwargs)

        return listing

    monkeypatch.setattr(Path, "glob", guard(real_glob))
    monkeypatch.setattr(Path, "iterdir", guard(real_iterdir))
    monkeypatch.setattr(runner, "_FOLDER_CHUNK", 100)
    chunks = []
    real = runner._toml_chunk

    def counting(paths):
        chunks.append(len(paths))
        return real(paths)

    monkeypatch.setattr(runner, "_toml_chunk", counting)
    result = run_batch(folder, tmp_path / "out.csv", AS_OF, jobs=1)
    assert result["assessed"] == 450
    assert chunks == [100, 100, 100, 100, 50]
    assert sorted(r["row"] for r in _rows(tmp_path / "out.csv")) == [f"c{i:04d}.toml" for i in range(450)]


def _summary_row(title: str, measure_id: str, eligible: int, possible: int) -> dict[str, object]:
    return dict(
        title=title,
        measure_id=measure_id,
        eligible=eligible,
        possible=possible,
        eligible_min_wan="12.5",
        eligible_max_wan="100",
        possible_min_wan="0",
        possible_max_wan="0",
    )


def test_summary_lines_align_in_cells_and_fit_a_terminal():
    from rich.cells import cell_len

    from advisor.cli_batch import summary_lines

    rows = [
        _summary_row("粤港澳大湾区境外高端人才和紧缺人才个人所得税优惠财政补贴", "cn-tax-gba", 3, 1),
        _summary_row("Rent subsidy", "gm-01", 12345, 0),
        _summary_row("\x1b]0;T\x07[bold]粗[/bold]", "evil", 0, 2),
        _summary_row("nobody", "none", 0, 0),  # no eligible or possible company: not listed
    ]
    result = {"assessed": 20000, "as_of": AS_OF, "summary": rows}
    full = summary_lines(result, Path("结果.csv"), None)
    assert "20000 家企业" in full[0]
    body = full[1:5]
    assert len(body) == 4 and not any("nobody" in line for line in full)
    # columns aligned in cells: the last one is right-aligned, so every line ends at the same cell
    assert len({cell_len(line) for line in body}) == 1
    heading_end = cell_len(body[0][: body[0].index("可能符合") - 2])
    assert cell_len(body[2][: body[2].index("12345") + 5]) == heading_end
    assert body[2].startswith("Rent subsidy（gm-01）") and "12345" in body[2]
    assert "粤港澳大湾区境外高端人才和紧缺人才个人所得税优惠财政补贴（cn-tax-gba）" in body[1]
    assert all("\x1b" not in line and "\x07" not in line for line in full)
    assert "[bold]粗[/bold]" in body[3]  # shown literally, as text
    narrow = summary_lines(result, Path("结果.csv"), 80)
    assert all(cell_len(line) <= 80 for line in narrow[1:5])
    assert "…" in narrow[2] and narrow[2].startswith("粤港澳")
    assert summary_lines({**result, "summary": rows[3:]}, Path("r.csv"), 80)[2] == "（没有符合或可能符合的措施）"


def test_an_interrupted_parallel_run_leaves_no_part_files(tmp_path, monkeypatch):
    from advisor.batch import runner

    source = write_csv(tmp_path / "many.csv", random_profiles(300, seed=5))
    monkeypatch.setattr(runner, "_CHUNK_LINES", 40)

    def interrupt(_done: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch(source, tmp_path / "r.csv", AS_OF, jobs=2, progress=interrupt)
    assert [p.name for p in tmp_path.iterdir()] == ["many.csv"]
