"""Small helpers the figures' data, drawings and captions share (no matplotlib).

One home each: how a matrix becomes a boolean pattern or a grid of labels, how a kernel, a
shape or an exact value is written, and which cells of figure 9.8 are context only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["symbols", "pattern", "labels", "dense_weights", "kernel_text", "shape_text", "value_text", "read_once"]


def symbols(names: str, shape: tuple[int, ...]) -> np.ndarray:
    """SymPy symbols ``names`` (``"a:l"``, ``"w x y z"``) as an object array of ``shape``."""
    import sympy

    return np.array(sympy.symbols(names), dtype=object).reshape(shape)


def pattern(A: Any) -> np.ndarray:
    """The stored (structural) entries of a scipy.sparse matrix, or the nonzeros of a SymPy one."""
    if hasattr(A, "tocoo"):
        coo = A.tocoo()
        out = np.zeros(A.shape, dtype=bool)
        out[coo.row, coo.col] = True
        return out
    return np.array([[v != 0 for v in row] for row in A.tolist()], dtype=bool).reshape(A.shape)


def labels(A: Any) -> np.ndarray:
    """The entries of a SymPy matrix as strings, ``""`` for the zeros."""
    return np.array([["" if v == 0 else str(v) for v in row] for row in A.tolist()], dtype=object).reshape(A.shape)


def dense_weights(n: int) -> Any:
    """A fully connected layer's matrix: one parameter ``W_ij`` per (output, input) pair."""
    import sympy

    return sympy.Matrix(n, n, lambda i, j: sympy.Symbol(f"W{i + 1}{j + 1}"))


def kernel_text(kernel: np.ndarray) -> str:
    """A kernel of symbols as written in a caption: ``[[a, b], [c, d]]``."""
    return str(np.vectorize(str, otypes=[object])(kernel).tolist()).replace("'", "")


def shape_text(shape: Sequence[int]) -> str:
    """A shape as written in a caption: ``3 × 4``."""
    return " × ".join(map(str, shape))


def value_text(v: Any) -> str:
    """An exact detector value (a ``Fraction``) as the book prints it: ``0.1``, ``1``."""
    return f"{float(v):g}"


def read_once(windows: np.ndarray) -> np.ndarray:
    """The cells only one pooling window reads (``windows`` is outputs x cells, boolean).

    In figure 9.8 these are the two end cells, drawn grey: context outside the book's four-cell
    view, there so that every pooled unit has its full window.
    """
    return np.flatnonzero(windows.sum(axis=0) == 1)
