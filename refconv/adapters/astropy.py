"""astropy with refconv's signatures: ``astropy.convolution.convolve`` (direct) and ``convolve_fft``.

What the adapters know:

- Both are true convolutions (the kernel flipped) whose output has the input's shape, centred:
  refconv's ``convolve(..., mode="same")`` for an **odd** kernel (``(k-1)/2`` cells each side).
  astropy refuses even kernels ("Kernel size must be odd"), so the adapters refuse them too, and
  every other ``mode``, stride and dilation.
- Boundaries: astropy's ``"fill"`` (with ``fill_value``: refconv's ``cval``) is refconv's
  ``"constant"``, ``"wrap"`` is ``"wrap"``, ``"extend"`` is ``"edge"`` (``convolve_fft`` has no
  ``"extend"``).  ``boundary=None`` (zero where the kernel leaves the array) is not refconv's.
- The adapters pass ``normalize_kernel=False`` (astropy's default divides by the kernel's sum)
  and ``nan_treatment="fill"`` (the default ``"interpolate"`` rewrites NaN cells; ``"fill"``
  replaces them by ``fill_value``, so a NaN does not propagate as in refconv).
- astropy computes in float64 whatever the input (``convolve`` in C loops, ``convolve_fft``
  with ``numpy.fft`` on complex128); ``convolve`` takes ranks 1 to 3.

Known finding: :data:`FFT_WRAP_SHORT_ARRAY` (``convolve_fft(boundary="wrap")`` is not periodic
when the kernel is longer than the array).

Examples
--------
>>> convolve.translate(np.ones(5), np.ones(3), mode="same", boundary="edge")
astropy.convolution.convolve(x, w, boundary='extend', fill_value=0.0, normalize_kernel=False, nan_treatment='fill')
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..conventions import BOUNDARY_ALIASES
from ..strategies._peer_spaces import plain_space
from ..strategies._spaces import Options
from . import Finding, PeerCall, _availability, adapter, refuse
from ._translate import _plain_operands

_DTYPES = ("float32", "float64")
#: refconv boundary -> astropy's name (refconv.conventions has no astropy table yet).
#: refconv boundary -> astropy's name, from the one naming table.
_BOUNDARY = {to: name for name, to in BOUNDARY_ALIASES["astropy"].items()}

available = _availability("astropy")


def _translate(name: str, function: str, x, w, mode, stride, dilation, boundary, cval) -> PeerCall:
    geometry = {"mode": mode, "stride": stride, "dilation": dilation, "boundary": boundary}
    x, w, spec = _plain_operands(name, x, w, _DTYPES, geometry)
    if any(k % 2 == 0 for k in spec.kernel_shape):
        raise refuse(name, f"kernel shape {spec.kernel_shape} (astropy's kernels have odd sizes)")
    centred = tuple(((k - 1) // 2, (k - 1) // 2) for k in spec.kernel_shape)
    if spec.pads != centred:
        raise refuse(name, f"padding {spec.pads} (astropy's output is centred: {centred})")
    if function == "convolve" and spec.ndim > 3:
        raise refuse(name, f"rank {spec.ndim} (astropy's direct convolve is 1-D to 3-D)")
    allowed = ("constant", "wrap") if function == "convolve_fft" else tuple(_BOUNDARY)
    if spec.boundary not in allowed:
        raise refuse(name, f"boundary={boundary!r} (astropy's {function} has {[_BOUNDARY[b] for b in allowed]})")
    if spec.boundary != "constant" and cval != 0:
        raise refuse(name, f"cval={cval!r} with boundary={boundary!r}")
    keywords = {
        "boundary": _BOUNDARY[spec.boundary],
        "fill_value": float(cval),
        "normalize_kernel": False,
        "nan_treatment": "fill",
    }

    def run():
        import astropy.convolution

        return np.asarray(getattr(astropy.convolution, function)(x, w, **keywords))

    return PeerCall(f"astropy.convolution.{function}", ("x", "w"), keywords, run)


def _problems(boundaries: tuple[str, ...]):
    def problems(opt: Options):
        caps = {"modes": ("same",), "max_stride": 1, "max_dilation": 1, "boundaries": boundaries}
        return plain_space(opt, (1, 2, 3), **caps)

    return problems


def _kernel_fits(args: tuple, kwargs: dict) -> bool:
    return all(k <= n for k, n in zip(np.shape(args[1]), np.shape(args[0])))


#: convolve_fft(boundary="wrap") pads the array to the kernel's shape instead of wrapping it.
FFT_WRAP_SHORT_ARRAY = Finding(
    "astropy-convolve-fft-wrap",
    "astropy convolve_fft(boundary='wrap') is not periodic when the kernel is longer than the array: "
    "x=[1], w=[1, 2, 4] should give 7 (convolve gives 7), convolve_fft gives 2",
    "astropy/convolution/convolve.py (convolve_fft: newshape = max(arrayshape, kernshape)); no astropy issue found",
    _kernel_fits,
)


@adapter(
    "convolve",
    "astropy",
    _problems(tuple(_BOUNDARY)),
    conventions="odd kernels, centred; fill/wrap/extend; normalize_kernel=False; float64",
)
def convolve(
    x: Any,
    w: Any,
    *,
    mode: Any = "valid",
    stride: Any = 1,
    dilation: Any = 1,
    boundary: str = "constant",
    cval: Any = 0,
) -> PeerCall:
    """``astropy.convolution.convolve`` (direct), as :func:`refconv.convolve` with ``mode="same"``.

    Examples
    --------
    >>> convolve.translate(np.ones(5), np.ones(2), mode="same")
    Traceback (most recent call last):
    ...
    refconv.adapters.Unsupported: astropy.convolve: kernel shape (2,) (astropy's kernels have odd sizes)
    is not supported by the peer
    """
    return _translate("astropy.convolve", "convolve", x, w, mode, stride, dilation, boundary, cval)


@adapter(
    "convolve",
    "astropy",
    _problems(("constant", "wrap")),
    method="fft",
    conventions="odd kernels, centred; fill/wrap; normalize_kernel=False; complex128 FFT",
    findings=(FFT_WRAP_SHORT_ARRAY,),
)
def convolve_fft(
    x: Any,
    w: Any,
    *,
    mode: Any = "valid",
    stride: Any = 1,
    dilation: Any = 1,
    boundary: str = "constant",
    cval: Any = 0,
) -> PeerCall:
    """``astropy.convolution.convolve_fft``, as :func:`refconv.convolve` with ``mode="same"`` (FFT bound).

    Examples
    --------
    >>> convolve_fft.translate(np.ones((4, 4)), np.ones((3, 3)), mode="same", boundary="wrap")
    astropy.convolution.convolve_fft(x, w, boundary='wrap', fill_value=0.0, normalize_kernel=False,
                                     nan_treatment='fill')
    """
    return _translate("astropy.convolve_fft", "convolve_fft", x, w, mode, stride, dilation, boundary, cval)


__all__ = ["available", "convolve", "convolve_fft", "FFT_WRAP_SHORT_ARRAY"]
