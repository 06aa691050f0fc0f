"""The sparse-matrix method: ``y = A @ x`` with ``A`` the CSR matrix of the convolution.

Operands are in channel form (see :mod:`refconv.methods.dense`).  ``A`` is
:func:`refconv.layer_matrix` ``(format="sparse")`` of the channel-form kernel, built in O(nnz)
from the tap geometry, and the batch is one sparse-times-dense product.  Figure 9.6: stored
sparsely, the matrix costs the same operations as convolution itself.

Exactness: for ``int64`` and float operands ``A`` is a ``scipy.sparse.csr_array`` (integer
products and sums stay in ``int64``, which :mod:`refconv._arith` proved cannot wrap).
``scipy.sparse`` holds no Python objects, so for exact object operands (Python ints, Fractions,
SymPy) the method keeps the same ``(row, column, tap)`` triplets and accumulates
``w[tap] * x[column]`` into ``y[row]`` with NumPy's object arithmetic (``numpy.add.at``) —
the same sparse product, in exact arithmetic.  Exact inputs give the identical result as
``method="direct"``; floats are summed in the CSR kernel's order, not the direct method's,
and the result has dtype ``numpy.result_type(x, w)`` (float16 operands are multiplied and
summed in float32, scipy.sparse's narrowest float, and the result rounded once to float16).

Matrices are cached (:func:`functools.lru_cache`, 16 entries) per ``(spec, groups, kernel)``,
keyed as in :mod:`refconv.methods.dense`; ``sparse_matrix.cache_clear()`` frees them.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from .._assemble import assemble, triplets
from ..spec import ConvSpec
from .dense import Kernel, layer_form

__all__ = ["sparse_matrix", "correlate_sparse"]


@functools.lru_cache(maxsize=16)
def sparse_matrix(spec: ConvSpec, kernel: Kernel):
    """The CSR layer matrix of a channel-form kernel, or ``(rows, cols, data, shape)`` triplets
    for exact object kernels (cached; see the module docstring)."""
    w, groups = layer_form(kernel.array)
    if kernel.kind != "object":
        return assemble("correlate", spec, w, kernel.kind, groups, "sparse")
    c_out, c_in_g = w.shape[:2]
    rows, cols, taps = triplets(spec, c_out, c_in_g, groups)
    shape = (c_out * math.prod(spec.output_shape), c_in_g * groups * math.prod(spec.input_shape))
    return rows, cols, w.ravel()[taps], shape


def correlate_sparse(x: np.ndarray, w: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """Cross-correlate channel-form ``x`` with channel-form ``w`` by one sparse matrix product."""
    batch, groups, co = x.shape[0], w.shape[0], w.shape[1]
    matrix = sparse_matrix(spec, Kernel(w))
    flat = x.reshape(batch, math.prod(x.shape[1:]))  # explicit columns: the batch may be empty
    if isinstance(matrix, tuple):
        rows, cols, data, shape = matrix
        y = np.zeros((batch, shape[0]), dtype=object)
        for b in range(batch):
            np.add.at(y[b], rows, data * flat[b, cols])
    else:
        # scipy.sparse has no float16: it computes in float32, and the result takes the
        # operands' dtype as every other method's does.
        y = (matrix @ flat.T).T.astype(np.result_type(x, w), copy=False)
    return y.reshape(batch, groups, co, *spec.output_shape)
