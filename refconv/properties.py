"""Reusable checks of the seed's claims, for refconv *or any implementation with its signature*.

Each property takes the operator under test as its first argument(s) — ``refconv.correlate``,
``torch``'s ``conv2d`` behind a three-line wrapper, or your own function — runs it on the inputs
you give (or that :mod:`refconv.strategies` draws), and either returns a small result or raises
:class:`AssertionError` whose message says what was *got*, what was *expected* and the *call*.
Comparisons are exact (``==``; SymPy entries by ``expand(a - b) == 0``) unless ``atol``/``rtol``
are given for float operators; integer-valued float inputs keep most float implementations exact.

Conventions: a *plain* operator is called ``f(x, w, **kwargs)`` with refconv's
:func:`~refconv.correlate` keywords (``mode``, ``stride``, ``dilation``, ``boundary``) and acts on
every axis; a *layer* operator is called ``f(x, w, **kwargs)`` with :func:`~refconv.conv`'s
keywords (``bias``, ``stride``, ``padding``, ``dilation``, ``groups``, ``padding_mode``) and acts on
the trailing spatial axes of ``(N, C, *spatial)``.  Every geometric statement (regions, index
maps, output shapes) comes from :mod:`refconv.spec` and :mod:`refconv._taps`.

Properties (seed reference)
---------------------------
=================================  ==========================================================
:func:`translation_equivariance`   §9.2: ``f(g(x)) = g(f(x))`` for shifts ``g``; exact region
:func:`rotation_equivariance`      §9.2: *not* equivariant to rotation (a claim that fails)
:func:`scale_equivariance`         §9.2: *not* equivariant to scale (a claim that fails)
:func:`flip_equivalence`           eq. 9.6: convolution is correlation with the flipped kernel
:func:`reflection_swaps_pads`      what "same" with an even kernel keeps under reversal
:func:`commutativity`              §9.1: convolution commutes ("full"); correlation does not
:func:`correlation_swap`           the relation that holds: swapping reverses the correlation
:func:`linearity`                  linear in ``x`` and in ``w``
:func:`associativity`              convolution is associative ("full")
:func:`dot_test`                   ``<A x, y> = <x, A* y>`` for operators or matrices
:func:`conv_dot_test`              the same for ``conv`` / ``conv_transpose``
:func:`sparse_interactions`        figs. 9.2, 9.3: ``prod(kernel)`` connections per output
:func:`receptive_field_growth`     fig. 9.4: :func:`refconv.receptive.receptive_field`
:func:`parameter_sharing`          fig. 9.5: ``prod(kernel)`` tied parameters, or none tied
:func:`max_pool_shift`             §9.3: pooled outputs unchanged by a shift, exactly when
:func:`variable_size`              end of §9.2: one kernel for every input size
=================================  ==========================================================
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np

from ._arith import _is_sympy
from ._taps import FILL, gather_index, source_index
from ._validation import fail, int_tuple, is_int
from .conventions import PADDING_MODES
from .receptive import ReceptiveField, receptive_field
from .spec import ConvSpec, layer_spec, plain_spec

__all__ = [
    "translate",
    "translation_region",
    "Equivariance",
    "translation_equivariance",
    "stride_counterexample",
    "rotation_equivariance",
    "scale_equivariance",
    "flip_equivalence",
    "reflection_swaps_pads",
    "commutativity",
    "correlation_swap",
    "linearity",
    "associativity",
    "DotTest",
    "dot_test",
    "conv_dot_test",
    "SparseInteractions",
    "sparse_interactions",
    "receptive_field_growth",
    "ParameterSharing",
    "parameter_sharing",
    "PoolShift",
    "max_pool_shift",
    "VariableSize",
    "variable_size",
]


# --------------------------------------------------------------------------------------------
# Comparison and reporting: got / expected / call
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# 1. Translation equivariance
# --------------------------------------------------------------------------------------------


def translate(x: Any, shift: Any, *, axes: Sequence[int] | None = None, boundary: str = "constant") -> np.ndarray:
    """The translation ``g`` of the seed: ``g(x)[i] = x[i - shift]``.

    ``boundary="constant"`` fills the vacated cells with zeros (the image function of §9.2 is zero
    off the image, so cells shifted past the end are lost); ``"wrap"`` is the circular shift
    ``numpy.roll``.  ``axes`` default to the last ``len(shift)`` axes.

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

    Returns ``(mask, index)``: a boolean array of the output shape, and per axis the integer
    array pairing each output with its partner (meaningful where ``mask``).

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


def _outer_and(vectors: Sequence[np.ndarray]) -> np.ndarray:
    out = np.ones((), dtype=bool)
    for v in vectors:
        out = np.logical_and.outer(out, v)
    return out


class Equivariance(NamedTuple):
    """Result of :func:`translation_equivariance`: the region compared and its size."""

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

    Examples
    --------
    >>> x, y, y_shifted = stride_counterexample(2)
    >>> x.tolist(), y.tolist(), y_shifted.tolist()
    ([1, 2, 0, 0], [1, 0], [0, 2])
    """
    from .convolution import correlate

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
        mode = kwargs.get("padding_mode", "zeros")
        if mode not in PADDING_MODES:
            raise fail(func, "padding_mode", mode, "is not recognised", f"one of {tuple(PADDING_MODES)}")
        rank = w.ndim - 2
        return layer_spec(
            func,
            x.shape[-rank:],
            w.shape[2:],
            boundary=PADDING_MODES[mode],
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
    x, w : array_like
        Input and kernel (layer convention: ``(N, C_in, *spatial)`` and ``(C_out, C_in/g, *k)``).
    shift : int or tuple of int
        Input shift per spatial axis; must be a multiple of the stride on every axis.
    convention : {"plain", "layer"}
        How to read ``kwargs`` (see the module docstring).
    atol, rtol : float
        Tolerances for float operators (default exact).
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

    Returns the number of cells compared; raises AssertionError (got / expected / call).

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

    Returns the number of cells compared; raises AssertionError (got / expected / call).

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


# --------------------------------------------------------------------------------------------
# 3-5. Flip, commutativity, linearity, associativity
# --------------------------------------------------------------------------------------------


def flip_equivalence(
    convolve: Callable, correlate: Callable, x: Any, w: Any, *, atol: float = 0.0, rtol: float = 0.0, **kwargs: Any
) -> int:
    """Equation 9.6: ``convolve(x, w, **kw) == correlate(x, flip(w), **kw)``, for every keyword.

    Both calls read the same pads ``(lo, hi)`` from ``mode``, so the identity holds in every
    mode, stride, dilation and boundary — including "same" with an even kernel under the centred
    rule (both are the centred slice ``full[lo : lo + n]``, ``lo = ceil((e-1)/2)``, of the same
    "full" result).  What even "same" does *not* keep is mirror symmetry: see
    :func:`reflection_swaps_pads`.

    Examples
    --------
    >>> import refconv
    >>> flip_equivalence(refconv.convolve, refconv.correlate, [1, 2, 3, 4, 5], [1, 10], mode="same")
    5
    """
    func = "flip_equivalence"
    atol, rtol = _tolerances(func, atol, rtol)
    x, w = np.asarray(x), np.asarray(w)
    got = convolve(x, w, **kwargs)
    expected = correlate(x, _flip(w), **kwargs)
    call = _call(convolve, x, w, **kwargs) + f" against {_name(correlate)} with w flipped"
    return _check(
        func,
        got,
        expected,
        call,
        got_label="convolve(x, w)",
        expected_label="correlate(x, flip(w))",
        atol=atol,
        rtol=rtol,
    )


def reflection_swaps_pads(
    f: Callable, x: Any, w: Any, *, mode: Any = "same", atol: float = 0.0, rtol: float = 0.0, **kwargs: Any
) -> int:
    """Reversing input, kernel and output swaps the pads: ``flip(f(x, w, (lo, hi))) == f(flip(x), flip(w), (hi, lo))``.

    For a stride-1 correlation (or convolution), per axis.  With ``lo == hi`` ("valid", "full",
    "same" with an odd extent) the pads are unchanged, so the operator commutes with reversal.
    In "same" mode with an *even* extent the centred rule pads ``(lo, hi) = (h+1, h)`` and the
    reversed problem needs ``(h, h+1)`` — PyTorch's split: ``flip(correlate(x, w, mode="same"))``
    equals ``correlate(flip(x), flip(w), mode=((h, h+1),))``, not ``mode="same"``.

    ``mode`` takes what ``f`` takes (a name or explicit pads); the swapped pads are passed as
    explicit ``(before, after)`` pairs.  Returns the number of cells compared.

    Examples
    --------
    >>> import refconv
    >>> reflection_swaps_pads(refconv.correlate, [1, 2, 3, 4, 5], [1, 10], mode="same")
    5
    """
    func = "reflection_swaps_pads"
    atol, rtol = _tolerances(func, atol, rtol)
    x, w = np.asarray(x), np.asarray(w)
    spec = plain_spec(func, x.shape, w.shape, mode=mode, **{k: kwargs[k] for k in ("dilation",) if k in kwargs})
    if "stride" in kwargs and set(int_tuple(func, "stride", kwargs["stride"], spec.ndim, minimum=1)) != {1}:
        raise fail(func, "stride", kwargs["stride"], "is not 1", "stride 1 (a stride moves the sampling grid)")
    swapped = tuple((hi, lo) for lo, hi in spec.pads)
    got = _flip(_as_array(f(x, w, mode=mode, **kwargs)))
    expected = f(_flip(x), _flip(w), mode=swapped, **kwargs)
    call = _call(f, x, w, mode=mode, **kwargs) + f" reversed, against the reversed problem with mode={swapped}"
    return _check(
        func,
        got,
        expected,
        call,
        got_label="flip(f(x, w))",
        expected_label="f(flip(x), flip(w), swapped pads)",
        atol=atol,
        rtol=rtol,
    )


def commutativity(f: Callable, a: Any, b: Any, *, atol: float = 0.0, rtol: float = 0.0, **kwargs: Any) -> int:
    """``f(a, b) == f(b, a)`` — true of convolution in "full" mode (the default here), not of correlation.

    Examples
    --------
    >>> import refconv
    >>> commutativity(refconv.convolve, [1, 2, 3], [1, 10])
    4
    >>> commutativity(refconv.correlate, [1, 2, 3], [1, 10])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: commutativity: got f(a, b)[0] = 10, expected f(b, a)[0] = 3 ...
    """
    func = "commutativity"
    atol, rtol = _tolerances(func, atol, rtol)
    a, b = np.asarray(a), np.asarray(b)
    kwargs.setdefault("mode", "full")
    call = _call(f, a, b, **kwargs)
    return _check(
        func,
        f(a, b, **kwargs),
        f(b, a, **kwargs),
        call,
        got_label="f(a, b)",
        expected_label="f(b, a)",
        atol=atol,
        rtol=rtol,
    )


def correlation_swap(f: Callable, a: Any, b: Any, *, atol: float = 0.0, rtol: float = 0.0) -> int:
    """What correlation keeps instead of commutativity: ``f(a, b, "full") == flip(f(b, a, "full"))``.

    ``sum_m a[i+m] b[m]`` with the roles swapped is the same sum read backwards.

    Examples
    --------
    >>> import refconv
    >>> refconv.correlate([1, 2], [1, 2, 3, 4], mode="full").tolist()
    [4, 11, 8, 5, 2]
    >>> correlation_swap(refconv.correlate, [1, 2], [1, 2, 3, 4])
    5
    """
    func = "correlation_swap"
    atol, rtol = _tolerances(func, atol, rtol)
    a, b = np.asarray(a), np.asarray(b)
    got = f(a, b, mode="full")
    expected = _flip(_as_array(f(b, a, mode="full")))
    return _check(
        func,
        got,
        expected,
        _call(f, a, b, mode="full"),
        got_label="f(a, b)",
        expected_label="flip(f(b, a))",
        atol=atol,
        rtol=rtol,
    )


def linearity(
    f: Callable,
    x: Any,
    w: Any,
    other: Any,
    *,
    argument: str = "x",
    a: Any = 2,
    b: Any = -3,
    atol: float = 0.0,
    rtol: float = 0.0,
    **kwargs: Any,
) -> int:
    """Linearity in one argument: ``f(a*x + b*x2, w) == a*f(x, w) + b*f(x2, w)`` (or in ``w``).

    ``other`` is the second input (``argument="x"``) or the second kernel (``argument="w"``), of
    the same shape.  ``a`` and ``b`` may be ints, Fractions or SymPy symbols.

    Examples
    --------
    >>> import refconv, sympy
    >>> a, b = sympy.symbols("a b")
    >>> linearity(refconv.correlate, np.array([1, 2, 3]), np.array([1, -1]), np.array([0, 5, 7]), a=a, b=b)
    2
    """
    func = "linearity"
    atol, rtol = _tolerances(func, atol, rtol)
    if argument not in ("x", "w"):
        raise fail(func, "argument", argument, "is not recognised", "'x' or 'w'")
    x, w, other = np.asarray(x), np.asarray(w), np.asarray(other)
    first = x if argument == "x" else w
    if other.shape != first.shape:
        raise fail(func, "other", other, f"has shape {other.shape}, not {argument}.shape={first.shape}", "same shape")
    exact = _is_sympy(a) or _is_sympy(b) or isinstance(a, Fraction) or isinstance(b, Fraction)
    mix = a * (first.astype(object) if exact else first) + b * (other.astype(object) if exact else other)
    if argument == "x":
        got, y1, y2 = f(mix, w, **kwargs), f(x, w, **kwargs), f(other, w, **kwargs)
    else:
        got, y1, y2 = f(x, mix, **kwargs), f(x, w, **kwargs), f(x, other, **kwargs)
    expected = a * _as_array(y1) + b * _as_array(y2)
    call = _call(f, x, w, **kwargs) + f" with {argument} -> {a}*{argument} + {b}*{_show(other)}"
    return _check(
        func,
        got,
        expected,
        call,
        got_label=f"f(a*{argument}+b*{argument}2)",
        expected_label="a*f1+b*f2",
        atol=atol,
        rtol=rtol,
    )


def associativity(f: Callable, a: Any, b: Any, c: Any, *, atol: float = 0.0, rtol: float = 0.0) -> int:
    """``f(f(a, b), c) == f(a, f(b, c))`` in "full" mode: true of convolution, not of correlation.

    Examples
    --------
    >>> import refconv
    >>> associativity(refconv.convolve, [1, 2], [3, 4, 5], [1, -1])
    5
    """
    func = "associativity"
    atol, rtol = _tolerances(func, atol, rtol)
    a, b, c = np.asarray(a), np.asarray(b), np.asarray(c)
    left = f(_as_array(f(a, b, mode="full")), c, mode="full")
    right = f(a, _as_array(f(b, c, mode="full")), mode="full")
    call = f"{_name(f)}: a={_show(a)}, b={_show(b)}, c={_show(c)}, mode='full'"
    return _check(
        func, left, right, call, got_label="f(f(a, b), c)", expected_label="f(a, f(b, c))", atol=atol, rtol=rtol
    )


# --------------------------------------------------------------------------------------------
# 6. The adjoint: dot tests
# --------------------------------------------------------------------------------------------


class DotTest(NamedTuple):
    """``lhs = <A x, y>`` and ``rhs = <x, A* y>``, computed exactly from the operator outputs."""

    lhs: Any
    rhs: Any


def _is_matrix(op: Any) -> bool:
    return not callable(op) and hasattr(op, "shape") and len(op.shape) == 2


def _apply(op: Any, v: np.ndarray) -> np.ndarray:
    if not _is_matrix(op):
        return _as_array(op(v))
    if hasattr(op, "is_Matrix"):  # SymPy
        import sympy

        return np.array(op * sympy.Matrix(v.ravel().tolist()), dtype=object).ravel()
    return _as_array(op @ v.ravel())


def _inner(a: np.ndarray, b: np.ndarray) -> Any:
    """``sum(a * b)`` exactly: floats as the rationals they are, ints without wrapping."""
    a, b = a.ravel(), b.ravel()
    if a.dtype.kind in "fc" or b.dtype.kind in "fc":
        return sum((Fraction(float(u)) * Fraction(float(v)) for u, v in zip(a, b)), Fraction(0))
    total = sum((u * v for u, v in zip(a.astype(object), b.astype(object))), 0)
    return total.expand() if _is_sympy(total) else total


def dot_test(forward: Any, adjoint: Any, x: Any, y: Any, *, atol: float = 0.0, rtol: float = 0.0) -> DotTest:
    """The adjoint identity ``<forward(x), y> == <x, adjoint(y)>``, exactly.

    ``forward`` and ``adjoint`` are callables or matrices (NumPy, ``scipy.sparse``, SymPy; a
    matrix acts on ``x.ravel()``); ``adjoint=None`` with a matrix ``forward`` uses its transpose.
    The inner products are computed exactly from the operators' outputs (float outputs as the
    dyadic rationals they are), so with exact inputs any difference is a real error of the
    operator pair, not rounding in the test.  For float operators give ``atol``/``rtol``, relative
    to ``max(|lhs|, |rhs|)``.

    Examples
    --------
    >>> import refconv
    >>> x, w, y = np.array([1, 2, 3, 4]), np.array([1, 10]), np.array([5, -1, 2])
    >>> dot_test(lambda v: refconv.correlate(v, w), lambda u: refconv.convolve(u, w, mode="full"), x, y)
    DotTest(lhs=159, rhs=159)
    """
    func = "dot_test"
    atol, rtol = _tolerances(func, atol, rtol)
    x, y = np.asarray(x), np.asarray(y)
    if adjoint is None:
        if not _is_matrix(forward):
            raise fail(
                func,
                "adjoint",
                adjoint,
                "is missing while forward is a callable, not a matrix",
                "the adjoint operator (None only with a matrix)",
            )
        adjoint = forward.T
    fx, ay = _apply(forward, x), _apply(adjoint, y)
    if fx.size != y.size:
        raise fail(func, "y", y, f"has {y.size} cells but forward(x) has shape {fx.shape}", "y of forward(x)'s size")
    if ay.size != x.size:
        raise AssertionError(
            f"{func}: got adjoint(y) of shape {ay.shape}, expected x's shape {x.shape}\n"
            f"call: forward={_name(forward)}, adjoint={_name(adjoint)}, x={_show(x)}, y={_show(y)}"
        )
    lhs, rhs = _inner(fx, y), _inner(x, ay)
    if isinstance(lhs, Fraction) or isinstance(rhs, Fraction):
        ok = abs(lhs - rhs) <= atol + rtol * max(abs(lhs), abs(rhs))
    else:
        ok = _scalar_equal(lhs, rhs)
    if not ok:
        raise AssertionError(
            f"{func}: got <forward(x), y> = {lhs}, expected <x, adjoint(y)> = {rhs}\n"
            f"call: forward={_name(forward)}, adjoint={_name(adjoint)}, x={_show(x)}, y={_show(y)}"
        )
    return DotTest(lhs, rhs)


def conv_dot_test(
    conv: Callable,
    conv_transpose: Callable,
    x: Any,
    w: Any,
    y: Any,
    *,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
    atol: float = 0.0,
    rtol: float = 0.0,
) -> DotTest:
    """The dot test of a layer pair: ``<conv(x, w), y> == <x, conv_transpose(y, w)>``.

    Both are called with PyTorch's signatures and the same ``w`` (``(C_out, C_in/groups, *k)``
    is ``conv_transpose``'s ``(C_in, C_out/groups, *k)``); ``conv_transpose`` gets the
    ``output_padding`` that restores ``x``'s shape, ``(n + lo + hi - d*(k-1) - 1) mod s``, and
    ``padding`` as ints when symmetric (torch's form), else as ``(before, after)`` pairs.
    Zero padding only: the adjoint of a reflecting or circular pad is not a transposed
    convolution.

    Examples
    --------
    >>> import refconv
    >>> x, w = np.arange(10).reshape(1, 2, 5), np.array([[[1, -2, 3]], [[4, 5, -6]]])
    >>> y = np.array([[[3, -1], [2, 7]]])
    >>> conv_dot_test(refconv.conv, refconv.conv_transpose, x, w, y, stride=2, groups=2)
    DotTest(lhs=118, rhs=118)
    """
    func = "conv_dot_test"
    x, w, y = np.asarray(x), np.asarray(w), np.asarray(y)
    spec = layer_spec(func, x.shape[2:], w.shape[2:], padding=padding, stride=stride, dilation=dilation)
    output_padding = tuple(g.padded - g.extent - (g.out - 1) * g.stride for g in spec.axes)
    pads = spec.pads
    t_padding = tuple(lo for lo, _ in pads) if all(lo == hi for lo, hi in pads) else pads
    layer = dict(stride=stride, dilation=dilation, groups=groups)

    def forward(v):
        return conv(v, w, padding=padding, **layer)

    def adjoint(u):
        return conv_transpose(u, w, padding=t_padding, output_padding=output_padding, **layer)

    forward.__qualname__ = (
        f"{_name(conv)}(x, w, padding={padding!r}, stride={stride!r}, dilation={dilation!r}, groups={groups})"
    )
    adjoint.__qualname__ = f"{_name(conv_transpose)}(x, w, padding={t_padding!r}, output_padding={output_padding})"
    return dot_test(forward, adjoint, x, y, atol=atol, rtol=rtol)


# --------------------------------------------------------------------------------------------
# 7. Sparse interactions (figures 9.2, 9.3)
# --------------------------------------------------------------------------------------------


class SparseInteractions(NamedTuple):
    """Who depends on whom: ``dependence[o, i]`` (outputs x inputs, row-major) and its counts."""

    dependence: np.ndarray
    per_output: np.ndarray
    per_input: np.ndarray
    interior: np.ndarray
    taps: int


def _expected_dependence(spec: ConvSpec) -> tuple[np.ndarray, np.ndarray]:
    """From the geometry: ``E[o, i]`` (output o reads input i through some tap) and the interior outputs."""
    n_out, n_in = math.prod(spec.output_shape), math.prod(spec.input_shape)
    cells = [gather_index(g, spec.boundary) for g in spec.axes]
    E = np.zeros((n_out, n_in), dtype=bool)
    rows = np.arange(n_out).reshape(spec.output_shape)
    for tap in np.ndindex(*spec.kernel_shape):
        grids = np.broadcast_arrays(*np.ix_(*(c[:, t] for c, t in zip(cells, tap))))
        real = np.logical_and.reduce([gr != FILL for gr in grids])
        cols = np.ravel_multi_index(tuple(np.where(gr == FILL, 0, gr) for gr in grids), spec.input_shape)
        E[rows[real], cols[real]] = True
    raw = [source_index(np.arange(g.out)[:, None], np.arange(g.k)[None, :], g) for g in spec.axes]
    interior = _outer_and([((r >= 0) & (r < g.n)).all(axis=1) for r, g in zip(raw, spec.axes)])
    return E, interior.ravel()


def _pattern(A: Any) -> np.ndarray:
    if hasattr(A, "is_Matrix"):  # SymPy: structural nonzeros
        return np.array([[v != 0 for v in row] for row in A.tolist()], dtype=bool).reshape(A.shape)
    if hasattr(A, "tocoo"):  # scipy.sparse: the stored (structural) entries
        coo = A.tocoo()
        out = np.zeros(A.shape, dtype=bool)
        out[coo.row, coo.col] = True
        return out
    return np.asarray(A) != 0


def sparse_interactions(f: Any, input_shape: Any, kernel_shape: Any, **kwargs: Any) -> SparseInteractions:
    """Figures 9.2 and 9.3: each output interacts with ``prod(kernel)`` inputs, not all of them.

    ``f`` is a plain operator (``f(x, w, **kwargs)``) or its matrix.  For an operator the
    dependence is *measured by perturbation*: ``f(e_i, w)`` for every unit input ``e_i``, with a
    kernel of distinct positive entries ``1, 2, ..., prod(kernel)`` (no cancellation can hide a
    connection).  A matrix gives its nonzero pattern (``scipy.sparse``: its stored entries); build
    it with a kernel that has no zeros.

    Checked, exactly: the dependence equals the geometry's (output ``o`` depends on input ``i``
    iff some tap reads ``i``, :func:`refconv._taps.gather_index`); every output depends on at
    most ``prod(kernel)`` inputs, and on exactly ``prod(kernel)`` away from the border (the
    *interior*: all its taps read real cells); with the zero boundary every input affects at most
    ``prod(kernel)`` outputs (a wrapping or reflecting boundary makes border cells count twice).

    Examples
    --------
    Figure 9.2 and 9.3: five inputs, a width-3 kernel, "same": ``x3`` affects ``s2, s3, s4``,
    ``s3`` sees ``x2, x3, x4``.

    >>> import refconv
    >>> s = sparse_interactions(refconv.correlate, (5,), (3,), mode="same")
    >>> s.dependence[:, 2].nonzero()[0].tolist(), s.dependence[2].nonzero()[0].tolist()
    ([1, 2, 3], [1, 2, 3])
    >>> s.per_output.tolist(), s.per_input.tolist()
    ([2, 3, 3, 3, 2], [2, 3, 3, 3, 2])
    """
    func = "sparse_interactions"
    spec = plain_spec(func, input_shape, kernel_shape, **kwargs)
    w = np.arange(1, spec.taps + 1, dtype=np.int64).reshape(spec.kernel_shape)
    n_out, n_in = math.prod(spec.output_shape), math.prod(spec.input_shape)
    if _is_matrix(f):
        D = _pattern(f)
        where = f"the matrix {type(f).__name__} of shape {f.shape}"
    else:
        where = _call(f, f"e_i of shape {spec.input_shape}", w, **kwargs)
        columns = []
        for i in range(n_in):
            e = np.zeros(n_in, dtype=np.int64)
            e[i] = 1
            y = _as_array(f(e.reshape(spec.input_shape), w, **kwargs))
            if y.shape != spec.output_shape:
                raise AssertionError(
                    f"{func}: got output shape {y.shape}, expected output_shape {spec.output_shape}\ncall: {where}"
                )
            columns.append(y.ravel() != 0)
        D = np.stack(columns, axis=1)
    if D.shape != (n_out, n_in):
        raise AssertionError(f"{func}: got a dependence of shape {D.shape}, expected {(n_out, n_in)}\ncall: {where}")
    E, interior = _expected_dependence(spec)
    if not (D == E).all():
        o = int(np.argwhere(D != E)[0][0])
        raise AssertionError(
            f"{func}: got output {o} depending on inputs {np.flatnonzero(D[o]).tolist()}, expected "
            f"{np.flatnonzero(E[o]).tolist()} (the cells its taps read)\ncall: {where}"
        )
    per_output, per_input = D.sum(axis=1), D.sum(axis=0)
    assert (per_output <= spec.taps).all(), (per_output, spec.taps)
    assert (per_output[interior] == spec.taps).all(), (per_output, interior)
    if spec.boundary == "constant":
        assert (per_input <= spec.taps).all(), (per_input, spec.taps)
    return SparseInteractions(D, per_output, per_input, interior, spec.taps)


# --------------------------------------------------------------------------------------------
# 8. Receptive fields (figure 9.4)
# --------------------------------------------------------------------------------------------


def _stack(f: Callable, x: np.ndarray, layers: Sequence[tuple]) -> np.ndarray:
    for kernel, stride, dilation, pads in layers:
        x = _as_array(f(x, np.ones(kernel, dtype=np.int64), mode=pads, stride=stride, dilation=dilation))
    return x


def receptive_field_growth(f: Callable, layers: Sequence[Any], input_shape: Any) -> ReceptiveField:
    """Figure 9.4: a unit of a deep layer depends on exactly its receptive field's input cells.

    The stack ``layers`` (as :func:`refconv.receptive.receptive_field` takes it: ``(kernel,
    stride, dilation, padding)``) is run through the plain operator ``f`` with all-ones kernels
    and zero padding, on every unit input ``e_i`` of ``input_shape`` (perturbation; positive
    weights, so nothing cancels).  For every unit ``o`` of the last layer the set of inputs it
    depends on must equal the cells reached from ``o`` through every layer's taps *via real cells*
    (a padded cell of an intermediate layer holds zero and depends on nothing).  That set always
    lies in :meth:`ReceptiveField.cells` ``(o)``, and equals its part inside the input when no
    layer after the first pads (e.g. "valid" stacks) — the growth of figure 9.4.

    Examples
    --------
    Figure 9.4: two width-3 layers on five inputs ("same"): ``g3`` sees all of ``x1..x5``.

    >>> import refconv
    >>> rf = receptive_field_growth(refconv.correlate, [(3, 1, 1, 1), (3, 1, 1, 1)], (5,))
    >>> rf.size
    (5,)
    """
    func = "receptive_field_growth"
    field = receptive_field(layers)
    ndim = len(field.size)
    input_shape = tuple(int_tuple(func, "input_shape", input_shape, ndim, minimum=1))
    # Normalise each layer through the same parser, then through plain_spec for the shapes.
    stack, specs, shape = [], [], input_shape
    for i, entry in enumerate(layers):
        entry = tuple(entry) if isinstance(entry, Sequence) else (entry,)
        kernel, stride, dilation, padding = entry + (1, 1, 0)[len(entry) - 1 :]
        kernel = int_tuple(func, f"layers[{i}].kernel", kernel, ndim, minimum=1)
        spec = plain_spec(func, shape, kernel, mode=padding, stride=stride, dilation=dilation)
        stack.append((spec.kernel_shape, spec.stride, spec.dilation, spec.pads))
        specs.append(spec)
        shape = spec.output_shape
    n_in = math.prod(input_shape)
    D = np.zeros((math.prod(shape), n_in), dtype=bool)
    for i in range(n_in):
        e = np.zeros(n_in, dtype=np.int64)
        e[i] = 1
        y = _stack(f, e.reshape(input_shape), stack)
        if y.shape != shape:
            raise AssertionError(
                f"{func}: got a last layer of shape {y.shape}, expected {shape}\n"
                f"call: {_name(f)} stacked as {stack} on input shape {input_shape}"
            )
        D[:, i] = y.ravel() != 0
    for row, o in enumerate(np.ndindex(*shape)):
        cells = []
        for a in range(ndim):
            # Walk down through the layers, keeping only real cells of each layer below.
            reach = np.array([o[a]])
            for spec in reversed(specs):
                g = spec.axes[a]
                reach = np.unique(source_index(reach[:, None], np.arange(g.k)[None, :], g))
                reach = reach[(reach >= 0) & (reach < g.n)]
            field_cells = field.cells(o)[a]
            assert np.isin(reach, field_cells).all(), (reach, field_cells)  # always within the field
            if all((sp.pads[a] == (0, 0)) for sp in specs[1:]):
                inside = field_cells[(field_cells >= 0) & (field_cells < input_shape[a])]
                assert np.array_equal(reach, inside), (reach, inside)  # no inner padding: the whole field
            cells.append(reach)
        expected = np.zeros(input_shape, dtype=bool)
        expected[np.ix_(*cells)] = True
        if not (D[row] == expected.ravel()).all():
            got = [np.unravel_index(i, input_shape) for i in np.flatnonzero(D[row])]
            want = [np.unravel_index(i, input_shape) for i in np.flatnonzero(expected)]
            raise AssertionError(
                f"{func}: got unit {o} depending on inputs {[tuple(map(int, c)) for c in got]}, expected its "
                f"receptive field {[tuple(map(int, c)) for c in want]} ({field})\n"
                f"call: {_name(f)} stacked as {stack} on input shape {input_shape}"
            )
    return field


# --------------------------------------------------------------------------------------------
# 9. Parameter sharing (figure 9.5)
# --------------------------------------------------------------------------------------------


class ParameterSharing(NamedTuple):
    """Distinct parameters in the matrix and how many entries use each."""

    parameters: int
    uses: dict


def _symbols(shape: tuple[int, ...], prefix: str) -> np.ndarray:
    import sympy

    out = np.empty(shape, dtype=object)
    for index in np.ndindex(*shape):
        out[index] = sympy.Symbol(prefix + "_".join(map(str, index)))
    return out


def _usage(M: Any) -> dict:
    """Entries of a symbolic matrix that use each parameter (an entry ``w0 + w2`` uses both)."""
    import sympy

    rows = M.tolist() if hasattr(M, "tolist") else M
    uses: dict = {}
    for row in rows:
        for v in row:
            for s in sympy.sympify(v).free_symbols:
                uses[s] = uses.get(s, 0) + 1
    return uses


def parameter_sharing(
    f: Any, input_shape: Any, kernel_shape: Any, *, shared: bool = True, **kwargs: Any
) -> ParameterSharing:
    """Figure 9.5: a convolution's matrix ties its entries to ``prod(kernel)`` parameters.

    ``f`` is a plain operator or a symbolic matrix of it.  For an operator, the matrix is measured
    by perturbation with a *symbolic* weight — columns ``f(e_i, W)`` — where ``W`` has shape
    ``kernel_shape`` (``shared=True``, a convolution) or ``output_shape + kernel_shape``
    (``shared=False``, :func:`refconv.unshared.locally_connected`: one kernel per output).

    Checked, exactly, against the geometry: with ``shared=True`` the matrix holds one parameter
    per tap that reads a real cell for some output (``prod(kernel)`` in "valid" mode), each used
    by every output whose tap reads a real cell (all ``prod(output)`` in "valid" mode: the
    central black arrows of figure 9.5); with ``shared=False`` it holds one parameter per (output,
    tap) pair that reads a real cell, each used once.  For a given matrix (whose symbol names are
    unknown) the multiset of use counts is compared.

    Examples
    --------
    >>> import refconv
    >>> from refconv.unshared import locally_connected
    >>> parameter_sharing(refconv.correlate, (5,), (3,)).uses
    {w0: 3, w1: 3, w2: 3}
    >>> parameter_sharing(locally_connected, (5,), (3,), shared=False).parameters
    9
    """
    func = "parameter_sharing"
    if not isinstance(shared, bool):
        raise fail(
            func, "shared", shared, "is not a bool", "True (convolution) or False (locally connected)", TypeError
        )
    spec = plain_spec(func, input_shape, kernel_shape, **kwargs)
    # How many outputs read a real cell through each tap (per axis, then multiplied over axes).
    real = [gather_index(g, spec.boundary) != FILL for g in spec.axes]  # (out, k) per axis
    if shared:
        W = _symbols(spec.kernel_shape, "w")
        per_tap = _outer_product([r.sum(axis=0) for r in real])
        expected = {W[t]: int(per_tap[t]) for t in np.ndindex(*spec.kernel_shape) if per_tap[t]}
    else:
        W = _symbols(spec.output_shape + spec.kernel_shape, "w")
        # _outer_and interleaves the axes (o1, t1, o2, t2, ...); the weight is (o1, o2, ..., t1, t2, ...).
        order = [2 * a for a in range(spec.ndim)] + [2 * a + 1 for a in range(spec.ndim)]
        reads = _outer_and(real).transpose(order)
        expected = {W[i]: 1 for i in np.ndindex(*W.shape) if reads[i]}
    if _is_matrix(f):
        uses = _usage(f)
        got_counts, want_counts = sorted(uses.values()), sorted(expected.values())
        if got_counts != want_counts:
            raise AssertionError(
                f"{func}: got {len(uses)} parameters used {got_counts} times, expected {len(expected)} used "
                f"{want_counts} times\ncall: the matrix {type(f).__name__} of shape {f.shape}, shared={shared}"
            )
        return ParameterSharing(len(uses), uses)
    n_in = math.prod(spec.input_shape)
    columns = []
    for i in range(n_in):
        e = np.zeros(n_in, dtype=object)  # Python int zeros: exact next to SymPy weights
        e[i] = 1
        columns.append(_as_array(f(e.reshape(spec.input_shape), W, **kwargs)).ravel())
    uses = _usage(np.stack(columns, axis=1))
    if uses != expected:
        wrong = next(s for s in sorted(set(uses) | set(expected), key=str) if uses.get(s) != expected.get(s))
        raise AssertionError(
            f"{func}: got {len(uses)} distinct parameters, {wrong} used {uses.get(wrong, 0)} times; expected "
            f"{len(expected)}, {wrong} used {expected.get(wrong, 0)} times\n"
            f"call: {_call(f, f'e_i of shape {spec.input_shape}', W, **kwargs)}"
        )
    return ParameterSharing(len(uses), uses)


def _outer_product(vectors: Sequence[np.ndarray]) -> np.ndarray:
    out = np.ones((), dtype=np.int64)
    for v in vectors:
        out = np.multiply.outer(out, v)
    return out


# --------------------------------------------------------------------------------------------
# 10. Pooling and small translations (§9.3, figure 9.8)
# --------------------------------------------------------------------------------------------


class PoolShift(NamedTuple):
    """Which max-pooled outputs a shift leaves unchanged, measured and predicted."""

    unchanged: np.ndarray
    predicted: np.ndarray
    kept: np.ndarray
    fraction: Fraction


def max_pool_shift(
    pool: Callable,
    z: Any,
    kernel_size: Any,
    shift: Any,
    *,
    stride: Any = None,
    dilation: Any = 1,
) -> PoolShift:
    """§9.3: which max-pooled outputs a small translation leaves unchanged, and exactly why.

    ``z`` is a longer signal (the middle of a detector layer, figure 9.8); the input is the view
    ``x = z[c : c + n]`` and the translated input ``x'(i) = x(i - shift)`` is the view starting at
    ``c - shift`` (``c = max(shift, 0)``, ``n = len(z) - |shift|``, per pooled axis — the last
    ``len(kernel_size)`` axes).  Both are pooled by ``pool(v, kernel_size, stride=, dilation=)``.

    The exact condition: window ``W`` moves to ``W' = W - shift``.  Let ``A`` be the maximum over
    the cells they share, ``L`` over the cells leaving and ``E`` over the cells entering.  The
    pooled value ``max(A, L)`` becomes ``max(A, E)``, so it is unchanged **iff** ``A >= L`` and
    ``A >= E`` (the maximum stays in view and nothing larger enters: ``kept``), or ``L == E >=
    A`` (a tie between leaving and entering values).  When ``W`` and ``W'`` share no cell (a shift
    of at least the window, or not a multiple of the dilation) only the tie remains.

    Returns the measured ``unchanged`` mask, the ``predicted`` one (they must agree), ``kept``,
    and the ``fraction`` unchanged.

    Examples
    --------
    Width 3, stride 1, shift 1: the detector values all move, half of the pooled ones do not.

    >>> from refconv.pooling import max_pool
    >>> r = max_pool_shift(max_pool, np.array([0, 3, 1, 10, 2, 1, 0]), 3, 1, stride=1)
    >>> r.unchanged.astype(int).tolist(), r.fraction
    ([0, 1, 1, 0], Fraction(1, 2))
    """
    func = "max_pool_shift"
    z = np.asarray(z)
    if z.dtype.kind == "f" and np.isnan(z).any():
        raise fail(func, "z", z, "holds NaN", "an input without NaN (a NaN maximum has no order)")
    k = (kernel_size,) if is_int(kernel_size) else tuple(kernel_size)
    ndim = len(k)
    shift = int_tuple(func, "shift", shift, ndim, minimum=-(2**62))
    axes = tuple(range(z.ndim - ndim, z.ndim))
    n = tuple(z.shape[a] - abs(s) for a, s in zip(axes, shift))
    spec = plain_spec(func, n, k, stride=k if stride is None else stride, dilation=dilation)
    start = tuple(max(s, 0) for s in shift)
    old = z[(Ellipsis, *(slice(c, c + m) for c, m in zip(start, n)))]
    new = z[(Ellipsis, *(slice(c - s, c - s + m) for c, s, m in zip(start, shift, n)))]
    options = {"stride": spec.stride}
    if any(d != 1 for d in spec.dilation):
        options["dilation"] = spec.dilation
    y_old, y_new = _as_array(pool(old, kernel_size, **options)), _as_array(pool(new, kernel_size, **options))
    call = _call(pool, old, kernel_size, **options) + f" against the input shifted by {shift}"
    if y_old.shape != y_new.shape or y_old.shape[y_old.ndim - ndim :] != spec.output_shape:
        raise AssertionError(
            f"{func}: got pooled shapes {y_old.shape} and {y_new.shape}, expected spatial {spec.output_shape}\n"
            f"call: {call}"
        )
    unchanged = _equal(y_old, y_new, 0.0, 0.0)

    # The prediction, from the windows' cells in z: old tap t at c + o*s + t*d, new tap at c - shift + o*s + t*d.
    def gather(offset):
        index = [
            np.add.outer(o + np.arange(g.out) * g.stride, np.arange(g.k) * g.dilation)
            for o, g in zip(offset, spec.axes)
        ]
        grids = np.ix_(*[i.ravel() for i in index])
        values = z[(Ellipsis, *grids)]
        lead = values.shape[: values.ndim - ndim]
        shape = lead + tuple(d for g in spec.axes for d in (g.out, g.k))
        order = (
            list(range(len(lead)))
            + [len(lead) + 2 * a for a in range(ndim)]
            + [len(lead) + 2 * a + 1 for a in range(ndim)]
        )
        values = values.reshape(shape).transpose(order)
        return values.reshape(lead + spec.output_shape + (spec.taps,))

    v_old, v_new = gather(start), gather(tuple(c - s for c, s in zip(start, shift)))
    # Tap t of the old window is shared iff t + shift/d is a tap of the new window (per axis).
    shared_old, shared_new = [], []
    for s, g in zip(shift, spec.axes):
        t = np.arange(g.k)
        step = s // g.dilation if s % g.dilation == 0 else None
        shared_old.append((t + step >= 0) & (t + step < g.k) if step is not None else np.zeros(g.k, bool))
        shared_new.append((t - step >= 0) & (t - step < g.k) if step is not None else np.zeros(g.k, bool))
    ov_old, ov_new = _outer_and(shared_old).ravel(), _outer_and(shared_new).ravel()
    if ov_old.all():  # no shift: nothing leaves or enters
        predicted = kept = np.ones(y_old.shape, dtype=bool)
    else:
        L, E = v_old[..., ~ov_old].max(axis=-1), v_new[..., ~ov_new].max(axis=-1)
        tie = np.asarray(L == E, dtype=bool)
        if ov_old.any():
            A = v_old[..., ov_old].max(axis=-1)
            kept = np.asarray((A >= L) & (A >= E), dtype=bool)
            predicted = kept | (tie & np.asarray(L >= A, dtype=bool))
        else:
            kept = np.zeros(y_old.shape, dtype=bool)
            predicted = tie
    if not (predicted == unchanged).all():
        index = tuple(int(i) for i in np.argwhere(predicted != unchanged)[0])
        raise AssertionError(
            f"{func}: got output {list(index)} {'unchanged' if unchanged[index] else 'changed'} "
            f"({_value(y_old[index])} -> {_value(y_new[index])}), expected it "
            f"{'unchanged' if predicted[index] else 'changed'} by the max condition\ncall: {call}"
        )
    return PoolShift(unchanged, predicted, kept, Fraction(int(unchanged.sum()), unchanged.size))


# --------------------------------------------------------------------------------------------
# 11. Inputs of variable size (end of §9.2)
# --------------------------------------------------------------------------------------------


class VariableSize(NamedTuple):
    """Per input shape: the output shape, and the shape a dense layer's matrix would need."""

    output_shapes: tuple[tuple[int, ...], ...]
    dense_shapes: tuple[tuple[int, int], ...]
    compared: int


def variable_size(
    f: Callable, w: Any, input_shapes: Sequence[Any], *, matrix: Callable | None = None, **kwargs: Any
) -> VariableSize:
    """End of §9.2: one kernel processes inputs of every size; a dense layer's matrix fixes it.

    For each shape in ``input_shapes`` the plain operator ``f`` is applied, with the same ``w``,
    to a crop of one generic input (distinct positive integers).  Checked: the output shape is
    :func:`refconv.output_shape`'s; and every output of a crop that reads only cells inside the
    crop (a zero boundary: cells before 0 read zeros in both) equals the same output of the
    largest input — the same local function at every size.  A dense layer mapping that input to
    that output needs a ``prod(out) x prod(n)`` matrix: a different one, with different
    parameters, per size.  With ``matrix`` (a builder such as
    :func:`refconv.matrices.conv_matrix`) its matrices are checked to have those shapes and to
    refuse inputs of another size.

    Examples
    --------
    >>> import refconv
    >>> v = variable_size(refconv.correlate, [1, -1], [(3,), (5,), (8,)])
    >>> v.output_shapes, v.dense_shapes
    (((2,), (4,), (7,)), ((2, 3), (4, 5), (7, 8)))
    """
    func = "variable_size"
    w = np.asarray(w)
    shapes = [tuple(int_tuple(func, "input_shapes", s, w.ndim, minimum=1)) for s in input_shapes]
    if not shapes:
        raise fail(func, "input_shapes", input_shapes, "is empty", "at least one input shape")
    big = tuple(max(s[a] for s in shapes) for a in range(w.ndim))
    x = np.arange(1, math.prod(big) + 1, dtype=np.int64).reshape(big)
    y_big = _as_array(f(x, w, **kwargs))
    big_spec = plain_spec(func, big, w.shape, **kwargs)
    outs, dense, compared = [], [], 0
    for shape in shapes:
        spec = plain_spec(func, shape, w.shape, **kwargs)
        xs = x[tuple(slice(0, m) for m in shape)]
        y = _as_array(f(xs, w, **kwargs))
        call = _call(f, xs, w, **kwargs)
        if y.shape != spec.output_shape:
            raise AssertionError(
                f"{func}: got output shape {y.shape}, expected output_shape {spec.output_shape}\ncall: {call}"
            )
        if spec.pads != big_spec.pads:  # "same"/"full" pads depend on the kernel only; explicit pads are fixed
            raise AssertionError(f"{func}: pads {spec.pads} differ from {big_spec.pads}")
        inside = []
        for g, gb in zip(spec.axes, big_spec.axes):
            j = source_index(np.arange(g.out)[:, None], np.arange(g.k)[None, :], g)
            low_ok = (j >= 0) if spec.boundary != "constant" else np.ones_like(j, dtype=bool)
            inside.append(((j < g.n) & low_ok).all(axis=1) & (np.arange(g.out) < gb.out))
        region = _outer_and(inside)
        if y_big.shape != big_spec.output_shape:
            raise AssertionError(
                f"{func}: got output shape {y_big.shape}, expected output_shape {big_spec.output_shape}\n"
                f"call: {_call(f, x, w, **kwargs)}"
            )
        partner = y_big[np.ix_(*(np.minimum(np.arange(g.out), gb.out - 1) for g, gb in zip(spec.axes, big_spec.axes)))]
        compared += _check(func, y, partner, call, got_label="f(crop)", expected_label="f(x)", mask=region)
        rows, cols = math.prod(spec.output_shape), math.prod(shape)
        if matrix is not None:
            A = matrix(w, shape, **kwargs)
            if tuple(A.shape) != (rows, cols):
                raise AssertionError(
                    f"{func}: got a matrix of shape {A.shape}, expected {(rows, cols)}\ncall: {_name(matrix)}"
                )
            other = next((s for s in shapes if math.prod(s) != cols), None)
            if other is not None:
                try:
                    A @ np.ones(math.prod(other), dtype=np.int64)
                except ValueError:
                    pass
                else:
                    raise AssertionError(
                        f"{func}: got a {A.shape} matrix accepting an input of {math.prod(other)} cells, expected a "
                        f"shape error (a dense layer fixes the input size)\ncall: {_name(matrix)}"
                    )
        outs.append(spec.output_shape)
        dense.append((rows, cols))
    return VariableSize(tuple(outs), tuple(dense), compared)
