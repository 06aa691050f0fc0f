"""The seed's figures, drawn from refconv's own computations: ``refconv figures --out DIR``.

Every picture is computed, never drawn by hand: the symbolic grid of figure 9.1 is
:func:`refconv.correlate` on SymPy symbols, the connections of figures 9.2-9.5 are the stored
entries of :func:`refconv.conv_matrix`, the receptive fields of figure 9.4 come from
:func:`refconv.receptive.receptive_field`, the edges and counts of figure 9.6 from
:func:`refconv.correlate` and :func:`refconv.conv_cost`, figure 9.8 from
:func:`refconv.pooling.max_pool` and :func:`refconv.pooling.pooled_unchanged_fraction`, and the
matrix pictures of §9.1 from :func:`refconv.conv_matrix` / :func:`refconv.doubly_block_circulant`
with the structure predicates' verdicts.

Each figure has a *data function* (``figure_9_1_data()``, ...) returning what is plotted as
plain arrays, so tests check the numbers and patterns without comparing pixels; :func:`render`
draws them with matplotlib (an optional extra: ``pip install 'refconv[figures]'``, imported only
when drawing, Agg backend) and writes one PNG per figure, ``index.md``, ``index.html`` and the
manifest ``index.json``.  :func:`index_entries` and :func:`report_section` read the manifest
(without matplotlib) so that a report can link the figures.

Figures (:data:`FIGURES`)
-------------------------
==================================  =========================================================
``fig-9.1``                         figure 9.1: 2-D "valid" correlation of symbols
``fig-9.2`` / ``fig-9.3``           sparse connectivity from below / above, and the dense case
``fig-9.4``                         receptive-field growth through a stack of layers
``fig-9.5``                         parameter sharing: the uses of one parameter
``fig-9.6``                         edge detection on a photograph, with its counts
``fig-9.8``                         max pooling's invariance to a one-step shift
``matrix-toeplitz``                 §9.1: the Toeplitz matrix of 1-D correlation
``matrix-doubly-block-toeplitz``    §9.1: 2-D zero-boundary correlation
``matrix-doubly-block-circulant``   §9.1: 2-D circular convolution
==================================  =========================================================
"""

from __future__ import annotations

import fnmatch
import html
import json
import math
import os
import re
import sys
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from ._validation import fail, is_int
from .convolution import correlate
from .costs import ConvCost, conv_cost
from .matrices import (
    StructureCheck,
    conv_matrix,
    doubly_block_circulant,
    is_doubly_block_circulant,
    is_doubly_block_toeplitz,
    is_toeplitz,
)
from .receptive import ReceptiveField, receptive_field
from .spec import output_shape

__all__ = [
    "FIGURES",
    "FigureSpec",
    "IndexEntry",
    "SymbolicGrid",
    "Connectivity",
    "ReceptiveGrowth",
    "Sharing",
    "EdgeDetection",
    "PoolShift",
    "MatrixPicture",
    "figure_9_1_data",
    "figure_9_2_data",
    "figure_9_3_data",
    "figure_9_4_data",
    "figure_9_5_data",
    "figure_9_6_data",
    "figure_9_8_data",
    "toeplitz_data",
    "doubly_block_toeplitz_data",
    "doubly_block_circulant_data",
    "render",
    "index_entries",
    "report_section",
    "cli_main",
]

MANIFEST = "index.json"


def _symbols(names: str, shape: tuple[int, ...]) -> np.ndarray:
    import sympy

    return np.array(sympy.symbols(names), dtype=object).reshape(shape)


def _pattern(A: Any) -> np.ndarray:
    """The stored (structural) entries of a scipy.sparse matrix, or the nonzeros of a SymPy one."""
    if hasattr(A, "tocoo"):
        coo = A.tocoo()
        out = np.zeros(A.shape, dtype=bool)
        out[coo.row, coo.col] = True
        return out
    return np.array([[v != 0 for v in row] for row in A.tolist()], dtype=bool).reshape(A.shape)


def _labels(A: Any) -> np.ndarray:
    """The entries of a SymPy matrix as strings, ``""`` for the zeros."""
    return np.array([["" if v == 0 else str(v) for v in row] for row in A.tolist()], dtype=object).reshape(A.shape)


# --------------------------------------------------------------------------------------------
# The data behind each figure
# --------------------------------------------------------------------------------------------


class SymbolicGrid(NamedTuple):
    """Figure 9.1: symbolic input, kernel, their correlation, and the cells output (0, 0) reads."""

    input: np.ndarray
    kernel: np.ndarray
    output: np.ndarray
    labels: np.ndarray
    region: tuple[tuple[int, int], ...]


def figure_9_1_data() -> SymbolicGrid:
    """Figure 9.1: ``correlate`` of a 3x4 input of symbols ``a..l`` and a 2x2 kernel ``w x y z``.

    ``labels`` are the output entries as printed (``str`` of :func:`refconv.correlate`'s SymPy
    result); ``region`` is the input cells the upper-left output reads, the nonzero columns of
    row 0 of :func:`refconv.conv_matrix` (the boxes and arrows of the figure).

    Examples
    --------
    >>> d = figure_9_1_data()
    >>> d.labels[0, 0], d.region
    ('a*w + b*x + e*y + f*z', ((0, 0), (0, 1), (1, 0), (1, 1)))
    """
    x = _symbols("a:l", (3, 4))
    w = _symbols("w x y z", (2, 2))
    y = correlate(x, w)
    row0 = _pattern(conv_matrix(w, x.shape, format="sympy"))[0]
    region = tuple((int(i), int(j)) for i, j in zip(*np.unravel_index(np.flatnonzero(row0), x.shape)))
    labels = np.array([str(v) for v in y.ravel()], dtype=object).reshape(y.shape)
    return SymbolicGrid(x, w, y, labels, region)


class Connectivity(NamedTuple):
    """Figures 9.2 / 9.3: who connects to whom, for a convolution and for a dense layer.

    ``sparse`` is :func:`refconv.conv_matrix` ``(format="sparse")`` and ``sparse_pattern`` its
    stored entries (outputs x inputs); ``dense_pattern`` the nonzeros of a dense weight matrix
    of symbols.  ``unit`` is the highlighted unit (an input for ``view="below"``, an output for
    ``"above"``) and ``sparse_lit`` / ``dense_lit`` the units of the other layer it connects to.
    """

    sparse: Any
    sparse_pattern: np.ndarray
    dense_pattern: np.ndarray
    view: str
    unit: int
    sparse_lit: np.ndarray
    dense_lit: np.ndarray


def _connectivity(view: str) -> Connectivity:
    n, unit = 5, 2  # x1..x5 / s1..s5; x3 and s3 are highlighted (0-based 2)
    # Distinct nonzero taps: no zero weight can hide a connection.
    sparse = conv_matrix(np.array([1, 2, 3]), (n,), mode="same", format="sparse")
    S = _pattern(sparse)
    D = _pattern(_dense_weights(n))
    pick = (lambda P: np.flatnonzero(P[:, unit])) if view == "below" else (lambda P: np.flatnonzero(P[unit]))
    return Connectivity(sparse, S, D, view, unit, pick(S), pick(D))


def _dense_weights(n: int):
    """A fully connected layer's matrix: one parameter ``W_ij`` per (output, input) pair."""
    import sympy

    return sympy.Matrix(n, n, lambda i, j: sympy.Symbol(f"W{i + 1}{j + 1}"))


def figure_9_2_data() -> Connectivity:
    """Figure 9.2: sparse connectivity from below, the outputs ``x3`` affects.

    Five inputs and a width-3 kernel in "same" mode: ``x3`` affects ``s2, s3, s4`` (column 2 of
    the sparse matrix); through a dense matrix it affects every output.

    Examples
    --------
    >>> d = figure_9_2_data()
    >>> d.sparse_lit.tolist(), d.dense_lit.tolist()
    ([1, 2, 3], [0, 1, 2, 3, 4])
    """
    return _connectivity("below")


def figure_9_3_data() -> Connectivity:
    """Figure 9.3: sparse connectivity from above, the inputs that affect ``s3`` (its receptive field).

    Examples
    --------
    >>> d = figure_9_3_data()
    >>> d.sparse_lit.tolist(), int(d.sparse_pattern.sum()), int(d.dense_pattern.sum())
    ([1, 2, 3], 13, 25)
    """
    return _connectivity("above")


class ReceptiveGrowth(NamedTuple):
    """Figure 9.4: a two-layer stack, the cells one unit reaches, and field sizes per depth.

    ``patterns[l]`` is the stored pattern of layer ``l``'s :func:`refconv.conv_matrix` (outputs x
    inputs, first layer first); ``reach[0]`` is the unit of the top layer, ``reach[l]`` the
    cells of the layer ``l`` below it that it depends on (through the patterns, real cells only);
    ``field`` is :func:`refconv.receptive.receptive_field` of the stack.  ``growth`` maps a stack
    description to the receptive-field sizes at depths ``depths``.
    """

    layers: tuple
    patterns: tuple[np.ndarray, ...]
    unit: int
    reach: tuple[np.ndarray, ...]
    field: ReceptiveField
    depths: np.ndarray
    growth: dict


def figure_9_4_data(depth: int = 6) -> ReceptiveGrowth:
    """Figure 9.4: the receptive field of ``g3`` through two width-3 "same" layers, and its growth.

    Parameters
    ----------
    depth : int
        Deepest stack for the growth curves (``>= 1``): a width-3 kernel repeated, the same with
        stride 2 (the seed's "strided convolution"), and width-3 layers each followed by a
        width-2 stride-2 pool (its "pooling").

    Examples
    --------
    >>> d = figure_9_4_data(depth=3)
    >>> [r.tolist() for r in d.reach], d.field.size
    ([[2], [1, 2, 3], [0, 1, 2, 3, 4]], (5,))
    >>> {name: sizes.tolist() for name, sizes in d.growth.items()}
    {'kernel 3': [3, 5, 7], 'kernel 3, stride 2': [3, 7, 15], 'kernel 3 + pool 2 (stride 2)': [4, 10, 22]}
    """
    if not is_int(depth):
        raise fail("figure_9_4_data", "depth", depth, "is not an int", "an int >= 1", TypeError)
    if depth < 1:
        raise fail("figure_9_4_data", "depth", depth, "is less than 1", "an int >= 1")
    n, unit = 5, 2  # x1..x5 -> h1..h5 -> g1..g5; g3 is highlighted
    layers = ((3, 1, 1, 1), (3, 1, 1, 1))  # (kernel, stride, dilation, padding): "same"
    patterns = tuple(
        _pattern(conv_matrix(np.ones(k, dtype=np.int64), (n,), mode=((p, p),), stride=s, dilation=d, format="sparse"))
        for k, s, d, p in layers
    )
    reach = [np.array([unit])]
    for P in reversed(patterns):
        reach.append(np.flatnonzero(P[reach[-1]].any(axis=0)))
    stacks = {
        "kernel 3": lambda m: [(3, 1)] * m,
        "kernel 3, stride 2": lambda m: [(3, 2)] * m,
        "kernel 3 + pool 2 (stride 2)": lambda m: [(3, 1), (2, 2)] * m,
    }
    depths = np.arange(1, depth + 1)
    growth = {name: np.array([receptive_field(make(m)).size[0] for m in depths]) for name, make in stacks.items()}
    return ReceptiveGrowth(layers, patterns, unit, tuple(reach), receptive_field(list(layers)), depths, growth)


class Sharing(NamedTuple):
    """Figure 9.5: where one parameter is used, in a convolution's matrix and in a dense one.

    ``conv`` is :func:`refconv.conv_matrix` ``(format="sympy")`` of the kernel ``a b c``;
    ``conv_uses`` the (output, input) entries holding ``parameter`` (the central ``b``);
    ``dense`` a dense matrix of symbols ``W11..W55`` and ``dense_uses`` the entries holding its
    central element ``W33``.
    """

    conv: Any
    kernel: np.ndarray
    parameter: Any
    conv_pattern: np.ndarray
    conv_uses: np.ndarray
    dense: Any
    dense_parameter: Any
    dense_uses: np.ndarray


def _uses(M: Any, symbol: Any) -> np.ndarray:
    return np.array([[symbol in v.free_symbols for v in row] for row in M.tolist()], dtype=bool).reshape(M.shape)


def figure_9_5_data() -> Sharing:
    """Figure 9.5: the central kernel entry is used at every input location; a dense weight once.

    Examples
    --------
    >>> d = figure_9_5_data()
    >>> d.parameter, np.argwhere(d.conv_uses).tolist()
    (b, [[0, 0], [1, 1], [2, 2], [3, 3], [4, 4]])
    >>> d.dense_parameter, np.argwhere(d.dense_uses).tolist()
    (W33, [[2, 2]])
    """
    n = 5
    kernel = _symbols("a b c", (3,))
    A = conv_matrix(kernel, (n,), mode="same", format="sympy")
    W = _dense_weights(n)
    b, w33 = kernel[1], W[2, 2]
    return Sharing(A, kernel, b, _pattern(A), _uses(A, b), W, w33, _uses(W, w33))


class EdgeDetection(NamedTuple):
    """Figure 9.6: a grayscale photograph, its edges, and the counts for its size and the seed's.

    ``edges = correlate(image, kernel)`` with ``kernel = [[-1, 1]]`` (each pixel minus its left
    neighbour); ``cost = conv_cost(image.shape, kernel.shape)``; ``seed_cost`` the same for the
    seed's 280x320 photograph.
    """

    image: np.ndarray
    kernel: np.ndarray
    edges: np.ndarray
    cost: ConvCost
    seed_cost: ConvCost
    source: str


_LUMA = np.array([0.299, 0.587, 0.114])  # ITU-R BT.601 weights: the usual RGB -> gray


def _sample_photograph() -> np.ndarray:
    from matplotlib import cbook
    from matplotlib import image as mimage

    with cbook.get_sample_data("grace_hopper.jpg") as fh:
        return mimage.imread(fh, format="jpg")


def figure_9_6_data(image: Any = None) -> EdgeDetection:
    """Figure 9.6: edge detection with the kernel ``[[-1, 1]]`` and what it costs.

    Parameters
    ----------
    image : array_like, optional
        A 2-D grayscale image or an ``(H, W, 3|4)`` RGB(A) image (integers are read as 0..255).
        Default: matplotlib's sample photograph ``grace_hopper.jpg`` (needs matplotlib).

    Returns
    -------
    EdgeDetection
        The grayscale float image, the kernel, the edges, and :func:`refconv.conv_cost` for this
        image's size and for the seed's 280x320.

    Examples
    --------
    >>> d = figure_9_6_data(np.array([[0, 255, 255], [0, 0, 255]]))
    >>> d.edges.tolist(), d.cost.flops, d.cost.dense_entries, d.cost.sparse_nnz
    ([[1.0, 0.0], [0.0, 1.0]], 12, 24, 8)
    """
    func = "figure_9_6_data"
    source = "matplotlib sample data grace_hopper.jpg"
    if image is None:
        image = _sample_photograph()
    else:
        source = "the given image"
    arr = np.asarray(image)
    if arr.dtype.kind not in "uif":
        raise fail(func, "image", image, f"has dtype {arr.dtype}", "a numeric image", TypeError)
    if not (arr.ndim == 2 or (arr.ndim == 3 and arr.shape[2] in (3, 4))):
        raise fail(func, "image", image, f"has shape {arr.shape}", "a 2-D gray or an (H, W, 3|4) RGB(A) image")
    if arr.shape[1] < 2:
        raise fail(func, "image", image, f"has width {arr.shape[1]}", "an image at least 2 pixels wide")
    gray = arr.astype(np.float64)
    if arr.dtype.kind in "ui":
        gray = gray / 255.0
    if gray.ndim == 3:
        gray = gray[..., :3] @ _LUMA
    kernel = np.array([[-1, 1]])
    edges = correlate(gray, kernel)
    return EdgeDetection(
        gray, kernel, edges, conv_cost(gray.shape, kernel.shape), conv_cost((280, 320), (1, 2)), source
    )


class PoolShift(NamedTuple):
    """Figure 9.8: a detector row before and after a shift right by one, and its max pool.

    ``before`` / ``after`` are the detector values (``z[1:]`` and ``z[:-1]``: the input moved
    right by one cell), ``pooled_before`` / ``pooled_after`` their :func:`refconv.pooling.max_pool`
    (width 3, stride 1), ``windows`` the pooling windows (outputs x detector cells, the pattern of
    :func:`refconv.conv_matrix` for the same geometry), ``detector_unchanged`` /
    ``pooled_unchanged`` which values stayed, and ``fractions`` the unchanged fractions from
    :func:`refconv.pooling.pooled_unchanged_fraction` (detector, pooled).
    """

    z: tuple
    before: np.ndarray
    after: np.ndarray
    pooled_before: np.ndarray
    pooled_after: np.ndarray
    windows: np.ndarray
    detector_unchanged: np.ndarray
    pooled_unchanged: np.ndarray
    fractions: tuple[Fraction, Fraction]


def figure_9_8_data() -> PoolShift:
    """Figure 9.8: every detector value changes under a one-step shift, only half the pooled ones.

    Examples
    --------
    >>> d = figure_9_8_data()
    >>> [str(v) for v in d.pooled_before], [str(v) for v in d.pooled_after]
    (['1', '1', '1', '1/5'], ['3/10', '1', '1', '1'])
    >>> d.pooled_unchanged.tolist(), d.fractions
    ([False, True, True, False], (Fraction(0, 1), Fraction(1, 2)))
    """
    from .pooling import max_pool, pooled_unchanged_fraction

    # The book's figure 9.8 (after the seed's excerpt): detector values 0.1 1. 0.2 0.1 in view,
    # 0.3 to their left (the value the shift brings in) and 0 past the ends.
    z = tuple(Fraction(v, 10) for v in (0, 3, 1, 10, 2, 1, 0))
    width = 3
    before, after = np.array(z[1:], dtype=object), np.array(z[:-1], dtype=object)
    pooled_before, pooled_after = max_pool(before, width, stride=1), max_pool(after, width, stride=1)
    windows = _pattern(conv_matrix(np.ones(width, dtype=np.int64), before.shape, format="sparse"))
    fractions = (pooled_unchanged_fraction(z, 1, stride=1), pooled_unchanged_fraction(z, width, stride=1))
    return PoolShift(
        z,
        before,
        after,
        pooled_before,
        pooled_after,
        windows,
        np.asarray(before == after, dtype=bool),
        np.asarray(pooled_before == pooled_after, dtype=bool),
        fractions,
    )


class MatrixPicture(NamedTuple):
    """A symbolic matrix of §9.1, its labels, block shape and the structure predicate's verdict."""

    matrix: Any
    kernel: np.ndarray
    input_shape: tuple[int, ...]
    labels: np.ndarray
    block_shape: tuple[int, int] | None
    structure: StructureCheck


def toeplitz_data() -> MatrixPicture:
    """§9.1: the matrix of a 1-D "valid" correlation with kernel ``a b c`` on 6 inputs is Toeplitz.

    Examples
    --------
    >>> d = toeplitz_data()
    >>> d.labels[1].tolist(), bool(d.structure)
    (['', 'a', 'b', 'c', '', ''], True)
    """
    w = _symbols("a b c", (3,))
    A = conv_matrix(w, (6,), format="sympy")
    return MatrixPicture(A, w, (6,), _labels(A), None, is_toeplitz(A))


def doubly_block_toeplitz_data() -> MatrixPicture:
    """§9.1: 2-D "valid" correlation (kernel ``[[a, b], [c, d]]``, 3x4 input) is doubly block Toeplitz.

    Examples
    --------
    >>> d = doubly_block_toeplitz_data()
    >>> d.matrix.shape, d.block_shape, bool(d.structure)
    ((6, 12), (3, 4), True)
    """
    w = _symbols("a b c d", (2, 2))
    shape = (3, 4)
    A = conv_matrix(w, shape, format="sympy")
    # Blocks: one output row (out[1] rows) against one input row (shape[1] columns).
    block = (output_shape(shape, w.shape)[1], shape[1])
    return MatrixPicture(A, w, shape, _labels(A), block, is_doubly_block_toeplitz(A, block))


def doubly_block_circulant_data() -> MatrixPicture:
    """§9.1: "In two dimensions, a doubly block circulant matrix corresponds to convolution."

    :func:`refconv.doubly_block_circulant` of ``[[a, b], [c, d]]`` on a 3x3 input.

    Examples
    --------
    >>> d = doubly_block_circulant_data()
    >>> d.labels[0].tolist(), bool(d.structure)
    (['a', '', 'b', '', '', '', 'c', '', 'd'], True)
    """
    w = _symbols("a b c d", (2, 2))
    shape = (3, 3)
    A = doubly_block_circulant(w, shape, format="sympy")
    block = (shape[1], shape[1])
    return MatrixPicture(A, w, shape, _labels(A), block, is_doubly_block_circulant(A, block))


# --------------------------------------------------------------------------------------------
# Drawing (matplotlib, imported here only)
# --------------------------------------------------------------------------------------------

_LIT = "#1f3b73"  # highlighted units, edges and entries
_FAINT = "#b8b8b8"  # every other connection
_FILL = "#c9d8f0"  # highlighted unit
_CHANGED = "#f2b277"  # figure 9.8: a value that changed


def _new_figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)  # the non-interactive Agg backend, without pyplot's global state
    return fig


def _math(label: str) -> str:
    """``a*w + b*x`` as mathtext ``$aw + bx$``; ``x3`` as ``$x_{3}$``."""
    head = label.rstrip("0123456789")
    if head != label and head.isalpha():
        return f"${head}_{{{label[len(head) :]}}}$"
    return "$" + label.replace("*", "") + "$"


def _graph(ax, rows, patterns, *, lit_nodes=None, lit_edges=None, xs=None, fills=None, faint_nodes=None):
    """Units in rows (bottom row first) joined by arrows where ``patterns[l][upper, lower]``.

    ``xs[r]`` places row ``r``'s units (default 0, 1, 2, ...); ``lit_nodes[r]`` and
    ``lit_edges[l]`` (a boolean array like ``patterns[l]``) are drawn dark; ``fills[r][i]``
    overrides a unit's fill colour.
    """
    from matplotlib.patches import Circle, FancyArrowPatch

    radius = 0.3
    xs = [np.arange(len(r), dtype=float) for r in rows] if xs is None else [np.asarray(x, float) for x in xs]
    lit_nodes = lit_nodes or [()] * len(rows)
    faint_nodes = faint_nodes or [()] * len(rows)
    for level, P in enumerate(patterns):
        lit = lit_edges[level] if lit_edges is not None and lit_edges[level] is not None else np.zeros_like(P)
        for upper, lower in sorted(zip(*np.nonzero(P)), key=lambda e: bool(lit[e])):  # lit edges on top
            on = bool(lit[upper, lower])
            a, b = np.array([xs[level][lower], level]), np.array([xs[level + 1][upper], level + 1.0])
            unit = (b - a) / np.hypot(*(b - a))  # start and end on the circles' rims
            ax.add_patch(
                FancyArrowPatch(
                    tuple(a + radius * unit),
                    tuple(b - radius * unit),
                    arrowstyle="-|>",
                    mutation_scale=12 if on else 8,
                    shrinkA=0,
                    shrinkB=0,
                    color=_LIT if on else _FAINT,
                    lw=2.0 if on else 0.9,
                    zorder=2 if on else 1,
                )
            )
    for r, labels in enumerate(rows):
        for i, label in enumerate(labels):
            fill = _FILL if i in lit_nodes[r] else "white"
            if fills is not None and fills[r] is not None and fills[r][i] is not None:
                fill = fills[r][i]
            faint = i in faint_nodes[r]
            ax.add_patch(
                Circle((xs[r][i], r), radius, facecolor=fill, edgecolor=_FAINT if faint else "black", lw=1.2, zorder=3)
            )
            ax.text(
                xs[r][i], r, label, ha="center", va="center", fontsize=11, zorder=4, color="gray" if faint else "black"
            )
    width = max(float(x.max()) for x in xs)
    ax.set_xlim(-0.6, width + 0.6)
    ax.set_ylim(-0.55, len(rows) - 0.45)
    ax.set_aspect("equal")
    ax.axis("off")


def _spy(ax, pattern, lit, *, rows, cols, title):
    """A matrix's pattern: stored entries light, the highlighted ones dark, zeros white."""
    from matplotlib.colors import ListedColormap

    codes = pattern.astype(int) + (pattern & lit).astype(int)
    ax.imshow(codes, cmap=ListedColormap(["white", _FILL, _LIT]), vmin=0, vmax=2)
    ax.set_xticks(range(pattern.shape[1]), [_math(c) for c in cols])
    ax.set_yticks(range(pattern.shape[0]), [_math(r) for r in rows])
    ax.set_xticks(np.arange(-0.5, pattern.shape[1]), minor=True)
    ax.set_yticks(np.arange(-0.5, pattern.shape[0]), minor=True)
    ax.grid(which="minor", color="#888888", lw=0.6)
    ax.tick_params(which="both", length=0)
    ax.xaxis.tick_top()
    ax.set_title(title, fontsize=10)


def _names(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i + 1}" for i in range(n)]


def _draw_9_1(fig, d: SymbolicGrid) -> None:
    from matplotlib.patches import FancyArrowPatch, Rectangle

    ax = fig.add_subplot()
    ax.axis("off")
    cell, gap = 1.0, 1.0
    # Input at the upper left, kernel to its right, output below: as in the seed's figure.
    n0, n1 = d.input.shape
    k0, k1 = d.kernel.shape
    o0, o1 = d.output.shape
    origin_in = (0.0, 0.0)
    origin_k = (n1 * cell + 2.0, 0.0)
    out_w = 2.6
    origin_out = ((n1 * cell - o1 * out_w) / 2 + 1.0, n0 * cell + gap + 0.6)

    def grid(origin, shape, w, h, texts, title, size=13):
        x0, y0 = origin
        for (i, j), text in zip(np.ndindex(*shape), texts):
            ax.add_patch(Rectangle((x0 + j * w, y0 + i * h), w, h, facecolor="white", edgecolor="black", lw=1))
            ax.text(x0 + (j + 0.5) * w, y0 + (i + 0.5) * h, text, ha="center", va="center", fontsize=size)
        ax.text(x0 + shape[1] * w / 2, y0 - 0.25, title, ha="center", va="bottom", fontsize=12, weight="bold")

    grid(origin_in, d.input.shape, cell, cell, [_math(str(v)) for v in d.input.ravel()], "Input")
    grid(origin_k, d.kernel.shape, cell, cell, [_math(str(v)) for v in d.kernel.ravel()], "Kernel")
    texts = []
    for label in d.labels.ravel():
        terms = label.split(" + ")
        half = (len(terms) + 1) // 2
        texts.append(_math(" + ".join(terms[:half]) + " +") + "\n" + _math(" + ".join(terms[half:])))
    grid(origin_out, d.output.shape, out_w, 1.3, texts, "Output", size=11)
    # The boxes: the input cells the upper-left output reads (from the matrix), the kernel.
    rows = [i for i, _ in d.region]
    cols = [j for _, j in d.region]
    box_in = Rectangle(
        (min(cols) - 0.08, min(rows) - 0.08),
        max(cols) - min(cols) + 1.16,
        max(rows) - min(rows) + 1.16,
        fill=False,
        edgecolor=_LIT,
        lw=2.5,
    )
    box_k = Rectangle((origin_k[0] - 0.08, -0.08), k1 + 0.16, k0 + 0.16, fill=False, edgecolor=_LIT, lw=2.5)
    box_out = Rectangle((origin_out[0], origin_out[1]), out_w, 1.3, fill=False, edgecolor=_LIT, lw=2.5)
    for patch in (box_in, box_k, box_out):
        ax.add_patch(patch)
    target = (origin_out[0] + out_w * 0.5, origin_out[1])
    for start in ((min(cols) + (max(cols) + 1 - min(cols)) / 2, max(rows) + 1.08), (origin_k[0] + k1 / 2, k0 + 0.08)):
        ax.add_patch(FancyArrowPatch(start, target, arrowstyle="-|>", mutation_scale=16, color=_LIT, lw=2))
    ax.set_xlim(min(0.0, origin_out[0]) - 0.3, max(origin_k[0] + k1, origin_out[0] + o1 * out_w) + 0.3)
    ax.set_ylim(origin_out[1] + o0 * 1.3 + 0.2, -0.8)
    ax.set_aspect("equal")


def _draw_connectivity(fig, d: Connectivity) -> None:
    n_out, n_in = d.sparse_pattern.shape
    rows = [[_math(s) for s in _names("x", n_in)], [_math(s) for s in _names("s", n_out)]]
    axes = fig.subplots(2, 2, width_ratios=[1.6, 1])
    for r, (P, lit, what) in enumerate(
        ((d.sparse_pattern, d.sparse_lit, "convolution, kernel width 3"), (d.dense_pattern, d.dense_lit, "dense"))
    ):
        edges = np.zeros_like(P)
        if d.view == "below":
            edges[:, d.unit] = P[:, d.unit]
            lit_nodes = [(d.unit,), tuple(lit)]
        else:
            edges[d.unit] = P[d.unit]
            lit_nodes = [tuple(lit), (d.unit,)]
        _graph(axes[r, 0], rows, [P], lit_nodes=lit_nodes, lit_edges=[edges])
        unit = f"x{d.unit + 1}" if d.view == "below" else f"s{d.unit + 1}"
        axes[r, 0].set_title(f"{'Top' if r == 0 else 'Bottom'}: {what}; {len(lit)} units connect to {_math(unit)}")
        _spy(
            axes[r, 1],
            P,
            edges,
            rows=_names("s", n_out),
            cols=_names("x", n_in),
            title=("conv_matrix(..., format='sparse')" if r == 0 else "dense weight matrix")
            + f": {int(P.sum())} entries",
        )


def _draw_9_4(fig, d: ReceptiveGrowth) -> None:
    left, right = fig.subplots(1, 2, width_ratios=[1.35, 1])
    n = d.patterns[0].shape[1]
    rows = [[_math(s) for s in _names(p, n)] for p in ("x", "h", "g")]
    # Lit edges: those on the way down from the unit (upper lit, lower lit).
    lit_nodes = list(reversed([tuple(r) for r in d.reach]))
    lit_edges = []
    for level, P in enumerate(d.patterns):
        upper, lower = np.zeros(P.shape[0], bool), np.zeros(P.shape[1], bool)
        upper[list(lit_nodes[level + 1])] = True
        lower[list(lit_nodes[level])] = True
        lit_edges.append(P & upper[:, None] & lower[None, :])
    _graph(left, rows, list(d.patterns), lit_nodes=lit_nodes, lit_edges=lit_edges)
    left.set_title(
        f"{_math(f'g{d.unit + 1}')} reads {len(d.reach[1])} units of h and {len(d.reach[2])} of x "
        f"(receptive field size {d.field.size[0]})"
    )
    for (name, sizes), marker in zip(d.growth.items(), "osD"):
        right.plot(d.depths, sizes, marker=marker, label=name)
    right.set_xlabel("layers (a pool counts with its convolution)")
    right.set_ylabel("receptive field (input cells)")
    right.set_title("receptive_field(): growth with depth")
    right.set_xticks(d.depths)
    right.grid(alpha=0.3)
    right.legend(fontsize=9)


def _draw_9_5(fig, d: Sharing) -> None:
    axes = fig.subplots(2, 2, width_ratios=[1.6, 1])
    n_out, n_in = d.conv_pattern.shape
    rows = [[_math(s) for s in _names("x", n_in)], [_math(s) for s in _names("s", n_out)]]
    dense_pattern = _pattern(d.dense)
    for r, (P, uses, M, name, what) in enumerate(
        (
            (d.conv_pattern, d.conv_uses, d.conv, str(d.parameter), "convolution, kernel a b c"),
            (dense_pattern, d.dense_uses, d.dense, str(d.dense_parameter), "fully connected"),
        )
    ):
        _graph(axes[r, 0], rows, [P], lit_edges=[uses])
        axes[r, 0].set_title(f"{'Top' if r == 0 else 'Bottom'}: {what}; {_math(name)} is used {int(uses.sum())} times")
        ax = axes[r, 1]
        _spy(ax, P, uses, rows=_names("s", n_out), cols=_names("x", n_in), title=f"entries holding {_math(name)}")
        for (i, j), text in np.ndenumerate(_labels(M)):
            if text:
                ax.text(
                    j,
                    i,
                    _math(text),
                    ha="center",
                    va="center",
                    fontsize=7 if r else 9,
                    color="white" if uses[i, j] else "black",
                )


def _draw_9_6(fig, d: EdgeDetection) -> None:
    left, right = fig.subplots(1, 2)
    left.imshow(d.image, cmap="gray", vmin=0, vmax=1)
    left.set_title(f"input {d.image.shape[0]} x {d.image.shape[1]}")
    # Display contrast only: a symmetric range that keeps the rare strongest edges from washing out the rest.
    top = float(np.percentile(np.abs(d.edges), 99.5)) or 1.0
    right.imshow(d.edges, cmap="gray", vmin=-top, vmax=top)
    right.set_title(f"correlate(image, [[-1, 1]]): {d.edges.shape[0]} x {d.edges.shape[1]}")
    for ax in (left, right):
        ax.set_xticks([])
        ax.set_yticks([])
    fig.supxlabel(_cost_text(d), fontsize=9, family="monospace")  # constrained layout makes room for it


def _cost_text(d: EdgeDetection) -> str:
    c, s = d.cost, d.seed_cost
    per = c.flops // math.prod(c.output_shape)
    rows = [
        ("conv_cost", "this image", "seed (280 x 320)"),
        ("output shape", " x ".join(map(str, c.output_shape)), " x ".join(map(str, s.output_shape))),
        (f"convolution flops ({per} per output)", f"{c.flops:,}", f"{s.flops:,}"),
        ("dense matrix entries", f"{c.dense_entries:,}", f"{s.dense_entries:,}"),
        ("dense matrix-vector flops", f"{c.dense_flops:,}", f"{s.dense_flops:,}"),
        ("entries / parameters", f"{float(c.representation_ratio):,.0f}", f"{float(s.representation_ratio):,.0f}"),
        ("dense flops / convolution flops", f"{float(c.computation_ratio):,.0f}", f"{float(s.computation_ratio):,.0f}"),
        ("sparse entries (nnz)", f"{c.sparse_nnz:,}", f"{s.sparse_nnz:,}"),
        ("sparse matrix-vector flops", f"{c.sparse_flops:,}", f"{s.sparse_flops:,}"),
    ]
    return "\n".join(f"{a:34s}{b:>20s}{c_:>20s}" for a, b, c_ in rows)


def _value(v: Any) -> str:
    return f"{float(v):g}"


def _draw_9_8(fig, d: PoolShift) -> None:
    axes = fig.subplots(2, 1)
    # Each pooled unit sits above the centre of its window (the window's columns in the pattern).
    centres = np.array([np.flatnonzero(row).mean() for row in d.windows])
    cells = len(d.before)
    context = (0, cells - 1)  # cells read by a single window: outside the figure's view
    for ax, det, pooled, title in (
        (axes[0], d.before, d.pooled_before, "before the shift"),
        (axes[1], d.after, d.pooled_after, "input shifted right by one"),
    ):
        changed_det = [None if same else _CHANGED for same in d.detector_unchanged]
        changed_pool = [None if same else _CHANGED for same in d.pooled_unchanged]
        is_after = det is d.after
        _graph(
            ax,
            [[_value(v) for v in det], [_value(v) for v in pooled]],
            [d.windows],
            xs=[np.arange(cells), centres],
            fills=[changed_det if is_after else None, changed_pool if is_after else None],
            faint_nodes=[context, ()],
        )
        ax.text(-0.9, 0, "detector", ha="right", va="center", fontsize=10)
        ax.text(-0.9, 1, "max pool", ha="right", va="center", fontsize=10)
        ax.set_xlim(-2.6, cells - 0.4)
        ax.set_title(title, fontsize=11)
    fig.supxlabel(
        f"unchanged after the shift: detector {d.fractions[0]}, max-pooled (width 3, stride 1) {d.fractions[1]}"
        "  (orange: changed)",
        fontsize=10,
    )


def _draw_matrix(fig, d: MatrixPicture) -> None:
    from matplotlib.colors import ListedColormap

    ax = fig.add_subplot()
    names = [str(v) for v in d.kernel.ravel()]
    codes = np.zeros(d.labels.shape, dtype=int)
    for (i, j), text in np.ndenumerate(d.labels):
        if text:
            codes[i, j] = 1 + (names.index(text) if text in names else len(names))
    palette = ["white", "#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462"]
    ax.imshow(codes, cmap=ListedColormap(palette[: len(names) + 2]), vmin=0, vmax=len(names) + 1)
    for (i, j), text in np.ndenumerate(d.labels):
        if text:
            ax.text(j, i, _math(text), ha="center", va="center", fontsize=12)
    rows, cols = d.labels.shape
    ax.set_xticks(np.arange(-0.5, cols), minor=True)
    ax.set_yticks(np.arange(-0.5, rows), minor=True)
    ax.grid(which="minor", color="#cccccc", lw=0.5)
    if d.block_shape is not None:
        for r in range(0, rows + 1, d.block_shape[0]):
            ax.axhline(r - 0.5, color="black", lw=1.6)
        for c in range(0, cols + 1, d.block_shape[1]):
            ax.axvline(c - 0.5, color="black", lw=1.6)
    ax.set_xticks(range(cols))
    ax.set_yticks(range(rows))
    ax.tick_params(which="both", length=0, labelsize=8)
    ax.xaxis.tick_top()
    ax.set_xlabel("input cell (row-major)")
    ax.set_ylabel("output (row-major)")
    verdict = f"{d.structure.structure}: {'holds' if d.structure else 'does not hold: ' + d.structure.why}"
    ax.set_title(f"kernel {_kernel_text(d.kernel)} on input {d.input_shape}; {verdict}", fontsize=10)


def _kernel_text(kernel: np.ndarray) -> str:
    return str(np.vectorize(str, otypes=[object])(kernel).tolist()).replace("'", "")


# --------------------------------------------------------------------------------------------
# The figures, their captions (citing the seed) and the index
# --------------------------------------------------------------------------------------------


class FigureSpec(NamedTuple):
    """One figure: its name (also the PNG's stem), title, seed reference, the seed's words,
    its data function, and (private) how to caption and draw that data."""

    name: str
    title: str
    seed: str
    quote: str
    data: Callable[[], Any]
    caption: Callable[[Any], str]
    draw: Callable[[Any, Any], None]
    size: tuple[float, float]


def _shape(shape: Sequence[int]) -> str:
    return " × ".join(map(str, shape))


def _caption_9_1(d: SymbolicGrid) -> str:
    cells = ", ".join(map(str, d.region))
    return (
        f"refconv.correlate of the {_shape(d.input.shape)} input a…l and the {_shape(d.kernel.shape)} kernel "
        f"w, x, y, z (SymPy symbols) gives the {_shape(d.output.shape)} output shown; its upper-left entry is "
        f"{d.labels[0, 0]}. The boxed input cells {cells} are the nonzero columns of row 0 of refconv.conv_matrix."
    )


def _caption_connectivity(d: Connectivity) -> str:
    unit = f"x{d.unit + 1}" if d.view == "below" else f"s{d.unit + 1}"
    other = "s" if d.view == "below" else "x"
    lit = ", ".join(f"{other}{i + 1}" for i in d.sparse_lit)
    where = "column" if d.view == "below" else "row"
    return (
        f"Top: the stored entries of refconv.conv_matrix([1, 2, 3], (5,), mode='same', format='sparse') "
        f"({int(d.sparse_pattern.sum())} of {d.sparse_pattern.size}); {where} {d.unit} connects {unit} with "
        f"{lit}. Bottom: a dense weight matrix connects {unit} with all {len(d.dense_lit)} units. Right: the "
        f"matrices' patterns, the highlighted {where} dark."
    )


def _caption_9_4(d: ReceptiveGrowth) -> str:
    growth = "; ".join(f"{name}: {', '.join(map(str, sizes))}" for name, sizes in d.growth.items())
    return (
        f"Left: two width-3 'same' layers (the patterns of refconv.conv_matrix); g{d.unit + 1} reads "
        f"{len(d.reach[1])} units of h and, through them, {len(d.reach[2])} of x: "
        f"refconv.receptive.receptive_field gives size {d.field.size[0]}. Right: receptive-field sizes at depths "
        f"{', '.join(map(str, d.depths))} from receptive_field — {growth}."
    )


def _caption_9_5(d: Sharing) -> str:
    return (
        f"Top: refconv.conv_matrix of the kernel a b c on 5 inputs ('same', format='sympy'); the central "
        f"parameter {d.parameter} sits in {int(d.conv_uses.sum())} entries, one per input location. Bottom: a dense "
        f"matrix of parameters W11…W55 uses {d.dense_parameter} in {int(d.dense_uses.sum())} entry."
    )


def _caption_9_6(d: EdgeDetection) -> str:
    c, s = d.cost, d.seed_cost
    per = c.flops // math.prod(c.output_shape)
    return (
        f"Input: {d.source}, {_shape(d.image.shape)} pixels, grayscale; right: refconv.correlate(image, [[-1, 1]]), "
        f"{_shape(d.edges.shape)}. refconv.conv_cost for this size: {_shape(c.output_shape)} × {per} = "
        f"{c.flops:,} floating point operations by convolution; a dense matrix would have {c.dense_entries:,} "
        f"entries ({float(c.representation_ratio):,.0f} times the {c.parameters} parameters) and its product "
        f"{c.dense_flops:,} operations ({float(c.computation_ratio):,.0f} times more); stored sparsely it has "
        f"{c.sparse_nnz:,} entries and costs {c.sparse_flops:,} operations. For the seed's 280 × 320 photograph: "
        f"{s.flops:,}, {s.dense_entries:,}, {s.dense_flops:,} and {s.sparse_nnz:,}."
    )


def _caption_9_8(d: PoolShift) -> str:
    changed = int((~d.pooled_unchanged).sum())
    return (
        f"refconv.pooling.max_pool (width 3, stride 1) of the detector row {', '.join(_value(v) for v in d.before)} "
        f"and of the row shifted right by one: {int((~d.detector_unchanged).sum())} of {d.before.size} detector "
        f"values change but only {changed} of {d.pooled_before.size} pooled ones; "
        f"refconv.pooling.pooled_unchanged_fraction gives {d.fractions[0]} and {d.fractions[1]}. The book's figure "
        "9.8 illustrates the seed's last sentence."
    )


def _caption_matrix(d: MatrixPicture) -> str:
    block = f", blocks {_shape(d.block_shape)}" if d.block_shape else ""
    verdict = "holds" if d.structure else f"does not hold ({d.structure.why})"
    return (
        f"The {_shape(d.matrix.shape)} matrix for the kernel {_kernel_text(d.kernel)} on a {_shape(d.input_shape)} "
        f"input{block}, colours by kernel entry, zeros blank; the predicate for a {d.structure.structure} {verdict}."
    )


_TOEPLITZ_QUOTE = (
    "for univariate discrete convolution, each row of the matrix is constrained to be equal to the row above "
    "shifted by one element. This is known as a Toeplitz matrix."
)
_CIRCULANT_QUOTE = "In two dimensions, a doubly block circulant matrix corresponds to convolution."

FIGURES: tuple[FigureSpec, ...] = (
    FigureSpec(
        "fig-9.1",
        "Figure 9.1: 2-D convolution without kernel-flipping",
        "figure 9.1, §9.1, p. 334",
        "An example of 2-D convolution without kernel-flipping. In this case we restrict the output to only "
        'positions where the kernel lies entirely within the image, called "valid" convolution in some contexts.',
        figure_9_1_data,
        _caption_9_1,
        _draw_9_1,
        (8.0, 5.6),
    ),
    FigureSpec(
        "fig-9.2",
        "Figure 9.2: sparse connectivity, viewed from below",
        "figure 9.2, §9.2, p. 336",
        "Sparse connectivity, viewed from below: We highlight one input unit, x3 , and also highlight the output "
        "units in s that are affected by this unit.",
        figure_9_2_data,
        _caption_connectivity,
        _draw_connectivity,
        (9.0, 6.4),
    ),
    FigureSpec(
        "fig-9.3",
        "Figure 9.3: sparse connectivity, viewed from above",
        "figure 9.3, §9.2, p. 337",
        "Sparse connectivity, viewed from above: We highlight one output unit, s3 , and also highlight the input "
        "units in x that affect this unit. These units are known as the receptive field of s3 .",
        figure_9_3_data,
        _caption_connectivity,
        _draw_connectivity,
        (9.0, 6.4),
    ),
    FigureSpec(
        "fig-9.4",
        "Figure 9.4: receptive fields grow with depth",
        "figure 9.4, §9.2, p. 337",
        "The receptive field of the units in the deeper layers of a convolutional network is larger than the "
        "receptive field of the units in the shallow layers.",
        figure_9_4_data,
        _caption_9_4,
        _draw_9_4,
        (11.0, 4.6),
    ),
    FigureSpec(
        "fig-9.5",
        "Figure 9.5: parameter sharing",
        "figure 9.5, §9.2, p. 338",
        "Parameter sharing: Black arrows indicate the connections that use a particular parameter in two different "
        "models.",
        figure_9_5_data,
        _caption_9_5,
        _draw_9_5,
        (9.0, 6.4),
    ),
    FigureSpec(
        "fig-9.6",
        "Figure 9.6: efficiency of edge detection",
        "figure 9.6, §9.2, p. 340",
        "The image on the right was formed by taking each pixel in the original image and subtracting the value of "
        "its neighboring pixel on the left.",
        figure_9_6_data,
        _caption_9_6,
        _draw_9_6,
        (10.0, 7.6),
    ),
    FigureSpec(
        "fig-9.8",
        "Figure 9.8: max pooling and a one-step shift",
        "§9.3, p. 341 (the book's figure 9.8 follows the seed's excerpt)",
        "In all cases, pooling helps to make the representation become approximately invariant to small "
        "translations of the input.",
        figure_9_8_data,
        _caption_9_8,
        _draw_9_8,
        (8.0, 5.4),
    ),
    FigureSpec(
        "matrix-toeplitz",
        "Convolution as a matrix: Toeplitz (1-D)",
        "§9.1, p. 333",
        _TOEPLITZ_QUOTE,
        toeplitz_data,
        _caption_matrix,
        _draw_matrix,
        (6.0, 4.0),
    ),
    FigureSpec(
        "matrix-doubly-block-toeplitz",
        "Convolution as a matrix: doubly block Toeplitz (2-D, zero boundary)",
        "§9.1, p. 333",
        _CIRCULANT_QUOTE,
        doubly_block_toeplitz_data,
        _caption_matrix,
        _draw_matrix,
        (8.0, 4.8),
    ),
    FigureSpec(
        "matrix-doubly-block-circulant",
        "Convolution as a matrix: doubly block circulant (2-D, circular)",
        "§9.1, p. 333",
        _CIRCULANT_QUOTE,
        doubly_block_circulant_data,
        _caption_matrix,
        _draw_matrix,
        (6.6, 6.6),
    ),
)


class IndexEntry(NamedTuple):
    """One rendered figure: name, title, seed reference, the seed's words, caption, and the PNG's path."""

    name: str
    title: str
    seed: str
    quote: str
    caption: str
    path: Path


def _select(func: str, only: Any) -> list[FigureSpec]:
    if only is None:
        return list(FIGURES)
    if isinstance(only, str):
        only = [only]
    if not isinstance(only, Sequence) or not all(isinstance(p, str) for p in only):
        raise fail(func, "only", only, "is not a list of names", "names or globs such as 'fig-9.*'", TypeError)
    names = [f.name for f in FIGURES]
    for pattern in only:
        if not fnmatch.filter(names, pattern):
            raise fail(func, "only", only, f"has {pattern!r}, which matches no figure", f"globs over {names}")
    return [f for f in FIGURES if any(fnmatch.fnmatch(f.name, p) for p in only)]


def _directory(func: str, name: str, value: Any) -> Path:
    if not isinstance(value, (str, os.PathLike)) or isinstance(value, bytes):
        raise fail(func, name, value, "is not a path", "a directory name (str or os.PathLike)", TypeError)
    return Path(value)


def render(out_dir: Any, *, dpi: int = 110, only: Any = None, progress: Callable[[str], None] | None = None):
    """Draw the figures into ``out_dir``: one PNG each, ``index.md``, ``index.html``, ``index.json``.

    Parameters
    ----------
    out_dir : str or os.PathLike
        Directory to write to (created if missing; existing figures are overwritten).
    dpi : int
        Resolution of the PNGs (``>= 10``); a low value renders faster.
    only : str or sequence of str, optional
        Names or globs (``"fig-9.*"``) of the figures to draw; default all of :data:`FIGURES`.
    progress : callable, optional
        Called with one line per figure written.

    Returns
    -------
    list of IndexEntry
        What was written, in :data:`FIGURES` order.  The index files list every figure in
        ``out_dir``: those just drawn and those an earlier run (``only=...``) left there.

    Raises
    ------
    ImportError
        matplotlib is not installed (``pip install 'refconv[figures]'``).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     entries = render(folder, dpi=20, only="matrix-toeplitz")
    ...     sorted(p.name for p in Path(folder).iterdir())
    ['index.html', 'index.json', 'index.md', 'matrix-toeplitz.png']
    """
    func = "render"
    out = _directory(func, "out_dir", out_dir)
    if not is_int(dpi):
        raise fail(func, "dpi", dpi, "is not an int", "an int >= 10", TypeError)
    if dpi < 10:
        raise fail(func, "dpi", dpi, "is too small to draw legibly", "an int >= 10")
    chosen = _select(func, only)
    if progress is not None and not callable(progress):
        raise fail(func, "progress", progress, "is not callable", "a function of one string, or None", TypeError)
    _require_matplotlib()
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for spec in chosen:
        data = spec.data()
        fig = _new_figure(*spec.size)
        spec.draw(fig, data)
        fig.suptitle(spec.title, fontsize=12, weight="bold")
        path = out / f"{spec.name}.png"
        fig.savefig(path, dpi=dpi)
        entries.append(IndexEntry(spec.name, spec.title, spec.seed, spec.quote, spec.caption(data), path))
        if progress is not None:
            progress(f"wrote {path}")
    _write_index(out, _merge(out, entries))
    return entries


def _merge(out: Path, entries: list[IndexEntry]) -> list[IndexEntry]:
    """The index lists every figure in ``out``: those just drawn and those an earlier run left there."""
    try:
        kept = {e.name: e for e in index_entries(out)}
    except (ValueError, KeyError, TypeError, json.JSONDecodeError):  # no (usable) earlier index
        kept = {}
    kept.update({e.name: e for e in entries})
    return [kept[f.name] for f in FIGURES if f.name in kept]


def _require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            "refconv figures needs matplotlib, an optional extra: pip install 'refconv[figures]'"
        ) from exc


def _write_index(out: Path, entries: list[IndexEntry]) -> None:
    from . import __version__

    manifest = [
        {"name": e.name, "title": e.title, "seed": e.seed, "quote": e.quote, "caption": e.caption, "file": e.path.name}
        for e in entries
    ]
    (out / MANIFEST).write_text(json.dumps({"refconv": __version__, "figures": manifest}, indent=1) + "\n")
    md = [
        "# The seed's figures, drawn by refconv",
        "",
        f"refconv {__version__}: every figure below is computed by the library (`refconv figures`), nothing is drawn "
        "by hand. Captions quote the seed (chapter 9 of *Deep Learning*) and state what was computed.",
        "",
    ]
    for e in entries:
        md += [f"## {e.title}", "", f"![{e.title}]({e.path.name})", "", _full_caption_md(e), ""]
    (out / "index.md").write_text("\n".join(md), encoding="utf-8")
    (out / "index.html").write_text(_html_page(entries), encoding="utf-8")


def _md(text: str) -> str:
    """Plain text for Markdown: ``a*w + b*x`` must not turn into emphasis, ``[[-1, 1]]`` into a link."""
    return re.sub(r"([\\`*_\[\]<>|])", r"\\\1", text)


def _full_caption_md(e: IndexEntry) -> str:
    return f"*Seed {_md(e.seed)}:* “{_md(e.quote)}” {_md(e.caption)}"


def _html_figures(entries: list[IndexEntry], href: Callable[[IndexEntry], str], heading: str) -> str:
    esc = html.escape
    parts = []
    for e in entries:
        parts.append(
            f'<figure id="{esc(e.name)}"><{heading}>{esc(e.title)}</{heading}>'
            f'<a href="{esc(href(e))}"><img src="{esc(href(e))}" alt="{esc(e.title)}" style="max-width:100%"></a>'
            f"<figcaption><i>Seed {esc(e.seed)}:</i> “{esc(e.quote)}” {esc(e.caption)}</figcaption></figure>"
        )
    return "\n".join(parts)


def _html_page(entries: list[IndexEntry]) -> str:
    from . import __version__

    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>refconv figures</title>'
        "<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:60em}figure{margin:0 0 2.5em 0}"
        "figcaption{font-size:95%}</style></head><body>\n<h1>The seed's figures, drawn by refconv</h1>\n"
        f"<p>refconv {html.escape(__version__)}: every figure is computed by the library (<code>refconv figures</code>)"
        ", nothing is drawn by hand. Captions quote the seed (chapter 9 of <i>Deep Learning</i>) and state what was "
        "computed.</p>\n" + _html_figures(entries, lambda e: e.path.name, "h2") + "\n</body></html>\n"
    )


def index_entries(out_dir: Any) -> list[IndexEntry]:
    """The figures :func:`render` wrote to ``out_dir``, read from its ``index.json`` (no matplotlib needed).

    Raises
    ------
    ValueError
        ``out_dir`` holds no ``index.json`` (nothing was rendered there) or one that lists a missing PNG.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = render(folder, dpi=20, only="matrix-toeplitz")
    ...     [(e.name, e.seed, e.path.name) for e in index_entries(folder)]
    [('matrix-toeplitz', '§9.1, p. 333', 'matrix-toeplitz.png')]
    """
    func = "index_entries"
    out = _directory(func, "out_dir", out_dir)
    manifest = out / MANIFEST
    if not manifest.is_file():
        raise fail(func, "out_dir", out_dir, f"holds no {MANIFEST}", "a directory written by `refconv figures --out`")
    entries = []
    for item in json.loads(manifest.read_text())["figures"]:
        path = out / item["file"]
        if not path.is_file():
            raise fail(func, "out_dir", out_dir, f"lacks {item['file']} listed in {MANIFEST}", "a complete rendering")
        entries.append(IndexEntry(item["name"], item["title"], item["seed"], item["quote"], item["caption"], path))
    return entries


def report_section(out_dir: Any, report_path: Any, *, html: bool = False) -> str:
    """A "Figures" section for a report at ``report_path`` linking the figures in ``out_dir``.

    Markdown (``html=False``) or an HTML fragment, with links relative to the report's folder.
    For ``refconv verify --report FILE``: append ``report_section(DIR, FILE, html=FILE.endswith(".html"))``
    after rendering into ``DIR``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = render(Path(folder) / "figures", dpi=20, only="matrix-toeplitz")
    ...     print(report_section(Path(folder) / "figures", Path(folder) / "report.md").splitlines()[4])
    ### Convolution as a matrix: Toeplitz (1-D)
    """
    func = "report_section"
    report = _directory(func, "report_path", report_path)
    if not isinstance(html, bool):
        raise fail(func, "html", html, "is not a bool", "True (HTML fragment) or False (Markdown)", TypeError)
    entries = index_entries(out_dir)
    base = Path(os.path.abspath(report)).parent

    def href(e: IndexEntry) -> str:
        return Path(os.path.relpath(os.path.abspath(e.path), base)).as_posix()

    index = Path(os.path.relpath(os.path.abspath(Path(out_dir) / "index.md"), base)).as_posix()
    if html:
        return (
            "<h2>Figures</h2>\n<p>The seed's figures, computed by refconv (<code>refconv figures</code>).</p>\n"
            + _html_figures(entries, href, "h3")
            + "\n"
        )
    lines = ["## Figures", "", f"The seed's figures, computed by refconv (`refconv figures`; [index]({index})).", ""]
    for e in entries:
        lines += [f"### {e.title}", "", f"[![{e.title}]({href(e)})]({href(e)})", "", _full_caption_md(e), ""]
    return "\n".join(lines)


def cli_main(out: str, *, dpi: int = 110, only: Sequence[str] | None = None) -> int:
    """``refconv figures --out DIR [--dpi N] [--only GLOB ...]``: render, print where, return the exit status.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     cli_main(folder, dpi=20, only=["matrix-toeplitz"])      # doctest: +ELLIPSIS
    wrote .../matrix-toeplitz.png
    index: .../index.md (1 figures)
    0
    """
    try:
        entries = render(out, dpi=dpi, only=only, progress=print)
    except ImportError as exc:
        print(f"refconv figures: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"refconv figures: {exc}", file=sys.stderr)
        return 2
    print(f"index: {Path(out) / 'index.md'} ({len(entries)} figures)")
    return 0
