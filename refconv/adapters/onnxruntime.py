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

from typing import Any

import numpy as np  # noqa: F401  (np: the examples' arrays)

from . import PeerCall, _availability, adapter
from . import _onnx_models as _models
from ._translate import _problems

_FLOATS = ("float16", "float32")

available = _availability("onnxruntime")

_ORT = _models._Runtime("onnxruntime", "onnx", _models._session, _FLOATS, output_padding_below_stride=True)


@adapter(
    "conv", "onnxruntime", _models._conv_problems, dtypes=_FLOATS, conventions="auto_pad SAME_UPPER/LOWER; zeros only"
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
) -> PeerCall:
    """ONNX ``Conv``, as :func:`refconv.conv`.

    Examples
    --------
    >>> conv.translate(np.ones((1, 1, 5), np.float32), np.ones((1, 1, 2), np.float32), padding=((1, 0),), dilation=2)
    onnx Conv(X, W, kernel_shape=[2], strides=[1], dilations=[2], group=1, pads=[1, 0])
    """
    geometry = {"stride": stride, "padding": padding, "dilation": dilation}
    return _models.conv(_ORT, x, w, bias, geometry, groups, padding_mode)


@adapter(
    "conv_transpose",
    "onnxruntime",
    _problems("conv_transpose", any_peer=True),
    dtypes=_FLOATS,
    conventions="output_padding < stride",
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
    geometry = {"padding": padding, "output_padding": output_padding, "stride": stride, "dilation": dilation}
    return _models.conv_transpose(_ORT, x, w, bias, geometry, groups)


@adapter(
    "max_pool",
    "onnxruntime",
    _problems("max_pool", any_peer=True),
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
    return _models.max_pool(_ORT, x, kernel_size, axes, geometry, (*_FLOATS, "float64"))


@adapter(
    "avg_pool",
    "onnxruntime",
    _problems("avg_pool", any_peer=True),
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
    geometry = {"stride": stride, "padding": padding, "ceil_mode": ceil_mode}
    return _models.avg_pool(_ORT, x, kernel_size, axes, geometry, count_include_pad, divisor_override)


@adapter("lp_pool", "onnxruntime", _models._lp_problems, dtypes=_FLOATS, conventions="the p-norm (abs); integer p")
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
    return _models.lp_pool(_ORT, x, p, kernel_size, axes, {"stride": stride, "ceil_mode": ceil_mode})


__all__ = ["available", "conv", "conv_transpose", "max_pool", "avg_pool", "lp_pool"]
