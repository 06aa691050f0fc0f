"""``pad``: torch's ``F.pad`` and NumPy's ``np.pad`` on the one boundary table and the one padder.

Both peers' modes resolve through :data:`refconv.conventions.PAD_MODES` to refconv's boundary names
(``numpy.pad``'s), and the padded array is :func:`refconv._taps.pad` of a spec whose every axis is
a window of length 1 with the user's ``(before, after)`` pads: the same index arithmetic that pads
every convolution and pool.  Only the order of the pads differs between the conventions:

=================  ==============================================================  ===========================
convention         ``pad``                                                         peer
=================  ==============================================================  ===========================
``"torch"``        flat ``(before, after)`` pairs from the LAST axis               ``torch.nn.functional.pad``
                   backwards: ``(left, right, top, bottom, ...)``
``"numpy"``        ``pad_width`` from the first axis: an int, ``(n,)``,            ``numpy.pad``
                   one ``(before, after)`` pair for all axes, or one per axis
=================  ==============================================================  ===========================

Negative pads crop (torch's rule; ``np.pad`` refuses them, refconv takes them in both conventions).
A copying boundary reads the original input, as torch does: ``reflect``, ``symmetric`` and
``edge`` mirror or repeat across the input's own ends, even where the other side is cropped;
``wrap`` repeats what is left after cropping (torch's ``circular``: crop, then wrap).  Pads past
the input repeat the boundary rule as ``np.pad`` does; under ``convention="torch"`` the limits
torch sets are kept: ``reflect`` pads below the input length, ``circular`` pads at most the
(cropped) length.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from ._arith import as_operand
from ._taps import pad as _taps_pad
from ._validation import check_choice, fail, is_int
from .conventions import _BOUNDARY_HINTS, PAD_MODES
from .spec import AxisGeometry, ConvSpec, check_cells, held_cells

__all__ = ["pad"]

CONVENTIONS = ("torch", "numpy")


def padded(x: np.ndarray, spec: ConvSpec, fill: Any) -> np.ndarray:
    """:func:`refconv._taps.pad` of every axis of ``x`` by ``spec`` with ``fill``, also when ``x``
    is empty (``np.take`` cannot index an empty axis: there every padded cell is ``fill``)."""
    if x.size:
        return _taps_pad(x, spec, tuple(range(x.ndim)), fill)
    shape = tuple(g.padded for g in spec.axes)
    return np.full(shape, fill, dtype=x.dtype) if math.prod(shape) else np.empty(shape, dtype=x.dtype)


def _int_pad(func: str, pad: Any, item: Any) -> int:
    if not is_int(item):
        raise fail(
            func, "pad", pad, f"has an entry {item!r} that is not an int", "ints (negative ones crop)", TypeError
        )
    return int(item)


def _pairs(func: str, pad: Any, ndim: int, convention: str) -> list[tuple[int, int]]:
    """``(before, after)`` per axis of ``x``, from the first axis."""
    if convention == "torch":
        if isinstance(pad, (str, bytes)) or not isinstance(pad, (tuple, list, np.ndarray)):
            raise fail(
                func, "pad", pad, "is not a sequence of ints", "(before, after) ints from the last axis", TypeError
            )
        flat = [_int_pad(func, pad, v) for v in np.asarray(pad, dtype=object).ravel()]
        if len(flat) % 2 or len(flat) > 2 * ndim:
            problem = f"has {len(flat)} entries, not an even number of at most 2*x.ndim = {2 * ndim}"
            raise fail(func, "pad", pad, problem, "(before, after) pairs from the last axis backwards, as torch")
        pairs = [(0, 0)] * ndim
        for j in range(len(flat) // 2):
            pairs[ndim - 1 - j] = (flat[2 * j], flat[2 * j + 1])
        return pairs
    if isinstance(pad, (str, bytes)) or pad is None:
        raise fail(func, "pad", pad, "is not a pad width", "an int, (before, after), or one pair per axis", TypeError)
    arr = np.asarray(pad, dtype=object)
    for item in arr.ravel():
        _int_pad(func, pad, item)
    try:  # numpy.pad's rule: pad_width broadcasts to (ndim, 2)
        table = np.broadcast_to(arr, (ndim, 2))
    except ValueError:
        raise fail(func, "pad", pad, f"does not broadcast to ({ndim}, 2)", "np.pad's pad_width forms") from None
    return [(int(b), int(a)) for b, a in table]


def _fill(func: str, value: Any, x: np.ndarray) -> Any:
    """``value`` as a cell of ``x``'s dtype, refused where that would change it (never wraps)."""
    v = as_operand(func, "value", value)
    if v.ndim != 0:
        raise fail(func, "value", value, f"has shape {v.shape}", "a scalar", TypeError)
    v = v[()]
    kind = x.dtype.kind
    if kind == "O":
        if isinstance(v, float) or np.asarray(v).dtype.kind in "fc":
            raise fail(
                func, "value", value, "is a float while x is exact", "an int, Fraction or SymPy value", TypeError
            )
        return int(v) if isinstance(v, np.integer) else v
    if kind in "fc":
        if isinstance(v, numbers.Number) and not isinstance(v, (np.number, int, float, complex)):
            raise fail(func, "value", value, f"is exact while x is {x.dtype}", "a float value", TypeError)
        if kind == "f" and np.iscomplexobj(v):
            raise fail(func, "value", value, f"is complex while x is {x.dtype}", "a real value", TypeError)
        return x.dtype.type(v)  # rounded once to x's dtype, as torch and numpy round it
    exact = _as_int(v)
    info = np.iinfo(x.dtype)
    if exact is None or not info.min <= exact <= info.max:
        problem = f"is not an integer {x.dtype} holds" + ("" if exact is None else f" ({info.min} .. {info.max})")
        raise fail(func, "value", value, problem, f"an integer value that fits {x.dtype}, or x cast first")
    return exact


def _as_int(v: Any) -> int | None:
    """The integer ``v`` equals, or None (a non-integral or non-real value)."""
    try:
        whole = int(v)
        return whole if whole == v else None
    except (TypeError, ValueError, OverflowError):
        return None


def _check_limits(func, pad, pairs, shape, boundary, convention):
    for axis, ((lo, hi), n) in enumerate(zip(pairs, shape)):
        kept = n + min(lo, 0) + min(hi, 0)
        if n + lo + hi < 0 or kept < 0:
            problem = f"crops axis {axis} of length {n} by {-min(lo, 0) - min(hi, 0)}"
            raise fail(func, "pad", pad, problem, f"crops of at most {n} cells on axis {axis}")
        if boundary == "constant" or max(lo, hi) <= 0:
            continue
        # torch's replicate reads the edge of the uncropped axis (index clamped to [0, n)), so a
        # crop that leaves nothing still has an edge to copy; the other copying modes have none.
        if kept == 0 and not (boundary == "edge" and convention == "torch" and n > 0):
            problem = f"extends axis {axis}, which holds no cells, by copying"
            raise fail(func, "pad", pad, problem, "mode='constant' for an empty axis (as numpy and torch)")
        if convention == "torch" and boundary == "reflect" and max(lo, hi) >= n:
            problem = f"reflects {max(lo, hi)} cells of axis {axis} of length {n}"
            raise fail(func, "pad", pad, problem, f"reflect pads < {n} (as torch requires), or convention='numpy'")
        if convention == "torch" and boundary == "wrap" and max(lo, hi) > kept:
            problem = f"wraps {max(lo, hi)} cells of axis {axis}, more than its {kept} (once around)"
            raise fail(func, "pad", pad, problem, f"circular pads <= {kept} (as torch), or convention='numpy'")


def pad(x: Any, pad: Any, *, mode: str = "constant", value: Any = 0, convention: str = "torch") -> np.ndarray:
    """Pad (or crop) ``x``, as ``torch.nn.functional.pad`` or ``numpy.pad`` does.

    Parameters
    ----------
    x : array_like
        Any rank; integer, float, complex or exact object arrays (``int``, ``Fraction``, SymPy).
    pad : sequence of int, or int
        ``convention="torch"``: ``(before, after)`` pairs from the last axis backwards, as
        ``F.pad``: ``(left, right)`` pads the last axis, ``(left, right, top, bottom)`` the last
        two.  ``convention="numpy"``: ``np.pad``'s ``pad_width`` from the first axis (an int,
        ``(n,)``, one ``(before, after)`` pair for every axis, or one pair per axis).  Negative
        pads crop.
    mode : str
        ``"constant"``, ``"reflect"``, ``"symmetric"``, ``"edge"``, ``"wrap"`` (``np.pad``'s) or
        torch's ``"replicate"`` (edge) and ``"circular"`` (wrap), in either convention
        (:data:`refconv.conventions.PAD_MODES`).
    value : scalar
        What ``"constant"`` padding holds.  It must fit ``x``'s dtype exactly for integer and
        exact arrays (never wrapped nor truncated, where torch truncates ``0.5`` to 0); a float
        ``x`` takes it rounded once to its dtype.  Other modes take no value but 0, as torch.
    convention : {"torch", "numpy"}
        The order of ``pad``, and torch's limits (``reflect`` pads below the input length,
        ``circular`` at most once around) or none (``np.pad`` repeats the rule).

    Returns
    -------
    numpy.ndarray
        ``x``'s dtype; each axis ``n + before + after`` long.

    Raises
    ------
    ValueError
        For an odd or too long torch ``pad``, a crop longer than the axis, a copying mode on an
        empty axis (or one cropped to nothing, but for torch's ``replicate``), torch's
        reflect/circular limits, a value the dtype does not hold, an unknown mode or convention.
    TypeError
        For non-integer pads, a non-scalar value, or a float value for an exact array.

    See Also
    --------
    refconv.correlate : pads the same way by ``mode``, ``boundary`` and ``cval``.
    refconv.conventions.PAD_MODES : the mode names and the boundary each is.

    Examples
    --------
    torch's order, last axis first; negative pads crop:

    >>> x = np.arange(1, 7).reshape(2, 3)
    >>> pad(x, (1, -1, 0, 1), value=9)
    array([[9, 1, 2],
           [9, 4, 5],
           [9, 9, 9]])
    >>> pad([1, 2, 3], (2, 2), mode="reflect"), pad([1, 2, 3], (2, 2), mode="replicate")
    (array([3, 2, 1, 2, 3, 2, 1]), array([1, 1, 1, 2, 3, 3, 3]))

    torch's replicate copies the uncropped edge, even where the crop leaves no cell:

    >>> pad([1, 2, 3], (-3, 2), mode="replicate")
    array([3, 3])

    numpy's order, first axis first, and its repeated reflection past the input:

    >>> pad([1, 2, 3], 4, mode="symmetric", convention="numpy")
    array([3, 3, 2, 1, 1, 2, 3, 3, 2, 1, 1])
    >>> bool((pad(x, ((0, 1), (2, 0)), mode="wrap", convention="numpy")
    ...       == np.pad(x, ((0, 1), (2, 0)), mode="wrap")).all())
    True

    Exact values stay exact:

    >>> from fractions import Fraction
    >>> pad(np.array([1, 2], dtype=object), (1, 0), value=Fraction(1, 3)).tolist()
    [Fraction(1, 3), 1, 2]
    """
    func = "pad"
    x = as_operand(func, "x", x)
    convention = check_choice(func, "convention", convention, CONVENTIONS)
    boundary = PAD_MODES[check_choice(func, "mode", mode, tuple(PAD_MODES), _BOUNDARY_HINTS)]
    pairs = _pairs(func, pad, x.ndim, convention)
    _check_limits(func, pad, pairs, x.shape, boundary, convention)
    fill = _fill(func, value, x)
    if boundary != "constant" and fill != 0:
        raise fail(
            func, "value", value, f"is given with mode={mode!r}, which copies cells", "value only with 'constant'"
        )
    out_shape = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape, pairs))
    check_cells(func, "pad", pad, "a padded array", out_shape, held_cells(x))
    if boundary == "wrap":  # torch's circular wraps what is left after cropping: crop first
        x = x[tuple(slice(-min(lo, 0), n + min(hi, 0)) for n, (lo, hi) in zip(x.shape, pairs))]
        pairs = [(max(lo, 0), max(hi, 0)) for lo, hi in pairs]
    spec = ConvSpec(tuple(AxisGeometry(n, 1, lo=lo, hi=hi) for n, (lo, hi) in zip(x.shape, pairs)), boundary)
    out = padded(x, spec, fill)
    return out.copy() if out is x else out
