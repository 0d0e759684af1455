"""Peak memory of ``advisor batch`` as the input grows: bounded memory, measured.

    .venv/bin/python benchmarks/batch_memory.py                 # 20,000 and 200,000 companies
    .venv/bin/python benchmarks/batch_memory.py --rows 20000 1000000

Writes the synthetic CSVs into a temporary folder (deleted afterwards; never committed),
runs ``advisor batch`` on each as a subprocess and prints companies per second and the
peak resident memory of the largest process (the main process or a worker, each counted
on its own). Not a test: figures, for the README's scale section.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def write_big_csv(path: Path, rows: int, seed: int) -> None:
    """``rows`` random companies, written as they are made (the generator holds one at a time)."""
    from advisor.batch import template_columns
    from benchmarks.synthetic import profile_to_row, random_profile

    rng = random.Random(seed)
    header = template_columns()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for _ in range(rows):
            writer.writerow(profile_to_row(random_profile(rng)))


def measure(source: Path, out: Path, jobs: int, fmt: str) -> tuple[float, float]:
    """(seconds, peak RSS in MB of the largest process) of one ``advisor batch`` run."""
    argv = [sys.executable, "-m", "advisor", "batch", str(source), "--out", str(out), "--as-of", "2026-11-21"]
    argv += ["--format", fmt] + (["--jobs", str(jobs)] if jobs else [])
    code = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "sys.exit(done.returncode)\n"
    )
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *argv], cwd=ROOT, capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - start
    return seconds, int(done.stdout.strip().splitlines()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[20_000, 200_000])
    parser.add_argument("--jobs", type=int, default=0)
    parser.add_argument("--format", default="wide", choices=("wide", "long", "parquet"))
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPU, load average {os.getloadavg()[0]:.2f} at start", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            source = Path(tmp) / f"in-{rows}.csv"
            write_big_csv(source, rows, seed=rows)
            size_mb = source.stat().st_size / 1e6
            out = Path(tmp) / ("out.parquet" if args.format == "parquet" else "out.csv")
            seconds, peak = measure(source, out, args.jobs, args.format)
            print(
                f"{rows:>9,} companies ({size_mb:,.0f} MB CSV): {seconds:,.1f} s, {rows / seconds:,.0f} companies/s, "
                f"peak RSS of the largest process {peak:,.0f} MB, output {out.stat().st_size / 1e6:,.0f} MB",
                flush=True,
            )
            source.unlink()
    print(f"load average {os.getloadavg()[0]:.2f} at end")


if __name__ == "__main__":
    main()
