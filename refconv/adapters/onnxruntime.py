"""ONNX Runtime with refconv's signatures: one-node ONNX models (``Conv``, ``ConvTranspose``, ``MaxPool``,
``AveragePool``, ``LpPool``) built with ``onnx.helper`` and run on the CPU provider.

What the adapter knows:

- Layouts are refconv's (``N, C, *spatial``; ``Conv`` weight ``(M, C/group, *k)``,
  ``ConvTranspose`` weight ``(C, M/group, *k)``); ``pads`` is ``[b1, .., bn, e1, .., en]``.
- ``auto_pad``: the adapter says ``VALID``, ``SAME_UPPER`` (:data:`refconv.conventions.SAME_PRESETS`
  ``"onnx_upper"``: the larger half after, depending on the stride) or ``SAME_LOWER``
  (``"onnx_lower"``) whenever the pads are those, so ONNX's own rule runs -- except with
  dilation, which ONNX Runtime refuses with ``SAME_*`` (onnxruntime#20582): explicit pads then.
- No padding modes (zeros only), no bias-free shortcut needed (``B`` is optional), no
  ``divisor_override``; ``LpPool``'s ``p`` is an integer and its value is the p-norm (``|x|``),
  as :func:`refconv.lp_pool` (not torch's formula).  Pool ``strides`` default to 1 in ONNX, so the
  adapter always passes them (refconv's default is the window, as torch's).
- ``ConvTranspose`` needs ``output_padding < stride`` (torch also allows ``< dilation``).
- ONNX Runtime's CPU kernels compute ``Conv``, ``ConvTranspose``, ``AveragePool`` and ``LpPool``
  in float16 and float32 only; ``MaxPool`` also in float64.

Examples
--------
>>> conv.translate(np.ones((1, 1, 5), np.float32), np.ones((1, 1, 2), np.float32), stride=2, padding=((0, 1),))
onnx Conv(X, W, kernel_shape=[2], strides=[2], dilations=[1], group=1, auto_pad='SAME_UPPER')
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any

import numpy as np

from .._validation import int_tuple, pad_pairs
from ..conventions import same_pads
from ..spec import layer_spec, pool_spec, transpose_spec
from ..strategies._peer_spaces import layer_space, lp_space, narrowed
from ..strategies._spaces import STRATEGIES, Options
from . import PeerCall, _availability, adapter, refuse
from ._translate import _flat_leading, _require_dtype

_FLOATS = ("float16", "float32")
_OPSET = 22


available = _availability("onnxruntime")


def _model(op: str, attributes: tuple, shapes: tuple, dtype: str):
    """The one-node ONNX model ``op`` (also run by :mod:`refconv.adapters.onnx_reference`)."""
    from onnx import TensorProto, helper

    elem = {"float16": TensorProto.FLOAT16, "float32": TensorProto.FLOAT, "float64": TensorProto.DOUBLE}[dtype]
    names = [f"in{i}" for i in range(len(shapes))]
    node = helper.make_node(op, names, ["y"], **{k: list(v) if isinstance(v, tuple) else v for k, v in attributes})
    graph = helper.make_graph(
        [node],
        "refconv",
        [helper.make_tensor_value_info(n, elem, s) for n, s in zip(names, shapes)],
        [helper.make_tensor_value_info("y", elem, None)],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", _OPSET)])


@functools.lru_cache(maxsize=512)
def _session(op: str, attributes: tuple, shapes: tuple, dtype: str):
    """An InferenceSession of the one-node model ``op`` (cached: building one takes milliseconds)."""
    import onnxruntime

    model = _model(op, attributes, shapes, dtype)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1  # tiny problems: threads cost more than they save
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def _call(op: str, inputs: list[np.ndarray], attributes: dict, shown: tuple[str, ...], build=None) -> PeerCall:
    """The call of the one-node model ``op``; ``build(op, attributes, shapes, dtype)`` makes its runner
    (anything with ONNX Runtime's ``run(None, feeds)``; default: an ORT session)."""
    build = _session if build is None else build
    key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in attributes.items()))
    inputs = [np.ascontiguousarray(a) for a in inputs]

    def run():
        session = build(op, key, tuple(a.shape for a in inputs), inputs[0].dtype.name)
        return session.run(None, {f"in{i}": a for i, a in enumerate(inputs)})[0]

    return PeerCall(f"onnx {op}", shown, attributes, run)


def _flat(pads) -> list[int]:
    return [lo for lo, _ in pads] + [hi for _, hi in pads]


def _auto_pad(spec) -> dict:
    """``auto_pad`` when the pads are one of ONNX's rules (and ORT takes it), else explicit ``pads``."""
    if all(pair == (0, 0) for pair in spec.pads):
        return {"auto_pad": "VALID"}
    if all(d == 1 for d in spec.dilation):  # onnxruntime#20582: SAME_* refused with dilation
        geometry = {"stride": spec.stride, "dilation": spec.dilation}
        for name, preset in (("SAME_UPPER", "onnx_upper"), ("SAME_LOWER", "onnx_lower")):
            if spec.pads == same_pads(preset, spec.input_shape, spec.kernel_shape, **geometry):
                return {"auto_pad": name}
    return {"pads": _flat(spec.pads)}


def _conv_problems(opt: Options):
    return layer_space(opt, (1, 2, 3), presets=("onnx_upper", "onnx_lower"), padding_modes=("zeros",))


@adapter("conv", "onnxruntime", _conv_problems, dtypes=_FLOATS, conventions="auto_pad SAME_UPPER/LOWER; zeros only")
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
) -> PeerCall:
    """ONNX ``Conv``, as :func:`refconv.conv`.

    Examples
    --------
    >>> conv.translate(np.ones((1, 1, 5), np.float32), np.ones((1, 1, 2), np.float32), padding=((1, 0),), dilation=2)
    onnx Conv(X, W, kernel_shape=[2], strides=[1], dilations=[2], group=1, pads=[1, 0])
    """
    name = "onnxruntime.conv"
    x, w = np.asarray(x), np.asarray(w)
    _require_dtype(name, x, _FLOATS)
    rank = w.ndim - 2
    spec = layer_spec(name, x.shape[-rank:], w.shape[2:], padding=padding, stride=stride, dilation=dilation)
    if padding_mode != "zeros":
        raise refuse(name, f"padding_mode={padding_mode!r} (ONNX Conv pads with zeros)")
    if x.ndim != rank + 2:
        raise refuse(name, f"an unbatched input of shape {x.shape} (ONNX wants N, C, *spatial)")
    attributes = {
        "kernel_shape": list(spec.kernel_shape),
        "strides": list(spec.stride),
        "dilations": list(spec.dilation),
        "group": int(groups),
        **_auto_pad(spec),
    }
    inputs = [x, w] + ([np.asarray(bias)] if bias is not None else [])
    return _call("Conv", inputs, attributes, ("X", "W", "B")[: len(inputs)])


def _transpose_problems(opt: Options):
    return STRATEGIES["conv_transpose"](dataclasses.replace(narrowed(opt, (1, 2, 3)), peer=None))


@adapter("conv_transpose", "onnxruntime", _transpose_problems, dtypes=_FLOATS, conventions="output_padding < stride")
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
) -> PeerCall:
    """ONNX ``ConvTranspose``, as :func:`refconv.conv_transpose`.

    Examples
    --------
    >>> conv_transpose.translate(np.ones((1, 1, 3), np.float32), np.ones((1, 1, 2), np.float32), stride=1,
    ...                          dilation=2, output_padding=1)
    Traceback (most recent call last):
    ...
    refconv.adapters.Unsupported: onnxruntime.conv_transpose: output_padding (1,) not below the stride (1,)
    is not supported by the peer
    """
    name = "onnxruntime.conv_transpose"
    x, w = np.asarray(x), np.asarray(w)
    _require_dtype(name, x, _FLOATS)
    rank = w.ndim - 2
    if x.ndim != rank + 2:
        raise refuse(name, f"an unbatched input of shape {x.shape} (ONNX wants N, C, *spatial)")
    kw = {"padding": padding, "output_padding": output_padding, "stride": stride, "dilation": dilation}
    forward = transpose_spec(name, x.shape[-rank:], w.shape[2:], **kw)
    pads = pad_pairs(name, "padding", padding, rank)
    extra = int_tuple(name, "output_padding", output_padding, rank, minimum=0)
    if any(p >= s for p, s in zip(extra, forward.stride)):
        raise refuse(name, f"output_padding {extra} not below the stride {forward.stride}")
    attributes = {
        "kernel_shape": list(forward.kernel_shape),
        "strides": list(forward.stride),
        "dilations": list(forward.dilation),
        "group": int(groups),
        "pads": _flat(pads),
        "output_padding": list(extra),
    }
    inputs = [x, w] + ([np.asarray(bias)] if bias is not None else [])
    return _call("ConvTranspose", inputs, attributes, ("X", "W", "B")[: len(inputs)])


def _pool(name: str, x: Any, kernel_size: Any, axes: Any, dtypes: tuple[str, ...], **geometry: Any):
    x = np.asarray(x)
    _require_dtype(name, x, dtypes)
    rank = 1 if isinstance(kernel_size, (int, np.integer)) else len(kernel_size)
    if axes is not None and tuple(a % x.ndim for a in np.atleast_1d(axes)) != tuple(range(x.ndim - rank, x.ndim)):
        raise refuse(name, f"axes={axes!r} (ONNX pools the spatial axes after N, C)")
    spec = pool_spec(name, x.shape[x.ndim - rank :], kernel_size, **geometry)
    planes, lead = _flat_leading(x, rank)
    attributes = {
        "kernel_shape": list(spec.kernel_shape),
        "strides": list(spec.stride),  # ONNX's default stride is 1, refconv's the window
        "pads": _flat(spec.pads),
        "dilations": list(spec.dilation),
        "ceil_mode": int(bool(geometry.get("ceil_mode", False))),
    }
    return planes, lead, attributes


def _unfold(call: PeerCall, lead: tuple) -> PeerCall:
    def run():
        y = call.run()
        return y.reshape(lead + y.shape[2:])

    return dataclasses.replace(call, run=run)


def _pool_problems(kind: str):
    def problems(opt: Options):
        return STRATEGIES[f"{kind}_pool"](dataclasses.replace(narrowed(opt, (1, 2, 3)), peer=None))

    return problems


@adapter(
    "max_pool",
    "onnxruntime",
    _pool_problems("max"),
    dtypes=(*_FLOATS, "float64"),
    conventions="strides default 1 (passed); NaN dropped by ORT",
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
) -> PeerCall:
    """ONNX ``MaxPool``, as :func:`refconv.max_pool`.

    Examples
    --------
    >>> max_pool.translate(np.ones((2, 6), np.float32), 3, padding=1, ceil_mode=True)
    onnx MaxPool(X, kernel_shape=[3], strides=[3], pads=[1, 1], dilations=[1], ceil_mode=1)
    """
    geometry = {"stride": stride, "padding": padding, "dilation": dilation, "ceil_mode": ceil_mode}
    planes, lead, attributes = _pool("onnxruntime.max_pool", x, kernel_size, axes, (*_FLOATS, "float64"), **geometry)
    return _unfold(_call("MaxPool", [planes], attributes, ("X",)), lead)


@adapter(
    "avg_pool",
    "onnxruntime",
    _pool_problems("avg"),
    dtypes=_FLOATS,
    conventions="count_include_pad default 0 (passed); no divisor_override",
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
) -> PeerCall:
    """ONNX ``AveragePool``, as :func:`refconv.avg_pool`.

    Examples
    --------
    >>> avg_pool.translate(np.ones((1, 6), np.float32), 3, stride=2, padding=1)
    onnx AveragePool(X, kernel_shape=[3], strides=[2], pads=[1, 1], dilations=[1], ceil_mode=0, count_include_pad=1)
    """
    name = "onnxruntime.avg_pool"
    geometry = {"stride": stride, "padding": padding, "ceil_mode": ceil_mode}
    planes, lead, attributes = _pool(name, x, kernel_size, axes, _FLOATS, **geometry)
    if divisor_override is not None:
        raise refuse(name, "divisor_override")
    attributes["count_include_pad"] = int(bool(count_include_pad))
    return _unfold(_call("AveragePool", [planes], attributes, ("X",)), lead)


def _lp_problems(opt: Options):
    return lp_space(narrowed(opt, (1, 2, 3)))


@adapter("lp_pool", "onnxruntime", _lp_problems, dtypes=_FLOATS, conventions="the p-norm (abs); integer p")
def lp_pool(
    x: Any,
    p: float,
    kernel_size: Any,
    *,
    stride: Any = None,
    ceil_mode: bool = False,
    axes: Any = None,
) -> PeerCall:
    """ONNX ``LpPool`` (the p-norm of each window), as :func:`refconv.lp_pool`.

    Examples
    --------
    >>> lp_pool.translate(np.ones((1, 6), np.float32), 1.5, 2)
    Traceback (most recent call last):
    ...
    refconv.adapters.Unsupported: onnxruntime.lp_pool: p=1.5 (ONNX's p is an integer) is not supported by the peer
    """
    name = "onnxruntime.lp_pool"
    geometry = {"stride": stride, "ceil_mode": ceil_mode}
    planes, lead, attributes = _pool(name, x, kernel_size, axes, _FLOATS, **geometry)
    if not (isinstance(p, (int, float, np.integer, np.floating)) and p == int(p) and 0 < p < math.inf):
        raise refuse(name, f"p={p!r} (ONNX's p is an integer)")
    attributes["p"] = int(p)
    return _unfold(_call("LpPool", [planes], attributes, ("X",)), lead)


__all__ = ["available", "conv", "conv_transpose", "max_pool", "avg_pool", "lp_pool"]
