"""The bad-input table: every row is a call that must raise a given type with a given message.

Rows live beside this file in ``_bad_calls_<topic>.py`` modules, each defining ``ROWS``: a list of
``pytest.param(call, exception_type, match_regex, id=...)`` where ``call`` is a zero-argument
callable.  This file collects every such module, so topics add rows without editing it.
"""

import importlib
import pathlib

import pytest

_HERE = pathlib.Path(__file__).parent
ROWS = []
for _path in sorted(_HERE.glob("_bad_calls_*.py")):
    ROWS.extend(importlib.import_module(_path.stem).ROWS)


def test_table_is_large():
    assert len(ROWS) >= 40, len(ROWS)


def test_row_ids_are_unique():
    ids = [row.id for row in ROWS]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


@pytest.mark.parametrize(("call", "exc", "match"), ROWS)
def test_bad_call(call, exc, match):
    with pytest.raises(exc, match=match) as info:
        call()
    # Exactly the declared type: a ValueError must not pass for a TypeError row or vice versa.
    assert type(info.value) is exc, f"got {type(info.value).__name__}: {info.value}"
