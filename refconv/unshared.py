"""The locally connected (unshared) layer: one kernel per output position, no parameter sharing.

Section 9.2 of the seed contrasts convolution's parameter sharing with layers that "extract
different features at different locations" — its example is a face-centred image, where the top of
the network looks for eyebrows and the bottom for a chin.  :func:`locally_connected` is that layer:
the same geometry as :func:`refconv.correlate` (modes, stride, dilation, boundary, all from
:mod:`refconv.spec` and :mod:`refconv._taps`), but output ``o`` has its own kernel ``w[o]``::

    y[o] = sum_t x[o*s + t*d - lo] * w[o, t]

so the weight has shape ``(*output_shape, *kernel_shape)`` and the layer holds
``prod(output_shape) * prod(kernel_shape)`` parameters, against ``prod(kernel_shape)`` for a
convolution (figure 9.5).  Its matrix (:func:`locally_connected_matrix`) has the same sparsity
pattern as the convolution's, but no two entries are tied.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import spec as spec_module
from ._arith import INT64_MAX, as_operand, convert, domain, finish
from ._taps import FILL, gather_index, pad, tap_slices, taps
from ._validation import check_choice, fail, shape_tuple
from .spec import ConvSpec, plain_spec

__all__ = ["locally_connected", "locally_connected_matrix", "locally_connected_weight_shape"]


def locally_connected_weight_shape(
    input_shape: Any, kernel_shape: Any, *, mode: Any = "valid", stride: Any = 1, dilation: Any = 1
) -> tuple[int, ...]:
    """Shape ``(*output_shape, *kernel_shape)`` of a locally connected layer's weight.

    Its product is the layer's parameter count.

    Parameters
    ----------
    input_shape, kernel_shape : tuple of int
        Shapes of the input ``x`` and of one output's kernel (same rank).
    mode : {"valid", "same", "full"} or pads
        As in :func:`refconv.correlate`.
    stride, dilation : int or tuple of int
        As in :func:`refconv.correlate`.

    Returns
    -------
    tuple of int
        ``refconv.output_shape(input_shape, kernel_shape, ...) + kernel_shape``.

    See Also
    --------
    locally_connected : the layer that takes a weight of this shape.
    refconv.output_shape : the first half of the shape.

    Examples
    --------
    A 280x320 image and a 1x2 kernel (figure 9.6's edge detector), unshared: one pair of
    weights per output pixel.

    >>> shape = locally_connected_weight_shape((280, 320), (1, 2))
    >>> shape, math.prod(shape) == 280 * 319 * 2
    ((280, 319, 1, 2), True)
    """
    spec = plain_spec(
        "locally_connected_weight_shape",
        input_shape,
        kernel_shape,
        mode=mode,
        stride=stride,
        dilation=dilation,
        names=("input_shape", "kernel_shape"),
    )
    return spec.output_shape + spec.kernel_shape


def _spec(func: str, x_shape, w_shape, mode, stride, dilation, boundary) -> ConvSpec:
    ndim = len(x_shape)
    if len(w_shape) != 2 * ndim:
        raise fail(
            func,
            "w.shape",
            tuple(w_shape),
            f"has {len(w_shape)} axes but x has {ndim}",
            f"a weight of {2 * ndim} axes, (*output_shape, *kernel_shape)",
        )
    spec = plain_spec(func, x_shape, w_shape[ndim:], mode=mode, stride=stride, dilation=dilation, boundary=boundary)
    if tuple(w_shape[:ndim]) != spec.output_shape:
        raise fail(
            func,
            "w.shape",
            tuple(w_shape),
            f"starts with {tuple(w_shape[:ndim])} but the output shape is {spec.output_shape}",
            f"w.shape == output_shape + kernel_shape = {spec.output_shape + spec.kernel_shape}",
        )
    return spec


def locally_connected(
    x: Any,
    w: Any,
    *,
    mode: Any = "valid",
    stride: Any = 1,
    dilation: Any = 1,
    boundary: str = "constant",
) -> np.ndarray:
    """Unshared convolution: ``y[o] = sum_t x[o*s + t*d - lo] * w[o, t]``, any rank.

    Parameters
    ----------
    x : array_like
        Input of any rank; exact kinds as in :func:`refconv.correlate`.
    w : array_like
        Weight of shape ``(*output_shape, *kernel_shape)``: one kernel per output position
        (:func:`locally_connected_weight_shape`).
    mode, stride, dilation, boundary
        As in :func:`refconv.correlate`.

    Returns
    -------
    numpy.ndarray
        Shape ``output_shape``.  With every ``w[o]`` equal to one kernel it is
        :func:`refconv.correlate` with that kernel.

    Raises
    ------
    ValueError
        For a weight whose shape is not ``output_shape + kernel_shape``, and the errors of
        :func:`refconv.correlate`.

    See Also
    --------
    locally_connected_matrix : its matrix, each weight in exactly one row.
    locally_connected_weight_shape : the weight's shape for given input and kernel shapes.
    refconv.correlate : the convolution, one kernel shared by every output.

    Examples
    --------
    Two outputs, each with its own two weights:

    >>> locally_connected([1, 2, 3], [[1, 10], [100, 1000]])
    array([  21, 3200])

    Tied weights give back the convolution layer's correlation:

    >>> import refconv
    >>> x, k = np.arange(12).reshape(3, 4), np.array([[1, -1], [2, 3]])
    >>> tied = np.broadcast_to(k, (2, 3, 2, 2))
    >>> bool((locally_connected(x, tied) == refconv.correlate(x, k)).all())
    True
    """
    func = "locally_connected"
    x = as_operand(func, "x", x)
    w = as_operand(func, "w", w)
    spec = _spec(func, x.shape, w.shape, mode, stride, dilation, boundary)
    kind = domain(func, {"x": x, "w": w}, lead=x.ndim)
    dtype = np.result_type(x, w) if kind == "float" else None
    x, w = convert(x, kind, dtype), convert(w, kind, dtype)
    padded = pad(x, spec, tuple(range(x.ndim)))
    out = None
    for tap in taps(spec):
        term = padded[tap_slices(spec, tap)] * w[(Ellipsis, *tap)]
        out = term if out is None else out + term
    return finish(np.asarray(out), kind)


def locally_connected_matrix(
    w: Any,
    input_shape: Any,
    *,
    mode: Any = "valid",
    stride: Any = 1,
    dilation: Any = 1,
    boundary: str = "constant",
    format: str = "dense",
) -> Any:
    """The matrix ``A`` of :func:`locally_connected`: ``A @ x.ravel() == locally_connected(x, w).ravel()``.

    Row ``o`` (output, row-major) holds ``w[o, t]`` in the column of the input cell tap ``t`` reads
    (summed if a boundary makes two taps read one cell).  Each weight appears in exactly one row:
    ``prod(output_shape) * prod(kernel_shape)`` independent parameters, against
    ``prod(kernel_shape)`` tied ones in a convolution's matrix.

    Parameters
    ----------
    w : array_like
        Weight ``(*output_shape, *kernel_shape)``; exact kinds allowed (SymPy symbols give the
        symbolic matrix).
    input_shape : tuple of int
        Shape of the input ``x``; the matrix has ``prod(input_shape)`` columns.
    mode, stride, dilation, boundary
        As in :func:`locally_connected`.
    format : {"dense", "sparse"}
        A NumPy array, or a ``scipy.sparse`` CSR array (numeric weights only).

    Returns
    -------
    numpy.ndarray or scipy.sparse.csr_array
        Shape ``(prod(output_shape), prod(input_shape))``.  Dense: ``int64`` for integer weights
        (an object array of Python ints if a sum of shared-cell entries would not fit), else
        ``w``'s dtype (object for exact object weights).

    Raises
    ------
    ValueError
        For a dense matrix of more than :data:`refconv.spec.DENSE_LIMIT` entries, or a weight of
        the wrong shape.
    TypeError
        For ``format="sparse"`` with an exact object weight.

    See Also
    --------
    locally_connected : the layer this matrix applies.
    refconv.conv_matrix : the convolution's matrix, the same sparsity pattern with tied entries.

    Examples
    --------
    >>> A = locally_connected_matrix([[1, 10], [100, 1000]], (3,))
    >>> A
    array([[   1,   10,    0],
           [   0,  100, 1000]])
    >>> x = np.array([1, 2, 3])
    >>> A @ x, locally_connected(x, [[1, 10], [100, 1000]])
    (array([  21, 3200]), array([  21, 3200]))
    """
    func = "locally_connected_matrix"
    format = check_choice(func, "format", format, ("dense", "sparse"))
    w = as_operand(func, "w", w)
    input_shape = shape_tuple(func, "input_shape", input_shape)
    spec = _spec(func, input_shape, w.shape, mode, stride, dilation, boundary)
    rows, cols = math.prod(spec.output_shape), math.prod(input_shape)
    if format == "dense" and rows * cols > spec_module.DENSE_LIMIT:
        raise fail(
            func,
            "format",
            format,
            f"would build a dense matrix of {rows}x{cols} = {rows * cols:.1e} entries "
            f"(limit {spec_module.DENSE_LIMIT:.0e}, refconv.spec.DENSE_LIMIT)",
            'format="sparse"',
        )
    if format == "sparse" and w.dtype.kind == "O":
        raise fail(
            func,
            "w",
            w,
            "is an exact object array",
            'a numeric array for format="sparse", or format="dense"',
            TypeError,
        )
    gathered = [gather_index(g, spec.boundary) for g in spec.axes]
    out_index = np.arange(rows).reshape(spec.output_shape)
    r_all, c_all, v_all = [], [], []
    for tap in taps(spec):
        # Per axis, the input cell each output reads through this tap, broadcast to the output grid.
        cells = np.ix_(*(gi[:, t] for gi, t in zip(gathered, tap)))
        cells = np.broadcast_arrays(*cells)
        real = np.logical_and.reduce([c != FILL for c in cells])
        flat = np.ravel_multi_index(tuple(np.where(c == FILL, 0, c) for c in cells), input_shape)
        r_all.append(out_index[real]), c_all.append(flat[real]), v_all.append(w[(Ellipsis, *tap)][real])
    r, c, v = np.concatenate(r_all), np.concatenate(c_all), np.concatenate(v_all)
    if format == "sparse":
        import scipy.sparse

        return scipy.sparse.coo_array((v, (r, c)), shape=(rows, cols)).tocsr()
    if w.dtype.kind in "iu":
        # A boundary can make two taps share a cell: sum exactly, then keep int64 when it holds.
        dense = np.zeros((rows, cols), dtype=object)
        np.add.at(dense, (r, c), v.astype(object))
        fits = dense.size == 0 or max(abs(int(dense.max())), abs(int(dense.min()))) <= INT64_MAX
        return dense.astype(np.int64) if fits else dense
    dense = np.zeros((rows, cols), dtype=w.dtype)
    np.add.at(dense, (r, c), v)
    return dense
