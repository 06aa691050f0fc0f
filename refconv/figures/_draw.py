"""Drawing the figures with matplotlib: the only module of :mod:`refconv.figures` that draws.

matplotlib is an optional extra (``pip install 'refconv[figures]'``), imported inside the
functions here, never at module import, on the non-interactive Agg backend without pyplot's
global state.  Each ``draw_*`` function draws one figure's data (from
:mod:`refconv.figures.data` / :mod:`refconv.figures.matrix_pictures`) into a ``Figure``.
"""

from __future__ import annotations

__all__ = [
    "require_matplotlib",
    "new_figure",
    "draw_9_1",
    "draw_connectivity",
    "draw_9_4",
    "draw_9_5",
    "draw_9_6",
    "draw_9_8",
    "draw_matrix",
]

import math

import numpy as np

from ._common import kernel_text, labels, pattern, read_once, value_text
from .data import Connectivity, EdgeDetection, PoolShift, ReceptiveGrowth, Sharing, SymbolicGrid
from .matrix_pictures import MatrixPicture

_LIT = "#1f3b73"  # highlighted units, edges and entries
_FAINT = "#b8b8b8"  # every other connection
_FILL = "#c9d8f0"  # highlighted unit
_CHANGED = "#f2b277"  # figure 9.8: a value that changed


def require_matplotlib() -> None:
    """Raise a clear ImportError, naming the extra to install, when matplotlib is missing."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            "refconv figures needs matplotlib, an optional extra: pip install 'refconv[figures]'"
        ) from exc


def new_figure(width: float, height: float):
    """A matplotlib ``Figure`` of ``width`` x ``height`` inches on the Agg canvas, constrained layout."""
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
    for r, texts in enumerate(rows):
        for i, label in enumerate(texts):
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


def _spy(ax, P, lit, *, rows, cols, title):
    """A matrix's pattern ``P``: stored entries light, the highlighted ones dark, zeros white."""
    from matplotlib.colors import ListedColormap

    codes = P.astype(int) + (P & lit).astype(int)
    ax.imshow(codes, cmap=ListedColormap(["white", _FILL, _LIT]), vmin=0, vmax=2)
    ax.set_xticks(range(P.shape[1]), [_math(c) for c in cols])
    ax.set_yticks(range(P.shape[0]), [_math(r) for r in rows])
    ax.set_xticks(np.arange(-0.5, P.shape[1]), minor=True)
    ax.set_yticks(np.arange(-0.5, P.shape[0]), minor=True)
    ax.grid(which="minor", color="#888888", lw=0.6)
    ax.tick_params(which="both", length=0)
    ax.xaxis.tick_top()
    ax.set_title(title, fontsize=10)


def _names(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i + 1}" for i in range(n)]


def draw_9_1(fig, d: SymbolicGrid) -> None:
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


def draw_connectivity(fig, d: Connectivity) -> None:
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


def draw_9_4(fig, d: ReceptiveGrowth) -> None:
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


def draw_9_5(fig, d: Sharing) -> None:
    axes = fig.subplots(2, 2, width_ratios=[1.6, 1])
    n_out, n_in = d.conv_pattern.shape
    rows = [[_math(s) for s in _names("x", n_in)], [_math(s) for s in _names("s", n_out)]]
    dense_pattern = pattern(d.dense)
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
        for (i, j), text in np.ndenumerate(labels(M)):
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


def draw_9_6(fig, d: EdgeDetection) -> None:
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


def draw_9_8(fig, d: PoolShift) -> None:
    axes = fig.subplots(2, 1)
    # Each pooled unit sits above the centre of its window (the window's columns in the pattern).
    centres = np.array([np.flatnonzero(row).mean() for row in d.windows])
    cells = len(d.before)
    context = tuple(read_once(d.windows))  # grey: outside the book's view (the caption says so)
    for ax, det, pooled, title in (
        (axes[0], d.before, d.pooled_before, "before the shift"),
        (axes[1], d.after, d.pooled_after, "input shifted right by one"),
    ):
        changed_det = [None if same else _CHANGED for same in d.detector_unchanged]
        changed_pool = [None if same else _CHANGED for same in d.pooled_unchanged]
        is_after = det is d.after
        _graph(
            ax,
            [[value_text(v) for v in det], [value_text(v) for v in pooled]],
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


def draw_matrix(fig, d: MatrixPicture) -> None:
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
    ax.set_title(f"kernel {kernel_text(d.kernel)} on input {d.input_shape}; {verdict}", fontsize=10)
