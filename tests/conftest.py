"""Shared fixtures: the bundled rule set and a fixed as-of date."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

AS_OF = dt.date(2026, 11, 21)


@pytest.fixture(scope="session")
def engine():
    from advisor.rulestore import load_engine

    return load_engine()


@pytest.fixture
def as_of() -> dt.date:
    return AS_OF
