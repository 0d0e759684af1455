"""Where ``advisor batch`` spends its time, per company, phase by phase (one process).

    .venv/bin/python benchmarks/batch_phases.py                  # 5 blocks of 2,000 companies
    .venv/bin/python benchmarks/batch_phases.py --blocks 3 --formats wide,long,parquet
    .venv/bin/python benchmarks/batch_phases.py --no-vector      # the per-company evaluator
    .venv/bin/python benchmarks/batch_phases.py --no-arrow       # lines split in Python

A synthetic CSV (``benchmarks.synthetic``) is read in blocks as the runner reads it, and
each block goes through the runner's own steps, timed one by one with the garbage
collector paused (as the workers run them):

* read: ``runner._coded_chunk``, a block's lines read column by column by pyarrow (each
  column's codes and distinct cells), or with ``--no-arrow`` (or without pyarrow)
  ``runner._records``, the lines split into cells in Python;
* decode: ``runner._decode_coded`` (or ``runner._decode``): plain rows straight to facts,
  the others validated;
* assess: ``_WORKER["evaluator"].assess`` (vectorised with numpy, or company by company);
* write: ``_WORKER["writer"].write`` for each output format asked for.

Figures are µs of CPU time per company (``--clock wall`` for elapsed time), the median over
``--repeat`` passes: on a shared machine CPU time moves much less than elapsed time, but
still compare medians and interleave runs. Only the standard library and the project's extras.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from advisor.batch import arrow_columns, runner  # noqa: E402
from advisor.batch.plan import template_columns  # noqa: E402
from benchmarks.synthetic import random_profiles, write_csv  # noqa: E402

AS_OF = dt.date(2026, 11, 21)


def _blocks(path: Path, size: int) -> tuple[list[str], list[list[runner.Piece]]]:
    """The header and the blocks of ``size`` lines of a CSV file, read and cut as the runner does."""
    header, chunks, _reader, _handle = runner._csv_jobs(path)
    return header, list(runner.cut_chunks((piece for chunk, _ in chunks for piece in chunk), size))


_CLOCK = {"cpu": time.process_time, "wall": time.perf_counter}
clock = _CLOCK["cpu"]


def _timed(work: Any) -> tuple[float, Any]:
    start = clock()
    result = work()
    return clock() - start, result


def _read_and_decode(
    pieces: list[runner.Piece], arrow: bool, errors: list[tuple[str, str]]
) -> tuple[float, float, Any, Any]:
    """(read time, decode time, companies, facts) of a block, as a worker reads and decodes it."""
    plan, decoder = runner._WORKER["plan"], runner._WORKER["decoder"]
    start = clock()
    if arrow:
        coded = runner._coded_chunk(pieces, plan.width)
        middle = clock()
        assert coded is not None, "generated lines are always read by pyarrow"
        companies, facts = runner._decode_coded(coded, plan, decoder, errors)
    else:
        numbered = runner._records(pieces, [])
        middle = clock()
        companies, facts = runner._decode(numbered, plan, decoder, errors)
    return middle - start, clock() - middle, companies, facts


def measure(
    path: Path, size: int, formats: list[str], repeat: int, vector: bool, arrow: bool
) -> dict[str, list[float]]:
    """Seconds per company of each phase, one figure per pass."""
    header, blocks = _blocks(path, size)
    figures: dict[str, list[float]] = {}
    for fmt in formats:
        runner._worker_init(None, AS_OF, header, fmt, vector)
        for _ in range(repeat):
            totals: Counter[str] = Counter()
            companies_done = 0
            was_enabled = gc.isenabled()
            gc.disable()
            try:
                for pieces in blocks:
                    errors: list[tuple[str, str]] = []
                    took_read, took, companies, facts = _read_and_decode(pieces, arrow, errors)
                    totals["read"] += took_read
                    totals["decode"] += took
                    took, block = _timed(lambda facts=facts: runner._WORKER["evaluator"].assess(facts))
                    totals["assess"] += took
                    summary: Counter[Any] = Counter()
                    took, _ = _timed(
                        lambda companies=companies, block=block, summary=summary: runner._WORKER["writer"].write(
                            companies, block, summary
                        )
                    )
                    totals[f"write {fmt}"] += took
                    companies_done += len(companies)
            finally:
                if was_enabled:
                    gc.enable()
                gc.collect()
            for phase, seconds in totals.items():
                figures.setdefault(phase, []).append(seconds / max(companies_done, 1))
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--blocks", type=int, default=5, help="blocks of companies (default 5)")
    parser.add_argument("--size", type=int, default=2000, help="companies per block (default 2,000, as the runner)")
    parser.add_argument("--formats", default="wide", help="comma-separated: wide,long,parquet (default wide)")
    parser.add_argument("--repeat", type=int, default=5, help="passes over the blocks (default 5)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--clock", choices=sorted(_CLOCK), default="cpu", help="cpu (default) or wall time")
    parser.add_argument("--no-vector", action="store_true", help="the per-company evaluator even with numpy")
    parser.add_argument("--no-arrow", action="store_true", help="split lines in Python even with pyarrow")
    args = parser.parse_args(argv)
    global clock
    clock = _CLOCK[args.clock]
    vector = runner.numpy_available() and not args.no_vector
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        path = write_csv(
            Path(tmp) / "in.csv", random_profiles(args.blocks * args.size, seed=args.seed), template_columns(AS_OF)
        )
        arrow = vector and not args.no_arrow and arrow_columns.available()
        figures = measure(path, args.size, formats, args.repeat, vector, arrow)
    print(
        f"{args.blocks} × {args.size:,} companies, evaluator: {'vector' if vector else 'rows'}, "
        f"reader: {'arrow' if arrow else 'python'}, µs ({args.clock}) per company"
    )
    print(f"{'phase':<16}{'median':>10}{'min':>10}{'max':>10}")
    for phase, values in figures.items():
        med = statistics.median(values) * 1e6
        print(f"{phase:<16}{med:>10.1f}{min(values) * 1e6:>10.1f}{max(values) * 1e6:>10.1f}")


if __name__ == "__main__":
    main()
