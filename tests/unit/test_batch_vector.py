"""One semantics for batch: the vectorised evaluator and the plain-row decoder give exactly
what the per-company path gives.

* ≥ 10,000 generated companies (random answers at several fill rates, every city and
  district, unknowns, answers exactly at and a hair either side of every threshold the
  rules compare with) through ``RowEvaluator`` and ``VectorEvaluator``: per company and
  measure the same status, amount figures (kind, min/max yuan, totals, display) and
  counted flag;
* a plainly valid CSV row's facts equal ``profile_facts(profile_from_data(...))``, and a
  row that validation would refuse or convert is never plain;
* without numpy, batch runs on the per-company path with the same output.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.batch.engine_api import AS_OF_YEAR, INELIGIBLE, derived_fact_columns, profile_facts
from advisor.batch.evaluate import NO_AMOUNT, RowEvaluator
from advisor.batch.plan import ColumnPlan, PlainDecoder
from advisor.errors import ProfileError
from advisor.profile_io import profile_from_data

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from benchmarks.synthetic import edge_profiles, random_profiles, thresholds, write_csv  # noqa: E402

AS_OF = dt.date(2026, 11, 21)


def _figures(outcome: tuple[str, tuple[Any, ...], bool]) -> tuple[Any, ...]:
    status, amount, counted = outcome
    return (status, *amount[:9], counted)


def _companies(engine: Any) -> list[dict[str, Any]]:
    edges = thresholds(engine.catalogue)
    data = (
        random_profiles(2500, seed=101, answered=0.3)
        + random_profiles(2500, seed=102, answered=0.7)
        + random_profiles(1500, seed=103, answered=0.97)
        + edge_profiles(4000, seed=104, edges=edges)
    )
    return [profile_facts(profile_from_data(d)) for d in data]


def test_vector_and_row_paths_agree_on_ten_thousand_companies(engine) -> None:
    pytest.importorskip("numpy")
    from advisor.batch.vector import VectorEvaluator

    companies = _companies(engine)
    assert len(companies) >= 10_000
    rows = RowEvaluator(engine, AS_OF)
    vector = VectorEvaluator(engine, AS_OF)
    seen_status: set[str] = set()
    seen_counted: set[bool] = set()
    for start in range(0, len(companies), 2000):
        block = companies[start : start + 2000]
        expected = rows.assess([dict(f) for f in block])
        got = vector.assess(block)
        for company in range(len(block)):
            want = [_figures(o) for o in expected.outcomes(company)]
            have = [_figures(o) for o in got.outcomes(company)]
            assert have == want, (start + company, [(w, h) for w, h in zip(want, have, strict=True) if w != h][:3])
            seen_status.update(o[0] for o in want)
            seen_counted.update(o[-1] for o in want)
    assert seen_status == {"eligible", "possible", "ineligible"} and seen_counted == {True, False}


def test_row_path_equals_the_engine(engine) -> None:
    """The reference itself: the per-company path gives ``Engine.match``'s figures (a 不符合
    outcome with no amount: batch leaves those cells empty)."""
    rows = RowEvaluator(engine, AS_OF)
    edges = thresholds(engine.catalogue)
    for data in random_profiles(60, seed=7) + edge_profiles(60, seed=8, edges=edges):
        profile = profile_from_data(data)
        by_id = {r.measure.id: r for r in engine.match(profile, AS_OF).results}
        for measure, (status, amount, counted) in zip(
            engine.catalogue.measures, rows.assess_one(profile_facts(profile)), strict=True
        ):
            r = by_id[measure.id]
            if r.status == INELIGIBLE:
                assert (status, amount, counted) == (INELIGIBLE, NO_AMOUNT, False), measure.id
                continue
            assert (status, amount[0], amount[5], amount[6], counted) == (
                r.status,
                r.amount.kind,
                r.amount.total_min_yuan,
                r.amount.total_max_yuan,
                r.counted_in_total,
            ), measure.id


def _records(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def _mutations(header: list[str], record: list[str], rng: random.Random) -> list[str]:
    """The record with one cell made hostile or borderline."""
    out = list(record)
    index = rng.randrange(len(header))
    out[index] = rng.choice(
        [
            "abc",
            "-1",
            "1",
            "0",
            "true",
            "是",
            "TRUE",
            " 12.50 ",
            "1.00001",
            "1e3",
            "1,000",
            "１２",
            "2101",
            "1948",
            "999999999999",
            "无",
            "ai;software;ai",
            "ai；other",
            "南山区",
            "天河区",
            "=1+1",
            "\x1b[31m",
            "x" * 2001,
            "91440300MA5FXXXXXX",
            "2",
            "3",
            "national",
        ]
    )
    return out


def test_plain_rows_give_the_profile_facts(tmp_path: Path, engine) -> None:
    edges = thresholds(engine.catalogue)
    data = random_profiles(1500, seed=21) + edge_profiles(1500, seed=22, edges=edges)
    header, records = _records(write_csv(tmp_path / "in.csv", data))
    header = [*header, "schema_version"]
    rng = random.Random(5)
    records = [[*r, ""] for r in records]
    records += [_mutations(header, r, rng) for r in records[:3000]]
    plan = ColumnPlan(header)
    decoder = PlainDecoder(plan, derived_fact_columns)
    plain = 0
    for record in records:
        facts = decoder.facts(record)
        try:
            expected = profile_facts(profile_from_data(plan.data(record)))
        except ProfileError:
            assert facts is None, record
            continue
        if facts is None:
            continue  # not plain: the row goes through profile_from_data
        plain += 1
        expected.pop(AS_OF_YEAR)
        assert facts == expected
        assert {k: type(v) for k, v in facts.items()} == {k: type(v) for k, v in expected.items()}
    assert plain >= 2500


def test_without_numpy_batch_writes_the_same_files(tmp_path: Path, monkeypatch) -> None:
    pytest.importorskip("numpy")
    from advisor.batch import run_batch, runner, summary_path

    source = write_csv(tmp_path / "in.csv", random_profiles(300, seed=31))
    with_numpy = tmp_path / "a.csv"
    run_batch(source, with_numpy, AS_OF, jobs=1)
    assert runner._WORKER["evaluator"].__class__.__name__ == "VectorEvaluator"
    real_import = __import__

    def no_numpy(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "numpy" or name.startswith("numpy."):
            raise ImportError("no numpy here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr("builtins.__import__", no_numpy)
    runner._WORKER.clear()
    without = tmp_path / "b.csv"
    run_batch(source, without, AS_OF, jobs=1)
    assert runner._WORKER["evaluator"].__class__.__name__ == "RowEvaluator"
    runner._WORKER.clear()
    assert with_numpy.read_bytes() == without.read_bytes()
    assert summary_path(with_numpy).read_bytes() == summary_path(without).read_bytes()


def test_decimal_places_and_types_survive(tmp_path: Path) -> None:
    """12.50 stays Decimal('12.50') and 800 becomes Decimal('800'), as a profile file gives them."""
    header = ["identity.name", "tax.rd_expense_wan", "finance.loan_interest_wan"]
    plan = ColumnPlan(header)
    decoder = PlainDecoder(plan, derived_fact_columns)
    facts = decoder.facts(["甲", "12.50", "800"])
    assert facts is not None
    assert facts["tax.rd_expense_wan"] == Decimal("12.50") and str(facts["tax.rd_expense_wan"]) == "12.50"
    expected = profile_facts(profile_from_data(plan.data(["甲", "12.50", "800"])))
    assert str(facts["finance.loan_interest_wan"]) == str(expected["finance.loan_interest_wan"])


def test_rows_validated_in_full_keep_their_place_among_plain_rows(tmp_path: Path, engine) -> None:
    """A chunk mixing plain rows, rows of an older schema (validated and migrated in full)
    and refused rows: every kept company's facts, in input order, are its profile's facts."""
    from advisor.batch.runner import _decode

    source = write_csv(tmp_path / "in.csv", random_profiles(60, seed=5))
    header, records = _records(source)
    header = [*header, "schema_version"]
    numbered = []
    for i, record in enumerate(records):
        version = "1" if i % 7 == 3 else ""
        row = [*record, version]
        if i % 11 == 5:
            row[header.index("identity.settled_year")] = "２０２０"  # refused
        numbered.append((str(i + 2), row))
    plan = ColumnPlan(header)
    errors: list[tuple[str, str]] = []
    companies, columns = _decode(numbered, plan, PlainDecoder(plan, derived_fact_columns), errors)
    refused = {row for row, _ in errors}
    kept = [(row, record) for row, record in numbered if row not in refused]
    assert len(refused) == len([i for i in range(len(records)) if i % 11 == 5])
    assert [c[0] for c in companies] == [row for row, _ in kept]
    assert sum(record[-1] == "1" for _, record in kept) >= 5
    for (row, record), facts in zip(kept, columns.rows(), strict=True):
        expected = profile_facts(profile_from_data(plan.data(record)))
        expected.pop(AS_OF_YEAR)  # the run's as-of date decides, not the profile's
        assert {k: v for k, v in facts.items() if k in expected} == expected, row
    pytest.importorskip("numpy")
    from advisor.batch.vector import VectorEvaluator

    by_columns = VectorEvaluator(engine, AS_OF).assess(columns)
    by_rows = RowEvaluator(engine, AS_OF).assess(columns.rows())
    for company in range(len(companies)):
        assert by_columns.outcomes(company) == by_rows.outcomes(company), company


def test_plain_amount_texts_read_as_the_field_reads_them() -> None:
    """``_plain_wan`` (a block's amount cells in one pass) gives exactly what reading each
    cell through ``_typed`` and the field's own checks gives, or declines."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from advisor.batch.plan import _Memo, _plain_wan
    from advisor.profile import Finance

    memo = _Memo(Finance, "loan_interest_wan", "number", 10)
    assert memo.wan
    plain = st.from_regex(r"[0-9]{1,9}(\.[0-9]{0,5})?", fullmatch=True)
    other = st.text(alphabet="0123456789.,-+eE ０", max_size=12)
    cells = st.lists(st.one_of(plain, plain, other, st.just("")), min_size=1, max_size=30, unique=True)
    declined = accepted = 0

    @settings(max_examples=400, deadline=None, derandomize=True)
    @given(cells)
    def check(distinct: list[str]) -> None:
        nonlocal declined, accepted
        found = _plain_wan(distinct)
        if found is None:
            declined += 1
            return
        accepted += 1
        expected = [memo.read(cell) for cell in distinct]
        assert found == expected
        assert [type(v) for v in found] == [type(v) for v in expected]
        assert [str(v) for v in found] == [str(v) for v in expected]

    check()
    assert accepted >= 20 and declined >= 20


def test_counting_factorisation_is_np_unique() -> None:
    """``_distinct`` (counting, no sort) gives np.unique's values, inverse and first indexes."""
    np = pytest.importorskip("numpy")
    from advisor.batch.vector import _distinct

    rng = np.random.default_rng(3)
    for size, top in [(0, 1), (1, 1), (50, 3), (2000, 40), (2000, 6000), (500, 1 << 40)]:
        key = rng.integers(0, top, size=size, dtype=np.int64)
        values, inverse, first = _distinct(key, first=True)
        want_values, want_first, want_inverse = np.unique(key, return_index=True, return_inverse=True)
        assert values.tolist() == want_values.tolist()
        assert inverse.tolist() == want_inverse.reshape(-1).tolist()
        assert first.tolist() == want_first.tolist()


def test_small_and_large_factorisations_are_np_unique() -> None:
    """``_factorised`` (sorted in Python up to ``_SMALL`` values, else np.unique) gives np.unique's
    values and inverse, negative and huge codes included."""
    np = pytest.importorskip("numpy")
    from advisor.batch import vector

    rng = np.random.default_rng(5)
    for size in [1, 2, 7, vector._SMALL, vector._SMALL + 1, 1000]:
        for low, high in [(0, 3), (-50, 50), (-(1 << 62), 1 << 62)]:
            key = rng.integers(low, high, size=size, dtype=np.int64)
            values, inverse = vector._factorised(key)
            want_values, want_inverse = np.unique(key, return_inverse=True)
            assert values.tolist() == want_values.tolist()
            assert inverse.tolist() == want_inverse.reshape(-1).tolist()


def test_combinations_of_members_outcomes_are_joint_codes() -> None:
    """``_combinations`` (each member's outcome a digit of one number, or ``_joint`` where the
    number would not fit an int64) numbers the companies' combinations of outcomes as ``_joint``
    numbers them: the same inverse, the same first companies."""
    np = pytest.importorskip("numpy")
    from advisor.batch.vector import VectorEvaluator, _joint

    rng = np.random.default_rng(7)
    digits_fit = 0
    for members, outcomes, size in [(2, 3, 50), (11, 4, 5000), (3, 1, 20), (40, 5, 300), (70, 4, 100)]:
        counts = rng.integers(1, outcomes + 1, size=members).tolist()
        digits_fit += math.prod(counts) < 1 << 62
        starts = [0]
        for count in counts:
            starts.append(starts[-1] + count)
        outcome_of = np.stack(
            [
                rng.integers(0, count, size=size, dtype=np.int64) + start
                for count, start in zip(counts, starts, strict=False)
            ]
        )
        inverse, first = VectorEvaluator._combinations(outcome_of, starts)
        want_inverse, want_first = _joint(list(outcome_of), size)
        assert inverse.tolist() == want_inverse.tolist()
        assert first.tolist() == want_first.tolist()
    assert 0 < digits_fit < 5  # both ways taken


@settings(max_examples=200, deadline=None)
@given(
    distinct=st.integers(min_value=1, max_value=300), size=st.integers(min_value=0, max_value=600), seed=st.integers()
)
def test_column_codes_reach_numpy_unchanged(distinct: int, size: int, seed: int) -> None:
    """A fact's codes as numpy int64, whichever way they take (one value, at most 256 values
    through bytes, more through fromiter, a numpy array as pyarrow gives them)."""
    np = pytest.importorskip("numpy")
    from advisor.batch.columns import Column
    from advisor.batch.vector import _Column

    rng = random.Random(seed)
    codes = [rng.randrange(distinct) for _ in range(size)]
    values = list(range(distinct))
    for column in (Column(codes, values), Column(codes, values, np.array(codes, dtype=np.int32))):
        converted = _Column(column).codes
        assert converted.dtype == np.int64 and converted.tolist() == codes


class _Int(int):
    """An int subclass: not a plain number for the whole-column comparison."""


#: Values a numeric leaf's column may hold: plain numbers (huge, odd, NaN and infinite
#: Decimals too, equal ones written differently) and None.
_plain_values = st.one_of(
    st.none(),
    st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.decimals(min_value=-1000, max_value=1000, places=4),
    st.sampled_from([Decimal("5000"), Decimal("5000.00"), Decimal("4999.99"), Decimal("-0"), 5000, 0, -1]),
)
#: Kinds that keep the per-value path (bool, float, text, an int subclass).
_other_values = st.one_of(st.booleans(), st.floats(), st.sampled_from(["12", "abc", _Int(7)]))


def _state_or_error(decide: Any) -> tuple[str, Any]:
    try:
        return "state", decide()
    except Exception as error:  # a NaN compared raises: the same kind on both paths
        return "raised", type(error)


@settings(max_examples=600, deadline=None)
@given(
    op=st.sampled_from(["ge", "gt", "le", "lt"]),
    rule_value=st.one_of(
        st.integers(min_value=-(10**30), max_value=10**30),
        st.decimals(allow_nan=False, allow_infinity=False, places=3),
        st.sampled_from([0, 5000, Decimal("0.5"), Decimal("-1")]),
    ),
    values=st.lists(_plain_values, max_size=12),
    others=st.lists(_other_values, max_size=2),
)
def test_numeric_leaf_over_a_column_is_its_value_state(
    op: str, rule_value: Any, values: list[Any], others: list[Any]
) -> None:
    """A numeric leaf decided over a whole column (``compares`` and the numbers' own comparisons)
    gives each value exactly the state its ``value_state`` gives, or raises as it does; a
    column holding anything but int, Decimal and None keeps the per-value path."""
    pytest.importorskip("numpy")
    from advisor import rule_model as rm
    from advisor.batch.columns import Column
    from advisor.batch.vector import _STATE_CODE, _Column, _numeric_table
    from advisor.conditions import CompiledCondition

    condition = rm.Condition(label="x", fact="f", op=op, value=rule_value)
    leaf = CompiledCondition(condition, lambda fact, value: str(value), lambda fact: (fact,))
    assert leaf.compares is not None and leaf.value_state is not None
    mixed = values + others
    assert _Column(Column(list(range(len(mixed))), mixed)).numbers() is not others
    assert _Column(Column(list(range(len(values))), values)).numbers()
    value_state = leaf.value_state
    want = [_state_or_error(lambda v=v: _STATE_CODE[value_state(v)]) for v in values]
    have = _state_or_error(lambda: _numeric_table(leaf.compares, values).tolist())
    if any(kind == "raised" for kind, _ in want):
        assert have == next(w for w in want if w[0] == "raised")
    else:
        assert have == ("state", [code for _, code in want])
