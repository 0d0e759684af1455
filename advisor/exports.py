"""Writing reports and profiles to files, atomically, in the formats users ask for."""

from __future__ import annotations

from pathlib import Path

from advisor import json_contract, report
from advisor.engine import Engine
from advisor.files import atomic_write_text
from advisor.profile import Profile
from advisor.profile_io import dump_profile
from advisor.results import Assessment

FORMATS = {".md": "markdown", ".html": "html", ".json": "json", ".toml": "profile"}


def render(kind: str, assessment: Assessment, engine: Engine, profile: Profile) -> str:
    if kind == "markdown":
        return report.to_markdown(assessment, engine, profile)
    if kind == "html":
        return report.to_html(assessment, engine, profile)
    if kind == "json":
        return json_contract.document_text(assessment, engine, profile) + "\n"
    if kind == "profile":
        return dump_profile(profile)
    raise ValueError(f"unknown export kind: {kind}")


def export(path: Path, kind: str, assessment: Assessment, engine: Engine, profile: Profile) -> Path:
    """Render and write atomically; the old file stays intact if anything fails."""
    atomic_write_text(path, render(kind, assessment, engine, profile))
    return path
