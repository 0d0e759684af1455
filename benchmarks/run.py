"""Performance figures of 政策顾问, printed as a table.

    .venv/bin/python benchmarks/run.py            # everything (a few minutes)
    .venv/bin/python benchmarks/run.py --quick    # fewer repetitions, smaller batch

Only the standard library and the project's own dependencies. Each figure is measured
in this run, next to its reference, so the ratios hold on the machine at hand:

* start-up: ``advisor match`` vs ``python -c "import pydantic, tomllib"``; time to the
  first screen of the app vs a bare Textual app (header, label, input, footer), both run
  headless and exiting right after their first refresh;
* matching one profile against the whole catalogue (median over varied profiles), and
  what the questionnaire's live panel does per answer (match + relevant questions);
* scale: synthetic catalogues of 100 / 1,000 / 10,000 measures, and batches of
  100 / 1,000 / 10,000 profiles;
* batch throughput: ``advisor batch`` on random profiles against the real catalogue.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PY = sys.executable
AS_OF = dt.date(2026, 11, 21)
EXAMPLE = ROOT / "examples" / "guangming-ai-company.toml"

# Both apps exit from Textual's auto-pilot, which runs once the first screen is mounted
# and ready (the same moment for both, no subclassing needed).
_EXIT_WHEN_READY = """
async def ready(pilot):
    await pilot.pause()  # let the first screen finish mounting and paint
    pilot.app.exit()
"""

BARE_APP = _EXIT_WHEN_READY + """
from textual.app import App
from textual.widgets import Footer, Header, Input, Label
class Bare(App):
    def compose(self):
        yield Header()
        yield Label("政策顾问")
        yield Input()
        yield Footer()
Bare().run(headless=True, auto_pilot=ready)
"""

ADVISOR_APP = _EXIT_WHEN_READY + """
from advisor.rulestore import load_engine
from screens.app import AdvisorApp
AdvisorApp(engine=load_engine(), profile_path=None).run(headless=True, auto_pilot=ready)
"""

ROWS: list[tuple[str, str, str, str, str, str]] = []


def stats(xs: list[float]) -> tuple[float, float, float]:
    return statistics.median(xs), min(xs), max(xs)


def fmt_ms(x: float) -> str:
    return f"{x * 1000:.1f} ms" if x >= 0.001 else f"{x * 1e6:.0f} µs"


def add(name: str, xs: list[float], ratio: str = "", target: str = "") -> float:
    med, lo, hi = stats(xs)
    ROWS.append((name, fmt_ms(med), fmt_ms(lo), fmt_ms(hi), ratio, target))
    return med


def note(name: str, value: str, ratio: str = "", target: str = "") -> None:
    ROWS.append((name, value, "", "", ratio, target))


def run_cmd(argv: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def interleaved(commands: dict[str, list[str]], repeat: int, env: dict[str, str]) -> dict[str, list[float]]:
    """Run the commands in turn ``repeat`` times, so load on the machine hits all alike."""
    for argv in commands.values():  # warm the OS file cache
        run_cmd(argv, env)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, argv in commands.items():
            times[name].append(run_cmd(argv, env))
    return times


# --- figures ------------------------------------------------------------------------------


def startup(repeat: int) -> None:
    env = dict(os.environ, TEXTUAL_ANIMATIONS="none", PYTHONPATH=str(ROOT))
    commands = {
        "python -c 'import pydantic, tomllib'": [PY, "-c", "import pydantic, tomllib"],
        "advisor match (table)": [PY, "-m", "advisor", "match", str(EXAMPLE), "--as-of", AS_OF.isoformat()],
        "advisor match --format json": [PY, "-m", "advisor", "match", str(EXAMPLE), "--format", "json"],
    }
    t = interleaved(commands, repeat, env)
    base = add("start-up: python -c 'import pydantic, tomllib'", t["python -c 'import pydantic, tomllib'"])
    for name in ("advisor match (table)", "advisor match --format json"):
        med = add(f"start-up: {name}", t[name], f"{statistics.median(t[name]) / base:.2f}×", "≤ 2×")
        del med
    if not (ROOT / "screens" / "app.py").exists():
        note("start-up: first screen of the app", "screens/app.py not there yet: not measured")
        return
    apps = {"bare": [PY, "-c", BARE_APP], "advisor": [PY, "-c", ADVISOR_APP]}
    try:
        t = interleaved(apps, repeat, env)
    except subprocess.CalledProcessError as exc:
        note("start-up: first screen of the app", f"harness failed ({exc.returncode})")
        return
    base = add("first screen: bare Textual app", t["bare"])
    add("first screen: AdvisorApp", t["advisor"], f"{statistics.median(t['advisor']) / base:.2f}×", "≤ 1.3×")


def matching(n_profiles: int) -> None:
    from advisor.profile_io import load_profile, profile_from_data
    from advisor.rulestore import load_engine
    from benchmarks.synthetic import random_profiles

    engine = load_engine()
    profiles = [load_profile(p) for p in sorted((ROOT / "examples").glob("*.toml"))]
    profiles += [profile_from_data(d) for d in random_profiles(n_profiles, seed=42)]
    for p in profiles:
        engine.match(p, AS_OF)
    xs, panel = [], []
    for p in profiles:
        start = time.perf_counter()
        engine.match(p, AS_OF)
        xs.append(time.perf_counter() - start)
        start = time.perf_counter()
        engine.match(p, AS_OF)
        engine.relevant_questions(p, AS_OF)
        panel.append(time.perf_counter() - start)
    n = len(engine.catalogue.measures)
    add(f"match one profile ({n} measures)", xs, "", "< 1 ms")
    add("live panel per answer (match + relevant questions)", panel, "", "< 16 ms")


def scale_catalogue(sizes: list[int], n_profiles: int) -> None:
    from advisor.engine import Engine
    from advisor.profile_io import profile_from_data
    from advisor.rulestore import load_engine
    from benchmarks.synthetic import random_profiles, synthetic_catalogue

    base = load_engine().catalogue
    profiles = [profile_from_data(d) for d in random_profiles(n_profiles, seed=9)]
    per: list[tuple[int, float]] = []
    for size in sizes:
        engine = Engine(synthetic_catalogue(base, size))
        engine.match(profiles[0], AS_OF)
        xs = []
        for p in profiles:
            start = time.perf_counter()
            engine.match(p, AS_OF)
            xs.append(time.perf_counter() - start)
        med = statistics.median(xs)
        per.append((size, med))
        add(f"scale: match one profile, {size:,} measures", xs, f"{med / size * 1e6:.1f} µs/measure")
    if len(per) > 1:
        first = per[0][1] / per[0][0]
        note("scale: per-measure cost, largest vs smallest", f"{per[-1][1] / per[-1][0] / first:.2f}×", "", "≈ 1× (linear)")


def batch_runs(sizes: list[int], throughput: int, jobs: int) -> None:
    from benchmarks.synthetic import random_profiles, write_csv

    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        per: list[tuple[int, float]] = []
        for size in sorted(set(sizes + [throughput])):
            source = write_csv(Path(tmp) / f"in-{size}.csv", random_profiles(size, seed=size))
            out = Path(tmp) / f"out-{size}.csv"
            argv = [PY, "-m", "advisor", "batch", str(source), "--out", str(out), "--as-of", AS_OF.isoformat()]
            if jobs:
                argv += ["--jobs", str(jobs)]
            run_cmd(argv, env)  # warm
            xs = [run_cmd(argv, env) for _ in range(2 if size >= 10_000 else 3)]
            med = statistics.median(xs)
            per.append((size, med))
            if size in sizes:
                add(f"scale: advisor batch, {size:,} profiles (wall, incl. start-up)", xs, f"{med / size * 1e6:.0f} µs/profile")
            if size == throughput:
                rate = size / med
                note(f"batch throughput, {size:,} profiles, {jobs or os.cpu_count()} processes",
                     f"{rate:,.0f} profiles/s", f"{rate / 20_000:.2f}× target", "≥ 20,000/s")


def print_table() -> None:
    try:
        from rich.console import Console
        from rich.table import Table

        table = Table(title="政策顾问 benchmarks")
        for column in ("figure", "median", "min", "max", "ratio", "target"):
            table.add_column(column, justify="left" if column == "figure" else "right")
        for row in ROWS:
            table.add_row(*row)
        Console(width=160).print(table)
    except ImportError:  # pragma: no cover
        for row in ROWS:
            print(" | ".join(row))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--jobs", type=int, default=0, help="processes for the batch figures (default: all cores)")
    parser.add_argument("--only", choices=("startup", "match", "scale", "batch"), action="append")
    args = parser.parse_args()
    only = set(args.only or ("startup", "match", "scale", "batch"))

    print(f"machine: {platform.platform()}, {os.cpu_count()} CPU, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.2f} at start", flush=True)
    if "startup" in only:
        startup(5 if args.quick else 15)
    if "match" in only:
        matching(50 if args.quick else 300)
    if "scale" in only:
        scale_catalogue([100, 1_000, 10_000], 5 if args.quick else 20)
    if "batch" in only:
        batch_runs([100, 1_000, 10_000], 5_000 if args.quick else 20_000, args.jobs)
    print_table()
    print(f"load average {os.getloadavg()[0]:.2f} at end (other work on the machine inflates every figure)")


if __name__ == "__main__":
    main()
