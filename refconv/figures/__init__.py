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

Modules
-------
==========================================  =================================================
:mod:`refconv.figures.data`                 the data of figures 9.1-9.8 (named tuples)
:mod:`refconv.figures.matrix_pictures`      the data of the §9.1 matrix pictures
:mod:`refconv.figures.catalogue`            :data:`FIGURES`: names, titles, seed quotes, captions
:mod:`refconv.figures.report`               :func:`render`, the index pages, report links, CLI
``refconv.figures._draw``                   the drawing, the only module that imports matplotlib
==========================================  =================================================

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

from .catalogue import FIGURES, FigureSpec
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
from .report import MANIFEST as MANIFEST  # the manifest's file name, a module constant before the split
from .report import IndexEntry, cli_main, index_entries, render, report_section
