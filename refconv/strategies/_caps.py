"""The size caps of :mod:`refconv.strategies` (read once from the environment), its vocabularies,
and the eager argument checks every strategy shares."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from hypothesis.errors import InvalidArgument

from .._validation import fail, is_int

__all__ = [
    "MAX_DIMS",
    "MAX_SIDE",
    "MAX_KERNEL",
    "MAX_STRIDE",
    "MAX_DILATION",
    "MAX_PAD",
    "MAX_BATCH",
    "MAX_CHANNELS",
    "MAX_GROUPS",
    "MAX_VALUE",
    "MAX_DENOMINATOR",
    "SYMBOLIC_MAX_SIDE",
    "SYMBOLIC_MAX_DIMS",
    "MODES",
    "PADDINGS",
    "PADDING_MODES",
    "KINDS",
]


def _env_int(name: str, default: int) -> int:
    text = os.environ.get("REFCONV_" + name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < 1:
        raise fail("refconv.strategies", "REFCONV_" + name, text, "is not a positive integer", "an int >= 1")
    return value


MAX_DIMS = _env_int("MAX_DIMS", 3)
MAX_SIDE = _env_int("MAX_SIDE", 7)
MAX_KERNEL = _env_int("MAX_KERNEL", 4)
MAX_STRIDE = _env_int("MAX_STRIDE", 3)
MAX_DILATION = _env_int("MAX_DILATION", 3)
MAX_PAD = _env_int("MAX_PAD", 3)
MAX_BATCH = _env_int("MAX_BATCH", 2)
MAX_CHANNELS = _env_int("MAX_CHANNELS", 4)
MAX_GROUPS = _env_int("MAX_GROUPS", 2)
MAX_VALUE = _env_int("MAX_VALUE", 20)
MAX_DENOMINATOR = _env_int("MAX_DENOMINATOR", 12)
SYMBOLIC_MAX_SIDE = _env_int("SYMBOLIC_MAX_SIDE", 3)
SYMBOLIC_MAX_DIMS = _env_int("SYMBOLIC_MAX_DIMS", 2)

#: Forms of ``mode`` for plain problems: the three names and ``"pads"`` (explicit ``(before, after)``
#: pairs per axis, or one int for every side).
MODES = ("valid", "same", "full", "pads")
#: Forms of ``padding`` for layer problems: one ``int``, a ``tuple`` of ints (one per axis), ``"valid"``,
#: ``"same"`` (drawn with stride 1 only, as torch requires) and explicit ``"pairs"``.
PADDINGS = ("int", "tuple", "valid", "same", "pairs")
#: torch's padding modes, as :func:`refconv.conv` takes them.
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
#: Kinds of operands: exact ones (``int``, ``fraction``, ``symbolic``) and ``float``.
KINDS = ("int", "fraction", "symbolic", "float")


# --- argument validation, eager, with refconv's message shape ----------------------------------


def _bad(func: str, name: str, value: Any, problem: str, expected: str) -> InvalidArgument:
    return fail(func, name, value, problem, expected, InvalidArgument)


def _count(func: str, name: str, value: Any, minimum: int) -> int:
    if not is_int(value):
        raise _bad(func, name, value, "is not an integer", f"an int >= {minimum}")
    if value < minimum:
        raise _bad(func, name, value, f"is < {minimum}", f"an int >= {minimum}")
    return int(value)


def _counts(func: str, **caps: Any) -> dict[str, int]:
    """Size caps checked in the order given, as :func:`_count` checks one: a pad or a number of
    leading axes may be 0, every other cap is at least 1."""
    return {
        name: _count(func, name, value, 0 if name in ("max_pad", "max_leading") else 1) for name, value in caps.items()
    }


def _dims(func: str, min_dims: Any, max_dims: Any) -> tuple[int, int]:
    lo = _count(func, "min_dims", min_dims, 1)
    hi = _count(func, "max_dims", max_dims, 1)
    if lo > hi:
        raise _bad(func, "min_dims", min_dims, f"is larger than max_dims={hi}", "min_dims <= max_dims")
    return lo, hi


def _subset(func: str, name: str, value: Any, allowed: Sequence[str]) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise _bad(func, name, value, "is not a sequence of names", f"a non-empty tuple drawn from {allowed!r}")
    value = tuple(value)
    if not value:
        raise _bad(func, name, value, "is empty", f"a non-empty tuple drawn from {allowed!r}")
    for item in value:
        if item not in allowed:
            raise _bad(func, name, value, f"holds {item!r}, which is not recognised", f"names from {allowed!r}")
    return value


def _choice(func: str, name: str, value: Any, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise _bad(func, name, value, "is not recognised", f"one of {allowed!r}")
    return value
