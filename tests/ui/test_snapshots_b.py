"""Snapshots of the results screens at 100×34: the ranked table with totals,
a measure's detail, the near misses, the materials checklist and the export
dialog. Fixed as-of date; tests/ui/conftest.py gives private data and home
folders and turns animations off."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from advisor.profile_io import load_profile
from screens.app import AdvisorApp
from screens.results import ResultsScreen

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
AS_OF = dt.date(2026, 11, 21)
SIZE = (100, 34)


def results_app(engine, example: str = "guangming-ai-company.toml") -> AdvisorApp:
    app = AdvisorApp(engine, as_of=AS_OF)
    app.profile = load_profile(EXAMPLES / example)
    return app


def open_results(app: AdvisorApp):
    async def run_before(pilot) -> None:
        await app.push_screen(ResultsScreen())
        await pilot.pause()

    return run_before


def test_results_screen(snap_compare, engine) -> None:
    app = results_app(engine)
    assert snap_compare(app, terminal_size=SIZE, run_before=open_results(app))


def test_results_filtered_and_sorted_by_amount(snap_compare, engine) -> None:
    app = results_app(engine)
    assert snap_compare(app, press=["3", "s"], terminal_size=SIZE, run_before=open_results(app))


def test_measure_detail(snap_compare, engine) -> None:
    app = results_app(engine)

    async def run_before(pilot) -> None:
        await open_results(app)(pilot)
        app.screen.open_detail("gm-01-1")  # type: ignore[attr-defined]
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_near_misses(snap_compare, engine) -> None:
    app = results_app(engine)
    app.profile.space.leased_area_m2 = 400
    assert snap_compare(app, press=["n"], terminal_size=SIZE, run_before=open_results(app))


def test_checklist(snap_compare, engine) -> None:
    app = results_app(engine, "guangming-park-operator.toml")
    assert snap_compare(app, press=["m", "space", "down"], terminal_size=SIZE, run_before=open_results(app))


def test_export_dialog(snap_compare, engine) -> None:
    app = results_app(engine)
    assert snap_compare(app, press=["e"], terminal_size=SIZE, run_before=open_results(app))


def test_results_at_80_by_24(snap_compare, engine) -> None:
    app = results_app(engine, "longgang-ai-company.toml")
    assert snap_compare(app, terminal_size=(80, 24), run_before=open_results(app))
