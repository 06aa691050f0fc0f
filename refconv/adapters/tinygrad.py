"""tinygrad with refconv's signatures: ``Tensor.conv2d``, ``Tensor.max_pool2d`` and ``Tensor.avg_pool2d``.

What the adapters know:

- Despite the names, all three take any number of spatial axes (the last ``len(kernel)`` ones);
  ``conv2d``'s layouts are refconv's (``N, C, *spatial``; weight ``(M, C/groups, *k)``), with
  ``groups``, stride, dilation and an optional bias.
- ``padding`` is an int, one int per axis, or **per-side pairs listed from the last axis back**
  (``(left, right, top, bottom, ...)``, as torch's ``F.pad``): the adapters always pass the
  per-side form, reversed from refconv's ``((lo, hi), ...)`` first-axis-first pairs.
- ``max_pool2d`` pads with the dtype's minimum (``-inf`` for floats); ``avg_pool2d`` has
  ``dilation``, ``ceil_mode`` and ``count_include_pad`` but no ``divisor_override`` (refused);
  both default the stride to the window, as refconv.
- Device: :data:`DEVICE` when set; else tinygrad's own choice when ``DEV`` is in the environment;
  else ``"CPU"`` (it compiles kernels with clang, ``CC``) when clang is on the path; else
  ``"PYTHON"`` (tinygrad's emulator: no compiler needed, slow, every value a Python float until
  stored).  Each new shape is compiled once (about a second on CPU), then cached by tinygrad.

Examples
--------
>>> conv.translate(np.ones((1, 1, 3, 5)), np.ones((1, 1, 2, 2)), padding=((1, 0), (0, 2)), stride=(1, 2))
tinygrad.Tensor.conv2d(x, w, None, groups=1, stride=(1, 2), dilation=(1, 1), padding=(0, 2, 1, 0))
"""

from __future__ import annotations

import os
import shutil
from typing import Any

import numpy as np

from ..strategies._peer_spaces import layer_space
from ..strategies._spaces import Options
from . import PeerCall, _availability, adapter, refuse
from ._translate import _conv_operands, _pool_operand, _problems

_DTYPES = ("float32", "float64")

#: The tinygrad device the adapters run on; None: chosen as the module's docstring says.
DEVICE: str | None = None

available = _availability("tinygrad")


def _device() -> str | None:
    if DEVICE is not None:
        return DEVICE
    if os.environ.get("DEV"):
        return None  # the user's choice, which tinygrad reads itself
    return "CPU" if shutil.which(os.environ.get("CC", "clang")) else "PYTHON"


def _flat_pads(pads) -> tuple[int, ...]:
    """refconv's first-axis-first ``(lo, hi)`` pairs as tinygrad's last-axis-first flat list."""
    return tuple(v for lo, hi in reversed(pads) for v in (lo, hi))


def _tensor(a: np.ndarray):
    from tinygrad import Tensor

    return Tensor(np.ascontiguousarray(a), device=_device())


def _conv_problems(opt: Options):
    return layer_space(opt, (1, 2, 3), padding_modes=("zeros",))


@adapter("conv", "tinygrad", _conv_problems, conventions="NC*/OI*; per-side pads last axis first; zeros only")
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
    """``tinygrad.Tensor.conv2d`` (any rank), as :func:`refconv.conv`.

    Examples
    --------
    >>> conv.translate(np.ones((2, 5)), np.ones((1, 2, 3)), padding="same")
    Traceback (most recent call last):
    ...
    refconv.adapters.Unsupported: tinygrad.conv: an unbatched input of shape (2, 5) (tinygrad wants N, C, *spatial)
    is not supported by the peer
    """
    geometry = {"padding": padding, "stride": stride, "dilation": dilation}
    zeros = {"padding_mode": padding_mode, "pads_with": "conv2d", "batched": "tinygrad"}
    x, w, spec = _conv_operands("tinygrad.conv", x, w, _DTYPES, geometry, **zeros)
    keywords = {
        "groups": int(groups),
        "stride": spec.stride,
        "dilation": spec.dilation,
        "padding": _flat_pads(spec.pads),
    }
    b = None if bias is None else np.asarray(bias)

    def run():
        return _tensor(x).conv2d(_tensor(w), None if b is None else _tensor(b), **keywords).numpy()

    return PeerCall("tinygrad.Tensor.conv2d", ("x", "w", "None" if b is None else "b"), keywords, run)


def _pool(name: str, x: Any, kernel_size: Any, axes: Any, **geometry: Any):
    x, spec = _pool_operand(name, x, kernel_size, axes, _DTYPES, geometry, pooled="tinygrad pools the last axes")
    keywords = {
        "kernel_size": spec.kernel_shape,
        "stride": spec.stride,
        "dilation": spec.dilation,
        "padding": _flat_pads(spec.pads),
        "ceil_mode": bool(geometry.get("ceil_mode", False)),
    }
    return x, keywords


@adapter("max_pool", "tinygrad", _problems("max_pool"), conventions="any rank; pads with the dtype's minimum")
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
    """``tinygrad.Tensor.max_pool2d`` (any rank), as :func:`refconv.max_pool`.

    Examples
    --------
    >>> max_pool.translate(np.ones((2, 6)), 3, stride=2, padding=1, ceil_mode=True)
    tinygrad.Tensor.max_pool2d(x, kernel_size=(3,), stride=(2,), dilation=(1,), padding=(1, 1), ceil_mode=True)
    """
    geometry = {"stride": stride, "padding": padding, "dilation": dilation, "ceil_mode": ceil_mode}
    x, keywords = _pool("tinygrad.max_pool", x, kernel_size, axes, **geometry, pad_rule=pad_rule)
    return PeerCall("tinygrad.Tensor.max_pool2d", ("x",), keywords, lambda: _tensor(x).max_pool2d(**keywords).numpy())


@adapter("avg_pool", "tinygrad", _problems("avg_pool"), conventions="any rank; no divisor_override")
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
    """``tinygrad.Tensor.avg_pool2d`` (any rank), as :func:`refconv.avg_pool`.

    Examples
    --------
    >>> avg_pool.translate(np.ones(6), 3, stride=2, padding=1, count_include_pad=False)
    tinygrad.Tensor.avg_pool2d(x, kernel_size=(3,), stride=(2,), dilation=(1,), padding=(1, 1), ceil_mode=False,
                               count_include_pad=False)
    """
    name = "tinygrad.avg_pool"
    geometry = {"stride": stride, "padding": padding, "dilation": dilation, "ceil_mode": ceil_mode}
    x, keywords = _pool(name, x, kernel_size, axes, **geometry, pad_rule=pad_rule)
    if divisor_override is not None:
        raise refuse(name, "divisor_override")
    keywords["count_include_pad"] = bool(count_include_pad)
    return PeerCall("tinygrad.Tensor.avg_pool2d", ("x",), keywords, lambda: _tensor(x).avg_pool2d(**keywords).numpy())


__all__ = ["available", "DEVICE", "conv", "max_pool", "avg_pool"]
