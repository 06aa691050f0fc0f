"""Comparison and reporting shared by the properties: got / expected / call, exactly."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._arith import _is_sympy
from .._validation import fail

__all__: list[str] = []


def _as_array(value: Any) -> np.ndarray:
    """Any array-like result (NumPy, torch tensors, lists) as a NumPy array."""
    if hasattr(value, "detach") and hasattr(value, "numpy"):  # a torch tensor, without importing torch
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def _name(f: Any) -> str:
    return getattr(f, "__qualname__", None) or getattr(f, "__name__", None) or repr(f)


def _show(value: Any) -> str:
    if isinstance(value, np.ndarray):
        with np.printoptions(threshold=120, linewidth=10**6):
            return re.sub(r"\s+", " ", np.array_repr(value))
    return repr(value)


def _call(f: Any, *args: Any, **kwargs: Any) -> str:
    """A readable (and, for small inputs, runnable) rendering of ``f(*args, **kwargs)``."""
    parts = [_show(a) for a in args] + [f"{k}={_show(v)}" for k, v in kwargs.items()]
    return f"{_name(f)}({', '.join(parts)})"


def _value(v: Any) -> str:
    """``repr`` of one cell without NumPy's scalar wrapper (``5``, not ``np.int64(5)``)."""
    return repr(v.item() if isinstance(v, np.generic) else v)


def _scalar_equal(a: Any, b: Any) -> bool:
    if _is_sympy(a) or _is_sympy(b):
        import sympy

        return sympy.expand(a - b) == 0
    return bool(a == b)


def _equal(got: np.ndarray, expected: np.ndarray, atol: float, rtol: float) -> np.ndarray:
    """Elementwise equality: exact, or within ``atol + rtol*|expected|`` for floats (NaN == NaN)."""
    if got.dtype.kind == "O" or expected.dtype.kind == "O":
        out = np.empty(np.broadcast_shapes(got.shape, expected.shape), dtype=bool)
        for index, (a, b) in zip(np.ndindex(*out.shape), np.broadcast(got, expected)):
            out[index] = _scalar_equal(a, b)
        return out
    if got.dtype.kind in "fc" or expected.dtype.kind in "fc":
        return np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)
    return np.asarray(got == expected)


def _check(
    prop: str,
    got: Any,
    expected: Any,
    call: str,
    *,
    got_label: str = "got",
    expected_label: str = "expected",
    mask: np.ndarray | None = None,
    atol: float = 0.0,
    rtol: float = 0.0,
) -> int:
    """Raise AssertionError(got / expected / call) unless ``got == expected`` (where ``mask``); return the count."""
    got, expected = _as_array(got), _as_array(expected)
    if got.shape != expected.shape:
        raise AssertionError(
            f"{prop}: got {got_label} of shape {got.shape}, expected {expected_label} of shape {expected.shape}\n"
            f"call: {call}"
        )
    same = _equal(got, expected, atol, rtol)
    if mask is not None:
        same = same | ~np.broadcast_to(mask, same.shape)
    if not same.all():
        bad = np.argwhere(~same)
        index = tuple(int(i) for i in bad[0])
        compared = int(np.broadcast_to(mask, same.shape).sum()) if mask is not None else same.size
        raise AssertionError(
            f"{prop}: got {got_label}{list(index)} = {_value(got[index])}, expected {expected_label}{list(index)} = "
            f"{_value(expected[index])} ({len(bad)} of {compared} compared cells differ)\ncall: {call}"
        )
    return int(np.broadcast_to(mask, same.shape).sum()) if mask is not None else same.size


def _tolerances(func: str, atol: Any, rtol: Any) -> tuple[float, float]:
    for name, value in (("atol", atol), ("rtol", rtol)):
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not value >= 0:
            raise fail(func, name, value, "is not a non-negative number", "a float >= 0 (0 means exact)")
    return float(atol), float(rtol)


def _flip(a: np.ndarray, axes: Sequence[int] | None = None) -> np.ndarray:
    return np.flip(a, axis=tuple(range(a.ndim)) if axes is None else tuple(axes))


def _outer_and(vectors: Sequence[np.ndarray]) -> np.ndarray:
    out = np.ones((), dtype=bool)
    for v in vectors:
        out = np.logical_and.outer(out, v)
    return out


def _outer_product(vectors: Sequence[np.ndarray]) -> np.ndarray:
    out = np.ones((), dtype=np.int64)
    for v in vectors:
        out = np.multiply.outer(out, v)
    return out


def _is_matrix(op: Any) -> bool:
    return not callable(op) and hasattr(op, "shape") and len(op.shape) == 2
