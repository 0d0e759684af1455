"""The measure detail shows the readings and same-kind groups a figure rests on (issue 13)."""

from __future__ import annotations

from rich.console import Console

from advisor.profile_io import profile_from_data
from screens.measure_detail import interpretations_view, notes_view


def _render(renderable) -> str:
    console = Console(width=200, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def test_detail_names_interpretations_and_groups(engine, as_of) -> None:
    profile = profile_from_data(
        {
            "schema_version": 2,
            "applicant": {"kind": "enterprise"},
            "identity": {
                "registered_city": "深圳市",
                "registered_district": "光明区",
                "newly_settled": True,
                "settled_year": 2026,
            },
            "industry": {"sectors": ["software"]},
            "qualifications": {"key_software_enterprise": True, "key_software_year": 2026},
        }
    )
    result = next(r for r in engine.match(profile, as_of).results if r.measure.id == "gm-13-1")
    readings = _render(interpretations_view(result, engine))
    assert "时间词" in readings and "假定注册在光明区" in readings
    notes = _render(notes_view(result, engine))
    assert "同类组“国家鼓励的重点软件企业身份奖励”（不计入）" in notes
