"""The ONNX front end's kernels: ONNX attributes read as ONNX defines them, each op evaluated by refconv.

:mod:`refconv.adapters.onnx` (the public side) checks the node and its inputs and handles the
arithmetic; here each op's kernel ``kernel(op, attributes, *inputs)`` turns the attributes into
refconv's arguments -- in one place: :func:`_pairs` (ONNX's pads order), :func:`_op_pads`
(``auto_pad``), :func:`_transpose_pads` (``output_shape``) -- and calls refconv's function.
"""

from __future__ import annotations

import importlib
import inspect
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import layer, pooling
from .._validation import check_choice, fail, int_tuple, is_int
from ..conventions import same_pads, same_split
from ..spec import transpose_spec
from ._translate import Unsupported

__all__: list[str] = []

_AUTO_PAD = ("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID")
_CONV_ATTRS = ("auto_pad", "dilations", "group", "kernel_shape", "pads", "strides")
_POOL_ATTRS = ("auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "strides")
#: op -> (its attributes, its inputs (a trailing ``?`` marks an optional one)).
_SCHEMA: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Conv": (_CONV_ATTRS, ("X", "W", "B?")),
    "ConvTranspose": ((*_CONV_ATTRS, "output_padding", "output_shape"), ("X", "W", "B?")),
    "ConvInteger": (_CONV_ATTRS, ("x", "w", "x_zero_point?", "w_zero_point?")),
    "QLinearConv": (
        _CONV_ATTRS,
        ("x", "x_scale", "x_zero_point", "w", "w_scale", "w_zero_point", "y_scale", "y_zero_point", "B?"),
    ),
    "MaxPool": ((*_POOL_ATTRS, "storage_order"), ("X",)),
    "AveragePool": ((*_POOL_ATTRS, "count_include_pad"), ("X",)),
    "LpPool": ((*_POOL_ATTRS, "p"), ("X",)),
    "GlobalMaxPool": ((), ("X",)),
    "GlobalAveragePool": ((), ("X",)),
    "GlobalLpPool": (("p",), ("X",)),
    "DeformConv": (
        ("dilations", "group", "kernel_shape", "offset_group", "pads", "strides"),
        ("X", "W", "offset", "B?", "mask?"),
    ),
    "MaxUnpool": (("kernel_shape", "pads", "strides"), ("X", "I", "output_shape?")),
}


def _refuse(op: str, what: str) -> Unsupported:
    """The declared refusal: ONNX allows it, refconv cannot express it (yet)."""
    return Unsupported(f"onnx.{op}: {what} cannot be expressed with refconv")


def _checked_attributes(op: str, attributes: dict[str, Any]) -> dict[str, Any]:
    """The attributes with ONNX's bytes decoded, after refusing names the op does not have."""
    known = _SCHEMA[op][0]
    out = {}
    for name, value in attributes.items():
        if name not in known:
            raise fail(f"onnx.{op}", name, value, f"is not an attribute of {op}", f"one of {', '.join(known)}")
        out[name] = value.decode() if isinstance(value, bytes) else value
    return out


def _ints(op: str, attributes: dict, name: str, ndim: int, default: int, minimum: int) -> tuple[int, ...]:
    """An ``ndim``-long ints attribute (absent: ``default`` on every axis)."""
    value = attributes.get(name)
    if value is None:
        return (default,) * ndim
    if is_int(value) or len(value) != ndim:
        raise fail(f"onnx.{op}", name, value, f"does not have one entry per spatial axis ({ndim})", f"{ndim} ints")
    return int_tuple(f"onnx.{op}", name, list(value), ndim, minimum=minimum)


def _pairs(op: str, pads: Any, ndim: int) -> tuple[tuple[int, int], ...]:
    """ONNX's ``[x1_begin, ..., xn_begin, x1_end, ..., xn_end]`` as ``((begin, end), ...)``."""
    if pads is None:
        return ((0, 0),) * ndim
    if is_int(pads) or len(pads) != 2 * ndim:
        raise fail(
            f"onnx.{op}", "pads", pads, f"does not have 2 entries per spatial axis ({2 * ndim})", f"{2 * ndim} ints"
        )
    flat = int_tuple(f"onnx.{op}", "pads", list(pads), 2 * ndim, minimum=0)
    return tuple(zip(flat[:ndim], flat[ndim:]))


def _auto_pad(op: str, attributes: dict) -> str:
    return check_choice(f"onnx.{op}", "auto_pad", attributes.get("auto_pad", "NOTSET"), _AUTO_PAD)


def _op_pads(op: str, attributes: dict, spatial: tuple, kernel: tuple, stride: tuple, dilation: tuple) -> tuple:
    """The pads of a forward op (Conv and the pools): ``auto_pad``'s, else ``pads``' (ONNX order)."""
    mode = _auto_pad(op, attributes)
    if mode == "VALID":
        return ((0, 0),) * len(kernel)
    if mode == "NOTSET":
        return _pairs(op, attributes.get("pads"), len(kernel))
    preset = "onnx_upper" if mode == "SAME_UPPER" else "onnx_lower"
    return same_pads(preset, spatial, kernel, stride=stride, dilation=dilation)


def _kernel(op: str, attributes: dict, given: tuple[int, ...] | None, ndim: int) -> tuple[int, ...]:
    """``kernel_shape``: required for pools (``given`` None), else it must equal the weight's."""
    if given is None:
        if "kernel_shape" not in attributes:
            raise fail(f"onnx.{op}", "kernel_shape", None, "is missing (it is required)", f"{ndim} ints >= 1")
        return _ints(op, attributes, "kernel_shape", ndim, 1, 1)
    if "kernel_shape" in attributes and tuple(attributes["kernel_shape"]) != given:
        raise fail(f"onnx.{op}", "kernel_shape", attributes["kernel_shape"], f"is not W's {list(given)}", "W.shape[2:]")
    return given


def _spatial(op: str, name: str, x: np.ndarray, ndim: int | None = None) -> int:
    """The spatial rank of ``x`` (``N, C, *spatial``), checked against ``ndim`` when known."""
    if x.ndim < 3 or (ndim is not None and x.ndim != ndim + 2):
        want = "N, C and at least one spatial axis" if ndim is None else f"N, C and {ndim} spatial axes"
        raise fail(f"onnx.{op}", f"{name}.shape", x.shape, "is not (N, C, *spatial)", want)
    return x.ndim - 2


def _needs(op: str, fn: Callable, attribute: str, parameter: str, value: Any, neutral: Any) -> dict:
    """``{parameter: value}`` if refconv's ``fn`` takes it; a neutral value needs nothing; else Unsupported."""
    if value == neutral:
        return {}
    if parameter not in inspect.signature(fn).parameters:
        raise _refuse(
            op,
            f"{attribute}={list(value) if isinstance(value, tuple) else value!r} "
            f"(refconv.{fn.__name__} has no {parameter}= yet)",
        )
    return {parameter: value}


# ---------------------------------------------------------------------------------------------
# The ops
# ---------------------------------------------------------------------------------------------


def _conv(op: str, attributes: dict, X: np.ndarray, W: np.ndarray, B: np.ndarray | None = None) -> tuple:
    return (layer.conv(X, W, B, **_conv_keywords(op, attributes, X, W, "XW")),)


def _transpose_pads(op: str, attributes: dict, m: tuple, kernel: tuple, stride: tuple, dilation: tuple, extra: tuple):
    """ConvTranspose's ``(pads, output_padding)``: from ``output_shape`` (or ``SAME_*``'s ``m*s``) by the spec's
    rule, else ``pads``."""
    mode = _auto_pad(op, attributes)
    ndim = len(kernel)
    wanted = attributes.get("output_shape")
    if wanted is not None:
        wanted = list(wanted)[-ndim:] if len(wanted) in (ndim, ndim + 2) else wanted
        wanted = _ints(op, {"output_shape": wanted}, "output_shape", ndim, 1, 1)
    elif mode in ("SAME_UPPER", "SAME_LOWER"):
        wanted = tuple(n * s for n, s in zip(m, stride))
    elif mode == "VALID":
        return ((0, 0),) * ndim, extra
    else:
        return _pairs(op, attributes.get("pads"), ndim), extra
    rule = "torch" if mode == "SAME_UPPER" else "centred"  # the extra cell after, or before
    pads, grown = [], []
    for n, k, s, d, e, out in zip(m, kernel, stride, dilation, extra, wanted):
        lo, hi = same_split(s * (n - 1) + e + d * (k - 1) + 1 - out + 1, rule)
        if lo < 0:
            raise _refuse(op, f"output_shape={list(wanted)} (zero cells before the full output, pad {lo})")
        # A negative end pad (an output longer than the full one) is zero cells at the end: output padding.
        pads.append((lo, max(hi, 0)))
        grown.append(e - min(hi, 0))
    return tuple(pads), tuple(grown)


def _conv_transpose(op: str, attributes: dict, X: np.ndarray, W: np.ndarray, B: np.ndarray | None = None) -> tuple:
    ndim = _spatial(op, "X", X)
    _spatial(op, "W", W, ndim)
    kernel = _kernel(op, attributes, tuple(W.shape[2:]), ndim)
    stride = _ints(op, attributes, "strides", ndim, 1, 1)
    dilation = _ints(op, attributes, "dilations", ndim, 1, 1)
    extra = _ints(op, attributes, "output_padding", ndim, 0, 0)
    pads, extra = _transpose_pads(op, attributes, tuple(X.shape[2:]), kernel, stride, dilation, extra)
    y = layer.conv_transpose(
        X,
        W,
        B,
        stride=stride,
        padding=pads,
        output_padding=extra,
        groups=attributes.get("group", 1),
        dilation=dilation,
    )
    return (y,)


def _pool_geometry(op: str, attributes: dict, X: np.ndarray) -> dict:
    """refconv's pool keywords for ONNX's pool attributes (``dilation`` only when not 1)."""
    ndim = _spatial(op, "X", X)
    kernel = _kernel(op, attributes, None, ndim)
    stride = _ints(op, attributes, "strides", ndim, 1, 1)
    dilation = _ints(op, attributes, "dilations", ndim, 1, 1)
    pads = _op_pads(op, attributes, tuple(X.shape[2:]), kernel, stride, dilation)
    ceil_mode = attributes.get("ceil_mode", 0)
    if ceil_mode not in (0, 1):
        raise fail(f"onnx.{op}", "ceil_mode", ceil_mode, "is not 0 or 1", "0 or 1")
    return {
        "kernel_size": kernel,
        "stride": stride,
        "padding": pads,
        "dilation": dilation,
        "ceil_mode": bool(ceil_mode),
        "axes": tuple(range(2, X.ndim)),
    }


def _pool_call(op: str, fn: Callable, geometry: dict, *leading: Any, **keywords: Any) -> Any:
    """``fn(*leading, kernel_size, ...)``; the options refconv may lack (dilation, padding) passed only when used."""
    geometry = dict(geometry)
    dilation, pads = geometry.pop("dilation"), geometry.pop("padding")
    geometry.update(_needs(op, fn, "dilations", "dilation", dilation, (1,) * len(dilation)))
    geometry.update(_needs(op, fn, "pads", "padding", pads, ((0, 0),) * len(pads)))
    kernel = geometry.pop("kernel_size")
    if "pad_rule" in inspect.signature(fn).parameters:
        geometry["pad_rule"] = "onnx"  # ONNX's pads: any, while every window holds an input cell
    elif any(max(pair) > k // 2 for k, pair in zip(kernel, pads)):
        raise _refuse(op, f"pads beyond kernel_shape // 2 (refconv.{fn.__name__} has no pad_rule= yet)")
    return fn(*leading, kernel, **geometry, **keywords)


def _onnx_indices(indices: np.ndarray, spatial: tuple[int, ...], storage_order: int) -> np.ndarray:
    """refconv's per-plane row-major indices as ONNX's: flat over ``N*C*spatial``, the spatial part in
    row-major (0) or column-major (1) order."""
    cells = math.prod(spatial)
    within = np.unravel_index(np.asarray(indices, dtype=np.int64), spatial)
    flat = np.ravel_multi_index(within, spatial, order="F" if storage_order else "C")
    planes = np.arange(indices.shape[0] * indices.shape[1], dtype=np.int64).reshape(indices.shape[:2])
    return flat + (planes * cells).reshape(planes.shape + (1,) * len(spatial))


def _max_pool(op: str, attributes: dict, X: np.ndarray, *, outputs: int = 1) -> tuple:
    geometry = _pool_geometry(op, attributes, X)
    order = attributes.get("storage_order", 0)
    if order not in (0, 1):
        raise fail(f"onnx.{op}", "storage_order", order, "is not 0 or 1", "0 (row-major) or 1 (column-major)")
    if outputs < 2:
        return (_pool_call(op, pooling.max_pool, geometry, X),)
    y, indices = _pool_call(op, pooling.max_pool, geometry, X, return_indices=True)
    return y, _onnx_indices(indices, tuple(X.shape[2:]), order)


def _avg_pool(op: str, attributes: dict, X: np.ndarray) -> tuple:
    geometry = _pool_geometry(op, attributes, X)
    include = attributes.get("count_include_pad", 0)
    if include not in (0, 1):
        raise fail(f"onnx.{op}", "count_include_pad", include, "is not 0 or 1", "0 or 1")
    return (_pool_call(op, pooling.avg_pool, geometry, X, count_include_pad=bool(include)),)


def _p(op: str, attributes: dict) -> int:
    p = attributes.get("p", 2)
    if not is_int(p) or p < 1:
        raise fail(f"onnx.{op}", "p", p, "is not an integer >= 1", "ONNX's integer p >= 1 (default 2)")
    return int(p)


def _lp_pool(op: str, attributes: dict, X: np.ndarray) -> tuple:
    geometry = _pool_geometry(op, attributes, X)
    return (_pool_call(op, pooling.lp_pool, geometry, X, _p(op, attributes)),)


def _global(op: str, attributes: dict, X: np.ndarray) -> tuple:
    _spatial(op, "X", X)
    axes = tuple(range(2, X.ndim))
    if op == "GlobalMaxPool":
        y = pooling.global_max_pool(X, axes=axes)
    elif op == "GlobalAveragePool":
        y = pooling.global_avg_pool(X, axes=axes)
    else:
        y = pooling.global_lp_pool(X, _p(op, attributes), axes=axes)
    return (np.asarray(y).reshape(X.shape[:2] + (1,) * (X.ndim - 2)),)


def _missing(op: str, function: str) -> Callable:
    """The kernel of an op whose refconv function does not exist (yet): a declared refusal."""

    def kernel(op: str, attributes: dict, *inputs: Any, **_: Any) -> tuple:
        raise _refuse(op, f"{op} (refconv has no {function} yet)")

    return kernel


def _optional(module: str, function: str) -> Callable | None:
    """``refconv.<module>.<function>`` when another part of refconv provides it, else None."""
    try:
        return getattr(importlib.import_module(f"refconv.{module}"), function, None)
    except ImportError:
        return None


def _kernels() -> dict[str, Callable]:
    """op -> ``kernel(op, attributes, *inputs, outputs=...)`` returning the tuple of outputs."""
    table: dict[str, Callable] = {
        "Conv": _conv,
        "ConvTranspose": _conv_transpose,
        "MaxPool": _max_pool,
        "AveragePool": _avg_pool,
        "LpPool": _lp_pool,
        "GlobalMaxPool": _global,
        "GlobalAveragePool": _global,
        "GlobalLpPool": _global,
    }
    for op, (module, function, kernel) in _LATER.items():
        table[op] = kernel if _optional(module, function) is not None else _missing(op, function)
    return table


# ---------------------------------------------------------------------------------------------
# Ops whose refconv functions other modules provide (wired in when they exist)
# ---------------------------------------------------------------------------------------------


def _conv_keywords(op: str, attributes: dict, x: np.ndarray, w: np.ndarray, names: str = "xw") -> dict:
    """refconv's ``stride``, ``padding``, ``dilation``, ``groups`` for a Conv-like node (inputs named ``names``)."""
    ndim = _spatial(op, names[0], x)
    _spatial(op, names[1], w, ndim)
    kernel = _kernel(op, attributes, tuple(w.shape[2:]), ndim)
    stride = _ints(op, attributes, "strides", ndim, 1, 1)
    dilation = _ints(op, attributes, "dilations", ndim, 1, 1)
    pads = _op_pads(op, attributes, tuple(x.shape[2:]), kernel, stride, dilation)
    return {"stride": stride, "padding": pads, "dilation": dilation, "groups": attributes.get("group", 1)}


def _conv_integer(op: str, attributes: dict, x, w, x_zero_point=None, w_zero_point=None) -> tuple:
    from ..quantized import conv_integer

    zeros = [0 if z is None else z for z in (x_zero_point, w_zero_point)]
    # ONNX's int32 output: a result that does not fit is refused, never wrapped.
    return (conv_integer(x, w, *zeros, overflow="raise", **_conv_keywords(op, attributes, x, w)),)


def _qlinear_conv(op: str, attributes: dict, x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B=None) -> tuple:
    from ..quantized import qlinear_conv

    keywords = _conv_keywords(op, attributes, x, w)
    return (qlinear_conv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B, **keywords),)


def _deform_conv(op: str, attributes: dict, X, W, offset, B=None, mask=None) -> tuple:
    from ..deform import deform_conv

    keywords = _conv_keywords(op, attributes, X, W, "XW")
    return (deform_conv(X, offset, W, B, mask=mask, offset_groups=attributes.get("offset_group", 1), **keywords),)


def _max_unpool(op: str, attributes: dict, X, I, output_shape=None) -> tuple:
    from ..pooling import max_unpool

    ndim = _spatial(op, "X", X)
    kernel = _kernel(op, attributes, None, ndim)
    stride = _ints(op, attributes, "strides", ndim, 1, 1)
    pads = _pairs(op, attributes.get("pads"), ndim)
    # the unpooled length is the transposed geometry's input length: (n-1)*s + k - lo - hi
    inferred = tuple(g.n for g in transpose_spec(f"onnx.{op}", X.shape[2:], kernel, padding=pads, stride=stride).axes)
    # ONNX's indices are flat over N*C*inferred (MaxPool's Indices); refconv's are within each plane.
    cells = math.prod(inferred)
    indices = np.asarray(I, dtype=np.int64)
    planes = np.arange(X.shape[0] * X.shape[1], dtype=np.int64).reshape(X.shape[:2] + (1,) * ndim)
    if indices.shape != X.shape or ((indices // max(cells, 1)) != planes).any():
        raise _refuse(op, "indices that leave their own (n, c) plane")
    y = max_unpool(X, indices - planes * cells, kernel, stride=stride, padding=pads)
    if output_shape is None:
        return (y,)
    # output_shape (ONNX's reference): the inferred result placed at the start of a larger zero array.
    wanted = tuple(int(n) for n in np.asarray(output_shape).reshape(-1))[-ndim:]
    if len(wanted) != ndim or any(w < n for w, n in zip(wanted, inferred)):
        raise fail(
            f"onnx.{op}",
            "output_shape",
            list(wanted),
            f"is smaller than the inferred {list(inferred)}",
            f"{ndim} spatial lengths >= the inferred ones",
        )
    return (np.pad(y, ((0, 0), (0, 0)) + tuple((0, w - n) for w, n in zip(wanted, inferred))),)


#: op -> (refconv module, function, kernel): ops wired in when their refconv function exists.
_LATER: dict[str, tuple[str, str, Callable]] = {
    "ConvInteger": ("quantized", "conv_integer", _conv_integer),
    "QLinearConv": ("quantized", "qlinear_conv", _qlinear_conv),
    "DeformConv": ("deform", "deform_conv", _deform_conv),
    "MaxUnpool": ("pooling", "max_unpool", _max_unpool),
}
