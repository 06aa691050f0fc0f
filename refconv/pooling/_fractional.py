"""Fractional max pooling: :func:`fractional_max_pool`, PyTorch's ``fractional_max_pool{2,3}d`` with given samples.

PyTorch (aten ``FractionalMaxPool2d.cpp``/``3d``, ``generate_intervals``) places ``out`` windows of
length ``k`` on an axis of length ``n`` from one sample ``u`` in ``[0, 1)`` per ``(N, C)`` plane
and axis: with ``alpha = (n - k)/(out - 1)``, window ``i < out - 1`` starts at
``floor((i + u)*alpha) - floor(u*alpha)`` and the last at ``n - k``.  PyTorch evaluates this in
the input's floating type; :func:`fractional_starts` does the same for float samples and exactly
for exact ones.  refconv's ``samples[..., a]`` belongs to pooled axis ``a``, at any rank, as in
PyTorch's 3-D pool (``(T, H, W)``); PyTorch's 2-D pool alone stores them the other way round,
``(W, H)`` (aten ``FractionalMaxPool2d.cpp``: ``randomSamplesForPlane[0]`` is the width's), so its
``_random_samples`` are ``samples[..., ::-1]`` here.
"""

from __future__ import annotations

import math
import numbers
from fractions import Fraction
from typing import Any

import numpy as np

from .._arith import as_operand, finish
from .._validation import check_bool, fail, is_int, shape_tuple
from ..spec import check_cells
from ._windows import _unordered

__all__ = ["fractional_starts", "fractional_max_pool"]


def fractional_starts(u: Any, n: int, k: int, out: int) -> np.ndarray:
    """Window starts for samples ``u`` (any shape): ``(*u.shape, out)`` int64.

    Float ``u``: PyTorch's arithmetic in ``u``'s dtype (``alpha`` rounded, ``i + u`` rounded, the
    product rounded, truncated to int).  Exact ``u`` (int, Fraction): the exact floors.

    >>> fractional_starts(np.array([0.0, 0.9]), 10, 2, 4).tolist()
    [[0, 2, 5, 8], [0, 3, 5, 8]]
    >>> fractional_starts(np.array([Fraction(9, 10)], dtype=object), 10, 2, 4).tolist()
    [[0, 3, 5, 8]]
    """
    u = np.asarray(u)
    starts = np.full((*u.shape, out), n - k, dtype=np.int64)
    if out > 1:
        i = np.arange(out - 1)
        if u.dtype.kind == "f":
            t = u.dtype.type
            alpha = t(n - k) / t(out - 1)
            with np.errstate(over="ignore", invalid="ignore"):
                first = ((i.astype(u.dtype) + u[..., None]) * alpha).astype(np.int64)
                starts[..., :-1] = first - (u * alpha).astype(np.int64)[..., None]
        else:
            alpha = Fraction(n - k, out - 1)
            flat = [_exact_starts(Fraction(int(v.numerator), int(v.denominator)), alpha, out) for v in u.reshape(-1)]
            starts[..., :-1] = np.array(flat, dtype=np.int64).reshape(*u.shape, out - 1)
    return starts


def _exact_starts(u: Fraction, alpha: Fraction, out: int) -> list[int]:
    # torch casts to int64, which truncates toward zero: the floor for u >= 0, not below it.
    return [math.trunc((j + u) * alpha) - math.trunc(u * alpha) for j in range(out - 1)]


def _check_samples(func: str, s: np.ndarray, lead: tuple, r: int) -> np.ndarray:
    samples = s
    if s.dtype.kind == "c":
        raise fail(func, "samples", samples, "is complex", "real numbers", TypeError)
    if s.shape != (*lead, r):
        problem = f"has shape {s.shape}, not x.shape[:-{r}] + ({r},) = {(*lead, r)}"
        raise fail(func, "samples", samples, problem, "one sample per plane and pooled axis")
    if s.dtype.kind == "O" and not all(isinstance(v, numbers.Rational) for v in s.flat):
        expected = "rational samples (int, Fraction, sympy.Rational) or floats"
        raise fail(func, "samples", samples, "holds an irrational or symbolic entry", expected, TypeError)
    # torch draws samples in [0, 1) but takes any (its tests pass negative ones); every window must
    # still fit, which the caller checks.  NaN and inf place no window.
    ok = [bool(abs(v) < math.inf) for v in s.reshape(-1).tolist()]  # NaN fails the comparison
    if not all(ok):
        bad = s.reshape(-1)[ok.index(False)]
        raise fail(func, "samples", samples, f"holds {bad!r}", "finite samples (torch draws them in [0, 1))")
    return s


def fractional_max_pool(
    x: Any, kernel_size: Any, output_size: Any, samples: Any, *, return_indices: bool = False
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Fractional max pooling with explicit samples: PyTorch's ``fractional_max_pool2d/3d``, any rank.

    Parameters
    ----------
    x : array_like
        Any rank; the last ``r`` axes are pooled, ``r = samples.shape[-1]``; integer, float or
        exact object arrays (values that can be ordered).
    kernel_size : int or tuple of int
        The window per pooled axis (an int: the same on every one).
    output_size : int or tuple of int
        The output length per pooled axis, with ``output_size + kernel_size - 1 <= n`` (torch's
        2-D rule; its 3-D check is strict, ``< n``, refusing windows that fit exactly).  Torch's
        ``output_ratio`` is ``output_size = int(n * ratio)``.
    samples : array_like
        ``x.shape[:-r] + (r,)``: per plane, one finite sample per pooled axis (torch draws them
        in ``[0, 1)`` and, like refconv, takes any whose windows fit the input), in axis
        order: torch's ``_random_samples`` for ``fractional_max_pool3d``, and those of
        ``fractional_max_pool2d`` reversed (torch's 2-D pool stores ``(W, H)``).  Float
        samples follow torch's float arithmetic in their dtype (give them in ``x``'s float dtype
        to match torch bit for bit); exact samples (Fractions) give the exact windows.
    return_indices : bool
        Also return each maximum's flat (row-major) index in its plane, as torch.

    Returns
    -------
    numpy.ndarray, or (numpy.ndarray, numpy.ndarray of int64)
        Values in ``x``'s dtype.  Ties: the first maximum in row-major window order; NaN wins
        and the last NaN's index is kept (torch's ``val > max || isnan(val)``).

    See Also
    --------
    fractional_starts : the window starts of one axis.
    max_pool : fixed windows; adaptive_max_pool : windows from the lengths alone.

    Examples
    --------
    Ten cells to four windows of 2: ``alpha = 8/3``; sample 0.9 starts them at 0, 3, 5 and 8.

    >>> x = np.array([3, 1, 4, 1, 5, 9, 2, 6, 5, 3])
    >>> fractional_max_pool(x, 2, 4, [0.9], return_indices=True)
    (array([3, 5, 9, 5]), array([0, 4, 5, 8]))
    >>> [int(x[s : s + 2].max()) for s in (0, 3, 5, 8)]
    [3, 5, 9, 5]
    """
    func = "fractional_max_pool"
    return_indices = check_bool(func, "return_indices", return_indices)
    x = as_operand(func, "x", x)
    given = samples
    samples = as_operand(func, "samples", samples)
    r = samples.shape[-1] if samples.ndim >= 1 else 0
    if not 1 <= r <= x.ndim:
        raise fail(func, "samples", given, f"has a last axis of {r}", f"1 to x.ndim={x.ndim} samples per plane")
    lead, plane = x.shape[: x.ndim - r], x.shape[x.ndim - r :]
    samples = _check_samples(func, samples, lead, r)
    kernel = _lengths(func, "kernel_size", kernel_size, r)
    sizes = _lengths(func, "output_size", output_size, r)
    for a, (n, k, o) in enumerate(zip(plane, kernel, sizes)):
        if o + k - 1 > n:
            problem = f"needs output_size + kernel_size - 1 = {o}+{k}-1 = {o + k - 1} cells on axis {a}, x has {n}"
            raise fail(func, "output_size", output_size, problem, "output_size + kernel_size - 1 <= the input length")
    if x.dtype.kind == "c":
        raise fail(func, "x", x, "is complex, which has no order", "real numbers", TypeError)
    check_cells(func, "output_size", output_size, "an output", lead + sizes, x.size)
    # starts[a]: (*lead, out_a) window starts along pooled axis a, from samples[..., a].
    starts = [fractional_starts(samples[..., a], n, k, o) for a, (n, k, o) in enumerate(zip(plane, kernel, sizes))]
    for a, (st, n, k) in enumerate(zip(starts, plane, kernel)):
        if st.size and (st.min() < 0 or st.max() + k > n):  # float rounding could, in principle
            problem = f"places a window outside axis {a} of length {n} (start {int(st.max())}, length {k})"
            raise fail(func, "samples", given, problem, "samples whose windows fit the input")
    best, index = _max_over(func, x, starts, kernel, plane)
    best = finish(best, "object") if best.dtype.kind == "O" else best
    return (best, index) if return_indices else best


def _lengths(func: str, name: str, value: Any, r: int) -> tuple[int, ...]:
    lengths = shape_tuple(func, name, value)
    if is_int(value):
        return lengths * r
    if len(lengths) != r:
        raise fail(func, name, value, f"has {len(lengths)} entries but samples name {r} pooled axes", f"{r} ints")
    return lengths


def _max_over(func: str, x: np.ndarray, starts: list, kernel: tuple, plane: tuple):
    """Maximum and flat index over each window, per plane: taps in row-major order, torch's rule."""
    r, lead = len(plane), x.shape[: x.ndim - len(plane)]
    planes = x.reshape(-1, *plane)
    p = np.arange(planes.shape[0]).reshape(-1, *(1,) * r)
    # Each start table as (planes, 1, .., out_a, .., 1) so that all axes broadcast together.
    tables = [st.reshape(-1, *(st.shape[-1] if b == a else 1 for b in range(r))) for a, st in enumerate(starts)]
    steps = [math.prod(plane[a + 1 :]) for a in range(r)]
    best = index = None
    for tap in np.ndindex(*kernel):
        cells = [t + d for t, d in zip(tables, tap)]
        values = planes[(p, *cells)]
        flat = sum(c * s for c, s in zip(cells, steps))
        if best is None:
            best, index = values.copy(), np.broadcast_to(flat, values.shape).astype(np.int64)
            continue
        try:
            take = np.greater(values, best)
        except TypeError as exc:
            raise _unordered(func, x, exc) from None
        if x.dtype.kind == "f":
            take |= np.isnan(values)
        np.copyto(best, values, where=take)
        np.copyto(index, np.broadcast_to(flat, index.shape), where=take)
    shape = lead + tuple(st.shape[-1] for st in starts)
    return best.reshape(shape), index.reshape(shape)
