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
- ``device=`` (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"`` or a ``torch.device``; or bind one
  with ``conv.on("cuda")``) moves the operands (and a padding-mode module) there and brings the
  result back as NumPy; the :class:`~refconv.adapters.PeerCall` records the device and
  :func:`math_flags` (TF32 and cuDNN determinism, which decide what CUDA float32 computes).  A
  device torch lacks is refused with the list of :func:`devices`; MPS has no float64 (refused as
  :class:`~refconv.adapters.Unsupported`).

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

from .._validation import fail, pad_pairs
from ..strategies._peer_spaces import lp_space, narrowed
from ..strategies._spaces import Options
from . import Finding, PeerCall, _availability, adapter, refuse
from ._registry import Devices, recorded
from ._translate import _conv_operands, _flat_leading, _ints, _pool_operand, _problems, _transpose_operands

_DTYPES = ("float16", "float32", "float64")
_RANKS = (1, 2, 3)
_MODULES = {"zeros": None, "reflect": "reflect", "replicate": "replicate", "circular": "circular"}


available = _availability("torch")


def _torch():
    import torch

    return torch


def _tensor(a: Any, device: str | None = None):
    # torch takes native byte order only: a big-endian array is the same numbers in another layout.
    a = np.asarray(a)
    t = _torch().from_numpy(np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("=")))
    return t if device is None else t.to(device)


def _host(t) -> np.ndarray:
    return t.cpu().numpy()


def devices() -> list[str]:
    """The devices torch can compute on here, by the names ``device=`` takes.

    Returns
    -------
    list of str
        ``"cpu"``, then ``"cuda:<i>"`` for each CUDA device, then ``"mps"`` where Apple's GPU is.

    See Also
    --------
    math_flags : the flags recorded with a call on a device.
    conv : takes ``device=`` (as every adapter here does).

    Examples
    --------
    >>> not available() or devices()[0] == "cpu"
    True
    """
    torch = _torch()
    names = ["cpu"]
    if torch.cuda.is_available():
        names += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        names.append("mps")
    return names


#: The flags read by :func:`math_flags`: torch's TF32 switches and cuDNN's determinism, and (torch
#: 2.9 and later) the same TF32 choice as ``fp32_precision``; a flag this torch lacks is left out.
FLAGS = (
    "torch.backends.cuda.matmul.allow_tf32",
    "torch.backends.cudnn.allow_tf32",
    "torch.backends.cudnn.deterministic",
    "torch.backends.cudnn.benchmark",
    "torch.backends.cuda.matmul.fp32_precision",
    "torch.backends.cudnn.conv.fp32_precision",
)


def math_flags() -> dict:
    """torch's math flags in force now: what CUDA float32 convolutions and matmuls compute in.

    Returns
    -------
    dict
        Each flag of :data:`FLAGS` this torch has, by its dotted name, with its value.

    See Also
    --------
    devices : the devices a call can run on.

    Examples
    --------
    >>> not available() or math_flags()["torch.backends.cudnn.deterministic"] in (True, False)
    True
    """
    flags = {}
    for path in FLAGS:
        obj: Any = _torch()
        for part in path.split(".")[1:]:
            obj = getattr(obj, part, None)
        if obj is not None:
            flags[path] = obj
    return flags


def _resolve(func: str, device: Any) -> str:
    """``device``'s name in :func:`devices`, or a ValueError naming ``device`` and listing them."""
    torch = _torch()
    here = devices()
    expected = f"one of {', '.join(map(repr, here))} (the devices torch has here)"
    if not isinstance(device, (str, torch.device)):
        raise fail(func, "device", device, "is not a device name or a torch.device", expected, TypeError)
    try:
        d = torch.device(device)
    except (RuntimeError, ValueError):
        raise fail(func, "device", device, "is not a torch device", expected) from None
    if d.type == "cuda" and d.index is None and torch.cuda.is_available():
        d = torch.device("cuda", torch.cuda.current_device())
    name = d.type if d.type in ("cpu", "mps") and d.index in (None, 0) else str(d)
    if name not in here:
        raise fail(func, "device", device, "is not available here", expected)
    return name


DEVICES = Devices(_resolve, math_flags)


def _device(name: str, device: Any, dtype: np.dtype) -> str | None:
    """The resolved device of a call (None for torch's default); MPS has no float64."""
    if device is None:
        return None
    where = _resolve(name, device)
    if where == "mps" and dtype == np.float64:
        raise refuse(name, "float64 on mps (MPS has no float64)")
    return where


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
    devices=DEVICES,
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
    device: Any = None,
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
    on = _device(name, device, x.dtype)
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
                return _host(f(_tensor(x, on), _tensor(w, on), None if b is None else _tensor(b, on), **common))

        arguments = ("x", "w", "bias" if b is not None else "None")
        return recorded(PeerCall(f"torch.nn.functional.conv{rank}d", arguments, common, run), DEVICES, on)

    c_out, c_in = w.shape[0], w.shape[1] * int(groups)
    keywords = {**common, "bias": b is not None, "padding_mode": padding_mode}

    def run_module():
        torch = _torch()
        module = getattr(torch.nn, f"Conv{rank}d")(c_in, c_out, w.shape[2:], dtype=_tensor(w).dtype, **keywords)
        with torch.no_grad():
            module.weight.copy_(_tensor(w))
            if b is not None:
                module.bias.copy_(_tensor(b))
            if on is not None:
                module.to(on)
            return _host(module(_tensor(x, on)))

    arguments = (str(c_in), str(c_out), str(tuple(w.shape[2:])))
    return recorded(PeerCall(f"torch.nn.Conv{rank}d", arguments, keywords, run_module), DEVICES, on)


@adapter(
    "conv_transpose",
    "torch",
    _problems("conv_transpose", _RANKS),
    dtypes=_DTYPES,
    devices=DEVICES,
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
    device: Any = None,
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
    on = _device(name, device, x.dtype)
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
            return _host(f(_tensor(x, on), _tensor(w, on), None if b is None else _tensor(b, on), **keywords))

    arguments = ("x", "w", "None" if b is None else "bias")
    return recorded(PeerCall(f"torch.nn.functional.conv_transpose{rank}d", arguments, keywords, run), DEVICES, on)


def _pool_setup(name: str, x: Any, kernel_size: Any, axes: Any, **geometry: Any):
    x, spec = _pool_operand(
        name, x, kernel_size, axes, _DTYPES, geometry, pooled="torch pools the last axes", rank_ok=_rank
    )
    planes, lead = _flat_leading(x, spec.ndim)
    return planes, lead, spec.ndim, spec


def _pool_call(name: str, function: str, planes: np.ndarray, lead: tuple, keywords: dict, device: Any) -> PeerCall:
    on = _device(name, device, planes.dtype)

    def run():
        torch = _torch()
        f = getattr(torch.nn.functional, function.rsplit(".", 1)[1])
        with torch.no_grad():
            y = _host(f(_tensor(planes, on), **keywords))
        return y.reshape(lead + y.shape[2:])

    return recorded(PeerCall(function, ("x",), keywords, run), DEVICES, on)


@adapter(
    "max_pool",
    "torch",
    _problems("max_pool", _RANKS),
    dtypes=_DTYPES,
    devices=DEVICES,
    conventions="pads <= k//2; NaN wins",
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
    return _pool_call(name, f"torch.nn.functional.max_pool{rank}d", planes, lead, keywords, device)


@adapter(
    "avg_pool",
    "torch",
    _problems("avg_pool", _RANKS),
    dtypes=_DTYPES,
    devices=DEVICES,
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
    device: Any = None,
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
    return _pool_call(name, f"torch.nn.functional.avg_pool{rank}d", planes, lead, keywords, device)


def _lp_problems(opt: Options):
    return lp_space(narrowed(opt, _RANKS), leading=1)


def _norm_agrees(args: tuple, kwargs: dict) -> bool:
    """No negative input and no ceil mode: there torch's formula is the p-norm."""
    return not kwargs.get("ceil_mode", False) and not (np.asarray(args[0]) < 0).any()


#: torch's lp_pool is its own formula, not the norm refconv.lp_pool (and refconv.check) computes.
LP_POOL_FORMULA = Finding(
    "torch-lp-pool-formula",
    "torch lp_pool sums x**p without |x| (x=[-1], p=1.5 gives nan, the norm 1) and scales a ceil-mode "
    "window clipped to c < K cells by K/c; refconv.pooling.lp_pool_torch is its formula",
    "torch/nn/functional.py lp_pool1d (documented: 'the sum of x**p'); a convention, not a bug",
    _norm_agrees,
)


@adapter(
    "lp_pool",
    "torch",
    _lp_problems,
    dtypes=_DTYPES,
    devices=DEVICES,
    conventions="torch's formula (no abs, ceil windows scaled by K): lp_pool_torch, not the norm",
    findings=(LP_POOL_FORMULA,),
)
def lp_pool(
    x: Any,
    p: float,
    kernel_size: Any,
    *,
    stride: Any = None,
    ceil_mode: bool = False,
    axes: Any = None,
    device: Any = None,
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
    return _pool_call(name, f"torch.nn.functional.lp_pool{rank}d", planes, lead, keywords, device)


__all__ = ["available", "devices", "math_flags", "conv", "conv_transpose", "max_pool", "avg_pool", "lp_pool"]
