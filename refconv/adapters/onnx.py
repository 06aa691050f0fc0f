"""The ONNX front end: ONNX nodes and graphs evaluated with refconv's kernels, attributes taken as ONNX gives them.

Not a peer adapter (:mod:`refconv.adapters.onnxruntime` runs ONNX Runtime *against* refconv): this
module makes refconv an ONNX evaluator.  :func:`run_node` evaluates one node -- an
``onnx.NodeProto`` or, without onnx installed, ``(op_type, attributes)`` -- and :func:`evaluate`
a whole model or graph through ``onnx.reference.ReferenceEvaluator``, with one ``OpRun`` per op of
:data:`OPS` (:func:`new_ops`) calling refconv; every other op is the reference evaluator's.

How ONNX's attributes become refconv's arguments (one place: :func:`_pairs`, :func:`_op_pads`):

- ``pads`` is ONNX's ``[x1_begin, x2_begin, ..., x1_end, x2_end, ...]``, read as refconv's
  ``((begin, end), ...)``; ``auto_pad`` ``VALID`` is zero pads and ``SAME_UPPER``/``SAME_LOWER`` are
  :func:`refconv.conventions.same_pads`' ``"onnx_upper"``/``"onnx_lower"`` (``pads`` then ignored).
- ``strides`` and ``dilations`` default to 1 (pools included: refconv's pool stride defaults
  to the window, so it is always passed); ``kernel_shape``, when given, must be the weight's.
- ``ConvTranspose``: ``output_shape`` (spatial, or with ``N, C`` in front) sets the pads by the
  spec's rule, ``total = s*(m-1) + output_padding + d*(k-1) + 1 - output_shape``, split with the
  extra cell at the end for ``SAME_UPPER`` and at the start otherwise
  (:func:`refconv.conventions.same_split`); ``SAME_*`` without it means ``output_shape = m*s``.
- ``MaxPool``'s ``Indices`` are flat over the whole ``N*C*spatial`` tensor, the spatial part
  row-major (``storage_order=0``) or column-major (``1``); ties go to the first cell.
- ``AveragePool``'s ``count_include_pad`` defaults to 0 (refconv's to True: always passed);
  ``LpPool`` is the p-norm of each window (``|x|``), :func:`refconv.lp_pool`.

Arithmetic: integer inputs are exact (results checked against the output dtype's range, never
wrapped).  Float inputs run refconv's float path in their dtype (``arithmetic="float"``), or are
read as exact rationals and the exact result rounded once, half to even (``arithmetic="exact"``).

What refconv cannot express yet raises :class:`refconv.adapters.Unsupported`, naming the attribute.

Examples
--------
>>> run_node(("Conv", {"pads": [1, 0], "strides": [2]}), [np.array([[[1, 2, 3, 4]]]), np.array([[[1, 10]]])])
[array([[[10, 32]]])]
"""

from __future__ import annotations

import functools
import importlib.util
import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from .. import layer, pooling
from .._validation import check_choice, fail, int_tuple, is_int
from ..conventions import same_pads, same_split
from ._translate import Unsupported

#: The ops this front end evaluates with refconv (ONNX's default domain).
OPS = (
    "Conv",
    "ConvTranspose",
    "ConvInteger",
    "QLinearConv",
    "MaxPool",
    "AveragePool",
    "LpPool",
    "GlobalMaxPool",
    "GlobalAveragePool",
    "GlobalLpPool",
    "DeformConv",
    "MaxUnpool",
)

#: ``arithmetic=`` choices for float inputs.
ARITHMETIC = ("float", "exact")

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


def available() -> bool:
    """Whether onnx is installed (nothing is imported); :func:`run_node` on ``(op_type, attributes)`` needs none.

    Returns
    -------
    bool
        True when ``import onnx`` would succeed.

    See Also
    --------
    evaluate : needs onnx (its reference evaluator runs the graph).

    Examples
    --------
    >>> available() in (True, False)
    True
    """
    return importlib.util.find_spec("onnx") is not None


# ---------------------------------------------------------------------------------------------
# Attributes -> refconv arguments
# ---------------------------------------------------------------------------------------------


def _node_parts(node: Any) -> tuple[str, dict[str, Any], int]:
    """``(op_type, attributes, outputs asked for)`` of a NodeProto or an ``(op_type, attributes)`` pair."""
    if isinstance(node, tuple) and len(node) == 2 and isinstance(node[0], str) and isinstance(node[1], Mapping):
        return node[0], dict(node[1]), 0
    if hasattr(node, "op_type") and hasattr(node, "attribute"):
        from onnx import helper

        if node.domain not in ("", "ai.onnx"):
            raise _refuse("run_node", f"domain {node.domain!r}")
        attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        return node.op_type, attributes, sum(1 for name in node.output if name)
    raise fail(
        "onnx.run_node", "node", node, "is not an ONNX node", "an onnx.NodeProto or (op_type, attributes)", TypeError
    )


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
    ndim = _spatial(op, "X", X)
    _spatial(op, "W", W, ndim)
    kernel = _kernel(op, attributes, tuple(W.shape[2:]), ndim)
    stride = _ints(op, attributes, "strides", ndim, 1, 1)
    dilation = _ints(op, attributes, "dilations", ndim, 1, 1)
    pads = _op_pads(op, attributes, tuple(X.shape[2:]), kernel, stride, dilation)
    groups = attributes.get("group", 1)
    return (layer.conv(X, W, B, stride=stride, padding=pads, dilation=dilation, groups=groups),)


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
# Arithmetic and dtypes
# ---------------------------------------------------------------------------------------------


def _as_exact(op: str, name: str, a: np.ndarray) -> np.ndarray:
    """A float array as exact rationals (every finite float is one); non-finite values are refused."""
    if a.dtype.kind != "f":
        return a
    if not np.isfinite(a).all():
        raise fail(f"onnx.{op}", name, a, 'holds NaN or inf, which arithmetic="exact" cannot read', "finite floats")
    return np.frompyfunc(lambda v: Fraction(float(v)), 1, 1)(a).astype(object).reshape(a.shape)


def _rounded(y: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Exact values rounded once to ``dtype`` (SymPy's roots evaluated to 60 digits first)."""
    from ..exact import rounded

    def rational(v):
        if isinstance(v, (int, Fraction)):
            return v
        return Fraction(str(v.evalf(60)))  # an LpPool root: 60 digits, far beyond float64's 17

    return rounded("rational", np.frompyfunc(rational, 1, 1)(y).astype(object), dtype)


def _cast(op: str, y: Any, dtype: np.dtype) -> np.ndarray:
    """``y`` in the output dtype ONNX prescribes: exact values rounded once, integers range-checked."""
    y = np.asarray(y)
    if y.dtype == dtype:
        return y
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        if y.size and (min(y.reshape(-1)) < info.min or max(y.reshape(-1)) > info.max):
            raise fail(f"onnx.{op}", "result", y, f"does not fit {dtype.name} (ONNX's output type)", "no overflow")
        return y.astype(dtype)
    if y.dtype == object:
        return _rounded(y, dtype)
    return y.astype(dtype)


def _output_dtypes(op: str, inputs: list) -> tuple[np.dtype, ...]:
    """ONNX's output types: T (the first input's), int64 indices, int32 for ConvInteger, y_zero_point's."""
    if op == "ConvInteger":
        return (np.dtype(np.int32),)
    if op == "QLinearConv":
        return (inputs[7].dtype,)
    return (inputs[0].dtype, np.dtype(np.int64))


def _inputs(op: str, inputs: Sequence[Any]) -> list:
    """The inputs as arrays (None for an absent optional one), their number checked against the schema."""
    names = _SCHEMA[op][1]
    required = sum(1 for n in names if not n.endswith("?"))
    inputs = list(inputs)
    while inputs and inputs[-1] is None:
        inputs.pop()
    if not required <= len(inputs) <= len(names):
        raise fail(
            f"onnx.{op}",
            "inputs",
            f"{len(inputs)} inputs",
            "is not what the op takes",
            f"{required} to {len(names)} inputs ({', '.join(n.rstrip('?') for n in names)})",
        )
    for name, value in zip(names, inputs):
        if value is None and not name.endswith("?"):
            raise fail(f"onnx.{op}", name.rstrip("?"), None, "is missing", "an array", TypeError)
    return [None if v is None else np.asarray(v) for v in inputs]


# ---------------------------------------------------------------------------------------------
# Ops whose refconv functions other modules provide (wired in when they exist)
# ---------------------------------------------------------------------------------------------


def _conv_keywords(op: str, attributes: dict, x: np.ndarray, w: np.ndarray) -> dict:
    """refconv's ``stride``, ``padding``, ``dilation``, ``groups`` for a Conv-like node."""
    ndim = _spatial(op, "x", x)
    _spatial(op, "w", w, ndim)
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


#: op -> (refconv module, function, kernel): ops wired in when their refconv function exists.
_LATER: dict[str, tuple[str, str, Callable]] = {
    "ConvInteger": ("quantized", "conv_integer", _conv_integer),
    "QLinearConv": ("quantized", "qlinear_conv", _qlinear_conv),
    "DeformConv": ("deform", "deform_conv", _missing("DeformConv", "deform_conv")),
    "MaxUnpool": ("pooling", "max_unpool", _missing("MaxUnpool", "max_unpool")),
}


# ---------------------------------------------------------------------------------------------
# The front end
# ---------------------------------------------------------------------------------------------


def run_node(node: Any, inputs: Sequence[Any], *, outputs: int | None = None, arithmetic: str = "float") -> list:
    """Evaluate one ONNX node of :data:`OPS` with refconv, its attributes as ONNX defines them.

    Parameters
    ----------
    node : onnx.NodeProto or tuple
        The node, or ``(op_type, attributes)`` with ``attributes`` a dict of ONNX attribute
        values (``{"pads": [1, 0], "auto_pad": "SAME_UPPER", ...}``): no onnx needed.
    inputs : sequence of array_like
        The node's inputs in ONNX's order; None (or leaving it off the end) for an absent
        optional input.
    outputs : int, optional
        How many outputs to compute (MaxPool: 2 adds ``Indices``); default: the node's outputs,
        or 1 for the ``(op_type, attributes)`` form.
    arithmetic : {"float", "exact"}
        Float inputs in refconv's float path (their dtype), or read as exact rationals with the
        exact result rounded once to the output dtype.  Integer inputs are always exact.

    Returns
    -------
    list of numpy.ndarray
        The outputs, in ONNX's dtypes (``T``; int64 ``Indices``; int32 for ``ConvInteger``).

    Raises
    ------
    refconv.adapters.Unsupported
        An op refconv does not evaluate (yet), or an attribute value it cannot express.
    ValueError, TypeError
        An attribute or input that ONNX's schema does not allow.

    See Also
    --------
    evaluate : a whole model or graph.
    new_ops : the ``OpRun`` classes, for your own ``ReferenceEvaluator``.
    refconv.conv : the kernel behind ``Conv``.

    Examples
    --------
    ``SAME_LOWER`` puts the odd pad cell first: ``[0, 1, 2, 3]`` correlated with ``[1, 10]``:

    >>> x, w = np.array([[[1, 2, 3]]]), np.array([[[1, 10]]])
    >>> run_node(("Conv", {"auto_pad": "SAME_LOWER"}), [x, w])[0].tolist()
    [[[10, 21, 32]]]
    >>> run_node(("Conv", {"auto_pad": "SAME_UPPER"}), [x, w])[0].tolist()
    [[[21, 32, 3]]]

    MaxPool's indices are flat over ``N*C*spatial`` (second channel: offset 4):

    >>> y, i = run_node(("MaxPool", {"kernel_shape": [2], "strides": [2]}), [np.array([[[3, 1, 2, 5], [0, 9, 9, 1]]])],
    ...                 outputs=2)
    >>> y.tolist(), i.tolist()
    ([[[3, 5], [9, 9]]], [[[0, 3], [5, 6]]])
    """
    op, attributes, asked = _node_parts(node)
    if op not in _SCHEMA:
        raise _refuse("run_node", f"op_type {op!r} (refconv evaluates {', '.join(OPS)})")
    arithmetic = check_choice(f"onnx.{op}", "arithmetic", arithmetic, ARITHMETIC)
    attributes = _checked_attributes(op, attributes)
    arrays = _inputs(op, inputs)
    count = outputs if outputs is not None else max(asked, 1)
    if count not in ((1, 2) if op == "MaxPool" else (1,)):
        raise fail(f"onnx.{op}", "outputs", count, "is more than the op has", "1 (MaxPool: 1 or 2)")
    dtypes = _output_dtypes(op, arrays)
    if arithmetic == "exact":
        arrays = [None if a is None else _as_exact(op, n.rstrip("?"), a) for n, a in zip(_SCHEMA[op][1], arrays)]
    keywords = {"outputs": count} if op == "MaxPool" else {}
    results = _kernels()[op](op, attributes, *arrays, **keywords)
    return [_cast(op, y, dtype) for y, dtype in zip(results, dtypes)]


@functools.lru_cache(maxsize=4)
def _op_classes(arithmetic: str) -> tuple[type, ...]:
    from onnx.reference.op_run import OpRun

    def _run(self, *inputs, **_attributes):
        # The node's own attributes (not the schema-filled kwargs), so run_node reads both alike.
        count = sum(1 for name in self.onnx_node.output if name)
        return tuple(run_node(self.onnx_node, inputs, outputs=count, arithmetic=self._refconv_arithmetic))

    return tuple(type(op, (OpRun,), {"_run": _run, "op_domain": "", "_refconv_arithmetic": arithmetic}) for op in OPS)


def new_ops(arithmetic: str = "float") -> list[type]:
    """``onnx.reference.op_run.OpRun`` classes that evaluate :data:`OPS` with refconv (needs onnx).

    Parameters
    ----------
    arithmetic : {"float", "exact"}
        As in :func:`run_node`.

    Returns
    -------
    list of type
        One class per op of :data:`OPS`, named as the op, for ``ReferenceEvaluator(new_ops=...)``.

    See Also
    --------
    evaluate : uses them.
    run_node : what each class's ``_run`` calls.

    Examples
    --------
    >>> [cls.__name__ for cls in new_ops()][:3] if available() else ["Conv", "ConvTranspose", "ConvInteger"]
    ['Conv', 'ConvTranspose', 'ConvInteger']
    """
    return list(_op_classes(check_choice("new_ops", "arithmetic", arithmetic, ARITHMETIC)))


def evaluate(model_or_graph: Any, feeds: Mapping[str, Any], *, arithmetic: str = "float") -> list:
    """Run an ONNX model or graph, :data:`OPS` evaluated by refconv and every other op by ``onnx.reference``.

    Parameters
    ----------
    model_or_graph : onnx.ModelProto or onnx.GraphProto
        The model; a bare graph runs at onnx's current default opset.
    feeds : mapping of str to array_like
        The graph's inputs by name.
    arithmetic : {"float", "exact"}
        As in :func:`run_node`.

    Returns
    -------
    list of numpy.ndarray
        The graph's outputs, in order.

    Raises
    ------
    refconv.adapters.Unsupported
        A node of :data:`OPS` that refconv cannot express.

    See Also
    --------
    run_node : one node, also without onnx.
    new_ops : the classes, for a ReferenceEvaluator of your own.

    Examples
    --------
    A ConvTranspose whose ``output_shape`` trims one cell at the start (the spec's rule):

    >>> x, w = np.array([[[1.0, 2, 3]]]), np.array([[[1.0, 10]]])
    >>> if available():
    ...     from onnx import TensorProto, helper
    ...     node = helper.make_node("ConvTranspose", ["x", "w"], ["y"], output_shape=[3])
    ...     io = [helper.make_tensor_value_info(n, TensorProto.DOUBLE, None) for n in "xwy"]
    ...     y = evaluate(helper.make_graph([node], "g", io[:2], io[2:]), {"x": x, "w": w})[0]
    ... else:
    ...     y = run_node(("ConvTranspose", {"output_shape": [3]}), [x, w])[0]
    >>> y.tolist()
    [[[12.0, 23.0, 30.0]]]
    """
    from onnx import GraphProto, helper
    from onnx.reference import ReferenceEvaluator

    model = helper.make_model(model_or_graph) if isinstance(model_or_graph, GraphProto) else model_or_graph
    evaluator = ReferenceEvaluator(model, new_ops=new_ops(arithmetic))
    return list(evaluator.run(None, {name: np.asarray(value) for name, value in feeds.items()}))


__all__ = ["OPS", "ARITHMETIC", "available", "run_node", "evaluate", "new_ops"]
