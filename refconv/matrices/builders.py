"""The public builders: :func:`conv_matrix` (plain correlation) and :func:`layer_matrix` (the layer form).

Both size the index tables, refuse what is too large and hand the ``(row, column, tap)`` triplets
to :func:`refconv._assemble.assemble`, which writes the three formats (see :mod:`refconv.matrices`).
"""

from __future__ import annotations

__all__ = ["conv_matrix", "layer_matrix"]

from typing import Any

from .._arith import as_operand
from .._assemble import assemble, matrix_weights
from .._validation import check_choice, fail, is_int, shape_tuple
from ..conventions import torch_padding_mode
from ..spec import layer_spec, plain_spec

_FORMATS = ("dense", "sparse", "sympy")


def _format(func: str, fmt: Any) -> str:
    return check_choice(func, "format", fmt, _FORMATS)


def _input_shape(func: str, input_shape: Any, ndim: int, what: str) -> tuple[int, ...]:
    shape = shape_tuple(func, "input_shape", input_shape)
    if len(shape) != ndim:
        raise fail(func, "input_shape", input_shape, f"has {len(shape)} axes but {what}", f"{ndim} axes")
    return shape


def conv_matrix(
    w: Any,
    input_shape: Any,
    *,
    mode: Any = "valid",
    stride: Any = 1,
    dilation: Any = 1,
    boundary: str = "constant",
    format: str = "dense",
):
    r"""The matrix of :func:`refconv.correlate`: ``A @ x.ravel() == correlate(x, w, ...).ravel()``.

    Parameters
    ----------
    w : array_like
        The kernel, any rank.  Integer, ``Fraction`` and SymPy entries stay exact.
    input_shape : tuple of int
        Shape of the inputs ``x`` the matrix acts on (same rank as ``w``).
    mode, stride, dilation, boundary
        Exactly as in :func:`refconv.correlate` (normalised by :func:`refconv.spec.plain_spec`).
    format : {"dense", "sparse", "sympy"}
        A NumPy array, a ``scipy.sparse.csr_array`` (a SymPy ``ImmutableSparseMatrix`` for exact
        object ``w``, which scipy.sparse cannot hold), or a SymPy ``ImmutableMatrix``.

    Returns
    -------
    matrix
        Shape ``(prod(output_shape), prod(input_shape))``: row ``i`` is output ``i`` in
        row-major order, column ``j`` input cell ``j``.  For a convolution (kernel flipped)
        pass ``np.flip(w)``.

    Raises
    ------
    ValueError
        For a bad mode/stride/dilation/boundary/format, a kernel that does not fit, or a dense
        (SymPy) matrix past :data:`refconv.spec.DENSE_LIMIT` (:data:`refconv.spec.SYMPY_LIMIT`)
        entries: the message names the entry count, the bytes and ``format="sparse"``.  Nothing
        large is allocated first.
    TypeError
        For a non-numeric ``w`` or a non-integer shape.

    Notes
    -----
    1-D, zero boundary, stride 1: a **Toeplitz** matrix, each row the row above shifted by one
    (``w = [a, b, c]``, ``n = 5``, "valid"; ``.`` is zero)::

        [ a b c . . ]
        [ . a b c . ]
        [ . . a b c ]

    1-D, ``boundary="wrap"``, "same": a **circulant**, each row the row above rotated by one::

        [ b c . . a ]
        [ a b c . . ]
        [ . a b c . ]
        [ . . a b c ]
        [ c . . a b ]

    2-D, zero boundary: a **doubly block Toeplitz** matrix, a Toeplitz matrix of blocks that
    are Toeplitz (``w = [[a, b], [c, d]]`` on a 3x3 input, "valid": a 2x3 grid of 2x3 blocks)::

        [ T0 T1 0  ]     T0 = [ a b . ]     T1 = [ c d . ]
        [ 0  T0 T1 ]          [ . a b ]          [ . c d ]

    With ``boundary="wrap"`` and "same" both levels become circulant (:func:`multilevel_circulant`).
    Stride ``s`` shifts each row by ``s`` (not Toeplitz for ``s > 1``); dilation spreads the taps.

    See Also
    --------
    layer_matrix : the same matrix in the layer form (channels, groups, PyTorch padding).
    refconv.correlate : the operation the matrix computes.
    multilevel_circulant : circular convolution's matrix, the one the DFT diagonalises.
    is_toeplitz, is_doubly_block_toeplitz : check the structure of the result.

    Examples
    --------
    >>> import numpy as np
    >>> from refconv import conv_matrix, correlate
    >>> A = conv_matrix([1, 2, 3], (5,))
    >>> A
    array([[1, 2, 3, 0, 0],
           [0, 1, 2, 3, 0],
           [0, 0, 1, 2, 3]])
    >>> x = np.array([4, -1, 7, 0, 2])
    >>> (A @ x).tolist(), correlate(x, [1, 2, 3]).tolist()     # 4*1 - 1*2 + 7*3 = 23, ...
    ([23, 13, 13], [23, 13, 13])

    A circulant with a wrap boundary; two taps reading one cell are summed:

    >>> conv_matrix([1, 2, 3], (3,), mode="same", boundary="wrap")
    array([[2, 3, 1],
           [1, 2, 3],
           [3, 1, 2]])
    >>> conv_matrix([1, 2, 3], (2,), mode="same", boundary="wrap")    # taps 0 and 2 read cell 1
    array([[2, 4],
           [4, 2]])

    Any rank, stride and dilation; the sparse form is built from the same triplets:

    >>> x = np.arange(20).reshape(4, 5)
    >>> w = np.array([[1, -2], [3, 5]])
    >>> S = conv_matrix(w, x.shape, mode="full", stride=(2, 1), dilation=(1, 2), format="sparse")
    >>> S.shape, S.nnz        # (3*7 outputs, 4*5 inputs); (1+2+1 real rows) * (1+1+2+2+2+1+1 real columns)
    ((21, 20), 40)
    >>> bool((S @ x.ravel() == correlate(x, w, mode="full", stride=(2, 1), dilation=(1, 2)).ravel()).all())
    True

    Symbolic kernels give symbolic matrices (figure 9.1's kernel on a 2x3 input):

    >>> import sympy
    >>> K = np.array(sympy.symbols("w x y z"), dtype=object).reshape(2, 2)
    >>> conv_matrix(K, (2, 3), format="sympy")
    Matrix([
    [w, x, 0, y, z, 0],
    [0, w, x, 0, y, z]])

    Figure 9.6 is too large for a dense matrix; the sparse one has 2 entries per output:

    >>> conv_matrix(np.array([[-1, 1]]), (280, 320), format="sparse").nnz
    178640
    """
    func = "conv_matrix"
    w = as_operand(func, "w", w)
    fmt = _format(func, format)
    if w.ndim == 0:
        raise fail(func, "w", w, "is a scalar", "an array with at least one axis")
    input_shape = _input_shape(func, input_shape, w.ndim, f"w has {w.ndim} (w.shape={w.shape})")
    spec = plain_spec(
        func,
        input_shape,
        w.shape,
        mode=mode,
        stride=stride,
        dilation=dilation,
        boundary=boundary,
        names=("input_shape", "w"),
    )
    w, kind = matrix_weights(func, w)
    return assemble(func, spec, w[None, None], kind, 1, fmt)


def layer_matrix(
    w: Any,
    input_shape: Any,
    *,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
    format: str = "dense",
):
    r"""The matrix of the layer convolution ``conv(x, w, ...)`` (PyTorch conventions), one sample.

    ``A @ x[i].ravel() == conv(x, w, ...)[i].ravel()`` for every sample ``i``: the input
    ``(C_in, *spatial)`` flattened maps to the output ``(C_out, *out)`` flattened.  For a whole
    batch, ``(A @ x.reshape(N, -1).T).T``.  The bias is not linear and is not part of ``A``.
    ``A.T`` is the matrix of the transposed convolution (with zero padding):
    ``A.T @ y[i].ravel() == conv_transpose(y, w, ...)[i].ravel()`` when ``conv_transpose``'s
    ``output_padding`` restores ``input_shape``.

    Parameters
    ----------
    w : array_like
        Weights ``(C_out, C_in // groups, *kernel)``.
    input_shape : tuple of int
        ``(C_in, *spatial)`` of one sample.
    stride, padding, dilation, groups
        As in ``torch.nn.functional.conv*d`` (normalised by :func:`refconv.spec.layer_spec`;
        ``padding`` also takes ``((before, after), ...)``).
    padding_mode : {"zeros", "reflect", "replicate", "circular"}
        PyTorch's names.
    format : {"dense", "sparse", "sympy"}
        As in :func:`conv_matrix`.

    Returns
    -------
    matrix
        Shape ``(C_out * prod(out), C_in * prod(spatial))`` in the format asked for: row
        ``o * prod(out) + i`` is output channel ``o`` at output ``i``, column ``c * prod(spatial) + j``
        input channel ``c`` at cell ``j`` (both row-major).  Entries as in :func:`conv_matrix`.

    Raises
    ------
    ValueError
        For ``groups`` that do not divide the channels, ``input_shape`` whose channels disagree
        with ``w.shape[1] * groups``, a bad geometry or ``padding_mode``, or a matrix past the
        size limits (as in :func:`conv_matrix`).
    TypeError
        For a non-numeric ``w``, a non-integer shape or ``groups``.

    Notes
    -----
    A ``C_out x C_in`` grid of blocks, each the :func:`conv_matrix` of one kernel slice; with
    ``groups=g`` the grid is block diagonal with ``g`` blocks.  Two input and two output
    channels, ``groups=1``::

        [ A00 A01 ]      Aoi = conv_matrix(w[o, i], spatial, ...)
        [ A10 A11 ]

    See Also
    --------
    conv_matrix : one block of this matrix (plain correlation, one channel).
    refconv.conv : the layer convolution the matrix computes.
    refconv.conv_transpose : the operation whose matrix is ``A.T``.

    Examples
    --------
    >>> import numpy as np
    >>> from refconv import correlate, layer_matrix
    >>> w = np.array([[[1, 2]], [[3, 4]]])         # 2 output channels, 1 input channel, k = 2
    >>> layer_matrix(w, (1, 3))
    array([[1, 2, 0],
           [0, 1, 2],
           [3, 4, 0],
           [0, 3, 4]])
    >>> x = np.array([[5, 6, 7], [1, 0, -1]])          # 2 input channels, groups=2
    >>> w = np.array([[[1, 2]], [[3, 4]]])
    >>> A = layer_matrix(w, (2, 3), groups=2)
    >>> (A @ x.ravel()).tolist() == correlate(x[0], w[0, 0]).tolist() + correlate(x[1], w[1, 0]).tolist()
    True

    The transpose is the matrix of the transposed convolution (same ``w``, same ``groups``):

    >>> from refconv import conv_transpose
    >>> y = np.array([[[1, -2], [3, 0]]])                 # one sample, 2 channels of 2 outputs
    >>> (A.T @ y.ravel()).tolist(), conv_transpose(y, w, groups=2).ravel().tolist()
    ([1, 0, -4, 9, 12, 0], [1, 0, -4, 9, 12, 0])
    """
    func = "layer_matrix"
    w = as_operand(func, "w", w)
    fmt = _format(func, format)
    if w.ndim < 3:
        raise fail(func, "w", w, f"has {w.ndim} axes", "(C_out, C_in // groups, *kernel) with at least 3 axes")
    input_shape = _input_shape(
        func, input_shape, w.ndim - 1, f"w.shape={w.shape} needs (C_in, *spatial) with {w.ndim - 2} spatial axes"
    )
    if not is_int(groups):
        raise fail(func, "groups", groups, "is not an integer", "an int >= 1", TypeError)
    if groups < 1:
        raise fail(func, "groups", groups, "is < 1", "an int >= 1")
    c_out, c_in_g = w.shape[:2]
    c_in = input_shape[0]
    if c_out % groups:
        raise fail(
            func, "groups", groups, f"does not divide C_out = w.shape[0] = {c_out}", "a divisor of C_out and C_in"
        )
    if c_in_g * groups != c_in:
        raise fail(
            func,
            "input_shape",
            input_shape,
            f"has C_in = {c_in} channels but w.shape[1] * groups = {c_in_g} * {groups} = {c_in_g * groups}",
            "C_in == w.shape[1] * groups",
        )

    boundary = torch_padding_mode(func, padding_mode)
    spec = layer_spec(
        func,
        input_shape[1:],
        w.shape[2:],
        padding=padding,
        stride=stride,
        dilation=dilation,
        boundary=boundary,
    )
    w, kind = matrix_weights(func, w)
    return assemble(func, spec, w, kind, int(groups), fmt)
