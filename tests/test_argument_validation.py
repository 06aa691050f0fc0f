"""The bad-input table: every row is a call that must raise a given type with a given message.

Rows live beside this file, one table per module of refconv: ``_bad_calls_<module>.py`` defines
``ROWS``, a list of rows built by ``_bad_calls_row.bad``::

    bad(avg_pool, X, 2, stride=0) >> (ValueError, r"avg_pool: stride=0 ")

The call runs in the test; it must raise exactly the type given (not a subclass, not a parent) with a
message that the pattern matches (``re.search``; ``exactly(message)`` anchors a whole message).  A row's
id is made from its call (``avg_pool(int64[4x4],2,stride=0)``), so ids are never written by hand.
This file collects every table, so modules add rows without editing it.
"""

import importlib
import pathlib
from fractions import Fraction

import pytest
from _bad_calls_row import Row, bad, exactly, render, unique_ids

_HERE = pathlib.Path(__file__).parent
TABLES = {
    path.stem.removeprefix("_bad_calls_"): importlib.import_module(path.stem).ROWS
    for path in sorted(_HERE.glob("_bad_calls_*.py"))
    if path.stem != "_bad_calls_row"
}
ROWS = [row for rows in TABLES.values() for row in rows]
IDS = unique_ids(ROWS)

try:
    import refconv.dask  # noqa: F401  (the dask table is empty without it)

    _DASK_ROWS = 19
except ImportError:  # pragma: no cover - dask is in the test extra
    _DASK_ROWS = 0


def test_table_is_large():
    # 490 rows before the tables were cut by module, and the 79 whole-message refusals of the mutation
    # killers; rows may be added, never lost.
    assert len(ROWS) >= 490 + 79 - (19 - _DASK_ROWS), len(ROWS)


def test_rows_are_calls_with_an_expectation():
    for row, id in zip(ROWS, IDS):
        assert isinstance(row, Row) and row.exc is not None and row.match, f"{id}: not bad(...) >> (type, pattern)"


def test_row_ids_are_unique():
    assert len(IDS) == len(set(IDS)), sorted(i for i in IDS if IDS.count(i) > 1)


def test_each_row_is_in_the_table_of_its_module():
    # refconv.pooling._max.max_pool belongs in _bad_calls_pooling.py, refconv.adapters.torch.conv in
    # _bad_calls_adapters.py, refconv._taps.boundary_index in _bad_calls_taps.py.
    misplaced = [
        (table, row.id)
        for table, rows in TABLES.items()
        for row in rows
        if row.fn.__module__.split(".")[0] != "refconv" or row.fn.__module__.split(".")[1].lstrip("_") != table
    ]
    assert not misplaced, misplaced


def test_ids_are_made_from_the_call():
    import numpy as np

    # Arrays by dtype and shape, keywords by name, long values cut; equal renderings numbered.
    rows = [
        bad(render, np.zeros((4, 4), dtype=np.int64), 2, stride=0),
        bad(render, np.zeros((4, 4), dtype=np.int64), 2, stride=0),
        bad(render, [1, 2], (3,), "s", None, key="x" * 30),
        bad(render, Fraction(1, 3), [list(range(30))], {1: 2}, lambda d: d, exactly),
    ]
    assert unique_ids(rows) == [
        "render(int64[4x4],2,stride=0)",
        "render(int64[4x4],2,stride=0)-2",
        "render([1,2],(3,),'s',None,key='" + "x" * 20 + "...)",  # 24 characters at most
        "render(Fraction(1,3),[list[30]],{1:2},lambda,exactly)",
    ]
    assert exactly("f: a=(1) is bad") == r"^f:\ a=\(1\)\ is\ bad\Z"


def test_a_row_fails_on_another_type_or_message():
    # The runner's own checks, on rows that must not pass: a parent type, and a message that the
    # whole-message pattern does not match (a prefix is not enough).
    def refuse(value):
        raise TypeError(f"refuse: value={value!r} is not a thing; expected a thing")

    with pytest.raises(AssertionError, match="got TypeError"):
        test_bad_call(bad(refuse, 1), Exception, "refuse")
    with pytest.raises(AssertionError, match="Regex pattern did not match"):
        test_bad_call(bad(refuse, 1), TypeError, exactly("refuse: value=1 is not a thing"))
    test_bad_call(bad(refuse, 1), TypeError, exactly("refuse: value=1 is not a thing; expected a thing"))


@pytest.mark.parametrize(("call", "exc", "match"), [pytest.param(r, r.exc, r.match, id=i) for r, i in zip(ROWS, IDS)])
def test_bad_call(call, exc, match):
    with pytest.raises(exc, match=match) as info:
        call()
    # Exactly the declared type: a ValueError must not pass for a TypeError row or vice versa.
    assert type(info.value) is exc, f"got {type(info.value).__name__}: {info.value}"
