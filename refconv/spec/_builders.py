"""User-facing argument forms to a :class:`~refconv.spec.ConvSpec`: plain, layer and pooling calls."""

from __future__ import annotations

from typing import Any

from .._validation import fail, int_tuple, is_int, pad_pairs, shape_tuple
from ..conventions import check_mode, refconv_boundary, same_split
from ._geometry import AxisGeometry, ConvSpec, memoized

__all__ = ["plain_spec", "layer_spec", "pool_spec", "output_shape", "shapes"]


def _resolve_pads(func, name, value, kernel_shape, dilation, same_rule):
    ndim = len(kernel_shape)
    if isinstance(value, str):
        choice = check_mode(func, name, value)
        extents = [d * (k - 1) + 1 for k, d in zip(kernel_shape, dilation)]
        if choice == "valid":
            return ((0, 0),) * ndim
        if choice == "full":
            return tuple((e - 1, e - 1) for e in extents)
        return tuple(same_split(e, same_rule) for e in extents)
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


def shapes(func: str, input_shape: Any, kernel_shape: Any, names: tuple[str, str], axes: str) -> tuple[tuple, tuple]:
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

    Specs are cached on simple (hashable) arguments; ``plain_spec.cache_clear()`` empties the cache.

    Parameters
    ----------
    func : str
        The public function being called; every refusal names it.
    input_shape : tuple of int
        Shape of the input (every axis is spatial).
    kernel_shape : tuple of int
        Shape of the kernel, of the same rank.
    mode : {"valid", "same", "full"}, int, tuple of int, or pairs
        ``"same"`` is centred (the larger half of ``d*(k-1)`` before, as ``scipy.signal``);
        explicit pads are an int, one int per axis, or one ``(before, after)`` pair per axis.
    stride : int or tuple of int
        Per axis, ``>= 1``.
    dilation : int or tuple of int
        Per axis, ``>= 1``.
    boundary : str
        What a padded cell holds (:data:`refconv.conventions.BOUNDARIES`).
    ceil_mode : bool
        PyTorch's pooling rule for the output length (:class:`AxisGeometry`).
    names : tuple of (str, str)
        The caller's parameters that hold the two shapes, for its messages: the arrays
        ``("x", "w")``, or the shapes themselves (``("input_shape", "kernel_shape")``).

    Returns
    -------
    ConvSpec
        The normal form.

    See Also
    --------
    layer_spec : the same for PyTorch-style layer arguments.
    refconv.output_shape : the output shape, from either convention.

    Examples
    --------
    >>> plain_spec("f", (5,), (2,), mode="same").pads
    ((1, 0),)
    >>> plain_spec("f", (3, 4), (2, 2)).output_shape
    (2, 3)
    >>> plain_spec("f", (9,), (3,), mode="full", dilation=2).pads     # d*(k-1) = 4 on each side
    ((4, 4),)
    """
    input_shape, kernel_shape = shapes(func, input_shape, kernel_shape, names, ".shape")
    ndim = len(input_shape)
    stride = int_tuple(func, "stride", stride, ndim, minimum=1)
    dilation = int_tuple(func, "dilation", dilation, ndim, minimum=1)
    boundary = refconv_boundary(func, boundary)
    pads = _resolve_pads(func, "mode", mode, kernel_shape, dilation, "centred")
    return _build(func, input_shape, kernel_shape, stride, dilation, pads, boundary, ceil_mode, names)


# Not a decorator: mutation testing (mutmut) skips decorated functions.
plain_spec = memoized(_plain_spec)


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

    A whole layer call (operands, channels, groups, ``padding_mode``) is normalised by
    :class:`refconv.spec.LayerCall`, which calls this for the geometry.

    Parameters
    ----------
    func : str
        The public function being called; every refusal names it.
    spatial_shape : tuple of int
        The input's spatial shape (``x.shape[2:]``).
    kernel_shape : tuple of int
        The kernel's spatial shape (``w.shape[2:]``).
    padding : int, tuple of int, "valid", "same", "full" or pairs
        An int, one int per spatial axis, ``"valid"``, ``"same"`` (torch's split: the larger half
        after; stride 1 only, as in torch), ``"full"``, or one ``(before, after)`` pair per axis.
    stride : int or tuple of int
        Per axis, ``>= 1``.
    dilation : int or tuple of int
        Per axis, ``>= 1``.
    boundary : str
        What a padded cell holds, refconv's name (already resolved from torch's
        ``padding_mode`` by :class:`refconv.spec.LayerCall`).
    ceil_mode : bool
        PyTorch's pooling rule for the output length.
    names : tuple of (str, str)
        As in :func:`plain_spec` (the arrays' spatial axes, or the shapes themselves).

    Returns
    -------
    ConvSpec
        The normal form.

    See Also
    --------
    plain_spec : the same for SciPy-style arguments (centred "same").
    refconv.spec.LayerCall : a whole layer call normalised.

    Examples
    --------
    >>> layer_spec("f", (5,), (4,), padding="same").pads
    ((1, 2),)
    >>> plain_spec("f", (5,), (4,), mode="same").pads            # the centred split
    ((2, 1),)
    >>> layer_spec("f", (7, 7), (3, 3), padding=1, stride=2).output_shape
    (4, 4)
    """
    spatial_shape, kernel_shape = shapes(func, spatial_shape, kernel_shape, names, ".shape[2:]")
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


# Not a decorator: mutation testing (mutmut) skips decorated functions.
layer_spec = memoized(_layer_spec)


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

    Parameters
    ----------
    input_shape : tuple of int
        The spatial shape of the input.
    kernel_shape : tuple of int
        The kernel's (or pooling window's) shape, of the same rank.
    mode : {"valid", "same", "full"}, int, tuple or pairs, optional
        The plain (SciPy) convention, as :func:`refconv.correlate` takes it.
    padding : int, tuple, "valid", "same", "full" or pairs, optional
        The layer (PyTorch) convention, as :func:`refconv.conv` takes it; not with ``mode``.
        With neither, the result is "valid".
    stride : int or tuple of int
        Per axis, ``>= 1``.
    dilation : int or tuple of int
        Per axis, ``>= 1``.
    ceil_mode : bool
        PyTorch's pooling rule: round up, then drop a window that would start in the right padding.

    Returns
    -------
    tuple of int
        ``(n + lo + hi - d*(k-1) - 1) // s + 1`` per axis (rounded up with ``ceil_mode``).

    See Also
    --------
    refconv.spec.plain_spec : the whole normal form, SciPy convention.
    refconv.spec.layer_spec : the whole normal form, PyTorch convention.
    refconv.conv_cost : the arithmetic cost of the same problem.

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

    It is the shape the layer function returns:

    >>> import numpy as np, refconv
    >>> refconv.conv(np.ones((1, 1, 7, 7), int), np.ones((1, 1, 3, 3), int), padding=1, stride=2).shape[2:]
    (4, 4)
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
    common = dict(stride=stride, dilation=dilation, ceil_mode=ceil_mode, names=names)
    if padding is not None:
        spec = layer_spec(func, input_shape, kernel_shape, padding=padding, **common)
    else:
        spec = plain_spec(func, input_shape, kernel_shape, mode="valid" if mode is None else mode, **common)
    return spec.output_shape


#: The pad rules of :func:`pool_spec`: torch's (every pad at most ``k // 2``) and ONNX's (any pads
#: with which every window holds an input cell).
POOL_PAD_RULES = ("torch", "onnx")


def _torch_single(value: Any, ndim: int) -> Any:
    """torch's one-entry form for every pooled axis: ``(1,)`` for a 2-D pool is ``1`` (its
    ``_pair``/``_triple`` expand a 1-sequence); a 1-D pool's ``(1,)`` is already one per axis."""
    if ndim > 1 and isinstance(value, (tuple, list)) and len(value) == 1 and is_int(value[0]):
        return value[0]
    return value


def _pool_pads(func: str, padding: Any, kernel_size: tuple[int, ...], ceil_mode: Any, pad_rule: Any):
    """Pooling's pads: no strings, and under torch's rule at most ``k // 2`` on each side; a bool
    ``ceil_mode`` (checked between the two, the order of the refusals pooling has always had)."""
    ndim = len(kernel_size)
    if isinstance(padding, str):
        raise fail(
            func,
            "padding",
            padding,
            "is a string, which pooling does not take (nor does torch)",
            f"an int >= 0, {ndim} ints, or {ndim} (before, after) pairs",
            TypeError,
        )
    pads = pad_pairs(func, "padding", _torch_single(padding, ndim), ndim)
    if not isinstance(ceil_mode, bool):
        raise fail(func, "ceil_mode", ceil_mode, "is not a bool", "True or False", TypeError)
    if not isinstance(pad_rule, str):
        raise fail(func, "pad_rule", pad_rule, "is not a string", f"one of {POOL_PAD_RULES}", TypeError)
    if pad_rule not in POOL_PAD_RULES:
        raise fail(func, "pad_rule", pad_rule, "is not a pad rule", f"one of {POOL_PAD_RULES}")
    for i, (k, pair) in enumerate(zip(kernel_size, pads)):
        if pad_rule == "torch" and 2 * max(pair) > k:  # pad > k // 2, in integers
            raise fail(
                func,
                "padding",
                padding,
                f"is more than half the window on axis {i}: pad {max(pair)} > k//2 = {k}//2 = {k // 2}",
                "pads <= kernel_size // 2 on each side (as torch requires)",
            )
    return pads


def _first_in_residues(a: int, b: int, m: int, low: int, high: int) -> int | None:
    """The smallest ``x >= 0`` with ``low <= (a*x + b) mod m <= high``, or None if there is none
    (``0 <= low`` and ``high < m``, or ``low > high``: the empty interval).

    Euclid's descent on ``(a, m)``: O(log m) steps, exact for any Python ints.  Shifted by ``b``,
    the target of ``a*x mod m`` is one interval (``x = 0`` answers a shift into the interval).
    With no wrap-around (``y = 0`` below) the answer is the first multiple of ``a`` past the
    interval's start; otherwise ``a*x - m*y`` lands in ``[low, high]`` for the least ``y`` with
    ``m*y mod a`` in ``[-high mod a, -low mod a]`` — the same problem for ``(m mod a, a)``.

    Examples
    --------
    >>> _first_in_residues(3, 0, 7, 5, 5)   # 3x mod 7 over x = 0, 1, 2, ...: 0, 3, 6, 2, 5
    4
    >>> _first_in_residues(2, 1, 6, 2, 2) is None   # 2x + 1 is odd
    True
    """
    if low > high:  # an empty interval (d <= n above: no step over the input)
        return None
    a, b = a % m, b % m
    if low <= b <= high:
        return 0
    low, high = (low - b) % m, (high - b) % m  # one interval: it does not hold 0, as b is not in it
    return _first_multiple_in(a, m, low, high)


def _first_multiple_in(a: int, m: int, low: int, high: int) -> int | None:
    """The smallest ``x >= 0`` with ``low <= a*x mod m <= high``, for ``0 < low <= high < m``."""
    if a == 0:
        return None
    x = -(-low // a)
    if a * x <= high:  # a multiple of a in [low, high] itself
        return x
    y = _first_multiple_in(m % a, a, -high % a, -low % a)  # 0 < -high % a <= -low % a: no multiple between
    return None if y is None else -(-(low + m * y) // a)


def _first_empty_window(g: AxisGeometry) -> int | None:
    """The first output of ``g`` whose window holds padding (or ceil overhang) only, or None.

    A window starting at ``a = o*s - lo`` is empty when all its taps lie left of the input (then
    output 0's do too: a prefix), when it starts past the input's end (``a >= n``: a suffix), or
    when its first tap at or after cell 0 steps over the input: ``a mod d >= n``, which only
    ``d > n`` allows, and whose first output solves a linear congruence
    (:func:`_first_in_residues`) — exactly, for any lengths.  A congruence solution with
    ``a >= 0`` has ``a >= n``, so it is never before the suffix.
    """
    if (g.k - 1) * g.dilation < g.lo:  # output 0's last tap is left of the input
        return 0
    right = -(-(g.n + g.lo) // g.stride)  # the first window starting past the input's end
    over = _first_in_residues(g.stride, -g.lo, g.dilation, g.n, g.dilation - 1)
    first = right if over is None else min(over, right)
    return first if first < g.out else None


def _pool_spec(
    func: str,
    input_shape: Any,
    kernel_size: Any,
    *,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    pad_rule: str = "torch",
) -> ConvSpec:
    """Normalise a pooling window (PyTorch's ``MaxPool``/``AvgPool`` conventions) to a ConvSpec.

    ``input_shape`` is the shape of the pooled axes only.  ``stride`` defaults to the window
    (``None`` or an empty sequence — torch's ``stride=()`` — mean ``kernel_size``).  ``padding``
    is an int, one int per axis or one ``(before, after)`` pair per axis; ``stride``, ``padding`` and
    ``dilation`` also take torch's one-entry form ``(v,)`` for every axis.  ``pad_rule="torch"``
    (the default) requires every pad to be at most ``kernel_size // 2`` — checked against ``k``
    rather than the dilated extent, as torch does — so that a window lies in the padding alone
    only with dilation (see :mod:`refconv.pooling`); ``pad_rule="onnx"`` allows any pads with which
    every window holds at least one input cell (ONNX's ``pads``), and refuses the first window that
    holds none.  ``ceil_mode`` is torch's rule (:attr:`AxisGeometry.out`); in ceil mode a window
    may reach up to ``stride - 1`` cells past the padded input, as torch allows, and only an output
    length of zero or less is refused.  The boundary is ``"constant"``: what a padded cell holds
    (``-inf``, "ignore", zero) is the pooling function's business.

    >>> pool_spec("f", (4, 4), (2, 2)).output_shape
    (2, 2)
    >>> g = pool_spec("f", (6,), (3,), stride=2, padding=1, ceil_mode=True).axes[0]
    >>> g.out, g.overhang
    (4, 1)
    >>> pool_spec("f", (3, 3), (2, 2), stride=(), padding=(1,)).pads         # torch's forms
    ((1, 1), (1, 1))
    >>> pool_spec("f", (2,), (3,), stride=1, padding=(2, 1), pad_rule="onnx").output_shape
    (3,)
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
    if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0):
        stride = kernel_size
    else:
        stride = int_tuple(func, "stride", _torch_single(stride, ndim), ndim, minimum=1)
    dilation = int_tuple(func, "dilation", _torch_single(dilation, ndim), ndim, minimum=1)
    pads = _pool_pads(func, padding, kernel_size, ceil_mode, pad_rule)
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
    if pad_rule == "onnx":
        _refuse_empty_windows(func, padding, axes)
    return ConvSpec(axes)


def _refuse_empty_windows(func: str, padding: Any, axes: tuple[AxisGeometry, ...]) -> None:
    """ONNX's rule: refuse pads that leave a window holding no input cell (along some axis)."""
    for i, g in enumerate(axes):
        o = _first_empty_window(g)
        if o is not None:
            raise fail(
                func,
                "padding",
                padding,
                f"leaves output {o} on axis {i} without an input cell: its taps o*s+t*d-lo = "
                f"{o}*{g.stride}+t*{g.dilation}-{g.lo} (t < {g.k}) miss the input [0, {g.n})",
                'pads with which every window holds an input cell (pad_rule="onnx")',
            )


pool_spec = memoized(_pool_spec)
