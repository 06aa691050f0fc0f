"""SciPy with refconv's signatures: ``scipy.signal`` (N-d and 2-D) and ``scipy.ndimage`` filters.

What the adapters know (names of :data:`refconv.conventions.SAME_PRESETS` and ``BOUNDARY_ALIASES``):

- ``scipy.signal.correlate``/``convolve``/``fftconvolve``/``oaconvolve``: any rank, ``mode``
  "valid"/"same"/"full", zeros outside; "same" is centred (``"scipy.signal"``: the larger half of
  the padding before), which is refconv's ``mode="same"``.  No stride, dilation or boundary.
- ``scipy.signal.correlate2d``/``convolve2d``: 2-D only, with ``boundary`` "fill"/"wrap"/"symm"
  (refconv's "constant"/"wrap"/"symmetric").  ``convolve2d``'s "same" is centred like
  ``convolve``'s, but **``correlate2d``'s "same" puts the larger half after**
  (``"scipy.correlate2d"``, scipy#1968): for an even kernel it is not refconv's "same", so the
  adapter refuses refconv's "same" there and takes the explicit pads of correlate2d's "same".
- ``scipy.ndimage.correlate``/``convolve``: any rank, the output has the input's shape; the
  split of the ``k-1`` padded cells is ndimage's ``origin`` (``lo = k//2 + origin`` for
  correlate; convolve flips the kernel and negates the origin, one more cell for even ``k``);
  ndimage's mode names are translated (its "reflect" is numpy's "symmetric", its "mirror" is
  numpy's "reflect", "nearest" is "edge").

Examples
--------
>>> correlate2d.translate(np.ones((3, 3)), np.ones((2, 2)), mode=((0, 1), (0, 1)), boundary="wrap")
scipy.signal.correlate2d(x, w, mode='same', boundary='wrap')
>>> ndimage_correlate.translate(np.ones(7), np.ones(4), mode=(3, 0), boundary="symmetric")
scipy.ndimage.correlate(x, w, mode='reflect', origin=(1,))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..conventions import BOUNDARY_ALIASES
from ..strategies._peer_spaces import plain_space
from ..strategies._spaces import Options
from . import Finding, PeerCall, _availability, adapter, peer_mode, refuse
from ._translate import _plain_operands

_DTYPES = ("float32", "float64")
#: refconv boundary -> scipy.signal's 2-D name, and -> ndimage's name (its canonical one).
_SIGNAL_BOUNDARY = {ours: theirs for theirs, ours in BOUNDARY_ALIASES["scipy.signal"].items()}
_NDIMAGE_MODE = {"constant": "constant", "wrap": "wrap", "reflect": "mirror", "symmetric": "reflect", "edge": "nearest"}


available = _availability("scipy")


def _spec(name: str, x: Any, w: Any, mode: Any, stride: Any, dilation: Any, boundary: str):
    geometry = {"mode": mode, "stride": stride, "dilation": dilation, "boundary": boundary}
    return _plain_operands(name, x, w, _DTYPES, geometry)


def _signal_nd(name: str, function: str, keywords: dict):
    """The translator of an N-d ``scipy.signal`` function whose only geometry is ``mode``."""

    def translate(x, w, mode, stride, dilation, boundary):
        import_name = f"scipy.signal.{function}"
        x, w, spec = _spec(name, x, w, mode, stride, dilation, boundary)
        peer = peer_mode(name, spec, "scipy.signal")
        if peer != "valid" and spec.boundary != "constant":
            raise refuse(name, f"boundary={boundary!r} (scipy.signal pads with zeros)")

        def run():
            import scipy.signal

            return getattr(scipy.signal, function)(x, w, mode=peer, **keywords)

        return PeerCall(import_name, ("x", "w"), {"mode": peer, **keywords}, run)

    return translate


def _nd_problems(opt: Options):
    return plain_space(
        opt, (1, 2, 3), modes=("valid", "same", "full"), max_stride=1, max_dilation=1, boundaries=("constant",)
    )


_SIGNAL = "N-d; 'same' centred (larger half before); zeros outside"


@adapter("correlate", "scipy", _nd_problems, conventions=_SIGNAL)
def correlate(
    x: Any, w: Any, *, mode: Any = "valid", stride: Any = 1, dilation: Any = 1, boundary: str = "constant"
) -> PeerCall:
    """``scipy.signal.correlate(..., method="direct")``, as :func:`refconv.correlate`.

    Examples
    --------
    >>> correlate(np.array([1.0, 2.0, 3.0, 4.0, 5.0]), np.array([1.0, 10.0]), mode="same")
    array([10., 21., 32., 43., 54.])
    """
    return _signal_nd("scipy.correlate", "correlate", {"method": "direct"})(x, w, mode, stride, dilation, boundary)


@adapter("convolve", "scipy", _nd_problems, conventions=_SIGNAL)
def convolve(
    x: Any, w: Any, *, mode: Any = "valid", stride: Any = 1, dilation: Any = 1, boundary: str = "constant"
) -> PeerCall:
    """``scipy.signal.convolve(..., method="direct")``, as :func:`refconv.convolve`.

    Examples
    --------
    >>> convolve(np.array([1.0, 2.0, 3.0]), np.array([1.0, 10.0]), mode="full")
    array([ 1., 12., 23., 30.])
    """
    return _signal_nd("scipy.convolve", "convolve", {"method": "direct"})(x, w, mode, stride, dilation, boundary)


@adapter("convolve", "scipy", _nd_problems, method="fft", conventions=_SIGNAL + "; FFT")
def fftconvolve(
    x: Any, w: Any, *, mode: Any = "valid", stride: Any = 1, dilation: Any = 1, boundary: str = "constant"
) -> PeerCall:
    """``scipy.signal.fftconvolve``, as :func:`refconv.convolve` (judged under the FFT bound).

    Examples
    --------
    >>> fftconvolve.translate(np.ones((4, 4)), np.ones((2, 2)), mode="same")
    scipy.signal.fftconvolve(x, w, mode='same')
    """
    return _signal_nd("scipy.fftconvolve", "fftconvolve", {})(x, w, mode, stride, dilation, boundary)


@adapter("convolve", "scipy", _nd_problems, method="fft", conventions=_SIGNAL + "; overlap-add FFT")
def oaconvolve(
    x: Any, w: Any, *, mode: Any = "valid", stride: Any = 1, dilation: Any = 1, boundary: str = "constant"
) -> PeerCall:
    """``scipy.signal.oaconvolve`` (overlap-add), as :func:`refconv.convolve` (judged under the FFT bound).

    Examples
    --------
    >>> oaconvolve.translate(np.ones(9), np.ones(3), mode="full")
    scipy.signal.oaconvolve(x, w, mode='full')
    """
    return _signal_nd("scipy.oaconvolve", "oaconvolve", {})(x, w, mode, stride, dilation, boundary)


def _signal_2d(name: str, function: str, same: str):
    def translate(x, w, mode, stride, dilation, boundary):
        x, w, spec = _spec(name, x, w, mode, stride, dilation, boundary)
        if spec.ndim != 2:
            raise refuse(name, f"rank {spec.ndim} ({function} is 2-D)")
        peer = peer_mode(name, spec, same)
        keywords = {"mode": peer}
        if peer != "valid":
            if spec.boundary not in _SIGNAL_BOUNDARY:
                raise refuse(name, f"boundary={boundary!r} (it has 'fill', 'wrap', 'symm')")
            if spec.boundary != "constant":
                keywords["boundary"] = _SIGNAL_BOUNDARY[spec.boundary]

        def run():
            import scipy.signal

            return getattr(scipy.signal, function)(x, w, **keywords)

        return PeerCall(f"scipy.signal.{function}", ("x", "w"), keywords, run)

    return translate


def _problems_2d(preset: str):
    def problems(opt: Options):
        boundaries = ("constant", "wrap", "symmetric")
        caps = {"modes": ("valid", "same", "full"), "max_stride": 1, "max_dilation": 1, "boundaries": boundaries}
        return plain_space(opt, (2,), presets=(preset,), **caps)

    return problems


@adapter(
    "correlate",
    "scipy",
    _problems_2d("scipy.correlate2d"),
    conventions="2-D; 'same' has the larger half AFTER (scipy#1968); fill/wrap/symm",
)
def correlate2d(
    x: Any, w: Any, *, mode: Any = "valid", stride: Any = 1, dilation: Any = 1, boundary: str = "constant"
) -> PeerCall:
    """``scipy.signal.correlate2d``, as :func:`refconv.correlate` (its "same" is not refconv's for even kernels).

    Examples
    --------
    The same operands, two "same" conventions (scipy#1968):

    >>> x, w = np.arange(1.0, 10.0).reshape(3, 3), np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> correlate2d(x, w, mode=((0, 1), (0, 1)))          # correlate2d's "same"
    array([[37., 47., 21.],
           [67., 77., 33.],
           [23., 26.,  9.]])
    >>> correlate2d(x, w, mode="same")                     # refconv's (and scipy.signal.correlate's)
    Traceback (most recent call last):
    ...
    refconv.adapters.Unsupported: scipy.correlate2d: padding ((1, 0), (1, 0)) (its modes: valid,
    full ((1, 1), (1, 1)), same ((0, 1), (0, 1))) is not supported by the peer
    """
    return _signal_2d("scipy.correlate2d", "correlate2d", "scipy.correlate2d")(x, w, mode, stride, dilation, boundary)


@adapter(
    "convolve",
    "scipy",
    _problems_2d("scipy.signal"),
    conventions="2-D; 'same' centred like convolve's; fill/wrap/symm",
)
def convolve2d(
    x: Any, w: Any, *, mode: Any = "valid", stride: Any = 1, dilation: Any = 1, boundary: str = "constant"
) -> PeerCall:
    """``scipy.signal.convolve2d``, as :func:`refconv.convolve`.

    Examples
    --------
    >>> convolve2d(np.array([[1.0, 2.0, 3.0, 4.0, 5.0]]), np.array([[1.0, 10.0]]), mode="same")
    array([[ 1., 12., 23., 34., 45.]])
    """
    return _signal_2d("scipy.convolve2d", "convolve2d", "scipy.signal")(x, w, mode, stride, dilation, boundary)


def _ndimage(name: str, function: str):
    def translate(x, w, mode, stride, dilation, boundary):
        x, w, spec = _spec(name, x, w, mode, stride, dilation, boundary)
        origins = []
        for g in spec.axes:
            if g.lo + g.hi != g.k - 1:
                raise refuse(name, f"padding {spec.pads} (ndimage's output has the input's shape: lo + hi = k - 1)")
            # correlate: lo = k//2 + origin.  convolve flips the kernel and takes -origin, minus one
            # more cell for an even kernel (scipy/ndimage/_filters.py, _correlate_or_convolve).
            origin = g.lo - g.k // 2
            origins.append(origin if function == "correlate" else -origin - (1 - g.k % 2))
        keywords = {"mode": _NDIMAGE_MODE[spec.boundary], "origin": tuple(origins)}

        def run():
            import scipy.ndimage

            return getattr(scipy.ndimage, function)(x, w, **keywords)

        return PeerCall(f"scipy.ndimage.{function}", ("x", "w"), keywords, run)

    return translate


def _ndimage_problems(opt: Options):
    caps = {"modes": ("same",), "max_stride": 1, "max_dilation": 1}
    return plain_space(opt, (1, 2, 3), presets=("torch",), **caps)


def _no_tiny_weights(args: tuple, kwargs: dict) -> bool:
    w = np.asarray(args[1], dtype=np.float64)
    return not np.any((w != 0) & (np.abs(w) <= np.finfo(np.float64).eps))


#: ndimage's N-d correlate keeps only weights with |w| > DBL_EPSILON (scipy/ndimage/src/ni_filters.c,
#: NI_Correlate builds its footprint so); correlate1d keeps them all.
TINY_WEIGHTS = Finding(
    "ndimage-drops-tiny-weights",
    "scipy.ndimage.correlate/convolve treat every weight with |w| <= 2**-52 as zero: "
    "correlate([1e20], [1e-17]) is 0, not 1000 (correlate1d gives 1000)",
    "scipy/ndimage/src/ni_filters.c (NI_Correlate: fabs(w) > DBL_EPSILON); no scipy issue found",
    _no_tiny_weights,
)

_NDIMAGE = "input's shape out; split by origin; reflect=symmetric, mirror=reflect, nearest=edge"


@adapter("correlate", "scipy", _ndimage_problems, conventions=_NDIMAGE, findings=(TINY_WEIGHTS,))
def ndimage_correlate(
    x: Any, w: Any, *, mode: Any = "valid", stride: Any = 1, dilation: Any = 1, boundary: str = "constant"
) -> PeerCall:
    """``scipy.ndimage.correlate``, as :func:`refconv.correlate` (``mode`` must keep the input's shape).

    Examples
    --------
    refconv's "reflect" is ndimage's "mirror":

    >>> ndimage_correlate(np.arange(1.0, 6.0), np.array([1.0, 10.0, 100.0]), mode="same", boundary="reflect")
    array([212., 321., 432., 543., 454.])
    """
    return _ndimage("scipy.ndimage_correlate", "correlate")(x, w, mode, stride, dilation, boundary)


@adapter("convolve", "scipy", _ndimage_problems, conventions=_NDIMAGE, findings=(TINY_WEIGHTS,))
def ndimage_convolve(
    x: Any, w: Any, *, mode: Any = "valid", stride: Any = 1, dilation: Any = 1, boundary: str = "constant"
) -> PeerCall:
    """``scipy.ndimage.convolve``, as :func:`refconv.convolve` (``mode`` must keep the input's shape).

    Examples
    --------
    >>> ndimage_convolve.translate(np.ones(5), np.ones(2), mode="same")
    scipy.ndimage.convolve(x, w, mode='constant', origin=(-1,))
    """
    return _ndimage("scipy.ndimage_convolve", "convolve")(x, w, mode, stride, dilation, boundary)


__all__ = [
    "available",
    "correlate",
    "convolve",
    "fftconvolve",
    "oaconvolve",
    "correlate2d",
    "convolve2d",
    "ndimage_correlate",
    "ndimage_convolve",
]
