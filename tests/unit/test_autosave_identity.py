"""One consultation, one autosave: its record, the lock, and cleaning up after killed saves."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from advisor import errors, storage
from advisor.profile import Profile


@pytest.fixture(autouse=True)
def data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_the_record_names_the_source_file_and_section(tmp_path: Path) -> None:
    source = tmp_path / "画像.toml"
    source.write_text("schema_version = 2\n", encoding="utf-8")
    cid = storage.new_consultation_id()
    storage.autosave(Profile(), cid, source=source, section="space")
    assert storage.autosave_record(cid) == storage.AutosaveRecord(source.resolve(), "space")
    assert storage.autosave_for(source) == cid
    assert storage.autosave_for(tmp_path / "other.toml") is None
    storage.discard(cid)
    assert storage.autosave_for(source) is None and not list(storage.autosave_dir().glob("*"))


def test_a_live_lock_is_respected_and_a_stale_one_taken_over() -> None:
    cid = storage.new_consultation_id()
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lock = storage.autosave_dir() / f"{cid}.lock"
        lock.parent.mkdir(parents=True)
        lock.write_text(f'{{"pid": {other.pid}, "host": "{os.uname().nodename}"}}', encoding="utf-8")
        with pytest.raises(errors.OpenElsewhere) as raised:
            storage.acquire_lock(cid)
        assert raised.value.pid == other.pid
    finally:
        other.kill()
        other.wait()
    storage.acquire_lock(cid)  # its process is gone: stale, taken over
    assert storage.lock_holder(cid) == (os.getpid(), os.uname().nodename)
    storage.acquire_lock(cid)  # holding it already is fine
    storage.release_lock(cid)
    assert storage.lock_holder(cid) is None


def test_orphan_temp_files_of_killed_saves_are_removed(tmp_path: Path) -> None:
    cid = storage.new_consultation_id()
    storage.autosave(Profile(), cid)
    folder = storage.autosave_dir()
    orphan = folder / f".{cid}.toml.abc123.tmp"
    orphan.write_text("half a profi", encoding="utf-8")
    mine = storage.new_consultation_id()
    storage.acquire_lock(mine)
    in_flight = folder / f".{mine}.toml.def456.tmp"  # this process may be writing it right now
    in_flight.write_text("x", encoding="utf-8")
    dead_lock = folder / f"{storage.new_consultation_id()}.lock"
    dead_lock.write_text("", encoding="utf-8")
    os.utime(dead_lock, (0, 0))  # half-written long ago by a killed process
    removed = storage.clean_orphans()
    assert orphan in removed and dead_lock in removed
    assert not orphan.exists() and in_flight.exists() and storage.autosave_path(cid).exists()
    storage.release_lock(mine)
