"""The one-node ONNX translation shared by :mod:`refconv.adapters.onnxruntime` and
:mod:`refconv.adapters.onnx_reference`: the models (``Conv``, ``ConvTranspose``, ``MaxPool``,
``AveragePool``, ``LpPool``), their attributes, and the calls that run them.  The two peers differ
only in a :class:`_Runtime`: what runs the model and what that runtime accepts."""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .._validation import int_tuple, pad_pairs
from ..conventions import same_pads
from ..strategies._peer_spaces import layer_space, lp_space, narrowed
from ..strategies._spaces import Options
from ._registry import PeerCall
from ._translate import _conv_operands, _flat_leading, _pool_operand, _transpose_operands, refuse

__all__ = ["conv", "conv_transpose", "max_pool", "avg_pool", "lp_pool"]

_OPSET = 22
_WANTS = "ONNX"  # who wants N, C, *spatial, in the refusals


def _model(op: str, attributes: tuple, shapes: tuple, dtype: str):
    """The one-node ONNX model ``op``."""
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


@functools.lru_cache(maxsize=512)
def _evaluator(op: str, attributes: tuple, shapes: tuple, dtype: str):
    """A ReferenceEvaluator of the one-node model ``op`` (it has ORT's ``run(None, feeds)``)."""
    from onnx.reference import ReferenceEvaluator

    return ReferenceEvaluator(_model(op, attributes, shapes, dtype))


@dataclasses.dataclass(frozen=True)
class _Runtime:
    """What runs the one-node models, and what it accepts.

    ``peer`` prefixes the adapters' names in refusals; ``shown`` the printed call (``"onnx Conv"``);
    ``build(op, attributes, shapes, dtype)`` makes the runner (anything with ``run(None, feeds)``);
    ``dtypes`` are what it computes in; ``output_padding_below_stride``: ``ConvTranspose`` refuses an
    ``output_padding`` not below the stride (ONNX Runtime), else it may be below the dilation.
    """

    peer: str
    shown: str
    build: Callable[..., Any]
    dtypes: tuple[str, ...]
    output_padding_below_stride: bool


def _call(rt: _Runtime, op: str, inputs: list[np.ndarray], attributes: dict, shown: tuple[str, ...]) -> PeerCall:
    """The call of the one-node model ``op``, run by ``rt``."""
    key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in attributes.items()))
    inputs = [np.ascontiguousarray(a) for a in inputs]

    def run():
        session = rt.build(op, key, tuple(a.shape for a in inputs), inputs[0].dtype.name)
        return session.run(None, {f"in{i}": a for i, a in enumerate(inputs)})[0]

    return PeerCall(f"{rt.shown} {op}", shown, attributes, run)


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


def _lp_problems(opt: Options):
    return lp_space(narrowed(opt, (1, 2, 3)))


def _with_bias(op: str, rt: _Runtime, x: np.ndarray, w: np.ndarray, bias: Any, attributes: dict) -> PeerCall:
    inputs = [x, w] + ([np.asarray(bias)] if bias is not None else [])
    return _call(rt, op, inputs, attributes, ("X", "W", "B")[: len(inputs)])


def conv(rt: _Runtime, x: Any, w: Any, bias: Any, geometry: dict, groups: int, padding_mode: str) -> PeerCall:
    """ONNX ``Conv``: ``geometry`` is the call's stride, padding and dilation."""
    name = f"{rt.peer}.conv"
    zeros = {"padding_mode": padding_mode, "pads_with": "ONNX Conv", "batched": _WANTS}
    x, w, spec = _conv_operands(name, x, w, rt.dtypes, geometry, **zeros)
    attributes = {
        "kernel_shape": list(spec.kernel_shape),
        "strides": list(spec.stride),
        "dilations": list(spec.dilation),
        "group": int(groups),
        **_auto_pad(spec),
    }
    return _with_bias("Conv", rt, x, w, bias, attributes)


def conv_transpose(rt: _Runtime, x: Any, w: Any, bias: Any, geometry: dict, groups: int) -> PeerCall:
    """ONNX ``ConvTranspose``: ``geometry`` is the call's stride, padding, output_padding and dilation."""
    name = f"{rt.peer}.conv_transpose"
    x, w, forward = _transpose_operands(name, x, w, rt.dtypes, geometry, batched=_WANTS)
    rank = forward.ndim
    pads = pad_pairs(name, "padding", geometry["padding"], rank)
    extra = int_tuple(name, "output_padding", geometry["output_padding"], rank, minimum=0)
    if rt.output_padding_below_stride and any(p >= s for p, s in zip(extra, forward.stride)):
        raise refuse(name, f"output_padding {extra} not below the stride {forward.stride}")
    attributes = {
        "kernel_shape": list(forward.kernel_shape),
        "strides": list(forward.stride),
        "dilations": list(forward.dilation),
        "group": int(groups),
        "pads": _flat(pads),
        "output_padding": list(extra),
    }
    return _with_bias("ConvTranspose", rt, x, w, bias, attributes)


def _pool(rt: _Runtime, name: str, x: Any, kernel_size: Any, axes: Any, geometry: dict, dtypes=None):
    """``x``'s planes (its leading axes folded into ``C``), those axes, and the attributes every ONNX pool
    takes, for pooling ``x``'s last axes (in ``dtypes``, default ``rt.dtypes``)."""
    pooled = "ONNX pools the spatial axes after N, C"
    x, spec = _pool_operand(name, x, kernel_size, axes, dtypes or rt.dtypes, geometry, pooled=pooled)
    planes, lead = _flat_leading(x, spec.ndim)
    attributes = {
        "kernel_shape": list(spec.kernel_shape),
        "strides": list(spec.stride),  # ONNX's default stride is 1, refconv's the window
        "pads": _flat(spec.pads),
        "dilations": list(spec.dilation),
        "ceil_mode": int(bool(geometry.get("ceil_mode", False))),
    }
    return planes, lead, attributes


def _pooled(rt: _Runtime, op: str, planes: np.ndarray, lead: tuple, attributes: dict) -> PeerCall:
    """The call of the pool ``op`` on ``planes``, its result unfolded to the ``lead`` axes."""
    call = _call(rt, op, [planes], attributes, ("X",))

    def run():
        y = call.run()
        return y.reshape(lead + y.shape[2:])

    return dataclasses.replace(call, run=run)


def max_pool(rt: _Runtime, x: Any, kernel_size: Any, axes: Any, geometry: dict, dtypes: tuple[str, ...]) -> PeerCall:
    """ONNX ``MaxPool`` (in ``dtypes``)."""
    planes, lead, attributes = _pool(rt, f"{rt.peer}.max_pool", x, kernel_size, axes, geometry, dtypes)
    return _pooled(rt, "MaxPool", planes, lead, attributes)


def avg_pool(
    rt: _Runtime, x: Any, kernel_size: Any, axes: Any, geometry: dict, count_include_pad: bool, divisor_override: Any
) -> PeerCall:
    """ONNX ``AveragePool``; no ``divisor_override``."""
    name = f"{rt.peer}.avg_pool"
    planes, lead, attributes = _pool(rt, name, x, kernel_size, axes, geometry)
    if divisor_override is not None:
        raise refuse(name, "divisor_override")
    attributes["count_include_pad"] = int(bool(count_include_pad))
    return _pooled(rt, "AveragePool", planes, lead, attributes)


def lp_pool(rt: _Runtime, x: Any, p: float, kernel_size: Any, axes: Any, geometry: dict) -> PeerCall:
    """ONNX ``LpPool`` (the p-norm of each window); ``p`` an integer."""
    name = f"{rt.peer}.lp_pool"
    planes, lead, attributes = _pool(rt, name, x, kernel_size, axes, geometry)
    if not (isinstance(p, (int, float, np.integer, np.floating)) and p == int(p) and 0 < p < math.inf):
        raise refuse(name, f"p={p!r} (ONNX's p is an integer)")
    attributes["p"] = int(p)
    return _pooled(rt, "LpPool", planes, lead, attributes)
