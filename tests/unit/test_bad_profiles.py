"""A corpus of bad profile files, each refused with one clear Chinese message.

Every case is checked twice: on the command line (``python -m advisor match
FILE`` exits 2, stderr carries the expected fragment, no traceback) and on the
app's import path (``load_profile`` raises ProfileError with the same fragment).
Text cases live in tests/corpus/profiles/ with their expected fragment in
manifest.toml; binary, huge, symlink and other-encoding cases are generated
here in a temporary folder.
"""

from __future__ import annotations

import codecs
import os
import random
import re
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from advisor.errors import ProfileError
from advisor.profile_io import MAX_PROFILE_BYTES, load_profile

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "corpus" / "profiles"
MANIFEST = tomllib.loads((CORPUS / "manifest.toml").read_text(encoding="utf-8"))
FILES: dict[str, str] = MANIFEST["files"]
GENERATED: dict[str, str] = MANIFEST["generated"]

VALID = 'schema_version = 2\n[identity]\nname = "光明科技有限公司"\n'
#: English that must never reach a user: pydantic's, tomllib's or Python's own wording.
ENGLISH = re.compile(r"Traceback|Error\b|should|Expected|Invalid|Input|Field required|errno|line \d", re.I)


# --- generated cases ---------------------------------------------------------------------


def _write(data: bytes) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        path = tmp / "profile.toml"
        path.write_bytes(data)
        return path

    return make


def _huge_sparse(tmp: Path) -> Path:
    path = tmp / "huge.toml"
    with path.open("wb") as handle:  # 50 MB without writing 50 MB: only stat may look at it
        handle.truncate(50 * 1024 * 1024)
    return path


def _just_over_limit(tmp: Path) -> Path:
    path = tmp / "big.toml"
    path.write_bytes(VALID.encode() + b"#" * (MAX_PROFILE_BYTES + 1 - len(VALID.encode())))
    return path


def _directory(tmp: Path) -> Path:
    path = tmp / "folder.toml"
    path.mkdir()
    return path


def _symlink_loop(tmp: Path) -> Path:
    a, b = tmp / "a.toml", tmp / "b.toml"
    a.symlink_to(b)
    b.symlink_to(a)
    return a


def _symlink_self(tmp: Path) -> Path:
    path = tmp / "self.toml"
    path.symlink_to(path)
    return path


def _dangling(tmp: Path) -> Path:
    path = tmp / "dangling.toml"
    path.symlink_to(tmp / "nowhere.toml")
    return path


def _fifo(tmp: Path) -> Path:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes on this platform")
    path = tmp / "pipe.toml"
    os.mkfifo(path)
    return path


_RANDOM = random.Random(20261121)

MAKERS: dict[str, Callable[[Path], Path]] = {
    "binary_random": _write(bytes(range(256)) * 8),
    "binary_high_bytes": _write(bytes(_RANDOM.randrange(0x80, 0x100) for _ in range(4096))),
    "nul_bytes": _write(b"schema_version = 2\n\x00\x00\x00name = 1\n"),
    "utf16_le_bom": _write(VALID.encode("utf-16")),
    "utf16_be_bom": _write(codecs.BOM_UTF16_BE + VALID.encode("utf-16-be")),
    "utf16_le_no_bom": _write(VALID.encode("utf-16-le")),
    "gbk": _write(VALID.encode("gbk")),
    "latin1": _write('schema_version = 2\n[identity]\nname = "Café Müller"\n'.encode("latin-1")),
    "utf8_bom_with_error": _write(codecs.BOM_UTF8 + b'schema_version = 2\n[identity]\nname "x"\n'),
    "huge_sparse": _huge_sparse,
    "just_over_limit": _just_over_limit,
    "directory": _directory,
    "missing": lambda tmp: tmp / "no-such-profile.toml",
    "symlink_loop": _symlink_loop,
    "symlink_self": _symlink_self,
    "dangling_symlink": _dangling,
    "fifo": _fifo,
}


def test_manifest_is_complete() -> None:
    on_disk = {p.name for p in CORPUS.glob("*.toml")} - {"manifest.toml"}
    assert on_disk == set(FILES), "every corpus file needs an expected message, and every entry a file"
    assert set(GENERATED) == set(MAKERS)
    assert len(FILES) + len(GENERATED) >= 40


def _cases() -> list[tuple[str, str]]:
    return [(f"file:{name}", expect) for name, expect in sorted(FILES.items())] + [
        (f"gen:{name}", expect) for name, expect in sorted(GENERATED.items())
    ]


def _path(case: str, tmp_path: Path) -> Path:
    kind, _, name = case.partition(":")
    return CORPUS / name if kind == "file" else MAKERS[name](tmp_path)


def _check_message(message: str, expect: str) -> None:
    assert expect in message
    assert not ENGLISH.search(message), message
    assert "\x1b" not in message and "\x00" not in message, "control characters are shown escaped"
    assert "\n" not in message.strip(), "one paragraph"


@pytest.mark.parametrize(("case", "expect"), _cases(), ids=[c for c, _ in _cases()])
def test_load_profile_refuses(case: str, expect: str, tmp_path: Path) -> None:
    path = _path(case, tmp_path)
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    _check_message(str(info.value), expect)


@pytest.mark.parametrize(("case", "expect"), _cases(), ids=[c for c, _ in _cases()])
def test_command_line_refuses(case: str, expect: str, tmp_path: Path) -> None:
    path = _path(case, tmp_path)
    run = subprocess.run(
        [sys.executable, "-m", "advisor", "match", str(path)],
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    stderr = run.stderr.decode("utf-8")
    assert run.returncode == 2, stderr
    assert run.stdout == b""
    assert stderr.startswith("无法读取画像：")
    _check_message(stderr, expect)


def test_huge_file_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above the limit the size alone decides: the file is never opened."""
    path = _huge_sparse(tmp_path)
    opened: list[object] = []
    real_open = Path.open

    def spy(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        opened.append(self)
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", spy)
    with pytest.raises(ProfileError, match=r"文件过大（50\.0 MB）"):
        load_profile(path)
    assert opened == []


def test_utf8_bom_is_accepted() -> None:
    """A UTF-8 byte-order mark (Windows Notepad) is harmless and skipped."""
    from advisor.profile_io import decode_profile_bytes, parse_profile

    text = decode_profile_bytes(codecs.BOM_UTF8 + VALID.encode())
    assert parse_profile(text).identity.name == "光明科技有限公司"


def test_old_schema_is_migrated_not_refused(tmp_path: Path) -> None:
    path = tmp_path / "v1.toml"
    path.write_text(
        'schema_version = 1\n[identity]\nname = "旧版"\ncity = "深圳市"\ndistrict = "光明区"\n', encoding="utf-8"
    )
    profile = load_profile(path)
    assert profile.schema_version == 2
    assert profile.identity.registered_city == profile.identity.tax_city == profile.identity.stats_city == "深圳市"
    assert profile.identity.stats_district == "光明区"
    run = subprocess.run(
        [sys.executable, "-m", "advisor", "match", str(path), "--format", "json"],
        capture_output=True,
        cwd=ROOT,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr.decode()
