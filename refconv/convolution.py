"""``correlate`` and ``convolve``: equation 9.6 on arrays of any rank, SciPy's conventions."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from ._arith import as_operand, convert, domain, finish, fits_int64
from ._validation import fail, int_tuple, is_int, pad_pairs
from .methods import METHODS, get_method, resolve
from .padding import padded
from .spec import ConvSpec, check_spec_cells, held_cells, plain_spec

__all__ = ["correlate", "convolve"]


def _filtered_axes(func, axes, ndim, kernel_ndim):
    """``axes`` as a tuple of distinct non-negative axes of ``x``, one per kernel axis."""
    if axes is None:  # every axis: the spec refuses ranks that differ, with its own message
        return tuple(range(ndim))
    items = (axes,) if is_int(axes) else axes
    if isinstance(items, (str, bytes)) or not isinstance(items, (tuple, list)) or not all(map(is_int, items)):
        raise fail(func, "axes", axes, "is not an int or a tuple of ints", "None, an int or a tuple of ints", TypeError)
    if any(not -ndim <= a < ndim for a in items):
        raise fail(func, "axes", axes, f"names an axis out of range for x.ndim={ndim}", f"ints in [{-ndim}, {ndim})")
    out = tuple(int(a) % ndim for a in items)
    if len(set(out)) != len(out):
        raise fail(func, "axes", axes, "repeats an axis", "distinct axes")
    if len(out) != kernel_ndim:
        raise fail(func, "axes", axes, f"names {len(out)} axes but w.ndim={kernel_ndim}", "one axis per kernel axis")
    return out


def _expand(values, axes, ndim, default):
    """Per-kernel-axis ``values`` placed on ``axes`` of an ``ndim``-axis array, ``default`` elsewhere."""
    full = [default] * ndim
    for a, v in zip(axes, values):
        full[a] = v
    return tuple(full)


def _origins(func, origin, m):
    """``origin`` as one int per filtered axis (any sign: the pads decide which are allowed)."""
    items = (origin,) * m if is_int(origin) else origin
    if not isinstance(items, (tuple, list)) or not all(map(is_int, items)):
        raise fail(func, "origin", origin, "is not an int or a tuple of ints", f"an int or {m} ints", TypeError)
    if len(items) != m:
        raise fail(func, "origin", origin, f"has {len(items)} entries but {m} axes are filtered", f"an int or {m} ints")
    return tuple(int(o) for o in items)


def _spec(func, x, w, *, flip, mode, stride, dilation, boundary, origin, axes):
    """The one spec of the call, on every axis of ``x``: the kernel gets length 1 on the axes it
    does not filter, and ``origin`` shifts each filtered axis's pads (the output length stays)."""
    full = _filtered_axes(func, axes, x.ndim, w.ndim)
    m = len(full)
    if axes is not None:
        # Kernel axis i runs along x's axis full[i]: put them in x's order, then insert unit axes.
        w = w.transpose(np.argsort(full)).reshape(_expand(w.shape, full, x.ndim, 1))
        if not isinstance(mode, str):
            mode = _expand(pad_pairs(func, "mode", mode, m), full, x.ndim, (0, 0))
        stride = _expand(int_tuple(func, "stride", stride, m, minimum=1), full, x.ndim, 1)
        dilation = _expand(int_tuple(func, "dilation", dilation, m, minimum=1), full, x.ndim, 1)
    spec = plain_spec(func, x.shape, w.shape, mode=mode, stride=stride, dilation=dilation, boundary=boundary)
    if is_int(origin) and origin == 0:
        return spec, w
    shift = _expand(_origins(func, origin, m), full, x.ndim, 0)
    # correlate: origin o puts kernel tap lo + o over each output's anchor cell; convolve flips the
    # kernel, so the same tap of the given kernel moves the other way (scipy.ndimage's rule).
    sign = -1 if flip else 1
    pads = []
    for i, ((lo, hi), o) in enumerate(zip(spec.pads, shift)):
        lo2, hi2 = lo + sign * o, hi - sign * o
        if min(lo2, hi2) < 0:
            low, high = (-hi, lo) if flip else (-lo, hi)
            problem = f"moves the window past its pads on axis {i}: pads ({lo}, {hi}) allow origin {low} .. {high}"
            raise fail(func, "origin", origin, problem, f"{low} <= origin <= {high} on axis {i}")
        pads.append((lo2, hi2))
    return plain_spec(
        func, x.shape, w.shape, mode=tuple(pads), stride=spec.stride, dilation=spec.dilation, boundary=spec.boundary
    ), w


def _cval(func, cval, x, w, boundary):
    """``cval`` as a 0-d operand, or None for the integer zero every method pads with anyway."""
    if is_int(cval) and cval == 0:
        return None
    c = as_operand(func, "cval", cval)
    if c.ndim != 0:
        raise fail(func, "cval", cval, f"has shape {c.shape}", "a scalar", TypeError)
    if boundary != "constant":
        if c[()] != 0:
            problem = f"is given but boundary={boundary!r} copies input cells"
            raise fail(func, "cval", cval, problem, "cval only with boundary='constant'")
        return None
    kinds = {x.dtype.kind, w.dtype.kind}
    if c.dtype.kind in "fc" and "O" in kinds:
        problem = "is a float while x or w is an exact object array"
        raise fail(func, "cval", cval, problem, "an exact cval (int, Fraction, SymPy) with exact operands", TypeError)
    if c.dtype.kind == "O" and kinds & set("fc"):
        problem = "is exact while x or w is a float array"
        raise fail(func, "cval", cval, problem, "a float cval with float operands", TypeError)
    return c


def _plain(func, x, w, *, flip, mode, stride, dilation, boundary, method, origin=0, cval=0, axes=None):
    x = as_operand(func, "x", x)
    w = as_operand(func, "w", w)
    spec, w = _spec(
        func, x, w, flip=flip, mode=mode, stride=stride, dilation=dilation, boundary=boundary, origin=origin, axes=axes
    )
    # The budget counts what the operands hold: a broadcast view's copies are paid in full.
    given = held_cells(x) + held_cells(w)
    check_spec_cells(func, "mode", mode, spec, given=given)
    c = _cval(func, cval, x, w, spec.boundary)
    if flip:
        w = np.flip(w)
    operands = {"x": x, "w": w} if c is None else {"x": x, "w": w, "cval": c}
    kind = domain(func, operands)
    if kind == "int64" and c is not None and not fits_int64({"x": c.reshape(1), "w": w}):
        kind = "object"  # the int64 bound must hold for the fill cells too
    get_method(func, method, kind)  # the method's name, and its refusal of exact operands
    dtype = _float_dtype(x, w, c) if kind == "float" else None
    xc, wc = convert(x, kind, dtype), convert(w, kind, dtype)
    if c is not None:
        # A nonzero fill: pad once here by the spec's own rule (refconv._taps.pad, with the fill
        # value; refconv.padding.padded), then every method correlates the padded input "valid", as it would the zeros.
        xc = padded(xc, spec, convert(c, kind, dtype)[()])
        spec = ConvSpec(tuple(dataclasses.replace(g, n=g.padded, lo=0, hi=0) for g in spec.axes), spec.boundary)
    lead = (None, None, None)
    xc, wc = xc[lead], wc[lead]
    y = METHODS[resolve(func, method, xc, wc, spec, given)](xc, wc, spec)
    return finish(y[0, 0, 0], kind)


def _float_dtype(x, w, c):
    """The float dtype of the result: ``x`` and ``w``'s, which a real ``cval`` does not widen
    (it is rounded to it once, as the fill cell of that dtype); ``cval`` decides only when it is
    the one float operand, or complex with real operands."""
    dtype = np.result_type(x, w)
    if c is not None and (dtype.kind not in "fc" or (c.dtype.kind == "c" and dtype.kind == "f")):
        dtype = np.result_type(dtype, c.dtype)
    return dtype


def correlate(
    x: Any,
    w: Any,
    *,
    mode: Any = "valid",
    stride: Any = 1,
    dilation: Any = 1,
    boundary: str = "constant",
    method: str = "auto",
    origin: Any = 0,
    cval: Any = 0,
    axes: Any = None,
) -> np.ndarray:
    """N-dimensional cross-correlation, equation 9.6: ``S(i) = sum_m I(i*s + m*d - lo) K(m)``.

    .. math::

        S(i) = \\sum_m I(i s + m d - \\ell)\\, K(m)

    with stride ``s``, dilation ``d`` and ``lo`` (:math:`\\ell`) cells of padding before, per axis.

    Parameters
    ----------
    x, w : array_like
        Input and kernel, of the same rank.  Integer dtypes, object arrays of ``int``,
        ``Fraction`` or SymPy expressions give exact results; see "Exactness" below.
    mode : {"valid", "same", "full"} or pads
        As in ``scipy.signal.correlate``.  ``"same"`` has the input's shape (with stride 1); for
        an even kernel the extra padding goes *before*, as SciPy's centred slice of "full".
        Explicit pads: an int, one int per axis, or one ``(before, after)`` pair per axis.
    stride, dilation : int or tuple of int
        Output subsampling and kernel dilation (zeros between taps), per axis.
    boundary : {"constant", "wrap", "reflect", "symmetric", "edge"}
        What padded cells hold, by ``numpy.pad``'s names (``"constant"`` is zeros).
        ``scipy.ndimage``'s ``"reflect"`` is ``"symmetric"`` here, its ``"mirror"`` is
        ``"reflect"``, its ``"nearest"`` is ``"edge"`` (:data:`refconv.conventions.BOUNDARY_NAMES`).
    method : {"auto", "direct", ...}
        Algorithm; every method gives identical results on exact inputs.
    origin : int or tuple of int
        ``scipy.ndimage``'s shift of the window, per filtered axis: the mode's pads ``(lo, hi)``
        become ``(lo + origin, hi - origin)`` (the output length stays), so kernel tap
        ``lo + origin`` sits over each output's cell.  With ``mode="same"`` this is
        ``ndimage.correlate``'s ``origin`` exactly (tap ``k//2 + origin``), and, as ndimage, it
        must keep both pads ``>= 0``: ``-lo <= origin <= hi``.
    cval : scalar
        What the padded cells of ``boundary="constant"`` hold (ndimage's ``cval``); an exact
        ``int``, ``Fraction`` or SymPy value keeps exact inputs exact.  A float ``cval`` with
        float operands is rounded once to their dtype.  Other boundaries take no ``cval`` but 0.
    axes : int or tuple of int, optional
        Filter only these axes of ``x`` (ndimage's ``axes=``): ``w`` has ``len(axes)`` axes, its
        axis ``i`` runs along ``x``'s axis ``axes[i]``, and ``mode`` pads, ``stride``,
        ``dilation`` and ``origin`` are per kernel axis; the other axes are left as they are.

    Returns
    -------
    numpy.ndarray
        Shape :func:`refconv.output_shape` ``(x.shape, w.shape, mode=mode, ...)`` (on the
        filtered axes; the others keep their length).

    Raises
    ------
    ValueError
        For a bad mode/stride/dilation/boundary, ranks that differ, or a kernel that does not
        fit the padded input (never a silent swap of ``x`` and ``w`` as SciPy does).
    TypeError
        For non-numeric or bool arrays, or exact object arrays mixed with float arrays.

    Notes
    -----
    Exactness: integer inputs never wrap; the result is ``int64`` when the bound
    ``max|x| * sum|w| < 2**63`` proves it fits, otherwise an object array of Python ints.
    Float results are summed over taps in row-major order in ``numpy.result_type(x, w)``.
    Complex inputs are not conjugated.

    ``scipy.ndimage.correlate(x, w, mode=m, cval=c, origin=o, axes=a)`` is
    ``correlate(x, w, mode="same", boundary=boundary("ndimage", m), cval=c, origin=o, axes=a)``
    (:func:`refconv.conventions.boundary`; its ``grid-constant``, ``grid-wrap`` and ``grid-mirror``
    are ``constant``, ``wrap`` and ``symmetric`` for filters, where the ``grid-`` names differ
    only in interpolation).  For ``axes`` not in increasing order ndimage does not reorder
    ``w``'s axes (it places them in increasing order), where refconv runs axis ``i`` along
    ``axes[i]``.  A nonzero ``cval`` pads the input once (:func:`refconv._taps.pad`, with the
    value) and every method correlates that "valid"; float results are then summed as above.

    See Also
    --------
    convolve : the same with the kernel flipped on every axis.
    refconv.conv : the layer form, PyTorch's conventions (``(N, C, *spatial)``, groups, bias).
    refconv.conv_matrix : the matrix ``A`` with ``A @ x.ravel() == correlate(x, w).ravel()``.
    refconv.output_shape : the result's shape.

    Examples
    --------
    >>> correlate([1, 2, 3, 4, 5], [1, 10])
    array([21, 32, 43, 54])
    >>> correlate([1, 2, 3, 4, 5], [1, 10], mode="same")      # 10*1, 1*1 + 10*2, ...
    array([10, 21, 32, 43, 54])
    >>> correlate([1, 2, 3, 4, 5], [1, 10], stride=2, dilation=2)   # 1+30, 3+50
    array([31, 53])

    Figure 9.1 of the seed, symbolically:

    >>> import sympy
    >>> I = np.array(sympy.symbols("a:l"), dtype=object).reshape(3, 4)
    >>> K = np.array(sympy.symbols("w x y z"), dtype=object).reshape(2, 2)
    >>> correlate(I, K)[0, 0]
    a*w + b*x + e*y + f*z

    The same numbers as SciPy on integers:

    >>> import scipy.signal
    >>> x, w = np.arange(12).reshape(3, 4), np.array([[1, 2], [3, 4]])
    >>> bool((correlate(x, w, mode="full") == scipy.signal.correlate(x, w, mode="full")).all())
    True

    SciPy ndimage's options: ``origin`` shifts the window, ``cval`` fills, ``axes`` picks axes:

    >>> correlate([1, 2, 3, 4], [1, 10, 100], mode="same", origin=1)     # tap 2 over x[i]
    array([100, 210, 321, 432])
    >>> from fractions import Fraction
    >>> correlate([1, 2, 3], [1, 1], mode="full", cval=Fraction(1, 2)).tolist()
    [Fraction(3, 2), Fraction(3, 1), Fraction(5, 1), Fraction(7, 2)]
    >>> correlate(np.arange(6).reshape(2, 3), [1, 10], axes=1)           # rows only
    array([[10, 21],
           [43, 54]])
    >>> import scipy.ndimage
    >>> xf = np.arange(12.0).reshape(3, 4)
    >>> bool((correlate(xf, [1, 2, 5], mode="same", cval=7.0, origin=-1, axes=0)
    ...       == scipy.ndimage.correlate(xf, [1, 2, 5], mode="constant", cval=7.0, origin=-1, axes=0)).all())
    True
    """
    return _plain(
        "correlate",
        x,
        w,
        flip=False,
        mode=mode,
        stride=stride,
        dilation=dilation,
        boundary=boundary,
        method=method,
        origin=origin,
        cval=cval,
        axes=axes,
    )


def convolve(
    x: Any,
    w: Any,
    *,
    mode: Any = "valid",
    stride: Any = 1,
    dilation: Any = 1,
    boundary: str = "constant",
    method: str = "auto",
    origin: Any = 0,
    cval: Any = 0,
    axes: Any = None,
) -> np.ndarray:
    """N-dimensional convolution: :func:`correlate` with the kernel flipped on every axis.

    ``convolve(x, w, **kw) == correlate(x, w[::-1, ::-1, ...], **kw)`` for every keyword but
    ``origin``, whose sign flips with the kernel (``origin=-o`` there), the definition behind
    equation 9.6.  Exactness and errors as in :func:`correlate`.

    Parameters
    ----------
    x, w : array_like
        Input and kernel, of the same rank; ``w`` is flipped on every axis before correlating.
        Integer and exact object arrays give exact results, as in :func:`correlate`.
    mode : {"valid", "same", "full"} or pads
        As in ``scipy.signal.convolve``; ``"same"`` is SciPy's centred slice of "full" (for an
        even kernel the larger half of the padding goes before).  Explicit pads as in
        :func:`correlate`.
    stride, dilation : int or tuple of int
        Output subsampling and kernel dilation, per axis, applied to the flipped kernel.
    boundary : {"constant", "wrap", "reflect", "symmetric", "edge"}
        What padded cells hold, by ``numpy.pad``'s names.
    method : {"auto", "direct", ...}
        Algorithm; every method gives identical results on exact inputs.
    origin : int or tuple of int
        Shift of the window, per filtered axis, in the given kernel's own orientation (as
        ``scipy.ndimage.convolve``): the pads ``(lo, hi)`` become ``(lo - origin, hi + origin)``;
        ``-hi <= origin <= lo``.  For an odd kernel and ``mode="same"`` this is ndimage's
        ``origin``; for an even one ndimage's ``origin=o`` is ``origin=o + 1`` here, since
        refconv's "same" is ``scipy.signal``'s (the larger half of the padding before).
    cval : scalar
        What ``boundary="constant"`` padding holds, as in :func:`correlate`.
    axes : int or tuple of int, optional
        Filter only these axes, as in :func:`correlate`.

    Returns
    -------
    numpy.ndarray
        ``correlate(x, flipped w, ...)``: the same shape and dtype rule as :func:`correlate`.

    See Also
    --------
    correlate : cross-correlation, the kernel not flipped.
    refconv.conv : the layer form, which (as PyTorch's) correlates: it does not flip.

    Examples
    --------
    >>> convolve([1, 2, 3], [1, 10, 100], mode="full")   # polynomial product
    array([  1,  12, 123, 230, 300])
    >>> convolve([1, 2, 3], [1, 10, 100], mode="full").tolist() == correlate(
    ...     [1, 2, 3], [100, 10, 1], mode="full").tolist()
    True
    >>> import scipy.signal
    >>> x, w = np.arange(20).reshape(4, 5), np.array([[1, -1], [2, 3]])
    >>> bool((convolve(x, w, mode="same") == scipy.signal.convolve(x, w, mode="same")).all())
    True

    ``origin`` follows ``scipy.ndimage.convolve``'s sign; an even kernel's ``origin`` is ndimage's + 1:

    >>> import scipy.ndimage
    >>> convolve([1, 2, 3, 4], [1, 10], mode="same", origin=1)        # 10*x[i] + x[i+1]
    array([12, 23, 34, 40])
    >>> scipy.ndimage.convolve(np.array([1, 2, 3, 4]), np.array([1, 10]), mode="constant", origin=0)
    array([12, 23, 34, 40])
    """
    return _plain(
        "convolve",
        x,
        w,
        flip=True,
        mode=mode,
        stride=stride,
        dilation=dilation,
        boundary=boundary,
        method=method,
        origin=origin,
        cval=cval,
        axes=axes,
    )
