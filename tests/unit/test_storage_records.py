"""The small JSON files beside the autosaves are read bounded: an oversized or binary one is
treated as absent (never read whole, never an error)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from advisor import storage


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ADVISOR_DATA_DIR", str(tmp_path))
    return tmp_path


def test_an_oversized_recent_list_is_treated_as_empty(data_dir: Path) -> None:
    profile = data_dir / "画像.toml"
    profile.write_text("schema_version = 2\n", encoding="utf-8")
    (data_dir / "recent.json").write_text(json.dumps([str(profile)] * 10_000), encoding="utf-8")
    assert (data_dir / "recent.json").stat().st_size > storage.MAX_RECORD_BYTES
    assert storage.recent_profiles() == []
    storage.remember_profile(profile)  # and a new list replaces it
    assert storage.recent_profiles() == [profile.resolve()]


def test_a_binary_or_oversized_record_gives_no_source_or_section(data_dir: Path) -> None:
    cid = storage.new_consultation_id()
    record = storage.autosave_path(cid).with_suffix(".json")
    record.parent.mkdir(parents=True)
    record.write_bytes(b"\x00\xff" * 10)
    assert storage.autosave_record(cid) == storage.AutosaveRecord(None, None)
    record.write_text(json.dumps({"source": None, "section": "x" * storage.MAX_RECORD_BYTES}), encoding="utf-8")
    assert storage.autosave_record(cid) == storage.AutosaveRecord(None, None)


def test_an_old_oversized_lock_is_stale_and_a_missing_one_is_free(data_dir: Path) -> None:
    cid = storage.new_consultation_id()
    assert storage.lock_holder(cid) is None
    lock = storage.autosave_path(cid).with_suffix(".lock")
    lock.parent.mkdir(parents=True)
    lock.write_text(json.dumps({"pid": os.getpid(), "host": "x" * storage.MAX_RECORD_BYTES}), encoding="utf-8")
    os.utime(lock, (1, 1))  # written long ago
    assert storage.lock_holder(cid) is None
    storage.acquire_lock(cid)  # taken over
    assert storage.lock_holder(cid) is not None
    storage.release_lock(cid)
