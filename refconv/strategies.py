"""Public Hypothesis strategies: convolution and pooling problems that are valid by construction.

Use them to test *your* implementation against refconv or against a property of
:mod:`refconv.properties`::

    from hypothesis import given
    from refconv import strategies as rst

    @given(rst.plain_problems(kind="int"))
    def test_mine(problem):
        assert (problem.call(my_correlate) == problem.call(refconv.correlate)).all()

Every strategy takes keyword-only arguments, validated when the strategy is built (a bad one raises
:class:`hypothesis.errors.InvalidArgument` naming it, as :mod:`hypothesis.extra.numpy` does), and
builds its examples by construction: a kernel is drawn so that it fits the padded input, groups are
drawn first and channels as multiples of them, "same" padding of a layer only with stride 1, so no
example is filtered away.

Strategies
----------
:func:`plain_specs`, :func:`layer_specs`, :func:`pooling_specs`
    Geometry only: shapes and keyword arguments (:class:`PlainSpec`, :class:`LayerSpec`,
    :class:`PoolSpec`).
:func:`arrays`
    Operands of one *kind*: ``"int"`` (any NumPy integer dtype), ``"fraction"`` (object arrays of
    :class:`fractions.Fraction`), ``"symbolic"`` (object arrays of distinct SymPy symbols, as in
    figure 9.1) or ``"float"`` (optionally integer-valued, which keeps float results exact).
:func:`plain_problems`, :func:`layer_problems`, :func:`pooling_problems`
    A spec and operands together (:class:`PlainProblem`, :class:`LayerProblem`,
    :class:`PoolProblem`); ``problem.call(f)`` calls ``f`` with them.

Size caps
---------
The defaults below cap every generated size.  Each is read once, at import, from the environment
variable of the same name prefixed with ``REFCONV_`` (for example ``REFCONV_MAX_SIDE=12``);
arguments of the strategies override them per call.

=====================  =======  ============================================================
constant               default  caps
=====================  =======  ============================================================
``MAX_DIMS``           3        spatial rank
``MAX_SIDE``           7        input length per spatial axis
``MAX_KERNEL``         4        kernel length per axis
``MAX_STRIDE``         3        stride per axis
``MAX_DILATION``       3        dilation per axis
``MAX_PAD``            3        explicit pad per side
``MAX_BATCH``          2        batch size ``N`` of layer problems
``MAX_CHANNELS``       4        channels ``C_in``, ``C_out`` of layer problems
``MAX_GROUPS``         2        ``groups`` of layer problems
``MAX_VALUE``          20       absolute value of generated numbers (ints, numerators)
``MAX_DENOMINATOR``    12       denominators of generated fractions
``SYMBOLIC_MAX_SIDE``  3        ``MAX_SIDE`` for ``kind="symbolic"`` (SymPy arithmetic is slow)
``SYMBOLIC_MAX_DIMS``  2        ``MAX_DIMS`` for ``kind="symbolic"``
=====================  =======  ============================================================
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.extra import numpy as hnp

from ._validation import fail, is_int
from .spec import BOUNDARIES, AxisGeometry, ConvSpec, layer_spec, plain_spec, same_pads

__all__ = [
    "MAX_DIMS",
    "MAX_SIDE",
    "MAX_KERNEL",
    "MAX_STRIDE",
    "MAX_DILATION",
    "MAX_PAD",
    "MAX_BATCH",
    "MAX_CHANNELS",
    "MAX_GROUPS",
    "MAX_VALUE",
    "MAX_DENOMINATOR",
    "SYMBOLIC_MAX_SIDE",
    "SYMBOLIC_MAX_DIMS",
    "MODES",
    "PADDINGS",
    "PADDING_MODES",
    "KINDS",
    "PlainSpec",
    "LayerSpec",
    "PoolSpec",
    "PlainProblem",
    "LayerProblem",
    "PoolProblem",
    "plain_specs",
    "layer_specs",
    "pooling_specs",
    "arrays",
    "plain_problems",
    "layer_problems",
    "pooling_problems",
]


def _env_int(name: str, default: int) -> int:
    text = os.environ.get("REFCONV_" + name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < 1:
        raise fail("refconv.strategies", "REFCONV_" + name, text, "is not a positive integer", "an int >= 1")
    return value


MAX_DIMS = _env_int("MAX_DIMS", 3)
MAX_SIDE = _env_int("MAX_SIDE", 7)
MAX_KERNEL = _env_int("MAX_KERNEL", 4)
MAX_STRIDE = _env_int("MAX_STRIDE", 3)
MAX_DILATION = _env_int("MAX_DILATION", 3)
MAX_PAD = _env_int("MAX_PAD", 3)
MAX_BATCH = _env_int("MAX_BATCH", 2)
MAX_CHANNELS = _env_int("MAX_CHANNELS", 4)
MAX_GROUPS = _env_int("MAX_GROUPS", 2)
MAX_VALUE = _env_int("MAX_VALUE", 20)
MAX_DENOMINATOR = _env_int("MAX_DENOMINATOR", 12)
SYMBOLIC_MAX_SIDE = _env_int("SYMBOLIC_MAX_SIDE", 3)
SYMBOLIC_MAX_DIMS = _env_int("SYMBOLIC_MAX_DIMS", 2)

#: Forms of ``mode`` for plain problems: the three names and ``"pads"`` (explicit ``(before, after)``
#: pairs per axis, or one int for every side).
MODES = ("valid", "same", "full", "pads")
#: Forms of ``padding`` for layer problems: one ``int``, a ``tuple`` of ints (one per axis), ``"valid"``,
#: ``"same"`` (drawn with stride 1 only, as torch requires) and explicit ``"pairs"``.
PADDINGS = ("int", "tuple", "valid", "same", "pairs")
#: torch's padding modes, as :func:`refconv.conv` takes them.
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
#: Kinds of operands: exact ones (``int``, ``fraction``, ``symbolic``) and ``float``.
KINDS = ("int", "fraction", "symbolic", "float")


# --- argument validation, eager, with refconv's message shape ----------------------------------


def _bad(func: str, name: str, value: Any, problem: str, expected: str) -> InvalidArgument:
    return fail(func, name, value, problem, expected, InvalidArgument)


def _count(func: str, name: str, value: Any, minimum: int) -> int:
    if not is_int(value):
        raise _bad(func, name, value, "is not an integer", f"an int >= {minimum}")
    if value < minimum:
        raise _bad(func, name, value, f"is < {minimum}", f"an int >= {minimum}")
    return int(value)


def _dims(func: str, min_dims: Any, max_dims: Any) -> tuple[int, int]:
    lo = _count(func, "min_dims", min_dims, 1)
    hi = _count(func, "max_dims", max_dims, 1)
    if lo > hi:
        raise _bad(func, "min_dims", min_dims, f"is larger than max_dims={hi}", "min_dims <= max_dims")
    return lo, hi


def _subset(func: str, name: str, value: Any, allowed: Sequence[str]) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise _bad(func, name, value, "is not a sequence of names", f"a non-empty tuple drawn from {allowed!r}")
    value = tuple(value)
    if not value:
        raise _bad(func, name, value, "is empty", f"a non-empty tuple drawn from {allowed!r}")
    for item in value:
        if item not in allowed:
            raise _bad(func, name, value, f"holds {item!r}, which is not recognised", f"names from {allowed!r}")
    return value


def _choice(func: str, name: str, value: Any, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise _bad(func, name, value, "is not recognised", f"one of {allowed!r}")
    return value


# --- geometry -----------------------------------------------------------------------------------


class PlainSpec(NamedTuple):
    """The geometry of a plain call ``correlate(x, w, **kwargs)``: shapes and keyword arguments."""

    input_shape: tuple[int, ...]
    kernel_shape: tuple[int, ...]
    kwargs: dict

    @property
    def spec(self) -> ConvSpec:
        """The normal form (:func:`refconv.spec.plain_spec`)."""
        return plain_spec("plain_specs", self.input_shape, self.kernel_shape, **self.kwargs)


class LayerSpec(NamedTuple):
    """The geometry of a layer call ``conv(x, w, bias, **kwargs)`` (PyTorch's layouts)."""

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
    """The geometry of a pooling call ``max_pool(x, kernel_size, **kwargs)`` over the last axes."""

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
    caps = {
        "max_side": _count(func, "max_side", max_side, 1),
        "max_kernel": _count(func, "max_kernel", max_kernel, 1),
        "max_stride": _count(func, "max_stride", max_stride, 1),
        "max_dilation": _count(func, "max_dilation", max_dilation, 1),
        "max_pad": _count(func, "max_pad", max_pad, 0),
    }
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
            lo, hi = same_pads(AxisGeometry(n, k, dilation=d).extent, "torch")
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
    caps = {
        "max_side": _count(func, "max_side", max_side, 1),
        "max_kernel": _count(func, "max_kernel", max_kernel, 1),
        "max_stride": _count(func, "max_stride", max_stride, 1),
        "max_dilation": _count(func, "max_dilation", max_dilation, 1),
        "max_pad": _count(func, "max_pad", max_pad, 0),
        "max_batch": _count(func, "max_batch", max_batch, 1),
        "max_channels": _count(func, "max_channels", max_channels, 1),
        "max_groups": _count(func, "max_groups", max_groups, 1),
    }
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
        max_side=_count(func, "max_side", max_side, 1),
        max_kernel=_count(func, "max_kernel", max_kernel, 1),
        max_stride=_count(func, "max_stride", max_stride, 1),
        max_dilation=_count(func, "max_dilation", max_dilation, 1),
        max_leading=_count(func, "max_leading", max_leading, 0),
    )


# --- operands -------------------------------------------------------------------------------------


def _symbol_array(shape: tuple[int, ...], prefix: str) -> np.ndarray:
    import sympy

    out = np.empty(shape, dtype=object)
    for index in np.ndindex(*shape):
        out[index] = sympy.Symbol(prefix + "_".join(map(str, index)) if index else prefix)
    return out


def arrays(
    shape: Any,
    *,
    kind: str = "int",
    dtype: Any = None,
    max_value: int = MAX_VALUE,
    max_denominator: int = MAX_DENOMINATOR,
    integer_valued: bool = False,
    prefix: str = "x",
) -> st.SearchStrategy[np.ndarray]:
    """Arrays of one kind of number, for exact or float checks.

    Parameters
    ----------
    shape : tuple of int, or a strategy of them
    kind : {"int", "fraction", "symbolic", "float"}
        ``"int"``: a NumPy integer array (``dtype``, default ``int64``), values in
        ``[-max_value, max_value]`` clipped to the dtype's range.  ``"fraction"``: an object array
        of :class:`fractions.Fraction`.  ``"symbolic"``: an object array of distinct SymPy symbols
        named ``prefix`` + index (``x0_1``), the generic operand of figure 9.1 (nothing is drawn
        but the shape).  ``"float"``: a float array (``dtype``, default ``float64``), no NaN or
        infinity.
    max_value, max_denominator : int
        Bounds of the numbers drawn.
    integer_valued : bool
        For ``kind="float"``: draw integers stored as floats.  Products and sums of small integers
        are exact in floating point, so a float implementation can then be held to exact answers.
    prefix : str
        Symbol name prefix for ``kind="symbolic"``.

    Examples
    --------
    >>> from hypothesis import Phase, find, settings
    >>> quick = settings(database=None, phases=[Phase.generate])
    >>> find(arrays((2, 2), kind="symbolic", prefix="w"), lambda a: True, settings=quick)
    array([[w0_0, w0_1],
           [w1_0, w1_1]], dtype=object)
    >>> a = find(arrays(3, kind="float", integer_valued=True), lambda a: True, settings=quick)
    >>> a.dtype, bool((a == a.round()).all())
    (dtype('float64'), True)
    """
    func = "arrays"
    kind = _choice(func, "kind", kind, KINDS)
    max_value = _count(func, "max_value", max_value, 0)
    max_denominator = _count(func, "max_denominator", max_denominator, 1)
    if not isinstance(integer_valued, bool):
        raise _bad(func, "integer_valued", integer_valued, "is not a bool", "True or False")
    if not isinstance(prefix, str) or not prefix.isidentifier():
        raise _bad(func, "prefix", prefix, "is not an identifier", "a symbol name such as 'x'")
    if isinstance(shape, st.SearchStrategy):
        shapes = shape
    else:
        if is_int(shape):
            shape = (shape,)
        if not isinstance(shape, Sequence) or not all(is_int(v) and v >= 0 for v in shape):
            raise _bad(func, "shape", shape, "is not a shape", "a tuple of ints >= 0, or a strategy of them")
        shapes = st.just(tuple(int(v) for v in shape))
    if kind == "symbolic":
        return shapes.map(lambda s: _symbol_array(s, prefix))
    if kind == "fraction":
        if dtype is not None:
            raise _bad(func, "dtype", dtype, "was given with kind='fraction'", "dtype=None (object arrays)")
        elements = st.fractions(-max_value, max_value, max_denominator=max_denominator)
        return shapes.flatmap(lambda s: hnp.arrays(object, s, elements=elements))
    if kind == "int":
        dt = np.dtype(np.int64 if dtype is None else dtype)
        if dt.kind not in "iu":
            raise _bad(func, "dtype", dtype, "is not an integer dtype", "an integer dtype such as 'int8' or 'uint16'")
        info = np.iinfo(dt)
        elements = st.integers(max(int(info.min), -max_value), min(int(info.max), max_value))
        return shapes.flatmap(lambda s: hnp.arrays(dt, s, elements=elements))
    dt = np.dtype(np.float64 if dtype is None else dtype)
    if dt.kind != "f":
        raise _bad(func, "dtype", dtype, "is not a float dtype", "'float16', 'float32' or 'float64'")
    if integer_valued:
        elements = st.integers(-max_value, max_value).map(float)
    else:
        elements = st.floats(-max_value, max_value, width=8 * dt.itemsize, allow_nan=False, allow_infinity=False)
    return shapes.flatmap(lambda s: hnp.arrays(dt, s, elements=elements))


# --- problems -------------------------------------------------------------------------------------


class PlainProblem(NamedTuple):
    """Operands and keywords of a plain call; ``problem.call(f)`` is ``f(x, w, **kwargs)``."""

    x: np.ndarray
    w: np.ndarray
    kwargs: dict

    def call(self, f: Callable) -> Any:
        """``f(x, w, **kwargs)``."""
        return f(self.x, self.w, **self.kwargs)

    @property
    def spec(self) -> ConvSpec:
        return plain_spec("plain_problems", self.x.shape, self.w.shape, **self.kwargs)


class LayerProblem(NamedTuple):
    """Operands and keywords of a layer call; ``problem.call(f)`` is ``f(x, w, bias, **kwargs)``."""

    x: np.ndarray
    w: np.ndarray
    bias: np.ndarray | None
    kwargs: dict

    def call(self, f: Callable) -> Any:
        """``f(x, w, bias, **kwargs)``."""
        return f(self.x, self.w, self.bias, **self.kwargs)

    @property
    def spec(self) -> ConvSpec:
        kw = {k: self.kwargs[k] for k in ("padding", "stride", "dilation")}
        return layer_spec("layer_problems", self.x.shape[2:], self.w.shape[2:], **kw)


class PoolProblem(NamedTuple):
    """Operands and keywords of a pooling call; ``problem.call(f)`` is ``f(x, kernel_size, **kwargs)``."""

    x: np.ndarray
    kernel_size: Any
    kwargs: dict

    def call(self, f: Callable) -> Any:
        """``f(x, kernel_size, **kwargs)``."""
        return f(self.x, self.kernel_size, **self.kwargs)


def _with_options(func: str, build: Callable, spec_options: dict, **fixed: Any) -> st.SearchStrategy:
    """``build(**fixed, **spec_options)``, naming ``spec_options`` when it holds an unknown keyword."""
    unknown = sorted(set(spec_options) - set(build.__kwdefaults__))
    if unknown:
        raise _bad(func, unknown[0], spec_options[unknown[0]], "is not a keyword", f"keywords of {build.__name__}")
    return build(**fixed, **spec_options)


def _problem_caps(kind, max_dims, max_side, default_dims):
    if kind == "symbolic":
        return (
            min(default_dims, SYMBOLIC_MAX_DIMS) if max_dims is None else max_dims,
            SYMBOLIC_MAX_SIDE if max_side is None else max_side,
        )
    return (default_dims if max_dims is None else max_dims, MAX_SIDE if max_side is None else max_side)


def _operand_options(func: str, kind: Any, dtype: Any, integer_valued: Any) -> tuple[str, dict]:
    kind = _choice(func, "kind", kind, KINDS)
    options = {"kind": kind, "dtype": dtype}
    if kind == "float":
        options["integer_valued"] = integer_valued
    elif integer_valued:
        raise _bad(func, "integer_valued", integer_valued, f"was given with kind={kind!r}", "kind='float'")
    # Validate the operand options now, not at the first draw.
    arrays((1,), **options)
    return kind, options


def plain_problems(
    *,
    kind: str = "int",
    dtype: Any = None,
    integer_valued: bool = False,
    max_dims: int | None = None,
    max_side: int | None = None,
    **spec_options: Any,
) -> st.SearchStrategy[PlainProblem]:
    """Plain problems ``(x, w, kwargs)`` for ``correlate``-like functions.

    Parameters
    ----------
    kind, dtype, integer_valued
        The operands, as in :func:`arrays` (``x`` and ``w`` share the kind and dtype; symbolic
        operands are named ``x...`` and ``w...``).
    max_dims, max_side : int, optional
        Caps; the defaults are ``MAX_DIMS``/``MAX_SIDE``, or ``SYMBOLIC_MAX_*`` for symbols.
    **spec_options
        Any keyword of :func:`plain_specs`.

    Examples
    --------
    >>> import refconv
    >>> from hypothesis import Phase, find, settings
    >>> quick = settings(database=None, phases=[Phase.generate])
    >>> p = find(plain_problems(min_dims=2, max_dims=2, modes=("same",)), lambda p: True, settings=quick)
    >>> p.x.ndim, p.kwargs["mode"], p.call(refconv.correlate).shape == p.spec.output_shape
    (2, 'same', True)
    """
    func = "plain_problems"
    kind, options = _operand_options(func, kind, dtype, integer_valued)
    max_dims, max_side = _problem_caps(kind, max_dims, max_side, MAX_DIMS)
    specs = _with_options(func, plain_specs, spec_options, max_dims=max_dims, max_side=max_side)
    return specs.flatmap(
        lambda s: st.builds(
            PlainProblem,
            arrays(s.input_shape, prefix="x", **options),
            arrays(s.kernel_shape, prefix="w", **options),
            st.just(s.kwargs),
        )
    )


def layer_problems(
    *,
    kind: str = "int",
    dtype: Any = None,
    integer_valued: bool = False,
    bias: bool | None = None,
    max_dims: int | None = None,
    max_side: int | None = None,
    **spec_options: Any,
) -> st.SearchStrategy[LayerProblem]:
    """Layer problems ``(x, w, bias, kwargs)`` for ``conv``-like functions (PyTorch's layouts).

    Parameters
    ----------
    kind, dtype, integer_valued
        The operands, as in :func:`arrays`.
    bias : bool, optional
        ``True``: always a bias, ``False``: never (``None`` is passed), ``None``: either.
    max_dims, max_side : int, optional
        Caps (default 2 spatial axes; ``SYMBOLIC_MAX_*`` for symbols).
    **spec_options
        Any keyword of :func:`layer_specs`.

    Examples
    --------
    >>> import refconv
    >>> from hypothesis import Phase, find, settings
    >>> quick = settings(database=None, phases=[Phase.generate])
    >>> p = find(layer_problems(bias=True), lambda p: True, settings=quick)
    >>> p.call(refconv.conv).shape[:2] == (p.x.shape[0], p.w.shape[0]) == (p.x.shape[0], p.bias.shape[0])
    True
    """
    func = "layer_problems"
    kind, options = _operand_options(func, kind, dtype, integer_valued)
    if bias is not None and not isinstance(bias, bool):
        raise _bad(func, "bias", bias, "is not a bool or None", "True, False or None")
    max_dims, max_side = _problem_caps(kind, max_dims, max_side, 2)
    specs = _with_options(func, layer_specs, spec_options, max_dims=max_dims, max_side=max_side)
    with_bias = st.booleans() if bias is None else st.just(bias)

    def build(s: LayerSpec):
        b = with_bias.flatmap(lambda on: arrays((s.weight_shape[0],), prefix="b", **options) if on else st.none())
        return st.builds(
            LayerProblem,
            arrays(s.input_shape, prefix="x", **options),
            arrays(s.weight_shape, prefix="w", **options),
            b,
            st.just(s.kwargs),
        )

    return specs.flatmap(build)


def pooling_problems(
    *,
    op: str = "max",
    kind: str = "int",
    dtype: Any = None,
    integer_valued: bool = False,
    **spec_options: Any,
) -> st.SearchStrategy[PoolProblem]:
    """Pooling problems ``(x, kernel_size, kwargs)`` for ``max_pool``-like functions.

    Parameters
    ----------
    op : {"max", "avg", "lp"}
        Which keywords to draw (see :func:`pooling_specs`).
    kind, dtype, integer_valued
        The input, as in :func:`arrays`; ``"symbolic"`` is refused (a maximum of symbols has no
        value).
    **spec_options
        Any other keyword of :func:`pooling_specs`.

    Examples
    --------
    >>> from hypothesis import Phase, find, settings
    >>> p = find(pooling_problems(op="lp"), lambda p: True, settings=settings(database=None, phases=[Phase.generate]))
    >>> sorted(p.kwargs)
    ['ceil_mode', 'stride']
    """
    func = "pooling_problems"
    kind, options = _operand_options(func, kind, dtype, integer_valued)
    if kind == "symbolic":
        raise _bad(func, "kind", kind, "has no order (a maximum of symbols is undefined)", "'int', 'fraction', 'float'")
    specs = _with_options(func, pooling_specs, spec_options, op=op)
    return specs.flatmap(
        lambda s: st.builds(PoolProblem, arrays(s.input_shape, **options), st.just(s.kernel_size), st.just(s.kwargs))
    )
