"""Performance figures of 政策顾问, printed as a table.

    .venv/bin/python benchmarks/run.py            # everything (a few minutes)
    .venv/bin/python benchmarks/run.py --quick    # fewer repetitions, smaller batch

Only the standard library and the project's own dependencies. Each figure is measured
in this run next to its baseline, interleaved, so the ratios hold on the machine at hand:

* first screen: time from starting the interpreter to the first paint of the home screen
  vs a bare Textual app (header, label, input, footer), both headless; also when the rule
  set is loaded and validated behind the painted home screen;
* ``advisor match --format json`` (and the table) vs the pydantic floor: a bare interpreter
  that imports pydantic, defines one model, reads the profile TOML, validates it and
  prints JSON;
* matching one profile against the whole catalogue (median over varied profiles), and
  what the questionnaire's live panel does per answer (match + relevant questions);
* scale: synthetic catalogues of 100 / 1,000 / 10,000 measures, batches of 100 / 1,000 /
  10,000 profiles;
* batch: ``advisor batch`` (default: one row per company; and ``--format long``) vs the
  floor of reading the same CSV and writing one row per company, on a register-sized input
  (20,000 companies with ``--quick``, 100,000 without), and the wall time of 1 to 10,000
  companies (start-up included). Peak memory as the input grows: ``benchmarks/batch_memory.py``.

Subprocesses run with bytecode caching on (as an installed package does), whatever
``PYTHONDONTWRITEBYTECODE`` says in the calling shell.
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

# Each app writes PAINTED on fd 1 right after its first paint (Textual's post_display_hook,
# headless), and the advisor app LOADED once its engine is there; then it exits.
_MARK = """
import os
def mark(word):
    os.write(1, (word + "\\n").encode())
"""

BARE_APP = (
    _MARK
    + """
from textual.app import App
from textual.widgets import Footer, Header, Input, Label
class Bare(App):
    painted = False
    def compose(self):
        yield Header()
        yield Label("政策顾问")
        yield Input()
        yield Footer()
    def post_display_hook(self):
        if not self.painted:
            self.painted = True
            mark("PAINTED")
            self.exit()
Bare().run(headless=True)
"""
)

ADVISOR_APP = (
    _MARK
    + """
from pathlib import Path
import screens.app
from screens.app import AdvisorApp
from screens.home import HomeScreen
class Timed(AdvisorApp):
    CSS_PATH = [str(Path(screens.app.__file__).with_name(name)) for name in AdvisorApp.CSS_PATH]
    painted = False
    def post_display_hook(self):
        if not self.painted and isinstance(self.screen, HomeScreen):
            self.painted = True
            mark("PAINTED")
            self.set_interval(0.002, self.check_loaded)
    def check_loaded(self):
        if self.engine is not None or self.rules_problem is not None:
            mark("LOADED" if self.engine is not None else "FAILED")
            self.exit()
Timed().run(headless=True)
"""
)

# The pydantic floor of ``advisor match --format json``.
PYDANTIC_FLOOR = """
import json, sys, tomllib
from pydantic import BaseModel, ConfigDict
class Card(BaseModel):
    model_config = ConfigDict(extra="allow")
    schema_version: int
with open(sys.argv[1], "rb") as handle:
    card = Card.model_validate(tomllib.load(handle))
print(json.dumps(card.model_dump(mode="json"), ensure_ascii=False, default=str))
"""

# The floor of ``advisor batch``: read the CSV, write one row per company.
CSV_FLOOR = """
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8") as source, open(sys.argv[2], "w", newline="", encoding="utf-8") as out:
    reader = csv.reader(source)
    writer = csv.writer(out)
    header = next(reader)
    writer.writerow([header[0], "status"])
    for row in reader:
        writer.writerow([row[0], "ok"])
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


def bench_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, TEXTUAL_ANIMATIONS="none", PYTHONPATH=str(ROOT), **extra)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode cached
    return env


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


def marks(argv: list[str], env: dict[str, str]) -> dict[str, float]:
    """Seconds from starting ``argv`` to each word it writes on its stdout (PAINTED, LOADED)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    seen: dict[str, float] = {}
    assert proc.stdout is not None
    for line in proc.stdout:
        seen[line.decode(errors="replace").strip()] = time.perf_counter() - start
    proc.wait()
    if proc.returncode != 0 or "PAINTED" not in seen:
        raise subprocess.CalledProcessError(proc.returncode, argv)
    return seen


def ratio(xs: list[float], base: float) -> str:
    return f"{statistics.median(xs) / base:.2f}×"


# --- figures ------------------------------------------------------------------------------


def startup(repeat: int) -> None:
    env = bench_env()
    with tempfile.TemporaryDirectory() as tmp:
        floor = Path(tmp) / "floor.py"
        floor.write_text(PYDANTIC_FLOOR, encoding="utf-8")
        commands = {
            "floor": [PY, str(floor), str(EXAMPLE)],
            "json": [PY, "-m", "advisor", "match", str(EXAMPLE), "--format", "json", "--as-of", AS_OF.isoformat()],
            "table": [PY, "-m", "advisor", "match", str(EXAMPLE), "--as-of", AS_OF.isoformat()],
        }
        t = interleaved(commands, repeat, env)
    base = add("pydantic floor: import, one model, read TOML, validate, print JSON", t["floor"])
    add("advisor match --format json", t["json"], ratio(t["json"], base), "≤ 1.5×")
    add("advisor match (terminal table, loads rich)", t["table"], ratio(t["table"], base))

    apps = {"bare": [PY, "-c", BARE_APP], "advisor": [PY, "-c", ADVISOR_APP]}
    try:
        for argv in apps.values():
            marks(argv, env)  # warm
        painted: dict[str, list[float]] = {"bare": [], "advisor": []}
        loaded: list[float] = []
        for _ in range(repeat):
            for name, argv in apps.items():
                seen = marks(argv, env)
                painted[name].append(seen["PAINTED"])
                if name == "advisor":
                    if "LOADED" not in seen:
                        note("first screen: AdvisorApp", "the rule set failed to load")
                        return
                    loaded.append(seen["LOADED"])
    except subprocess.CalledProcessError as exc:
        note("first screen", f"harness failed ({exc.returncode})")
        return
    base = add("first paint: bare Textual app", painted["bare"])
    add("first paint: AdvisorApp home screen", painted["advisor"], ratio(painted["advisor"], base), "≤ 1.3×")
    add("AdvisorApp: rule set loaded and validated (behind the home screen)", loaded, ratio(loaded, base))


def matching(n_profiles: int) -> None:
    """One match, lazy (reasons on first read) next to the same match with every reason
    written first (``eager=True``, the path before issue 9), interleaved profile by profile;
    then the same match with its JSON written (every reason read), and the live panel."""
    from advisor.json_contract import assessment_json
    from advisor.profile_io import load_profile, profile_from_data
    from advisor.rulestore import load_engine
    from benchmarks.synthetic import random_profiles

    engine = load_engine()
    profiles = [load_profile(p) for p in sorted((ROOT / "examples").glob("*.toml"))]
    profiles += [profile_from_data(d) for d in random_profiles(n_profiles, seed=42)]
    for p in profiles:
        engine.match(p, AS_OF)
        engine.match(p, AS_OF, eager=True)
    xs, eager, explained, panel = [], [], [], []
    for p in profiles:
        start = time.perf_counter()
        engine.match(p, AS_OF, eager=True)
        eager.append(time.perf_counter() - start)
        start = time.perf_counter()
        engine.match(p, AS_OF)
        xs.append(time.perf_counter() - start)
        start = time.perf_counter()
        assessment_json(engine.match(p, AS_OF), engine)
        explained.append(time.perf_counter() - start)
        start = time.perf_counter()
        engine.match(p, AS_OF)
        engine.relevant_questions(p, AS_OF)
        panel.append(time.perf_counter() - start)
    n = len(engine.catalogue.measures)
    base = add(f"one match, every reason written first (before issue 9), {len(profiles)} profiles", eager)
    add(f"one match, median over {len(profiles)} profiles ({n} measures)", xs, ratio(xs, base), "≤ 0.5 ms")
    add("one match and its whole JSON object (every reason read)", explained, ratio(explained, base))
    add("live panel per answer (match + relevant questions)", panel, "", "≤ 16 ms")


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
        note(
            "scale: per-measure cost, largest vs smallest",
            f"{per[-1][1] / per[-1][0] / first:.2f}×",
            "",
            "≈ 1× (linear)",
        )


def batch_runs(sizes: list[int], throughput: int, jobs: int, repeat: int) -> None:
    from benchmarks.synthetic import random_profiles, write_csv

    env = bench_env()
    with tempfile.TemporaryDirectory() as tmp:
        floor = Path(tmp) / "csv_floor.py"
        floor.write_text(CSV_FLOOR, encoding="utf-8")
        for size in sorted(set([*sizes, throughput])):
            source = write_csv(Path(tmp) / f"in-{size}.csv", random_profiles(size, seed=size))
            out = Path(tmp) / f"out-{size}.csv"
            argv = [PY, "-m", "advisor", "batch", str(source), "--out", str(out), "--as-of", AS_OF.isoformat()]
            if jobs:
                argv += ["--jobs", str(jobs)]
            if size != throughput:
                run_cmd(argv, env)  # warm
                xs = [run_cmd(argv, env) for _ in range(2 if size >= 10_000 else 3)]
                add(
                    f"scale: advisor batch, {size:,} profile{'s' if size > 1 else ''} (wall, incl. start-up)",
                    xs,
                    f"{statistics.median(xs) / size * 1e6:.0f} µs/profile" if size > 1 else "start-up",
                )
                continue
            t = interleaved(
                {
                    "floor": [PY, str(floor), str(source), str(Path(tmp) / "floor-out.csv")],
                    "batch": argv,
                    "long": [*argv, "--format", "long"],
                },
                repeat,
                env,
            )
            base = add(f"batch floor: read the CSV, write one row per company ({size:,})", t["floor"])
            med = add(
                f"advisor batch, {size:,} profiles, {jobs or os.cpu_count()} processes (wall, default: one row per company)",
                t["batch"],
                ratio(t["batch"], base),
                "≤ 4×",
            )
            add(
                f"advisor batch --format long (company × measure rows), {size:,} profiles",
                t["long"],
                ratio(t["long"], base),
            )
            rate = size / med
            note(
                f"batch throughput, {size:,} profiles",
                f"{rate:,.0f} profiles/s",
                f"floor {size / base:,.0f}/s",
                "≥ 20,000/s",
            )


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

    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPU, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.2f} at start",
        flush=True,
    )
    if "startup" in only:
        startup(5 if args.quick else 15)
    if "match" in only:
        matching(50 if args.quick else 300)
    if "scale" in only:
        scale_catalogue([100, 1_000, 10_000], 5 if args.quick else 20)
    if "batch" in only:
        # throughput on a register-sized input (a district's register runs to tens of thousands)
        batch_runs([1, 100, 1_000, 10_000], 20_000 if args.quick else 100_000, args.jobs, 3 if args.quick else 5)
    print_table()
    print(f"load average {os.getloadavg()[0]:.2f} at end (other work on the machine inflates every figure)")


if __name__ == "__main__":
    main()
