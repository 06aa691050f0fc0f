"""Average pooling: :func:`avg_pool`, exact for exact inputs, with PyTorch's divisors."""

from __future__ import annotations

from collections.abc import Callable
from functools import reduce
from typing import Any

import numpy as np

from .._arith import accumulator, convert, domain, finish
from .._taps import array_safe, source_index
from .._validation import check_bool, fail, is_int
from ..spec import ConvSpec
from ._windows import _ratio, _refuse_empty, _restore, _setup, _window_sum

__all__ = ["avg_pool"]


def _counts(spec: ConvSpec, lo_edge: Callable, hi_edge: Callable, outputs: tuple | None = None) -> np.ndarray:
    """Per output, the number of window taps with ``lo_edge(g) <= source < hi_edge(g)`` on every
    axis, as an array over the output's pooled axes (only the ``outputs`` ranges, one ``range``
    per axis, when given: refconv.dask divides block by block)."""
    per_axis = []
    for i, g in enumerate(spec.axes):
        o = np.arange(g.out) if outputs is None else np.arange(outputs[i].start, outputs[i].stop)
        src = source_index(o[:, None], np.arange(g.k)[None, :], array_safe(g))
        per_axis.append(((src >= lo_edge(g)) & (src < hi_edge(g))).sum(axis=1))
    return reduce(np.multiply, np.ix_(*per_axis))


def avg_pool(
    x: Any,
    kernel_size: Any,
    *,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
    axes: Any = None,
    pad_rule: str = "torch",
) -> np.ndarray:
    """Average pooling: the mean over each rectangular window, exact for exact inputs.

    Parameters
    ----------
    x : array_like
        Any rank; integer, float, complex or exact object arrays.
    kernel_size, stride, padding, dilation, ceil_mode, axes, pad_rule
        As in :func:`max_pool`; padded cells hold zero.  PyTorch's ``avg_pool`` has no
        ``dilation``; ONNX's ``AveragePool`` has (``dilations``, opset 19), and so does this.
        ``pad_rule="onnx"`` takes ONNX's pads (any, while every window holds an input cell).
    count_include_pad : bool
        Divide by the window's taps inside the padded input (True, PyTorch's default) or by its
        taps on input cells (False, ONNX's default).  Either way the taps a ceil-mode window
        reaches past the padded input are not counted, as in PyTorch, ONNX's reference and
        onnxruntime; with dilation only the taps are counted, never the cells between them.
    divisor_override : int, optional
        A nonzero divisor used for every window instead (PyTorch's; it overrides
        ``count_include_pad``).

    Raises
    ------
    ValueError
        The geometry errors of :func:`max_pool`; and, for exact ``x`` with
        ``count_include_pad=False``, a dilated window that holds padding only (a mean of no
        cells; float ``x`` gives NaN, 0/0).

    Returns
    -------
    numpy.ndarray
        Exact inputs (integer dtypes, object arrays of int/Fraction): an object array of
        :class:`fractions.Fraction` (``Fraction(2, 1)`` for an integral mean; never a floor
        division).  SymPy inputs: SymPy.  Float/complex: ``x``'s dtype, computed as the sum over
        the taps in row-major order from zero, then one division.  ``float16`` is summed and
        divided in ``float64`` and rounded once to ``float16``: a mean that fits ``float16`` never
        overflows (``[60000, 60000]`` gives 60000, as PyTorch's ``float32`` accumulation does), and
        for windows and divisors up to ``2**13`` it is the correctly rounded mean.

    See Also
    --------
    max_pool : the maximum over the same windows.
    lp_pool : the p-norm over the windows.
    weighted_pool : a distance-weighted average; equal weights give ``count_include_pad=False``.
    global_avg_pool : one window over the whole of the pooled axes.

    Examples
    --------
    The 4x4 image of :func:`max_pool`, exactly:

    >>> x = np.array([[1, 2, 5, 6], [3, 4, 7, 8], [0, 0, 1, 0], [0, 9, 0, 0]])
    >>> avg_pool(x, (2, 2)).tolist()
    [[Fraction(5, 2), Fraction(13, 2)], [Fraction(9, 4), Fraction(1, 4)]]

    Each mean is its window's sum over 4, by hand:

    >>> from fractions import Fraction
    >>> hand = [[Fraction(int(x[i : i + 2, j : j + 2].sum()), 4) for j in (0, 2)] for i in (0, 2)]
    >>> hand == avg_pool(x, (2, 2)).tolist()
    True
    >>> avg_pool([1, 2], 2)[0]
    Fraction(3, 2)

    PyTorch's divisor with ceil_mode and padding: the window past the input counts its padding
    but never the ceil overhang.

    >>> avg_pool(np.arange(1.0, 7.0), 3, stride=2, padding=1, ceil_mode=True)
    array([1., 3., 5., 3.])
    >>> avg_pool(np.arange(1.0, 7.0), 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)
    array([1.5, 3. , 5. , 6. ])

    Dilation 2 reads every other cell: ``(1 + 2) / 2, (9 + 8) / 2, (2 + 3) / 2``

    >>> avg_pool([1, 9, 2, 8, 3], 2, stride=1, dilation=2).tolist()
    [Fraction(3, 2), Fraction(17, 2), Fraction(5, 2)]

    ONNX's pads beyond ``k // 2``: the windows ``[0, 0, 1]``, ``[0, 1, 9]``, ... count their
    padding with ``count_include_pad`` (3 taps each) and do not without it:

    >>> avg_pool([1, 9], 3, stride=1, padding=2, pad_rule="onnx").tolist()
    [Fraction(1, 3), Fraction(10, 3), Fraction(10, 3), Fraction(3, 1)]
    >>> avg_pool([1, 9], 3, stride=1, padding=2, pad_rule="onnx", count_include_pad=False).tolist()
    [Fraction(1, 1), Fraction(5, 1), Fraction(5, 1), Fraction(9, 1)]
    """
    func = "avg_pool"
    count_include_pad = check_bool(func, "count_include_pad", count_include_pad)
    if divisor_override is not None:
        if not is_int(divisor_override):
            raise fail(func, "divisor_override", divisor_override, "is not an int", "None or a nonzero int", TypeError)
        if divisor_override == 0:
            raise fail(func, "divisor_override", divisor_override, "is zero", "None or a nonzero int (as torch)")
    moved, spec, axes = _setup(
        func,
        x,
        kernel_size,
        axes,
        stride=stride,
        padding=padding,
        dilation=dilation,
        ceil_mode=ceil_mode,
        pad_rule=pad_rule,
    )
    if moved.dtype.kind not in "fc" and divisor_override is None and not count_include_pad:
        _refuse_empty(func, spec, dilation, padding, "a mean of no cells", "float x gives NaN, 0/0")
    kind = domain(func, {"x": moved, "w": np.ones(spec.kernel_shape, dtype=np.int64)})
    given_dtype = moved.dtype
    moved = convert(moved, kind, accumulator(moved.dtype))
    if divisor_override is not None:
        divisor = np.array(int(divisor_override))
    elif count_include_pad:
        divisor = _counts(spec, lambda g: -g.lo, lambda g: g.n + g.hi)
    else:
        divisor = _counts(spec, lambda g: 0, lambda g: g.n)
    if kind == "float":
        counts = divisor.astype(moved.real.dtype)
        # Each slab's sums are divided while they are in cache (the slab's own part of the result).
        total = _window_sum(moved, spec, then=lambda sums: np.divide(sums, counts, out=sums))
        return _restore(total.astype(given_dtype, copy=False), axes)
    return _restore(finish(_ratio(_window_sum(moved, spec), divisor), "object"), axes)
