"""``advisor batch``: assess many companies at once.

* ``plan`` — CSV columns → profile keys and typed values;
* ``evaluate`` — one company at a time (the reference, and the path without numpy);
* ``vector`` — a block of companies at once, column by column, with numpy;
* ``output`` — wide / long / Parquet results, summary, errors, written atomically;
* ``runner`` — reading the input streaming, chunks, worker processes, the run.

The command itself (arguments, printing the summary) lives in ``advisor.cli_batch``.
"""

from __future__ import annotations

from advisor.batch.output import FORMATS, RESULT_COLUMNS, SUMMARY_COLUMNS, errors_path, summary_path, wide_columns
from advisor.batch.plan import UnusableInput, template_columns
from advisor.batch.runner import numpy_available, run_batch

__all__ = [
    "FORMATS",
    "RESULT_COLUMNS",
    "SUMMARY_COLUMNS",
    "UnusableInput",
    "errors_path",
    "numpy_available",
    "run_batch",
    "summary_path",
    "template_columns",
    "wide_columns",
]
