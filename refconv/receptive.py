"""Receptive fields of stacked convolutions (figure 9.4): which input cells one deep unit sees.

A unit ``o`` of layer ``l`` reads the cells ``o*s + t*d - lo`` of layer ``l-1``
(:func:`refconv._taps.source_index`).  Composing that map through a stack gives, per spatial
axis, the input cells a unit of the last layer depends on::

    start + o*jump + offsets

where ``jump`` is the product of the strides, ``start = -sum_l lo_l * jump_{l-1}`` and ``offsets``
is the Minkowski sum of the layers' tap sets ``{t * d_l * jump_{l-1} : 0 <= t < k_l}``.  Its span
is ``size = 1 + sum_l (k_l - 1) * d_l * jump_{l-1}``: the receptive field grows with depth, and
faster with strides and dilation.  With dilation the field can have holes (``len(offsets) <
size``).  Cells of the field that fall outside the input are padding: with a zero boundary they
contribute nothing, so the unit depends on exactly the field's cells inside the input.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from ._taps import source_index
from ._validation import fail, int_tuple, pad_pairs
from .spec import AxisGeometry, check_cells

__all__ = ["ReceptiveField", "receptive_field"]


class ReceptiveField(NamedTuple):
    """Per spatial axis: span, jump, first cell of unit 0's field, and the offsets actually read.

    What :func:`receptive_field` returns; unit ``o`` of the last layer reads the input cells
    ``start + o*jump + offsets`` on each axis (:meth:`cells`).

    Parameters
    ----------
    size : tuple of int
        The field's span in input cells, per axis: ``offsets[-1] + 1``.
    jump : tuple of int
        The input distance between neighbouring units of the last layer: the product of the
        strides.
    start : tuple of int
        The first input cell of unit 0's field; negative means padding.
    offsets : tuple of tuple of int
        The cells actually read, relative to ``start``, increasing from 0 (fewer than ``size``
        when dilation leaves holes).

    See Also
    --------
    receptive_field : computes it for a stack of layers.

    Examples
    --------
    Kernel 2 dilated by 3, then kernel 2: the second layer's unit reads input offsets
    ``{0, 3} + {0, 1}``, a span of 5 with holes at 2.

    >>> rf = receptive_field([(2, 1, 3), 2])
    >>> rf
    ReceptiveField(size=(5,), jump=(1,), start=(0,), offsets=((0, 1, 3, 4),))
    >>> rf.inputs, rf.cells((2,))[0].tolist()
    (4, [2, 3, 5, 6])
    """

    size: tuple[int, ...]
    jump: tuple[int, ...]
    start: tuple[int, ...]
    offsets: tuple[tuple[int, ...], ...]

    @property
    def inputs(self) -> int:
        """Number of input cells (of an unbounded input) one unit reads: ``prod(len(offsets))``."""
        return math.prod(len(o) for o in self.offsets)

    def cells(self, index: Sequence[int]) -> tuple[np.ndarray, ...]:
        """Per axis, the input indices unit ``index`` of the last layer reads (may be < 0 or >= n).

        >>> receptive_field([(3, 2)]).cells((1,))[0].tolist()
        [2, 3, 4]
        """
        index = tuple(index)
        if len(index) != len(self.size):
            raise fail("ReceptiveField.cells", "index", index, f"has {len(index)} entries", f"{len(self.size)} indices")
        return tuple(b + i * j + np.asarray(o) for b, i, j, o in zip(self.start, index, self.jump, self.offsets))


def _layer(func: str, i: int, entry: Any, ndim: int) -> list[AxisGeometry]:
    if isinstance(entry, (str, bytes)) or not isinstance(entry, Sequence) or not 1 <= len(entry) <= 4:
        raise fail(
            func,
            f"layers[{i}]",
            entry,
            "is not a layer",
            "a tuple (kernel, stride=1, dilation=1, padding=0), each an int or one per axis",
            TypeError,
        )
    kernel, stride, dilation, padding = tuple(entry) + (1, 1, 0)[len(entry) - 1 :]
    k = int_tuple(func, f"layers[{i}].kernel", kernel, ndim, minimum=1)
    s = int_tuple(func, f"layers[{i}].stride", stride, ndim, minimum=1)
    d = int_tuple(func, f"layers[{i}].dilation", dilation, ndim, minimum=1)
    p = pad_pairs(func, f"layers[{i}].padding", padding, ndim)
    # n is irrelevant to where taps land; only the index map source_index is used.
    return [AxisGeometry(1, k_, s_, d_, lo, hi) for k_, s_, d_, (lo, hi) in zip(k, s, d, p)]


def _rank(entry: tuple) -> int:
    """Spatial rank of one layer entry: the length of any per-axis kernel/stride/dilation."""
    lengths = {len(v) for v in entry[:3] if isinstance(v, Sequence) and not isinstance(v, (str, bytes))}
    if lengths:
        return max(lengths)
    padding = entry[3] if len(entry) > 3 else 0
    if isinstance(padding, Sequence) and not isinstance(padding, (str, bytes)):
        # One (before, after) pair reads as a 1-D padding, as refconv.spec.pad_pairs takes it.
        pairs = any(isinstance(v, Sequence) for v in padding)
        return len(padding) if pairs or len(padding) != 2 else 1
    return 1


def receptive_field(layers: Sequence[Any]) -> ReceptiveField:
    """The receptive field of a unit of the last layer of a stack of convolutions, in input cells.

    Parameters
    ----------
    layers : sequence of tuples
        ``(kernel, stride=1, dilation=1, padding=0)`` per layer, first layer first.  Each entry is
        an int or one int per spatial axis; ``padding`` may also be ``(before, after)`` pairs (only
        ``before`` moves the field).  Pooling layers count too: a pool is a layer with its
        kernel and stride.

    Returns
    -------
    ReceptiveField
        ``size`` (span in input cells), ``jump`` (input distance between neighbouring units,
        the product of the strides), ``start`` (first input cell of unit 0's field; negative
        means padding) and ``offsets`` (the cells actually read, relative to ``start``), per axis.

    Raises
    ------
    ValueError, TypeError
        For an empty stack or a malformed layer, naming it (``layers[1].stride=0 ...``).

    See Also
    --------
    ReceptiveField : the fields returned.
    refconv.correlate : one layer's geometry (kernel, stride, dilation, padding).
    refconv.output_shape : the output length the same geometry gives.

    Examples
    --------
    Figure 9.4: two layers of width-3 kernels; a unit of the second layer sees 5 inputs.

    >>> receptive_field([3, 3]).size
    (5,)

    Stride multiplies the growth of every later layer (``1 + 2*1 + 2*2``):

    >>> rf = receptive_field([(3, 2), (3, 1)])
    >>> rf.size, rf.jump
    ((7,), (2,))

    Dilation leaves holes: kernel 2 dilated by 3, then kernel 2 reads offsets 0, 1, 3, 4.

    >>> rf = receptive_field([(2, 1, 3), 2])
    >>> rf.size, rf.offsets
    ((5,), ((0, 1, 3, 4),))

    Padding moves the field: with one cell of padding, unit 0 starts at cell -1.

    >>> receptive_field([(3, 1, 1, 1)]).start
    (-1,)
    """
    func = "receptive_field"
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence):
        raise fail(
            func, "layers", layers, "is not a sequence of layers", "a list of (kernel, stride, dilation)", TypeError
        )
    if len(layers) == 0:
        raise fail(func, "layers", layers, "is empty", "at least one layer")
    entries = [tuple(e) if isinstance(e, Sequence) and not isinstance(e, (str, bytes)) else (e,) for e in layers]
    ndim = max(_rank(entry) for entry in entries)
    stack = [_layer(func, i, entry, ndim) for i, entry in enumerate(entries)]
    size, jump, start, offsets = [], [], [], []
    for axis in range(ndim):
        # Walk unit 0 of the last layer down through every layer's index map (all taps), and
        # units 0 and 1 through tap 0 for the distance between neighbouring units.
        # Python ints (object arrays): a valid stride or dilation may exceed int64.
        cells, unit0, unit1 = np.array([0], dtype=object), 0, 1
        for layer in reversed(stack):
            g = layer[axis]
            check_cells(func, "layers", layers, f"a table of cells x taps on axis {axis}", (len(cells), g.k))
            cells = np.unique(source_index(cells[:, None], np.arange(g.k, dtype=object)[None, :], g))
            unit0, unit1 = source_index(unit0, 0, g), source_index(unit1, 0, g)
        first = int(cells[0])
        size.append(int(cells[-1]) - first + 1)
        jump.append(int(unit1 - unit0))
        start.append(first)
        offsets.append(tuple(int(c) - first for c in cells))
    return ReceptiveField(tuple(size), tuple(jump), tuple(start), tuple(offsets))
