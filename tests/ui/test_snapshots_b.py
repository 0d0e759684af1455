"""Snapshots of the results screens at 100×34: the ranked table with totals,
a measure's detail, the near misses, the materials checklist and the export
dialog. Fixed as-of date; tests/ui/conftest.py gives private data and home
folders and turns animations off."""

from __future__ import annotations

from pathlib import Path

from screens.app import AdvisorApp
from screens.results import ResultsScreen

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SIZE = (100, 34)


def open_results(app: AdvisorApp):
    async def run_before(pilot) -> None:
        await app.push_screen(ResultsScreen())
        await pilot.pause()

    return run_before


def test_results_screen(snap_compare, make_app) -> None:
    app = make_app(example="guangming-ai-company.toml")
    assert snap_compare(app, terminal_size=SIZE, run_before=open_results(app))


def test_results_filtered_and_sorted_by_amount(snap_compare, make_app) -> None:
    app = make_app(example="guangming-ai-company.toml")
    assert snap_compare(app, press=["3", "s"], terminal_size=SIZE, run_before=open_results(app))


def test_measure_detail(snap_compare, make_app) -> None:
    app = make_app(example="guangming-ai-company.toml")

    async def run_before(pilot) -> None:
        await open_results(app)(pilot)
        app.screen.open_detail("gm-01-1")  # type: ignore[attr-defined]
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_near_misses(snap_compare, make_app) -> None:
    app = make_app(example="guangming-ai-company.toml")
    app.profile.space.leased_area_m2 = 400
    assert snap_compare(app, press=["n"], terminal_size=SIZE, run_before=open_results(app))


def test_checklist(snap_compare, make_app) -> None:
    app = make_app(example="guangming-park-operator.toml")
    assert snap_compare(app, press=["m", "space", "down"], terminal_size=SIZE, run_before=open_results(app))


def test_export_dialog(snap_compare, make_app) -> None:
    app = make_app(example="guangming-ai-company.toml")
    assert snap_compare(app, press=["e"], terminal_size=SIZE, run_before=open_results(app))


def test_results_at_80_by_24(snap_compare, make_app) -> None:
    app = make_app(example="longgang-ai-company.toml")
    assert snap_compare(app, terminal_size=(80, 24), run_before=open_results(app))
