"""The one geometry: every user-facing form of a convolution or pooling problem, normalised once.

Per spatial axis every operation in refconv reduces to the same normal form, an
:class:`AxisGeometry`: input length ``n``, kernel length ``k``, stride ``s``, dilation ``d`` and
pads ``(lo, hi)``.  Output ``o`` meets input ``o*s + t*d - lo`` through tap ``t``
(:func:`refconv._taps.source_index`), and the output length is::

    out = (n + lo + hi - d*(k-1) - 1) // s + 1

With ``ceil_mode`` (pooling) the division rounds up, then a last window that would start at or
past ``n + lo`` (entirely in the right padding) is dropped, as PyTorch's ``Pool.h`` does.

A :class:`ConvSpec` is the tuple of axis geometries plus the boundary rule (what a padded cell
holds).  It is frozen and hashable, so methods can cache matrices per spec.  It is built by
:func:`plain_spec` (NumPy/SciPy conventions: ``mode="valid"|"same"|"full"``, centred "same") or
:func:`layer_spec` (PyTorch conventions: ``padding=int|tuple|"valid"|"same"``, torch's "same");
nothing else in the package re-derives pads or output lengths.

"same" for an even kernel
-------------------------
"same" pads ``d*(k-1)`` cells in total.  When that is odd the two conventions split it
differently:

======================  ====================  ===============================================
convention              larger half           who does this
======================  ====================  ===============================================
centred (``mode=``)     before (``lo``)       ``scipy.signal.correlate/convolve``, ``numpy``,
                                              ``ndimage.correlate``, ONNX ``SAME_LOWER``
torch (``padding=``)    after (``hi``)        ``torch.nn.functional.conv*d``, JAX/TF ``SAME``,
                                              ONNX ``SAME_UPPER``, ``scipy.signal.correlate2d``
======================  ====================  ===============================================

Memory budget
-------------
One budget, :data:`CELL_LIMIT` cells beyond what the operands already hold (``10**8``; a cell is
8 bytes, one float64, int64 or object pointer: 800 MB), covers every path:

* **Each array** a computation allocates — the padded input, the output, the dilated grid of a
  transposed convolution, the index table of a matrix — is sized from the spec *before* it is
  allocated (:func:`check_cells`, one cell per element) and refused with a ``ValueError``
  giving its size when it would exceed the operands' holding by more than the limit.
  Arrays of those shapes (a scratch output, a converted or exact scaled copy of an operand)
  are covered by the same checks.
* **Each method's working set** besides them (FFT spectra and output-channel chunks, im2col
  columns) is modelled in bytes by :func:`refconv.methods.working_set` and checked against the
  same limit (:func:`check_working_set`): ``method="auto"`` never picks a method over the
  budget when another fits, and an explicit method over it is refused by name, before
  allocating, with an alternative that fits.  Dense and sparse matrices are refused past their
  own limits (:data:`refconv.spec.DENSE_LIMIT`, the index tables' :func:`check_cells`).
* **An operand counts by the memory it holds** (:func:`held_cells`), not by its logical size: a
  broadcast view such as ``np.broadcast_to(1.0, (10**5, 10**5))`` holds 1 cell, so every array
  of its logical shape (its padded or converted copy, an output as large) is budgeted in full.

So a huge pad, dilation, stride or broadcast fails at once instead of exhausting memory; raise
``refconv.spec.CELL_LIMIT`` to ask for more.  The Python objects an exact (object) array points
to are not counted, only its 8-byte pointers.  Output shapes themselves (:func:`output_shape`)
are arithmetic and have no limit.

Layer calls and adjoints
------------------------
:class:`LayerCall` normalises a whole layer call (operands, channels, groups, torch's
``padding_mode``, the geometry) once, for ``conv``, ``conv_transpose``, the oracle and Dask.
:func:`transpose_spec` gives a transposed convolution's forward geometry, and
:func:`adjoint_spec` the other way: the ``conv_transpose`` arguments (``padding``,
``output_padding``) whose output restores a forward convolution's input shape, and the pads of
the adjoint as a correlation over the stride-dilated input.

Names across libraries
----------------------
Boundary names, "same" presets, torch's ``padding_mode`` and the parameter-name table
(:data:`~refconv.conventions.PARAMETER_NAMES`, :data:`~refconv.conventions.BOUNDARY_NAMES`) live
in :mod:`refconv.conventions`; they stay importable from here.

Package layout: ``_geometry`` (the normal form), ``_builders`` (plain, layer and pooling
arguments), ``_adjoint`` (transposed convolutions), ``_layer`` (layer calls); the memory budget
is here, so that ``refconv.spec.CELL_LIMIT`` is the one knob every check reads.
"""

from __future__ import annotations

import math
from typing import Any

from .._validation import fail
from .._validation import is_int as is_int  # importable from here, as before; its home is _validation
from ..conventions import BOUNDARIES as BOUNDARIES
from ..conventions import BOUNDARY_NAMES as BOUNDARY_NAMES
from ..conventions import PARAMETER_NAMES as PARAMETER_NAMES
from ..conventions import same_split
from ._adjoint import AdjointPhase, AdjointSpec, adjoint_phases, adjoint_spec, transpose_spec
from ._builders import layer_spec, output_shape, plain_spec
from ._builders import pool_spec as pool_spec  # pooling's normaliser, importable from here
from ._geometry import AxisGeometry, ConvSpec
from ._layer import LayerCall

#: The old name of the per-axis "same" split, kept importable; its home is :mod:`refconv.conventions`.
same_pads = same_split

__all__ = [
    "AxisGeometry",
    "ConvSpec",
    "LayerCall",
    "AdjointPhase",
    "AdjointSpec",
    "plain_spec",
    "layer_spec",
    "transpose_spec",
    "adjoint_phases",
    "adjoint_spec",
    "output_shape",
]

#: Cells an allocation may exceed the operands' own size by (see "Memory budget" above).
CELL_LIMIT = 10**8
#: Largest dense matrix (in entries) any builder allocates: 10**8 entries is 800 MB of int64.
DENSE_LIMIT = 10**8
#: Largest SymPy matrix (in entries): SymPy holds one Python object per entry (~1.5 s per 10**6).
SYMPY_LIMIT = 10**6


def check_cells(func: str, name: str, value: Any, what: str, shape: tuple[int, ...], given: int = 0) -> None:
    """Refuse, before allocating it, an array of ``shape`` past ``given + CELL_LIMIT`` cells.

    ``given`` is the size of the operands the caller already holds; ``name=value`` is the
    argument that makes the array large.

    >>> try:
    ...     check_cells("f", "mode", 10**9, "a padded input", (2 * 10**9 + 3,))
    ... except ValueError as exc:
    ...     print(str(exc).split(" over ")[0])
    f: mode=1000000000 needs a padded input of shape (2000000003,), 2,000,000,003 cells,
    """
    cells = math.prod(shape)
    if cells > given + CELL_LIMIT:
        raise fail(
            func,
            name,
            value,
            f"needs {what} of shape {tuple(shape)}, {cells:,} cells, over the limit of {CELL_LIMIT:,} cells beyond "
            f"the operands' {given:,} (refconv.spec.CELL_LIMIT)",
            "a smaller problem, or a larger refconv.spec.CELL_LIMIT",
        )


def held_cells(arr: Any) -> int:
    """Cells an array actually holds: the product of its lengths over the axes it does not
    broadcast (nonzero stride), 0 when it is empty.

    A broadcast view holds only the cells it repeats, so what it would need once materialised
    (a converted or padded copy of its logical shape) is budgeted in full.

    >>> import numpy as np
    >>> held_cells(np.ones((3, 4))), held_cells(np.broadcast_to(np.arange(4.0), (10**6, 4)))
    (12, 4)
    >>> held_cells(np.broadcast_to(1.0, (10**5, 10**5))), held_cells(np.ones((0, 5)))
    (1, 0)

    Examples
    --------
    A broadcast view holds the one value it repeats; a plain array holds every cell:

    >>> held_cells(np.broadcast_to(1.0, (1000, 1000))), held_cells(np.ones((3, 4)))
    (1, 12)
    """
    shape, strides = getattr(arr, "shape", ()), getattr(arr, "strides", None)
    if math.prod(shape) == 0:
        return 0
    if strides is None:  # not a strided array: count its logical size
        return math.prod(shape)
    return math.prod(n for n, s in zip(shape, strides) if s != 0)


def budget_bytes() -> int:
    """The budget in bytes: :data:`CELL_LIMIT` cells of 8 bytes."""
    return 8 * CELL_LIMIT


def check_working_set(
    func: str, method: str, nbytes: int, given: int, alternative: str | None = None, what: str = "a working set"
) -> None:
    """Refuse, before it runs, a method whose modelled working set of ``nbytes`` bytes exceeds
    ``given + CELL_LIMIT`` cells of 8 bytes (``given``: cells the operands hold).

    ``alternative`` names a method that fits (it goes into the message); ``what`` describes the
    memory being counted.

    >>> try:
    ...     check_working_set("conv", "fft", 9 * 10**9, 10**6, "method='direct' (5,000,000 bytes)")
    ... except ValueError as exc:
    ...     print(str(exc).split("; ")[1])
    expected method='direct' (5,000,000 bytes), a smaller problem, or a larger refconv.spec.CELL_LIMIT
    """
    limit = 8 * (given + CELL_LIMIT)
    if nbytes > limit:
        expected = "a smaller problem, or a larger refconv.spec.CELL_LIMIT"
        raise fail(
            func,
            "method",
            method,
            f"needs {what} of {nbytes:,} bytes ({nbytes / 2**30:.1f} GiB), over the limit of {limit:,} bytes: "
            f"{CELL_LIMIT:,} cells of 8 bytes beyond the operands' {given:,} (refconv.spec.CELL_LIMIT)",
            f"{alternative}, {expected}" if alternative else expected,
        )


def check_spec_cells(
    func: str, name: str, value: Any, spec: ConvSpec, *, lead_in: tuple = (), lead_out: tuple = (), given: int = 0
) -> None:
    """:func:`check_cells` for the padded input ``(*lead_in, *padded)`` and the output
    ``(*lead_out, *out)`` of ``spec``."""
    padded = tuple(g.padded + g.overhang for g in spec.axes)
    check_cells(func, name, value, "a padded input", tuple(lead_in) + padded, given)
    check_cells(func, name, value, "an output", tuple(lead_out) + spec.output_shape, given)
