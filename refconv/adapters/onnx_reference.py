"""ONNX's reference evaluator with refconv's signatures: the one-node models of
:mod:`refconv.adapters.onnxruntime` (``Conv``, ``ConvTranspose``, ``MaxPool``, ``AveragePool``,
``LpPool``) run by ``onnx.reference.ReferenceEvaluator`` (NumPy code, float32 and float64).

What the adapter knows (beyond what the ONNX Runtime adapter says about the ops' attributes):

- The model and its attributes are the ONNX Runtime adapter's, built by the same code; only the
  runner differs, so a disagreement between the two is the runtimes', not the translation's.
- ``auto_pad`` ``SAME_*`` is used only without dilation (the ONNX Runtime rule, kept so both peers
  run the same model); explicit ``pads`` otherwise.
- ``ConvTranspose`` takes ``output_padding`` below the stride *or* the dilation (as refconv and
  torch): the evaluator's refusal of the second is a finding, not a declared limit.
- ``AveragePool`` and ``LpPool`` take ``dilations`` (opset 19 and 18); pads beyond half the
  kernel with ``pad_rule="onnx"``.

Known findings (each is avoided by ``check(..., skip_known=True)``; see docs/findings.rst):
:data:`TRANSPOSE_OUTPUT_PADDING`, :data:`TRANSPOSE_GROUPS`, :data:`MAXPOOL_PADS`,
:data:`AVGPOOL_CEIL`.

Examples
--------
>>> conv.translate(np.ones((1, 1, 5)), np.ones((1, 1, 2)), stride=2, padding=((0, 1),))
onnx.reference Conv(X, W, kernel_shape=[2], strides=[2], dilations=[1], group=1, auto_pad='SAME_UPPER')
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any

import numpy as np

from .._validation import int_tuple, pad_pairs
from ..spec import layer_spec, transpose_spec
from ..strategies._peer_spaces import layer_space, lp_space, narrowed
from ..strategies._spaces import STRATEGIES, Options
from . import Finding, PeerCall, _availability, adapter, refuse
from ._translate import _ints, _require_dtype
from .onnxruntime import _auto_pad, _call, _flat, _model, _pool, _unfold

_DTYPES = ("float32", "float64")

available = _availability("onnx_reference")


@functools.lru_cache(maxsize=512)
def _evaluator(op: str, attributes: tuple, shapes: tuple, dtype: str):
    """A ReferenceEvaluator of the one-node model ``op`` (it has ORT's ``run(None, feeds)``)."""
    from onnx.reference import ReferenceEvaluator

    return ReferenceEvaluator(_model(op, attributes, shapes, dtype))


def _run(op: str, inputs: list, attributes: dict, shown: tuple[str, ...]) -> PeerCall:
    call = _call(op, inputs, attributes, shown, build=_evaluator)
    return dataclasses.replace(call, function=f"onnx.reference {op}")


def _output_padding_ok(args: tuple, kwargs: dict) -> bool:
    rank = np.ndim(args[1]) - 2
    extra = _ints(kwargs.get("output_padding", 0), rank)
    return all(e < s for e, s in zip(extra, _ints(kwargs.get("stride", 1), rank)))


def _ungrouped_or_depthwise(args: tuple, kwargs: dict) -> bool:
    groups, shape = int(kwargs.get("groups", 1)), np.shape(args[1])
    return groups == 1 or (shape[0] == groups and shape[1] == 1 and (len(args) < 3 or args[2] is None))


def _no_pads(args: tuple, kwargs: dict) -> bool:
    padding = kwargs.get("padding", 0)
    return all(p == 0 for p in np.ravel(np.asarray(padding, dtype=object)))


def _no_ceil_mode(args: tuple, kwargs: dict) -> bool:
    return not kwargs.get("ceil_mode", False)


#: onnx.reference's ConvTranspose sizes its col2im by the stride alone.
TRANSPOSE_OUTPUT_PADDING = Finding(
    "onnx-reference-convtranspose-output-padding",
    "onnx.reference ConvTranspose raises for output_padding >= stride (allowed below the dilation): "
    "x=[[2]], w=[[3]], dilations (1, 3), output_padding (0, 2) should give [[6, 0, 0]]",
    "onnx/reference/ops/op_conv_transpose.py (col2im sized without output_padding); no onnx issue found",
    _output_padding_ok,
)

#: onnx.reference's grouped ConvTranspose slices W's input-channel axis by output channels (only a depthwise
#: weight fits) and hands every group the whole bias (each adds B[0:M/group]).
TRANSPOSE_GROUPS = Finding(
    "onnx-reference-convtranspose-groups",
    "onnx.reference ConvTranspose raises for group > 1 unless depthwise (one channel in and out per group): "
    "x=[2, 5], W=[[1, 10], [100, 1000]], group=2 should give [2, 20, 500, 5000]; depthwise, every group "
    "adds the first group's bias",
    "onnx/reference/ops/op_conv_transpose.py; no onnx issue found",
    _ungrouped_or_depthwise,
)

#: onnx.reference's MaxPool (stride 1 path) indexes past the input for a window in the end pads.
MAXPOOL_PADS = Finding(
    "onnx-reference-maxpool-pads",
    "onnx.reference MaxPool raises IndexError when pads put a window past the input: "
    "[5, 7], kernel 2, stride 1, pads 1 should give [5, 7, 7]",
    "onnx/reference/ops/op_max_pool.py, op_pool_common.py; no onnx issue found",
    _no_pads,
)

#: onnx.reference's AveragePool with ceil_mode=1 divides even full windows wrongly.
AVGPOOL_CEIL = Finding(
    "onnx-reference-averagepool-ceil",
    "onnx.reference AveragePool is wrong with ceil_mode=1, even on full windows: "
    "[1, 2, 3, 4], kernel 3, stride 3 should give [2, 4], not [1.5, 3]",
    "onnx/reference/ops/op_average_pool.py, op_pool_common.py; no onnx issue found",
    _no_ceil_mode,
)


def _conv_problems(opt: Options):
    return layer_space(opt, (1, 2, 3), presets=("onnx_upper", "onnx_lower"), padding_modes=("zeros",))


@adapter("conv", "onnx_reference", _conv_problems, dtypes=_DTYPES, conventions="ORT's Conv model; zeros only")
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
    """ONNX ``Conv`` run by ``onnx.reference``, as :func:`refconv.conv`.

    Examples
    --------
    >>> conv.translate(np.ones((1, 1, 5)), np.ones((1, 1, 2)), padding=((1, 0),), dilation=2)
    onnx.reference Conv(X, W, kernel_shape=[2], strides=[1], dilations=[2], group=1, pads=[1, 0])
    """
    name = "onnx_reference.conv"
    x, w = np.asarray(x), np.asarray(w)
    _require_dtype(name, x, _DTYPES)
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
    return _run("Conv", inputs, attributes, ("X", "W", "B")[: len(inputs)])


def _transpose_problems(opt: Options):
    return STRATEGIES["conv_transpose"](dataclasses.replace(narrowed(opt, (1, 2, 3)), peer=None))


@adapter(
    "conv_transpose",
    "onnx_reference",
    _transpose_problems,
    dtypes=_DTYPES,
    conventions="output_padding below the stride or the dilation",
    findings=(TRANSPOSE_OUTPUT_PADDING, TRANSPOSE_GROUPS),
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
) -> PeerCall:
    """ONNX ``ConvTranspose`` run by ``onnx.reference``, as :func:`refconv.conv_transpose`.

    Examples
    --------
    >>> conv_transpose.translate(np.ones((1, 1, 1, 1)), np.ones((1, 1, 1, 1)), dilation=(1, 3), output_padding=(0, 2))
    onnx.reference ConvTranspose(X, W, kernel_shape=[1, 1], strides=[1, 1], dilations=[1, 3], group=1,
                                 pads=[0, 0, 0, 0], output_padding=[0, 2])
    """
    name = "onnx_reference.conv_transpose"
    x, w = np.asarray(x), np.asarray(w)
    _require_dtype(name, x, _DTYPES)
    rank = w.ndim - 2
    if x.ndim != rank + 2:
        raise refuse(name, f"an unbatched input of shape {x.shape} (ONNX wants N, C, *spatial)")
    kw = {"padding": padding, "output_padding": output_padding, "stride": stride, "dilation": dilation}
    forward = transpose_spec(name, x.shape[-rank:], w.shape[2:], **kw)
    attributes = {
        "kernel_shape": list(forward.kernel_shape),
        "strides": list(forward.stride),
        "dilations": list(forward.dilation),
        "group": int(groups),
        "pads": _flat(pad_pairs(name, "padding", padding, rank)),
        "output_padding": list(int_tuple(name, "output_padding", output_padding, rank, minimum=0)),
    }
    inputs = [x, w] + ([np.asarray(bias)] if bias is not None else [])
    return _run("ConvTranspose", inputs, attributes, ("X", "W", "B")[: len(inputs)])


def _pool_problems(kind: str):
    def problems(opt: Options):
        return STRATEGIES[f"{kind}_pool"](dataclasses.replace(narrowed(opt, (1, 2, 3)), peer=None))

    return problems


@adapter(
    "max_pool",
    "onnx_reference",
    _pool_problems("max"),
    dtypes=_DTYPES,
    conventions="ORT's MaxPool model (strides passed)",
    findings=(MAXPOOL_PADS,),
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
    pad_rule: str = "torch",
) -> PeerCall:
    """ONNX ``MaxPool`` run by ``onnx.reference``, as :func:`refconv.max_pool`.

    Examples
    --------
    >>> max_pool.translate(np.array([5.0, 7.0]), 2, stride=1, padding=1)
    onnx.reference MaxPool(X, kernel_shape=[2], strides=[1], pads=[1, 1], dilations=[1], ceil_mode=0)
    """
    geometry = {"stride": stride, "padding": padding, "dilation": dilation, "ceil_mode": ceil_mode}
    planes, lead, attributes = _pool(
        "onnx_reference.max_pool", x, kernel_size, axes, _DTYPES, **geometry, pad_rule=pad_rule
    )
    return _unfold(_run("MaxPool", [planes], attributes, ("X",)), lead)


@adapter(
    "avg_pool",
    "onnx_reference",
    _pool_problems("avg"),
    dtypes=_DTYPES,
    conventions="count_include_pad passed; no divisor_override",
    findings=(AVGPOOL_CEIL,),
)
def avg_pool(
    x: Any,
    kernel_size: Any,
    *,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
    axes: Any = None,
    pad_rule: str = "torch",
) -> PeerCall:
    """ONNX ``AveragePool`` run by ``onnx.reference``, as :func:`refconv.avg_pool`.

    Examples
    --------
    >>> avg_pool.translate(np.array([1.0, 2.0, 3.0, 4.0]), 3, ceil_mode=True, count_include_pad=False)
    onnx.reference AveragePool(X, kernel_shape=[3], strides=[3], pads=[0, 0], dilations=[1], ceil_mode=1,
                               count_include_pad=0)
    """
    name = "onnx_reference.avg_pool"
    geometry = {"stride": stride, "padding": padding, "dilation": dilation, "ceil_mode": ceil_mode}
    planes, lead, attributes = _pool(name, x, kernel_size, axes, _DTYPES, **geometry, pad_rule=pad_rule)
    if divisor_override is not None:
        raise refuse(name, "divisor_override")
    attributes["count_include_pad"] = int(bool(count_include_pad))
    return _unfold(_run("AveragePool", [planes], attributes, ("X",)), lead)


def _lp_problems(opt: Options):
    return lp_space(narrowed(opt, (1, 2, 3)))


@adapter("lp_pool", "onnx_reference", _lp_problems, dtypes=_DTYPES, conventions="the p-norm (abs); integer p")
def lp_pool(
    x: Any,
    p: float,
    kernel_size: Any,
    *,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    axes: Any = None,
    pad_rule: str = "torch",
) -> PeerCall:
    """ONNX ``LpPool`` (the p-norm of each window) run by ``onnx.reference``, as :func:`refconv.lp_pool`.

    Examples
    --------
    >>> lp_pool.translate(np.ones((1, 6)), 2, 3)
    onnx.reference LpPool(X, kernel_shape=[3], strides=[3], pads=[0, 0], dilations=[1], ceil_mode=0, p=2)
    """
    name = "onnx_reference.lp_pool"
    geometry = {"stride": stride, "padding": padding, "dilation": dilation, "ceil_mode": ceil_mode}
    planes, lead, attributes = _pool(name, x, kernel_size, axes, _DTYPES, **geometry, pad_rule=pad_rule)
    if not (isinstance(p, (int, float, np.integer, np.floating)) and p == int(p) and 0 < p < math.inf):
        raise refuse(name, f"p={p!r} (ONNX's p is an integer)")
    attributes["p"] = int(p)
    return _unfold(_run("LpPool", [planes], attributes, ("X",)), lead)


__all__ = [
    "available",
    "conv",
    "conv_transpose",
    "max_pool",
    "avg_pool",
    "lp_pool",
    "TRANSPOSE_OUTPUT_PADDING",
    "TRANSPOSE_GROUPS",
    "MAXPOOL_PADS",
    "AVGPOOL_CEIL",
]
