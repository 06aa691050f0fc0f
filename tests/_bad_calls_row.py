"""The one row kind of the bad-input table (``tests/test_argument_validation.py``).

A row is a call and what it must raise::

    bad(avg_pool, X, 2, stride=0) >> (ValueError, r"avg_pool: stride=0 ")
    bad(correlate, [1, 2], [1], dilation=0) >> (ValueError, exactly("correlate: dilation=0 ...; expected ..."))

``bad(fn, *args, **kwargs)`` holds the call, made when the row runs; ``>> (type, pattern)`` adds the
exception type (exactly that type, not a subclass) and a regular expression searched in the message.
``exactly(message)`` is the pattern of the whole message, anchored at both ends.

A row's id is made from the call: the function's name and a short rendering of the arguments, arrays
shown as ``dtype[shape]`` (``int64[4x4]``); :func:`unique_ids` adds ``-2``, ``-3``, ... to the second and
later of the rows that render alike.
"""

from __future__ import annotations

import collections
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = ["Row", "bad", "exactly", "render", "unique_ids"]

_WIDTH = 24  # the longest rendering of one argument


def exactly(message: str) -> str:
    r"""The pattern that matches ``message`` and nothing else: escaped, anchored by ``^`` and ``\Z``."""
    return "^" + re.escape(message) + r"\Z"


def render(value: Any) -> str:
    """A short, stable text for one argument of a call (no addresses, no array contents)."""
    if isinstance(value, np.ndarray):
        text = f"{value.dtype}[{'x'.join(map(str, value.shape))}]"
    elif sp.issparse(value):
        text = f"{type(value).__name__}[{'x'.join(map(str, value.shape))}]"
    elif isinstance(value, type):
        text = value.__name__
    elif isinstance(value, (list, tuple)):
        inner = ",".join(render(v) for v in value)
        text = f"[{inner}]" if isinstance(value, list) else f"({inner}{',' if len(value) == 1 else ''})"
        if len(text) > _WIDTH:
            text = f"{type(value).__name__}[{len(value)}]"
    elif isinstance(value, dict):
        text = "{" + ",".join(f"{render(k)}:{render(v)}" for k, v in value.items()) + "}"
        if len(text) > _WIDTH:
            text = f"dict[{len(value)}]"
    elif isinstance(value, Fraction):
        text = f"Fraction({value.numerator},{value.denominator})"
    elif value is None or isinstance(value, (str, bytes, bool, int, float, complex, np.generic)):
        text = repr(value)
    elif callable(value):
        text = getattr(value, "__name__", type(value).__name__).replace("<lambda>", "lambda")
    elif type(value).__module__.startswith("sympy"):
        text = str(value).replace(" ", "")
    else:
        text = type(value).__name__
    return text if len(text) <= _WIDTH else text[: _WIDTH - 3] + "..."


def _name(fn: Any) -> str:
    """The name a reader calls ``fn`` by: a memoized builder's wrapped name without its underscore."""
    name = getattr(fn, "__name__", None) or type(fn).__name__
    return name.lstrip("_") if hasattr(fn, "__wrapped__") else name


@dataclass(frozen=True, eq=False)
class Row:
    """One bad call: ``fn(*args, **kwargs)`` must raise exactly ``exc`` with ``match`` in its message."""

    fn: Any
    args: tuple
    kwargs: dict
    exc: type[BaseException] | None = None
    match: str | None = None

    def __call__(self) -> Any:
        return self.fn(*self.args, **self.kwargs)

    def __rshift__(self, expected: tuple[type[BaseException], str]) -> Row:
        exc, match = expected
        if not (isinstance(exc, type) and issubclass(exc, BaseException)) or not isinstance(match, str):
            raise TypeError(f"bad(...) >> (exception type, pattern), got {expected!r}")
        return Row(self.fn, self.args, self.kwargs, exc, match)

    @property
    def id(self) -> str:
        parts = [render(a) for a in self.args] + [f"{k}={render(v)}" for k, v in self.kwargs.items()]
        return f"{_name(self.fn)}({','.join(parts)})"


def bad(fn: Any, /, *args: Any, **kwargs: Any) -> Row:
    """The call ``fn(*args, **kwargs)``, not made yet; complete it with ``>> (exception type, pattern)``."""
    return Row(fn, args, kwargs)


def unique_ids(rows: list[Row]) -> list[str]:
    """Each row's id, the second and later of equal ids suffixed ``-2``, ``-3``, ... in table order."""
    seen: collections.Counter[str] = collections.Counter()
    ids = []
    for row in rows:
        seen[row.id] += 1
        ids.append(row.id if seen[row.id] == 1 else f"{row.id}-{seen[row.id]}")
    return ids
