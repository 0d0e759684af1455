"""One validated rule set per process, loaded once."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from advisor.catalogue import load_catalogue
from advisor.engine import Engine


@lru_cache(maxsize=4)
def load_engine(root: Path | None = None) -> Engine:
    """The engine over the rules in ``root`` (default: the bundled rules)."""
    return Engine(load_catalogue(root))
