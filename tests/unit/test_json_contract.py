"""The JSON written by ``advisor match --format json`` is the shape the README documents.

The README's "JSON 输出" section is the integration contract; every key the program writes
(document, result, amount, reason, totals, checklist) must be named there, and every key named
there must be written, so neither can drift from the other.
"""

from __future__ import annotations

import json
import re
import tomllib
from decimal import Decimal
from pathlib import Path

from advisor.json_contract import document_text
from advisor.profile_io import profile_from_data

ROOT = Path(__file__).resolve().parents[2]


def readme_contract() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## JSON 输出")
    return text[start : text.index("\n## ", start + 1)]


def named_keys(section: str) -> set[str]:
    return set(re.findall(r"`([a-z_]+)`", section))


def test_every_written_key_is_documented_and_every_documented_key_written(engine, as_of) -> None:
    data = tomllib.loads(
        (ROOT / "examples" / "guangming-ai-company.toml").read_text(encoding="utf-8"), parse_float=Decimal
    )
    profile = profile_from_data(data)
    document = json.loads(document_text(engine.match(profile, as_of), engine, profile))
    written: set[str] = set(document)
    for result in document["results"]:
        written |= set(result) | set(result["amount"]) | set(result["source"]) | set(result["validity"])
        for reason in result["reasons"]:
            written |= set(reason)
        for group in result["groups"]:
            written |= set(group)
        if result["near_miss"]:
            written |= set(result["near_miss"])
    written |= set(document["totals"]) | set(document["totals"]["eligible"])
    for item in document["checklist"]:
        written |= set(item)
    documented = named_keys(readme_contract())
    # Keys of nested objects the README describes in prose rather than by name.
    implicit = {"question", "label", "id", "name", "state", "warnings", "fact", "condition", "count", "reason"}
    assert written - documented - implicit == set(), "written but not in the README"
    statuses_and_kinds = {k for k in documented if k not in written}
    values = {
        "eligible", "possible", "ineligible", "met", "failed", "unknown", "exact", "up_to", "range",
        "unquantified", "case_by_case", "not_published", "non_monetary", "tax", "gap", "suggestion", "null",
    }  # fmt: skip
    assert statuses_and_kinds - values == set(), "named in the README but never written"
