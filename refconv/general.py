"""JAX's general convolution and channels-last layouts, on refconv's one layer path.

:func:`conv_general_dilated` is ``jax.lax.conv_general_dilated`` (XLA's ``Conv``) exactly:
any layout through ``dimension_numbers``, input dilation (``lhs_dilation``, the transposed
convolution's zero interleave), kernel dilation (``rhs_dilation``), pads that may be negative
(cropping), ``feature_group_count`` and ``batch_group_count``.  It is a composition around
:func:`refconv.conv`, never a second kernel:

1. the operands are permuted to refconv's layout ``(N, C, *spatial)`` and ``(O, I, *kernel)``,
   the spatial axes in the order ``rhs_spec`` names them (JAX's rule);
2. per axis, the geometry is one :class:`refconv.spec.AxisGeometry` over the *dilated* input,
   of length ``(n-1)*lhs_dilation + 1``, with the signed pads ``(lo, hi)``; its ``out`` is the
   output length (JAX's ``max(0, ...)`` of it);
3. the input is placed on that padded grid -- cell ``i`` at ``i*lhs_dilation + lo``, the cells
   a negative pad crops dropped, zeros everywhere else -- so what remains is a plain
   convolution with no padding, run by :func:`refconv.conv`;
4. ``batch_group_count = G`` is a feature grouping: batch ``g*(N/G) + n`` becomes channel group
   ``g`` of batch ``n`` (the order XLA uses), and ``groups=G`` pairs it with output group ``g``;
5. the result is permuted to ``out_spec``.

:func:`conv_channels_last` is :func:`refconv.conv` with the input and output in a channels-last
layout (``"NWC"``, ``"NHWC"``, ``"NDHWC"``, any rank): two transposes around the same call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ._arith import as_operand, domain
from ._validation import fail, int_tuple, is_int
from .conventions import same_pads
from .layer import _conv_call, _conv_of, conv
from .methods import get_method
from .spec import AxisGeometry, check_cells, held_cells

__all__ = ["conv_general_dilated", "conv_channels_last"]

_FUNC = "conv_general_dilated"
_PADDING_NAMES = {"VALID": None, "SAME": "jax", "SAME_LOWER": "jax_lower"}  # -> refconv.conventions presets


def _char_perm(func: str, dims: Sequence[str], ndim: int) -> tuple[tuple[int, ...], ...]:
    """JAX's ``conv_general_permutations``: ``("NHWC", "HWIO", "NHWC")`` to axis permutations.

    Each permutation lists (batch or out-feature, feature or in-feature, *spatial); the spatial
    axes of all three follow the order in which the kernel's string names them.
    """
    pairs = (("N", "C"), ("O", "I"), ("N", "C"))
    for i, (spec, (a, b)) in enumerate(zip(dims, pairs)):
        if len(spec) != ndim:
            raise fail(func, "dimension_numbers", tuple(dims), f"[{i}]={spec!r} has {len(spec)} letters", f"{ndim}")
        if spec.count(a) != 1 or spec.count(b) != 1 or len(set(spec)) != ndim:
            raise fail(
                func,
                "dimension_numbers",
                tuple(dims),
                f"[{i}]={spec!r} does not hold {a!r} and {b!r} once each with distinct letters",
                f"strings like ('NCHW', 'OIHW', 'NCHW') or ('NHWC', 'HWIO', 'NHWC') of {ndim} letters",
            )
    spatial = [set(spec) - set(pair) for spec, pair in zip(dims, pairs)]
    if not spatial[0] == spatial[1] == spatial[2]:
        raise fail(
            func,
            "dimension_numbers",
            tuple(dims),
            "names different spatial letters in its three strings",
            "the same spatial letters in the input, kernel and output strings",
        )
    kernel = dims[1]
    order = [c for c in kernel if c not in pairs[1]]
    return tuple((spec.index(a), spec.index(b), *(spec.index(c) for c in order)) for spec, (a, b) in zip(dims, pairs))


def _dimension_numbers(func: str, value: Any, ndim: int) -> tuple[tuple[int, ...], ...]:
    """``(lhs_perm, rhs_perm, out_perm)`` from None, three layout strings, or three permutations
    (``jax.lax.ConvDimensionNumbers`` or any 3-tuple of int sequences)."""
    if value is None:
        return (tuple(range(ndim)),) * 3
    expected = "None, three strings like ('NHWC', 'HWIO', 'NHWC'), or ConvDimensionNumbers (three permutations)"
    named = [getattr(value, f, None) for f in ("lhs_spec", "rhs_spec", "out_spec")]
    dims = named if None not in named else value
    if isinstance(dims, (str, bytes)) or not isinstance(dims, (Sequence, np.ndarray)) or len(dims) != 3:
        raise fail(func, "dimension_numbers", value, "is not three layouts", expected, TypeError)
    if all(isinstance(d, str) for d in dims):
        return _char_perm(func, list(dims), ndim)
    perms = []
    for d in dims:
        if isinstance(d, (str, bytes)) or not isinstance(d, (Sequence, np.ndarray)) or not all(map(is_int, d)):
            raise fail(func, "dimension_numbers", value, "mixes strings and permutations", expected, TypeError)
        if sorted(int(i) for i in d) != list(range(ndim)):
            raise fail(func, "dimension_numbers", value, f"holds {tuple(d)}, not a permutation", f"of 0..{ndim - 1}")
        perms.append(tuple(int(i) for i in d))
    return tuple(perms)


def _signed_pads(func: str, padding: Any, rank: int) -> tuple[tuple[int, int], ...]:
    """``rank`` ``(lo, hi)`` pairs of ints, negative allowed (JAX's explicit form)."""
    expected = f"'VALID', 'SAME', 'SAME_LOWER' or {rank} (low, high) pairs of ints (negative pads crop)"
    if isinstance(padding, (bytes, dict, set)) or not isinstance(padding, (Sequence, np.ndarray)):
        raise fail(func, "padding", padding, "is not a padding", expected, TypeError)
    pairs = list(padding)
    if len(pairs) != rank:
        raise fail(func, "padding", padding, f"has {len(pairs)} entries but there are {rank} spatial axes", expected)
    for pair in pairs:
        if isinstance(pair, (str, bytes)) or not isinstance(pair, (Sequence, np.ndarray)) or len(pair) != 2:
            raise fail(func, "padding", padding, f"has an entry {pair!r} that is not a pair", expected, TypeError)
        if not all(is_int(v) for v in pair):
            raise fail(func, "padding", padding, f"has a non-integer entry in {pair!r}", expected, TypeError)
    return tuple((int(lo), int(hi)) for lo, hi in pairs)


def _pads(func: str, padding: Any, shape: tuple, kernel: tuple, stride: tuple, rhs_d: tuple, lhs_d: tuple) -> tuple:
    """The signed pads of the dilated input: explicit pairs, or JAX's named rule."""
    if not isinstance(padding, str):
        return _signed_pads(func, padding, len(shape))
    name = padding.upper()  # JAX reads the names case-insensitively (PaddingType[padding.upper()])
    if name not in _PADDING_NAMES:
        raise fail(func, "padding", padding, "is not recognised", "'VALID', 'SAME', 'SAME_LOWER' or (low, high) pairs")
    if any(d != 1 for d in lhs_d):
        raise fail(
            func,
            "padding",
            padding,
            f"is a name, which JAX does not take with lhs_dilation={lhs_d}",
            "explicit (low, high) pairs with an lhs_dilation (as jax.lax.conv_general_dilated requires)",
        )
    if name == "VALID":
        return ((0, 0),) * len(shape)
    return same_pads(_PADDING_NAMES[name], shape, kernel, stride=stride, dilation=rhs_d)


def _check_groups(func: str, x: np.ndarray, w: np.ndarray, fgc: Any, bgc: Any, rhs_shape: tuple) -> None:
    """XLA's rules for the two group counts, on the permuted operands ``x (N, C, ...)``, ``w (O, I, ...)``;
    ``rhs_shape`` is the kernel's shape as given, for the message."""
    for name, value in (("feature_group_count", fgc), ("batch_group_count", bgc)):
        if not is_int(value):
            raise fail(func, name, value, "is not an integer", "an int >= 1", TypeError)
        if value < 1:
            raise fail(func, name, value, "is < 1", "an int >= 1")
    if fgc > 1 and bgc > 1:
        raise fail(func, "batch_group_count", bgc, f"is > 1 with feature_group_count={fgc}", "at most one of them > 1")
    (n, c), (o, i) = x.shape[:2], w.shape[:2]
    checks = (
        ("feature_group_count", fgc, c, "the input features C"),
        ("feature_group_count", fgc, o, "the kernel's output features O"),
        ("batch_group_count", bgc, n, "the batch N"),
        ("batch_group_count", bgc, o, "the kernel's output features O"),
    )
    for name, value, count, what in checks:
        if count % value:
            raise fail(func, name, value, f"does not divide {what} = {count}", f"a divisor of {count}")
    if c != i * fgc:
        raise fail(
            func,
            "rhs.shape",
            rhs_shape,
            f"has I = {i} input features but the input has C = {c} with feature_group_count={fgc}",
            f"I * feature_group_count == C, i.e. I = {c // fgc}",
        )


def _check_operands(func: str, lhs: np.ndarray, rhs: np.ndarray) -> None:
    if lhs.ndim != rhs.ndim or lhs.ndim < 3:
        raise fail(
            func,
            "rhs.shape",
            rhs.shape,
            f"has {rhs.ndim} axes and lhs.shape={lhs.shape} has {lhs.ndim}",
            "lhs and rhs of the same rank n+2 with n >= 1 spatial axes",
        )


def _geometry(x: np.ndarray, w: np.ndarray, stride, rhs_d, lhs_d, pads) -> tuple[AxisGeometry, ...]:
    """One AxisGeometry per spatial axis over the dilated input, ``(n-1)*lhs_dilation + 1`` long."""
    return tuple(
        AxisGeometry((n - 1) * ld + 1, k, s, d, lo, hi)
        for n, k, s, d, ld, (lo, hi) in zip(x.shape[2:], w.shape[2:], stride, rhs_d, lhs_d, pads)
    )


def _place(x: np.ndarray, axes: tuple[AxisGeometry, ...], lhs_d: tuple[int, ...]) -> np.ndarray:
    """The padded grid: input cell ``i`` at ``i*lhs_dilation + lo``, cropped cells dropped, zeros elsewhere.

    ``np.zeros`` of object dtype holds Python int 0, which keeps Fractions and SymPy exact.
    """
    grid = np.zeros(x.shape[:2] + tuple(g.padded for g in axes), dtype=x.dtype)
    src, dst = [], []
    for n, g, ld in zip(x.shape[2:], axes, lhs_d):
        first = max(0, -(g.lo // ld))  # the first cell whose place i*ld + lo is >= 0
        last = min(n - 1, (g.padded - 1 - g.lo) // ld)  # the last whose place is < padded
        if last < first:
            return grid  # every input cell is cropped: only zeros remain
        src.append(slice(first, last + 1))
        dst.append(slice(first * ld + g.lo, last * ld + g.lo + 1, ld))
    grid[(Ellipsis, *dst)] = x[(Ellipsis, *src)]
    return grid


def _check_lengths(func: str, lhs: np.ndarray, rhs: np.ndarray, lhs_perm: tuple, rhs_perm: tuple) -> None:
    """Only the batch may be empty: refconv sums over at least one feature and one tap."""
    empty_in = [a for a in lhs_perm[1:] if lhs.shape[a] == 0]
    if empty_in:
        raise fail(
            func,
            "lhs.shape",
            lhs.shape,
            f"has a feature or spatial axis ({empty_in[0]}) of length 0",
            "feature and spatial lengths >= 1 (only the batch axis may be empty)",
        )
    if 0 in rhs.shape:
        raise fail(func, "rhs.shape", rhs.shape, "has an axis of length 0", "kernel and feature lengths >= 1")


def _domain(func: str, x: np.ndarray, w: np.ndarray) -> str:
    """refconv.conv's arithmetic for these operands; a refusal names them ``lhs`` and ``rhs``.

    The kinds are judged on the named entries (they come first); ``x`` and ``w`` are the names
    the no-overflow bound of :func:`refconv._arith.domain` reads.
    """
    return domain(func, {"lhs": x, "rhs": w, "x": x, "w": w}, lead=1)


def _cropped_past(func: str, padding: Any, x: np.ndarray, axes: tuple[AxisGeometry, ...]) -> None:
    for i, g in enumerate(axes):
        if g.padded < 0:
            raise fail(
                func,
                "padding",
                padding,
                f"crops more than the dilated input on spatial axis {i}: (n-1)*lhs_dilation + 1 + lo + hi = "
                f"{g.n} + {g.lo} + {g.hi} = {g.padded} < 0 (input shape {x.shape[2:]})",
                "negative pads that leave a padded length >= 0 (as jax.lax.conv_general_dilated requires)",
            )


def conv_general_dilated(
    lhs: Any,
    rhs: Any,
    window_strides: Any,
    padding: Any,
    lhs_dilation: Any = None,
    rhs_dilation: Any = None,
    dimension_numbers: Any = None,
    feature_group_count: int = 1,
    batch_group_count: int = 1,
    *,
    method: str = "auto",
) -> np.ndarray:
    """``jax.lax.conv_general_dilated``, exact: layouts, input and kernel dilation, signed pads, groups.

    Per spatial axis the input is dilated (``lhs_dilation - 1`` zeros between cells), padded
    by ``(lo, hi)`` (a negative pad crops), and correlated with the kernel dilated by
    ``rhs_dilation`` at stride ``window_strides``: output ``o`` reads padded cell
    ``o*s + t*d`` through tap ``t``.  The output length is
    ``max(0, ((n-1)*lhs_dilation + 1 + lo + hi - rhs_dilation*(k-1) - 1) // s + 1)``.

    Parameters
    ----------
    lhs : array_like
        The input, ``n + 2`` axes in the layout ``dimension_numbers[0]`` names (default
        ``(N, C, *spatial)``).  The batch may be empty.
    rhs : array_like
        The kernel, ``n + 2`` axes in the layout ``dimension_numbers[1]`` names (default
        ``(O, I, *kernel)``, ``I = C / feature_group_count``).
    window_strides : int or sequence of int
        The stride per spatial axis, in the kernel layout's spatial order (JAX's rule).
    padding : {"VALID", "SAME", "SAME_LOWER"} or sequence of (int, int)
        Names as JAX reads them (any case; ``"SAME"`` puts the larger half after, depending on
        the stride: :func:`refconv.conventions.same_pads` ``"jax"``/``"jax_lower"``; not with an
        ``lhs_dilation``), or one ``(low, high)`` pair per spatial axis of the dilated input,
        negative to crop.
    lhs_dilation : sequence of int, optional
        Input dilation per spatial axis (default 1): the transposed convolution's stride.
    rhs_dilation : sequence of int, optional
        Kernel dilation per spatial axis (default 1, "atrous").
    dimension_numbers : None, three str, or ConvDimensionNumbers
        Layouts ``(lhs, rhs, out)`` as strings (``("NHWC", "HWIO", "NHWC")``: ``N``/``C`` batch
        and feature, ``O``/``I`` the kernel's output and input features, any other distinct
        letters spatial), or three axis permutations (``jax.lax.ConvDimensionNumbers``, or a
        3-tuple of them).  Default: ``NC*``, ``OI*``, ``NC*``.
    feature_group_count : int
        Groups of input features (torch's ``groups``); divides ``C`` and ``O``.
    batch_group_count : int
        Groups of the batch: ``N = G*N'``, output feature group ``g`` reads batch entries
        ``g*N' .. (g+1)*N' - 1``, and the output batch is ``N'``.  At most one group count > 1.
    method : {"auto", "direct", ...}
        refconv's algorithm (:mod:`refconv.methods`), not a JAX argument.

    Returns
    -------
    numpy.ndarray
        The output in the layout ``dimension_numbers[2]`` names, ``(N', O, *out)`` by default.
        Exact for exact inputs: ``int64`` when the no-overflow bound of :func:`refconv.conv`
        allows, else Python ints; ``Fraction`` and SymPy stay exact.  Floats are computed in
        ``numpy.result_type(lhs, rhs)`` by :func:`refconv.conv` (its Notes).

    Raises
    ------
    ValueError
        Bad strides or dilations, pads cropping past the dilated input, a name with an
        ``lhs_dilation``, group counts that do not divide, bad layouts, empty feature, spatial
        or kernel axes.
    TypeError
        Non-numeric operands, non-integer pads or counts, malformed ``dimension_numbers``.

    See Also
    --------
    refconv.conv : the layer this runs on (torch's conventions).
    refconv.conv_transpose : ``lhs_dilation`` with the flipped kernel and the adjoint pads.
    conv_channels_last : refconv.conv in a channels-last layout.
    refconv.spec.AxisGeometry : the per-axis geometry, over the dilated input.

    Notes
    -----
    *Departures from JAX, by design.*  Integer inputs never wrap (JAX computes in their dtype);
    an input with an empty feature or spatial axis, or an empty kernel, is refused (JAX returns
    zeros); ``window_strides`` and the dilations may be a single int.  The zeros of the dilation
    and of the pads are multiplied like any input cell, so an infinite weight over them gives
    ``inf * 0 = NaN``, as an interior pad followed by a convolution computes it; XLA's CPU
    backend skips those cells instead (measured, jax 0.10: ``lhs=[[[1., 2.]]]``,
    ``rhs=[[[inf, 1.]]]``, ``lhs_dilation=(2,)`` gives ``[inf, 2]`` in JAX, ``[inf, nan]`` here).
    With finite operands the two agree.

    Examples
    --------
    Input dilation 2 puts a zero between cells, ``[1, 0, 2, 0, 3]``; pads ``(-1, 2)`` crop one
    before and add two after, ``[0, 2, 0, 3, 0, 0]``; the kernel ``[1, 10]`` reads pairs:

    >>> x, w = np.array([[[1, 2, 3]]]), np.array([[[1, 10]]])
    >>> conv_general_dilated(x, w, (1,), [(-1, 2)], lhs_dilation=(2,))
    array([[[20,  2, 30,  3,  0]]])

    Kernel dilation 2 reads ``p[o] + 10*p[o+2]``; "SAME" pads ``(1, 1)`` here, ``p = [0, 1, 2, 3, 0]``:

    >>> conv_general_dilated(x, w, (1,), "SAME", rhs_dilation=(2,))
    array([[[20, 31,  2]]])

    Channels last, with TensorFlow's kernel layout (``WIO``) and two feature groups: channel 0
    meets output feature 0's taps ``[1, 1]``, channel 1 output feature 1's ``[-1, 1]``:

    >>> xs = np.array([[[1, 10], [2, 20], [3, 30]]])           # (N=1, W=3, C=2)
    >>> ws = np.array([[[1, -1]], [[1, 1]]])                    # (W=2, I=1, O=2)
    >>> conv_general_dilated(xs, ws, (1,), "VALID", dimension_numbers=("NWC", "WIO", "NWC"), feature_group_count=2)
    array([[[ 3, 10],
            [ 5, 10]]])

    Batch groups: the output's feature group ``g`` reads batch half ``g``:

    >>> xb = np.array([[[1, 2]], [[3, 4]]])                     # N=2, C=1
    >>> conv_general_dilated(xb, np.array([[[1]], [[100]]]), (1,), "VALID", batch_group_count=2)
    array([[[  1,   2],
            [300, 400]]])
    """
    func = _FUNC
    lhs, rhs = as_operand(func, "lhs", lhs), as_operand(func, "rhs", rhs)
    _check_operands(func, lhs, rhs)
    lhs_perm, rhs_perm, out_perm = _dimension_numbers(func, dimension_numbers, lhs.ndim)
    _check_lengths(func, lhs, rhs, lhs_perm, rhs_perm)
    x, w = lhs.transpose(lhs_perm), rhs.transpose(rhs_perm)
    rank = x.ndim - 2
    stride = int_tuple(func, "window_strides", window_strides, rank, minimum=1)
    lhs_d = int_tuple(func, "lhs_dilation", 1 if lhs_dilation is None else lhs_dilation, rank, minimum=1)
    rhs_d = int_tuple(func, "rhs_dilation", 1 if rhs_dilation is None else rhs_dilation, rank, minimum=1)
    _check_groups(func, x, w, feature_group_count, batch_group_count, rhs.shape)
    kind = _domain(func, x, w)
    get_method(func, method, kind)  # the method's name, before any work
    pads = _pads(func, padding, x.shape[2:], w.shape[2:], stride, rhs_d, lhs_d)
    axes = _geometry(x, w, stride, rhs_d, lhs_d, pads)
    _cropped_past(func, padding, x, axes)
    g, batch = feature_group_count * batch_group_count, x.shape[0] // batch_group_count
    out_shape = (batch, w.shape[0], *(max(0, a.out) for a in axes))
    if 0 in out_shape:  # JAX's empty results: no window fits, or an empty batch
        dtype = np.result_type(x, w) if kind == "float" else (np.int64 if kind == "int64" else object)
        return np.zeros(out_shape, dtype=dtype).transpose(np.argsort(out_perm))
    given = held_cells(lhs) + held_cells(rhs)
    check_cells(func, "padding", padding, "a dilated, padded input", x.shape[:2] + tuple(a.padded for a in axes), given)
    grid = _place(x, axes, lhs_d)
    if batch_group_count > 1:  # batch g*N' + n -> channel group g of batch n: a feature grouping
        grid = grid.reshape((batch_group_count, batch) + grid.shape[1:]).swapaxes(0, 1)
        grid = grid.reshape((batch, -1) + grid.shape[3:])
    y = conv(grid, w, stride=stride, dilation=rhs_d, groups=g, method=method)
    return y.transpose(np.argsort(out_perm))


def _layout_perm(func: str, layout: Any, ndim: int) -> tuple[int, ...]:
    """``x.transpose(perm)`` is ``(N, C, *spatial)`` (or ``(C, *spatial)`` without ``N``), the
    spatial axes in the order the layout names them."""
    if layout is None:
        if ndim < 3:
            raise fail(
                func, "x.ndim", ndim, "is below 3 for the default layout (N, *spatial, C)", "x.ndim >= 3, or a layout"
            )
        return (0, ndim - 1, *range(1, ndim - 1))
    if not isinstance(layout, str):
        raise fail(func, "layout", layout, "is not a string", "a layout such as 'NWC', 'NHWC' or 'NDHWC'", TypeError)
    if len(layout) != ndim or layout.count("C") != 1 or layout.count("N") > 1 or len(set(layout)) != ndim:
        raise fail(
            func,
            "layout",
            layout,
            f"does not name the {ndim} axes of x once each with one 'C' (and at most one 'N')",
            f"{ndim} distinct letters such as {'N' + 'DHW'[-(ndim - 2) :] + 'C' if 3 <= ndim <= 5 else 'NHWC'!r}",
        )
    lead = (layout.index("N"),) if "N" in layout else ()
    return (*lead, layout.index("C"), *(i for i, c in enumerate(layout) if c not in "NC"))


def conv_channels_last(
    x: Any,
    w: Any,
    bias: Any = None,
    *,
    layout: str | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
    method: str = "auto",
) -> np.ndarray:
    """:func:`refconv.conv` with the input and the output in a channels-last (or any) layout.

    ``x`` is permuted to ``(N, C, *spatial)``, :func:`refconv.conv` runs, and the result is
    permuted back to ``layout``: the values, exactness and refusals are conv's.

    Parameters
    ----------
    x : array_like
        The input in ``layout``.
    w : array_like
        The weight in torch's layout ``(C_out, C_in/groups, *kernel)``, its kernel axes in the
        order the layout names the spatial axes.
    bias : array_like, optional
        ``(C_out,)``.
    layout : str, optional
        One letter per axis of ``x``: ``"N"`` (batch; absent for an unbatched input), ``"C"``
        (channels) and distinct spatial letters, e.g. ``"NWC"``, ``"NHWC"``, ``"NDHWC"``,
        ``"HWC"``.  Default: channels last, ``N`` first, for any rank.
    stride, padding, dilation : int, tuple or str
        As in :func:`refconv.conv`, per spatial axis in the layout's order.
    groups : int
        As in :func:`refconv.conv`.
    padding_mode : {"zeros", "reflect", "replicate", "circular"}
        As in :func:`refconv.conv`.
    method : {"auto", "direct", ...}
        As in :func:`refconv.conv`.

    Returns
    -------
    numpy.ndarray
        The output in ``layout``, ``C`` holding the ``C_out`` output channels.

    See Also
    --------
    refconv.conv : the same layer in ``(N, C, *spatial)``.
    conv_general_dilated : any input, kernel and output layouts (JAX's dimension numbers).

    Examples
    --------
    >>> x = np.array([[[1, 10], [2, 20], [3, 30]]])            # NWC: N=1, W=3, C=2
    >>> w = np.array([[[1, 1], [0, 0]], [[0, 0], [1, -1]]])    # (C_out=2, C_in=2, k=2)
    >>> conv_channels_last(x, w, layout="NWC")
    array([[[  3, -10],
            [  5, -10]]])

    The same call in conv's layout gives the transposed result:

    >>> import refconv
    >>> refconv.conv(x.transpose(0, 2, 1), w).transpose(0, 2, 1).tolist() == _.tolist()
    True
    """
    func = "conv_channels_last"
    x = as_operand(func, "x", x)
    perm = _layout_perm(func, layout, x.ndim)
    layer = dict(stride=stride, padding=padding, dilation=dilation, groups=groups, padding_mode=padding_mode)
    call = _conv_call(func, x.transpose(perm), w, bias, **layer)  # refusals in this function's name
    return _conv_of(func, call, method).transpose(np.argsort(perm))
