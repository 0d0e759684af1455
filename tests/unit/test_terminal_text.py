"""``printable`` and ``is_clean``, single-line and multi-line, escape exactly the characters
their docstring names: every code point of the Basic Multilingual Plane is checked against
the list written out here, and hostile mixed text against a character-by-character reference."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor.terminal_text import is_clean, printable

#: C0 but tab and newline, DEL and C1, ALM, LRM/RLM, LS/PS, bidi embeddings/overrides/isolates, BOM, surrogates.
UNSAFE = {
    *range(0x09),
    *range(0x0B, 0x20),
    *range(0x7F, 0xA0),
    0x061C,
    0x200E,
    0x200F,
    0x2028,
    0x2029,
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
    0xFEFF,
    *range(0xD800, 0xE000),
}


def _reference(text: str, multiline: bool) -> str:
    unsafe = UNSAFE if multiline else UNSAFE | {0x09, 0x0A}
    return "".join(
        (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}") if ord(c) in unsafe else c for c in text
    )


@pytest.mark.parametrize("multiline", [False, True])
def test_every_bmp_character_is_escaped_exactly_when_listed(multiline: bool) -> None:
    unsafe = UNSAFE if multiline else UNSAFE | {0x09, 0x0A}
    escaped = {cp for cp in range(0x10000) if not is_clean(chr(cp), multiline=multiline)}
    assert escaped == unsafe
    assert all((printable(chr(cp), multiline=multiline) != chr(cp)) == (cp in unsafe) for cp in range(0x10000))


@given(
    st.text(
        alphabet=st.one_of(
            st.sampled_from([chr(cp) for cp in sorted(UNSAFE)[:200]] + ["\t", "\n", "\u202e", "\ud83d", "\ufeff"]),
            st.sampled_from("光明区 [bold]A1,\"'=+"),
            st.characters(),
        ),
        max_size=40,
    ),
    st.booleans(),
)
def test_printable_matches_the_reference_on_hostile_text(text: str, multiline: bool) -> None:
    assert printable(text, multiline=multiline) == _reference(text, multiline)
    assert is_clean(text, multiline=multiline) == (_reference(text, multiline) == text)
