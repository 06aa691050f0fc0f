"""The dense-matrix method: ``y = A @ x`` with ``A`` the full matrix of the convolution.

Operands are in channel form, as for :mod:`refconv.methods.direct`: ``x`` ``(B, G, Ci, *S)``,
``w`` ``(G, Co, Ci, *K)`` -> ``(B, G, Co, *O)``.  The ``G`` groups, ``Co`` and ``Ci`` channels
become one block-diagonal layer matrix (:func:`refconv.layer_matrix` with ``groups=G``) of shape
``(G*Co*prod(O), G*Ci*prod(S))``, and the batch is one matrix product ``X @ A.T``.  This is the
method figure 9.6 argues against; it exists as an independent oracle and a benchmark baseline.

Exactness: the matrix holds ``w``'s entries (``int64``, Python ints, Fractions, SymPy) and the
product runs in the arithmetic :mod:`refconv._arith` chose, so exact inputs give the identical
result as ``method="direct"``.  Floats use BLAS (:func:`refconv._gemm.matmul`: the same bits whatever the
thread count), whose summation order is not the direct method's.  The matrix is refused past
:data:`refconv.spec.DENSE_LIMIT` entries.

Matrices of at most :data:`CACHE_ENTRIES` entries are cached (:func:`functools.lru_cache`, 8
of them, so the cache holds at most 8 x 8 MB) per ``(spec, kernel)``: the spec is a frozen,
hashable dataclass and the kernel is keyed by its dtype, shape and bytes (by its entries and
their types for object arrays).  Repeated calls with one kernel — benchmarks, a layer applied to
many batches — build the matrix once; larger matrices are rebuilt per call rather than kept
alive.  ``dense_matrix.cache_clear()`` empties the cache.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from .._assemble import assemble
from .._gemm import matmul
from ..spec import ConvSpec

__all__ = ["Kernel", "layer_form", "CACHE_ENTRIES", "dense_matrix", "correlate_dense"]


class Kernel:
    """A hashable snapshot of a channel-form kernel: equal keys mean an identical matrix.

    Numeric arrays are keyed by dtype, shape and bytes; object arrays by their entries *and*
    their types (``Fraction(2) == 2`` but must not share a matrix whose entries are ints).
    """

    __slots__ = ("array", "kind", "_key")

    def __init__(self, w: np.ndarray):
        self.array = w.copy()
        self.kind = "object" if w.dtype == object else ("int64" if w.dtype.kind in "iu" else "float")
        body = tuple((type(v), v) for v in w.flat) if self.kind == "object" else w.tobytes()
        self._key = (w.dtype.str, w.shape, body)

    def __hash__(self) -> int:
        return hash(self._key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Kernel) and self._key == other._key


def layer_form(w: np.ndarray) -> tuple[np.ndarray, int]:
    """Channel-form ``(G, Co, Ci, *K)`` as layer-form ``(G*Co, Ci, *K)`` with ``groups=G``."""
    return w.reshape(w.shape[0] * w.shape[1], *w.shape[2:]), w.shape[0]


#: Largest dense matrix (in entries) the method caches: 10**6 entries, 8 MB of int64.
CACHE_ENTRIES = 10**6


@functools.lru_cache(maxsize=8)
def dense_matrix(spec: ConvSpec, kernel: Kernel) -> np.ndarray:
    """The dense layer matrix of a channel-form kernel (cached; see the module docstring)."""
    return _build(spec, kernel)


def _build(spec: ConvSpec, kernel: Kernel) -> np.ndarray:
    w, groups = layer_form(kernel.array)
    matrix = assemble("correlate", spec, w, kernel.kind, groups, "dense", method=True)
    matrix.flags.writeable = False  # shared by every caller of the cache
    return matrix


def correlate_dense(x: np.ndarray, w: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """Cross-correlate channel-form ``x`` with channel-form ``w`` by one dense matrix product."""
    batch, groups, co = x.shape[0], w.shape[0], w.shape[1]
    columns = math.prod(x.shape[1:])
    entries = columns * groups * co * math.prod(spec.output_shape)
    matrix = (dense_matrix if entries <= CACHE_ENTRIES else _build)(spec, Kernel(w))
    y = matmul(x.reshape(batch, columns), matrix.T)  # explicit columns: the batch may be empty
    return y.reshape(batch, groups, co, *spec.output_shape)
