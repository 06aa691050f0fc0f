"""JAX with refconv's signatures: ``lax.conv_general_dilated`` and ``lax.reduce_window``.

What the adapter knows:

- ``conv_general_dilated``'s default layouts are refconv's (``NC*``, ``OI*``); ``groups`` is
  ``feature_group_count``; it has no bias (added after, as ``flax.linen.Conv`` does) and no
  padding modes (only zeros).  Padding is explicit ``(lo, hi)`` pairs or a name: the adapter uses
  ``"VALID"``, ``"SAME"`` (TF's rule: the larger half after, depending on the stride --
  :data:`refconv.conventions.SAME_PRESETS` ``"jax"``) or ``"SAME_LOWER"`` (``"jax_lower"``)
  whenever the pads are those, so JAX's own rule is what runs.
- ``conv_transpose`` is a convolution of the input dilated by the stride (``lhs_dilation``), with
  the kernel flipped and its channel axes swapped per group, padded by ``d*(k-1) - lo`` before and
  ``d*(k-1) - hi + output_padding`` after (negative pads crop, as JAX allows) -- the
  ``transpose_kernel=True`` form of ``lax.conv_transpose``, with groups.
- Pools are ``reduce_window`` (max with ``-inf`` padding; add, then divide by the tap count, as
  ``flax.linen.avg_pool`` does); JAX has no ``ceil_mode``, so the adapter pads the last window's
  overhang explicitly (``AxisGeometry.overhang``), where it holds the init value and is not
  counted.
- float64 needs ``jax_enable_x64``: each call runs under ``jax.enable_x64(True)``.
- ``device=`` (any entry of :func:`devices`: ``"cpu"``, ``"gpu:0"``, ``"tpu:1"``, or a
  ``jax.Device``; or bind one with ``conv.on("gpu")``) runs the call under
  ``jax.default_device``, so the operands are put there, and brings the result back as NumPy; the
  :class:`~refconv.adapters.PeerCall` records the device and :func:`math_flags`
  (``jax_default_matmul_precision``, which decides whether float32 convolutions on a GPU may use
  TF32).  A device JAX lacks is refused with the list of :func:`devices`.

Examples
--------
>>> conv.translate(np.ones((1, 1, 5)), np.ones((1, 1, 2)), stride=2, padding=((0, 1),))
jax.lax.conv_general_dilated(x, w, window_strides=(2,), padding='SAME', rhs_dilation=(1,), feature_group_count=1)
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .._validation import fail
from ..conventions import same_pads
from ..spec import adjoint_spec
from ..strategies._peer_spaces import layer_space
from ..strategies._spaces import Options
from . import Finding, PeerCall, _availability, adapter, no_subnormals
from ._registry import Devices, recorded
from ._translate import _conv_operands, _pool_operand, _problems, _require_dtype, _transpose_operands

_DTYPES = ("float16", "float32", "float64")

#: XLA's CPU backend runs with denormals-are-zero and flush-to-zero.
SUBNORMALS = Finding(
    "xla-cpu-flushes-subnormals",
    "XLA on CPU treats subnormal inputs and results as zero: conv_general_dilated([1.0], [2**-1040]) is 0",
    "jax-ml/jax#16200 (working as intended), jax-ml/jax#26658, openxla/xla#22858",
    no_subnormals,
)


available = _availability("jax")


def _jax():
    import jax

    return jax


#: The platforms :func:`devices` asks JAX for (``jax.devices(platform)``), besides its default one.
PLATFORMS = ("cpu", "gpu", "tpu")


def _platform(jax, platform: str) -> list:
    try:
        return list(jax.devices(platform))
    except RuntimeError:  # JAX raises this for a platform it has no backend for
        return []


@functools.cache
def _table(jax) -> dict:
    """name -> ``jax.Device``, each device once, under the first platform that lists it (JAX's
    backends are fixed once initialised, so this is read once)."""
    table: dict = {}
    for p in dict.fromkeys((*PLATFORMS, jax.default_backend())):
        for i, d in enumerate(_platform(jax, p)):
            if d not in table.values():
                table[f"{p}:{i}"] = d
    return table


def devices() -> list[str]:
    """The devices JAX can compute on here, named ``"<platform>:<index>"`` as ``device=`` takes them.

    Returns
    -------
    list of str
        Every device of every platform of :data:`PLATFORMS` (and JAX's default platform), in
        ``jax.devices(platform)`` order.

    See Also
    --------
    math_flags : the flags recorded with a call on a device.
    conv : takes ``device=`` (as every adapter here does).

    Examples
    --------
    >>> not available() or "cpu:0" in devices()
    True
    """
    return list(_table(_jax()))


def math_flags() -> dict:
    """JAX's math flags in force now: the default precision of float32 convolutions and matmuls.

    Returns
    -------
    dict
        ``{"jax_default_matmul_precision": value}`` (None: XLA's default, which may be TF32 on
        a GPU), and ``jax_enable_x64``, which every call here turns on.

    See Also
    --------
    devices : the devices a call can run on.

    Examples
    --------
    >>> not available() or "jax_default_matmul_precision" in math_flags()
    True
    """
    config = _jax().config
    return {"jax_default_matmul_precision": config.jax_default_matmul_precision, "jax_enable_x64": True}


def _resolve(func: str, device: Any) -> str:
    """``device``'s name in :func:`devices`, or a ValueError naming ``device`` and listing them."""
    jax = _jax()
    table = _table(jax)
    expected = f"one of {', '.join(map(repr, table))} (the devices JAX has here)"
    if isinstance(device, str):
        platform, _, index = device.partition(":")
        if not platform or (index and not index.isdigit()):
            raise fail(func, "device", device, "is not '<platform>' or '<platform>:<index>'", expected)
        found, i = _platform(jax, platform), int(index or 0)
        device_object = found[i] if i < len(found) else None
    elif isinstance(device, jax.Device):
        device_object = device
    else:
        raise fail(func, "device", device, "is not a device name or a jax.Device", expected, TypeError)
    names = [name for name, d in table.items() if d == device_object]
    if not names:
        raise fail(func, "device", device, "is not available here", expected)
    return names[0]


DEVICES = Devices(_resolve, math_flags)


def _device(name: str, device: Any) -> str | None:
    return None if device is None else _resolve(name, device)


def _run(f, device: str | None = None):
    """Run ``f(jax)`` with 64-bit types enabled (else float64 operands are silently float32), on
    ``device`` (a name from :func:`devices`; None: JAX's default), and bring the result to NumPy."""
    jax = _jax()
    if device is None:
        with jax.enable_x64(True):
            return np.asarray(f(jax))
    with jax.enable_x64(True), jax.default_device(_table(jax)[device]):
        return np.asarray(f(jax))


def _padding(spec) -> Any:
    """JAX's name for ``spec``'s pads when it has one (so its own rule runs), else the pairs."""
    if all(pair == (0, 0) for pair in spec.pads):
        return "VALID"
    geometry = {"stride": spec.stride, "dilation": spec.dilation}
    for name, preset in (("SAME", "jax"), ("SAME_LOWER", "jax_lower")):
        if spec.pads == same_pads(preset, spec.input_shape, spec.kernel_shape, **geometry):
            return name
    return spec.pads


def _conv_problems(opt: Options):
    return layer_space(opt, (1, 2, 3), presets=("jax", "jax_lower"), padding_modes=("zeros",))


def _add_bias(jax, y, b):
    return y if b is None else y + jax.numpy.asarray(b).reshape((1, -1) + (1,) * (y.ndim - 2))


@adapter(
    "conv",
    "jax",
    _conv_problems,
    dtypes=_DTYPES,
    conventions="NC*/OI*; 'SAME' = TF rule; zeros only",
    findings=(SUBNORMALS,),
    devices=DEVICES,
)
def conv(
    x: Any,
    w: Any,
    bias: Any = None,
    *,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
    device: Any = None,
) -> PeerCall:
    """``jax.lax.conv_general_dilated`` (plus the bias), as :func:`refconv.conv`.

    Examples
    --------
    >>> conv.translate(np.ones((1, 2, 6, 6)), np.ones((2, 1, 3, 3)), padding=((0, 1), (2, 0)), groups=2)
    jax.lax.conv_general_dilated(x, w, window_strides=(1, 1), padding=((0, 1), (2, 0)), rhs_dilation=(1, 1),
                                 feature_group_count=2)
    """
    geometry = {"padding": padding, "stride": stride, "dilation": dilation}
    zeros = {"padding_mode": padding_mode, "pads_with": "lax", "batched": "lax"}
    x, w, spec = _conv_operands("jax.conv", x, w, _DTYPES, geometry, **zeros)
    on = _device("jax.conv", device)
    keywords = {
        "window_strides": spec.stride,
        "padding": _padding(spec),
        "rhs_dilation": spec.dilation,
        "feature_group_count": int(groups),
    }
    b = None if bias is None else np.asarray(bias)

    def run():
        return _run(lambda jax: _add_bias(jax, jax.lax.conv_general_dilated(x, w, **keywords), b), on)

    return recorded(PeerCall("jax.lax.conv_general_dilated", ("x", "w"), keywords, run), DEVICES, on)


@adapter(
    "conv_transpose",
    "jax",
    _problems("conv_transpose", any_peer=True),
    dtypes=_DTYPES,
    conventions="lhs_dilation; kernel flipped",
    findings=(SUBNORMALS,),
    devices=DEVICES,
)
def conv_transpose(
    x: Any,
    w: Any,
    bias: Any = None,
    *,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
    device: Any = None,
) -> PeerCall:
    """``jax.lax.conv_general_dilated`` with ``lhs_dilation``, as :func:`refconv.conv_transpose`.

    Examples
    --------
    >>> conv_transpose.translate(np.ones((1, 1, 3)), np.ones((1, 1, 2)), stride=2)
    jax.lax.conv_general_dilated(x, flipped w, window_strides=(1,), padding=((1, 1),), lhs_dilation=(2,),
                                 rhs_dilation=(1,), feature_group_count=1)
    """
    kw = {"padding": padding, "output_padding": output_padding, "stride": stride, "dilation": dilation}
    x, w, forward = _transpose_operands("jax.conv_transpose", x, w, _DTYPES, kw, batched="lax")
    on = _device("jax.conv_transpose", device)
    rank = forward.ndim
    # lax pads the dilated input by the adjoint's pads (the window's reach minus the forward pads).
    pads = adjoint_spec(forward).pads
    g = int(groups)
    c_in, c_out_g = w.shape[0], w.shape[1]
    # (C_in, C_out/g, *k) -> (C_out, C_in/g, *k), per group, and every spatial axis reversed.
    swapped = (
        w.reshape((g, c_in // g, c_out_g) + w.shape[2:]).swapaxes(1, 2).reshape((g * c_out_g, c_in // g) + w.shape[2:])
    )
    flipped = np.ascontiguousarray(swapped[(slice(None), slice(None)) + (slice(None, None, -1),) * rank])
    keywords = {
        "window_strides": (1,) * rank,
        "padding": pads,
        "lhs_dilation": forward.stride,
        "rhs_dilation": forward.dilation,
        "feature_group_count": g,
    }
    b = None if bias is None else np.asarray(bias)

    def run():
        return _run(lambda jax: _add_bias(jax, jax.lax.conv_general_dilated(x, flipped, **keywords), b), on)

    call = PeerCall("jax.lax.conv_general_dilated", ("x", "flipped w"), keywords, run)
    return recorded(call, DEVICES, on)


def _pool_geometry(name: str, x: Any, kernel_size: Any, axes: Any, **geometry: Any):
    x, spec = _pool_operand(name, x, kernel_size, axes, _DTYPES, geometry)
    lead = (1,) * (x.ndim - spec.ndim)
    window = {
        "window_dimensions": lead + spec.kernel_shape,
        "window_strides": lead + spec.stride,
        # ceil_mode's last window reaches `overhang` cells past the padded input: pad them too.
        "padding": ((0, 0),) * len(lead) + tuple((g.lo, g.hi + g.overhang) for g in spec.axes),
        "window_dilation": lead + spec.dilation,
    }
    return x, spec, lead, window


@adapter(
    "max_pool",
    "jax",
    _problems("max_pool", any_peer=True),
    dtypes=_DTYPES,
    conventions="reduce_window(max, -inf)",
    findings=(SUBNORMALS,),
    devices=DEVICES,
)
def max_pool(
    x: Any,
    kernel_size: Any,
    *,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    axes: Any = None,
    device: Any = None,
) -> PeerCall:
    """``jax.lax.reduce_window(x, -inf, lax.max, ...)``, as :func:`refconv.max_pool`.

    Examples
    --------
    >>> max_pool.translate(np.ones((2, 6)), 3, stride=2, padding=1, ceil_mode=True)
    jax.lax.reduce_window(x, -inf, jax.lax.max, window_dimensions=(1, 3), window_strides=(1, 2),
                          padding=((0, 0), (1, 2)), window_dilation=(1, 1))
    """
    name = "jax.max_pool"
    geometry = {"stride": stride, "padding": padding, "dilation": dilation, "ceil_mode": ceil_mode}
    x, spec, lead, window = _pool_geometry(name, x, kernel_size, axes, **geometry)
    init = np.array(-np.inf, dtype=x.dtype)
    on = _device(name, device)

    def run():
        return _run(lambda jax: jax.lax.reduce_window(x, init, jax.lax.max, **window), on)

    return recorded(PeerCall("jax.lax.reduce_window", ("x", "-inf", "jax.lax.max"), window, run), DEVICES, on)


@adapter(
    "avg_pool",
    "jax",
    _problems("avg_pool", any_peer=True),
    dtypes=_DTYPES,
    conventions="reduce_window(add) / reduce_window(add) of ones (flax's avg_pool)",
    findings=(SUBNORMALS,),
    devices=DEVICES,
)
def avg_pool(
    x: Any,
    kernel_size: Any,
    *,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
    axes: Any = None,
    device: Any = None,
) -> PeerCall:
    """``jax.lax.reduce_window(x, 0, lax.add, ...)`` over the tap count, as :func:`refconv.avg_pool`.

    The count is ``reduce_window`` of ones: padded with ones (``count_include_pad``) or zeros, and
    zeros in the ceil-mode overhang (PyTorch's divisor, which refconv's is).

    Examples
    --------
    >>> avg_pool.translate(np.ones(6), 3, stride=2, padding=1, ceil_mode=True)
    jax.lax.reduce_window(x, 0, jax.lax.add, window_dimensions=(3,), window_strides=(2,), padding=((1, 2),),
                          window_dilation=(1,))
    """
    name = "jax.avg_pool"
    geometry = {"stride": stride, "padding": padding, "ceil_mode": ceil_mode}
    x, spec, lead, window = _pool_geometry(name, x, kernel_size, axes, **geometry)
    zero = np.array(0, dtype=x.dtype)
    on = _device(name, device)

    def run():
        def f(jax):
            total = jax.lax.reduce_window(x, zero, jax.lax.add, **window)
            if divisor_override is not None:
                return total / np.array(divisor_override, dtype=x.dtype)
            ones = np.ones(spec.input_shape, dtype=x.dtype)
            if count_include_pad:  # padded cells count, the overhang does not
                ones = np.pad(ones, spec.pads, constant_values=1)
                pads = tuple((0, g.overhang) for g in spec.axes)
            else:
                pads = tuple((g.lo, g.hi + g.overhang) for g in spec.axes)
            count_window = {key: value[len(lead) :] for key, value in window.items() if key != "padding"}
            count = jax.lax.reduce_window(ones, zero, jax.lax.add, padding=pads, **count_window)
            return total / count

        return _run(f, on)

    return recorded(PeerCall("jax.lax.reduce_window", ("x", "0", "jax.lax.add"), window, run), DEVICES, on)


# ---- the general form: refconv.conv_general_dilated, argument for argument ----------------------

_SPATIAL = "HWD"


def _layout(draw, letters: tuple[str, ...]) -> str:
    import hypothesis.strategies as st

    return "".join(draw(st.permutations(letters)))


def general_calls(dtype: Any, ranks: tuple[int, ...] = (1, 2), side: int = 4):
    """Hypothesis strategy of ``(args, kwargs)`` for :func:`refconv.conv_general_dilated` that JAX
    takes too: layouts, input and kernel dilation, signed pads, strings, either group count."""
    import hypothesis.strategies as st

    from ..strategies._spaces import _values

    @st.composite
    def draw_call(draw):
        rank = draw(st.sampled_from(ranks))
        fgc, bgc = draw(st.sampled_from(((1, 1), (2, 1), (3, 1), (1, 2), (1, 3))))
        n, i, o = draw(st.integers(0, 2)) * bgc, draw(st.integers(1, 2)), draw(st.integers(1, 2)) * fgc * bgc
        shape, kernel = (
            [draw(st.integers(1, side)) for _ in range(rank)],
            [draw(st.integers(1, 3)) for _ in range(rank)],
        )
        per_axis = st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3))
        stride, rhs_d, lhs_d = map(tuple, zip(*[draw(per_axis) for _ in range(rank)]))
        if all(d == 1 for d in lhs_d) and draw(st.booleans()):
            padding = draw(st.sampled_from(("VALID", "SAME", "SAME_LOWER", "same")))
        else:
            pad = st.tuples(st.integers(-3, 3), st.integers(-3, 3))
            padding = tuple(
                draw(pad.filter(lambda p, m=m, d=d: (m - 1) * d + 1 + sum(p) >= 0)) for m, d in zip(shape, lhs_d)
            )
        sp = _SPATIAL[:rank]
        dims = (_layout(draw, ("N", "C", *sp)), _layout(draw, ("O", "I", *sp)), _layout(draw, ("N", "C", *sp)))
        sizes = {"N": n, "C": i * fgc, **dict(zip(sp, shape))}
        ksizes = {"O": o, "I": i, **dict(zip(sp, kernel))}
        # The kernel string's spatial order is the one window_strides and the dilations follow.
        order = [c for c in dims[1] if c in sp]
        stride, rhs_d, lhs_d = (tuple(v[sp.index(c)] for c in order) for v in (stride, rhs_d, lhs_d))
        if isinstance(padding, tuple):
            padding = tuple(padding[sp.index(c)] for c in order)
        lhs = draw(_values(tuple(sizes[c] for c in dims[0]), np.dtype(dtype)))
        rhs = draw(_values(tuple(ksizes[c] for c in dims[1]), np.dtype(dtype)))
        kwargs = {"lhs_dilation": lhs_d, "rhs_dilation": rhs_d, "dimension_numbers": dims}
        kwargs.update(feature_group_count=fgc, batch_group_count=bgc)
        return (lhs, rhs, stride, padding), kwargs

    return draw_call()


def _general_problems(opt: Options):
    return general_calls(opt.dtype, tuple(r for r in opt.ranks if r <= 3) or (1,))


@adapter(
    "conv_general_dilated",
    "jax",
    _general_problems,
    dtypes=_DTYPES,
    conventions="the same arguments, passed through",
    findings=(SUBNORMALS,),
    devices=DEVICES,
)
def conv_general_dilated(
    lhs: Any,
    rhs: Any,
    window_strides: Any,
    padding: Any,
    lhs_dilation: Any = None,
    rhs_dilation: Any = None,
    dimension_numbers: Any = None,
    feature_group_count: int = 1,
    batch_group_count: int = 1,
    device: Any = None,
) -> PeerCall:
    """``jax.lax.conv_general_dilated`` itself, as :func:`refconv.conv_general_dilated` takes it.

    Examples
    --------
    >>> conv_general_dilated.translate(np.ones((1, 3, 1)), np.ones((2, 1, 1)), (1,), [(-1, 2)], lhs_dilation=(2,),
    ...                                dimension_numbers=("NWC", "WIO", "NWC"))
    jax.lax.conv_general_dilated(lhs, rhs, window_strides=(1,), padding=[(-1, 2)], lhs_dilation=(2,), rhs_dilation=None,
                                 dimension_numbers=('NWC', 'WIO', 'NWC'), feature_group_count=1, batch_group_count=1)
    """
    name = "jax.conv_general_dilated"
    lhs, rhs = np.asarray(lhs), np.asarray(rhs)
    _require_dtype(name, lhs, _DTYPES)
    on = _device(name, device)
    keywords = {
        "window_strides": window_strides,
        "padding": padding,
        "lhs_dilation": lhs_dilation,
        "rhs_dilation": rhs_dilation,
        "dimension_numbers": dimension_numbers,
        "feature_group_count": feature_group_count,
        "batch_group_count": batch_group_count,
    }

    def run():
        return _run(lambda jax: jax.lax.conv_general_dilated(lhs, rhs, **keywords), on)

    return recorded(PeerCall("jax.lax.conv_general_dilated", ("lhs", "rhs"), keywords, run), DEVICES, on)


__all__ = [
    "available",
    "devices",
    "math_flags",
    "conv",
    "conv_transpose",
    "max_pool",
    "avg_pool",
    "conv_general_dilated",
]
