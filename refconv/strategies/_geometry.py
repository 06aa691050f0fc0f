"""Geometry strategies: the shapes and keywords of plain, layer and pooling calls, valid by construction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from hypothesis import strategies as st

from ..conventions import BOUNDARIES, same_split
from ..spec import AxisGeometry, ConvSpec, layer_spec, plain_spec
from ._caps import (
    MAX_BATCH,
    MAX_CHANNELS,
    MAX_DILATION,
    MAX_DIMS,
    MAX_GROUPS,
    MAX_KERNEL,
    MAX_PAD,
    MAX_SIDE,
    MAX_STRIDE,
    MODES,
    PADDING_MODES,
    PADDINGS,
    _bad,
    _choice,
    _counts,
    _dims,
    _subset,
)

__all__ = ["PlainSpec", "LayerSpec", "PoolSpec", "plain_specs", "layer_specs", "pooling_specs"]


class PlainSpec(NamedTuple):
    """The geometry of a plain call ``correlate(x, w, **kwargs)``: shapes and keyword arguments.

    Parameters
    ----------
    input_shape : tuple of int
        The shape of ``x``.
    kernel_shape : tuple of int
        The shape of ``w`` (same rank).
    kwargs : dict
        ``mode``, ``stride``, ``dilation`` and ``boundary``, as :func:`refconv.correlate` takes them.

    See Also
    --------
    plain_specs : draws them.
    PlainProblem : a spec with its operands.

    Examples
    --------
    >>> s = PlainSpec((5,), (2,), {"mode": "full", "stride": 2, "dilation": 1, "boundary": "constant"})
    >>> s.spec.output_shape
    (3,)
    """

    input_shape: tuple[int, ...]
    kernel_shape: tuple[int, ...]
    kwargs: dict

    @property
    def spec(self) -> ConvSpec:
        """The normal form (:func:`refconv.spec.plain_spec`)."""
        return plain_spec("plain_specs", self.input_shape, self.kernel_shape, **self.kwargs)


class LayerSpec(NamedTuple):
    """The geometry of a layer call ``conv(x, w, bias, **kwargs)`` (PyTorch's layouts).

    Parameters
    ----------
    input_shape : tuple of int
        ``(N, C_in, *spatial)``.
    weight_shape : tuple of int
        ``(C_out, C_in / groups, *kernel)``.
    kwargs : dict
        ``stride``, ``padding``, ``dilation``, ``groups`` and ``padding_mode``, as
        :func:`refconv.conv` takes them.

    See Also
    --------
    layer_specs : draws them.
    LayerProblem : a spec with its operands.

    Examples
    --------
    >>> kw = {"stride": 1, "padding": "same", "dilation": 2, "groups": 2, "padding_mode": "zeros"}
    >>> LayerSpec((1, 4, 6), (6, 2, 3), kw).output_shape
    (1, 6, 6)
    """

    input_shape: tuple[int, ...]  # (N, C_in, *spatial)
    weight_shape: tuple[int, ...]  # (C_out, C_in/groups, *kernel)
    kwargs: dict  # stride, padding, dilation, groups, padding_mode

    @property
    def spec(self) -> ConvSpec:
        """The spatial normal form (:func:`refconv.spec.layer_spec`)."""
        kw = {k: self.kwargs[k] for k in ("padding", "stride", "dilation")}
        return layer_spec("layer_specs", self.input_shape[2:], self.weight_shape[2:], **kw)

    @property
    def output_shape(self) -> tuple[int, ...]:
        """``(N, C_out, *out)``."""
        return (self.input_shape[0], self.weight_shape[0], *self.spec.output_shape)


class PoolSpec(NamedTuple):
    """The geometry of a pooling call ``max_pool(x, kernel_size, **kwargs)`` over the last axes.

    Parameters
    ----------
    input_shape : tuple of int
        ``(*leading, *spatial)``: the pooled axes last.
    kernel_size : int or tuple of int
        The window, one length per pooled axis (an int for one axis).
    kwargs : dict
        ``stride``, ``padding``, ``dilation`` (max only) and ``ceil_mode``, as the op takes them.

    See Also
    --------
    pooling_specs : draws them.
    PoolProblem : a spec with its input.

    Examples
    --------
    >>> import numpy as np, refconv
    >>> s = PoolSpec((2, 5), 2, {"stride": None, "padding": 1, "dilation": 1, "ceil_mode": False})
    >>> refconv.max_pool(np.zeros(s.input_shape), s.kernel_size, **s.kwargs).shape
    (2, 3)
    """

    input_shape: tuple[int, ...]  # (*leading, *spatial)
    kernel_size: tuple[int, ...]
    kwargs: dict  # stride, padding, dilation (max only), ceil_mode


def _axis_lengths(draw, n_max, k_max, d_max, padded_min_n=1):
    """Draw ``(n, k, d)`` whose window fits ``n`` cells: ``d*(k-1) + 1 <= n``."""
    n = draw(st.integers(padded_min_n, max(padded_min_n, n_max)))
    d = draw(st.integers(1, d_max))
    k = draw(st.integers(1, max(1, min(k_max, (n - 1) // d + 1))))
    return n, k, d


@st.composite
def _plain_specs(draw, min_dims, max_dims, max_side, max_kernel, modes, max_stride, max_dilation, max_pad, boundaries):
    ndim = draw(st.integers(min_dims, max_dims))
    form = draw(st.sampled_from(modes))
    ns, ks, ds, pads = [], [], [], []
    for _ in range(ndim):
        lo = hi = 0
        if form == "pads":
            lo, hi = draw(st.integers(0, max_pad)), draw(st.integers(0, max_pad))
        n = draw(st.integers(1, max_side))
        d = draw(st.integers(1, max_dilation))
        if form in ("same", "full"):
            k_fit = max_kernel  # these modes pad the window's full extent: every kernel fits
        else:
            k_fit = (n + lo + hi - 1) // d + 1
        k = draw(st.integers(1, max(1, min(max_kernel, k_fit))))
        ns.append(n), ks.append(k), ds.append(d), pads.append((lo, hi))
    mode: Any = form
    if form == "pads":
        # Three spellings: one int for every side, one int per axis, or (before, after) pairs.
        spelling = draw(st.sampled_from(["int", "ints", "pairs"]))
        if spelling == "int":  # the largest pad on every side: more padding never breaks the fit
            mode = max(max(pair) for pair in pads)
        elif spelling == "ints":
            mode = tuple(max(pair) for pair in pads)
        else:
            mode = tuple(pads)
    kwargs = {
        "mode": mode,
        "stride": _per_axis(draw, [draw(st.integers(1, max_stride)) for _ in range(ndim)]),
        "dilation": _per_axis(draw, ds),
        "boundary": draw(st.sampled_from(boundaries)),
    }
    return PlainSpec(tuple(ns), tuple(ks), kwargs)


def _per_axis(draw, values: list[int]) -> Any:
    """One int when every axis agrees (and Hypothesis says so), else a tuple: both forms get tested."""
    if len(set(values)) == 1 and draw(st.booleans()):
        return values[0]
    return tuple(values)


def plain_specs(
    *,
    min_dims: int = 1,
    max_dims: int = MAX_DIMS,
    max_side: int = MAX_SIDE,
    max_kernel: int = MAX_KERNEL,
    modes: Sequence[str] = MODES,
    max_stride: int = MAX_STRIDE,
    max_dilation: int = MAX_DILATION,
    max_pad: int = MAX_PAD,
    boundaries: Sequence[str] = BOUNDARIES,
) -> st.SearchStrategy[PlainSpec]:
    """Geometries of plain calls ``correlate(x, w, mode=..., stride=..., dilation=..., boundary=...)``.

    Parameters
    ----------
    min_dims, max_dims : int
        Range of the rank of ``x`` and ``w``.
    max_side, max_kernel : int
        Caps of the input and kernel lengths per axis.
    modes : sequence of {"valid", "same", "full", "pads"}
        Forms of ``mode`` to draw; ``"pads"`` draws explicit ``(before, after)`` pairs up to
        ``max_pad`` (or one int when every side agrees).
    max_stride, max_dilation, max_pad : int
        Caps of the stride, dilation and explicit pads.
    boundaries : sequence of str
        Boundary modes (``numpy.pad``'s names) to draw.

    Returns
    -------
    SearchStrategy of PlainSpec
        Valid by construction: the (dilated) kernel always fits the padded input.

    See Also
    --------
    plain_problems : the same geometries with operands.
    layer_specs : the geometries of layer calls.

    Examples
    --------
    >>> from hypothesis import Phase, find, settings
    >>> quick = settings(database=None, phases=[Phase.generate])   # any example, no shrinking
    >>> s = find(plain_specs(modes=("full",), max_stride=1), lambda s: True, settings=quick)
    >>> s.kwargs["mode"], [g.out - g.n for g in s.spec.axes] == [g.extent - 1 for g in s.spec.axes]
    ('full', True)
    """
    func = "plain_specs"
    min_dims, max_dims = _dims(func, min_dims, max_dims)
    caps = _counts(
        func,
        max_side=max_side,
        max_kernel=max_kernel,
        max_stride=max_stride,
        max_dilation=max_dilation,
        max_pad=max_pad,
    )
    modes = _subset(func, "modes", modes, MODES)
    boundaries = _subset(func, "boundaries", boundaries, BOUNDARIES)
    return _plain_specs(min_dims=min_dims, max_dims=max_dims, modes=modes, boundaries=boundaries, **caps)


@st.composite
def _layer_specs(
    draw,
    min_dims,
    max_dims,
    max_side,
    max_kernel,
    paddings,
    max_stride,
    max_dilation,
    max_pad,
    max_batch,
    max_channels,
    max_groups,
    padding_modes,
):
    ndim = draw(st.integers(min_dims, max_dims))
    groups = draw(st.integers(1, max_groups))
    c_in = groups * draw(st.integers(1, max(1, max_channels // groups)))
    c_out = groups * draw(st.integers(1, max(1, max_channels // groups)))
    batch = draw(st.integers(1, max_batch))
    form = draw(st.sampled_from(paddings))
    padding_mode = draw(st.sampled_from(padding_modes))
    # torch refuses reflect/circular pads that reach past the input: keep pads < n for them.
    copies = padding_mode in ("reflect", "circular")
    common = draw(st.integers(0, min(max_pad, max_side - 1) if copies else max_pad)) if form == "int" else None
    ns, ks, ds, pads = [], [], [], []
    for _ in range(ndim):
        d = draw(st.integers(1, max_dilation))
        if form == "same":
            n = draw(st.integers(1, max_side))
            # torch's "same" puts ceil(d*(k-1)/2) after; keep it < n for reflect/circular.
            k_fit = (2 * n - 2) // d + 1 if copies else max_kernel
            k = draw(st.integers(1, max(1, min(max_kernel, k_fit))))
            lo, hi = same_split(AxisGeometry(n, k, dilation=d).extent, "torch")
        else:
            if form == "valid":
                lo = hi = 0
            elif form == "int":
                lo = hi = common
            elif form == "tuple":
                lo = hi = draw(st.integers(0, min(max_pad, max_side - 1) if copies else max_pad))
            else:
                top = min(max_pad, max_side - 1) if copies else max_pad
                lo, hi = draw(st.integers(0, top)), draw(st.integers(0, top))
            n = draw(st.integers(max(lo, hi) + 1 if copies else 1, max(max_side, max(lo, hi) + 1)))
            k = draw(st.integers(1, max(1, min(max_kernel, (n + lo + hi - 1) // d + 1))))
        ns.append(n), ks.append(k), ds.append(d), pads.append((lo, hi))
    if form == "same":
        padding, stride = "same", _per_axis(draw, [1] * ndim)
    else:
        stride = _per_axis(draw, [draw(st.integers(1, max_stride)) for _ in range(ndim)])
        padding = {
            "valid": "valid",
            "int": common,
            "tuple": tuple(lo for lo, _ in pads),
            "pairs": tuple(pads),
        }[form]
    kwargs = {
        "stride": stride,
        "padding": padding,
        "dilation": _per_axis(draw, ds),
        "groups": groups,
        "padding_mode": padding_mode,
    }
    return LayerSpec((batch, c_in, *ns), (c_out, c_in // groups, *ks), kwargs)


def layer_specs(
    *,
    min_dims: int = 1,
    max_dims: int = 2,
    max_side: int = MAX_SIDE,
    max_kernel: int = MAX_KERNEL,
    paddings: Sequence[str] = PADDINGS,
    max_stride: int = MAX_STRIDE,
    max_dilation: int = MAX_DILATION,
    max_pad: int = MAX_PAD,
    max_batch: int = MAX_BATCH,
    max_channels: int = MAX_CHANNELS,
    max_groups: int = MAX_GROUPS,
    padding_modes: Sequence[str] = PADDING_MODES,
) -> st.SearchStrategy[LayerSpec]:
    """Geometries of layer calls ``conv(x, w, bias, stride=, padding=, dilation=, groups=, padding_mode=)``.

    Everything drawn is also accepted by PyTorch: ``groups`` divides both channel counts (drawn
    first, channels as multiples), ``padding="same"`` comes with stride 1, and with
    ``padding_mode`` ``"reflect"`` or ``"circular"`` every pad is smaller than the input length.
    Explicit ``"pairs"`` are refconv's (and ONNX's) extension; leave them out of ``paddings`` to
    call torch.

    Parameters
    ----------
    min_dims, max_dims : int
        Range of the spatial rank.
    max_side, max_kernel, max_stride, max_dilation, max_pad : int
        Caps per spatial axis.
    paddings : sequence of {"int", "tuple", "valid", "same", "pairs"}
        Forms of ``padding`` to draw.
    max_batch, max_channels, max_groups : int
        Caps of ``N``, of ``C_in`` and ``C_out``, and of ``groups``.
    padding_modes : sequence of {"zeros", "reflect", "replicate", "circular"}
        torch's padding modes to draw.

    Returns
    -------
    SearchStrategy of LayerSpec
        Valid by construction for refconv and (without ``"pairs"``) for PyTorch.

    See Also
    --------
    layer_problems : the same geometries with operands.
    plain_specs : the geometries of plain calls.

    Examples
    --------
    >>> from hypothesis import Phase, find, settings
    >>> s = find(layer_specs(), lambda s: True, settings=settings(database=None, phases=[Phase.generate]))
    >>> g = s.kwargs["groups"]
    >>> s.input_shape[1] % g, s.weight_shape[0] % g, s.weight_shape[1] * g == s.input_shape[1]
    (0, 0, True)
    """
    func = "layer_specs"
    min_dims, max_dims = _dims(func, min_dims, max_dims)
    caps = _counts(
        func,
        max_side=max_side,
        max_kernel=max_kernel,
        max_stride=max_stride,
        max_dilation=max_dilation,
        max_pad=max_pad,
        max_batch=max_batch,
        max_channels=max_channels,
        max_groups=max_groups,
    )
    if caps["max_groups"] > caps["max_channels"]:
        raise _bad(
            func, "max_groups", max_groups, f"exceeds max_channels={caps['max_channels']}", "max_groups <= max_channels"
        )
    paddings = _subset(func, "paddings", paddings, PADDINGS)
    padding_modes = _subset(func, "padding_modes", padding_modes, PADDING_MODES)
    return _layer_specs(min_dims=min_dims, max_dims=max_dims, paddings=paddings, padding_modes=padding_modes, **caps)


#: Pooling operations and the keywords :func:`pooling_specs` draws for each (DESIGN.md's signatures).
_POOL_KEYWORDS = {
    "max": ("stride", "padding", "dilation", "ceil_mode"),
    "avg": ("stride", "padding", "ceil_mode"),
    "lp": ("stride", "ceil_mode"),
}


@st.composite
def _pooling_specs(draw, op, min_dims, max_dims, max_side, max_kernel, max_stride, max_dilation, max_leading):
    ndim = draw(st.integers(min_dims, max_dims))
    keys = _POOL_KEYWORDS[op]
    lead = tuple(draw(st.lists(st.integers(1, 3), max_size=max_leading)))
    ns, ks, ds, ps = [], [], [], []
    for _ in range(ndim):
        n, k, d = _axis_lengths(draw, max_side, max_kernel, max_dilation if "dilation" in keys else 1)
        # torch's rule: a pool pads at most half its kernel.
        p = draw(st.integers(0, k // 2)) if "padding" in keys else 0
        ns.append(n), ks.append(k), ds.append(d), ps.append(p)
    stride_values = [draw(st.integers(1, max_stride)) for _ in range(ndim)]
    kwargs = {
        "stride": None if draw(st.booleans()) else _per_axis(draw, stride_values),
        "padding": _per_axis(draw, ps),
        "dilation": _per_axis(draw, ds),
        "ceil_mode": draw(st.booleans()),
    }
    # One int for the kernel means one pooled axis, so a several-axis kernel is always a tuple.
    kernel_size = _per_axis(draw, ks) if ndim == 1 else tuple(ks)
    return PoolSpec(lead + tuple(ns), kernel_size, {k: kwargs[k] for k in keys})


def pooling_specs(
    *,
    op: str = "max",
    min_dims: int = 1,
    max_dims: int = 2,
    max_side: int = MAX_SIDE,
    max_kernel: int = MAX_KERNEL,
    max_stride: int = MAX_STRIDE,
    max_dilation: int = MAX_DILATION,
    max_leading: int = 2,
) -> st.SearchStrategy[PoolSpec]:
    """Geometries of pooling calls ``max_pool(x, kernel_size, stride=, padding=, dilation=, ceil_mode=)``.

    ``x`` has ``0..max_leading`` leading axes (batch, channels) before the pooled ones.  Pads are
    at most half the kernel (torch's rule); ``stride=None`` (the kernel size) is drawn too.

    Parameters
    ----------
    op : {"max", "avg", "lp"}
        Which keywords to draw: ``max`` has all four; ``avg`` has no dilation; ``lp`` neither
        padding nor dilation (as in torch).
    min_dims, max_dims, max_side, max_kernel, max_stride, max_dilation : int
        Rank range and caps per pooled axis.
    max_leading : int
        Most leading (unpooled) axes.

    Returns
    -------
    SearchStrategy of PoolSpec
        Valid by construction: every window fits the padded input.

    See Also
    --------
    pooling_problems : the same geometries with an input.

    Examples
    --------
    >>> from hypothesis import Phase, find, settings
    >>> quick = settings(database=None, phases=[Phase.generate])
    >>> sorted(find(pooling_specs(op="avg"), lambda s: True, settings=quick).kwargs)
    ['ceil_mode', 'padding', 'stride']
    """
    func = "pooling_specs"
    op = _choice(func, "op", op, tuple(_POOL_KEYWORDS))
    min_dims, max_dims = _dims(func, min_dims, max_dims)
    return _pooling_specs(
        op=op,
        min_dims=min_dims,
        max_dims=max_dims,
        **_counts(
            func,
            max_side=max_side,
            max_kernel=max_kernel,
            max_stride=max_stride,
            max_dilation=max_dilation,
            max_leading=max_leading,
        ),
    )
