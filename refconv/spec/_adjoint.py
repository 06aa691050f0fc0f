"""The adjoint geometry: a transposed convolution's forward spec, and a forward spec's adjoint."""

from __future__ import annotations

import functools
import itertools
import math
from typing import Any, NamedTuple

from .._validation import fail, int_tuple, pad_pairs
from ._builders import shapes
from ._geometry import AxisGeometry, ConvSpec

__all__ = ["AdjointPhase", "AdjointSpec", "adjoint_phases", "adjoint_spec", "transpose_spec"]


def _output_padding(func: str, output_padding: Any, stride: tuple, dilation: tuple) -> tuple[int, ...]:
    """``output_padding`` per axis, each smaller than the stride or the dilation (torch's rule)."""
    checked = int_tuple(func, "output_padding", output_padding, len(stride), minimum=0)
    for i, (p, s, d) in enumerate(zip(checked, stride, dilation)):
        if p >= s and p >= d:
            raise fail(
                func,
                "output_padding",
                output_padding,
                f"has {p} on axis {i}, not smaller than stride {s} or dilation {d}",
                "output_padding < stride or output_padding < dilation on every axis (as in torch)",
            )
    return checked


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

    Parameters
    ----------
    func : str
        The public function being called; every refusal names it.
    spatial_shape : tuple of int
        The transposed convolution's input spatial shape ``m``.
    kernel_shape : tuple of int
        The kernel's spatial shape.
    padding : int, tuple of int, or pairs
        An int, one int per axis or one ``(before, after)`` pair per axis (strings are refused:
        torch has none for transposed convolutions).
    output_padding : int or tuple of int
        Must be smaller than the stride or the dilation on each axis, as in torch.
    stride : int or tuple of int
        The forward convolution's stride.
    dilation : int or tuple of int
        The forward convolution's dilation.

    Returns
    -------
    ConvSpec
        The forward convolution's geometry.

    See Also
    --------
    adjoint_spec : the other way: a forward spec's transposed-convolution arguments.
    refconv.conv_transpose : the transposed convolution this describes.

    Examples
    --------
    >>> spec = transpose_spec("f", (3,), (2,), stride=2)
    >>> spec.input_shape, spec.output_shape, spec.pads
    ((6,), (3,), ((0, 0),))
    >>> transpose_spec("f", (4,), (3,), padding=1, output_padding=1, stride=2).axes[0]
    AxisGeometry(n=8, k=3, stride=2, dilation=1, lo=1, hi=0, ceil_mode=False)
    """
    spatial_shape, kernel_shape = shapes(func, spatial_shape, kernel_shape, ("x", "w"), ".shape[2:]")
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
    output_padding = _output_padding(func, output_padding, stride, dilation)
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


class AdjointSpec(NamedTuple):
    """The adjoint of a forward convolution, as :func:`adjoint_spec` gives it.

    Parameters
    ----------
    padding : tuple of (int, int)
        ``conv_transpose``'s ``padding``: the forward pads ``(lo, hi)`` per axis, a negative ``hi``
        raised to 0 (its cells are output padding).
    output_padding : tuple of int
        ``conv_transpose``'s ``output_padding``: what makes its output shape the forward
        input shape (``(n + lo + hi - d*(k-1) - 1) mod s`` for non-negative pads).
    pads : tuple of (int, int)
        The pads of the adjoint run as a stride-1 correlation with the flipped kernel over the
        stride-dilated input: ``(d*(k-1) - lo, d*(k-1) - hi)`` with the forward ``hi`` (a negative
        pad crops).  This is ``lax.conv_general_dilated``'s ``padding`` with
        ``lhs_dilation=stride``.

    See Also
    --------
    adjoint_spec : builds it.
    transpose_spec : conv_transpose's arguments to the forward spec.

    Examples
    --------
    >>> from refconv.spec import layer_spec
    >>> adjoint_spec(layer_spec("f", (7,), (3,), padding=1, stride=2))
    AdjointSpec(padding=((1, 1),), output_padding=(0,), pads=((1, 1),))
    """

    padding: tuple[tuple[int, int], ...]
    output_padding: tuple[int, ...]
    pads: tuple[tuple[int, int], ...]


def adjoint_spec(spec: ConvSpec) -> AdjointSpec:
    """The transposed convolution that is the adjoint of the forward convolution ``spec``.

    ``conv_transpose(y, w, padding=a.padding, output_padding=a.output_padding,
    stride=spec.stride, dilation=spec.dilation)`` with ``a = adjoint_spec(spec)`` returns the
    forward input's shape ``spec.input_shape``, and ``<conv(x), y> == <x, conv_transpose(y)>``.
    Per axis, with the forward ``(n, k, s, d, lo, hi)`` and output length ``out``, the cells
    ``r = n + lo + hi - d*(k-1) - 1 - (out-1)*s`` the forward windows never reach come back as
    output padding; a negative ``hi`` (:func:`transpose_spec`'s forward geometry) is output padding
    too.

    Parameters
    ----------
    spec : ConvSpec
        The forward geometry (``ceil_mode`` off), from :func:`layer_spec` or :func:`transpose_spec`.

    Returns
    -------
    AdjointSpec
        ``conv_transpose``'s ``padding`` and ``output_padding``, and the pads of the adjoint as a
        correlation over the stride-dilated input.

    See Also
    --------
    transpose_spec : the inverse direction; ``transpose_spec`` of these arguments has the same
        output shape as ``spec`` and the same input shape.
    refconv.conv_transpose : the adjoint layer.

    Examples
    --------
    A length-9 input, kernel 2, stride 3: the windows start at 0, 3 and 6, cell 8 is never read.

    >>> from refconv.spec import layer_spec
    >>> fwd = layer_spec("f", (9,), (2,), stride=3)
    >>> a = adjoint_spec(fwd)
    >>> fwd.output_shape, a
    ((3,), AdjointSpec(padding=((0, 0),), output_padding=(1,), pads=((1, 1),)))
    >>> kw = dict(padding=a.padding, output_padding=a.output_padding, stride=3)
    >>> transpose_spec("f", fwd.output_shape, (2,), **kw).input_shape == fwd.input_shape
    True
    >>> import numpy as np, refconv
    >>> y = np.array([[[1, 2, 3]]])
    >>> refconv.conv_transpose(y, np.array([[[1, 10]]]), stride=3, output_padding=a.output_padding)
    array([[[ 1, 10,  0,  2, 20,  0,  3, 30,  0]]])
    """
    padding, output_padding, pads = [], [], []
    for g in spec.axes:
        reach = g.dilation * (g.k - 1)
        unread = g.padded - g.extent - (g.out - 1) * g.stride
        padding.append((g.lo, max(g.hi, 0)))
        output_padding.append(unread + max(-g.hi, 0))
        pads.append((reach - g.lo, reach - g.hi))
    return AdjointSpec(tuple(padding), tuple(output_padding), tuple(pads))


class AdjointPhase(NamedTuple):
    """One stride phase of a forward convolution's adjoint, as :func:`adjoint_phases` gives it.

    Parameters
    ----------
    spec : ConvSpec
        A stride-1 correlation over the forward *output* (constant boundary) whose outputs are
        this phase's cells of the adjoint.
    taps : tuple of tuple of int
        Per axis, the forward kernel taps of the phase, in the phase kernel's order (reversed).
    cells : tuple of slice
        Per axis, where the phase's outputs sit in the adjoint's output (the forward input).

    See Also
    --------
    adjoint_phases : builds them.
    adjoint_spec : the adjoint as one correlation over the stride-dilated output.

    Examples
    --------
    Kernel 2, stride 2, no overlap: each phase is one tap, over every other input cell.

    >>> from refconv.spec import layer_spec
    >>> first, second = adjoint_phases(layer_spec("f", (4,), (2,), stride=2))
    >>> first.taps, first.cells, second.taps, second.cells
    (((0,),), (slice(0, 3, 2),), ((1,),), (slice(1, 4, 2),))
    >>> first.spec.output_shape
    (2,)
    """

    spec: ConvSpec
    taps: tuple[tuple[int, ...], ...]
    cells: tuple[slice, ...]


@functools.lru_cache(maxsize=256)
def adjoint_phases(spec: ConvSpec) -> tuple[AdjointPhase, ...]:
    """The adjoint of the forward convolution ``spec`` as stride-1 correlations, one per phase.

    The adjoint sends ``y[o] * w[t]`` to input cell ``i = o*s + t*d - lo`` (per axis, the
    forward geometry).  Input cells of one phase ``(i + lo) mod s = p``, ``i + lo = s*q + p``,
    receive exactly the taps with ``t*d mod s = p``, from ``o = q - c_t``, ``c_t = (t*d - p)/s``:
    a correlation over ``y`` with those taps reversed, at dilation ``d / gcd(s, d)``, padded with
    zeros where ``o`` leaves ``0 .. out-1``.  No product with a stride-dilation zero is formed
    (the same products as col2im), and each phase is a plain stride-1 correlation.  Phases with
    no tap, no cell, or no cell that meets an output (every window reads padding there) are left
    out: their cells are zero.

    Parameters
    ----------
    spec : ConvSpec
        The forward geometry (``ceil_mode`` off, constant boundary).

    Returns
    -------
    tuple of AdjointPhase
        The phases with taps and cells, in row-major phase order (cached per spec).

    See Also
    --------
    adjoint_spec : the same adjoint as one correlation over the stride-dilated output.
    refconv.conv_transpose : the layer whose direct method runs these phases.

    Examples
    --------
    Kernel 3, stride 2: even cells take taps 2 and 0 (phase kernel ``[w2, w0]``), odd cells tap 1.

    >>> from refconv.spec import layer_spec
    >>> for phase in adjoint_phases(layer_spec("f", (5,), (3,), stride=2)):
    ...     print(phase.taps, phase.cells, phase.spec.axes[0])
    ((2, 0),) (slice(0, 5, 2),) AxisGeometry(n=2, k=2, stride=1, dilation=1, lo=1, hi=1, ceil_mode=False)
    ((1,),) (slice(1, 4, 2),) AxisGeometry(n=2, k=1, stride=1, dilation=1, lo=0, hi=0, ceil_mode=False)

    Cross-checked against the definition on one input: ``y = [1, 10]``, ``w = [1, 2, 3]``.

    >>> y, w, x = [1, 10], [1, 2, 3], [0] * 5
    >>> for o in range(2):
    ...     for t in range(3):
    ...         x[2 * o + t] += y[o] * w[t]
    >>> x
    [1, 2, 13, 20, 30]
    """
    per_axis = []
    for g in spec.axes:
        options = []
        for p in range(g.stride):
            taps = [t for t in range(g.k) if (t * g.dilation) % g.stride == p]
            q0, q1 = -(-(g.lo - p) // g.stride), (g.lo + g.n - 1 - p) // g.stride
            # Cell q takes y[q - c_t] through tap t, c_t = (t*d - p)/s: a phase none of whose cells
            # meets an output (every window reads padding there) forms only products with zeros.
            if q1 < q0 or not any(q0 - g.out < (t * g.dilation - p) // g.stride <= q1 for t in taps):
                continue
            cmax = (taps[-1] * g.dilation - p) // g.stride
            step = g.dilation // math.gcd(g.stride, g.dilation)
            lo = cmax - q0
            hi = (q1 - q0 + 1) + (len(taps) - 1) * step - lo - g.out
            cells = slice(g.stride * q0 + p - g.lo, g.stride * q1 + p - g.lo + 1, g.stride)
            options.append((AxisGeometry(g.out, len(taps), 1, step, lo, hi), tuple(reversed(taps)), cells))
        per_axis.append(options)
    return tuple(
        AdjointPhase(ConvSpec(tuple(a[0] for a in combo)), tuple(a[1] for a in combo), tuple(a[2] for a in combo))
        for combo in itertools.product(*per_axis)
    )
