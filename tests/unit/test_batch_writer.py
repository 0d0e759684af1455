"""The batch writer (``advisor.batch.output.BlockWriter``) writes the same bytes whichever
path it takes: codes as lists or numpy arrays, with numpy or without it, figures that fit
in int64 or not. Each is compared with a plain per-company reference written here (the
writer as it was before it worked per distinct figures), on a block with hostile names
(formula cells, commas, quotes, line breaks, CJK, ESC, bidi) and huge amounts."""

from __future__ import annotations

import random
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor.batch import output
from advisor.batch.engine_api import ELIGIBLE, INELIGIBLE, POSSIBLE, STATUS_LABEL
from advisor.batch.evaluate import NO_AMOUNT, Assessed, Frozen
from advisor.batch.output import BlockWriter, csv_cell, summary_rows, text_cell
from advisor.money import yuan_to_wan
from advisor.rulestore import load_engine
from advisor.terminal_text import printable

HOSTILE_NAMES = [
    '=HYPERLINK("http://x")',
    "+1",
    "-2",
    "@SUM(A1)",
    "  =1+1",
    "\u3000=1",
    "\t=tab",
    "带逗号,的公司",
    '引号"公司',
    "换行\n公司",
    "回车\r公司",
    "\x1b[31m红\x1b[0m",
    "\u202e反向",
    "深圳光明智算科技有限公司",
    "",
    None,
    "'已有引号",
    "a" * 300,
]


# --- the reference: the writer before it worked per distinct figures -----------------------


def ref_csv_cell(text: str) -> str:
    stripped = text.lstrip(" \u3000\n\x0b\x0c")
    if (stripped and stripped[0] in "=+-@\t\r\x00") or (text[:1] and text[:1] in "=+-@\t\r\x00"):
        text = "'" + text
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def ref_text_cell(text: str | None) -> str:
    return ref_csv_cell(printable(text)) if text else ""


def ref_wan(value: int | None) -> str:
    return "" if value is None else format(yuan_to_wan(value), "f")


def ref_num(value: int | None) -> str:
    return "" if value is None else str(value)


def ref_totals(outcomes: list[tuple[str, Any, bool]]) -> list[int]:
    sums = [0] * 6
    for status, amount, counted in outcomes:
        low = (amount[5] or 0) if counted else 0
        high = (amount[6] or 0) if counted else 0
        if status == ELIGIBLE:
            part = (1, 0, low, high, 0, 0)
        elif status == POSSIBLE:
            part = (0, 1, 0, 0, low, high)
        else:
            continue
        sums = [a + b for a, b in zip(sums, part, strict=True)]
    return sums


def ref_write(ids: list[str], companies: list[Any], block: Assessed, fmt: str) -> bytes:
    lines = []
    for number, (row, name, code) in enumerate(companies):
        outcomes = block.outcomes(number)
        prefix = f"{ref_text_cell(row)},{ref_text_cell(name)},{ref_text_cell(code)}"
        if fmt == "wide":
            e, p, e_low, e_high, p_low, p_high = ref_totals(outcomes)
            cells = [prefix, str(e), str(p), ref_wan(e_low), ref_wan(e_high), ref_wan(p_low), ref_wan(p_high)]
            for status, amount, counted in outcomes:
                cells += [STATUS_LABEL[status], ref_wan(amount[5]), ref_wan(amount[6]), "true" if counted else "false"]
            lines.append(",".join(cells) + "\r\n")
            continue
        for measure_id, (status, amount, counted) in zip(ids, outcomes, strict=True):
            kind, low, high, per_year, years, total_low, total_high, _later, result = amount
            shown = [
                kind,
                ref_num(low),
                ref_num(high),
                "true" if per_year else "false",
                str(years),
                ref_num(total_low),
                ref_num(total_high),
                ref_wan(total_low),
                ref_wan(total_high),
                result.value.display() if result.value is not None else "",
            ]
            if result.value is None:  # 不符合: no amount
                shown = [""] * len(shown)
            cells = [measure_id, status, STATUS_LABEL[status], *shown, "true" if counted else "false"]
            lines.append(prefix + "," + ",".join(ref_csv_cell(c) for c in cells) + "\r\n")
    return "".join(lines).encode("utf-8")


def ref_summary(block: Assessed) -> Counter[Any]:
    summary: Counter[Any] = Counter()
    for index, (table, codes) in enumerate(zip(block.tables, block.codes, strict=True)):
        for code in codes:
            status, amount, _ = table[code]
            summary[(index, status, "count")] += 1
            if status != INELIGIBLE and amount[6] is not None:
                summary[(index, status, "min_yuan")] += amount[5] or 0
                summary[(index, status, "max_yuan")] += amount[6]
    return summary


# --- blocks ----------------------------------------------------------------------------------


class Shown:
    """Stands for an AmountResult: the writer reads only its display text (long format)."""

    def __init__(self, text: str):
        self.text = text

    def display(self) -> str:
        return self.text


def amount(low: int | None, high: int | None, display: str = "最高500万元", kind: str = "range") -> tuple[Any, ...]:
    """An Amount tuple (evaluate.py layout)."""
    return (kind, low, high, False, 1, low, high, None, Frozen(Shown(display)))


def make_block(rng: random.Random, measures: int, companies: int, huge: bool) -> tuple[list[Any], Assessed]:
    values: list[int | None] = [None, 0, 1, 9_999, 10_000, 12_345, 5_000_000, 123_456_789, 10**12, -5, -12_345]
    if huge:
        values += [4 * 10**18, 2**63 + 5, 10**25 + 3]  # near and beyond int64; the last beyond integer-arithmetic 万元
    displays = ["最高500万元", "=1+1", "带,逗号", '引"号', "待补充数据", "\n换行"]
    tables = []
    for _ in range(measures):
        table = []
        for _ in range(rng.randint(1, 12)):
            status = rng.choice([ELIGIBLE, POSSIBLE, INELIGIBLE])
            low, high = rng.choice(values), rng.choice(values)
            if low is not None and high is not None and low > high:
                low, high = high, low
            # an amount's display text follows from its figures (AmountResult.display)
            display = displays[(abs(low or 0) + 3 * abs(high or 0)) % len(displays)]
            outcome = (status, amount(low, high, display), rng.random() < 0.6)
            if status == INELIGIBLE:  # as both evaluators give it
                outcome = (INELIGIBLE, NO_AMOUNT, False)
            table.append(outcome)
            if rng.random() < 0.3:
                table.append(outcome)  # equal figures twice, as the vectorised evaluator can give
        tables.append(table)
    codes = [[rng.randrange(len(table)) for _ in range(companies)] for table in tables]
    people = [
        (str(2 + i), HOSTILE_NAMES[i % len(HOSTILE_NAMES)], rng.choice(["91440300MA5XXXXXXX", None, "-1", "a,b"]))
        for i in range(companies)
    ]
    return people, Assessed(tables, codes)


def as_numpy(block: Assessed) -> Assessed:
    np = pytest.importorskip("numpy")
    return Assessed(block.tables, [np.asarray(c, dtype=np.int64) for c in block.codes])


def write(fmt: str, ids: list[str], companies: list[Any], block: Assessed, numpy: bool) -> tuple[Any, Counter[Any]]:
    measures = load_engine().catalogue.measures[: len(ids)]
    writer = BlockWriter(measures, fmt)
    summary: Counter[Any] = Counter()
    real = output._numpy
    output._numpy = real if numpy else (lambda: None)  # type: ignore[assignment]
    try:
        data = writer.write(companies, block, summary)
        again = writer.write(companies, block, Counter())  # the memoised cells give the same bytes
    finally:
        output._numpy = real  # type: ignore[assignment]
    if fmt != "parquet":
        assert again == data
    return data, summary


@pytest.mark.parametrize("huge", [False, True], ids=["int64", "beyond-int64"])
@pytest.mark.parametrize("fmt", ["wide", "long"])
def test_every_path_writes_the_reference_bytes(fmt: str, huge: bool) -> None:
    ids = [m.id for m in load_engine().catalogue.measures[:7]]
    companies, block = make_block(random.Random(9 + huge), len(ids), 60, huge)
    expected = ref_write(ids, companies, block, fmt)
    summary = ref_summary(block)
    found = {
        "pure": write(fmt, ids, companies, block, numpy=False),
        "numpy, list codes": write(fmt, ids, companies, block, numpy=True),
        "numpy, array codes": write(fmt, ids, companies, as_numpy(block), numpy=True),
        "pure, array codes": write(fmt, ids, companies, as_numpy(block), numpy=False),
    }
    for path, (data, counted) in found.items():
        assert data == expected, path
        assert +counted == +summary, path
    measures = load_engine().catalogue.measures[: len(ids)]
    assert summary_rows(measures, found["pure"][1]) == summary_rows(measures, summary)
    assert b"\x1b" not in expected and b"\n=" not in expected and b",=" not in expected


def test_a_block_of_no_companies_counts_nothing_and_writes_nothing() -> None:
    ids = [m.id for m in load_engine().catalogue.measures[:3]]
    empty = Assessed([[] for _ in ids], [[] for _ in ids])
    for numpy in (False, True):
        assert write("wide", ids, [], empty, numpy) == (b"", Counter())
        assert write("long", ids, [], empty, numpy) == (b"", Counter())


def test_parquet_columns_are_the_same_on_every_path() -> None:
    pa = pytest.importorskip("pyarrow")
    ids = [m.id for m in load_engine().catalogue.measures[:5]]
    companies, block = make_block(random.Random(3), len(ids), 40, huge=False)
    tables: list[Any] = []
    for numpy, assessed in ((False, block), (True, block), (True, as_numpy(block))):
        columns, _ = write("parquet", ids, companies, assessed, numpy)
        tables.append(pa.table(columns))
    assert tables[0].equals(tables[1]) and tables[0].equals(tables[2])
    first = tables[0].to_pylist()[0]
    status, amount_, counted = block.outcomes(0)[0]
    assert first["row"] == companies[0][0] and first["company"] == companies[0][1]
    assert (first[f"{ids[0]}.status"], first[f"{ids[0]}.min_yuan"]) == (status, amount_[5])
    assert first[f"{ids[0]}.counted"] is counted
    totals = ref_totals(block.outcomes(0))
    assert [first[c] for c in ("eligible", "possible", "eligible_min_yuan", "possible_max_yuan")] == [
        totals[0],
        totals[1],
        totals[2],
        totals[5],
    ]


@given(st.integers(min_value=-(10**30), max_value=10**30) | st.integers(min_value=-(10**6), max_value=10**6))
def test_wan_text_is_that_of_yuan_to_wan(value: int) -> None:
    expected = format(yuan_to_wan(value), "f")
    assert output._wan(value) == expected
    assert output._wan_column([value, None, 0]) == [expected, "", "0"]


@pytest.mark.parametrize(
    "value", [0, 1, 9_999, 10_000, 10_001, 5_000, -5_000, -1, 10**24 - 1, 10**24, -(10**24), 10**27 + 7]
)
def test_wan_text_at_the_edges(value: int) -> None:
    assert output._wan(value) == format(yuan_to_wan(value), "f") == output._wan_column([value])[0]
    assert Decimal(output._wan(value)) == Decimal(value) / 10_000 or abs(value) >= 10**24


def test_kept_wan_texts_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(output._WanTexts, "LIMIT", 10)
    monkeypatch.setattr(output, "_WAN_TEXTS", output._WanTexts())
    texts = output._wan_column(list(range(0, 70_000, 7)))
    assert texts[:3] == ["0", "0.0007", "0.0014"] and len(output._WAN_TEXTS) == 10_000
    assert output._wan_column([123_450_000]) == ["12345"]
    assert len(output._WAN_TEXTS) == 1  # emptied before it grew further


_CELL_TEXT = st.text(alphabet=st.sampled_from(list("=+-@ \u3000\t\r\n\x00\x0b\x0c\x1b,\"'a中\u202e\ud800\x85")))


@given(_CELL_TEXT)
def test_cells_are_neutralised_and_quoted_as_before(text: str) -> None:
    assert csv_cell(text) == ref_csv_cell(text)
    assert text_cell(text) == ref_text_cell(text)
    assert output._text_column([text, "plain", None]) == [ref_text_cell(text), "plain", ""]
