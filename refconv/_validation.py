"""Tiny argument checkers whose messages name the function, the parameter and its value.

Every message has the shape ``<function>: <param>=<value!r> <what is wrong>; expected <what is
allowed>`` so that a user can find the bad argument without reading a traceback.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["fail", "is_int", "check_bool", "check_choice", "int_tuple", "pad_pairs", "shape_tuple", "argument_error"]


def _short(value: Any) -> str:
    """``repr`` of a value, shortened so that a huge array never floods a message."""
    if isinstance(value, np.ndarray):
        kind = "masked array" if isinstance(value, np.ma.MaskedArray) else "ndarray"
        if value.ndim > 8:  # a 62-axis shape would flood the message too
            return f"<{kind} ndim={value.ndim} size={value.size} dtype={value.dtype}>"
        return f"<{kind} shape={value.shape} dtype={value.dtype}>"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def fail(func: str, name: str, value: Any, problem: str, expected: str, exc=ValueError):
    """Build (not raise) the exception for ``name=value`` in ``func``."""
    return exc(f"{func}: {name}={_short(value)} {problem}; expected {expected}")


def is_int(value: Any) -> bool:
    """True for Python and NumPy integers, False for ``bool`` (``True`` is not a stride)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def check_bool(func: str, name: str, value: Any, *, none: bool = False) -> bool | None:
    """``value`` as a bool (NumPy's included), or None where ``none`` allows it.

    >>> check_bool("f", "shrink", 1)
    Traceback (most recent call last):
    ...
    TypeError: f: shrink=1 is not a bool; expected True or False
    """
    if none and value is None:
        return None
    if not isinstance(value, (bool, np.bool_)):
        raise fail(
            func,
            name,
            value,
            "is not a bool" + (" or None" if none else ""),
            "True, False or None" if none else "True or False",
            TypeError,
        )
    return bool(value)


def check_choice(func: str, name: str, value: Any, choices: Sequence[str], hint: dict | None = None):
    """Return ``value`` if it is one of ``choices``; suggest the right spelling otherwise."""
    if not isinstance(value, str):
        raise fail(func, name, value, "is not a string", f"one of {_names(choices)}", TypeError)
    if value in choices:
        return value
    hint = hint or {}
    lowered = value.lower()
    if lowered in choices:
        raise fail(func, name, value, "is not recognised (names are lower case)", f"{lowered!r}")
    if lowered in hint:
        raise fail(func, name, value, f"is not a refconv name ({hint[lowered]})", f"one of {_names(choices)}")
    raise fail(func, name, value, "is not recognised", f"one of {_names(choices)}")


def _names(choices: Sequence[str]) -> str:
    return ", ".join(repr(c) for c in choices)


def int_tuple(func: str, name: str, value: Any, ndim: int, *, minimum: int) -> tuple[int, ...]:
    """Normalise an int or a length-``ndim`` sequence of ints, each ``>= minimum``."""
    items = _per_axis(func, name, value, ndim)
    out = []
    for item in items:
        if not is_int(item):
            raise fail(func, name, value, "is not an integer or a tuple of integers", f"int >= {minimum}", TypeError)
        if item < minimum:
            raise fail(func, name, value, f"has an entry {int(item)} < {minimum}", f"ints >= {minimum}")
        out.append(int(item))
    return tuple(out)


def _per_axis(func: str, name: str, value: Any, ndim: int) -> tuple:
    value = _scalar_of(value)
    if isinstance(value, (str, bytes)) or value is None:
        raise fail(func, name, value, "is not an integer or a tuple of integers", f"an int or {ndim} ints", TypeError)
    if isinstance(value, (Sequence, np.ndarray)):
        items = tuple(np.asarray(value, dtype=object).ravel()) if isinstance(value, np.ndarray) else tuple(value)
        if len(items) != ndim:
            raise fail(
                func, name, value, f"has {len(items)} entries but there are {ndim} axes", f"an int or {ndim} ints"
            )
        return items
    return (value,) * ndim


def pad_pairs(func: str, name: str, value: Any, ndim: int) -> tuple[tuple[int, int], ...]:
    """Normalise explicit padding: an int, ``ndim`` ints, or ``ndim`` ``(before, after)`` pairs.

    Pads must be non-negative: negative padding (cropping) is a different operation.
    """
    bad = f"an int >= 0, {ndim} ints, or {ndim} (before, after) pairs"
    value = _scalar_of(value)
    if isinstance(value, (str, bytes)) or value is None or isinstance(value, (bool, np.bool_)):
        raise fail(func, name, value, "is not a padding", bad, TypeError)
    if is_int(value):
        items = ((value, value),) * ndim
    elif isinstance(value, (Sequence, np.ndarray)):
        items = tuple(value)
        if ndim == 1 and len(items) == 2 and all(is_int(v) for v in items):
            # A bare (before, after) pair for a 1-D problem reads naturally; ints per axis are
            # indistinguishable from it only in 1-D, where we take the pair.
            items = (tuple(items),)
        if len(items) != ndim:
            raise fail(func, name, value, f"has {len(items)} entries but there are {ndim} axes", bad)
        items = tuple((v, v) if is_int(v) else v for v in items)
    else:
        raise fail(func, name, value, "is not a padding", bad, TypeError)
    pairs = []
    for pair in items:
        pair = _scalar_of(pair)
        if isinstance(pair, (str, bytes)) or not isinstance(pair, (Sequence, np.ndarray)) or len(pair) != 2:
            raise fail(func, name, value, f"has an entry {pair!r} that is not an int or a pair", bad, TypeError)
        if not all(is_int(v) for v in pair):
            raise fail(func, name, value, f"has a non-integer entry in {pair!r}", bad, TypeError)
        if min(pair) < 0:
            raise fail(func, name, value, "has a negative pad", bad)
        pairs.append((int(pair[0]), int(pair[1])))
    return tuple(pairs)


def _scalar_of(value: Any) -> Any:
    """A 0-d array as the scalar it holds (it has no ``len`` and cannot be iterated)."""
    return value.item() if isinstance(value, np.ndarray) and value.ndim == 0 else value


def shape_tuple(func: str, name: str, value: Any, *, minimum: int = 1) -> tuple[int, ...]:
    """A shape: a non-empty sequence of ints ``>= minimum`` (or a single int)."""
    value = _scalar_of(value)
    if is_int(value):
        value = (value,)
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        raise fail(func, name, value, "is not a shape", "a tuple of ints", TypeError)
    value = tuple(value)
    if len(value) == 0:
        raise fail(func, name, value, "is empty", "at least one axis")
    for v in value:
        if not is_int(v):
            raise fail(func, name, value, "is not a shape", "a tuple of ints", TypeError)
        if v < minimum:
            raise fail(func, name, value, f"has a length {int(v)} < {minimum}", f"lengths >= {minimum}")
    return tuple(int(v) for v in value)


def argument_error(command: str, exc: Exception, options: Mapping[str, str]) -> str:
    """The message for a refconv error met by ``refconv COMMAND``, naming the command-line argument.

    refconv's messages name Python parameters (``conv_matrix: stride=0 ...``); ``options`` maps
    them to the command line's (``{"stride": "--stride"}``), so the user reads which argument
    to change, in argparse's form (``argument --stride: ...``).

    >>> argument_error("matrix", ValueError("conv_matrix: stride=0 is bad; expected 1"), {"stride": "--stride"})
    'refconv matrix: argument --stride: conv_matrix: stride=0 is bad; expected 1'
    """
    match = re.match(r"\w+: ([A-Za-z_]\w*)(?:=| shape )", str(exc))  # "f: stride=0 ..." or "f: w shape (2,) ..."
    named = options.get(match[1]) if match else None
    return f"refconv {command}: " + (f"argument {named}: " if named else "") + str(exc)
