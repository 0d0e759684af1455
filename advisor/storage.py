"""Where the app keeps its data: autosaved consultations and recent files.

Every answer is autosaved atomically to the user's data folder, one file per
consultation, so several consultations can be in progress and a killed
terminal loses nothing. ``ADVISOR_DATA_DIR`` overrides the folder (tests).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

from advisor.profile import Profile
from advisor.profile_io import ProfileError, atomic_write_text, dump_profile, load_profile

APP_DIR_NAME = "policy-advisor"
MAX_RECENT = 10


def data_dir() -> Path:
    """The per-user data folder: XDG on Linux, the platform's folder elsewhere."""
    override = os.environ.get("ADVISOR_DATA_DIR")
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / APP_DIR_NAME


def autosave_dir() -> Path:
    return data_dir() / "autosave"


@dataclass(frozen=True)
class Unfinished:
    """An autosaved consultation that was not closed."""

    consultation_id: str
    path: Path
    company: str
    saved_at: _dt.datetime


def new_consultation_id() -> str:
    """Unique and sortable: time of creation plus a random suffix."""
    return _dt.datetime.now().strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3)


_ID_PATTERN = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$")


def autosave_path(consultation_id: str) -> Path:
    if not _ID_PATTERN.match(consultation_id):
        raise ValueError(f"invalid consultation id: {consultation_id!r}")
    return autosave_dir() / f"{consultation_id}.toml"


def autosave(profile: Profile, consultation_id: str) -> Path:
    """Write the consultation's current answers atomically; return the file."""
    path = autosave_path(consultation_id)
    atomic_write_text(path, dump_profile(profile))
    return path


def discard(consultation_id: str) -> None:
    """Forget an autosaved consultation (after it is closed on purpose)."""
    try:
        autosave_path(consultation_id).unlink()
    except FileNotFoundError:
        pass


def list_unfinished() -> list[Unfinished]:
    """Autosaved consultations, newest first. Unreadable files are skipped."""
    folder = autosave_dir()
    if not folder.is_dir():
        return []
    found: list[Unfinished] = []
    for path in folder.glob("*.toml"):
        if not _ID_PATTERN.match(path.stem):
            continue
        try:
            profile = load_profile(path)
            saved = _dt.datetime.fromtimestamp(path.stat().st_mtime)
        except (ProfileError, OSError):
            continue
        found.append(Unfinished(path.stem, path, profile.identity.name or "（未填写单位名称）", saved))
    return sorted(found, key=lambda u: u.saved_at, reverse=True)


def load_unfinished(consultation_id: str) -> Profile:
    return load_profile(autosave_path(consultation_id))


# --- recent files ---------------------------------------------------------------------------


def _recent_file() -> Path:
    return data_dir() / "recent.json"


def recent_profiles() -> list[Path]:
    """Recently opened or saved profile files that still exist, newest first."""
    try:
        entries = json.loads(_recent_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(entries, list):
        return []
    return [Path(e) for e in entries if isinstance(e, str) and Path(e).is_file()][:MAX_RECENT]


def remember_profile(path: Path) -> None:
    entries = [str(path.resolve())] + [str(p) for p in recent_profiles() if p.resolve() != path.resolve()]
    try:
        atomic_write_text(_recent_file(), json.dumps(entries[:MAX_RECENT], ensure_ascii=False, indent=1))
    except OSError:
        pass  # a recent-files list is a convenience, never worth an error


# --- export names -------------------------------------------------------------------------

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def suggested_folder() -> Path:
    """Documents if it exists, else the home folder."""
    for candidate in (Path.home() / "Documents", Path.home() / "文档", Path.home()):
        if candidate.is_dir():
            return candidate
    return Path.cwd()


def suggested_filename(company: str | None, suffix: str, *, today: _dt.date | None = None) -> str:
    """A file name from the company name (Chinese kept): 光明智算科技-政策匹配-2026-11-21.html."""
    stem = _UNSAFE.sub("", (company or "").strip()).strip(". ")[:60] or "企业画像"
    date = (today or _dt.date.today()).isoformat()
    kind = "画像" if suffix == ".toml" else "政策匹配"
    return f"{stem}-{kind}-{date}{suffix}"
