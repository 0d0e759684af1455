"""``advisor batch`` output, byte for byte as recorded in tests/golden/batch/.

Speed work on batch (decoding, the vectorised evaluator, the writers) must not change a
cell a district officer reads. The input is generated (random companies, companies with an
answer exactly at a rule's threshold) plus hand-written rows that are not plainly valid, so
both the fast path and the per-row path are covered. The results files are large, so the
golden holds each file's SHA-256 and the first rows in full (to show a diff).

A change that should alter the output regenerates the files on purpose
(``UPDATE_GOLDEN=1 pytest tests/unit/test_golden_batch.py``) and the diff is reviewed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sys
from pathlib import Path

import pytest

from advisor.batch import errors_path, run_batch, summary_path, template_columns

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import edge_profiles, random_profiles, thresholds, write_csv  # noqa: E402

GOLDEN = ROOT / "tests" / "golden" / "batch"
AS_OF = dt.date(2026, 11, 21)
HEAD_LINES = 40

#: Rows a plain decoder must refuse or route through full validation (appended as raw lines).
HOSTILE_CELLS = [
    {"identity.name": '=HYPERLINK("http://x")', "finance.loan_interest_wan": "12"},
    {"identity.name": "带逗号,的公司", "finance.loan_interest_wan": "十二"},
    {"identity.name": "空格 公司", "finance.loan_interest_wan": "1,200.50"},
    {"identity.name": "科学计数", "finance.loan_interest_wan": "1e3"},
    {"identity.name": "是否", "qualifications.high_tech": "是"},
    {"identity.name": "负数", "finance.vc_investment_wan": "-5"},
    {"identity.name": "\x1b[31m红\x1b[0m", "identity.registered_district": "光明区"},
    {"identity.name": "全角", "finance.loan_interest_wan": "１２"},
    {"identity.name": "版本", "schema_version": "99"},
]


def _input(tmp: Path) -> Path:
    from advisor.rulestore import load_engine

    header = template_columns(AS_OF)
    profiles = random_profiles(500, seed=2026) + edge_profiles(300, 77, thresholds(load_engine().catalogue))
    source = write_csv(tmp / "in.csv", profiles, [*header, "schema_version"])
    lines = []
    for cells in HOSTILE_CELLS:
        row = ["" for _ in header] + [""]
        for key, value in cells.items():
            position = len(header) if key == "schema_version" else header.index(key)
            row[position] = '"' + value.replace('"', '""') + '"' if ("," in value or '"' in value) else value
        lines.append(",".join(row))
    lines.append('"未闭合的引号,' + "," * (len(header) - 1))
    lines.append(",".join(["多一列"] + [""] * len(header) + ["x"]))
    lines.append("")
    with source.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return source


def _record(path: Path) -> dict[str, object]:
    data = path.read_bytes()
    head = data.decode("utf-8").splitlines()[:HEAD_LINES]
    return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), "head": head}


@pytest.mark.parametrize("fmt", ["wide", "long"])
def test_batch_output_is_unchanged(tmp_path: Path, fmt: str) -> None:
    source = _input(tmp_path)
    out = tmp_path / f"out-{fmt}.csv"
    run_batch(source, out, AS_OF, jobs=1, fmt=fmt)
    found = {
        "results": _record(out),
        "summary": _record(summary_path(out)),
        "errors": _record(errors_path(out)),
    }
    golden = GOLDEN / f"{fmt}.json"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(json.dumps(found, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    expected = json.loads(golden.read_text(encoding="utf-8"))
    for name, record in found.items():
        assert record["head"] == expected[name]["head"], f"{name}: the first rows differ"
        assert record == expected[name], f"{name}: a later row differs (same first {HEAD_LINES} lines)"


def test_golden_input_covers_both_paths(tmp_path: Path) -> None:
    """The recorded input has rows refused, rows validated in full and many plain rows."""
    source = _input(tmp_path)
    out = tmp_path / "out.csv"
    summary = run_batch(source, out, AS_OF, jobs=1)
    assert summary["assessed"] >= 800
    assert len(summary["errors"]) >= 5
