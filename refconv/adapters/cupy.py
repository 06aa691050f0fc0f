"""CuPy with refconv's signatures: ``cupyx.scipy.signal`` and ``cupyx.scipy.ndimage`` on a CUDA device.

``cupyx.scipy`` mirrors SciPy's API, conventions included (``correlate2d``'s "same" puts the
larger half of an even kernel's padding *after*, as ``scipy.signal.correlate2d`` does; ndimage's
``origin`` and mode names are SciPy's), so every adapter here is its :mod:`refconv.adapters.scipy`
twin: the same translation (the scipy translator runs, refusing under this adapter's name), the
same problem space, the function taken from ``cupyx.scipy`` instead of ``scipy``.

- ``device=`` (``"cuda"``: cupy's current device; ``"cuda:1"``; an int ``i``; or a
  ``cupy.cuda.Device``; or bind one with ``correlate.on("cuda:1")``) runs the call under
  ``cupy.cuda.Device(i)``: the operands go there with ``cupy.asarray`` and the result comes back
  with ``cupy.asnumpy``.  The :class:`~refconv.adapters.PeerCall` records the device and
  :func:`math_flags`.  A device cupy lacks (or any device, where cupy is not installed) is refused
  with the list of :func:`devices`.  Without ``device=`` the call runs on cupy's current device and
  nothing is recorded.
- cupy compiles every kernel with ``-ftz=true``, so float32 arithmetic flushes subnormal
  operands, products and results to zero (:data:`SUBNORMALS`; float64 is not affected).
  ``check(..., skip_known=True)`` checks everything else, and the preset
  ``arithmetic="F32_F32_F32_FTZ"`` (:data:`refconv.bounds.PRESETS`) is the model under which the
  flushing is within the bound.
- cupy is imported on the first call that runs (or resolves a device): translating never needs
  it, and :func:`available` is false where it is not installed.

Examples
--------
>>> correlate2d.translate(np.ones((3, 3)), np.ones((2, 2)), mode=((0, 1), (0, 1)), boundary="wrap")
cupyx.scipy.signal.correlate2d(x, w, mode='same', boundary='wrap')
>>> ndimage_convolve.translate(np.ones(5), np.ones(2), mode="same")
cupyx.scipy.ndimage.convolve(x, w, mode='constant', origin=(-1,))
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from .._validation import fail, is_int
from . import Finding, PeerCall, _availability, adapter, no_subnormals
from . import scipy as _scipy
from ._registry import Devices, recorded

available = _availability("cupy")


def _cupy():
    import cupy

    return cupy


def devices() -> list[str]:
    """The CUDA devices cupy can compute on here, named ``"cuda:<i>"`` as ``device=`` takes them.

    Returns
    -------
    list of str
        ``"cuda:0"``, ``"cuda:1"``, ...; empty where cupy is not installed or sees no device
        (no driver, no GPU).

    See Also
    --------
    math_flags : the flags recorded with a call on a device.
    correlate : takes ``device=`` (as every adapter here does).

    Examples
    --------
    >>> all(name.startswith("cuda:") for name in devices())
    True
    """
    if not available():
        return []
    try:
        count = _cupy().cuda.runtime.getDeviceCount()
    except Exception:  # cupy raises its CUDARuntimeError where there is no driver or no GPU
        return []
    return [f"cuda:{i}" for i in range(count)]


#: The environment variables cupy reads for its math (``CUPY_TF32``: TF32 in cuBLAS float32
#: matmuls; ``CUPY_ACCELERATORS``: the CUB/cuTENSOR routines reductions may use); unset ones are
#: recorded as None.
ENVIRONMENT = ("CUPY_TF32", "CUPY_ACCELERATORS")


def math_flags() -> dict:
    """cupy's math settings in force now: its environment, and the ``-ftz=true`` its kernels get.

    Returns
    -------
    dict
        Each variable of :data:`ENVIRONMENT` (None where unset), and
        ``"cupy.cuda.compiler.ftz": True``: cupy appends ``-ftz=true`` to every kernel it
        compiles (``cupy/cuda/compiler.py``, ``_compile_with_cache_cuda``), which no option
        turns off (cupy/cupy#9576).

    See Also
    --------
    devices : the devices a call can run on.
    SUBNORMALS : what ``-ftz=true`` does to float32 results.

    Examples
    --------
    >>> math_flags()["cupy.cuda.compiler.ftz"]
    True
    """
    return {**{name: os.environ.get(name) for name in ENVIRONMENT}, "cupy.cuda.compiler.ftz": True}


def _index(func: str, device: Any) -> int | None:
    """The index ``device`` names (None: cupy's current device), read without importing cupy."""
    expected = "'cuda', 'cuda:<i>', an int i >= 0 or a cupy.cuda.Device"
    if is_int(device):
        if device < 0:
            raise fail(func, "device", device, "is negative", expected)
        return int(device)
    if isinstance(device, str):
        kind, colon, index = device.partition(":")
        if kind != "cuda" or (colon and not index.isdigit()):
            raise fail(func, "device", device, "is not a CUDA device name (cupy computes on CUDA devices)", expected)
        return int(index) if colon else None
    if type(device).__module__.split(".")[0] == "cupy" and is_int(getattr(device, "id", None)):
        return int(device.id)
    raise fail(func, "device", device, "is not a device name, an int or a cupy.cuda.Device", expected, TypeError)


def _resolve(func: str, device: Any) -> str:
    """``device``'s name in :func:`devices`, or a ValueError naming ``device`` and listing them."""
    index = _index(func, device)
    if not available():
        raise fail(func, "device", device, "is not available here (cupy is not installed)", "cupy and a CUDA device")
    here = devices()
    if index is None and here:
        index = _cupy().cuda.runtime.getDevice()
    name = f"cuda:{0 if index is None else index}"
    if name not in here:
        listed = f"one of {', '.join(map(repr, here))}" if here else "a CUDA device (cupy sees none here)"
        raise fail(func, "device", device, "is not available here", listed)
    return name


DEVICES = Devices(_resolve, math_flags)


def _native(a: Any) -> np.ndarray:
    # cupy holds native byte order only: a big-endian array is the same numbers in another layout.
    a = np.asarray(a)
    return np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("="))


def _cupyx(name: str, scipy_translator: Callable, *how: Any) -> Callable:
    """The translator of adapter ``name``: the call ``scipy_translator(name, *how)`` makes (its
    refusals named ``name``), run by the ``cupyx.scipy`` function of the same name on the device."""
    twin_translate = scipy_translator(name, *how)

    def translate(x, w, mode, stride, dilation, boundary, device):
        twin = twin_translate(x, w, mode, stride, dilation, boundary)
        on = None if device is None else _resolve(name, device)
        module, function = twin.function.rsplit(".", 1)
        x, w = _native(x), _native(w)

        def run():
            cupy = _cupy()
            peer = getattr(importlib.import_module(f"cupyx.{module}"), function)
            if on is None:
                return cupy.asnumpy(peer(cupy.asarray(x), cupy.asarray(w), **twin.keywords))
            with cupy.cuda.Device(int(on.split(":")[1])):
                return cupy.asnumpy(peer(cupy.asarray(x), cupy.asarray(w), **twin.keywords))

        call = PeerCall(f"cupyx.{twin.function}", twin.arguments, twin.keywords, run)
        return recorded(call, DEVICES, on)

    return translate


#: cupy compiles its kernels with -ftz=true: float32 subnormals (operands, products, results) are 0.
SUBNORMALS = Finding(
    "cupy-flushes-subnormals",
    "cupy compiles every kernel with -ftz=true, so float32 correlate/convolve flush subnormal operands, "
    "products and outputs to zero (correlate([2**-70], [2**-70]) is 0, not 2**-140); float64 is exact to "
    "its bound. Measured on an H200: caught on 1-2 element inputs. arithmetic='F32_F32_F32_FTZ' models it",
    "cupy/cuda/compiler.py (_compile_with_cache_cuda appends -ftz=true); cupy/cupy#8382, cupy/cupy#9576",
    no_subnormals,
)


def _twin(function: str) -> dict:
    """:func:`adapter`'s arguments for the twin of ``scipy.<function>``: its op, problem space, dtypes,
    method and conventions (cupyx.scipy keeps SciPy's), with cupy's devices and finding.  scipy's
    ndimage finding (weights below DBL_EPSILON dropped) is not cupy's: cupyx's ndimage kernel sums
    every weight (cupyx/scipy/ndimage/_filters.py, _correlate_or_convolve)."""
    info = getattr(_scipy, function).adapter
    return {
        "op": info.op,
        "peer": "cupy",
        "problems": info.problems,
        "dtypes": info.dtypes,
        "method": info.method,
        "conventions": info.conventions + "; on a CUDA device (cupy)",
        "findings": (SUBNORMALS,),
        "devices": DEVICES,
    }


@adapter(**_twin("correlate"))
def correlate(
    x: Any,
    w: Any,
    *,
    mode: Any = "valid",
    stride: Any = 1,
    dilation: Any = 1,
    boundary: str = "constant",
    device: Any = None,
) -> PeerCall:
    """``cupyx.scipy.signal.correlate(..., method="direct")``, as :func:`refconv.correlate`.

    Examples
    --------
    >>> correlate.translate(np.arange(5.0), np.array([1.0, 10.0]), mode="same")
    cupyx.scipy.signal.correlate(x, w, mode='same', method='direct')
    """
    signal = _cupyx("cupy.correlate", _scipy._signal_nd, "correlate", {"method": "direct"})
    return signal(x, w, mode, stride, dilation, boundary, device)


@adapter(**_twin("convolve"))
def convolve(
    x: Any,
    w: Any,
    *,
    mode: Any = "valid",
    stride: Any = 1,
    dilation: Any = 1,
    boundary: str = "constant",
    device: Any = None,
) -> PeerCall:
    """``cupyx.scipy.signal.convolve(..., method="direct")``, as :func:`refconv.convolve`.

    Examples
    --------
    >>> convolve.translate(np.ones(3), np.ones(2), mode="full")
    cupyx.scipy.signal.convolve(x, w, mode='full', method='direct')
    """
    signal = _cupyx("cupy.convolve", _scipy._signal_nd, "convolve", {"method": "direct"})
    return signal(x, w, mode, stride, dilation, boundary, device)


@adapter(**_twin("fftconvolve"))
def fftconvolve(
    x: Any,
    w: Any,
    *,
    mode: Any = "valid",
    stride: Any = 1,
    dilation: Any = 1,
    boundary: str = "constant",
    device: Any = None,
) -> PeerCall:
    """``cupyx.scipy.signal.fftconvolve``, as :func:`refconv.convolve` (judged under the FFT bound).

    Examples
    --------
    >>> fftconvolve.translate(np.ones((4, 4)), np.ones((2, 2)), mode="same")
    cupyx.scipy.signal.fftconvolve(x, w, mode='same')
    """
    signal = _cupyx("cupy.fftconvolve", _scipy._signal_nd, "fftconvolve", {})
    return signal(x, w, mode, stride, dilation, boundary, device)


@adapter(**_twin("oaconvolve"))
def oaconvolve(
    x: Any,
    w: Any,
    *,
    mode: Any = "valid",
    stride: Any = 1,
    dilation: Any = 1,
    boundary: str = "constant",
    device: Any = None,
) -> PeerCall:
    """``cupyx.scipy.signal.oaconvolve`` (overlap-add), as :func:`refconv.convolve` (judged under the FFT bound).

    Examples
    --------
    >>> oaconvolve.translate(np.ones(9), np.ones(3), mode="full")
    cupyx.scipy.signal.oaconvolve(x, w, mode='full')
    """
    signal = _cupyx("cupy.oaconvolve", _scipy._signal_nd, "oaconvolve", {})
    return signal(x, w, mode, stride, dilation, boundary, device)


@adapter(**_twin("correlate2d"))
def correlate2d(
    x: Any,
    w: Any,
    *,
    mode: Any = "valid",
    stride: Any = 1,
    dilation: Any = 1,
    boundary: str = "constant",
    device: Any = None,
) -> PeerCall:
    """``cupyx.scipy.signal.correlate2d``, as :func:`refconv.correlate` (its "same" is not refconv's for even kernels).

    Examples
    --------
    refconv's "same" (the larger half before) is refused; correlate2d's own is its explicit pads:

    >>> correlate2d.translate(np.ones((3, 3)), np.ones((2, 2)), mode="same")
    Traceback (most recent call last):
    ...
    refconv.adapters.Unsupported: cupy.correlate2d: padding ((1, 0), (1, 0)) (its modes: valid,
    full ((1, 1), (1, 1)), same ((0, 1), (0, 1))) is not supported by the peer
    """
    signal = _cupyx("cupy.correlate2d", _scipy._signal_2d, "correlate2d", "scipy.correlate2d")
    return signal(x, w, mode, stride, dilation, boundary, device)


@adapter(**_twin("convolve2d"))
def convolve2d(
    x: Any,
    w: Any,
    *,
    mode: Any = "valid",
    stride: Any = 1,
    dilation: Any = 1,
    boundary: str = "constant",
    device: Any = None,
) -> PeerCall:
    """``cupyx.scipy.signal.convolve2d``, as :func:`refconv.convolve`.

    Examples
    --------
    >>> convolve2d.translate(np.ones((4, 5)), np.ones((2, 3)), mode="same", boundary="symmetric")
    cupyx.scipy.signal.convolve2d(x, w, mode='same', boundary='symm')
    """
    signal = _cupyx("cupy.convolve2d", _scipy._signal_2d, "convolve2d", "scipy.signal")
    return signal(x, w, mode, stride, dilation, boundary, device)


@adapter(**_twin("ndimage_correlate"))
def ndimage_correlate(
    x: Any,
    w: Any,
    *,
    mode: Any = "valid",
    stride: Any = 1,
    dilation: Any = 1,
    boundary: str = "constant",
    device: Any = None,
) -> PeerCall:
    """``cupyx.scipy.ndimage.correlate``, as :func:`refconv.correlate` (``mode`` must keep the input's shape).

    Examples
    --------
    refconv's "reflect" is ndimage's "mirror":

    >>> ndimage_correlate.translate(np.ones(5), np.ones(3), mode="same", boundary="reflect")
    cupyx.scipy.ndimage.correlate(x, w, mode='mirror', origin=(0,))
    """
    filters = _cupyx("cupy.ndimage_correlate", _scipy._ndimage, "correlate")
    return filters(x, w, mode, stride, dilation, boundary, device)


@adapter(**_twin("ndimage_convolve"))
def ndimage_convolve(
    x: Any,
    w: Any,
    *,
    mode: Any = "valid",
    stride: Any = 1,
    dilation: Any = 1,
    boundary: str = "constant",
    device: Any = None,
) -> PeerCall:
    """``cupyx.scipy.ndimage.convolve``, as :func:`refconv.convolve` (``mode`` must keep the input's shape).

    Examples
    --------
    >>> ndimage_convolve.translate(np.ones(7), np.ones(4), mode=(3, 0), boundary="edge")
    cupyx.scipy.ndimage.convolve(x, w, mode='nearest', origin=(-2,))
    """
    filters = _cupyx("cupy.ndimage_convolve", _scipy._ndimage, "convolve")
    return filters(x, w, mode, stride, dilation, boundary, device)


__all__ = [
    "available",
    "devices",
    "math_flags",
    "correlate",
    "convolve",
    "fftconvolve",
    "oaconvolve",
    "correlate2d",
    "convolve2d",
    "ndimage_correlate",
    "ndimage_convolve",
]
