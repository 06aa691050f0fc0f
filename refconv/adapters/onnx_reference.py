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

from typing import Any

import numpy as np

from . import Finding, PeerCall, _availability, adapter
from . import _onnx_models as _models
from ._translate import _ints, _problems

_DTYPES = ("float32", "float64")

available = _availability("onnx_reference")

_REFERENCE = _models._Runtime(
    "onnx_reference", "onnx.reference", _models._evaluator, _DTYPES, output_padding_below_stride=False
)


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


#: onnx.reference's LpPool scales a ceil-mode window clipped by the input's end, as torch's formula does.
LPPOOL_CEIL = Finding(
    "onnx-reference-lppool-ceil",
    "onnx.reference LpPool with ceil_mode=1 scales a window clipped to c < K cells by K/c: "
    "[1, 2, 3, 4, 5], kernel 2, p=1 should give [3, 7, 5], not [3, 7, 10]",
    "onnx/reference/ops/op_lp_pool.py (an average pool times the kernel size); no onnx issue found",
    _no_ceil_mode,
)


@adapter("conv", "onnx_reference", _models._conv_problems, dtypes=_DTYPES, conventions="ORT's Conv model; zeros only")
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
    geometry = {"stride": stride, "padding": padding, "dilation": dilation}
    return _models.conv(_REFERENCE, x, w, bias, geometry, groups, padding_mode)


@adapter(
    "conv_transpose",
    "onnx_reference",
    _problems("conv_transpose", any_peer=True),
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
    geometry = {"padding": padding, "output_padding": output_padding, "stride": stride, "dilation": dilation}
    return _models.conv_transpose(_REFERENCE, x, w, bias, geometry, groups)


@adapter(
    "max_pool",
    "onnx_reference",
    _problems("max_pool", any_peer=True),
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
    geometry = {
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "ceil_mode": ceil_mode,
        "pad_rule": pad_rule,
    }
    return _models.max_pool(_REFERENCE, x, kernel_size, axes, geometry, _DTYPES)


@adapter(
    "avg_pool",
    "onnx_reference",
    _problems("avg_pool", any_peer=True),
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
    geometry = {
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "ceil_mode": ceil_mode,
        "pad_rule": pad_rule,
    }
    return _models.avg_pool(_REFERENCE, x, kernel_size, axes, geometry, count_include_pad, divisor_override)


@adapter(
    "lp_pool",
    "onnx_reference",
    _models._lp_problems,
    dtypes=_DTYPES,
    conventions="the p-norm (abs); integer p",
    findings=(LPPOOL_CEIL,),
)
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
    geometry = {
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "ceil_mode": ceil_mode,
        "pad_rule": pad_rule,
    }
    return _models.lp_pool(_REFERENCE, x, p, kernel_size, axes, geometry)


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
