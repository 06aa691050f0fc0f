"""Deformable convolution: :func:`deform_conv`, ONNX ``DeformConv`` and torchvision's ``deform_conv2d``, any rank.

A deformable convolution is :func:`refconv.conv` whose taps read the input at shifted, possibly
fractional, positions.  Along spatial axis ``a``, output ``o`` reads through tap ``t`` at::

    p_a = o_a*s_a - lo_a + t_a*d_a + offset[n, g, t, a, o]

(the integer part is :func:`refconv._taps.source_index`, the one geometry's; ``g`` is the offset
group of the input channel) and the value there is the multilinear (bilinear in 2-D)
interpolation of the ``2**rank`` surrounding cells::

    sample(p) = sum over corners c in {floor(p), floor(p) + 1} of  prod_a (1 - |p_a - c_a|) * x[c]

where a corner outside the input holds 0 (ONNX: "sampling locations outside of the padded input
tensor give zero"; torchvision's ``bilinear_interpolate``).  The layer is then::

    y[n, co, o] = bias[co] + sum_{ci in the group of co} sum_t w[co, ci, t] * (mask[n, g, t, o] * sample(p))

Layouts (ONNX's and torchvision's, which agree): ``offset`` is ``(N, offset_groups*K*rank, *out)``
with channel ``(g*K + t)*rank + a`` (taps ``t`` row-major over the kernel, ``K = prod(kernel)``;
in 2-D the ``(dy, dx)`` pairs), ``mask`` is ``(N, offset_groups*K, *out)`` with channel
``g*K + t``; input channel ``c`` belongs to offset group ``c // (C_in/offset_groups)``.  The
geometry (``stride``, ``padding``, ``dilation``, ``groups``, the output shape) is
:class:`refconv.spec.LayerCall`'s, exactly :func:`refconv.conv`'s.
"""

from __future__ import annotations

import itertools
import math
import numbers
from fractions import Fraction
from typing import Any

import numpy as np

from ._arith import as_operand, convert, domain, finish, fits_int64
from ._taps import array_safe, source_index
from ._validation import fail, is_int
from .spec import ConvSpec, LayerCall, check_cells, held_cells

__all__ = ["deform_conv"]


def _offset_groups(func: str, value: Any, c_in: int) -> int:
    if not is_int(value):
        raise fail(func, "offset_groups", value, "is not an integer", "an int >= 1 dividing C_in", TypeError)
    if value < 1 or c_in % value:
        problem = "is < 1" if value < 1 else f"does not divide C_in = x.shape[1] = {c_in}"
        raise fail(func, "offset_groups", value, problem, "an int >= 1 dividing C_in")
    return int(value)


def _field(func: str, name: str, value: Any, call: LayerCall, channels: int, layout: str) -> np.ndarray:
    """``offset`` or ``mask`` checked against the call's shape, always batched."""
    arr = as_operand(func, name, value)
    lead = (call.n,) if call.batched else ()
    want = (*lead, channels, *call.spec.output_shape)
    if arr.shape != want:
        problem = (
            f"does not match x.shape={call.x.shape if call.batched else call.x.shape[1:]} and w.shape={call.w.shape}"
        )
        raise fail(func, f"{name}.shape", arr.shape, problem, f"{name} of shape {want}: {layout}")
    if arr.dtype.kind == "c":
        raise fail(func, name, value, f"is a {arr.dtype} array", f"real {name}s", TypeError)
    return arr if call.batched else arr[None]


def _rational_offsets(func: str, offset: np.ndarray) -> np.ndarray:
    """Exact offsets as Python ints and Fractions: a position picks cells, so it must be a number."""
    if offset.dtype.kind != "O":
        return offset
    out = np.empty(offset.shape, dtype=object)
    for index, item in np.ndenumerate(offset):
        if isinstance(item, numbers.Integral):
            out[index] = int(item)
        elif isinstance(item, Fraction):
            out[index] = item
        elif getattr(item, "is_Rational", False):  # a SymPy rational number
            out[index] = Fraction(int(item.p), int(item.q))
        else:
            problem = f"holds {item!r}, which is not a rational number (a position picks the cells sampled)"
            raise fail(func, "offset", offset, problem, "int, Fraction or sympy.Rational offsets", TypeError)
    return out


def _arithmetic(func: str, operands: dict[str, np.ndarray]) -> tuple[str, Any]:
    """The arithmetic of the call and its float dtype (None when exact).

    Integer operands stay in int64 while ``max|x| * max|mask| * max_co sum|w_co| + max|bias|``
    fits (with integer offsets every sample is one cell of ``x``), else Python ints.
    """
    kind = domain(func, operands, lead=1)
    if kind == "float":
        return kind, np.result_type(*operands.values())
    if kind == "int64" and "mask" in operands:
        x, mask = operands["x"], operands["mask"]
        top = (max(abs(int(x.max())), abs(int(x.min()))) if x.size else 0) * (
            max(abs(int(mask.max())), abs(int(mask.min()))) if mask.size else 0
        )
        scaled = {**operands, "x": np.array([top], dtype=object)}
        kind = "int64" if fits_int64(scaled, lead=1) else "object"
    return kind, None


def _positions(offset: np.ndarray, spec: ConvSpec, groups: int, kind: str, dtype: Any) -> list[np.ndarray]:
    """Sampling positions ``p_a`` per axis, ``(N, G, *k, *out)`` each, in the call's arithmetic.

    An offset beyond ``n + reach`` puts every corner outside the input whatever its size, so it
    is clipped there first: int64 positions never wrap, and an infinite offset samples 0.
    """
    rank, kernel, out = spec.ndim, spec.kernel_shape, spec.output_shape
    offset = offset.reshape(offset.shape[:1] + (groups, *kernel, rank, *out))
    positions = []
    for a, g in enumerate(spec.axes):
        g = array_safe(g)
        # Tap t_a on axis a and output o_a on axis rank + a of (*k, *out); leading axes broadcast.
        t = np.arange(g.k).reshape((-1,) + (1,) * (2 * rank - a - 1))
        o = np.arange(g.out).reshape((-1,) + (1,) * (rank - a - 1))
        base = source_index(o, t, g)
        bound = g.n + 2 + max(abs(int(base.min())), abs(int(base.max())))
        off = offset[(slice(None), slice(None)) + (slice(None),) * rank + (a,)]
        if kind == "float":
            off = np.clip(off.astype(dtype), -bound, bound)
            positions.append(base.astype(dtype) + off)  # rounded once, as torchvision does
        elif kind == "int64":
            off = np.minimum(off, bound) if off.dtype == np.uint64 else off
            positions.append(base + np.clip(off.astype(np.int64), -bound, bound))
        else:
            # Python ints, not NumPy int64 scalars: Fraction arithmetic with those goes through float.
            positions.append(base.astype(object) + np.minimum(np.maximum(off.astype(object), -bound), bound))
    return positions


def _split(p: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """``(floor(p) as int64, p - floor(p) or None when 0, NaN positions or None)``."""
    if kind == "int64":
        return p, None, None
    if kind == "object":
        low = p // 1  # ints and Fractions floor exactly to ints
        return low.astype(np.int64), p - low, None
    nan = np.isnan(p)
    p = np.where(nan, 0, p)
    low = np.floor(p)
    return low.astype(np.int64), p - low, nan if nan.any() else None


def _sample(x: np.ndarray, positions: list[np.ndarray], spec: ConvSpec, kind: str) -> np.ndarray:
    """``sample(p)`` for every channel: ``(N, G, C_in/G, *k, *out)`` from ``x (N, C_in, *S)``.

    Corners in row-major order of ``{0, 1}**rank`` (low first), each weight the product of its
    axes' factors in axis order, the terms added left to right: torchvision's
    ``w1*v1 + w2*v2 + w3*v3 + w4*v4`` in 2-D.  A corner outside the input, or whose weight is
    exactly zero, adds nothing, so an integer position reads exactly one cell (torchvision would
    also read the zero-weight neighbour, and ``0 * inf`` there is NaN).
    """
    n, groups = positions[0].shape[:2]
    per_group, rank = x.shape[1] // groups, spec.ndim
    xg = x.reshape((n, groups, per_group) + x.shape[2:])
    lead = tuple(np.arange(m).reshape((1,) * i + (-1,) + (1,) * (2 - i + 2 * rank)) for i, m in enumerate(xg.shape[:3]))
    parts = [_split(p, kind) for p in positions]
    total = None
    for corner in itertools.product((0, 1), repeat=rank):
        if kind == "int64" and any(corner):
            break  # integer positions: every other corner has weight 0
        weight, valid, index = None, True, []
        for (low, frac, _), b, g in zip(parts, corner, spec.axes):
            i = low + b
            valid = valid & (i >= 0) & (i < g.n)
            index.append(np.clip(i, 0, g.n - 1)[:, :, None])
            if frac is not None:
                factor = frac if b else 1 - frac
                weight = factor if weight is None else weight * factor
        value = xg[lead + tuple(index)]
        if weight is None:
            term = np.where(valid[:, :, None], value, 0)
        else:
            with np.errstate(invalid="ignore"):  # 0 * inf at a skipped corner is discarded
                term = np.where((valid & (weight != 0))[:, :, None], weight[:, :, None] * value, 0)
        total = term if total is None else total + term
    nan = [bad for _, _, bad in parts if bad is not None]
    if nan:  # a NaN position samples NaN, in every channel of its offset group
        total = np.where(np.logical_or.reduce(nan)[:, :, None], np.nan, total)
    return total


def _contract(cols: np.ndarray, w: np.ndarray, groups: int, out: tuple[int, ...]) -> np.ndarray:
    """``y[n, co, o] = sum_{ci, t} w[co, ci, t] * cols[n, ci, t, o]`` within each group, input
    channels outer, taps (row-major) inner, added left to right; ``cols`` is ``(N, C_in, *k, *out)``
    in any split of its channel axis."""
    n, c_out, per_group = cols.shape[0], w.shape[0], w.shape[1]
    taps = math.prod(w.shape[2:])
    cols = cols.reshape((n, groups, per_group, taps) + out)
    wg = w.reshape((groups, c_out // groups, per_group, taps))
    y = None
    for ci in range(per_group):
        for t in range(taps):
            term = wg[:, :, ci, t].reshape((1, groups, c_out // groups) + (1,) * len(out)) * cols[:, :, None, ci, t]
            y = term if y is None else y + term
    return y.reshape((n, c_out) + out)


def deform_conv(
    x: Any,
    offset: Any,
    w: Any,
    bias: Any = None,
    *,
    mask: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
    offset_groups: int = 1,
) -> np.ndarray:
    """Deformable convolution, as ONNX ``DeformConv`` and torchvision's ``deform_conv2d``, any rank, exact.

    Tap ``t`` of output ``o`` reads ``x`` at ``o*s - lo + t*d + offset`` (per spatial axis),
    interpolated multilinearly (bilinearly in 2-D) from the surrounding cells, cells outside the
    input being 0, and scaled by ``mask``; the module docstring (:mod:`refconv.deform`) has the
    formulas.  With zero offsets and no mask it is :func:`refconv.conv`.

    Parameters
    ----------
    x : array_like
        Input ``(N, C_in, *spatial)``, or unbatched ``(C_in, *spatial)`` (then ``offset`` and
        ``mask`` are unbatched too).
    offset : array_like
        ``(N, offset_groups*K*rank, *out)``, ``K = prod(kernel)``: channel ``(g*K + t)*rank + a``
        is the offset along axis ``a`` of tap ``t`` (row-major) for offset group ``g`` (ONNX's
        and torchvision's layout: ``(dy, dx)`` pairs in 2-D).  Real numbers: ints, floats,
        Fractions or SymPy rationals (a position picks cells, so it cannot be a symbol).
    w : array_like
        Weight ``(C_out, C_in/groups, *kernel)``, as :func:`refconv.conv`'s.
    bias : array_like, optional
        ``(C_out,)``, added last.
    mask : array_like, optional
        ``(N, offset_groups*K, *out)``, channel ``g*K + t`` scales the sample of tap ``t``
        (torchvision's ``mask``, ONNX's ``mask``; deformable convolution v2).  Default: ones.
    stride, padding, dilation : int, tuple of int, or refconv's layer forms
        As in :func:`refconv.conv` (``padding`` also ``"same"``, ``"valid"`` or ``(before,
        after)`` pairs, ONNX's per-side ``pads``); the padding only moves the sampling grid, as
        every cell outside the input is 0.
    groups : int
        Channel groups, as in :func:`refconv.conv`.
    offset_groups : int
        Dividing ``C_in``: input channel ``c`` is sampled at the offsets of group
        ``c // (C_in/offset_groups)`` (ONNX's ``offset_group``).

    Returns
    -------
    numpy.ndarray
        ``(N, C_out, *out)`` (or ``(C_out, *out)`` unbatched), ``out`` as :func:`refconv.conv`'s.
        Exact operands (integer dtypes, object arrays of int, Fraction, SymPy) give exact
        results: int64 when the offsets are integers and ``max|x| * max|mask| * max_co
        sum|w_co| + max|bias| < 2**63``, else an object array (Fractions where an offset or
        operand is one).  Floats: ``numpy.result_type`` of all operands.

    Raises
    ------
    ValueError
        :func:`refconv.conv`'s refusals, ``offset_groups`` not dividing ``C_in``, an ``offset``
        or ``mask`` of the wrong shape, or sampled columns ``(N, C_in, K, *out)`` past
        :data:`refconv.spec.CELL_LIMIT`.
    TypeError
        Non-numeric operands, complex or symbolic offsets, exact object operands mixed with floats.

    See Also
    --------
    refconv.conv : the same layer with every offset 0.
    refconv.unfold : the columns of ``conv``; ``deform_conv`` samples its columns at offsets.
    refconv.spec.LayerCall : how ``x``, ``w``, ``bias`` and the geometry are checked.

    Notes
    -----
    *Float evaluation.*  Each position is ``float(o*s - lo + t*d) + offset`` rounded once in
    the operands' real dtype (as torchvision computes it), split into ``floor`` and fraction;
    corner weights are products of ``1 - frac`` and ``frac`` in axis order; the sample is the sum
    of ``weight * x[corner]`` over corners in row-major order (low corner first), left to right;
    it is multiplied by the mask, then by the weight, and the products are added over input
    channels (outer) and taps (inner, row-major) left to right; the bias is added last.  A corner
    outside the input or of weight exactly 0 adds nothing, so an integer position reads one cell
    (torchvision multiplies the zero-weight neighbour too: ``0 * inf`` is NaN there).  An
    infinite offset samples 0 (outside); a NaN offset samples NaN.  ONNX's reference evaluator
    normalises positions for ``GridSample`` and back, so it rounds differently (and divides by
    zero on a spatial axis of length 1).

    *Exact evaluation.*  Positions and weights are Python ints and Fractions, so the result is
    the definition's value; with integer offsets every weight is 0 or 1.

    *Ranks.*  torchvision and onnxruntime are 2-D; ONNX's specification defines every rank, and
    so does this function (1-D, 3-D, ...).  ONNX's text gives the N-D mask ``K*rank`` channels;
    its reference evaluator (and the 2-D case) use ``K``, as here.

    Examples
    --------
    A half-cell offset averages neighbours; past the last cell the input is 0:

    >>> from fractions import Fraction
    >>> x = np.array([[[2, 4, 8, 16]]])                        # N=1, C_in=1, length 4
    >>> half = np.full((1, 1, 4), Fraction(1, 2), dtype=object)  # 1 offset group, 1 tap, 1 axis
    >>> deform_conv(x, half, np.array([[[1]]])).tolist()
    [[[Fraction(3, 1), Fraction(6, 1), Fraction(12, 1), Fraction(8, 1)]]]
    >>> [(2 + 4) / 2, (4 + 8) / 2, (8 + 16) / 2, (16 + 0) / 2]
    [3.0, 6.0, 12.0, 8.0]

    Zero offsets give :func:`refconv.conv`; an integer offset shifts the taps (mask 1/2 halves):

    >>> import refconv
    >>> w = np.array([[[1, 10]]])
    >>> zero = np.zeros((1, 2, 3), dtype=int)                   # 2 taps, 3 outputs
    >>> deform_conv(x, zero, w), refconv.conv(x, w)
    (array([[[ 42,  84, 168]]]), array([[[ 42,  84, 168]]]))
    >>> deform_conv(x, zero + 1, w).tolist(), [4 + 80, 8 + 160, 16 + 0]
    ([[[84, 168, 16]]], [84, 168, 16])
    >>> deform_conv(x, zero, w, mask=np.full((1, 2, 3), Fraction(1, 2), dtype=object)).tolist()
    [[[Fraction(21, 1), Fraction(42, 1), Fraction(84, 1)]]]
    """
    func = "deform_conv"
    call = LayerCall.conv(func, x, w, bias, stride=stride, padding=padding, dilation=dilation, groups=groups)
    spec, rank = call.spec, call.spec.ndim
    taps = math.prod(spec.kernel_shape)
    og = _offset_groups(func, offset_groups, call.c_in)
    layout = f"(N, offset_groups*K*rank, *out) = (N, {og}*{taps}*{rank}, *out)"
    offset = _rational_offsets(func, _field(func, "offset", offset, call, og * taps * rank, layout))
    operands = {"x": call.x, "w": call.w, "offset": offset}
    if mask is not None:
        operands["mask"] = _field(
            func, "mask", mask, call, og * taps, f"(N, offset_groups*K, *out) = (N, {og}*{taps}, *out)"
        )
    if bias is not None:
        operands["bias"] = call.bias
    given = sum(held_cells(v) for v in operands.values())
    check_cells(func, "offset", offset, "sampled columns", (call.n, call.c_in, taps, *spec.output_shape), given)
    check_cells(func, "offset", offset, "an output", call.out_shape, given)
    kind, dtype = _arithmetic(func, operands)
    real = None if dtype is None else np.zeros(0, dtype).real.dtype
    cols = _sample(convert(call.x, kind, dtype), _positions(offset, spec, og, kind, real), spec, kind)
    if mask is not None:
        m = convert(operands["mask"], kind, dtype)
        cols = m.reshape((call.n, og, 1) + spec.kernel_shape + spec.output_shape) * cols
    y = _contract(cols, convert(call.w, kind, dtype), groups, spec.output_shape)
    if bias is not None:
        y = y + convert(call.bias, kind, dtype).reshape((-1,) + (1,) * rank)
    y = finish(y, kind)
    return y if call.batched else y[0]
