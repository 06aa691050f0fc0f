"""The catalogue of figures: each one's name, title, seed citation, the seed's words, and caption.

:data:`FIGURES` lists every figure ``refconv figures`` draws, in order; each
:class:`FigureSpec` ties a data function (:mod:`refconv.figures.data`,
:mod:`refconv.figures.matrix_pictures`) to its caption, which states what was computed, and to
its drawing (:mod:`refconv.figures._draw`).
"""

from __future__ import annotations

__all__ = ["FigureSpec", "FIGURES"]

import math
from collections.abc import Callable
from typing import Any, NamedTuple

from . import _draw
from ._common import kernel_text, read_once, shape_text, value_text
from .data import (
    Connectivity,
    EdgeDetection,
    PoolShift,
    ReceptiveGrowth,
    Sharing,
    SymbolicGrid,
    figure_9_1_data,
    figure_9_2_data,
    figure_9_3_data,
    figure_9_4_data,
    figure_9_5_data,
    figure_9_6_data,
    figure_9_8_data,
)
from .matrix_pictures import MatrixPicture, doubly_block_circulant_data, doubly_block_toeplitz_data, toeplitz_data


class FigureSpec(NamedTuple):
    """One figure: what it is called, what it cites, and how its data is computed, captioned and drawn.

    Parameters
    ----------
    name : str
        Short name, also the PNG's stem and the ``--only`` name: ``"fig-9.1"``.
    title : str
        The heading shown above the figure on the index page.
    seed : str
        Where the seed has it: ``"figure 9.1, §9.1, p. 334"``.
    quote : str
        The seed's words about it, verbatim.
    data : callable
        The data function, called with no arguments.
    caption : callable
        Data -> the caption's text: what was computed, with its numbers.
    draw : callable
        ``draw(fig, data)`` draws the data into a matplotlib ``Figure``.
    size : tuple of (float, float)
        The figure's width and height in inches.

    See Also
    --------
    FIGURES : every figure, in order.
    render : draws them.

    Examples
    --------
    >>> spec = FIGURES[0]
    >>> spec.name, spec.seed, spec.data is figure_9_1_data
    ('fig-9.1', 'figure 9.1, §9.1, p. 334', True)
    >>> "its upper-left entry is a*w + b*x + e*y + f*z" in spec.caption(spec.data())
    True
    """

    name: str
    title: str
    seed: str
    quote: str
    data: Callable[[], Any]
    caption: Callable[[Any], str]
    draw: Callable[[Any, Any], None]
    size: tuple[float, float]


def _caption_9_1(d: SymbolicGrid) -> str:
    cells = ", ".join(map(str, d.region))
    return (
        f"refconv.correlate of the {shape_text(d.input.shape)} input a…l and the {shape_text(d.kernel.shape)} kernel "
        f"w, x, y, z (SymPy symbols) gives the {shape_text(d.output.shape)} output shown; its upper-left entry is "
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
        f"Input: {d.source}, {shape_text(d.image.shape)} pixels, grayscale; "
        "right: refconv.correlate(image, [[-1, 1]]), "
        f"{shape_text(d.edges.shape)}. refconv.conv_cost for this size: {shape_text(c.output_shape)} × {per} = "
        f"{c.flops:,} floating point operations by convolution; a dense matrix would have {c.dense_entries:,} "
        f"entries ({float(c.representation_ratio):,.0f} times the {c.parameters} parameters) and its product "
        f"{c.dense_flops:,} operations ({float(c.computation_ratio):,.0f} times more); stored sparsely it has "
        f"{c.sparse_nnz:,} entries and costs {c.sparse_flops:,} operations. For the seed's 280 × 320 photograph: "
        f"{s.flops:,}, {s.dense_entries:,}, {s.dense_flops:,} and {s.sparse_nnz:,}."
    )


def _caption_9_8(d: PoolShift) -> str:
    ends = read_once(d.windows)  # the grey cells of the drawing

    def row(values: Any, sep: str = ", ") -> str:
        return sep.join(value_text(v) for v in values)

    return (
        f"refconv.pooling.max_pool (width 3, stride 1) of the detector row {row(d.before)} (top) and of the row "
        f"shifted right by one, {row(d.after)} (bottom); each pooled unit is the maximum of the 3 detector units "
        f"its arrows come from. The grey-outlined cells at both ends ({row(d.before[ends], ' and ')} before the "
        f"shift, {row(d.after[ends], ' and ')} after) lie outside the book's four-unit view: each is read by only "
        "one pooling window and is drawn so that every pooled unit has its full window. Orange marks a value the "
        f"shift changed: {int((~d.detector_unchanged).sum())} of {d.before.size} detector values but only "
        f"{int((~d.pooled_unchanged).sum())} of {d.pooled_before.size} pooled ones. The footer states the unchanged "
        f"fractions: refconv.pooling.pooled_unchanged_fraction gives {d.fractions[0]} and {d.fractions[1]} "
        "(detector, pooled). The book's figure 9.8 illustrates the seed's last sentence."
    )


def _caption_matrix(d: MatrixPicture) -> str:
    block = f", blocks {shape_text(d.block_shape)}" if d.block_shape else ""
    verdict = "holds" if d.structure else f"does not hold ({d.structure.why})"
    return (
        f"The {shape_text(d.matrix.shape)} matrix for the kernel {kernel_text(d.kernel)} on a "
        f"{shape_text(d.input_shape)} input{block}, colours by kernel entry, zeros blank; "
        f"the predicate for a {d.structure.structure} {verdict}."
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
        _draw.draw_9_1,
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
        _draw.draw_connectivity,
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
        _draw.draw_connectivity,
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
        _draw.draw_9_4,
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
        _draw.draw_9_5,
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
        _draw.draw_9_6,
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
        _draw.draw_9_8,
        (8.0, 5.4),
    ),
    FigureSpec(
        "matrix-toeplitz",
        "Convolution as a matrix: Toeplitz (1-D)",
        "§9.1, p. 333",
        _TOEPLITZ_QUOTE,
        toeplitz_data,
        _caption_matrix,
        _draw.draw_matrix,
        (6.0, 4.0),
    ),
    FigureSpec(
        "matrix-doubly-block-toeplitz",
        "Convolution as a matrix: doubly block Toeplitz (2-D, zero boundary)",
        "§9.1, p. 333",
        _CIRCULANT_QUOTE,
        doubly_block_toeplitz_data,
        _caption_matrix,
        _draw.draw_matrix,
        (8.0, 4.8),
    ),
    FigureSpec(
        "matrix-doubly-block-circulant",
        "Convolution as a matrix: doubly block circulant (2-D, circular)",
        "§9.1, p. 333",
        _CIRCULANT_QUOTE,
        doubly_block_circulant_data,
        _caption_matrix,
        _draw.draw_matrix,
        (6.6, 6.6),
    ),
)
