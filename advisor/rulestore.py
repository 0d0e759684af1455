"""One validated rule set per process, loaded once, with a parse cache.

Reading the rules is ~90 % TOML parsing (``tomllib`` is pure Python). The cache keeps
the *parsed* data of each rule file as JSON, keyed by the SHA-256 of the file's bytes,
so a changed file is simply a miss. Everything after parsing — the pydantic models, the
quote check against the source texts, the cross-references — runs on every start, so a
broken rule set is refused exactly as without the cache. The cache is JSON (never
pickle); a cache file that is unreadable, of another format or another version of the
program is ignored and rewritten.

Location: ``$ADVISOR_CACHE_DIR``, else ``$XDG_CACHE_HOME/policy-advisor``, else
``~/.cache/policy-advisor``. ``ADVISOR_CACHE_DIR=off`` disables it.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import tempfile
import threading
import tomllib
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from advisor import __version__
from advisor import catalogue as _catalogue
from advisor.catalogue import Catalogue, load_catalogue
from advisor.engine import Engine

CACHE_FORMAT = 1
CACHE_FILE = "rules-parsed.json"
MAX_ENTRIES = 256
_LOCK = threading.Lock()


def cache_dir() -> Path | None:
    explicit = os.environ.get("ADVISOR_CACHE_DIR")
    if explicit is not None:
        return None if explicit.strip().lower() in ("", "off", "0", "none") else Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "policy-advisor"


# --- tagged JSON: exact round trip of what tomllib returns -------------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, Decimal):
        return {"$d": str(value)}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {"$t": [[k, _encode(v)] for k, v in value.items()]}
    if isinstance(value, _dt.datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, _dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, _dt.time):
        return {"$time": value.isoformat()}
    raise TypeError(f"cannot cache {type(value).__name__}")


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        (tag, body), = value.items()
        if tag == "$t":
            return {k: _decode(v) for k, v in body}
        if tag == "$d":
            return Decimal(body)
        if tag == "$dt":
            return _dt.datetime.fromisoformat(body)
        if tag == "$date":
            return _dt.date.fromisoformat(body)
        if tag == "$time":
            return _dt.time.fromisoformat(body)
        raise ValueError(tag)
    return value


class ParseCache:
    """Parsed TOML by content hash, read once and written back when it grew."""

    def __init__(self, directory: Path | None):
        self.path = directory / CACHE_FILE if directory else None
        self.entries: dict[str, Any] = {}
        self.used: set[str] = set()
        self.dirty = False
        if self.path is None:
            return
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
            if stored.get("format") == CACHE_FORMAT and stored.get("version") == __version__ \
                    and isinstance(stored.get("entries"), dict):
                self.entries = stored["entries"]
        except (OSError, ValueError, AttributeError):
            self.entries = {}

    def read(self, path: Path, root: Path, problems: list[str]) -> dict[str, Any] | None:
        """Same contract as ``catalogue._read_toml``; any failure goes to the original for its message."""
        try:
            raw = path.read_bytes()
        except OSError:
            return _ORIGINAL_READ(path, root, problems)
        key = hashlib.sha256(raw).hexdigest()
        if key in self.entries:
            try:
                data = _decode(self.entries[key])
                self.used.add(key)
                return data
            except (ValueError, TypeError, KeyError, ArithmeticError):
                del self.entries[key]  # damaged entry: parse the file again
        try:
            data = tomllib.loads(raw.decode("utf-8"), parse_float=Decimal)
        except (UnicodeDecodeError, tomllib.TOMLDecodeError):
            return _ORIGINAL_READ(path, root, problems)  # the original words the error
        try:
            self.entries[key] = _encode(data)
            self.used.add(key)
            self.dirty = True
        except TypeError:
            pass
        return data

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        keep = {k: v for k, v in self.entries.items() if k in self.used}
        for k, v in self.entries.items():
            if len(keep) >= MAX_ENTRIES:
                break
            keep.setdefault(k, v)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".rules-", suffix=".tmp", dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"format": CACHE_FORMAT, "version": __version__, "entries": keep}, handle, ensure_ascii=False)
            os.replace(tmp, self.path)
        except OSError:
            pass  # a read-only home directory only costs speed


_ORIGINAL_READ = _catalogue._read_toml


def load_catalogue_cached(root: Path | None = None) -> Catalogue:
    """``load_catalogue`` with TOML parsing served from the cache; same checks, same errors."""
    cache = ParseCache(cache_dir())
    with _LOCK:
        _catalogue._read_toml = cache.read  # type: ignore[assignment]
        try:
            catalogue = load_catalogue(root)
        finally:
            _catalogue._read_toml = _ORIGINAL_READ
    cache.save()
    return catalogue


@lru_cache(maxsize=4)
def load_engine(root: Path | None = None) -> Engine:
    """The engine over the rules in ``root`` (default: the bundled rules)."""
    return Engine(load_catalogue_cached(root))
