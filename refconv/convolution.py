"""``correlate`` and ``convolve``: equation 9.6 on arrays of any rank, SciPy's conventions."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._arith import as_operand, convert, domain, finish
from .methods import METHODS, get_method, resolve
from .spec import check_spec_cells, held_cells, plain_spec

__all__ = ["correlate", "convolve"]


def _plain(func, x, w, *, flip, mode, stride, dilation, boundary, method):
    x = as_operand(func, "x", x)
    w = as_operand(func, "w", w)
    spec = plain_spec(func, x.shape, w.shape, mode=mode, stride=stride, dilation=dilation, boundary=boundary)
    # The budget counts what the operands hold: a broadcast view's copies are paid in full.
    given = held_cells(x) + held_cells(w)
    check_spec_cells(func, "mode", mode, spec, given=given)
    if flip:
        w = np.flip(w)
    kind = domain(func, {"x": x, "w": w})
    get_method(func, method, kind)  # the method's name, and its refusal of exact operands
    dtype = np.result_type(x, w) if kind == "float" else None
    lead = (None, None, None)
    xc, wc = convert(x, kind, dtype)[lead], convert(w, kind, dtype)[lead]
    y = METHODS[resolve(func, method, xc, wc, spec, given)](xc, wc, spec)
    return finish(y[0, 0, 0], kind)


def correlate(
    x: Any,
    w: Any,
    *,
    mode: Any = "valid",
    stride: Any = 1,
    dilation: Any = 1,
    boundary: str = "constant",
    method: str = "auto",
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

    Returns
    -------
    numpy.ndarray
        Shape :func:`refconv.output_shape` ``(x.shape, w.shape, mode=mode, ...)``.

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
    """
    return _plain(
        "correlate", x, w, flip=False, mode=mode, stride=stride, dilation=dilation, boundary=boundary, method=method
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
) -> np.ndarray:
    """N-dimensional convolution: :func:`correlate` with the kernel flipped on every axis.

    ``convolve(x, w, **kw) == correlate(x, w[::-1, ::-1, ...], **kw)`` for every keyword, the
    definition behind equation 9.6.  Exactness and errors as in :func:`correlate`.

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
    """
    return _plain(
        "convolve", x, w, flip=True, mode=mode, stride=stride, dilation=dilation, boundary=boundary, method=method
    )
