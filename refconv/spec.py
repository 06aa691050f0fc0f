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

Parameter names across libraries
--------------------------------
:data:`PARAMETER_NAMES` maps every refconv parameter to its name in SciPy, PyTorch, JAX
(``lax.conv_general_dilated``) and ONNX (``Conv``); :data:`BOUNDARY_NAMES` does the same for
boundary modes.  Beware ``scipy.ndimage``'s ``"reflect"``, which is NumPy's (and refconv's)
``"symmetric"``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

from ._validation import check_choice, fail, int_tuple, is_int, pad_pairs, shape_tuple

#: Boundary modes, by ``numpy.pad``'s names: what a padded cell holds.
BOUNDARIES = ("constant", "wrap", "reflect", "symmetric", "edge")

#: ``(refconv, scipy.signal, scipy.ndimage, torch, jax, onnx)`` name of each boundary mode.
BOUNDARY_NAMES = (
    ("constant", "fill", "constant", "zeros", "constant", "constant"),
    ("wrap", "wrap", "wrap", "circular", "wrap", "wrap"),
    ("reflect", None, "mirror", "reflect", "reflect", "reflect"),
    ("symmetric", "symm", "reflect", None, "symmetric", None),
    ("edge", None, "nearest", "replicate", "edge", "edge"),
)

#: ``(refconv, scipy.signal, torch, jax lax.conv_general_dilated, onnx Conv)`` parameter names.
PARAMETER_NAMES = (
    ("x", "in1", "input", "lhs", "X"),
    ("w", "in2", "weight", "rhs", "W"),
    ("bias", None, "bias", None, "B"),
    ("mode (plain)", "mode", None, "padding='VALID'|'SAME'", "auto_pad"),
    ("padding (layer)", None, "padding", "padding", "pads / auto_pad"),
    ("stride", None, "stride", "window_strides", "strides"),
    ("dilation", None, "dilation", "rhs_dilation", "dilations"),
    ("groups", None, "groups", "feature_group_count", "group"),
    ("boundary / padding_mode", "boundary", "padding_mode", None, None),
    ("output_padding", None, "output_padding", None, "output_padding"),
    ("ceil_mode", None, "ceil_mode", None, "ceil_mode"),
)

_BOUNDARY_HINTS = {
    "zeros": "'zeros' is 'constant'",
    "fill": "scipy.signal's 'fill' is 'constant'",
    "circular": "torch's 'circular' is 'wrap'",
    "periodic": "periodic is 'wrap'",
    "replicate": "torch's 'replicate' is 'edge'",
    "nearest": "ndimage's 'nearest' is 'edge'",
    "mirror": "ndimage's 'mirror' is 'reflect'",
    "symm": "scipy.signal's 'symm' is 'symmetric'",
    "grid-wrap": "ndimage's 'grid-wrap' is 'wrap'",
    "grid-mirror": "ndimage's 'grid-mirror' is 'symmetric'",
    "grid-constant": "ndimage's 'grid-constant' is 'constant'",
}
#: Cells an allocation may exceed the operands' own size by (see "Memory budget" above).
CELL_LIMIT = 10**8
#: Largest dense matrix (in entries) any builder allocates: 10**8 entries is 800 MB of int64.
DENSE_LIMIT = 10**8
#: Largest SymPy matrix (in entries): SymPy holds one Python object per entry (~1.5 s per 10**6).
SYMPY_LIMIT = 10**6

_MODES = ("valid", "same", "full")
_MODE_HINTS = {
    "same_upper": "use the layer function's padding='same' or explicit pads",
    "same_lower": "mode='same' is SAME_LOWER",
    "half": "use 'same'",
}


@dataclass(frozen=True)
class AxisGeometry:
    """The normal form of one spatial axis; see the module docstring."""

    n: int
    k: int
    stride: int = 1
    dilation: int = 1
    lo: int = 0
    hi: int = 0
    ceil_mode: bool = False

    # The bodies live in module functions (below): mutation testing (mutmut) skips decorated
    # functions, and this arithmetic is the one geometry everything else reads.  Values are
    # cached on the (frozen) instance: specs are memoized and read on every call.
    @functools.cached_property
    def extent(self) -> int:
        """Cells one window spans: ``d*(k-1) + 1``."""
        return _extent(self)

    @functools.cached_property
    def padded(self) -> int:
        """Length of the padded input, ``n + lo + hi``."""
        return _padded(self)

    @functools.cached_property
    def out(self) -> int:
        """Output length (may be <= 0 for an impossible problem; specs refuse those)."""
        return _out(self)

    @functools.cached_property
    def overhang(self) -> int:
        """Cells past the padded input that ceil_mode's last window reaches (0 otherwise)."""
        return _overhang(self)


def _extent(g: AxisGeometry) -> int:
    return g.dilation * (g.k - 1) + 1


def _padded(g: AxisGeometry) -> int:
    return g.n + g.lo + g.hi


def _out(g: AxisGeometry) -> int:
    span = _padded(g) - _extent(g)
    if not g.ceil_mode:
        return span // g.stride + 1
    out = -(-span // g.stride) + 1
    if out > 1 and (out - 1) * g.stride >= g.n + g.lo:
        out -= 1
    return out


def _overhang(g: AxisGeometry) -> int:
    return max(0, (_out(g) - 1) * g.stride + _extent(g) - _padded(g))


@dataclass(frozen=True)
class ConvSpec:
    """A whole problem's geometry: one :class:`AxisGeometry` per spatial axis and the boundary."""

    axes: tuple[AxisGeometry, ...]
    boundary: str = "constant"

    @functools.cached_property
    def ndim(self) -> int:
        return len(self.axes)

    @functools.cached_property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(g.n for g in self.axes)

    @functools.cached_property
    def kernel_shape(self) -> tuple[int, ...]:
        return tuple(g.k for g in self.axes)

    @functools.cached_property
    def output_shape(self) -> tuple[int, ...]:
        return tuple(g.out for g in self.axes)

    @functools.cached_property
    def stride(self) -> tuple[int, ...]:
        return tuple(g.stride for g in self.axes)

    @functools.cached_property
    def dilation(self) -> tuple[int, ...]:
        return tuple(g.dilation for g in self.axes)

    @functools.cached_property
    def pads(self) -> tuple[tuple[int, int], ...]:
        return tuple((g.lo, g.hi) for g in self.axes)

    @functools.cached_property
    def taps(self) -> int:
        """Number of kernel taps, ``prod(kernel_shape)``."""
        return math.prod(self.kernel_shape)


def _frozen(value):
    """A hashable, type-tagged key for simple argument values, or None if not simple.

    Tags keep ``1``, ``1.0`` and ``True`` apart (they hash alike), so a cached spec is never
    returned for an argument that validation would refuse.
    """
    kind = type(value)
    if kind in _SIMPLE:
        return (kind, value)
    if kind is tuple or kind is list:
        if all(type(v) is int for v in value):  # shapes and per-axis ints: the common case
            return (kind, tuple(value))
        items = tuple(map(_frozen, value))
        return None if None in items else (kind, items)
    return None


_SIMPLE = frozenset({int, str, bool, float, type(None)})


def _memoized(builder):
    """Cache a spec builder on its (simple) arguments: specs are immutable, and building one
    costs more than a small correlation."""
    cache: dict = {}

    @functools.wraps(builder)
    def wrapper(*args, **kwargs):
        key = (_frozen(args), _frozen(list(kwargs.values())), tuple(kwargs))
        if key[0] is None or key[1] is None:
            return builder(*args, **kwargs)
        spec = cache.get(key)
        if spec is None:
            spec = builder(*args, **kwargs)
            if len(cache) < 4096:
                cache[key] = spec
        return spec

    wrapper.cache_clear = cache.clear  # as functools.lru_cache's; tests and mutation runs use it
    return wrapper


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


def same_pads(extent: int, rule: str) -> tuple[int, int]:
    """Split the ``extent - 1`` cells of "same" padding: ``rule="centred"`` puts the larger half
    before (SciPy, NumPy), ``rule="torch"`` after (PyTorch, TF/JAX ``SAME``, ONNX ``SAME_UPPER``).

    >>> same_pads(4, "centred"), same_pads(4, "torch"), same_pads(3, "torch")
    ((2, 1), (1, 2), (1, 1))
    """
    if rule not in ("centred", "torch"):
        raise ValueError(f"same_pads: rule={rule!r} is not recognised; expected 'centred' or 'torch'")
    total = extent - 1
    small = total // 2
    return (total - small, small) if rule == "centred" else (small, total - small)


def _resolve_pads(func, name, value, kernel_shape, dilation, same_rule):
    ndim = len(kernel_shape)
    if isinstance(value, str):
        choice = check_choice(func, name, value, _MODES, _MODE_HINTS)
        extents = [d * (k - 1) + 1 for k, d in zip(kernel_shape, dilation)]
        if choice == "valid":
            return ((0, 0),) * ndim
        if choice == "full":
            return tuple((e - 1, e - 1) for e in extents)
        return tuple(same_pads(e, same_rule) for e in extents)
    return pad_pairs(func, name, value, ndim)


def _build(func, input_shape, kernel_shape, stride, dilation, pads, boundary, ceil_mode, names):
    axes = tuple(
        AxisGeometry(n, k, s, d, lo, hi, ceil_mode)
        for n, k, s, d, (lo, hi) in zip(input_shape, kernel_shape, stride, dilation, pads)
    )
    for i, g in enumerate(axes):
        if g.out < 1:
            x_name, w_name = names
            x_label, w_label = (n if n.endswith("shape") else f"{n} shape" for n in names)
            raise ValueError(
                f"{func}: {w_label} {tuple(kernel_shape)} does not fit {x_label} "
                f"{tuple(input_shape)} along axis {i}: the window spans d*(k-1)+1 = "
                f"{g.dilation}*({g.k}-1)+1 = {g.extent} cells but the padded input has "
                f"n+lo+hi = {g.n}+{g.lo}+{g.hi} = {g.padded}; expected a window no longer than "
                f"the padded input (did you swap {x_name} and {w_name}?)"
            )
    return ConvSpec(axes, boundary)


def _shapes(func: str, input_shape: Any, kernel_shape: Any, names: tuple[str, str], axes: str) -> tuple[tuple, tuple]:
    """Both shapes as int tuples of one rank; ``names`` are arrays (``axes`` says which of their
    axes are meant) or the shape parameters themselves."""
    x_name, w_name = (n if n.endswith("shape") else f"{n}{axes}" for n in names)
    input_shape = shape_tuple(func, x_name, input_shape)
    kernel_shape = shape_tuple(func, w_name, kernel_shape)
    if len(input_shape) == len(kernel_shape):
        return input_shape, kernel_shape
    if (x_name, w_name) == ("x.shape", "w.shape"):
        raise ValueError(
            f"{func}: x.ndim={len(input_shape)} and w.ndim={len(kernel_shape)} differ "
            f"(x.shape={input_shape}, w.shape={kernel_shape}); expected arrays of the same rank"
        )
    raise ValueError(
        f"{func}: {w_name}={kernel_shape} has {len(kernel_shape)} axes but {x_name}={input_shape} has "
        f"{len(input_shape)}; expected shapes of the same rank"
    )


def _plain_spec(
    func: str,
    input_shape: Any,
    kernel_shape: Any,
    *,
    mode: Any = "valid",
    stride: Any = 1,
    dilation: Any = 1,
    boundary: str = "constant",
    ceil_mode: bool = False,
    names: tuple[str, str] = ("x", "w"),
) -> ConvSpec:
    """Normalise the NumPy/SciPy-style arguments of ``correlate``/``convolve`` to a ConvSpec.

    ``mode`` is ``"valid"``, ``"same"`` (centred: larger half of the padding before), ``"full"``,
    or explicit pads: an int, one int per axis, or one ``(before, after)`` pair per axis.
    ``names`` are the caller's parameters that hold the two shapes, for its error messages:
    the arrays ``("x", "w")``, or the shapes themselves (``("input_shape", "kernel_shape")``).

    >>> plain_spec("f", (5,), (2,), mode="same").pads
    ((1, 0),)
    >>> plain_spec("f", (3, 4), (2, 2)).output_shape
    (2, 3)
    """
    input_shape, kernel_shape = _shapes(func, input_shape, kernel_shape, names, ".shape")
    ndim = len(input_shape)
    stride = int_tuple(func, "stride", stride, ndim, minimum=1)
    dilation = int_tuple(func, "dilation", dilation, ndim, minimum=1)
    boundary = check_choice(func, "boundary", boundary, BOUNDARIES, _BOUNDARY_HINTS)
    pads = _resolve_pads(func, "mode", mode, kernel_shape, dilation, "centred")
    return _build(func, input_shape, kernel_shape, stride, dilation, pads, boundary, ceil_mode, names)


plain_spec = _memoized(_plain_spec)


def _layer_spec(
    func: str,
    spatial_shape: Any,
    kernel_shape: Any,
    *,
    padding: Any = 0,
    stride: Any = 1,
    dilation: Any = 1,
    boundary: str = "constant",
    ceil_mode: bool = False,
    names: tuple[str, str] = ("x", "w"),
) -> ConvSpec:
    """Normalise PyTorch-style ``padding``/``stride``/``dilation`` of a layer to a ConvSpec.

    ``names`` as in :func:`plain_spec` (the arrays' spatial axes, or the shapes themselves).

    ``padding`` is an int, one int per spatial axis, ``"valid"``, ``"same"`` (torch's split: the
    larger half after; stride 1 only, as in torch) or one ``(before, after)`` pair per axis.

    >>> layer_spec("f", (5,), (4,), padding="same").pads
    ((1, 2),)
    """
    spatial_shape, kernel_shape = _shapes(func, spatial_shape, kernel_shape, names, ".shape[2:]")
    ndim = len(spatial_shape)
    stride = int_tuple(func, "stride", stride, ndim, minimum=1)
    dilation = int_tuple(func, "dilation", dilation, ndim, minimum=1)
    if isinstance(padding, str) and padding.lower() == "same" and any(s != 1 for s in stride):
        raise fail(
            func,
            "padding",
            padding,
            f"is not supported with stride={stride} (as in torch)",
            "stride 1, or explicit (before, after) pads",
        )
    pads = _resolve_pads(func, "padding", padding, kernel_shape, dilation, "torch")
    return _build(func, spatial_shape, kernel_shape, stride, dilation, pads, boundary, ceil_mode, names)


layer_spec = _memoized(_layer_spec)


def transpose_spec(
    func: str,
    spatial_shape: Any,
    kernel_shape: Any,
    *,
    padding: Any = 0,
    output_padding: Any = 0,
    stride: Any = 1,
    dilation: Any = 1,
) -> ConvSpec:
    """The forward geometry of a transposed convolution (PyTorch's ``conv_transpose``).

    A transposed convolution of an input of spatial shape ``m`` is the adjoint of the
    convolution that maps shape ``n`` to ``m``.  This returns *that forward convolution's*
    ConvSpec: its ``input_shape`` is the transposed output's shape and its ``output_shape`` is
    ``m``.  Per axis (torch's formula, with ``lo = hi = padding`` for an int)::

        n = (m-1)*s + d*(k-1) + 1 - lo - hi + output_padding

    and the forward pads are ``(lo, hi - output_padding)``: output padding is padding taken off
    the end, so the forward high pad may be negative (the forward convolution never reads the
    last cells, and the transposed output holds zeros there).  With that, the forward output
    length is exactly ``m`` for every allowed ``output_padding``.

    ``padding`` is an int, one int per axis or one ``(before, after)`` pair per axis (strings are
    refused: torch has none for transposed convolutions).  ``output_padding`` must be smaller
    than the stride or the dilation on each axis, as in torch.

    >>> spec = transpose_spec("f", (3,), (2,), stride=2)
    >>> spec.input_shape, spec.output_shape, spec.pads
    ((6,), (3,), ((0, 0),))
    >>> transpose_spec("f", (4,), (3,), padding=1, output_padding=1, stride=2).axes[0]
    AxisGeometry(n=8, k=3, stride=2, dilation=1, lo=1, hi=0, ceil_mode=False)
    """
    spatial_shape, kernel_shape = _shapes(func, spatial_shape, kernel_shape, ("x", "w"), ".shape[2:]")
    ndim = len(spatial_shape)
    stride = int_tuple(func, "stride", stride, ndim, minimum=1)
    dilation = int_tuple(func, "dilation", dilation, ndim, minimum=1)
    if isinstance(padding, str):
        raise fail(
            func,
            "padding",
            padding,
            "is a string, which transposed convolutions do not take (nor does torch)",
            f"an int >= 0, {ndim} ints, or {ndim} (before, after) pairs",
            TypeError,
        )
    pads = pad_pairs(func, "padding", padding, ndim)
    given = output_padding
    output_padding = int_tuple(func, "output_padding", output_padding, ndim, minimum=0)
    for i, (p, s, d) in enumerate(zip(output_padding, stride, dilation)):
        if p >= s and p >= d:
            raise fail(
                func,
                "output_padding",
                given,
                f"has {p} on axis {i}, not smaller than stride {s} or dilation {d}",
                "output_padding < stride or output_padding < dilation on every axis (as in torch)",
            )
    axes = []
    for i, (m, k, s, d, (lo, hi), p) in enumerate(
        zip(spatial_shape, kernel_shape, stride, dilation, pads, output_padding)
    ):
        n = (m - 1) * s + d * (k - 1) + 1 - lo - hi + p
        if n < 1:
            raise fail(
                func,
                "padding",
                padding,
                f"leaves no output on axis {i}: (m-1)*s + d*(k-1) + 1 - lo - hi + output_padding = "
                f"({m}-1)*{s} + {d}*({k}-1) + 1 - {lo} - {hi} + {p} = {n}",
                "padding small enough for an output length >= 1",
            )
        axes.append(AxisGeometry(n, k, s, d, lo, hi - p))
    spec = ConvSpec(tuple(axes))
    # The defining property, kept honest: the forward convolution lands exactly on the input.
    assert spec.output_shape == spatial_shape, (spec, spatial_shape)
    return spec


def output_shape(
    input_shape: Any,
    kernel_shape: Any,
    *,
    mode: Any = None,
    padding: Any = None,
    stride: Any = 1,
    dilation: Any = 1,
    ceil_mode: bool = False,
) -> tuple[int, ...]:
    """Output shape of a correlation, convolution or pooling over the given spatial shape.

    Give ``mode`` for the plain (SciPy) convention or ``padding`` for the layer (PyTorch)
    convention; with neither, the result is "valid".  ``ceil_mode`` applies PyTorch's pooling
    rule (round up, then drop a window that would start in the right padding).

    Examples
    --------
    Figure 9.6 of the seed: a 280x320 image and a two-tap kernel give 280x319.

    >>> output_shape((280, 320), (1, 2))
    (280, 319)
    >>> output_shape((5,), (2,), mode="same"), output_shape((5,), (2,), mode="full")
    ((5,), (6,))
    >>> output_shape((7, 7), (3, 3), padding=1, stride=2)
    (4, 4)
    >>> output_shape((6,), (3,), padding=1, stride=2, ceil_mode=True)
    (4,)
    """
    func = "output_shape"
    if not isinstance(ceil_mode, bool):
        raise fail(func, "ceil_mode", ceil_mode, "is not a bool", "True or False", TypeError)
    if mode is not None and padding is not None:
        raise fail(
            func,
            "padding",
            padding,
            f"was given together with mode={mode!r}",
            "mode= (SciPy convention) or padding= (PyTorch convention), not both",
        )
    names = ("input_shape", "kernel_shape")
    if padding is not None:
        spec = layer_spec(
            func,
            input_shape,
            kernel_shape,
            padding=padding,
            stride=stride,
            dilation=dilation,
            ceil_mode=ceil_mode,
            names=names,
        )
    else:
        spec = plain_spec(
            func,
            input_shape,
            kernel_shape,
            mode="valid" if mode is None else mode,
            stride=stride,
            dilation=dilation,
            ceil_mode=ceil_mode,
            names=names,
        )
    return spec.output_shape


__all__ = [
    "AxisGeometry",
    "ConvSpec",
    "plain_spec",
    "layer_spec",
    "output_shape",
    "same_pads",
    "BOUNDARIES",
    "BOUNDARY_NAMES",
    "PARAMETER_NAMES",
    "is_int",
]


def _pool_spec(
    func: str,
    input_shape: Any,
    kernel_size: Any,
    *,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
) -> ConvSpec:
    """Normalise a pooling window (PyTorch's ``MaxPool``/``AvgPool`` conventions) to a ConvSpec.

    ``input_shape`` is the shape of the pooled axes only.  ``stride`` defaults to the window
    (``None`` means ``kernel_size``).  ``padding`` is an int, one int per axis or one
    ``(before, after)`` pair per axis, and every pad must be at most ``kernel_size // 2`` — torch's
    rule, checked against ``k`` rather than the dilated extent — so that a window never lies in
    the padding alone (except with dilation, see :mod:`refconv.pooling`).  ``ceil_mode`` is
    torch's rule (:attr:`AxisGeometry.out`); in ceil mode a window may reach up to ``stride - 1``
    cells past the padded input, as torch allows, and only an output length of zero or less is
    refused.  The boundary is ``"constant"``: what a padded cell holds (``-inf``, "ignore", zero)
    is the pooling function's business.

    >>> pool_spec("f", (4, 4), (2, 2)).output_shape
    (2, 2)
    >>> g = pool_spec("f", (6,), (3,), stride=2, padding=1, ceil_mode=True).axes[0]
    >>> g.out, g.overhang
    (4, 1)
    """
    kernel_size = shape_tuple(func, "kernel_size", kernel_size)
    input_shape = shape_tuple(func, "x.shape[axes]", input_shape)
    ndim = len(kernel_size)
    if len(input_shape) != ndim:
        raise fail(
            func,
            "kernel_size",
            kernel_size,
            f"has {ndim} entries but {len(input_shape)} axes are pooled",
            "one window length per pooled axis",
        )
    stride = kernel_size if stride is None else int_tuple(func, "stride", stride, ndim, minimum=1)
    dilation = int_tuple(func, "dilation", dilation, ndim, minimum=1)
    if isinstance(padding, str):
        raise fail(
            func,
            "padding",
            padding,
            "is a string, which pooling does not take (nor does torch)",
            f"an int >= 0, {ndim} ints, or {ndim} (before, after) pairs",
            TypeError,
        )
    pads = pad_pairs(func, "padding", padding, ndim)
    if not isinstance(ceil_mode, bool):
        raise fail(func, "ceil_mode", ceil_mode, "is not a bool", "True or False", TypeError)
    for i, (k, pair) in enumerate(zip(kernel_size, pads)):
        if max(pair) > k // 2:
            raise fail(
                func,
                "padding",
                padding,
                f"is more than half the window on axis {i}: pad {max(pair)} > k//2 = {k}//2 = {k // 2}",
                "pads <= kernel_size // 2 on each side (as torch requires)",
            )
    axes = tuple(
        AxisGeometry(n, k, s, d, lo, hi, ceil_mode)
        for n, k, s, d, (lo, hi) in zip(input_shape, kernel_size, stride, dilation, pads)
    )
    for i, g in enumerate(axes):
        if g.out < 1:
            why = (
                f"the window spans d*(k-1)+1 = {g.dilation}*({g.k}-1)+1 = {g.extent} cells but the padded input "
                f"has n+lo+hi = {g.n}+{g.lo}+{g.hi} = {g.padded}"
            )
            if ceil_mode:
                why += f" and ceil_mode allows only stride-1 = {g.stride - 1} more (output length {g.out})"
            raise fail(
                func,
                "kernel_size",
                kernel_size,
                f"does not fit x.shape[axes]={input_shape} on axis {i}: {why}",
                "a window no longer than the padded input" + (" plus stride-1" if ceil_mode else ""),
            )
    return ConvSpec(axes)


pool_spec = _memoized(_pool_spec)
