"""Where the app keeps its data: autosaved consultations and recent files.

Every answer is autosaved atomically to the user's data folder, one file per
consultation, so several consultations can be in progress and a killed
terminal loses nothing. ``ADVISOR_DATA_DIR`` overrides the folder (tests).

One consultation has one autosave: a small ``<id>.json`` beside it records the
profile file it came from (so opening that file again continues the same
autosave) and the section the person was in (so resuming returns there). A
``<id>.lock`` holding the process id tells a second app instance that the
consultation is open elsewhere; a lock left by a killed process is taken over.
Temporary files left by a killed save are removed on the next start.
Without a home folder (``HOME`` unset and no passwd entry) there is no data folder:
the app runs without autosave or recent files and says so (``unavailable_reason``).
A damaged file in the autosave folder is listed as damaged, never stops a start.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import re
import secrets
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from advisor.errors import FileProblem, NoDataFolder, OpenElsewhere, ProfileError
from advisor.files import NAME_MAX_BYTES, atomic_write_text, cut_to_bytes, os_error_text, read_text_bounded, temp_prefix
from advisor.profile import Profile
from advisor.profile_io import dump_profile, load_profile
from advisor.terminal_text import is_clean, printable

APP_DIR_NAME = "policy-advisor"
MAX_RECENT = 10
#: The small JSON files beside the autosaves (record, lock, recent list) are a few hundred
#: bytes; a larger one is damaged or not ours, and is treated as absent, never read whole.
MAX_RECORD_BYTES = 64 * 1024


def home() -> Path | None:
    """The home folder, or None when it cannot be known (``HOME`` unset, no passwd entry)."""
    try:
        found = Path.home()
    except (RuntimeError, KeyError, OSError):
        return None
    return found if str(found) not in ("", ".") else None


def data_dir() -> Path:
    """The per-user data folder: XDG on Linux, the platform's folder elsewhere.

    Raises NoDataFolder when there is no home folder and no explicit folder.
    """
    override = os.environ.get("ADVISOR_DATA_DIR")
    if override:
        return Path(override)
    explicit = os.environ.get("APPDATA" if sys.platform == "win32" else "XDG_DATA_HOME")
    if explicit and sys.platform != "darwin" and Path(explicit).is_absolute():
        return Path(explicit) / APP_DIR_NAME
    base = home()
    if base is None:
        raise NoDataFolder(_NO_HOME)
    if sys.platform == "win32":
        return base / "AppData" / "Roaming" / APP_DIR_NAME
    if sys.platform == "darwin":
        return base / "Library" / "Application Support" / APP_DIR_NAME
    return base / ".local" / "share" / APP_DIR_NAME


_NO_HOME = "无法确定用户主目录（HOME 未设置，系统中也没有当前用户的记录），本次不会自动保存，也不记录最近的画像；请用 Ctrl+S 手动保存画像。"


def unavailable_reason() -> str | None:
    """Why autosave and recent files are off this time, or None when they work."""
    try:
        data_dir()
    except NoDataFolder as exc:
        return str(exc)
    return None


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


def autosave(
    profile: Profile, consultation_id: str, *, source: Path | None = None, section: str | None = None
) -> Path | None:
    """Write the consultation's current answers atomically; return the file
    (None when there is no data folder: autosave is off, as the app has said).

    ``source`` (the profile file it belongs to) and ``section`` (where the person
    is) go to the consultation's small ``.json`` record, written after the answers.
    """
    try:
        path = autosave_path(consultation_id)
    except NoDataFolder:
        return None
    atomic_write_text(path, dump_profile(profile))
    record = {"source": str(source.resolve()) if source is not None else None, "section": section}
    atomic_write_text(_record_path(consultation_id), json.dumps(record, ensure_ascii=False))
    return path


def discard(consultation_id: str) -> None:
    """Forget an autosaved consultation (after it is closed on purpose)."""
    try:
        paths = (autosave_path(consultation_id), _record_path(consultation_id))
    except NoDataFolder:
        return
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


# --- one autosave per consultation -------------------------------------------------------


def _record_path(consultation_id: str) -> Path:
    return autosave_path(consultation_id).with_suffix(".json")


@dataclass(frozen=True)
class AutosaveRecord:
    """What an autosave remembers beside the answers."""

    source: Path | None
    section: str | None


def autosave_record(consultation_id: str) -> AutosaveRecord:
    """The consultation's source file and last section (empty if unknown or unreadable)."""
    try:
        data = json.loads(read_text_bounded(_record_path(consultation_id), MAX_RECORD_BYTES))
    except (OSError, ValueError, FileProblem):
        return AutosaveRecord(None, None)
    if not isinstance(data, dict):
        return AutosaveRecord(None, None)
    source, section = data.get("source"), data.get("section")
    return AutosaveRecord(
        Path(source) if isinstance(source, str) and source else None, section if isinstance(section, str) else None
    )


def autosave_for(profile_file: Path) -> str | None:
    """The unfinished consultation that belongs to this profile file, if any (newest first)."""
    try:
        wanted = profile_file.resolve()
    except OSError:
        return None
    for unfinished in list_unfinished():
        if autosave_record(unfinished.consultation_id).source == wanted:
            return unfinished.consultation_id
    return None


# --- who has a consultation open -----------------------------------------------------------


def _lock_path(consultation_id: str) -> Path:
    return autosave_path(consultation_id).with_suffix(".lock")


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if sys.platform == "win32":  # os.kill would send a signal there; assume it runs
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def lock_holder(consultation_id: str) -> tuple[int, str] | None:
    """(pid, host) of a live process holding the consultation, or None (no lock or a stale one)."""
    try:
        path = _lock_path(consultation_id)
    except NoDataFolder:
        return None
    try:
        text = read_text_bounded(path, MAX_RECORD_BYTES)
    except FileProblem as problem:
        if problem.kind == "missing":
            return None
        text = ""  # unreadable or oversized: judged like a half-written lock
    try:
        data = json.loads(text)
        pid, host = int(data["pid"]), str(data["host"])
    except (ValueError, KeyError, TypeError):
        # half-written: by a process starting right now (respected a few seconds) or by a killed one
        try:
            young = time.time() - path.stat().st_mtime < 5
        except OSError:
            return None
        return (0, socket.gethostname()) if young else None
    if host == socket.gethostname() and not _process_alive(pid):
        return None
    return pid, host


def acquire_lock(consultation_id: str) -> None:
    """Mark the consultation as open in this process; a stale lock is taken over.

    Raises OpenElsewhere when another live process holds it. Without a data folder
    there is no autosave to protect, so there is nothing to lock.
    """
    try:
        path = _lock_path(consultation_id)
    except NoDataFolder:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    mine = json.dumps({"pid": os.getpid(), "host": socket.gethostname()})
    for _ in range(2):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            holder = lock_holder(consultation_id)
            if holder is not None:
                if holder == (os.getpid(), socket.gethostname()):
                    return
                raise OpenElsewhere(*holder) from None
            try:
                path.unlink()  # stale: its process is gone
            except FileNotFoundError:
                pass
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(mine)
        return
    holder = lock_holder(consultation_id)
    raise OpenElsewhere(*(holder or (0, socket.gethostname())))


def release_lock(consultation_id: str) -> None:
    """Give the consultation up, if this process holds it."""
    if lock_holder(consultation_id) == (os.getpid(), socket.gethostname()):
        with contextlib.suppress(OSError):
            _lock_path(consultation_id).unlink()


ORPHAN_AGE_SECONDS = 60


def clean_orphans() -> list[Path]:
    """Remove temporary files left by saves that were killed, and stale locks.

    An autosave's temporary file is left alone while a live process holds that
    consultation (it may be writing it right now); other temporary files in the
    data folder only once they are a minute old.
    """
    removed: list[Path] = []
    now = time.time()
    try:
        folders = (autosave_dir(), data_dir())
    except NoDataFolder:
        return removed
    for folder in folders:
        try:
            candidates = list(folder.glob(".*.tmp"))
        except OSError:
            continue
        for path in candidates:
            stem = path.name[1:].split(".", 1)[0]
            try:
                if _ID_PATTERN.match(stem) and folder == autosave_dir():
                    if lock_holder(stem) is not None:
                        continue
                elif now - path.stat().st_mtime < ORPHAN_AGE_SECONDS:
                    continue
                path.unlink()
                removed.append(path)
            except OSError:
                continue
    try:
        locks = list(autosave_dir().glob("*.lock"))
    except OSError:
        locks = []
    for path in locks:
        if _ID_PATTERN.match(path.stem) and lock_holder(path.stem) is None:
            try:
                path.unlink()
                removed.append(path)
            except OSError:
                pass
    return removed


@dataclass(frozen=True)
class Damaged:
    """A file in the autosave folder that cannot be resumed, and why (Chinese, printable)."""

    path: Path
    reason: str

    @property
    def label(self) -> str:
        """The file name as it may be shown on a terminal."""
        return printable(self.path.name)


def scan_autosaves() -> tuple[list[Unfinished], list[Damaged]]:
    """Autosaved consultations (newest first) and the damaged files beside them.

    Nothing in the folder can stop this: an unreadable, oddly named, huge, binary or
    hostile file is listed as damaged with its reason, never raised.
    """
    try:
        folder = autosave_dir()
        if not folder.is_dir():
            return [], []
        paths = sorted(folder.glob("*.toml"))
    except (OSError, ValueError):
        return [], []
    found: list[Unfinished] = []
    damaged: list[Damaged] = []
    for path in paths:
        if not _ID_PATTERN.match(path.stem):
            damaged.append(Damaged(path, "文件名不是本软件自动保存的格式"))
            continue
        try:
            profile = load_profile(path)
            saved = _dt.datetime.fromtimestamp(path.stat().st_mtime)
        except ProfileError as exc:  # the message starts with the file name, shown beside it already
            damaged.append(Damaged(path, str(exc).removeprefix(f"{printable(path.name)}：")))
            continue
        except OSError as exc:
            damaged.append(Damaged(path, f"无法读取：{os_error_text(exc)}"))
            continue
        except (ValueError, OverflowError, RecursionError, TypeError):
            damaged.append(Damaged(path, "内容无法读取"))
            continue
        found.append(Unfinished(path.stem, path, profile.identity.name or "（未填写单位名称）", saved))
    return sorted(found, key=lambda u: u.saved_at, reverse=True), damaged


def list_unfinished() -> list[Unfinished]:
    """Autosaved consultations, newest first. Damaged files are left out (see ``scan_autosaves``)."""
    return scan_autosaves()[0]


DAMAGED_FOLDER = "damaged"


def move_aside(path: Path) -> Path:
    """Move a damaged autosave file into ``autosave/damaged/`` (kept, never deleted); return where."""
    target_dir = autosave_dir() / DAMAGED_FOLDER
    target_dir.mkdir(parents=True, exist_ok=True)
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    name = cut_to_bytes(path.name, NAME_MAX_BYTES - len(stamp) - 1 - len(".damaged")) + f".{stamp}.damaged"
    target = target_dir / name
    os.replace(path, target)
    return target


def load_unfinished(consultation_id: str) -> Profile:
    return load_profile(autosave_path(consultation_id))


# --- recent files ---------------------------------------------------------------------------


def _recent_file() -> Path:
    return data_dir() / "recent.json"  # NoDataFolder is an OSError: callers treat it as no list


def recent_profiles() -> list[Path]:
    """Recently opened or saved profile files that still exist, newest first."""
    try:
        entries = json.loads(read_text_bounded(_recent_file(), MAX_RECORD_BYTES))
    except (OSError, ValueError, FileProblem):
        return []
    if not isinstance(entries, list):
        return []
    return [Path(e) for e in entries if isinstance(e, str) and Path(e).is_file()][:MAX_RECENT]


def remember_profile(path: Path) -> None:
    try:
        entries = [str(path.resolve())] + [str(p) for p in recent_profiles() if p.resolve() != path.resolve()]
        atomic_write_text(_recent_file(), json.dumps(entries[:MAX_RECENT], ensure_ascii=False, indent=1))
    except OSError:
        pass  # a recent-files list is a convenience, never worth an error


# --- export names -------------------------------------------------------------------------

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def suggested_folder() -> Path:
    """Documents if it exists, else the home folder (the working folder without one)."""
    base = home()
    candidates = (base / "Documents", base / "文档", base) if base is not None else ()
    for candidate in candidates:
        try:
            if candidate.is_dir():
                return candidate
        except OSError:
            continue
    try:
        return Path.cwd()
    except OSError:
        return Path("/")


def suggested_filename(company: str | None, suffix: str, *, today: _dt.date | None = None) -> str:
    """A file name from the company name (Chinese kept): 光明智算科技-政策匹配-2026-11-21.html.

    Control, bidi and path characters are dropped, and the name is shortened so that it
    and its temporary twin (``temp_prefix``) fit in 255 bytes.
    """
    cleaned = "".join(ch for ch in _UNSAFE.sub("", (company or "").strip()) if is_clean(ch))
    date = (today or _dt.date.today()).isoformat()
    kind = "画像" if suffix == ".toml" else "政策匹配"
    tail = f"-{kind}-{date}{suffix}"
    room = NAME_MAX_BYTES - len(tail.encode()) - (len(temp_prefix("").encode()) + 12)
    stem = cut_to_bytes(cleaned[:60], room).strip(". ") or "企业画像"
    return f"{stem}{tail}"
