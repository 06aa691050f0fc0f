"""The data behind the seed's figures 9.1-9.8, as plain arrays (no matplotlib, except 9.6's photograph).

Each ``figure_9_N_data()`` computes what figure 9.N shows with refconv's own functions and
returns it as a named tuple, so that tests and ``refconv verify`` check numbers and patterns,
never pixels.  The matrix pictures of §9.1 are in :mod:`refconv.figures.matrix_pictures`.
"""

from __future__ import annotations

__all__ = [
    "SymbolicGrid",
    "Connectivity",
    "ReceptiveGrowth",
    "Sharing",
    "EdgeDetection",
    "PoolShift",
    "figure_9_1_data",
    "figure_9_2_data",
    "figure_9_3_data",
    "figure_9_4_data",
    "figure_9_5_data",
    "figure_9_6_data",
    "figure_9_8_data",
]

from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np

from .._validation import fail, is_int
from ..convolution import correlate
from ..costs import ConvCost, conv_cost
from ..matrices import conv_matrix
from ..receptive import ReceptiveField, receptive_field
from ._common import dense_weights, pattern, symbols


class SymbolicGrid(NamedTuple):
    """Figure 9.1: symbolic input, kernel, their correlation, and the cells output (0, 0) reads.

    Parameters
    ----------
    input : numpy.ndarray
        The 3x4 input of SymPy symbols ``a..l`` (object array).
    kernel : numpy.ndarray
        The 2x2 kernel of symbols ``w x y z``.
    output : numpy.ndarray
        :func:`refconv.correlate` of the two, "valid": 2x3 SymPy expressions.
    labels : numpy.ndarray
        The output entries as printed (``str`` of each expression).
    region : tuple of (int, int)
        The input cells the upper-left output reads: the nonzero columns of row 0 of
        :func:`refconv.conv_matrix`, as ``(row, column)`` pairs.

    See Also
    --------
    figure_9_1_data : builds this tuple.

    Examples
    --------
    >>> d = figure_9_1_data()
    >>> d.input.shape, d.kernel.shape, d.output.shape, len(d.region)
    ((3, 4), (2, 2), (2, 3), 4)
    """

    input: np.ndarray
    kernel: np.ndarray
    output: np.ndarray
    labels: np.ndarray
    region: tuple[tuple[int, int], ...]


def figure_9_1_data() -> SymbolicGrid:
    """Figure 9.1: ``correlate`` of a 3x4 input of symbols ``a..l`` and a 2x2 kernel ``w x y z``.

    Returns
    -------
    SymbolicGrid
        ``labels`` are the output entries as printed (``str`` of :func:`refconv.correlate`'s SymPy
        result); ``region`` is the input cells the upper-left output reads, the nonzero columns
        of row 0 of :func:`refconv.conv_matrix` (the boxes and arrows of the figure).

    See Also
    --------
    refconv.correlate : computes the output.
    refconv.conv_matrix : its row 0 gives the boxed region.

    Examples
    --------
    >>> d = figure_9_1_data()
    >>> d.labels[0, 0], d.region
    ('a*w + b*x + e*y + f*z', ((0, 0), (0, 1), (1, 0), (1, 1)))

    The lower-right output reads the lower-right 2x2 cells:

    >>> d.labels[1, 2]
    'g*w + h*x + k*y + l*z'
    """
    x = symbols("a:l", (3, 4))
    w = symbols("w x y z", (2, 2))
    y = correlate(x, w)
    row0 = pattern(conv_matrix(w, x.shape, format="sympy"))[0]
    region = tuple((int(i), int(j)) for i, j in zip(*np.unravel_index(np.flatnonzero(row0), x.shape)))
    labels = np.array([str(v) for v in y.ravel()], dtype=object).reshape(y.shape)
    return SymbolicGrid(x, w, y, labels, region)


class Connectivity(NamedTuple):
    """Figures 9.2 / 9.3: who connects to whom, for a convolution and for a dense layer.

    Parameters
    ----------
    sparse : scipy.sparse array
        :func:`refconv.conv_matrix` ``([1, 2, 3], (5,), mode="same", format="sparse")``.
    sparse_pattern : numpy.ndarray
        Its stored entries, boolean, outputs x inputs.
    dense_pattern : numpy.ndarray
        The nonzeros of a dense 5x5 weight matrix of symbols (all ``True``).
    view : str
        ``"below"`` (figure 9.2: an input and the outputs it affects) or ``"above"`` (figure
        9.3: an output and the inputs that affect it).
    unit : int
        The highlighted unit, 0-based: an input for ``"below"``, an output for ``"above"``.
    sparse_lit : numpy.ndarray
        The units of the other layer the convolution connects to ``unit``.
    dense_lit : numpy.ndarray
        The same through the dense matrix.

    See Also
    --------
    figure_9_2_data : the view from below.
    figure_9_3_data : the view from above.

    Examples
    --------
    >>> d = figure_9_2_data()
    >>> d.view, d.unit, d.sparse_pattern.shape
    ('below', 2, (5, 5))
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
    S = pattern(sparse)
    D = pattern(dense_weights(n))
    pick = (lambda P: np.flatnonzero(P[:, unit])) if view == "below" else (lambda P: np.flatnonzero(P[unit]))
    return Connectivity(sparse, S, D, view, unit, pick(S), pick(D))


def figure_9_2_data() -> Connectivity:
    """Figure 9.2: sparse connectivity from below, the outputs ``x3`` affects.

    Five inputs and a width-3 kernel in "same" mode: ``x3`` affects ``s2, s3, s4`` (column 2 of
    the sparse matrix); through a dense matrix it affects every output.

    Returns
    -------
    Connectivity
        ``view="below"``, ``unit=2`` (``x3``); ``sparse_lit`` / ``dense_lit`` the outputs it
        affects.

    See Also
    --------
    figure_9_3_data : the same matrices viewed from above (a row instead of a column).
    refconv.conv_matrix : whose stored entries are the connections.

    Examples
    --------
    >>> d = figure_9_2_data()
    >>> d.sparse_lit.tolist(), d.dense_lit.tolist()
    ([1, 2, 3], [0, 1, 2, 3, 4])

    The lit outputs are column 2 of the matrix's pattern:

    >>> np.flatnonzero(d.sparse_pattern[:, 2]).tolist()
    [1, 2, 3]
    """
    return _connectivity("below")


def figure_9_3_data() -> Connectivity:
    """Figure 9.3: sparse connectivity from above, the inputs that affect ``s3`` (its receptive field).

    Returns
    -------
    Connectivity
        ``view="above"``, ``unit=2`` (``s3``); ``sparse_lit`` / ``dense_lit`` the inputs that
        affect it.

    See Also
    --------
    figure_9_2_data : the same matrices viewed from below.
    refconv.receptive.receptive_field : the receptive field by index arithmetic.

    Examples
    --------
    >>> d = figure_9_3_data()
    >>> d.sparse_lit.tolist(), int(d.sparse_pattern.sum()), int(d.dense_pattern.sum())
    ([1, 2, 3], 13, 25)
    """
    return _connectivity("above")


class ReceptiveGrowth(NamedTuple):
    """Figure 9.4: a two-layer stack, the cells one unit reaches, and field sizes per depth.

    Parameters
    ----------
    layers : tuple
        The stack drawn, ``(kernel, stride, dilation, padding)`` per layer, first layer first.
    patterns : tuple of numpy.ndarray
        ``patterns[l]`` is the stored pattern of layer ``l``'s :func:`refconv.conv_matrix`
        (outputs x inputs).
    unit : int
        The highlighted unit of the top layer, 0-based.
    reach : tuple of numpy.ndarray
        ``reach[0]`` is ``[unit]``; ``reach[l]`` the cells ``l`` layers below it that it depends
        on, through the patterns (real cells only).
    field : ReceptiveField
        :func:`refconv.receptive.receptive_field` of ``layers``.
    depths : numpy.ndarray
        The depths ``1..depth`` of the growth curves.
    growth : dict
        Stack description -> receptive-field sizes at ``depths``.

    See Also
    --------
    figure_9_4_data : builds this tuple.

    Examples
    --------
    >>> d = figure_9_4_data(depth=2)
    >>> d.unit, d.depths.tolist(), d.growth["kernel 3"].tolist()
    (2, [1, 2], [3, 5])
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

    Returns
    -------
    ReceptiveGrowth
        The two layers' patterns, the cells ``g3`` reaches in each layer below, the stack's
        receptive field, and the growth curves at depths ``1..depth``.

    See Also
    --------
    refconv.receptive.receptive_field : the sizes, by index arithmetic.
    refconv.conv_matrix : the patterns the reach is followed through.

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
        pattern(conv_matrix(np.ones(k, dtype=np.int64), (n,), mode=((p, p),), stride=s, dilation=d, format="sparse"))
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

    Parameters
    ----------
    conv : sympy.Matrix
        :func:`refconv.conv_matrix` ``(format="sympy")`` of the kernel ``a b c`` on 5 inputs,
        "same".
    kernel : numpy.ndarray
        The kernel of symbols ``a b c``.
    parameter : sympy.Symbol
        The highlighted kernel entry, the central ``b``.
    conv_pattern : numpy.ndarray
        The nonzeros of ``conv``, boolean.
    conv_uses : numpy.ndarray
        The (output, input) entries of ``conv`` holding ``parameter``.
    dense : sympy.Matrix
        A dense 5x5 matrix of symbols ``W11..W55``.
    dense_parameter : sympy.Symbol
        Its central element ``W33``.
    dense_uses : numpy.ndarray
        The entries of ``dense`` holding ``dense_parameter``.

    See Also
    --------
    figure_9_5_data : builds this tuple.

    Examples
    --------
    >>> d = figure_9_5_data()
    >>> d.kernel.tolist(), int(d.conv_pattern.sum()), int(d.dense_uses.sum())
    ([a, b, c], 13, 1)
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

    Returns
    -------
    Sharing
        The convolution's SymPy matrix and the entries holding ``b``; the dense matrix and the
        one entry holding ``W33``.

    See Also
    --------
    refconv.conv_matrix : the convolution's matrix of symbols.
    refconv.properties.parameter_sharing : counts the uses by perturbation.

    Examples
    --------
    >>> d = figure_9_5_data()
    >>> d.parameter, np.argwhere(d.conv_uses).tolist()
    (b, [[0, 0], [1, 1], [2, 2], [3, 3], [4, 4]])
    >>> d.dense_parameter, np.argwhere(d.dense_uses).tolist()
    (W33, [[2, 2]])
    """
    n = 5
    kernel = symbols("a b c", (3,))
    A = conv_matrix(kernel, (n,), mode="same", format="sympy")
    W = dense_weights(n)
    b, w33 = kernel[1], W[2, 2]
    return Sharing(A, kernel, b, pattern(A), _uses(A, b), W, w33, _uses(W, w33))


class EdgeDetection(NamedTuple):
    """Figure 9.6: a grayscale photograph, its edges, and the counts for its size and the seed's.

    Parameters
    ----------
    image : numpy.ndarray
        The grayscale image, float64 in ``[0, 1]`` for integer input.
    kernel : numpy.ndarray
        ``[[-1, 1]]``: each pixel minus its left neighbour.
    edges : numpy.ndarray
        ``correlate(image, kernel)``, one column narrower than ``image``.
    cost : ConvCost
        ``conv_cost(image.shape, kernel.shape)``.
    seed_cost : ConvCost
        The same for the seed's 280x320 photograph.
    source : str
        Where the image came from.

    See Also
    --------
    figure_9_6_data : builds this tuple.

    Examples
    --------
    >>> d = figure_9_6_data(np.array([[0, 255, 255], [0, 0, 255]]))
    >>> d.kernel.tolist(), d.edges.shape, d.source, d.seed_cost.flops
    ([[-1, 1]], (2, 2), 'the given image', 267960)
    """

    image: np.ndarray
    kernel: np.ndarray
    edges: np.ndarray
    cost: ConvCost
    seed_cost: ConvCost
    source: str


_LUMA = np.array([0.299, 0.587, 0.114])  # ITU-R BT.601 weights: the usual RGB -> gray


def _sample_photograph() -> np.ndarray:
    # The one matplotlib import outside refconv.figures.draw: the default photograph is a sample
    # file shipped with matplotlib (reading it draws nothing); imported only when it is needed.
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

    See Also
    --------
    refconv.correlate : computes the edges.
    refconv.conv_cost : the counts of the caption.

    Examples
    --------
    >>> d = figure_9_6_data(np.array([[0, 255, 255], [0, 0, 255]]))
    >>> d.edges.tolist(), d.cost.flops, d.cost.dense_entries, d.cost.sparse_nnz
    ([[1.0, 0.0], [0.0, 1.0]], 12, 24, 8)

    The edges are each pixel minus its left neighbour:

    >>> np.array_equal(d.edges, np.diff(d.image, axis=1))
    True
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

    Parameters
    ----------
    z : tuple of Fraction
        The detector row with one cell of context on each side: ``before`` is ``z[1:]`` and
        ``after`` is ``z[:-1]``.
    before : numpy.ndarray
        The detector values before the shift (object array of ``Fraction``).
    after : numpy.ndarray
        The detector values after the input moved right by one cell.
    pooled_before : numpy.ndarray
        :func:`refconv.pooling.max_pool` of ``before`` (width 3, stride 1).
    pooled_after : numpy.ndarray
        The same of ``after``.
    windows : numpy.ndarray
        The pooling windows, boolean, outputs x detector cells: the pattern of
        :func:`refconv.conv_matrix` for the same geometry.
    detector_unchanged : numpy.ndarray
        Which detector values stayed the same.
    pooled_unchanged : numpy.ndarray
        Which pooled values stayed the same.
    fractions : tuple of Fraction
        :func:`refconv.pooling.pooled_unchanged_fraction` of the detector row and of the pool.

    See Also
    --------
    figure_9_8_data : builds this tuple.

    Examples
    --------
    >>> d = figure_9_8_data()
    >>> len(d.z), d.before.shape, d.pooled_before.shape, d.windows.shape
    (7, (6,), (4,), (4, 6))
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

    Returns
    -------
    PoolShift
        The detector rows before and after the shift, their max pools (width 3, stride 1), the
        windows, which values stayed, and the unchanged fractions (detector, pooled).

    See Also
    --------
    refconv.pooling.max_pool : the pooling.
    refconv.pooling.pooled_unchanged_fraction : the fractions.

    Examples
    --------
    >>> d = figure_9_8_data()
    >>> [str(v) for v in d.pooled_before], [str(v) for v in d.pooled_after]
    (['1', '1', '1', '1/5'], ['3/10', '1', '1', '1'])
    >>> d.pooled_unchanged.tolist(), d.fractions
    ([False, True, True, False], (Fraction(0, 1), Fraction(1, 2)))

    Every detector value changed:

    >>> d.detector_unchanged.tolist()
    [False, False, False, False, False, False]
    """
    from ..pooling import max_pool, pooled_unchanged_fraction

    # The book's figure 9.8 (after the seed's excerpt): detector values 0.1 1. 0.2 0.1 in view,
    # 0.3 to their left (the value the shift brings in) and 0 past the ends.
    z = tuple(Fraction(v, 10) for v in (0, 3, 1, 10, 2, 1, 0))
    width = 3
    before, after = np.array(z[1:], dtype=object), np.array(z[:-1], dtype=object)
    pooled_before, pooled_after = max_pool(before, width, stride=1), max_pool(after, width, stride=1)
    windows = pattern(conv_matrix(np.ones(width, dtype=np.int64), before.shape, format="sparse"))
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
