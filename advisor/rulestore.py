"""One validated rule set per process, loaded once.

There is deliberately no cache on disk. A parse cache (parsed TOML kept as JSON
under ``~/.cache``) was measured at about 20 ms saved per start (33 ms → 10 ms to
read the rules, of a ~500 ms command start), and a cache is a second source of
truth: a truncated, edited or wrong-typed cache file could change a figure while
``advisor rules check`` (which reads the files) passes. Every process therefore
reads and validates exactly the files ``rules check`` validates; no cache path,
environment variable or file in the home folder can change a result.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from advisor.catalogue import Catalogue, load_catalogue
from advisor.engine import Engine


def load_rules(root: Path | None = None) -> Catalogue:
    """The validated catalogue in ``root`` (default: the bundled rules), read from the files."""
    return load_catalogue(root)


@lru_cache(maxsize=4)
def load_engine(root: Path | None = None) -> Engine:
    """The engine over the rules in ``root`` (default: the bundled rules)."""
    return Engine(load_rules(root))
