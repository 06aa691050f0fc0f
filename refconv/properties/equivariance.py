"""Equivariance (§9.2): to translation exactly, on the region it holds; not to rotation or scale."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from .._taps import source_index
from .._validation import fail, int_tuple, is_int
from ..conventions import torch_padding_mode
from ..spec import ConvSpec, layer_spec, plain_spec
from ._report import (
    _as_array,
    _call,
    _check,
    _outer_and,
    _tolerances,
)

__all__ = [
    "translate",
    "translation_region",
    "Equivariance",
    "stride_counterexample",
    "translation_equivariance",
    "rotation_equivariance",
    "scale_equivariance",
]

# --------------------------------------------------------------------------------------------
# 1. Translation equivariance
# --------------------------------------------------------------------------------------------


def translate(x: Any, shift: Any, *, axes: Sequence[int] | None = None, boundary: str = "constant") -> np.ndarray:
    """The translation ``g`` of the seed: ``g(x)[i] = x[i - shift]``.

    ``boundary="constant"`` fills the vacated cells with zeros (the image function of §9.2 is zero
    off the image, so cells shifted past the end are lost); ``"wrap"`` is the circular shift
    ``numpy.roll``.

    Parameters
    ----------
    x : array_like
        The signal to translate.
    shift : int or tuple of int
        Cells to move by, per translated axis (positive: towards higher indices).
    axes : sequence of int, optional
        The translated axes; default the last ``len(shift)`` axes.
    boundary : {"constant", "wrap"}
        Zero fill, or the circular shift.

    Returns
    -------
    numpy.ndarray
        ``g(x)``, of ``x``'s shape and dtype.

    See Also
    --------
    translation_equivariance : the property that uses it.
    translation_region : where ``f(g(x))`` equals the shifted ``f(x)``.

    Examples
    --------
    >>> translate(np.array([1, 2, 3, 4]), 1).tolist(), translate(np.array([1, 2, 3, 4]), -1, boundary="wrap").tolist()
    ([0, 1, 2, 3], [2, 3, 4, 1])
    """
    x = np.asarray(x)
    shift = (shift,) if is_int(shift) else tuple(shift)
    axes = tuple(range(x.ndim - len(shift), x.ndim)) if axes is None else tuple(axes)
    if boundary == "wrap":
        return np.roll(x, shift, axis=axes)
    if boundary != "constant":
        raise fail("translate", "boundary", boundary, "is not recognised", "'constant' (zero fill) or 'wrap'")
    out = np.zeros_like(x)
    src, dst = [slice(None)] * x.ndim, [slice(None)] * x.ndim
    for axis, s in zip(axes, shift):
        n = x.shape[axis]
        s = max(-n, min(n, int(s)))
        src[axis] = slice(max(0, -s), n - max(0, s))
        dst[axis] = slice(max(0, s), n - max(0, -s))
    out[tuple(dst)] = x[tuple(src)]
    return out


def translation_region(spec: ConvSpec, shift: Sequence[int]) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """Where ``f(g(x))[o] == f(x)[o - shift/stride]`` holds exactly, and the index it pairs ``o`` with.

    ``shift`` must be a multiple of the stride on every axis; ``q = shift // stride`` is the
    output shift.  With ``j(o, t) = o*s + t*d - lo`` the input cell output ``o`` reads through tap
    ``t`` (:func:`refconv._taps.source_index`):

    * ``boundary="wrap"`` (``g`` circular): *every* ``o`` for which some ``r`` with
      ``r = o - q (mod P)``, ``P = n / gcd(n, s)``, is an output index (``r < out``) — all
      outputs in "same" and "full" — paired with that ``r``.
    * ``boundary="constant"`` (``g`` fills zeros): ``o`` with ``0 <= o - q < out`` unless some tap
      reads a cell *lost* by the shift — ``j`` outside the input while ``j - shift`` is inside —
      and, for that tap, the other axes' taps read the input at all.  Exactly these outputs can
      differ (for generic ``x`` and ``w``).
    * other boundaries (zero-fill ``g``): ``o`` with ``0 <= o - q < out`` all of whose taps read
      real cells both before and after the shift (``0 <= j < n`` and ``0 <= j - shift < n``).

    Parameters
    ----------
    spec : refconv.spec.ConvSpec
        The geometry of the call (:func:`refconv.spec.plain_spec` or :func:`refconv.spec.layer_spec`).
    shift : sequence of int
        The input shift per spatial axis, a multiple of the stride on each.

    Returns
    -------
    mask : numpy.ndarray
        Boolean, of the output shape: where the identity holds.
    index : tuple of numpy.ndarray
        Per axis, the output index each output is paired with (meaningful where ``mask``).

    See Also
    --------
    translation_equivariance : the property that checks ``f`` on this region.
    translate : the translation ``g``.

    Examples
    --------
    A width-3 kernel, "same", zero boundary, 6 cells shifted right by 2: outputs 2..4 match
    outputs 0..2; output 5 would read cell 6 (= old cell 4), which the shift lost.

    >>> from refconv.spec import plain_spec
    >>> mask, index = translation_region(plain_spec("f", (6,), (3,), mode="same"), (2,))
    >>> mask.astype(int).tolist(), index[0][mask].tolist()
    ([0, 0, 1, 1, 1, 0], [0, 1, 2])
    """
    shift = tuple(int(s) for s in shift)
    ok, index, lost, reads, good = [], [], [], [], []
    for g, sigma in zip(spec.axes, shift):
        q = sigma // g.stride
        o = np.arange(g.out)
        if spec.boundary == "wrap":
            r = np.mod(o - q, g.n // math.gcd(g.n, g.stride))
            ok.append(r < g.out)
            index.append(r)
            continue
        ok.append((o - q >= 0) & (o - q < g.out))
        index.append(o - q)
        j = source_index(o[:, None], np.arange(g.k)[None, :], g)
        before = (j - sigma >= 0) & (j - sigma < g.n)  # the cell the unshifted output reads is real
        after = (j >= 0) & (j < g.n)  # the shifted input's cell is inside the array
        lost.append((before & ~after).any(axis=1))
        reads.append(before.any(axis=1))
        good.append((before & after).all(axis=1))
    mask = _outer_and(ok)
    if spec.boundary == "wrap":
        return mask, tuple(index)
    if spec.boundary == "constant":
        bad = np.zeros(mask.shape, dtype=bool)
        for a in range(spec.ndim):
            bad |= _outer_and([lost[b] if b == a else reads[b] for b in range(spec.ndim)])
        return mask & ~bad, tuple(index)
    return mask & _outer_and(good), tuple(index)


class Equivariance(NamedTuple):
    """Result of :func:`translation_equivariance`: the region compared and its size.

    Parameters
    ----------
    region : numpy.ndarray
        Boolean, the output's spatial shape: where ``f(g(x)) == g'(f(x))`` was checked.
    compared : int
        Cells compared (the region times the leading axes).
    output_shift : tuple of int
        The output shift ``shift // stride`` per axis.

    See Also
    --------
    translation_equivariance : the property that returns it.
    translation_region : how ``region`` is derived.

    Examples
    --------
    >>> import refconv
    >>> r = translation_equivariance(refconv.correlate, np.arange(1, 9), np.array([1, -2, 5]), shift=2, mode="same")
    >>> r.compared == r.region.sum(), r.output_shift
    (np.True_, (2,))
    """

    region: np.ndarray
    compared: int
    output_shift: tuple[int, ...]


def _stride_message(stride: int) -> str:
    x, y, ys = stride_counterexample(stride)
    return (
        f"counterexample: stride {stride}, w=[1], x={x.tolist()} gives {y.tolist()}; shifted by 1 it gives "
        f"{ys.tolist()}, no translate of {y.tolist()}"
    )


def stride_counterexample(stride: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Why strided correlation is equivariant only to shifts by multiples of the stride.

    With ``w = [1]`` and stride ``s >= 2`` the correlation samples ``x[::s]``.  For
    ``x = e_0 + 2*e_{s-1}`` (length ``2s``) it returns ``[1, 0]``; the input shifted by one cell
    returns ``[0, 2]``, which no translation (zero-fill or circular) of ``[1, 0]`` gives — the
    value 2 was not in the output before.  Returns ``(x, f(x), f(g(x)))``, computed by
    :func:`refconv.correlate` with ``boundary="wrap"``.

    Parameters
    ----------
    stride : int
        The stride, ``>= 2``.

    Returns
    -------
    x : numpy.ndarray
        The input ``e_0 + 2*e_{s-1}``, int64.
    y : numpy.ndarray
        ``correlate(x, [1], stride=stride, boundary="wrap")``.
    y_shifted : numpy.ndarray
        The same of ``x`` shifted by one cell.

    See Also
    --------
    translation_equivariance : refuses a shift that is not a multiple of the stride, with this example.

    Examples
    --------
    >>> x, y, y_shifted = stride_counterexample(2)
    >>> x.tolist(), y.tolist(), y_shifted.tolist()
    ([1, 2, 0, 0], [1, 0], [0, 2])
    """
    from ..convolution import correlate

    if not is_int(stride) or stride < 2:
        raise fail("stride_counterexample", "stride", stride, "is not an int >= 2", "a stride of 2 or more")
    x = np.zeros(2 * stride, dtype=np.int64)
    x[0], x[stride - 1] = 1, 2
    kw = dict(stride=stride, boundary="wrap")
    return x, correlate(x, [1], **kw), correlate(np.roll(x, 1), [1], **kw)


def _geometry(func: str, convention: str, x: np.ndarray, w: np.ndarray, kwargs: dict) -> ConvSpec:
    """The spec of a call in either convention (spatial axes last)."""
    if convention == "plain":
        keys = ("mode", "stride", "dilation", "boundary")
        return plain_spec(func, x.shape, w.shape, **{k: kwargs[k] for k in keys if k in kwargs})
    if convention == "layer":
        keys = ("padding", "stride", "dilation")
        boundary = torch_padding_mode(func, kwargs.get("padding_mode", "zeros"))
        rank = w.ndim - 2
        return layer_spec(
            func,
            x.shape[-rank:],
            w.shape[2:],
            boundary=boundary,
            **{k: kwargs[k] for k in keys if k in kwargs},
        )
    raise fail(func, "convention", convention, "is not recognised", "'plain' or 'layer'")


def translation_equivariance(
    f: Callable,
    x: Any,
    w: Any,
    *,
    shift: Any,
    convention: str = "plain",
    atol: float = 0.0,
    rtol: float = 0.0,
    **kwargs: Any,
) -> Equivariance:
    """Equivariance to translation, §9.2: ``f(g(x)) == g'(f(x))`` exactly, on the region it holds.

    ``g`` translates the input by ``shift`` cells (:func:`translate`: circular for
    ``boundary="wrap"``, zero-fill otherwise) and ``g'`` the output by ``shift / stride``.  The
    region where the identity must hold is :func:`translation_region`'s: every output for the
    wrap boundary, the outputs that read no cell lost by the shift for the zero boundary.

    Parameters
    ----------
    f : callable
        The operator, ``f(x, w, **kwargs)``.
    x : array_like
        Input (layer convention: ``(N, C_in, *spatial)``).
    w : array_like
        Kernel (layer convention: ``(C_out, C_in/groups, *k)``).
    shift : int or tuple of int
        Input shift per spatial axis; must be a multiple of the stride on every axis.
    convention : {"plain", "layer"}
        How to read ``kwargs`` (see the module docstring).
    atol : float
        Absolute tolerance for float operators (default 0: exact).
    rtol : float
        Relative tolerance for float operators (default 0: exact).
    **kwargs
        Passed to ``f``.

    Returns
    -------
    Equivariance
        ``region`` (boolean, output spatial shape), ``compared`` (cells checked) and
        ``output_shift``.

    Raises
    ------
    AssertionError
        ``f(g(x))`` differs from ``g'(f(x))`` somewhere in the region (got / expected / call).
    ValueError
        A shift that is not a multiple of the stride: then no output shift matches in general
        (the message carries :func:`stride_counterexample`).

    See Also
    --------
    translation_region : the region and the index pairing.
    rotation_equivariance : a transformation convolution is not equivariant to.

    Examples
    --------
    >>> import refconv
    >>> x, w = np.arange(1, 9), np.array([1, -2, 5])
    >>> translation_equivariance(refconv.correlate, x, w, shift=3, mode="same", boundary="wrap").compared
    8
    >>> translation_equivariance(refconv.correlate, x, w, shift=2, mode="same").region.astype(int).tolist()
    [0, 0, 1, 1, 1, 1, 1, 0]
    """
    func = "translation_equivariance"
    atol, rtol = _tolerances(func, atol, rtol)
    x, w = np.asarray(x), np.asarray(w)
    spec = _geometry(func, convention, x, w, kwargs)
    shift = int_tuple(func, "shift", shift, spec.ndim, minimum=-(2**62))
    for s, g in zip(shift, spec.axes):
        if s % g.stride:
            raise fail(
                func,
                "shift",
                shift,
                f"is not a multiple of stride={spec.stride}: strided correlation is not equivariant to it "
                f"({_stride_message(max(g.stride, 2))})",
                "a multiple of the stride on every axis",
            )
    axes = tuple(range(x.ndim - spec.ndim, x.ndim))
    move = "wrap" if spec.boundary == "wrap" else "constant"
    y = _as_array(f(x, w, **kwargs))
    y_shifted = _as_array(f(translate(x, shift, axes=axes, boundary=move), w, **kwargs))
    call = _call(f, x, w, **kwargs) + f" with x shifted by {shift}"
    if y.shape[y.ndim - spec.ndim :] != spec.output_shape:
        raise AssertionError(
            f"{func}: got f(x) of shape {y.shape}, expected spatial output shape {spec.output_shape}\ncall: {call}"
        )
    region, index = translation_region(spec, shift)
    partner = np.ix_(*(np.clip(i, 0, g.out - 1) for i, g in zip(index, spec.axes)))
    expected = y[(Ellipsis, *partner)]
    compared = _check(
        func,
        y_shifted,
        expected,
        call,
        got_label="f(g(x))",
        expected_label="g(f(x))",
        mask=region,
        atol=atol,
        rtol=rtol,
    )
    q = tuple(s // g.stride for s, g in zip(shift, spec.axes))
    return Equivariance(region, compared, q)


# --------------------------------------------------------------------------------------------
# 2. Rotation and scale: claims that fail
# --------------------------------------------------------------------------------------------


def rotation_equivariance(
    f: Callable,
    x: Any,
    w: Any,
    *,
    turns: int = 1,
    axes: tuple[int, int] = (-2, -1),
    rotate_kernel: bool = False,
    atol: float = 0.0,
    rtol: float = 0.0,
    **kwargs: Any,
) -> int:
    """The claim ``f(rot(x), w) == rot(f(x, w))`` for a rotation by ``turns`` quarter turns.

    §9.2: *convolution is not naturally equivariant to ... rotation*.  The claim fails for
    generic kernels (Hypothesis finds a counterexample at once); it holds for kernels that the
    rotation maps onto themselves.  With ``rotate_kernel=True`` the claim becomes
    ``f(rot(x), rot(w)) == rot(f(x, w))``, which *does* hold for correlation with stride 1 in
    "valid" and "full" mode and in "same" mode with odd kernels (the rotation keeps ``lo == hi``).

    Parameters
    ----------
    f : callable
        The operator, ``f(x, w, **kwargs)``.
    x : array_like
        The input; ``axes`` must be two of its axes.
    w : array_like
        The kernel.
    turns : int
        Quarter turns (``numpy.rot90``'s ``k``).
    axes : tuple of int
        The plane of the rotation.
    rotate_kernel : bool
        Rotate ``w`` too (the claim that holds).
    atol : float
        Absolute tolerance for float operators (default 0: exact).
    rtol : float
        Relative tolerance for float operators (default 0: exact).
    **kwargs
        Passed to ``f``.

    Returns
    -------
    int
        The number of cells compared.

    Raises
    ------
    AssertionError
        ``f(rot(x))`` differs from ``rot(f(x))`` (got / expected / call).

    See Also
    --------
    scale_equivariance : the other transformation of §9.2 that fails.
    translation_equivariance : the one that holds.

    Examples
    --------
    >>> import refconv
    >>> x, w = np.arange(9).reshape(3, 3), np.array([[1, 2], [3, 4]])
    >>> rotation_equivariance(refconv.correlate, x, w, rotate_kernel=True)
    4
    >>> rotation_equivariance(refconv.correlate, x, w)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: rotation_equivariance: got f(rot(x))[0, 0] = 31, expected rot(f(x))[0, 0] = 37 ...
    """
    func = "rotation_equivariance"
    atol, rtol = _tolerances(func, atol, rtol)
    x, w = np.asarray(x), np.asarray(w)
    if not is_int(turns):
        raise fail(func, "turns", turns, "is not an int", "a number of quarter turns", TypeError)

    def rot(a):
        return np.rot90(a, turns, axes=axes)

    got = f(rot(x), rot(w) if rotate_kernel else w, **kwargs)
    expected = rot(_as_array(f(x, w, **kwargs)))
    call = _call(f, x, w, **kwargs) + f" with x rotated by {turns} quarter turn(s) in axes {axes}"
    return _check(func, got, expected, call, got_label="f(rot(x))", expected_label="rot(f(x))", atol=atol, rtol=rtol)


def scale_equivariance(
    f: Callable, x: Any, w: Any, *, factor: int = 2, atol: float = 0.0, rtol: float = 0.0, **kwargs: Any
) -> int:
    """The claim ``f(up(x), w) == up(f(x, w))`` for nearest-neighbour upscaling by ``factor``.

    §9.2: *convolution is not naturally equivariant to ... changes in the scale*.  ``up`` repeats
    every cell ``factor`` times along every axis.  The claim fails for generic kernels (even the
    output shapes differ in "valid" mode); it holds for single-tap kernels (``w`` of shape
    ``(1, ..., 1)``), where the operator is a pointwise product.

    Parameters
    ----------
    f : callable
        The operator, ``f(x, w, **kwargs)``.
    x : array_like
        The input; every axis is upscaled.
    w : array_like
        The kernel (not upscaled).
    factor : int
        Repetitions of each cell per axis, ``>= 1``.
    atol : float
        Absolute tolerance for float operators (default 0: exact).
    rtol : float
        Relative tolerance for float operators (default 0: exact).
    **kwargs
        Passed to ``f``.

    Returns
    -------
    int
        The number of cells compared.

    Raises
    ------
    AssertionError
        ``f(up(x))`` differs from ``up(f(x))`` (got / expected / call).

    See Also
    --------
    rotation_equivariance : the other transformation of §9.2 that fails.
    translation_equivariance : the one that holds.

    Examples
    --------
    >>> import refconv
    >>> scale_equivariance(refconv.correlate, np.array([1, 2, 3]), np.array([5]))
    6
    """
    func = "scale_equivariance"
    atol, rtol = _tolerances(func, atol, rtol)
    x, w = np.asarray(x), np.asarray(w)
    if not is_int(factor) or factor < 1:
        raise fail(func, "factor", factor, "is not an int >= 1", "an upscaling factor >= 1")

    def up(a):
        for axis in range(a.ndim):
            a = np.repeat(a, factor, axis=axis)
        return a

    got = f(up(x), w, **kwargs)
    expected = up(_as_array(f(x, w, **kwargs)))
    call = _call(f, x, w, **kwargs) + f" with x upscaled by {factor}"
    return _check(func, got, expected, call, got_label="f(up(x))", expected_label="up(f(x))", atol=atol, rtol=rtol)
