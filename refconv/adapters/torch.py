"""PyTorch with refconv's signatures: ``conv``, ``conv_transpose``, ``max_pool``, ``avg_pool``, ``lp_pool``.

refconv's layer functions follow torch, so the translation is mostly the rank: ``conv`` calls
``torch.nn.functional.conv{1,2,3}d``, the pools ``*_pool{1,2,3}d``.  What the adapter knows:

- ``padding="same"`` is torch's own (larger half after, stride 1 only); refconv's ``"full"`` is
  ``d*(k-1)`` on both sides; explicit ``(before, after)`` pairs go through when they are
  symmetric and are refused otherwise (torch has no asymmetric padding).
- ``padding_mode`` other than ``"zeros"`` exists only on ``torch.nn.ConvNd``, which pads with
  ``F.pad`` and convolves unpadded; the adapter builds that module, so torch's own code runs.
- Pools take ``(C, *spatial)`` or ``(N, C, *spatial)``; refconv's pools take any leading axes,
  which the adapter folds into one channel axis.  ``avg_pool1d`` has no ``divisor_override``.
- ``lp_pool`` is torch's formula, not the p-norm: ``(sign(a)*relu(|a|)*K)**(1/p)`` with ``a``
  the average of ``x**p`` (no absolute value; a ceil-mode window clipped to ``c < K`` cells is
  overcounted by ``K/c``).  :func:`refconv.pooling.lp_pool_torch` reproduces it;
  :func:`refconv.lp_pool` is the norm, so the two differ there (see the README's findings).

Examples
--------
>>> conv.translate(np.ones((2, 3, 8, 8)), np.ones((4, 3, 3, 3)), stride=2, padding=((1, 1), (2, 2)))
torch.nn.functional.conv2d(x, w, None, stride=(2, 2), padding=(1, 2), dilation=(1, 1), groups=1)
>>> conv.translate(np.ones((1, 1, 5)), np.ones((1, 1, 2)), padding=((1, 0),))
Traceback (most recent call last):
...
refconv.adapters.Unsupported: torch.conv: asymmetric padding ((1, 0),) is not supported by the peer
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .._validation import pad_pairs
from ..strategies._peer_spaces import lp_space, narrowed
from ..strategies._spaces import Options
from . import PeerCall, _availability, adapter, refuse
from ._translate import _conv_operands, _flat_leading, _ints, _pool_operand, _problems, _transpose_operands

_DTYPES = ("float16", "float32", "float64")
_RANKS = (1, 2, 3)
_MODULES = {"zeros": None, "reflect": "reflect", "replicate": "replicate", "circular": "circular"}


available = _availability("torch")


def _torch():
    import torch

    return torch


def _tensor(a: Any):
    # torch takes native byte order only: a big-endian array is the same numbers in another layout.
    a = np.asarray(a)
    return _torch().from_numpy(np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("=")))


def _rank(name: str, rank: int) -> int:
    if rank not in _RANKS:
        raise refuse(name, f"spatial rank {rank} (torch has 1-D, 2-D and 3-D)")
    return rank


def _symmetric(name: str, pads: tuple[tuple[int, int], ...]) -> tuple[int, ...]:
    if any(lo != hi for lo, hi in pads):
        raise refuse(name, f"asymmetric padding {pads}")
    return tuple(lo for lo, _ in pads)


@adapter(
    "conv",
    "torch",
    _problems("conv", _RANKS),
    dtypes=_DTYPES,
    conventions="NC* / OI*; padding='same' larger half after; padding_mode via nn.ConvNd; symmetric pads only",
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
    """``torch.nn.functional.conv{1,2,3}d`` (or ``torch.nn.Conv{1,2,3}d`` for a padding_mode), as :func:`refconv.conv`.

    Examples
    --------
    >>> conv.translate(np.ones((1, 1, 6)), np.ones((1, 1, 3)), padding=1, padding_mode="circular")
    torch.nn.Conv1d(1, 1, (3,), stride=(1,), padding=(1,), dilation=(1,), groups=1, bias=False, padding_mode='circular')
    """
    name = "torch.conv"
    geometry = {"padding": padding, "stride": stride, "dilation": dilation}
    x, w, spec = _conv_operands(name, x, w, _DTYPES, geometry, rank_ok=_rank)
    rank = spec.ndim
    if isinstance(padding, str) and padding in ("same", "valid"):
        pad: Any = padding
    else:  # ints, "full", pairs: explicit pads, which torch takes when they are symmetric
        pad = _symmetric(name, spec.pads)
    if padding_mode not in _MODULES:
        raise refuse(name, f"padding_mode={padding_mode!r}")
    b = None if bias is None else np.asarray(bias)
    common = {"stride": spec.stride, "padding": pad, "dilation": spec.dilation, "groups": int(groups)}
    if padding_mode == "zeros":

        def run():
            torch = _torch()
            f = getattr(torch.nn.functional, f"conv{rank}d")
            with torch.no_grad(), warnings.catch_warnings():
                # torch warns that an even "same" may copy the input: a performance note, not ours.
                warnings.filterwarnings("ignore", message="Using padding='same'")
                return f(_tensor(x), _tensor(w), None if b is None else _tensor(b), **common).numpy()

        return PeerCall(
            f"torch.nn.functional.conv{rank}d", ("x", "w", "bias" if b is not None else "None"), common, run
        )

    c_out, c_in = w.shape[0], w.shape[1] * int(groups)
    keywords = {**common, "bias": b is not None, "padding_mode": padding_mode}

    def run_module():
        torch = _torch()
        module = getattr(torch.nn, f"Conv{rank}d")(c_in, c_out, w.shape[2:], dtype=_tensor(w).dtype, **keywords)
        with torch.no_grad():
            module.weight.copy_(_tensor(w))
            if b is not None:
                module.bias.copy_(_tensor(b))
            return module(_tensor(x)).numpy()

    return PeerCall(f"torch.nn.Conv{rank}d", (str(c_in), str(c_out), str(tuple(w.shape[2:]))), keywords, run_module)


@adapter(
    "conv_transpose",
    "torch",
    _problems("conv_transpose", _RANKS),
    dtypes=_DTYPES,
    conventions="weight (C_in, C_out/g, *k)",
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
    """``torch.nn.functional.conv_transpose{1,2,3}d``, as :func:`refconv.conv_transpose`.

    Examples
    --------
    >>> conv_transpose.translate(np.ones((1, 2, 4)), np.ones((2, 3, 3)), stride=2, padding=1, output_padding=1)
    torch.nn.functional.conv_transpose1d(x, w, None, stride=(2,), padding=(1,), output_padding=(1,), groups=1,
                                         dilation=(1,))
    """
    name = "torch.conv_transpose"
    kw = {"padding": padding, "output_padding": output_padding, "stride": stride, "dilation": dilation}
    x, w, spec = _transpose_operands(name, x, w, _DTYPES, kw, rank_ok=_rank)
    rank = spec.ndim
    pad = _symmetric(name, pad_pairs(name, "padding", padding, rank))
    keywords = {
        "stride": spec.stride,
        "padding": pad,
        "output_padding": _ints(output_padding, rank),
        "groups": int(groups),
        "dilation": spec.dilation,
    }
    b = None if bias is None else np.asarray(bias)

    def run():
        torch = _torch()
        f = getattr(torch.nn.functional, f"conv_transpose{rank}d")
        with torch.no_grad():
            return f(_tensor(x), _tensor(w), None if b is None else _tensor(b), **keywords).numpy()

    return PeerCall(
        f"torch.nn.functional.conv_transpose{rank}d", ("x", "w", "None" if b is None else "bias"), keywords, run
    )


def _pool_setup(name: str, x: Any, kernel_size: Any, axes: Any, **geometry: Any):
    x, spec = _pool_operand(
        name, x, kernel_size, axes, _DTYPES, geometry, pooled="torch pools the last axes", rank_ok=_rank
    )
    planes, lead = _flat_leading(x, spec.ndim)
    return planes, lead, spec.ndim, spec


def _pool_call(function: str, planes: np.ndarray, lead: tuple, keywords: dict) -> PeerCall:
    def run():
        torch = _torch()
        f = getattr(torch.nn.functional, function.rsplit(".", 1)[1])
        with torch.no_grad():
            y = f(_tensor(planes), **keywords).numpy()
        return y.reshape(lead + y.shape[2:])

    return PeerCall(function, ("x",), keywords, run)


@adapter("max_pool", "torch", _problems("max_pool", _RANKS), dtypes=_DTYPES, conventions="pads <= k//2; NaN wins")
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
    """``torch.nn.functional.max_pool{1,2,3}d``, as :func:`refconv.max_pool`.

    Examples
    --------
    >>> max_pool.translate(np.ones((2, 3, 7)), 3, stride=2, padding=1, ceil_mode=True)
    torch.nn.functional.max_pool1d(x, kernel_size=(3,), stride=(2,), padding=(1,), dilation=(1,), ceil_mode=True)
    """
    name = "torch.max_pool"
    geometry = {"stride": stride, "padding": padding, "dilation": dilation, "ceil_mode": ceil_mode}
    planes, lead, rank, spec = _pool_setup(name, x, kernel_size, axes, **geometry)
    keywords = {
        "kernel_size": spec.kernel_shape,
        "stride": spec.stride,
        "padding": _symmetric(name, spec.pads),
        "dilation": spec.dilation,
        "ceil_mode": bool(ceil_mode),
    }
    return _pool_call(f"torch.nn.functional.max_pool{rank}d", planes, lead, keywords)


@adapter(
    "avg_pool",
    "torch",
    _problems("avg_pool", _RANKS),
    dtypes=_DTYPES,
    conventions="count_include_pad; ceil overhang never counted; divisor_override 2-D/3-D only",
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
    """``torch.nn.functional.avg_pool{1,2,3}d``, as :func:`refconv.avg_pool`.

    Examples
    --------
    >>> avg_pool.translate(np.ones((1, 6)), 3, stride=2, padding=1, divisor_override=2)
    Traceback (most recent call last):
    ...
    refconv.adapters.Unsupported: torch.avg_pool: divisor_override in 1-D (avg_pool1d has none)
    is not supported by the peer
    """
    name = "torch.avg_pool"
    geometry = {"stride": stride, "padding": padding, "ceil_mode": ceil_mode}
    planes, lead, rank, spec = _pool_setup(name, x, kernel_size, axes, **geometry)
    keywords = {
        "kernel_size": spec.kernel_shape,
        "stride": spec.stride,
        "padding": _symmetric(name, spec.pads),
        "ceil_mode": bool(ceil_mode),
        "count_include_pad": bool(count_include_pad),
    }
    if divisor_override is not None:
        if rank == 1:
            raise refuse(name, "divisor_override in 1-D (avg_pool1d has none)")
        keywords["divisor_override"] = int(divisor_override)
    return _pool_call(f"torch.nn.functional.avg_pool{rank}d", planes, lead, keywords)


def _lp_problems(opt: Options):
    return lp_space(narrowed(opt, _RANKS), leading=1)


@adapter(
    "lp_pool",
    "torch",
    _lp_problems,
    dtypes=_DTYPES,
    conventions="torch's formula (no abs, ceil windows scaled by K): lp_pool_torch, not the norm",
)
def lp_pool(
    x: Any,
    p: float,
    kernel_size: Any,
    *,
    stride: Any = None,
    ceil_mode: bool = False,
    axes: Any = None,
) -> PeerCall:
    """``torch.nn.functional.lp_pool{1,2,3}d``, called as :func:`refconv.lp_pool` (torch's values: see the module).

    Examples
    --------
    >>> lp_pool.translate(np.ones((1, 5)), 2, 2, ceil_mode=True)
    torch.nn.functional.lp_pool1d(x, norm_type=2.0, kernel_size=2, stride=2, ceil_mode=True)
    """
    name = "torch.lp_pool"
    planes, lead, rank, spec = _pool_setup(name, x, kernel_size, axes, stride=stride, ceil_mode=ceil_mode)
    if not (isinstance(p, (int, float, np.integer, np.floating)) and 0 < p < math.inf):
        raise refuse(name, f"p={p!r} (torch takes a finite positive norm_type)")
    keywords = {
        "norm_type": float(p),
        "kernel_size": spec.kernel_shape,
        "stride": spec.stride,
        "ceil_mode": bool(ceil_mode),
    }
    if rank == 1:  # lp_pool1d multiplies by kernel_size: it must be an int, not a tuple
        keywords["kernel_size"], keywords["stride"] = spec.kernel_shape[0], spec.stride[0]
    return _pool_call(f"torch.nn.functional.lp_pool{rank}d", planes, lead, keywords)


__all__ = ["available", "conv", "conv_transpose", "max_pool", "avg_pool", "lp_pool"]
